package controllers

import (
	"context"
	"fmt"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// brandSIDIndex indexes A2PRegistrations by the brand SID they manage, so that no two
// objects adopt the same brand.
const brandSIDIndex = "metadata.annotations.brandSid"

// brand makes the brand exist and returns it once it is APPROVED; before that it
// returns why the registration waits or is stalled.
func (run *a2pRun) brand(ctx context.Context) (*twilio.Brand, error) {
	sid := annotation(run.obj, v1alpha1.SIDAnnotation)
	if sid == "" {
		return run.registerBrand(ctx)
	}
	if known := run.obj.Status.Brand; known != nil && known.SID == sid && known.Status == twilio.BrandApproved &&
		run.decision.polls > 0 && !run.decision.inputsChanged {
		// A poll while campaigns are vetted: the approved brand is re-read at resync.
		return &twilio.Brand{SID: sid, Status: known.Status}, nil
	}
	b, err := run.tw.FetchBrand(ctx, sid)
	if twilio.IsNotFound(err) {
		return nil, stall(v1alpha1.ReasonSidNotFound, "brand registration %s (annotation %s) does not exist in account %s",
			sid, v1alpha1.SIDAnnotation, run.tw.AccountSID())
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read brand registration %s: %w", sid, err)
	}
	if err := run.checkBrandNotClaimed(ctx, sid); err != nil {
		return nil, err
	}
	run.observeBrand(b)
	if err := run.brandMatchesSpec(b); err != nil {
		return nil, err
	}
	return run.brandState(ctx, b)
}

// brandState maps Twilio's brand status to progress.
func (run *a2pRun) brandState(ctx context.Context, b *twilio.Brand) (*twilio.Brand, error) {
	var err error
	switch b.Status {
	case twilio.BrandApproved:
		markSubCondition(run.obj, v1alpha1.ConditionBrandApproved, "True", v1alpha1.ReasonBrandApproved, "Brand "+b.SID+" is APPROVED")
		return b, nil
	case twilio.BrandFailed:
		if resubmitted, rerr := run.resubmit(ctx, b); rerr != nil || resubmitted != nil {
			if rerr != nil {
				return nil, rerr
			}
			return run.brandState(ctx, resubmitted)
		}
		err = stall(v1alpha1.ReasonBrandFailed,
			"brand registration %s FAILED: %s; fix the bundles in TrustHub, then set the %s annotation to a new value to resubmit",
			b.SID, describeErrors(b.Errors, b.FailureReason), v1alpha1.ResubmitBrandAnnotation)
	case twilio.BrandSuspended:
		err = stall(v1alpha1.ReasonBrandSuspended, "brand registration %s is SUSPENDED by the carriers: contact Twilio support", b.SID)
	default:
		err = awaitingVetting(v1alpha1.ReasonAwaitingBrandApproval, "brand registration %s is %s", b.SID, b.Status)
	}
	o := outcomeOf(err)
	markSubCondition(run.obj, v1alpha1.ConditionBrandApproved, "False", o.reason, o.message)
	return nil, err
}

// resubmit resubmits a FAILED brand once per new value of the resubmit-brand annotation.
// It returns the brand as Twilio reports it after the resubmission, or nil when none was
// asked for.
func (run *a2pRun) resubmit(ctx context.Context, b *twilio.Brand) (*twilio.Brand, error) {
	want := annotation(run.obj, v1alpha1.ResubmitBrandAnnotation)
	if want == "" || want == run.obj.Status.Brand.ResubmittedFor ||
		run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		return nil, nil
	}
	resubmitted, err := run.tw.ResubmitBrand(ctx, b.SID)
	if twilio.CodeOf(err) == twilio.CodeBrandNotResubmittable {
		resubmitted, err = run.tw.FetchBrand(ctx, b.SID) // 21725: no longer FAILED, already resubmitted
	}
	if err != nil {
		return nil, fmt.Errorf("cannot resubmit brand registration %s: %w", b.SID, err)
	}
	run.obj.Status.Brand.ResubmittedFor = want
	log.FromContext(ctx).Info("Resubmitted brand registration", "sid", b.SID)
	run.events.Eventf(run.obj, nil, "Normal", "Resubmitted", "Update", "Resubmitted brand registration %s", b.SID)
	run.observeBrand(resubmitted)
	return resubmitted, nil
}

// registerBrand registers the brand once both TrustHub bundles are approved, unless an
// interrupted registration already did.
func (run *a2pRun) registerBrand(ctx context.Context) (*twilio.Brand, error) {
	if run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		return nil, stall(v1alpha1.ReasonSidNotFound,
			"managementPolicy is ObserveOnly: set the %s annotation to the brand registration to observe", v1alpha1.SIDAnnotation)
	}
	if err := run.checkBundles(ctx); err != nil {
		o := outcomeOf(err)
		markSubCondition(run.obj, v1alpha1.ConditionBrandApproved, "False", o.reason, o.message)
		return nil, err
	}
	if err := run.refresh(ctx); err != nil {
		return nil, err
	}
	if annotation(run.obj, v1alpha1.SIDAnnotation) != "" {
		return run.brand(ctx) // the cache lagged behind the SID we recorded
	}
	if annotation(run.obj, v1alpha1.CreatePendingAnnotation) != "" {
		found, err := run.findBrand(ctx)
		if err != nil {
			return nil, err
		}
		if found != nil {
			if err := recordSID(ctx, run.Client, run.obj, found.SID); err != nil {
				return nil, err
			}
			run.events.Eventf(run.obj, nil, "Normal", "Adopted", "Create",
				"Recovered brand registration %s made before an interruption", found.SID)
			run.observeBrand(found)
			return run.brandState(ctx, found)
		}
	}
	return run.createBrand(ctx)
}

func (run *a2pRun) createBrand(ctx context.Context) (*twilio.Brand, error) {
	markReconciling(run.obj, v1alpha1.ReasonCreating, "Registering the brand")
	twilioNow, err := run.tw.TwilioTime(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read Twilio's clock before a create: %w", err)
	}
	if err := markCreatePending(ctx, run.Client, run.obj, twilioNow); err != nil {
		return nil, err
	}
	spec := run.obj.Spec.Brand
	b, err := run.tw.CreateBrand(ctx, twilio.BrandParams{
		CustomerProfileBundleSID: spec.CustomerProfileBundleSID, A2PProfileBundleSID: spec.A2PProfileBundleSID,
		BrandType: string(spec.BrandType), Mock: spec.Mock, SkipAutomaticSecVet: spec.SkipAutomaticSecVet,
	})
	if err != nil {
		if cls := twilio.ClassOf(err); cls == twilio.ClassUser || cls == twilio.ClassAuth {
			if clearErr := clearCreatePending(ctx, run.Client, run.obj); clearErr != nil {
				log.FromContext(ctx).Error(clearErr, "Failed to clear the create-pending marker")
			}
		}
		return nil, fmt.Errorf("cannot register the brand: %w", err)
	}
	log.FromContext(ctx).Info("Registered brand", "sid", b.SID, "accountSid", b.AccountSID)
	run.events.Eventf(run.obj, nil, "Normal", "Created", "Create", "Registered brand %s", b.SID)
	if err := recordSID(ctx, run.Client, run.obj, b.SID); err != nil {
		return nil, err
	}
	run.observeBrand(b)
	return run.brandState(ctx, b)
}

// checkBundles lets a brand be registered only when both TrustHub bundles are
// twilio-approved: a brand on unapproved bundles fails, and its fee is lost.
func (run *a2pRun) checkBundles(ctx context.Context) error {
	spec := run.obj.Spec.Brand
	profile, err := run.tw.FetchCustomerProfile(ctx, spec.CustomerProfileBundleSID)
	if err != nil {
		return bundleError("Customer Profile", spec.CustomerProfileBundleSID, run.tw.AccountSID(), err)
	}
	product, err := run.tw.FetchTrustProduct(ctx, spec.A2PProfileBundleSID)
	if err != nil {
		return bundleError("A2P Trust Product", spec.A2PProfileBundleSID, run.tw.AccountSID(), err)
	}
	var rejected, pending []string
	for _, b := range []*twilio.Bundle{profile, product} {
		switch b.Status {
		case twilio.BundleApproved:
		case twilio.BundleRejected:
			rejected = append(rejected, b.SID)
		default:
			pending = append(pending, b.SID+" is "+b.Status)
		}
	}
	if len(rejected) == 1 {
		return stall(v1alpha1.ReasonBundleRejected, "TrustHub bundle %s is twilio-rejected: fix and resubmit it in TrustHub", rejected[0])
	}
	if len(rejected) > 1 {
		return stall(v1alpha1.ReasonBundleRejected, "TrustHub bundles %s are twilio-rejected: fix and resubmit them in TrustHub",
			strings.Join(rejected, ", "))
	}
	if len(pending) > 0 {
		return waiting(v1alpha1.ReasonAwaitingBundleApproval, "no brand is registered until both TrustHub bundles are twilio-approved: %s",
			strings.Join(pending, ", "))
	}
	return nil
}

func bundleError(kind, sid, account string, err error) error {
	if twilio.IsNotFound(err) {
		return stall(v1alpha1.ReasonInvalidSpec, "TrustHub %s bundle %s does not exist in account %s", kind, sid, account)
	}
	return fmt.Errorf("cannot read TrustHub %s bundle %s: %w", kind, sid, err)
}

// findBrand looks for the brand an interrupted registration may have made: same two
// bundles, registered at or after the marker, and not managed by another object.
func (run *a2pRun) findBrand(ctx context.Context) (*twilio.Brand, error) {
	since := createPendingSince(run.obj)
	brands, err := run.tw.ListBrands(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot search for a brand registered before a restart: %w", err)
	}
	spec := run.obj.Spec.Brand
	var matches []twilio.Brand
	for _, b := range brands {
		if b.DateCreated.Before(since) {
			continue
		}
		if b.CustomerProfileBundleSID == "" { // listings may omit the bundles: read the brand itself
			full, err := run.tw.FetchBrand(ctx, b.SID)
			if err != nil {
				return nil, fmt.Errorf("cannot read brand registration %s: %w", b.SID, err)
			}
			b = *full
		}
		if b.CustomerProfileBundleSID == spec.CustomerProfileBundleSID && b.A2PProfileBundleSID == spec.A2PProfileBundleSID &&
			run.checkBrandNotClaimed(ctx, b.SID) == nil {
			matches = append(matches, b)
		}
	}
	return onlyMatch(matches, func(b twilio.Brand) string { return b.SID }, "brands on these bundles")
}

func (run *a2pRun) checkBrandNotClaimed(ctx context.Context, sid string) error {
	list := &v1alpha1.A2PRegistrationList{}
	if err := run.List(ctx, list, client.MatchingFields{brandSIDIndex: sid}); err != nil {
		return err
	}
	for _, other := range list.Items {
		if other.UID != run.obj.UID {
			return stall(v1alpha1.ReasonAmbiguousAdoption,
				"brand registration %s is already managed by A2PRegistration %s/%s", sid, other.Namespace, other.Name)
		}
	}
	return nil
}

// brandMatchesSpec reports an adopted brand that was registered with other values than
// spec.brand: Twilio cannot change a brand, so only the spec can be fixed.
func (run *a2pRun) brandMatchesSpec(b *twilio.Brand) error {
	spec := run.obj.Spec.Brand
	var drift []v1alpha1.DriftEntry
	diffField(&drift, "brand.customerProfileBundleSid", &spec.CustomerProfileBundleSID, b.CustomerProfileBundleSID, nil)
	diffField(&drift, "brand.a2pProfileBundleSid", &spec.A2PProfileBundleSID, b.A2PProfileBundleSID, nil)
	brandType := string(spec.BrandType)
	diffField(&drift, "brand.brandType", &brandType, b.BrandType, nil)
	diffField(&drift, "brand.mock", &spec.Mock, b.Mock, nil)
	run.obj.Status.Drift = append(run.obj.Status.Drift, drift...)
	if len(drift) == 0 || run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		return nil
	}
	return stall(v1alpha1.ReasonInvalidSpec, "spec.brand does not match brand registration %s (%s): a brand cannot change; "+
		"correct spec.brand or register a new brand with a new A2PRegistration", b.SID, driftFields(drift))
}

// observeBrand copies what Twilio reports of the brand into status.
func (run *a2pRun) observeBrand(b *twilio.Brand) {
	st := run.obj.Status.Brand
	if st == nil {
		st = &v1alpha1.BrandStatus{}
		run.obj.Status.Brand = st
	}
	st.SID, st.Status, st.TCRID, st.IdentityStatus, st.Mock = b.SID, b.Status, b.TCRID, b.IdentityStatus, b.Mock
	st.BrandScore = nil
	if b.BrandScore != nil {
		score := int32(*b.BrandScore) //nolint:gosec // brand scores are 0–100
		st.BrandScore = &score
	}
	st.Errors = registrationErrors(b.Errors)
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

// refresh replaces the object with the API server's latest version before a create
// decision, so that decision never rests on a cache lagging behind our own last write.
func (run *a2pRun) refresh(ctx context.Context) error {
	latest := &v1alpha1.A2PRegistration{}
	if err := run.direct.Get(ctx, client.ObjectKeyFromObject(run.obj), latest); err != nil {
		return err
	}
	if latest.ResourceVersion != run.obj.ResourceVersion {
		run.obj.ObjectMeta, run.obj.Spec = latest.ObjectMeta, latest.Spec
	}
	return nil
}
