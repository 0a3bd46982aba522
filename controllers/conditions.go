package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// conditioned is an object of either kind: metadata plus status conditions.
type conditioned interface {
	client.Object
	GetConditions() []metav1.Condition
	SetConditions([]metav1.Condition)
}

// This file is the only place that sets conditions. Each mark function keeps the
// kstatus invariants: Reconciling and Stalled are never both True, a finished
// reconcile removes both, and every condition carries the generation it describes.

// markReady records success: Ready=True, no Reconciling, no Stalled.
func markReady(obj conditioned, reason, message string) {
	setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionTrue, reason, message)
	removeCondition(obj, v1alpha1.ConditionReconciling)
	removeCondition(obj, v1alpha1.ConditionStalled)
}

// markNotReady records a finished reconcile whose result is not usable, yet needs no
// work and no user action (e.g. drift seen in ObserveOnly).
func markNotReady(obj conditioned, reason, message string) {
	setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	removeCondition(obj, v1alpha1.ConditionReconciling)
	removeCondition(obj, v1alpha1.ConditionStalled)
}

// markReconciling records work in progress that finishes without user action.
func markReconciling(obj conditioned, reason, message string) {
	setCondition(obj, v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	removeCondition(obj, v1alpha1.ConditionStalled)
}

// markStalled records that nothing can progress until the user changes something.
func markStalled(obj conditioned, reason, message string) {
	setCondition(obj, v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
	setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	removeCondition(obj, v1alpha1.ConditionReconciling)
}

// markPaused records that the paused annotation stops all work. Ready keeps what was
// last known; nothing is in progress.
func markPaused(obj conditioned) {
	setCondition(obj, v1alpha1.ConditionPaused, metav1.ConditionTrue, v1alpha1.ReasonPaused,
		"The "+v1alpha1.PausedAnnotation+" annotation is \"true\": no Twilio calls are made")
	removeCondition(obj, v1alpha1.ConditionReconciling)
}

// markUnpaused removes the Paused condition.
func markUnpaused(obj conditioned) { removeCondition(obj, v1alpha1.ConditionPaused) }

// markSubCondition sets a kind-specific condition such as BrandApproved.
func markSubCondition(obj conditioned, conditionType string, status metav1.ConditionStatus, reason, message string) {
	setCondition(obj, conditionType, status, reason, message)
}

func setCondition(obj conditioned, conditionType string, status metav1.ConditionStatus, reason, message string) {
	conditions := obj.GetConditions()
	meta.SetStatusCondition(&conditions, metav1.Condition{
		Type: conditionType, Status: status, Reason: reason, Message: redact(message),
		ObservedGeneration: obj.GetGeneration(),
	})
	obj.SetConditions(conditions)
}

func removeCondition(obj conditioned, conditionType string) {
	conditions := obj.GetConditions()
	meta.RemoveStatusCondition(&conditions, conditionType)
	obj.SetConditions(conditions)
}

// readyStatus returns the status of the Ready condition, or Unknown.
func readyStatus(obj conditioned) metav1.ConditionStatus {
	if c := meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionReady); c != nil {
		return c.Status
	}
	return metav1.ConditionUnknown
}

// isStalled reports whether the object is Stalled.
func isStalled(obj conditioned) bool {
	return meta.IsStatusConditionTrue(obj.GetConditions(), v1alpha1.ConditionStalled)
}
