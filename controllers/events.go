package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
)

// eventReason is the reason of an event the operator records. Condition transitions
// are recorded with the condition's own reason (api/v1alpha1); these are the reasons of
// the events that say what the operator did in Twilio.
type eventReason string

// Event reasons, one per thing the operator does.
const (
	reasonCreated     eventReason = "Created"     // a Twilio object was created (a fee for brands and campaigns)
	reasonAdopted     eventReason = "Adopted"     // a Twilio object an interrupted create made was found and recorded
	reasonUpdated     eventReason = "Updated"     // fields or the pool were put in line with the spec
	reasonResubmitted eventReason = "Resubmitted" // a brand or campaign was sent for vetting again
	reasonDeleted     eventReason = "Deleted"     // a Twilio object was deleted
	reasonRecreating  eventReason = "Recreating"  // a Twilio object was gone and is created again
	reasonOrphaned    eventReason = "Orphaned"    // deletion left the Twilio side as it was
	reasonBrandKept   eventReason = "BrandKept"   // Twilio cannot delete a brand
	reasonDrift       eventReason = "DriftDetected"
	reasonKeptTwilio  eventReason = "KeptByTwilio" // Twilio kept its own value of a field the operator sent
	reasonReleased    eventReason = "Released"     // a non-owner was deleted and left the owner's Twilio object alone
	reasonOTPSent     eventReason = "OTPSent"      // Twilio texted a Sole Proprietor brand's owner a new OTP
	reasonOTPRefused  eventReason = "OTPRefused"   // Twilio refused to send a new OTP
)

// Event actions: what the operator was doing.
const (
	actionCreate    = "Create"
	actionUpdate    = "Update"
	actionDelete    = "Delete"
	actionReconcile = "Reconcile"
)

// eventer records events with typed reasons; every note is redacted, so no URL with
// credentials in it reaches an event.
type eventer struct{ recorder recorder.EventRecorder }

func (e eventer) normal(obj runtime.Object, reason eventReason, action, format string, args ...any) {
	e.record(obj, corev1.EventTypeNormal, string(reason), action, format, args...)
}

func (e eventer) warning(obj runtime.Object, reason eventReason, action, format string, args ...any) {
	e.record(obj, corev1.EventTypeWarning, string(reason), action, format, args...)
}

func (e eventer) record(obj runtime.Object, eventType, reason, action, format string, args ...any) {
	e.recorder.Eventf(obj, nil, eventType, reason, action, "%s", redact(sprintf(format, args...)))
}
