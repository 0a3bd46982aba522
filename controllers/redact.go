package controllers

import (
	"fmt"

	redactor "github.com/twilio-operator/twilio-operator/internal/redact"
)

// redact removes the credentials of URLs from text bound for status, events or logs.
func redact(s string) string { return redactor.URLs(s) }

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}
