package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// applyDeletionPolicy deletes the Messaging Service, or leaves it, as the deletion
// policy says.
func (run *msRun) applyDeletionPolicy(ctx context.Context) error {
	obj := run.obj
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
	return nil
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
