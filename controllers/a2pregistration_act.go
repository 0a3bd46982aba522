package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// registrationResult is what the executor leaves behind.
type registrationResult struct {
	// brand is the brand as Twilio last answered, nil when there is none (yet).
	brand *twilio.Brand
	// campaigns are the campaigns' statuses after the writes; nil when the campaigns
	// were not reached (the brand is not APPROVED).
	campaigns []v1alpha1.CampaignStatus
	// problems are the campaigns' problems, the most serious first.
	problems problemSet
	// kept are the fields Twilio kept its own value of when the operator sent them.
	kept []v1alpha1.DriftEntry
}

// execute carries out a registration's plan: the one place an A2PRegistration writes to
// Twilio. Fees and new vettings are only in the plan when the user asked for them.
func (run *a2pRun) execute(ctx context.Context, tw twilio.Client, obs registrationObservation, p registrationPlan) (registrationResult, error) {
	res := registrationResult{}
	if costs := p.costs(); len(costs) > 0 {
		log.FromContext(ctx).V(1).Info("Planned writes", costFree.String(), costs[costFree], costRevet.String(), costs[costRevet],
			costFee.String(), costs[costFee], costDestructive.String(), costs[costDestructive])
	}
	if err := run.breaker.allow(run.obj, p.twilioWrites()); err != nil {
		return res, err
	}
	brand, err := run.executeBrand(ctx, tw, obs, p)
	res.brand = brand
	if err != nil || p.brand == nil {
		return res, err
	}
	identity := p.identity
	if p.sendOTP {
		identity = identityProblem(run.obj, brand) // as Twilio reports the brand after the new OTP
	}
	res.problems.add(identity)
	res.campaigns = make([]v1alpha1.CampaignStatus, len(p.campaigns))
	for i := range p.campaigns {
		cp := p.campaigns[i]
		if cp.awaitsIdentity {
			res.campaigns[i] = cp.status
			continue // identity, in the problems already, says why
		}
		st, kept, err := run.executeCampaign(ctx, tw, i, p.brand.SID, cp)
		res.campaigns[i], res.kept = st, append(res.kept, kept...)
		if err != nil {
			if outcomeOf(err).transient {
				return res, err
			}
			res.problems.add(err)
		}
	}
	if p.correctDrift != "" {
		run.obj.Status.DriftCorrectedFor = p.correctDrift
	}
	return res, run.removeCampaigns(ctx, tw, p.remove)
}

// executeBrand registers, records, claims or resubmits the brand as the plan says, and
// returns the brand as Twilio last answered.
func (run *a2pRun) executeBrand(ctx context.Context, tw twilio.Client, obs registrationObservation, p registrationPlan) (*twilio.Brand, error) {
	b := obs.brand
	switch {
	case p.register:
		registered, err := run.registerBrand(ctx, tw)
		if err == nil {
			run.recordOTPValue(p.resendOTP) // no OTP exists yet
		}
		return registered, err
	case b == nil || obs.brandClaim == claimTaken:
		return nil, nil // none yet, or another object's: this one reports nothing of it
	case p.claim || p.adopt:
		if err := run.claim(ctx, run.obj, "brand registration", b.SID); err != nil {
			return nil, err
		}
	}
	if p.adopt {
		if err := recordSID(ctx, run.Client, run.obj, b.SID); err != nil {
			return nil, err
		}
		run.events.normal(run.obj, reasonAdopted, actionCreate, "Recovered brand registration %s made before an interruption", b.SID)
	}
	if p.sendOTP {
		return run.sendOTP(ctx, tw, b, p.resendOTP)
	}
	run.recordOTPValue(p.resendOTP) // no OTP to send now
	if !p.resubmit {
		return b, nil
	}
	resubmitted, err := tw.ResubmitBrand(ctx, b.SID)
	run.breaker.wrote(run.obj)
	if twilio.CodeOf(err) == twilio.CodeBrandNotResubmittable {
		resubmitted, err = tw.FetchBrand(ctx, b.SID) // 21725: no longer FAILED, already resubmitted
	}
	if err != nil {
		return b, fmt.Errorf("cannot resubmit brand registration %s: %w", b.SID, err)
	}
	run.brandStatus().ResubmittedFor = annotation(run.obj, v1alpha1.ResubmitBrandAnnotation)
	log.FromContext(ctx).Info("Resubmitted brand registration", "sid", b.SID)
	run.events.normal(run.obj, reasonResubmitted, actionUpdate, "Resubmitted brand registration %s for vetting (%s)", b.SID, costFee)
	return resubmitted, nil
}

// registerBrand registers the brand crash-safely: the create-pending marker on
// Twilio's clock first, the claim and the SID right after Twilio answers. It costs the
// registration fee.
func (run *a2pRun) registerBrand(ctx context.Context, tw twilio.Client) (*twilio.Brand, error) {
	markReconciling(run.obj, v1alpha1.ReasonCreating, "Registering the brand")
	twilioNow, err := tw.TwilioTime(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read Twilio's clock before a create: %w", err)
	}
	if err := markCreatePending(ctx, run.Client, run.obj, twilioNow); err != nil {
		return nil, err
	}
	spec := run.obj.Spec.Brand
	profileSID, productSID := brandBundleSIDs(run.obj)
	b, err := tw.CreateBrand(ctx, twilio.BrandParams{
		CustomerProfileBundleSID: profileSID, A2PProfileBundleSID: productSID,
		BrandType: string(spec.BrandType), Mock: spec.Mock, SkipAutomaticSecVet: spec.SkipAutomaticSecVet,
	})
	run.breaker.wrote(run.obj)
	if err != nil {
		if cls := twilio.ClassOf(err); cls == twilio.ClassUser || cls == twilio.ClassAuth {
			if clearErr := clearCreatePending(ctx, run.Client, run.obj); clearErr != nil {
				log.FromContext(ctx).Error(clearErr, "Failed to clear the create-pending marker")
			}
		}
		return nil, fmt.Errorf("cannot register the brand: %w", err)
	}
	log.FromContext(ctx).Info("Registered brand", "sid", b.SID, "accountSid", b.AccountSID)
	run.events.normal(run.obj, reasonCreated, actionCreate, "Registered brand %s (%s: the registration fee)", b.SID, costFee)
	if err := run.claimCreated(ctx, run.obj, "brand registration", b.SID); err != nil {
		return nil, err
	}
	return b, recordSID(ctx, run.Client, run.obj, b.SID)
}

// executeCampaign carries out one campaign's plan and reports its vetting.
func (run *a2pRun) executeCampaign(ctx context.Context, tw twilio.Client, i int, brandSID string,
	cp campaignPlan) (v1alpha1.CampaignStatus, []v1alpha1.DriftEntry, error) {
	st := cp.status
	if cp.problem != nil {
		return st, nil, cp.problem
	}
	spec := &run.obj.Spec.Campaigns[i]
	var live *twilio.Campaign
	var err error
	switch {
	case cp.create:
		live, err = run.createCampaign(ctx, tw, spec, brandSID, st.MessagingServiceSID)
	case cp.recreate:
		live, err = run.recreateCampaign(ctx, tw, spec, brandSID, st)
	default:
		if cp.claim {
			if err := run.claim(ctx, run.obj, "campaign", st.SID); err != nil {
				return st, nil, err
			}
		}
		if cp.record {
			st.AppliedHash = cp.hash
		}
		if cp.update == nil {
			return st, nil, campaignVerdict(st, fmt.Sprintf("campaigns[%d]", i))
		}
		live, err = run.updateCampaign(ctx, tw, &st, cp)
	}
	if err != nil {
		return st, nil, err
	}
	st = liveStatus(st, live)
	st.AppliedHash, st.Refusal, st.RefusedHash = cp.hash, "", ""
	if cp.create || cp.recreate {
		st.PostApprovalRequired = cp.postApproval
	}
	kept := run.keptCampaignFields(fmt.Sprintf("campaigns[%d]", i), spec, live)
	return st, kept, campaignVerdict(st, fmt.Sprintf("campaigns[%d]", i))
}

// createCampaign registers a campaign, which costs a vetting fee, and claims it.
func (run *a2pRun) createCampaign(ctx context.Context, tw twilio.Client, spec *v1alpha1.CampaignSpec, brandSID, serviceSID string) (*twilio.Campaign, error) {
	c, err := tw.CreateCampaign(ctx, serviceSID, campaignParams(spec, brandSID))
	run.breaker.wrote(run.obj)
	switch {
	case twilio.CodeOf(err) == twilio.CodeBrandNotApproved:
		return nil, awaitingVetting(v1alpha1.ReasonAwaitingBrandApproval, "Twilio does not see brand %s as APPROVED yet (21717)", brandSID)
	case twilio.ClassOf(err) == twilio.ClassUser:
		// A campaign may have appeared on the service since it was listed (another
		// client, or an earlier create whose answer was lost): Twilio refuses a second
		// one. Adopt it when it is this brand's, never add a second.
		if list, lerr := tw.ListCampaigns(ctx, serviceSID); lerr == nil && len(list) > 0 && list[0].BrandRegistrationSID == brandSID {
			c, err = &list[0], nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot register the campaign on Messaging Service %s: %w", serviceSID, err)
	}
	log.FromContext(ctx).Info("Registered campaign", "sid", c.SID, "messagingServiceSid", serviceSID)
	run.events.normal(run.obj, reasonCreated, actionCreate, "Registered campaign %s on Messaging Service %s (%s: the vetting fee)", c.SID, serviceSID, costFee)
	return c, run.claim(ctx, run.obj, "campaign", c.SID)
}

// recreateCampaign deletes the live campaign and registers the spec's: a changed
// immutable field, with recreateCampaignOnImmutableChange. A new vetting, and its fee.
func (run *a2pRun) recreateCampaign(ctx context.Context, tw twilio.Client, spec *v1alpha1.CampaignSpec, brandSID string,
	st v1alpha1.CampaignStatus) (*twilio.Campaign, error) {
	if err := run.claim(ctx, run.obj, "campaign", st.SID); err != nil {
		return nil, err
	}
	err := tw.DeleteCampaign(ctx, st.MessagingServiceSID, st.SID)
	run.breaker.wrote(run.obj)
	if err != nil && !twilio.IsNotFound(err) {
		return nil, fmt.Errorf("cannot delete campaign %s to recreate it: %w", st.SID, err)
	}
	if err := run.release(ctx, run.obj, st.SID); err != nil {
		return nil, err
	}
	run.events.normal(run.obj, reasonDeleted, actionDelete, "Deleted campaign %s to register it again with its new immutable fields", st.SID)
	return run.createCampaign(ctx, tw, spec, brandSID, st.MessagingServiceSID)
}

// updateCampaign applies a changed spec entry in place, which resubmits the campaign
// for vetting. A refusal (an edit the campaign's status does not allow) is recorded
// with Twilio's words, and not sent again until the entry changes.
func (run *a2pRun) updateCampaign(ctx context.Context, tw twilio.Client, st *v1alpha1.CampaignStatus, cp campaignPlan) (*twilio.Campaign, error) {
	updated, err := tw.UpdateCampaign(ctx, st.MessagingServiceSID, st.SID, *cp.update)
	run.breaker.wrote(run.obj)
	if twilio.ClassOf(err) == twilio.ClassUser {
		st.RefusedHash, st.Refusal = cp.hash, err.Error()
		return nil, stall(v1alpha1.ReasonCampaignUpdateRefused, "Twilio refused to update %s of campaign %s (%s): %s",
			cp.fields, st.SID, st.Status, err.Error())
	}
	if err != nil {
		return nil, fmt.Errorf("cannot update %s of campaign %s: %w", cp.fields, st.SID, err)
	}
	log.FromContext(ctx).Info("Updated campaign", "sid", st.SID, "fields", cp.fields)
	run.events.normal(run.obj, reasonResubmitted, actionUpdate,
		"Updated %s of campaign %s, which %s (it was %s)", cp.fields, st.SID, costRevet, st.Status)
	return updated, nil
}

// keptCampaignFields compares what Twilio answered with what was sent: a field it
// ignored or normalised is reported, and is not sent again (the entry is applied).
func (run *a2pRun) keptCampaignFields(prefix string, spec *v1alpha1.CampaignSpec, live *twilio.Campaign) []v1alpha1.DriftEntry {
	updatable, immutable := diffCampaign(prefix, spec, live, nil)
	kept := append(updatable, immutable...)
	for i := range kept {
		kept[i].KeptByTwilio = true
	}
	if len(kept) > 0 {
		run.events.warning(run.obj, reasonKeptTwilio, actionUpdate,
			"Twilio kept its own value of %s of campaign %s; it is not sent again until the spec changes", driftFields(kept), live.SID)
	}
	return kept
}

// campaignVerdict is a campaign's vetting as a problem: none once VERIFIED.
func campaignVerdict(st v1alpha1.CampaignStatus, prefix string) error {
	switch st.Status {
	case twilio.CampaignVerified:
		return nil
	case twilio.CampaignFailed:
		return stall(v1alpha1.ReasonCampaignFailed, "campaign %s on Messaging Service %s FAILED vetting: %s; fix %s and the operator resubmits it",
			st.SID, st.MessagingServiceSID, describeStatusErrors(st.Errors), prefix)
	case twilio.CampaignSuspended:
		return stall(v1alpha1.ReasonCampaignFailed, "campaign %s on Messaging Service %s is SUSPENDED by the carriers: contact Twilio support",
			st.SID, st.MessagingServiceSID)
	}
	return awaitingVetting(v1alpha1.ReasonAwaitingCampaignVetting, "campaign %s on Messaging Service %s is %s%s",
		st.SID, st.MessagingServiceSID, st.Status, postApprovalNote(st))
}

// removeCampaigns deletes the campaigns the user removed from the spec, those this
// object owns.
func (run *a2pRun) removeCampaigns(ctx context.Context, tw twilio.Client, removed []v1alpha1.CampaignStatus) error {
	for _, old := range removed {
		owner, err := run.ownsForDeletion(ctx, run.obj, "campaign", old.SID, true)
		if err != nil {
			return err
		}
		if !owner {
			continue
		}
		err = tw.DeleteCampaign(ctx, old.MessagingServiceSID, old.SID)
		run.breaker.wrote(run.obj)
		if err != nil && !twilio.IsNotFound(err) {
			return fmt.Errorf("cannot delete campaign %s removed from the spec: %w", old.SID, err)
		}
		if err := run.release(ctx, run.obj, old.SID); err != nil {
			return err
		}
		log.FromContext(ctx).Info("Deleted campaign", "sid", old.SID, "messagingServiceSid", old.MessagingServiceSID)
		run.events.normal(run.obj, reasonDeleted, actionDelete,
			"Deleted campaign %s on Messaging Service %s: it was removed from the spec", old.SID, old.MessagingServiceSID)
	}
	return nil
}

func (run *a2pRun) brandStatus() *v1alpha1.BrandStatus {
	if run.obj.Status.Brand == nil {
		run.obj.Status.Brand = &v1alpha1.BrandStatus{}
	}
	return run.obj.Status.Brand
}
