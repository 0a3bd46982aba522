package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// applyDeletionPolicy deletes the Messaging Service, or leaves it, as the deletion
// policy says, and only if this object owns it: deleting a copy that names another
// object's service deletes nothing in Twilio.
func (run *msRun) applyDeletionPolicy(ctx context.Context) error {
	obj := run.obj
	markReconciling(obj, v1alpha1.ReasonDeleting, "Running deletionPolicy "+string(obj.Spec.DeletionPolicy))
	sid := annotation(obj, v1alpha1.SIDAnnotation)
	if sid == "" {
		if annotation(obj, v1alpha1.CreatePendingAnnotation) == "" || run.keepsTwilio() {
			return nil // never created, or kept anyway
		}
		return run.deleteInterruptedCreate(ctx)
	}
	if !validSID("MG", sid) {
		return nil // not a SID: nothing in Twilio can be this object's
	}
	owner, err := run.ownsForDeletion(ctx, obj, "Messaging Service", sid, obj.Status.SID == sid)
	if err != nil || !owner {
		return err
	}
	if run.keepsTwilio() {
		run.events.normal(obj, reasonOrphaned, actionDelete,
			"Left Messaging Service %s and its phone numbers in Twilio (deletionPolicy %s, managementPolicy %s)",
			sid, obj.Spec.DeletionPolicy, obj.Spec.ManagementPolicy)
		return run.release(ctx, obj, sid)
	}
	tw, err := run.connectForDeletion(ctx, obj, obj.Spec.CredentialsRef.Name)
	if err != nil {
		return fmt.Errorf("cannot delete the Messaging Service: %w (restore the Secret, or set deletionPolicy: Orphan)", err)
	}
	if err := run.deleteService(ctx, tw, sid); err != nil {
		return err
	}
	return run.release(ctx, obj, sid)
}

// keepsTwilio says whether deletion leaves the Twilio side alone.
func (run *msRun) keepsTwilio() bool {
	return run.obj.Spec.DeletionPolicy == v1alpha1.DeletionPolicyOrphan || run.observeOnly()
}

// deleteInterruptedCreate deletes the service an interrupted create may have made.
func (run *msRun) deleteInterruptedCreate(ctx context.Context) error {
	tw, err := run.connectForDeletion(ctx, run.obj, run.obj.Spec.CredentialsRef.Name)
	if err != nil {
		return fmt.Errorf("cannot delete the Messaging Service: %w (restore the Secret, or set deletionPolicy: Orphan)", err)
	}
	svc, err := run.findCreated(ctx, tw)
	if err != nil || svc == nil {
		return err
	}
	return run.deleteService(ctx, tw, svc.SID)
}

// deleteService deletes a Messaging Service. Twilio deletes the service's A2P campaign
// with it and frees its numbers; a 404 counts as done.
func (run *msRun) deleteService(ctx context.Context, tw twilio.Client, sid string) error {
	if err := tw.DeleteService(ctx, sid); err != nil && !twilio.IsNotFound(err) {
		return fmt.Errorf("cannot delete Messaging Service %s: %w", sid, err)
	}
	log.FromContext(ctx).Info("Deleted Messaging Service", "sid", sid, "accountSid", tw.AccountSID())
	run.events.normal(run.obj, reasonDeleted, actionDelete, "Deleted Messaging Service %s", sid)
	return nil
}
