package controllers

import (
	"strings"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// onlyMatch is the verdict of a natural-key search after an interrupted create: none
// (create), exactly one (adopt it), or several, which the operator never guesses
// between: AmbiguousAdoption, naming them, so the user picks with the sid annotation.
// what names the candidates in that message, e.g. `Messaging Services named "Support"`.
func onlyMatch[T any](matches []T, sid func(T) string, what string) (*T, error) {
	switch len(matches) {
	case 0:
		return nil, nil
	case 1:
		return &matches[0], nil
	}
	sids := make([]string, 0, len(matches))
	for _, m := range matches {
		sids = append(sids, sid(m))
	}
	return nil, stall(v1alpha1.ReasonAmbiguousAdoption,
		"an interrupted create left several %s (%s): set the %s annotation to the right one",
		what, strings.Join(sids, ", "), v1alpha1.SIDAnnotation)
}
