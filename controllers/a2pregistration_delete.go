package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// applyDeletionPolicy runs the deletion policy. Delete removes the campaigns; the brand
// always stays, because Twilio cannot delete a brand. Orphan (the default) touches nothing.
func (run *a2pRun) applyDeletionPolicy(ctx context.Context) error {
	obj := run.obj
	markReconciling(obj, v1alpha1.ReasonDeleting, "Running deletionPolicy "+string(obj.Spec.DeletionPolicy))
	brand := annotation(obj, v1alpha1.SIDAnnotation)
	if obj.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete && !run.observeOnly() {
		if err := run.deleteCampaigns(ctx); err != nil {
			return err
		}
		if brand != "" {
			run.events.Eventf(obj, nil, "Normal", "BrandKept", "Delete",
				"Brand registration %s stays registered: Twilio cannot delete a brand", brand)
		}
	} else if brand != "" {
		run.events.Eventf(obj, nil, "Normal", "Orphaned", "Delete",
			"Left brand registration %s and its campaigns in Twilio (deletionPolicy %s, managementPolicy %s)",
			brand, obj.Spec.DeletionPolicy, obj.Spec.ManagementPolicy)
	}
	return nil
}

func (run *a2pRun) deleteCampaigns(ctx context.Context) error {
	var tw twilio.Client
	for _, c := range run.obj.Status.Campaigns {
		if c.SID == "" {
			continue
		}
		if tw == nil {
			var err error
			if tw, err = run.connectForDeletion(ctx, run.obj, run.obj.Spec.CredentialsRef.Name); err != nil {
				return fmt.Errorf("cannot delete the campaigns: %w (restore the Secret, or set deletionPolicy: Orphan)", err)
			}
		}
		if err := tw.DeleteCampaign(ctx, c.MessagingServiceSID, c.SID); err != nil && !twilio.IsNotFound(err) {
			return fmt.Errorf("cannot delete campaign %s: %w", c.SID, err)
		}
		log.FromContext(ctx).Info("Deleted campaign", "sid", c.SID, "messagingServiceSid", c.MessagingServiceSID)
		run.events.Eventf(run.obj, nil, "Normal", "Deleted", "Delete", "Deleted campaign %s on Messaging Service %s", c.SID, c.MessagingServiceSID)
	}
	return nil
}
