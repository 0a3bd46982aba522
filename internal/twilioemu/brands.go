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

// defaultBrandFailure is the errors[] of a FAILED brand whose bundle was seeded without
// its own: TCR could not verify the business (Twilio's 30799 feedback).
var defaultBrandFailure = []RegistrationError{{Code: 30799, Fields: []string{"business_registration_number"},
	Description: "Brand Registration Feedback: We were unable to verify the details of the registration data."}}

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
	b, err := s.st.createBrand(in)
	if err != nil {
		return fail(err)
	}
	return created(renderBrand(r.base(), b))
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

// createBrand registers a brand. Both bundles must be bundles of the right kind in the
// account and twilio-approved (30793); the brand starts PENDING.
func (st *store) createBrand(in Brand) (Brand, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.checkBundle(in.AccountSid, in.CustomerProfileBundleSid, CustomerProfile); err != nil {
		return Brand{}, err
	}
	if err := st.checkBundle(in.AccountSid, in.A2PProfileBundleSid, TrustProduct); err != nil {
		return Brand{}, err
	}
	now := st.now()
	b := in
	b.Sid, b.DateCreated = st.newSid("BN"), now
	st.setBrandStatus(&b, BrandPending, nil, now)
	st.brands[b.Sid] = &b
	return b, nil
}

func (st *store) checkBundle(account, sid string, kind BundleKind) error {
	b, ok := st.bundles[sid]
	switch {
	case !ok || b.AccountSid != account || b.Kind != kind:
		return ErrBundle.withf("%s %s was not found in this account", bundleTitle(kind), sid)
	case b.Status != BundleTwilioApproved:
		return ErrBundle.withf("%s %s is %s, not twilio-approved", bundleTitle(kind), sid, b.Status)
	}
	return nil
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
	if !ok || (account != "" && b.AccountSid != account) {
		return nil, ErrNotFound
	}
	st.settleBrand(b, st.now())
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

func (st *store) resubmitBrand(account, sid string) (Brand, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.brandRef(account, sid)
	if err != nil {
		return Brand{}, err
	}
	if b.Status != BrandFailed {
		return Brand{}, ErrBrandNotUpdatable.withf("Brand can only be updated when in FAILED state; %s is %s", sid, b.Status)
	}
	st.setBrandStatus(b, BrandPending, nil, st.now())
	return *b, nil
}

func (st *store) listBrands(account string, q pageQuery) ([]Brand, page) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.settleAll()
	all := sorted(st, st.brands, func(b *Brand) string { return b.Sid }, func(b *Brand) bool { return b.AccountSid == account })
	p := paginate(len(all), func(i int) uint64 { return st.order[all[i].Sid] }, q)
	return all[p.start:p.end], p
}

// settleBrand gives a PENDING brand its outcome once the brand delay has passed since
// it was submitted. The outcome is read from its bundles at that moment, so a test may
// re-seed a bundle while a brand is pending. Callers hold mu.
func (st *store) settleBrand(b *Brand, now time.Time) {
	if b.Status != BrandPending && b.Status != BrandInReview {
		return
	}
	due := b.SubmittedAt.Add(st.delays.Brand)
	if now.Before(due) {
		return
	}
	status, errs := st.brandOutcome(b)
	st.setBrandStatus(b, status, errs, due)
}

// brandOutcome is what a brand becomes: APPROVED for a mock brand, else the first
// non-APPROVED outcome seeded on its customer profile or A2P bundle.
func (st *store) brandOutcome(b *Brand) (BrandStatus, []RegistrationError) {
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
	case BrandApproved:
		if b.TCRID == "" {
			b.TCRID = "B" + randomUpper(6)
		}
		b.IdentityStatus, b.BrandScore = "VERIFIED", 75
		if b.BrandType == "SOLE_PROPRIETOR" {
			b.IdentityStatus, b.BrandScore = "SELF_DECLARED", 0
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

// randomUpper is n random uppercase letters and digits, like TCR's brand and campaign IDs.
func randomUpper(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))] //nolint:gosec // IDs need no crypto
	}
	return string(b)
}
