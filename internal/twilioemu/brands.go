package twilioemu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// A2P brand registrations: /v1/a2p/BrandRegistrations and …/{Sid}.

var brandParams = []string{"CustomerProfileBundleSid", "A2PProfileBundleSid", "BrandType", "Mock", "SkipAutomaticSecVet"}

// brandTypes are the brand types Twilio accepts today (STARTER is rejected since 2022).
var brandTypes = []string{"STANDARD", "SOLE_PROPRIETOR"}

// maxBrandResubmissions is how many times a FAILED brand may be resubmitted through the
// API; the next is 21724. Twilio documents "up to three self-service brand updates or
// resubmissions before you need Support assistance"
// (https://www.twilio.com/docs/api/errors/60724).
const maxBrandResubmissions = 3

// brandResource is messaging.v1.brand_registrations on the wire.
type brandResource struct {
	Sid                      string            `json:"sid"`
	AccountSid               string            `json:"account_sid"`
	CustomerProfileBundleSid string            `json:"customer_profile_bundle_sid"`
	A2PProfileBundleSid      string            `json:"a2p_profile_bundle_sid"`
	DateCreated              string            `json:"date_created"`
	DateUpdated              string            `json:"date_updated"`
	BrandType                string            `json:"brand_type"`
	Status                   BrandStatus       `json:"status"`
	TCRID                    *string           `json:"tcr_id"`
	FailureReason            *string           `json:"failure_reason"`
	Errors                   []errorResource   `json:"errors"`
	URL                      string            `json:"url"`
	BrandScore               *int              `json:"brand_score"`
	BrandFeedback            []string          `json:"brand_feedback"`
	IdentityStatus           string            `json:"identity_status"`
	Russell3000              bool              `json:"russell_3000"`
	GovernmentEntity         bool              `json:"government_entity"`
	TaxExemptStatus          *string           `json:"tax_exempt_status"`
	SkipAutomaticSecVet      bool              `json:"skip_automatic_sec_vet"`
	Mock                     bool              `json:"mock"`
	Links                    map[string]string `json:"links"`
}

// errorResource is one entry of a brand's or campaign's errors[], in the shape of the
// spec's campaign example (fetchFailedWithErrors).
type errorResource struct {
	ErrorCode   int      `json:"error_code"`
	Description string   `json:"description"`
	Fields      []string `json:"fields"`
	URL         string   `json:"url"`
}

func renderErrors(errs []RegistrationError) []errorResource {
	out := make([]errorResource, len(errs))
	for i, e := range errs {
		out[i] = errorResource{ErrorCode: e.Code, Description: e.Description, Fields: slices.Clone(e.Fields),
			URL: fmt.Sprintf("https://www.twilio.com/docs/api/errors/%d", e.Code)}
		if out[i].Fields == nil {
			out[i].Fields = []string{}
		}
	}
	return out
}

func renderBrand(base string, b Brand) brandResource {
	url := base + "/v1/a2p/BrandRegistrations/" + b.Sid
	res := brandResource{Sid: b.Sid, AccountSid: b.AccountSid, CustomerProfileBundleSid: b.CustomerProfileBundleSid,
		A2PProfileBundleSid: b.A2PProfileBundleSid, DateCreated: v1Time(b.DateCreated), DateUpdated: v1Time(b.DateUpdated),
		BrandType: b.BrandType, Status: b.Status, TCRID: nullable(b.TCRID), FailureReason: nullable(b.FailureReason),
		Errors: renderErrors(b.Errors), URL: url, IdentityStatus: b.IdentityStatus,
		SkipAutomaticSecVet: b.SkipAutomaticSecVet, Mock: b.Mock,
		Links: map[string]string{"brand_vettings": url + "/Vettings", "brand_registration_otps": url + "/SmsOtp"}}
	if b.BrandScore > 0 {
		res.BrandScore = &b.BrandScore
	}
	return res
}

func (s *Server) createBrand(r *request) response {
	f := r.form()
	f.require("CustomerProfileBundleSid", "A2PProfileBundleSid")
	in := Brand{BrandType: "STANDARD", AccountSid: r.account}
	set(&in.CustomerProfileBundleSid, f.sid("CustomerProfileBundleSid", buPattern, ErrInvalidParameter))
	set(&in.A2PProfileBundleSid, f.sid("A2PProfileBundleSid", buPattern, ErrInvalidParameter))
	set(&in.BrandType, f.enum("BrandType", brandTypes, ErrInvalidParameter))
	set(&in.Mock, f.boolean("Mock"))
	set(&in.SkipAutomaticSecVet, f.boolean("SkipAutomaticSecVet"))
	if f.err != nil {
		return fail(f.err)
	}
	return created(renderBrand(r.base(), s.st.createBrand(in)))
}

func (s *Server) fetchBrand(r *request) response {
	b, err := s.st.brand(r.account, r.pathValue("Sid"))
	if err != nil {
		return fail(err)
	}
	return ok(renderBrand(r.base(), b))
}

// resubmitBrand is POST /v1/a2p/BrandRegistrations/{Sid}: a FAILED brand goes back to
// PENDING and is vetted again (202, as the spec says).
func (s *Server) resubmitBrand(r *request) response {
	b, err := s.st.resubmitBrand(r.account, r.pathValue("Sid"))
	if err != nil {
		return fail(err)
	}
	return accepted(renderBrand(r.base(), b))
}

func (s *Server) listBrands(r *request) response {
	q, err := parsePageQuery(r.form())
	if err != nil {
		return fail(err)
	}
	items, p := s.st.listBrands(r.account, q)
	out := make([]brandResource, len(items))
	for i, b := range items {
		out[i] = renderBrand(r.base(), b)
	}
	return ok(v1List(r, "data", out, q, p))
}

// createBrand registers a brand; it starts PENDING whatever its bundles are. Bundles
// that are missing, of the wrong kind, another account's or not twilio-approved fail it
// once vetted, with 30793 (see bundleFailure): Twilio documents 30793 as a brand
// registration failure, not as a rejection of the create.
func (st *store) createBrand(in Brand) Brand {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	b := in
	b.Sid, b.DateCreated = st.newSid("BN"), now
	st.submitBrand(&b, now)
	st.brands[b.Sid] = &b
	return b
}

// submitBrand (re)starts a brand's vetting at time at, judging its bundles as they are
// now: a bundle that is approved later does not save a brand submitted before. Callers
// hold mu.
func (st *store) submitBrand(b *Brand, at time.Time) {
	var errs []RegistrationError
	if e, ok := st.bundleProblem(b, b.CustomerProfileBundleSid, CustomerProfile); !ok {
		errs = append(errs, e)
	}
	if e, ok := st.bundleProblem(b, b.A2PProfileBundleSid, TrustProduct); !ok {
		errs = append(errs, e)
	}
	st.bundleErrors[b.Sid] = errs
	st.setBrandStatus(b, BrandPending, nil, at)
}

// brandPolicies are the bundle policies each brand type registers with: a STANDARD
// brand the business's own (primary, for a direct customer) or Secondary Customer
// Profile and an A2P Messaging Profile; a SOLE_PROPRIETOR brand a Starter Customer
// Profile and a Sole Proprietor trust product, as the Sole Proprietor ISV walkthrough
// builds them (https://www.twilio.com/docs/messaging/compliance/a2p-10dlc/onboarding-isv-api-sole-prop-new).
var brandPolicies = map[string]map[BundleKind][]string{
	"STANDARD":     {CustomerProfile: {PrimaryProfilePolicy, SecondaryProfilePolicy}, TrustProduct: {A2PTrustProductPolicy}},
	soleProprietor: {CustomerProfile: {StarterProfilePolicy}, TrustProduct: {SoleProprietorTrustProductPolicy}},
}

// bundleProblem is the 30793 entry brand reports for a bundle that cannot register it,
// and false; or true when the bundle is fine: this account's, of the right kind and
// policy for the brand type, twilio-approved. Callers hold mu.
func (st *store) bundleProblem(brand *Brand, sid string, kind BundleKind) (RegistrationError, bool) {
	field := "customer_profile_bundle_sid"
	if kind == TrustProduct {
		field = "a2p_profile_bundle_sid"
	}
	e := bundleFailure
	e.Fields = []string{field}
	b, err := st.bundleRef(brand.AccountSid, sid, kind)
	switch {
	case err != nil:
		e.Description += fmt.Sprintf(": %s %s was not found in this account", bundleTitle(kind), sid)
	case !slices.Contains(brandPolicies[brand.BrandType][kind], b.PolicySid):
		e.Description += fmt.Sprintf(": %s %s has policy %s, which cannot register a %s brand", bundleTitle(kind), sid,
			b.PolicySid, brand.BrandType)
	case b.Status != BundleTwilioApproved:
		e.Description += fmt.Sprintf(": %s %s is %s, not twilio-approved", bundleTitle(kind), sid, b.Status)
	default:
		return RegistrationError{}, true
	}
	return e, false
}

func bundleTitle(k BundleKind) string {
	if k == CustomerProfile {
		return "Customer Profile Bundle"
	}
	return "A2P Profile Bundle"
}

// brandRef finds a brand of account ("" for any) and settles it. Callers hold mu.
func (st *store) brandRef(account, sid string) (*Brand, error) {
	b, ok := st.brands[sid]
	if !ok || (account != "" && b.AccountSid != account) || !st.settleBrand(b, st.now()) {
		return nil, ErrNotFound
	}
	return b, nil
}

func (st *store) brand(account, sid string) (Brand, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.brandRef(account, sid)
	if err != nil {
		return Brand{}, err
	}
	return *b, nil
}

// resubmitBrand sends a FAILED brand back to vetting. Twilio's rules, in order: a
// SUSPENDED brand is 21731; any other brand that is not FAILED is 21725; a brand that a
// campaign was registered with cannot be edited ("a Brand cannot be edited if any
// Campaign has been registered in association with it",
// https://twilio.com/docs/messaging/compliance/a2p-10dlc/troubleshooting-a2p-brands/troubleshooting-and-rectifying-a2p-campaigns),
// answered 409/20409 since Twilio documents no code of its own for it; and after
// maxBrandResubmissions resubmissions it is 21724.
func (st *store) resubmitBrand(account, sid string) (Brand, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.brandRef(account, sid)
	if err != nil {
		return Brand{}, err
	}
	switch {
	case b.Status == BrandSuspended:
		return Brand{}, ErrBrandSuspended.withf("Cannot perform operation on suspended brand %s", sid)
	case b.Status != BrandFailed:
		return Brand{}, ErrBrandNotUpdatable.withf("Brand can only be updated when in FAILED state; %s is %s", sid, b.Status)
	}
	if qe := st.campaignOfBrand(sid); qe != "" {
		return Brand{}, ErrConflict.withf("Brand %s cannot be edited: US A2P campaign %s is registered with it; "+
			"delete the campaign first", sid, qe)
	}
	if b.Resubmissions >= maxBrandResubmissions {
		return Brand{}, ErrBrandUpdateCount.withf("Maximum number of brand update requests (%d) reached on brand %s. "+
			"Contact support for help.", maxBrandResubmissions, sid)
	}
	b.Resubmissions++
	st.submitBrand(b, st.now())
	return *b, nil
}

// campaignOfBrand is the SID of a campaign registered with the brand, "" if none.
// Callers hold mu.
func (st *store) campaignOfBrand(brandSid string) string {
	for _, c := range sorted(st, st.campaigns, func(c *Campaign) string { return c.Sid },
		func(c *Campaign) bool { return c.BrandRegistrationSid == brandSid }) {
		return c.Sid
	}
	return ""
}

func (st *store) listBrands(account string, q pageQuery) ([]Brand, page) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.settleAll()
	omitVetted := st.quirks.BrandListOmitsVetted
	all := sorted(st, st.brands, func(b *Brand) string { return b.Sid }, func(b *Brand) bool {
		return b.AccountSid == account && (!omitVetted || b.IdentityStatus != identityVettedVerified)
	})
	p := paginate(len(all), func(i int) uint64 { return st.order[all[i].Sid] }, q)
	return all[p.start:p.end], p
}

// settleBrand applies a brand's due transition and reports whether the brand still
// exists. A PENDING (or IN_REVIEW) brand gets its outcome once the brand delay has
// passed since it was submitted: FAILED with 30793 if its bundles could not register it
// when submitted, else the outcome read from its bundles at that moment (so a test may
// re-seed a bundle's outcome while a brand is pending).
//
// A brand whose deletion was requested (DELETION_PENDING; Twilio's API has no DELETE,
// deletion is asked of the Console or Support) is gone after the same delay, or
// DELETION_FAILED while a campaign is still registered with it: the stricter reading of
// Twilio's undocumented deletion, since a campaign needs its brand. Callers hold mu.
func (st *store) settleBrand(b *Brand, now time.Time) bool {
	if b.Status == BrandApproved {
		st.expireOTP(b, now)
	}
	if b.Status != BrandPending && b.Status != BrandInReview && b.Status != BrandDeletionPending {
		return true
	}
	due := b.SubmittedAt.Add(st.delays.Brand)
	if now.Before(due) {
		return true
	}
	if b.Status == BrandDeletionPending {
		if st.campaignOfBrand(b.Sid) != "" {
			st.setBrandStatus(b, BrandDeletionFailed, nil, due)
			return true
		}
		delete(st.brands, b.Sid)
		delete(st.bundleErrors, b.Sid)
		return false
	}
	status, errs := st.brandOutcome(b)
	st.setBrandStatus(b, status, errs, due)
	return true
}

// brandOutcome is what a brand becomes: FAILED with 30793 when its bundles failed
// validation at submission; else APPROVED for a mock brand; else the first non-APPROVED
// outcome seeded on its customer profile or A2P bundle.
func (st *store) brandOutcome(b *Brand) (BrandStatus, []RegistrationError) {
	if errs := st.bundleErrors[b.Sid]; len(errs) > 0 {
		return BrandFailed, errs
	}
	if b.Mock {
		return BrandApproved, nil
	}
	for _, sid := range []string{b.CustomerProfileBundleSid, b.A2PProfileBundleSid} {
		if bundle, ok := st.bundles[sid]; ok && bundle.BrandOutcome != BrandApproved {
			return bundle.BrandOutcome, bundle.BrandErrors
		}
	}
	return BrandApproved, nil
}

// setBrandStatus moves a brand to status at time at, with the fields Twilio shows in
// that status. Callers hold mu.
func (st *store) setBrandStatus(b *Brand, status BrandStatus, errs []RegistrationError, at time.Time) {
	b.Status, b.DateUpdated, b.Errors, b.FailureReason = status, at, nil, ""
	switch status {
	case BrandPending, BrandInReview:
		b.SubmittedAt, b.IdentityStatus = at, "UNVERIFIED"
	case BrandDeletionPending:
		b.SubmittedAt = at
	case BrandApproved:
		if b.TCRID == "" {
			b.TCRID = "B" + randomUpper(6)
		}
		b.IdentityStatus, b.BrandScore = brandIdentity(b), 75
		if b.BrandType == soleProprietor {
			b.BrandScore = 0
			st.approveSoleProprietor(b, at)
		}
	case BrandFailed:
		if len(errs) == 0 {
			errs = defaultBrandFailure
		}
		b.IdentityStatus, b.Errors = "UNVERIFIED", slices.Clone(errs)
		descs := make([]string, len(errs))
		for i, e := range errs {
			descs[i] = e.Description
		}
		b.FailureReason = strings.Join(descs, "; ")
	default:
		b.Errors = slices.Clone(errs)
	}
}

// identityVettedVerified is the identity_status of a brand that passed secondary vetting.
const identityVettedVerified = "VETTED_VERIFIED"

// brandIdentity is an approved brand's identity_status (brand_registrations_enum_identity_status):
// UNVERIFIED for a sole proprietor until its OTP is confirmed (see otp.go);
// VETTED_VERIFIED for a standard brand that is secondary-vetted, which Twilio does
// automatically unless SkipAutomaticSecVet is set ("A flag to disable automatic
// secondary vetting for brands which it would otherwise be done", the spec) and which a
// mock brand is not; else VERIFIED.
func brandIdentity(b *Brand) string {
	switch {
	case b.BrandType == soleProprietor:
		return identityUnverified
	case !b.SkipAutomaticSecVet && !b.Mock:
		return identityVettedVerified
	}
	return "VERIFIED"
}

// randomUpper is n random uppercase letters and digits, like TCR's brand and campaign IDs.
func randomUpper(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))] //nolint:gosec // IDs need no crypto
	}
	return string(b)
}
