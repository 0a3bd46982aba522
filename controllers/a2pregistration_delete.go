package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// applyDeletionPolicy runs the deletion policy on what the object owns. Delete removes
// its campaigns; the brand always stays, because Twilio cannot delete a brand. Orphan
// (the default) touches nothing. Either way the object's claims are released, so a
// restored copy can take its Twilio objects back.
func (run *a2pRun) applyDeletionPolicy(ctx context.Context) error {
	obj := run.obj
	markReconciling(obj, v1alpha1.ReasonDeleting, "Running deletionPolicy "+string(obj.Spec.DeletionPolicy))
	brand := annotation(obj, v1alpha1.SIDAnnotation)
	if brand != "" && !validSID("BN", brand) {
		return nil // not a SID: nothing in Twilio can be this object's
	}
	deletes := obj.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete && !run.observeOnly()
	if err := run.finalizeCampaigns(ctx, deletes); err != nil {
		return err
	}
	if err := run.releaseTrustHub(ctx); err != nil {
		return err
	}
	if brand == "" {
		return nil
	}
	owner, err := run.ownsForDeletion(ctx, obj, "brand registration", brand, obj.Status.SID == brand)
	if err != nil || !owner {
		return err
	}
	if deletes {
		run.events.normal(obj, reasonBrandKept, actionDelete, "Brand registration %s stays registered: Twilio cannot delete a brand", brand)
	} else {
		run.events.normal(obj, reasonOrphaned, actionDelete,
			"Left brand registration %s and its campaigns in Twilio (deletionPolicy %s, managementPolicy %s)",
			brand, obj.Spec.DeletionPolicy, obj.Spec.ManagementPolicy)
	}
	return run.release(ctx, obj, brand)
}

// finalizeCampaigns deletes (when deletes) and releases the campaigns the object owns.
func (run *a2pRun) finalizeCampaigns(ctx context.Context, deletes bool) error {
	var tw twilio.Client
	for _, c := range run.obj.Status.Campaigns {
		if c.SID == "" || !validSID("QE", c.SID) {
			continue
		}
		owner, err := run.ownsForDeletion(ctx, run.obj, "campaign", c.SID, true)
		if err != nil {
			return err
		}
		if !owner {
			continue
		}
		if deletes {
			if tw == nil {
				if tw, err = run.connectForDeletion(ctx, run.obj, run.obj.Spec.CredentialsRef.Name); err != nil {
					return fmt.Errorf("cannot delete the campaigns: %w (restore the Secret, or set deletionPolicy: Orphan)", err)
				}
			}
			if err := tw.DeleteCampaign(ctx, c.MessagingServiceSID, c.SID); err != nil && !twilio.IsNotFound(err) {
				return fmt.Errorf("cannot delete campaign %s: %w", c.SID, err)
			}
			log.FromContext(ctx).Info("Deleted campaign", "sid", c.SID, "messagingServiceSid", c.MessagingServiceSID)
			run.events.normal(run.obj, reasonDeleted, actionDelete, "Deleted campaign %s on Messaging Service %s", c.SID, c.MessagingServiceSID)
		}
		if err := run.release(ctx, run.obj, c.SID); err != nil {
			return err
		}
	}
	return nil
}
