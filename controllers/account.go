package controllers

import (
	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// checkAccount stops a sync whose credentials are for another account than the one the
// object's Twilio objects live in. Without it, the SID would be 404 in the new account
// and read as "deleted outside the operator": a second service would be created there
// and the first one forgotten. Moving accounts is the user's decision, made explicit by
// removing the SID annotation.
func checkAccount(obj conditioned, tw twilio.Client, what string) error {
	sid := annotation(obj, v1alpha1.SIDAnnotation)
	was := commonStatus(obj).AccountSID
	if sid == "" || was == "" || was == tw.AccountSID() {
		return nil
	}
	return stall(v1alpha1.ReasonInvalidCredentials,
		"the credentials are for account %s, but %s %s is in account %s: restore the credentials, "+
			"or remove the %s annotation to create a new one in %s",
		tw.AccountSID(), what, sid, was, v1alpha1.SIDAnnotation, tw.AccountSID())
}
