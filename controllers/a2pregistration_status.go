package controllers

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// report writes what a sync observed and did into the status (in memory). Drift a
// resync found in fields whose correction would cost (a campaign's) gets a Warning
// event the first time it is seen.
func (run *a2pRun) report(p registrationPlan, res registrationResult) {
	if res.brand != nil {
		run.observedBrand(res.brand)
	}
	if res.campaigns != nil {
		run.setCampaignStatus(res.campaigns)
	}
	drift := mergeDrift(p.drift, res.kept)
	for _, d := range newDrift(run.obj.Status.Drift, drift) {
		run.events.warning(run.obj, reasonDrift, actionReconcile,
			"%s differs in Twilio (%q, the spec says %q); it is not corrected by itself, since that would resubmit the campaign "+
				"for vetting: set the %s annotation to a new value to correct it", d.Field, d.Actual, d.Desired, v1alpha1.CorrectDriftAnnotation)
	}
	run.obj.Status.Drift = drift
}

// reportObserved is the report of an ObserveOnly sync: nothing was written; the
// plan's differences are the drift.
func (run *a2pRun) reportObserved(obs registrationObservation, p registrationPlan) error {
	res := registrationResult{brand: obs.brand}
	if p.brand != nil {
		res.problems.add(p.identity)
		res.campaigns = make([]v1alpha1.CampaignStatus, len(p.campaigns))
		for i, cp := range p.campaigns {
			res.campaigns[i] = cp.status
			if cp.problem != nil {
				res.problems.add(cp.problem)
			} else if cp.status.SID != "" {
				res.problems.add(campaignVerdict(cp.status, fmt.Sprintf("campaigns[%d]", i)))
			}
		}
	}
	if res.brand != nil {
		run.observedBrand(res.brand)
	}
	if res.campaigns != nil {
		run.setCampaignStatus(res.campaigns)
	}
	run.obj.Status.Drift = p.drift
	return run.readiness(p, res)
}

// readiness turns the brand's and the campaigns' state into conditions: BrandApproved,
// CampaignsVerified, and Ready when both are True.
func (run *a2pRun) readiness(p registrationPlan, res registrationResult) error {
	brandErr := p.brandProblem
	if p.register || p.resubmit {
		brandErr = brandVerdict(res.brand)
	}
	if brandErr != nil {
		o := outcomeOf(brandErr)
		markSubCondition(run.obj, v1alpha1.ConditionBrandApproved, metav1.ConditionFalse, o.reason, o.message)
		markSubCondition(run.obj, v1alpha1.ConditionCampaignsVerified, metav1.ConditionFalse, v1alpha1.ReasonAwaitingBrandApproval,
			"Campaigns are registered once the brand is APPROVED")
		if res.brand != nil || p.register {
			run.obj.Status.LastSyncTime = run.now()
		}
		return brandErr
	}
	brand := res.brand
	markSubCondition(run.obj, v1alpha1.ConditionBrandApproved, metav1.ConditionTrue, v1alpha1.ReasonBrandApproved, "Brand "+brand.SID+" is APPROVED")
	run.obj.Status.LastSyncTime = run.now()
	if err := res.problems.first(); err != nil {
		o := outcomeOf(err)
		markSubCondition(run.obj, v1alpha1.ConditionCampaignsVerified, metav1.ConditionFalse, o.reason, o.message)
		return err
	}
	markSubCondition(run.obj, v1alpha1.ConditionCampaignsVerified, metav1.ConditionTrue, v1alpha1.ReasonCampaignsVerified,
		fmt.Sprintf("%s campaigns are VERIFIED", run.obj.Status.VerifiedCampaigns))
	drift := run.obj.Status.Drift
	if run.observeOnly() && len(drift) > 0 {
		markNotReady(run.obj, v1alpha1.ReasonDriftDetected, fmt.Sprintf(
			"Twilio differs from the spec in %s; managementPolicy is ObserveOnly, so nothing is changed", driftFields(drift)))
		return nil
	}
	msg := fmt.Sprintf("Brand %s is APPROVED and %s campaigns are VERIFIED", brand.SID, run.obj.Status.VerifiedCampaigns)
	if len(drift) > 0 {
		msg += fmt.Sprintf("; Twilio differs from the spec in %s (status.drift)", driftFields(drift))
	}
	markReady(run.obj, v1alpha1.ReasonAvailable, msg)
	return nil
}

// brandVerdict is a brand's status as a problem: none once APPROVED.
func brandVerdict(b *twilio.Brand) error {
	switch b.Status {
	case twilio.BrandApproved:
		return nil
	case twilio.BrandFailed:
		return stall(v1alpha1.ReasonBrandFailed,
			"brand registration %s FAILED: %s; fix the bundles in TrustHub, then set the %s annotation to a new value to resubmit",
			b.SID, describeErrors(b.Errors, b.FailureReason), v1alpha1.ResubmitBrandAnnotation)
	case twilio.BrandSuspended:
		return stall(v1alpha1.ReasonBrandSuspended, "brand registration %s is SUSPENDED by the carriers: contact Twilio support", b.SID)
	case twilio.BrandDeletionPending, twilio.BrandDeletionFailed:
		return stall(v1alpha1.ReasonBrandFailed, "brand registration %s is %s: it is being deleted in Twilio and carries "+
			"no campaign; register a new brand with a new A2PRegistration", b.SID, b.Status)
	}
	return awaitingVetting(v1alpha1.ReasonAwaitingBrandApproval, "brand registration %s is %s", b.SID, b.Status)
}

// observedBrand copies what Twilio reports of the brand into status; the brand is the
// object's (it wrote to it, or may).
func (run *a2pRun) observedBrand(b *twilio.Brand) {
	run.obj.Status.SID = b.SID
	st := run.brandStatus()
	if b.AccountSID == "" && st.SID == b.SID {
		st.Status = b.Status // a poll that did not read the brand
		return
	}
	st.SID, st.Status, st.TCRID, st.IdentityStatus, st.Mock = b.SID, b.Status, b.TCRID, b.IdentityStatus, b.Mock
	st.BrandScore = nil
	if b.BrandScore != nil {
		score := int32(*b.BrandScore) //nolint:gosec // brand scores are 0–100
		st.BrandScore = &score
	}
	st.Errors = registrationErrors(b.Errors)
}

func (run *a2pRun) setCampaignStatus(statuses []v1alpha1.CampaignStatus) {
	run.obj.Status.Campaigns = statuses
	run.obj.Status.VerifiedCampaigns = fraction(statuses, func(st v1alpha1.CampaignStatus) bool {
		return st.Status == twilio.CampaignVerified
	})
}

// mergeDrift is the drift found, with the entries Twilio kept marked as such.
func mergeDrift(found, kept []v1alpha1.DriftEntry) []v1alpha1.DriftEntry {
	keptByField := map[string]bool{}
	for _, k := range kept {
		keptByField[k.Field] = true
	}
	out := append([]v1alpha1.DriftEntry(nil), kept...)
	for _, d := range found {
		if !keptByField[d.Field] {
			out = append(out, d)
		}
	}
	return out
}

// newDrift are the entries of now, not kept by Twilio, that were not in before.
func newDrift(before, now []v1alpha1.DriftEntry) []v1alpha1.DriftEntry {
	seen := map[v1alpha1.DriftEntry]bool{}
	for _, d := range before {
		d.KeptByTwilio = false
		seen[d] = true
	}
	var out []v1alpha1.DriftEntry
	for _, d := range now {
		if !d.KeptByTwilio && !seen[d] && strings.HasPrefix(d.Field, "campaigns[") {
			out = append(out, d)
		}
	}
	return out
}

func registrationErrors(errs []twilio.RegistrationError) []v1alpha1.RegistrationError {
	out := make([]v1alpha1.RegistrationError, 0, len(errs))
	for _, e := range errs {
		out = append(out, v1alpha1.RegistrationError{Code: int32(e.Code), Description: e.Description, Fields: e.Fields}) //nolint:gosec // Twilio codes are 5 digits
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// describeErrors summarises Twilio's errors[] for a condition message.
func describeErrors(errs []twilio.RegistrationError, fallback string) string {
	if len(errs) == 0 {
		if fallback == "" {
			return "Twilio gave no reason"
		}
		return fallback
	}
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		s := fmt.Sprintf("%d %s", e.Code, e.Description)
		if len(e.Fields) > 0 {
			s += " (" + strings.Join(e.Fields, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// describeStatusErrors is describeErrors for the errors a status holds.
func describeStatusErrors(errs []v1alpha1.RegistrationError) string {
	conv := make([]twilio.RegistrationError, len(errs))
	for i, e := range errs {
		conv[i] = twilio.RegistrationError{Code: int(e.Code), Description: e.Description, Fields: e.Fields}
	}
	return describeErrors(conv, "")
}

// problemSet keeps the most serious of several problems: Stalled before waiting.
type problemSet struct{ stalled, waiting error }

func (p *problemSet) add(err error) {
	if err == nil {
		return
	}
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
