package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// TrustHub bundles declared in spec.trustHub (for ISVs).
//
// Before a brand can be registered on them, an ISV builds two bundles for its customer:
// the Secondary Customer Profile (the business information, one or two authorized
// representatives, the address document, and the ISV's own primary profile) and then
// the A2P Messaging Profile trust product (the company information and the secondary
// profile). Each is built while it is a draft, evaluated by Twilio, submitted only once
// the evaluation finds it compliant, and waited for until twilio-approved. Then the
// brand is registered through the usual brand path, on those two bundles.
//
// The two bundle creates are crash-safe like every create: a marker annotation on
// Twilio's clock first, the SID annotation right after Twilio answers, and a search by
// friendly name and policy when a marker is found without a SID. The objects inside a
// bundle are found through its entity assignments; one whose create was interrupted
// before it was assigned is found by its friendly name and reused. Each version of the
// declaration is submitted once (status.trustHub.*.submittedHash); a change Twilio does
// not allow in a bundle's status is reported in status.trustHub.refusal, never forced.

// bundleRole is one of the two bundles the operator builds.
type bundleRole struct {
	kind                       twilio.BundleKind
	what                       string // for messages: "Secondary Customer Profile"
	policy                     string
	nameSuffix                 string
	sidAnnotation, pendingNote string
}

var (
	profileRole = bundleRole{kind: twilio.CustomerProfileKind, what: "Secondary Customer Profile",
		policy: twilio.SecondaryProfilePolicy, nameSuffix: "customer profile",
		sidAnnotation: v1alpha1.CustomerProfileSIDAnnotation, pendingNote: v1alpha1.CustomerProfileCreatePendingAnnotation}
	productRole = bundleRole{kind: twilio.TrustProductKind, what: "A2P trust product",
		policy: twilio.A2PTrustProductPolicy, nameSuffix: "A2P trust product",
		sidAnnotation: v1alpha1.TrustProductSIDAnnotation, pendingNote: v1alpha1.TrustProductCreatePendingAnnotation}
)

// The end user and document types of the bundles.
const (
	typeBusinessInformation = "customer_profile_business_information"
	typeRepresentative      = "authorized_representative_"
	typeAddressDocument     = "customer_profile_address"
	typeMessagingProfile    = "us_a2p_messaging_profile_information"
)

// endUserNames end the friendly names of the end users.
var endUserNames = map[string]string{
	typeBusinessInformation:  "business information",
	typeRepresentative + "1": "representative 1",
	typeRepresentative + "2": "representative 2",
	typeMessagingProfile:     "messaging profile",
}

// Event reasons of spec.trustHub.
const (
	reasonSubmitted     eventReason = "Submitted"     // a TrustHub bundle was submitted for review
	reasonChangeRefused eventReason = "ChangeRefused" // a change of spec.trustHub Twilio does not allow now
)

// desiredContent is what one bundle must hold.
type desiredContent struct {
	// endUsers are the end users by type, with their attributes.
	endUsers map[string]map[string]any
	// managedTypes are the end user types the operator removes when the spec no longer
	// has them (a second representative).
	managedTypes []string
	// address is the address the address document names (profile only).
	address *twilio.Address
	// bundles are the other bundles assigned to this one: the primary profile, or the
	// secondary profile of a trust product.
	bundles []string
}

// trustHubBundleSIDs are the two bundles a trustHub registration's brand goes on.
func trustHubBundleSIDs(obj *v1alpha1.A2PRegistration) (string, string) {
	return annotation(obj, v1alpha1.CustomerProfileSIDAnnotation), annotation(obj, v1alpha1.TrustProductSIDAnnotation)
}

// brandBundleSIDs are the bundles the brand is registered on: those of spec.brand, or
// those the operator built for spec.trustHub.
func brandBundleSIDs(obj *v1alpha1.A2PRegistration) (profile, product string) {
	if obj.Spec.TrustHub != nil {
		return trustHubBundleSIDs(obj)
	}
	return obj.Spec.Brand.CustomerProfileBundleSID, obj.Spec.Brand.A2PProfileBundleSID
}

// syncTrustHub builds, evaluates, submits and waits for the two bundles of
// spec.trustHub. It returns nil once both are twilio-approved (or the brand is
// registered already), so the brand path goes on; otherwise the wait or the stall.
func (run *a2pRun) syncTrustHub(ctx context.Context, tw twilio.Client) error {
	spec := run.obj.Spec.TrustHub
	if spec == nil || run.observeOnly() {
		return nil
	}
	st := run.trustHubStatus()
	previousRefusal := st.Refusal
	st.Refusal = ""
	defer func() {
		if st.Refusal != "" && st.Refusal != previousRefusal {
			run.events.warning(run.obj, reasonChangeRefused, actionUpdate, "%s", st.Refusal)
		}
	}()
	if _, err := run.brandSID(ctx); err != nil {
		return err
	}
	if hasTwilioObject(run.obj) {
		// The brand is registered (or its registration is in doubt): the bundles are
		// fixed, as the brand registered on them is.
		run.refuseChanges(st, "the brand is registered on them")
		return nil
	}
	err := run.syncBundles(ctx, tw, st)
	if err == nil {
		return nil
	}
	if o := outcomeOf(err); !o.transient {
		// The brand step waits for the bundles: BrandApproved says why, as it does for
		// bundles named in spec.brand.
		markSubCondition(run.obj, v1alpha1.ConditionBrandApproved, metav1.ConditionFalse, o.reason, o.message)
		run.obj.Status.LastSyncTime = run.now()
	}
	return err
}

// syncBundles takes the profile, then the trust product, as far as they go.
func (run *a2pRun) syncBundles(ctx context.Context, tw twilio.Client, st *v1alpha1.TrustHubStatus) error {
	spec := run.obj.Spec.TrustHub
	if profile, err := run.syncBundle(ctx, tw, profileRole, &st.CustomerProfile, profileHash(spec)); err != nil || profile == nil {
		return err
	}
	_, err := run.syncBundle(ctx, tw, productRole, &st.TrustProduct, productHash(spec))
	return err
}

// refuseChanges reports a declaration changed since its bundles were submitted.
func (run *a2pRun) refuseChanges(st *v1alpha1.TrustHubStatus, why string) {
	spec := run.obj.Spec.TrustHub
	var changed []string
	if b := st.CustomerProfile; b != nil && b.SubmittedHash != "" && b.SubmittedHash != profileHash(spec) {
		changed = append(changed, profileRole.what+" "+b.SID)
	}
	if b := st.TrustProduct; b != nil && b.SubmittedHash != "" && b.SubmittedHash != productHash(spec) {
		changed = append(changed, productRole.what+" "+b.SID)
	}
	if len(changed) > 0 {
		st.Refusal = fmt.Sprintf("spec.trustHub changed after %s was submitted, and is not applied: %s; restore the "+
			"submitted values, or declare the business in a new A2PRegistration", strings.Join(changed, " and "), why)
	}
}

// syncBundle takes one bundle one step further: created, built while a draft (or
// rejected and changed since), evaluated, submitted, reviewed. It returns the bundle
// once it is twilio-approved, nil while the registration waits or stalls (the error
// says which).
func (run *a2pRun) syncBundle(ctx context.Context, tw twilio.Client, role bundleRole, stp **v1alpha1.TrustHubBundleStatus,
	hash string) (*twilio.Bundle, error) {
	b, err := run.ensureBundle(ctx, tw, role)
	if err != nil {
		return nil, err
	}
	if *stp == nil || (*stp).SID != b.SID {
		*stp = &v1alpha1.TrustHubBundleStatus{SID: b.SID}
	}
	st := *stp
	st.Status, st.Errors = b.Status, bundleErrors(b.Errors)
	if st.SubmittedHash == "" && b.Status != twilio.BundleDraft && b.Status != twilio.BundleRejected {
		// Submitted, but the answer to the submit was lost: it was submitted with the
		// content this object had built from the declaration as it stands.
		st.SubmittedHash = hash
	}
	switch {
	case b.Status == twilio.BundleDraft, b.Status == twilio.BundleRejected && st.SubmittedHash != hash:
		return nil, run.buildAndSubmit(ctx, tw, role, b, st, hash)
	case b.Status == twilio.BundleRejected:
		return nil, stall(v1alpha1.ReasonBundleRejected, "Twilio rejected %s %s: %s; correct spec.trustHub and the operator "+
			"resubmits it, once", role.what, b.SID, describeBundleErrors(b.Errors))
	}
	if st.SubmittedHash != hash {
		run.refuseChanges(run.trustHubStatus(), "Twilio allows no edit of a bundle that is "+b.Status)
	}
	if b.Status != twilio.BundleApproved {
		return nil, waiting(v1alpha1.ReasonAwaitingBundleApproval, "%s %s is %s: no brand is registered until TrustHub "+
			"approves it", role.what, b.SID, b.Status)
	}
	return b, nil
}

// buildAndSubmit puts the declaration into a draft (or rejected) bundle, has Twilio
// evaluate it, and submits it only when compliant.
func (run *a2pRun) buildAndSubmit(ctx context.Context, tw twilio.Client, role bundleRole, b *twilio.Bundle,
	st *v1alpha1.TrustHubBundleStatus, hash string) error {
	want, err := run.desiredContent(ctx, role)
	if err != nil {
		return err
	}
	if err := run.buildContent(ctx, tw, role, b.SID, want); err != nil {
		return err
	}
	eval, err := tw.EvaluateBundle(ctx, role.kind, b.SID, role.policy)
	if err != nil {
		return fmt.Errorf("cannot evaluate %s %s: %w", role.what, b.SID, err)
	}
	st.NonCompliant = nonCompliantFields(eval)
	if eval.Status != twilio.EvaluationCompliant {
		return stall(v1alpha1.ReasonBundleNotCompliant, "Twilio's evaluation of %s %s found fields missing or invalid, so it "+
			"is not submitted: %s", role.what, b.SID, describeNonCompliant(eval))
	}
	submitted, err := tw.SubmitBundle(ctx, role.kind, b.SID)
	if twilio.CodeOf(err) == twilio.CodeConflictingState {
		submitted, err = tw.FetchBundle(ctx, role.kind, b.SID) // submitted already: an earlier answer was lost
	}
	if err != nil {
		return fmt.Errorf("cannot submit %s %s: %w", role.what, b.SID, err)
	}
	st.Status, st.Errors, st.SubmittedHash, st.NonCompliant = submitted.Status, nil, hash, nil
	log.FromContext(ctx).Info("Submitted TrustHub bundle", "sid", b.SID, "kind", string(role.kind))
	run.events.normal(run.obj, reasonSubmitted, actionUpdate, "Submitted %s %s for review", role.what, b.SID)
	return waiting(v1alpha1.ReasonAwaitingBundleApproval, "%s %s is %s: no brand is registered until TrustHub approves it",
		role.what, b.SID, submitted.Status)
}

func (run *a2pRun) trustHubStatus() *v1alpha1.TrustHubStatus {
	if run.obj.Status.TrustHub == nil {
		run.obj.Status.TrustHub = &v1alpha1.TrustHubStatus{}
	}
	return run.obj.Status.TrustHub
}

// profileHash and productHash identify the parts of the declaration each bundle holds,
// so a change of the company information does not count as a change of the profile.
func profileHash(spec *v1alpha1.TrustHubSpec) string {
	return specHash(struct {
		Primary, Email string
		Business       v1alpha1.TrustHubBusiness
		Reps           []v1alpha1.AuthorizedRepresentative
		Address        v1alpha1.TrustHubAddress
	}{spec.PrimaryCustomerProfileSID, spec.Email, spec.Business, spec.AuthorizedRepresentatives, spec.Address})
}

func productHash(spec *v1alpha1.TrustHubSpec) string {
	return specHash(struct {
		Email   string
		Company v1alpha1.TrustHubCompany
	}{spec.Email, spec.Company})
}

func specHash(v any) string {
	data, _ := json.Marshal(v)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// trustHubName is the friendly name of an object built for this registration: its
// namespace and name (shortened, with a hash, when long; Twilio allows 64 characters)
// and what it is. It is the natural key the crash recovery searches by.
func trustHubName(obj *v1alpha1.A2PRegistration, what string) string {
	base := obj.Namespace + "/" + obj.Name
	if len(base) > 40 {
		sum := sha256.Sum256([]byte(base))
		base = base[:31] + "~" + hex.EncodeToString(sum[:4])
	}
	return base + " " + what
}

func bundleErrors(codes []int) []v1alpha1.RegistrationError {
	var out []v1alpha1.RegistrationError
	for _, c := range codes {
		out = append(out, v1alpha1.RegistrationError{Code: int32(c), //nolint:gosec // Twilio codes are 5 digits
			Description: fmt.Sprintf("https://www.twilio.com/docs/api/errors/%d", c)})
	}
	return out
}

func describeBundleErrors(codes []int) string {
	if len(codes) == 0 {
		return "Twilio gave no reason"
	}
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("error %d (https://www.twilio.com/docs/api/errors/%d)", c, c)
	}
	return strings.Join(parts, ", ")
}

// specPaths names the spec field behind each attribute an evaluation may find wrong.
var specPaths = map[string]string{
	"business_name":                    "business.name",
	"business_identity":                "business",
	"business_type":                    "business.type",
	"business_industry":                "business.industry",
	"business_registration_identifier": "business.registrationIdType",
	"business_registration_number":     "business.registrationNumber",
	"business_regions_of_operation":    "business.regionsOfOperation",
	"website_url":                      "business.websiteUrl",
	"social_media_profile_urls":        "business.socialMediaProfileUrls",
	"first_name":                       "firstName",
	"last_name":                        "lastName",
	"email":                            "email",
	"phone_number":                     "phoneNumber",
	"business_title":                   "businessTitle",
	"job_position":                     "jobPosition",
	"address_sids":                     "address",
	"company_type":                     "company.type",
	"stock_exchange":                   "company.stockExchange",
	"stock_ticker":                     "company.stockTicker",
	"brand_contact_email":              "company.brandContactEmail",
}

// specPath is the spec field of one invalid field of an evaluation, "" when none.
func specPath(objectType, field string) string {
	switch {
	case strings.HasPrefix(objectType, typeRepresentative):
		n := strings.TrimPrefix(objectType, typeRepresentative)
		if p, ok := specPaths[field]; ok && (n == "1" || n == "2") {
			return fmt.Sprintf("spec.trustHub.authorizedRepresentatives[%s].%s", map[string]string{"1": "0", "2": "1"}[n], p)
		}
	case strings.HasPrefix(objectType, "primary_customer_profile"):
		return "spec.trustHub.primaryCustomerProfileSid"
	case strings.HasPrefix(objectType, "customer_profile_type"):
		return "the Secondary Customer Profile"
	}
	if p, ok := specPaths[field]; ok {
		return "spec.trustHub." + p
	}
	return ""
}

// nonCompliantFields are the invalid fields of an evaluation: the spec path and
// Twilio's object type and field.
func nonCompliantFields(e *twilio.Evaluation) []string {
	var out []string
	for _, r := range e.Results {
		if r.Passed {
			continue
		}
		if len(r.Invalid) == 0 {
			out = append(out, r.RequirementName)
		}
		for _, f := range r.Invalid {
			name := r.ObjectType + "." + f.ObjectField
			if p := specPath(r.ObjectType, f.ObjectField); p != "" {
				name = p + " (" + name + ")"
			}
			out = append(out, name)
		}
	}
	return out
}

// describeNonCompliant says what the evaluation found, with Twilio's reasons, but none
// of a representative's: Twilio may repeat a value it refused, and theirs are
// personal data.
func describeNonCompliant(e *twilio.Evaluation) string {
	var parts []string
	for _, r := range e.Results {
		if r.Passed {
			continue
		}
		if len(r.Invalid) == 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", r.RequirementName, r.FailureReason))
		}
		for _, f := range r.Invalid {
			name := r.ObjectType + "." + f.ObjectField
			if p := specPath(r.ObjectType, f.ObjectField); p != "" {
				name = p + " (" + name + ")"
			}
			if f.FailureReason != "" && !strings.HasPrefix(r.ObjectType, typeRepresentative) {
				name += ": " + f.FailureReason
			}
			parts = append(parts, name)
		}
	}
	if len(parts) == 0 {
		return "Twilio named no field"
	}
	return strings.Join(parts, "; ")
}
