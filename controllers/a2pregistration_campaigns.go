package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// campaigns brings every campaign of the spec to VERIFIED on the approved brand and
// deletes the campaigns the spec no longer lists. A problem with one campaign does not
// hold up the others; the most serious problem is returned.
func (run *a2pRun) campaigns(ctx context.Context, brand *twilio.Brand) error {
	var problems problemSet
	statuses := make([]v1alpha1.CampaignStatus, len(run.obj.Spec.Campaigns))
	used := map[string]int{}
	for i := range run.obj.Spec.Campaigns {
		t := run.targets[i]
		st := &statuses[i]
		st.MessagingService, st.MessagingServiceSID = t.name, t.sid
		if prev := previousCampaign(run.obj, t.sid); prev != nil {
			st.SID, st.CampaignID, st.Status, st.Errors = prev.SID, prev.CampaignID, prev.Status, prev.Errors
		}
		switch j, dup := used[t.sid]; {
		case t.problem != nil:
			problems.add(t.problem)
		case dup:
			problems.add(stall(v1alpha1.ReasonInvalidSpec, "campaigns[%d] and campaigns[%d] are both on Messaging Service %s; "+
				"Twilio allows one campaign per service", j, i, t.sid))
		default:
			used[t.sid] = i
			if err := run.campaign(ctx, i, brand, st); err != nil {
				if outcomeOf(err).transient {
					run.setCampaignStatus(statuses)
					return err
				}
				problems.add(err)
			}
		}
	}
	if err := run.deleteRemovedCampaigns(ctx, used); err != nil {
		return err
	}
	run.setCampaignStatus(statuses)
	if err := problems.first(); err != nil {
		o := outcomeOf(err)
		markSubCondition(run.obj, v1alpha1.ConditionCampaignsVerified, "False", o.reason, o.message)
		return err
	}
	markSubCondition(run.obj, v1alpha1.ConditionCampaignsVerified, "True", v1alpha1.ReasonCampaignsVerified,
		fmt.Sprintf("%s campaigns are VERIFIED", run.obj.Status.VerifiedCampaigns))
	return nil
}

// campaign brings one campaign in line with its spec and reports its vetting.
func (run *a2pRun) campaign(ctx context.Context, i int, brand *twilio.Brand, st *v1alpha1.CampaignStatus) error {
	spec := &run.obj.Spec.Campaigns[i]
	serviceSID := st.MessagingServiceSID
	// A service holds at most one campaign, so listing it both adopts an existing
	// campaign and finds the one an interrupted create made: never a second campaign.
	list, err := run.tw.ListCampaigns(ctx, serviceSID)
	if twilio.IsNotFound(err) {
		return stall(v1alpha1.ReasonMessagingServiceNotFound, "Messaging Service %s does not exist in account %s",
			serviceSID, run.tw.AccountSID())
	}
	if err != nil {
		return fmt.Errorf("cannot read the campaign of Messaging Service %s: %w", serviceSID, err)
	}
	var live *twilio.Campaign
	if len(list) > 0 {
		live = &list[0]
	}
	prefix := fmt.Sprintf("campaigns[%d]", i)
	switch {
	case live == nil && run.observeOnly():
		run.obj.Status.Drift = append(run.obj.Status.Drift, v1alpha1.DriftEntry{Field: prefix, Desired: "registered", Actual: "no campaign on " + serviceSID})
		st.SID, st.CampaignID, st.Status, st.Errors = "", "", "", nil
		return nil
	case live == nil:
		if live, err = run.createCampaign(ctx, spec, brand, serviceSID); err != nil {
			return err
		}
	default:
		if live, err = run.updateCampaign(ctx, prefix, spec, live); err != nil {
			return err
		}
	}
	st.SID, st.CampaignID, st.Status, st.Errors = live.SID, live.CampaignID, live.Status, registrationErrors(live.Errors)
	switch live.Status {
	case twilio.CampaignVerified:
		return nil
	case twilio.CampaignFailed:
		return stall(v1alpha1.ReasonCampaignFailed, "campaign %s on Messaging Service %s FAILED vetting: %s; fix %s and the operator resubmits it",
			live.SID, serviceSID, describeErrors(live.Errors, ""), prefix)
	case twilio.CampaignSuspended:
		return stall(v1alpha1.ReasonCampaignFailed, "campaign %s on Messaging Service %s is SUSPENDED by the carriers: contact Twilio support",
			live.SID, serviceSID)
	}
	return awaitingVetting(v1alpha1.ReasonAwaitingCampaignVetting, "campaign %s on Messaging Service %s is %s", live.SID, serviceSID, live.Status)
}

func (run *a2pRun) createCampaign(ctx context.Context, spec *v1alpha1.CampaignSpec, brand *twilio.Brand, serviceSID string) (*twilio.Campaign, error) {
	c, err := run.tw.CreateCampaign(ctx, serviceSID, campaignParams(spec, brand.SID))
	if twilio.CodeOf(err) == twilio.CodeCampaignExists {
		// 21718: a campaign appeared on the service since it was listed (another client,
		// or an earlier create whose answer was lost): adopt it, never add a second.
		list, lerr := run.tw.ListCampaigns(ctx, serviceSID)
		if lerr == nil && len(list) > 0 {
			return &list[0], nil
		}
	}
	if twilio.CodeOf(err) == twilio.CodeBrandNotApproved {
		return nil, awaitingVetting(v1alpha1.ReasonAwaitingBrandApproval, "Twilio does not see brand %s as APPROVED yet (21717)", brand.SID)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot register the campaign on Messaging Service %s: %w", serviceSID, err)
	}
	log.FromContext(ctx).Info("Registered campaign", "sid", c.SID, "messagingServiceSid", serviceSID)
	run.events.Eventf(run.obj, nil, "Normal", "Created", "Create", "Registered campaign %s on Messaging Service %s", c.SID, serviceSID)
	return c, nil
}

// updateCampaign applies changed updatable fields in place (Twilio resubmits the
// campaign for review). A changed immutable field is never applied in place: it is
// reported, or, when recreateCampaignOnImmutableChange allows, the campaign is deleted
// and registered again.
func (run *a2pRun) updateCampaign(ctx context.Context, prefix string, spec *v1alpha1.CampaignSpec, live *twilio.Campaign) (*twilio.Campaign, error) {
	updatable, immutable := diffCampaign(prefix, spec, live)
	if run.observeOnly() {
		run.obj.Status.Drift = append(append(run.obj.Status.Drift, updatable...), immutable...)
		return live, nil
	}
	serviceSID := live.MessagingServiceSID
	if len(immutable) > 0 {
		if !run.obj.Spec.RecreateCampaignOnImmutableChange {
			run.obj.Status.Drift = append(run.obj.Status.Drift, immutable...)
			return nil, stall(v1alpha1.ReasonImmutableFieldChanged,
				"%s cannot change on registered campaign %s: set recreateCampaignOnImmutableChange: true to delete and "+
					"register it again (a new vetting and its fee), or restore the old values", driftFields(immutable), live.SID)
		}
		if err := run.tw.DeleteCampaign(ctx, serviceSID, live.SID); err != nil && !twilio.IsNotFound(err) {
			return nil, fmt.Errorf("cannot delete campaign %s to recreate it: %w", live.SID, err)
		}
		run.events.Eventf(run.obj, nil, "Normal", "Deleted", "Delete",
			"Deleted campaign %s to register it again: %s changed", live.SID, driftFields(immutable))
		brand := &twilio.Brand{SID: run.obj.Status.Brand.SID}
		return run.createCampaign(ctx, spec, brand, serviceSID)
	}
	if len(updatable) == 0 {
		return live, nil
	}
	updated, err := run.tw.UpdateCampaign(ctx, serviceSID, live.SID, campaignUpdate(spec, live))
	if err != nil {
		return nil, fmt.Errorf("cannot update %s of campaign %s: %w", driftFields(updatable), live.SID, err)
	}
	log.FromContext(ctx).Info("Updated campaign", "sid", live.SID, "fields", driftFields(updatable))
	run.events.Eventf(run.obj, nil, "Normal", "Updated", "Update", "Updated %s of campaign %s", driftFields(updatable), live.SID)
	return updated, nil
}

// deleteRemovedCampaigns deletes the campaigns status still lists on services the spec
// no longer has.
func (run *a2pRun) deleteRemovedCampaigns(ctx context.Context, used map[string]int) error {
	for _, old := range run.obj.Status.Campaigns {
		if _, kept := used[old.MessagingServiceSID]; kept || old.SID == "" || run.observeOnly() {
			continue
		}
		if err := run.tw.DeleteCampaign(ctx, old.MessagingServiceSID, old.SID); err != nil && !twilio.IsNotFound(err) {
			return fmt.Errorf("cannot delete campaign %s removed from the spec: %w", old.SID, err)
		}
		log.FromContext(ctx).Info("Deleted campaign", "sid", old.SID, "messagingServiceSid", old.MessagingServiceSID)
		run.events.Eventf(run.obj, nil, "Normal", "Deleted", "Delete",
			"Deleted campaign %s on Messaging Service %s: it was removed from the spec", old.SID, old.MessagingServiceSID)
	}
	return nil
}

func (run *a2pRun) setCampaignStatus(statuses []v1alpha1.CampaignStatus) {
	run.obj.Status.Campaigns = statuses
	run.obj.Status.VerifiedCampaigns = fraction(statuses, func(st v1alpha1.CampaignStatus) bool {
		return st.Status == twilio.CampaignVerified
	})
}

func (run *a2pRun) observeOnly() bool {
	return run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly
}

func previousCampaign(a *v1alpha1.A2PRegistration, serviceSID string) *v1alpha1.CampaignStatus {
	for i := range a.Status.Campaigns {
		if serviceSID != "" && a.Status.Campaigns[i].MessagingServiceSID == serviceSID {
			return &a.Status.Campaigns[i]
		}
	}
	return nil
}

// problemSet keeps the most serious of several problems: Stalled before waiting.
type problemSet struct{ stalled, waiting error }

func (p *problemSet) add(err error) {
	switch o := outcomeOf(err); {
	case o.stalled && p.stalled == nil:
		p.stalled = err
	case o.waiting && p.waiting == nil:
		p.waiting = err
	}
}

func (p *problemSet) first() error {
	if p.stalled != nil {
		return p.stalled
	}
	return p.waiting
}
