package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// delete runs the deletion policy, then lets the object go.
func (run *msRun) delete(ctx context.Context) error {
	obj := run.obj
	if !controllerutil.ContainsFinalizer(obj, finalizer) {
		return nil
	}
	if isPaused(obj) {
		markPaused(obj)
		return waiting(v1alpha1.ReasonDeleting,
			"deletion waits until the %s annotation is removed: no Twilio call is made while paused", v1alpha1.PausedAnnotation)
	}
	markReconciling(obj, v1alpha1.ReasonDeleting, "Running deletionPolicy "+string(obj.Spec.DeletionPolicy))
	sid := annotation(obj, v1alpha1.SIDAnnotation)
	keep := obj.Spec.DeletionPolicy == v1alpha1.DeletionPolicyOrphan ||
		obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly
	switch {
	case keep && sid != "":
		run.events.Eventf(obj, nil, "Normal", "Orphaned", "Delete",
			"Left Messaging Service %s and its phone numbers in Twilio (deletionPolicy %s, managementPolicy %s)",
			sid, obj.Spec.DeletionPolicy, obj.Spec.ManagementPolicy)
	case keep:
	case sid == "" && annotation(obj, v1alpha1.CreatePendingAnnotation) == "":
		// Never created: nothing in Twilio to delete.
	default:
		if err := run.deleteService(ctx, sid); err != nil {
			return err
		}
	}
	run.syncs.forget(obj.UID)
	run.ready.forget(obj)
	return removeFinalizer(ctx, run.Client, obj)
}

// deleteService deletes the Messaging Service, or the one an interrupted create may have
// made. Twilio deletes the service's A2P campaign with it and frees its numbers.
func (run *msRun) deleteService(ctx context.Context, sid string) error {
	tw, err := run.connectForDeletion(ctx, run.obj, run.obj.Spec.CredentialsRef.Name)
	if err != nil {
		return fmt.Errorf("cannot delete the Messaging Service: %w (restore the Secret, or set deletionPolicy: Orphan)", err)
	}
	run.tw = tw
	if sid == "" {
		svc, err := run.findCreated(ctx)
		if err != nil || svc == nil {
			return err
		}
		sid = svc.SID
	}
	if err := tw.DeleteService(ctx, sid); err != nil && !twilio.IsNotFound(err) {
		return fmt.Errorf("cannot delete Messaging Service %s: %w", sid, err)
	}
	log.FromContext(ctx).Info("Deleted Messaging Service", "sid", sid, "accountSid", tw.AccountSID())
	run.events.Eventf(run.obj, nil, "Normal", "Deleted", "Delete", "Deleted Messaging Service %s", sid)
	return nil
}
