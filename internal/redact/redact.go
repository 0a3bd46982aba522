// Package redact removes credentials from text before it reaches status, events, logs
// or error messages.
package redact

import "regexp"

// userinfo matches the user information of a URL: "https://user:pass@" up to the "@".
// Webhook URLs may carry HTTP Basic credentials that way (Twilio supports it for its
// callbacks), and they must not be repeated anywhere.
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@\s]*@`)

// Redacted stands in for the user information of a URL.
const Redacted = "redacted@"

// URLs replaces the user information of every URL in s with Redacted.
func URLs(s string) string { return userinfo.ReplaceAllString(s, "${1}"+Redacted) }
