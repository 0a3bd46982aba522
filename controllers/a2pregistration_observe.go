package controllers

import (
	"context"
	"fmt"
	"time"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// registrationObservation is what one sync learned of a registration's Twilio side:
// reads only.
type registrationObservation struct {
	// brand is the brand registration: the annotated one, or the one the crash-recovery
	// search found; nil when there is none yet. On a poll while campaigns are vetted it
	// is the APPROVED brand of the status, not read again (brandRead is false).
	brand     *twilio.Brand
	brandRead bool
	// recovered says brand was found by the search after an interrupted registration.
	recovered bool
	// brandClaim is who owns the brand.
	brandClaim claimState
	// bundles are the two TrustHub bundles, read before a brand is registered.
	bundles []*twilio.Bundle
	// campaigns has one entry per spec.campaigns entry, read once the brand is
	// APPROVED.
	campaigns []campaignObservation
	// usecases are the use case lists read in this sync, by service and brand SID.
	usecases map[string][]twilio.Usecase
}

// campaignObservation is what a sync read of one campaign's Messaging Service.
type campaignObservation struct {
	target campaignTarget
	// read says the service's campaigns were listed.
	read bool
	// live is the campaign on the service (Twilio allows one), nil when there is none.
	live *twilio.Campaign
	// serviceMissing says the service does not exist in the account (404).
	serviceMissing bool
	// serviceTaken says a MessagingService of another namespace owns the service.
	serviceTaken bool
	// claim is who owns the live campaign.
	claim claimState
	// poolSize is how many numbers the service holds, read (poolRead) before a
	// SOLE_PROPRIETOR brand's campaign is registered.
	poolSize int
	poolRead bool
	// usecases are the use cases Twilio offers the brand on the service, read
	// (usecasesRead) before a campaign is registered.
	usecases     []twilio.Usecase
	usecasesRead bool
}

// observe reads the brand (or the bundles a new one needs) and, once the brand is
// APPROVED, the campaign of every target service.
func (run *a2pRun) observe(ctx context.Context, tw twilio.Client, d syncDecision, targets []campaignTarget) (registrationObservation, error) {
	var obs registrationObservation
	if err := run.observeBrand(ctx, tw, d, &obs); err != nil {
		return obs, err
	}
	if obs.brand == nil || obs.brand.Status != twilio.BrandApproved || obs.brandClaim == claimTaken {
		return obs, nil
	}
	obs.campaigns = make([]campaignObservation, len(targets))
	seen := map[string]bool{}
	for i, t := range targets {
		c := &obs.campaigns[i]
		c.target = t
		if t.problem != nil || seen[t.sid] {
			continue // waiting for the service, or a duplicate the plan reports
		}
		if identityPending(run.obj, obs.brand) && !run.observeOnly() {
			continue // nothing is registered until the OTP is answered: a poll reads the brand only
		}
		seen[t.sid] = true
		if err := run.observeCampaign(ctx, tw, c, i); err != nil {
			return obs, err
		}
		if err := run.observeCampaignNeeds(ctx, tw, &obs, c, i); err != nil {
			return obs, err
		}
	}
	return obs, nil
}

// observeBrand reads the brand by its SID, or searches for the one an interrupted
// registration made, or reads the bundles a new brand needs.
func (run *a2pRun) observeBrand(ctx context.Context, tw twilio.Client, d syncDecision, obs *registrationObservation) error {
	sid, err := run.brandSID(ctx)
	if err != nil {
		return err
	}
	switch {
	case sid != "":
		err = run.readBrand(ctx, tw, d, sid, obs)
	case annotation(run.obj, v1alpha1.CreatePendingAnnotation) != "":
		err = run.recoverBrand(ctx, tw, obs)
	}
	if err != nil || obs.brandClaim == claimMine {
		return err
	}
	if obs.brand == nil {
		return run.observeBundles(ctx, tw, obs)
	}
	if !run.observeOnly() {
		obs.brandClaim, err = run.claimState(ctx, run.obj, obs.brand.SID)
	}
	return err
}

// readBrand reads the annotated brand; on a poll while campaigns are vetted, the
// APPROVED brand of the status stands, re-read at resync. A Sole Proprietor brand
// whose identity is not verified yet is read at every poll: its owner's answer to the
// OTP is what the poll waits for.
func (run *a2pRun) readBrand(ctx context.Context, tw twilio.Client, d syncDecision, sid string, obs *registrationObservation) error {
	if known := run.obj.Status.Brand; known != nil && known.SID == sid && known.Status == twilio.BrandApproved &&
		d.polls > 0 && !d.inputsChanged && run.obj.Status.SID == sid {
		b := &twilio.Brand{SID: sid, Status: known.Status, IdentityStatus: known.IdentityStatus}
		if !identityPending(run.obj, b) {
			obs.brand, obs.brandClaim = b, claimMine
			return nil
		}
	}
	b, err := tw.FetchBrand(ctx, sid)
	if twilio.IsNotFound(err) {
		return stall(v1alpha1.ReasonSidNotFound, "brand registration %s (annotation %s) does not exist in account %s",
			sid, v1alpha1.SIDAnnotation, tw.AccountSID())
	}
	if err != nil {
		return fmt.Errorf("cannot read brand registration %s: %w", sid, err)
	}
	obs.brand, obs.brandRead = b, true
	return nil
}

// recoverBrand searches for the brand an interrupted registration may have made.
func (run *a2pRun) recoverBrand(ctx context.Context, tw twilio.Client, obs *registrationObservation) error {
	b, err := run.findBrand(ctx, tw)
	if err != nil {
		return err
	}
	if b == nil {
		return run.checkCreateNotInDoubt(ctx, tw)
	}
	obs.brand, obs.recovered, obs.brandRead = b, true, true
	return nil
}

// brandListTrust is how long after an interrupted registration Twilio's brand list is
// trusted to show the brand it made. The list omits brands whose identity status is
// VETTED_VERIFIED (twilio-ruby#688), which a brand becomes only after secondary
// vetting, days after it is registered; a search soon after the interruption sees it.
const brandListTrust = time.Hour

// checkCreateNotInDoubt stops a second registration when the first was interrupted so
// long ago that the brand it made may no longer be listed: the user says whether one
// exists (CreateInDoubt).
func (run *a2pRun) checkCreateNotInDoubt(ctx context.Context, tw twilio.Client) error {
	at, _, ok := createPendingAt(run.obj)
	profileSID, productSID := brandBundleSIDs(run.obj)
	now, err := tw.TwilioTime(ctx)
	if err != nil {
		return fmt.Errorf("cannot read Twilio's clock: %w", err)
	}
	if ok && now.Sub(at) < brandListTrust {
		return nil
	}
	return stall(v1alpha1.ReasonCreateInDoubt, "a brand registration was interrupted (%s annotation %q) and Twilio's brand list "+
		"does not show it, but the list omits vetted brands: look for a brand on bundles %s and %s in the Twilio Console, then "+
		"set the %s annotation to it, or remove the %s annotation to register a new brand (a new fee)",
		v1alpha1.CreatePendingAnnotation, annotation(run.obj, v1alpha1.CreatePendingAnnotation),
		profileSID, productSID, v1alpha1.SIDAnnotation, v1alpha1.CreatePendingAnnotation)
}

// brandSID is the brand SID the object manages, checked before it goes into a
// request path; an object without one is read again from the API server first.
func (run *a2pRun) brandSID(ctx context.Context) (string, error) {
	if annotation(run.obj, v1alpha1.SIDAnnotation) == "" {
		if run.observeOnly() {
			return "", stall(v1alpha1.ReasonSidNotFound,
				"managementPolicy is ObserveOnly: set the %s annotation to the brand registration to observe", v1alpha1.SIDAnnotation)
		}
		if err := refresh(ctx, run.direct, run.obj); err != nil {
			return "", err
		}
	}
	sid := annotation(run.obj, v1alpha1.SIDAnnotation)
	if sid == "" {
		return "", nil
	}
	return sid, checkSID("BN", "brand registration", "the "+v1alpha1.SIDAnnotation+" annotation", sid)
}

// observeBundles reads the two TrustHub bundles a new brand is registered on.
func (run *a2pRun) observeBundles(ctx context.Context, tw twilio.Client, obs *registrationObservation) error {
	profileSID, productSID := brandBundleSIDs(run.obj)
	profile, err := tw.FetchCustomerProfile(ctx, profileSID)
	if err != nil {
		return bundleError("Customer Profile", profileSID, tw.AccountSID(), err)
	}
	product, err := tw.FetchTrustProduct(ctx, productSID)
	if err != nil {
		return bundleError("A2P Trust Product", productSID, tw.AccountSID(), err)
	}
	obs.bundles = []*twilio.Bundle{profile, product}
	return nil
}

func bundleError(kind, sid, account string, err error) error {
	if twilio.IsNotFound(err) {
		return stall(v1alpha1.ReasonInvalidSpec, "TrustHub %s bundle %s does not exist in account %s", kind, sid, account)
	}
	return fmt.Errorf("cannot read TrustHub %s bundle %s: %w", kind, sid, err)
}

// observeCampaign reads the campaign on one target service, and who owns the service
// and the campaign.
func (run *a2pRun) observeCampaign(ctx context.Context, tw twilio.Client, c *campaignObservation, i int) error {
	if run.obj.Spec.Campaigns[i].MessagingServiceRef == nil && !run.observeOnly() {
		// A service named by SID: another tenant's MessagingService may own it.
		holder, held, err := run.claims.holder(ctx, c.target.sid)
		if err != nil {
			return err
		}
		if held && holder.kind == "MessagingService" && holder.namespace != run.obj.Namespace {
			if alive, err := run.claims.exists(ctx, holder); err != nil || alive {
				c.serviceTaken = alive
				return err
			}
		}
	}
	// A service holds at most one campaign, so listing it both adopts an existing
	// campaign and finds the one an interrupted create made: never a second campaign.
	list, err := tw.ListCampaigns(ctx, c.target.sid)
	switch {
	case twilio.IsNotFound(err):
		c.serviceMissing = true
		return nil
	case err != nil:
		return fmt.Errorf("cannot read the campaign of Messaging Service %s: %w", c.target.sid, err)
	}
	c.read = true
	if len(list) == 0 {
		return nil
	}
	c.live = &list[0]
	if !run.observeOnly() {
		c.claim, err = run.claimState(ctx, run.obj, c.live.SID)
	}
	return err
}

// findBrand looks for the brand an interrupted registration may have made: same two
// bundles, registered at or after the marker on Twilio's clock, owned by no other
// object.
func (run *a2pRun) findBrand(ctx context.Context, tw twilio.Client) (*twilio.Brand, error) {
	since := createPendingSince(run.obj)
	brands, err := tw.ListBrands(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot search for a brand registered before a restart: %w", err)
	}
	profileSID, productSID := brandBundleSIDs(run.obj)
	var matches []twilio.Brand
	for _, b := range brands {
		if b.DateCreated.Before(since) {
			continue
		}
		if b.CustomerProfileBundleSID == "" { // listings may omit the bundles: read the brand itself
			full, err := tw.FetchBrand(ctx, b.SID)
			if err != nil {
				return nil, fmt.Errorf("cannot read brand registration %s: %w", b.SID, err)
			}
			b = *full
		}
		if b.CustomerProfileBundleSID != profileSID || b.A2PProfileBundleSID != productSID {
			continue
		}
		state, err := run.claimState(ctx, run.obj, b.SID)
		if err != nil {
			return nil, err
		}
		if state != claimTaken {
			matches = append(matches, b)
		}
	}
	return onlyMatch(matches, func(b twilio.Brand) string { return b.SID }, "brands on these bundles")
}
