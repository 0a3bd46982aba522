package controllers

import (
	"fmt"
	"strings"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// cost is what a Twilio write costs the user. The plan gives every write one, and the
// executor makes a write that charges a fee or resubmits for vetting only when the user
// asked for it: the spec changed, or a new value of an annotation says so.
type cost int

const (
	// costFree writes cost nothing (claims, recording SIDs).
	costFree cost = iota
	// costRevet writes resubmit a campaign for vetting: days without its verdict.
	costRevet
	// costFee writes charge a registration or vetting fee.
	costFee
	// costDestructive writes delete what carries traffic (a campaign).
	costDestructive
)

func (c cost) String() string {
	return [...]string{"free", "resubmits for vetting", "charges a fee", "destructive"}[c]
}

// registrationPlan is every Twilio write one sync of an A2PRegistration makes.
type registrationPlan struct {
	// brand is the brand the campaigns go on, nil when the registration waits or stalls
	// before it (brandProblem says why).
	brand        *twilio.Brand
	brandProblem error
	// register registers a new brand (costFee); adopt records the brand the search
	// found; claim claims the brand; resubmit resubmits a FAILED brand (costFee), once
	// per new value of the resubmit-brand annotation.
	register, adopt, claim, resubmit bool
	// drift is what differs from the spec: the adopted brand's values, and each
	// campaign's (reported, corrected only with the user's say-so where it costs).
	drift []v1alpha1.DriftEntry
	// campaigns has one plan per spec.campaigns entry, once the brand is APPROVED.
	campaigns []campaignPlan
	// remove are the campaigns of the status the spec no longer has (costDestructive:
	// the user removed them).
	remove []v1alpha1.CampaignStatus
	// correctDrift is the new value of the correct-drift annotation, when there is one.
	correctDrift string
	// identity is why an APPROVED Sole Proprietor brand's campaigns wait for its OTP
	// (see identityProblem); nil once its identity is verified.
	identity error
	// resendOTP is a new value of the resend-otp annotation; sendOTP sends the OTP for
	// it (free, but it texts the sole proprietor), else the value is only recorded.
	resendOTP string
	sendOTP   bool
}

// campaignPlan is what one sync does to one campaign.
type campaignPlan struct {
	// status is the campaign as the sync found it.
	status v1alpha1.CampaignStatus
	// hash identifies the spec entry (see AppliedHash).
	hash string
	// problem is why the campaign does not proceed (a stall, or a wait).
	problem error
	// create registers the campaign (costFee).
	create bool
	// claim claims the live campaign before anything else touches it.
	claim bool
	// update changes updatable fields (costRevet); fields names them.
	update *twilio.CampaignUpdate
	fields string
	// recreate deletes the live campaign and registers it again (costDestructive and
	// costFee) for a changed immutable field.
	recreate bool
	// record marks the entry as applied without a write: an adopted campaign, whose
	// differences from the spec are reported, never charged for unasked.
	record bool
	// postApproval says the use case of the campaign to register needs post-approval.
	postApproval bool
	// awaitsIdentity says the campaign is registered once the Sole Proprietor brand's
	// identity is verified: it waits with the brand's identity problem.
	awaitsIdentity bool
}

// costs counts the plan's Twilio writes by what they cost.
func (p registrationPlan) costs() map[cost]int {
	n := map[cost]int{}
	add := func(yes bool, c cost, k int) {
		if yes {
			n[c] += k
		}
	}
	add(p.register, costFee, 1)
	add(p.resubmit, costFee, 1)
	add(len(p.remove) > 0, costDestructive, len(p.remove))
	for _, c := range p.campaigns {
		add(c.create, costFee, 1)
		add(c.update != nil, costRevet, 1)
		add(c.recreate, costDestructive, 1)
		add(c.recreate, costFee, 1)
		add(c.claim || c.record, costFree, 1)
	}
	add(p.claim || p.adopt, costFree, 1)
	return n
}

// twilioWrites is how many of the writes go to Twilio (claims and records do not; an
// OTP request, free, does).
func (p registrationPlan) twilioWrites() int {
	c := p.costs()
	n := c[costRevet] + c[costFee] + c[costDestructive]
	if p.sendOTP {
		n++
	}
	return n
}

// planRegistration decides the sync's writes from the object and the observation. It
// is pure.
func planRegistration(obj *v1alpha1.A2PRegistration, obs registrationObservation) registrationPlan {
	p := registrationPlan{correctDrift: newAnnotationValue(obj, v1alpha1.CorrectDriftAnnotation, obj.Status.DriftCorrectedFor)}
	p.planBrand(obj, obs)
	switch {
	case obs.brand != nil && obs.brandClaim != claimTaken:
		p.planOTP(obj, obs.brand)
	case p.register:
		// A value set before there is a brand is recorded with it: Twilio sends the
		// first OTP itself once the brand is APPROVED.
		p.resendOTP = newAnnotationValue(obj, v1alpha1.ResendOTPAnnotation, otpResentFor(obj))
	}
	if p.brand == nil || p.brand.Status != twilio.BrandApproved {
		return p
	}
	if !p.sendOTP {
		p.identity = identityProblem(obj, p.brand)
	}
	used := map[string]int{}
	p.campaigns = make([]campaignPlan, len(obj.Spec.Campaigns))
	for i := range obj.Spec.Campaigns {
		c := obs.campaigns[i]
		cp := &p.campaigns[i]
		cp.status = campaignStatusOf(obj, c.target)
		cp.hash = campaignHash(&obj.Spec.Campaigns[i])
		j, dup := used[c.target.sid]
		switch {
		case c.target.problem != nil:
			cp.problem = c.target.problem
		case dup:
			cp.problem = stall(v1alpha1.ReasonInvalidSpec, "campaigns[%d] and campaigns[%d] are both on Messaging Service %s; "+
				"Twilio allows one campaign per service", j, i, c.target.sid)
		default:
			used[c.target.sid] = i
			p.planCampaign(obj, i, c, cp)
		}
	}
	for _, old := range obj.Status.Campaigns {
		if _, kept := used[old.MessagingServiceSID]; !kept && old.SID != "" {
			p.remove = append(p.remove, old)
		}
	}
	return p
}

// planBrand decides what the brand needs: registering, recording, claiming or
// resubmitting, or why the registration waits or stalls.
func (p *registrationPlan) planBrand(obj *v1alpha1.A2PRegistration, obs registrationObservation) {
	b := obs.brand
	switch {
	case b == nil:
		if p.brandProblem = bundlesProblem(obs.bundles); p.brandProblem == nil {
			p.register = true
		}
		return
	case obs.brandClaim == claimTaken:
		p.brandProblem = errAlreadyManaged("brand registration", b.SID, remedyAnnotated)
		return
	}
	p.adopt, p.claim = obs.recovered, obs.brandClaim != claimMine
	if obs.brandRead {
		drift := brandDrift(obj, b)
		p.drift = append(p.drift, drift...)
		if len(drift) > 0 && obj.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserveOnly {
			p.brandProblem = stall(v1alpha1.ReasonInvalidSpec, "spec.brand does not match brand registration %s (%s): a brand "+
				"cannot change; correct spec.brand or register a new brand with a new A2PRegistration", b.SID, driftFields(drift))
			return
		}
	}
	switch b.Status {
	case twilio.BrandApproved:
		p.brand = b
	case twilio.BrandFailed:
		if newAnnotationValue(obj, v1alpha1.ResubmitBrandAnnotation, resubmittedFor(obj)) != "" {
			p.resubmit = true
			return
		}
		p.brandProblem = stall(v1alpha1.ReasonBrandFailed,
			"brand registration %s FAILED: %s; fix the bundles in TrustHub, then set the %s annotation to a new value to resubmit",
			b.SID, describeErrors(b.Errors, b.FailureReason), v1alpha1.ResubmitBrandAnnotation)
	case twilio.BrandSuspended:
		p.brandProblem = stall(v1alpha1.ReasonBrandSuspended, "brand registration %s is SUSPENDED by the carriers: contact Twilio support", b.SID)
	case twilio.BrandDeletionPending, twilio.BrandDeletionFailed:
		p.brandProblem = stall(v1alpha1.ReasonBrandFailed, "brand registration %s is %s: it is being deleted in Twilio and carries "+
			"no campaign; register a new brand with a new A2PRegistration", b.SID, b.Status)
	default:
		p.brandProblem = awaitingVetting(v1alpha1.ReasonAwaitingBrandApproval, "brand registration %s is %s", b.SID, b.Status)
	}
}

// bundlesProblem lets a brand be registered only when both TrustHub bundles are
// twilio-approved: a brand on unapproved bundles fails, and its fee is lost.
func bundlesProblem(bundles []*twilio.Bundle) error {
	var rejected, pending []string
	for _, b := range bundles {
		switch b.Status {
		case twilio.BundleApproved:
		case twilio.BundleRejected:
			rejected = append(rejected, b.SID)
		default:
			pending = append(pending, b.SID+" is "+b.Status)
		}
	}
	switch {
	case len(rejected) == 1:
		return stall(v1alpha1.ReasonBundleRejected, "TrustHub bundle %s is twilio-rejected: fix and resubmit it in TrustHub", rejected[0])
	case len(rejected) > 1:
		return stall(v1alpha1.ReasonBundleRejected, "TrustHub bundles %s are twilio-rejected: fix and resubmit them in TrustHub",
			strings.Join(rejected, ", "))
	case len(pending) > 0:
		return waiting(v1alpha1.ReasonAwaitingBundleApproval, "no brand is registered until both TrustHub bundles are twilio-approved: %s",
			strings.Join(pending, ", "))
	}
	return nil
}

// brandDrift is where a brand registered outside this object differs from spec.brand.
func brandDrift(obj *v1alpha1.A2PRegistration, b *twilio.Brand) []v1alpha1.DriftEntry {
	spec := obj.Spec.Brand
	d := &drifts{}
	profileSID, productSID := brandBundleSIDs(obj)
	diffField(d, "brand.customerProfileBundleSid", &profileSID, b.CustomerProfileBundleSID, nil)
	diffField(d, "brand.a2pProfileBundleSid", &productSID, b.A2PProfileBundleSID, nil)
	brandType := string(spec.BrandType)
	diffField(d, "brand.brandType", &brandType, b.BrandType, nil)
	diffField(d, "brand.mock", &spec.Mock, b.Mock, nil)
	return d.entries
}

// planCampaign decides what one campaign needs.
func (p *registrationPlan) planCampaign(obj *v1alpha1.A2PRegistration, i int, c campaignObservation, cp *campaignPlan) {
	prefix := fmt.Sprintf("campaigns[%d]", i)
	switch {
	case c.serviceTaken:
		cp.problem = errAlreadyManaged("Messaging Service", c.target.sid,
			"a registration never puts a campaign on another object's service; name a service of this namespace in "+prefix)
		return
	case c.serviceMissing:
		cp.problem = stall(v1alpha1.ReasonMessagingServiceNotFound, "Messaging Service %s does not exist in account %s",
			c.target.sid, obj.Status.AccountSID)
		return
	case c.live == nil && obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly:
		p.drift = append(p.drift, v1alpha1.DriftEntry{Field: prefix, Desired: "registered", Actual: "no campaign on " + c.target.sid})
		cp.status.SID, cp.status.CampaignID, cp.status.Status, cp.status.Errors = "", "", "", nil
		return
	case c.live == nil:
		p.planCreate(obj, i, prefix, c, cp)
		return
	case c.claim == claimTaken:
		cp.problem = errAlreadyManaged("campaign", c.live.SID, "Messaging Service "+c.target.sid+
			" already has it; give "+prefix+" another service")
		return
	case c.live.BrandRegistrationSID != p.brand.SID:
		cp.problem = stall(v1alpha1.ReasonAlreadyManaged, "Messaging Service %s already has campaign %s of another brand "+
			"registration: this registration leaves it alone; move %s to another service, or delete that campaign first",
			c.target.sid, c.live.SID, prefix)
		return
	}
	cp.claim = c.claim != claimMine && obj.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserveOnly
	cp.status = liveStatus(cp.status, c.live)
	p.planCampaignChange(obj, i, prefix, c.live, cp)
	if cp.recreate {
		// A recreate registers the campaign again, with its fee: the new use case must be
		// one Twilio offers the brand.
		u, err := offeredUsecase(prefix, obj.Spec.Campaigns[i].Usecase, p.brand.SID, c)
		cp.recreate, cp.problem, cp.postApproval = err == nil, err, u.PostApprovalRequired
		if !c.usecasesRead {
			cp.postApproval = cp.status.PostApprovalRequired // the use case is the one registered
		}
	}
}

// planCreate registers a campaign the service does not have yet, unless what it needs
// first is missing: the Sole Proprietor brand's verified identity, a service within
// the Sole Proprietor limits, a use case Twilio offers the brand. Each of those is
// checked before the vetting fee is spent.
func (p *registrationPlan) planCreate(obj *v1alpha1.A2PRegistration, i int, prefix string, c campaignObservation, cp *campaignPlan) {
	if p.identity != nil || p.sendOTP {
		cp.awaitsIdentity = true
		return
	}
	if cp.problem = soleProprietorLimit(prefix, c); cp.problem != nil {
		return
	}
	u, err := offeredUsecase(prefix, obj.Spec.Campaigns[i].Usecase, p.brand.SID, c)
	if cp.problem = err; err != nil {
		return
	}
	cp.create, cp.postApproval = true, u.PostApprovalRequired
}

// planCampaignChange compares the spec entry with the live campaign. A difference is
// written only when the user asked: the entry changed since it was last applied, or a
// new correct-drift value says so; drift a resync finds is otherwise reported. A
// change to a campaign in vetting waits for the verdict.
func (p *registrationPlan) planCampaignChange(obj *v1alpha1.A2PRegistration, i int, prefix string, live *twilio.Campaign, cp *campaignPlan) {
	spec := &obj.Spec.Campaigns[i]
	applied := cp.status.AppliedHash
	var kept map[string]v1alpha1.DriftEntry
	if applied == cp.hash {
		kept = keptDrift(obj.Status.Drift, prefix)
	}
	updatable, immutable := diffCampaign(prefix, spec, live, kept)
	p.drift = append(append(p.drift, updatable...), immutable...)
	updatable, immutable = notKept(updatable), notKept(immutable)
	if obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		return
	}
	if applied == "" {
		// Adopted, or managed before the operator kept hashes: the spec as it stands is
		// taken as applied. What differs is reported; a user who wants it written says so
		// with the correct-drift annotation.
		cp.record = true
		return
	}
	asked := applied != cp.hash || p.correctDrift != ""
	if len(updatable)+len(immutable) == 0 || !asked {
		return
	}
	if cp.status.RefusedHash == cp.hash && p.correctDrift == "" {
		cp.problem = stall(v1alpha1.ReasonCampaignUpdateRefused, "Twilio refused to apply %s to campaign %s: %s; change %s to try again",
			prefix, live.SID, cp.status.Refusal, prefix)
		return
	}
	if len(immutable) > 0 {
		if !obj.Spec.RecreateCampaignOnImmutableChange {
			cp.problem = stall(v1alpha1.ReasonImmutableFieldChanged,
				"%s cannot change on registered campaign %s: set recreateCampaignOnImmutableChange: true to delete and "+
					"register it again (a new vetting and its fee), or restore the old values", driftFields(immutable), live.SID)
			return
		}
		cp.recreate = true
		return
	}
	if live.Status == twilio.CampaignPending || live.Status == twilio.CampaignInProgress {
		cp.problem = awaitingVetting(v1alpha1.ReasonAwaitingCampaignVetting,
			"campaign %s on Messaging Service %s is %s: the change of %s is applied once vetting ends",
			live.SID, live.MessagingServiceSID, live.Status, driftFields(updatable))
		return
	}
	u := campaignUpdate(spec, live)
	cp.update, cp.fields = &u, driftFields(updatable)
}

// keptDrift are the entries of drift under prefix that Twilio kept when they were sent.
func keptDrift(drift []v1alpha1.DriftEntry, prefix string) map[string]v1alpha1.DriftEntry {
	kept := map[string]v1alpha1.DriftEntry{}
	for _, d := range drift {
		if d.KeptByTwilio && strings.HasPrefix(d.Field, prefix+".") {
			kept[d.Field] = d
		}
	}
	return kept
}

// notKept drops the entries Twilio kept: they are reported, never written again.
func notKept(drift []v1alpha1.DriftEntry) []v1alpha1.DriftEntry {
	var out []v1alpha1.DriftEntry
	for _, d := range drift {
		if !d.KeptByTwilio {
			out = append(out, d)
		}
	}
	return out
}

// campaignStatusOf is the status entry of a target: what the status last said of the
// campaign on that service.
func campaignStatusOf(obj *v1alpha1.A2PRegistration, t campaignTarget) v1alpha1.CampaignStatus {
	st := v1alpha1.CampaignStatus{MessagingService: t.name, MessagingServiceSID: t.sid}
	for _, prev := range obj.Status.Campaigns {
		if t.sid != "" && prev.MessagingServiceSID == t.sid {
			name := st.MessagingService
			st = prev
			st.MessagingService = name
		}
	}
	return st
}

// liveStatus is st with what Twilio reports of the live campaign.
func liveStatus(st v1alpha1.CampaignStatus, live *twilio.Campaign) v1alpha1.CampaignStatus {
	if st.SID != live.SID {
		st.AppliedHash, st.Refusal, st.RefusedHash, st.PostApprovalRequired = "", "", "", false // another campaign than the one recorded
	}
	st.SID, st.CampaignID, st.Status, st.Errors = live.SID, live.CampaignID, live.Status, registrationErrors(live.Errors)
	return st
}

// newAnnotationValue is the annotation's value when it is set and differs from done,
// the value last acted on; else "".
func newAnnotationValue(obj *v1alpha1.A2PRegistration, key, done string) string {
	if v := annotation(obj, key); v != "" && v != done {
		return v
	}
	return ""
}

func resubmittedFor(obj *v1alpha1.A2PRegistration) string {
	if obj.Status.Brand == nil {
		return ""
	}
	return obj.Status.Brand.ResubmittedFor
}
