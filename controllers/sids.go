package controllers

import (
	"regexp"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// sidPattern is a Twilio SID: two uppercase letters and 32 hex digits. Twilio's own
// are lowercase hex; the API's patterns accept either case.
var sidPattern = regexp.MustCompile(`^[A-Z]{2}[0-9a-fA-F]{32}$`)

// validSID reports whether sid is a SID of the kind prefix names ("MG", "BN", "QE"…).
func validSID(prefix, sid string) bool { return sidPattern.MatchString(sid) && sid[:2] == prefix }

// checkSID fails with InvalidSpec, before any Twilio call, when sid (taken from where
// names: "the twilio-operator.io/sid annotation") is not a SID of the kind prefix names.
// A SID goes into a request path, so "MG…/PhoneNumbers" or one with "?" or "#" would
// send another request than the one meant.
func checkSID(prefix, what, where, sid string) error {
	if validSID(prefix, sid) {
		return nil
	}
	return stall(v1alpha1.ReasonInvalidSpec, "%s is %q, which is not a %s SID (%s followed by 32 hex digits)", where, sid, what, prefix)
}
