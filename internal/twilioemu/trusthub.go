package twilioemu

import (
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// TrustHub bundles: /v1/CustomerProfiles and /v1/TrustProducts (create, list, fetch,
// update, which also submits for review). The two collections behave alike; kind tells
// them apart, and a bundle of one is not found in the other.

var (
	bundleCreateParams = []string{"FriendlyName", "Email", "PolicySid", "StatusCallback"}
	bundleUpdateParams = []string{"Status", "StatusCallback", "FriendlyName", "Email"}
	bundleListParams   = slices.Concat([]string{"Status", "FriendlyName", "PolicySid"}, pageParams)
	rnPattern          = regexp.MustCompile(`^RN[0-9a-fA-F]{32}$`)
)

// bundleValidity is how long an approved bundle is valid: the spec's readFull example
// approves a bundle on 2019-07-31 valid_until 2020-07-31.
const bundleValidity = 365 * 24 * time.Hour

// bundleResource is trusthub.v1.customer_profile and trusthub.v1.trust_product on the
// wire; the two differ only in their links.
type bundleResource struct {
	Sid            string            `json:"sid"`
	AccountSid     string            `json:"account_sid"`
	PolicySid      string            `json:"policy_sid"`
	FriendlyName   string            `json:"friendly_name"`
	Status         BundleStatus      `json:"status"`
	ValidUntil     *string           `json:"valid_until"`
	Email          *string           `json:"email"`
	StatusCallback *string           `json:"status_callback"`
	DateCreated    string            `json:"date_created"`
	DateUpdated    string            `json:"date_updated"`
	URL            string            `json:"url"`
	Links          map[string]string `json:"links"`
	Errors         []map[string]int  `json:"errors"`
}

func collection(kind BundleKind) string {
	if kind == TrustProduct {
		return "/v1/TrustProducts/"
	}
	return "/v1/CustomerProfiles/"
}

func renderBundle(base string, b Bundle) bundleResource {
	prefix := "customer_profiles"
	if b.Kind == TrustProduct {
		prefix = "trust_products"
	}
	url := base + collection(b.Kind) + b.Sid
	res := bundleResource{Sid: b.Sid, AccountSid: b.AccountSid, PolicySid: b.PolicySid, FriendlyName: b.FriendlyName,
		Status: b.Status, Email: nullable(b.Email), StatusCallback: nullable(b.StatusCallback),
		DateCreated: v1Time(b.DateCreated), DateUpdated: v1Time(b.DateUpdated), URL: url, Links: map[string]string{
			prefix + "_entity_assignments":          url + "/EntityAssignments",
			prefix + "_evaluations":                 url + "/Evaluations",
			prefix + "_channel_endpoint_assignment": url + "/ChannelEndpointAssignments",
		}}
	if !b.ValidUntil.IsZero() {
		res.ValidUntil = ptr(v1Time(b.ValidUntil))
	}
	if b.Status == BundleTwilioRejected {
		// The errors of a bundle that failed review, in the spec's shape: [{"code": 18601}].
		for _, c := range b.Errors {
			res.Errors = append(res.Errors, map[string]int{"code": c})
		}
	}
	return res
}

func (s *Server) createCustomerProfile(r *request) response {
	return s.createBundle(r, CustomerProfile)
}
func (s *Server) createTrustProduct(r *request) response { return s.createBundle(r, TrustProduct) }

// createBundle creates a draft bundle. Every create makes a new bundle, as Twilio's
// does: a client that retries a create whose answer it lost finds the first one by
// listing (FriendlyName, PolicySid, Status filters). PolicySid must be a policy of this
// collection the emulator models (400/20001): SecondaryProfilePolicy or
// StarterProfilePolicy for customer profiles, A2PTrustProductPolicy or
// SoleProprietorTrustProductPolicy for trust products. Email must be an address
// (20001), StatusCallback an absolute URL (21609).
func (s *Server) createBundle(r *request, kind BundleKind) response {
	f := r.form()
	f.require("FriendlyName", "Email", "PolicySid")
	b := Bundle{AccountSid: r.account, Kind: kind, Status: BundleDraft, BrandOutcome: BrandApproved}
	readBundleFields(f, &b)
	set(&b.PolicySid, f.sid("PolicySid", rnPattern, ErrInvalidParameter))
	if f.err != nil {
		return fail(f.err)
	}
	if p := policyOf(b.PolicySid); p == nil || p.kind != kind || !p.creatable {
		return fail(invalid("PolicySid", b.PolicySid).withf("PolicySid %s is not a policy of %s this emulator models",
			b.PolicySid, collection(kind)))
	}
	return created(renderBundle(r.base(), s.st.createBundle(b)))
}

// readBundleFields reads what create and update share.
func readBundleFields(f *form, b *Bundle) {
	set(&b.FriendlyName, f.length("FriendlyName", 1, 64, ErrInvalidFriendlyName))
	if e := f.str("Email"); e != nil {
		if _, err := mail.ParseAddress(*e); err != nil {
			f.fail(invalid("Email", *e))
		}
		b.Email = *e
	}
	set(&b.StatusCallback, f.link("StatusCallback", ErrInvalidStatusCallback))
}

func (s *Server) fetchCustomerProfile(r *request) response { return s.fetchBundle(r, CustomerProfile) }
func (s *Server) fetchTrustProduct(r *request) response    { return s.fetchBundle(r, TrustProduct) }

func (s *Server) fetchBundle(r *request, kind BundleKind) response {
	b, err := s.st.bundle(r.account, r.pathValue("Sid"), kind)
	if err != nil {
		return fail(err)
	}
	return ok(renderBundle(r.base(), b))
}

func (s *Server) updateCustomerProfile(r *request) response {
	return s.updateBundle(r, CustomerProfile)
}
func (s *Server) updateTrustProduct(r *request) response { return s.updateBundle(r, TrustProduct) }

// updateBundle changes the name, email and status callback, and submits the bundle
// when Status is pending-review (the spec's updateToInReview example). Submitting is the
// only status change a client can make (the strict reading: review decides the others),
// so any other Status is 400/20001; and only a draft or twilio-rejected bundle can be
// submitted (409/20409 otherwise: it is already in review or approved).
func (s *Server) updateBundle(r *request, kind BundleKind) response {
	f := r.form()
	status := f.enum("Status", statusStrings(bundleStatuses), ErrInvalidParameter)
	var in Bundle
	readBundleFields(f, &in)
	if status != nil && BundleStatus(*status) != BundlePendingReview {
		f.fail(invalid("Status", *status).withf("Status can only be set to pending-review, to submit the bundle"))
	}
	if f.err != nil {
		return fail(f.err)
	}
	b, err := s.st.updateBundle(r.account, r.pathValue("Sid"), kind, func(b *Bundle) error {
		if status != nil {
			if err := s.st.submitBundle(b); err != nil {
				return err
			}
		}
		if f.str("FriendlyName") != nil {
			b.FriendlyName = in.FriendlyName
		}
		if f.str("Email") != nil {
			b.Email = in.Email
		}
		if f.str("StatusCallback") != nil {
			b.StatusCallback = in.StatusCallback
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return ok(renderBundle(r.base(), b))
}

func (s *Server) listCustomerProfiles(r *request) response { return s.listBundles(r, CustomerProfile) }
func (s *Server) listTrustProducts(r *request) response    { return s.listBundles(r, TrustProduct) }

// listBundles lists the account's bundles of kind, oldest first, with the spec's
// filters, each compared exactly: Status, FriendlyName, PolicySid.
func (s *Server) listBundles(r *request, kind BundleKind) response {
	f := r.form()
	filters := url.Values{}
	for _, name := range []string{"Status", "FriendlyName", "PolicySid"} {
		if v := f.str(name); v != nil {
			filters.Set(name, *v)
		}
	}
	q, err := parsePageQuery(f)
	if err != nil {
		return fail(err)
	}
	items, p := s.st.listBundles(func(b *Bundle) bool {
		return b.AccountSid == r.account && b.Kind == kind &&
			(!filters.Has("Status") || string(b.Status) == filters.Get("Status")) &&
			(!filters.Has("FriendlyName") || b.FriendlyName == filters.Get("FriendlyName")) &&
			(!filters.Has("PolicySid") || b.PolicySid == filters.Get("PolicySid"))
	}, q)
	out := make([]bundleResource, len(items))
	for i, b := range items {
		out[i] = renderBundle(r.base(), b)
	}
	return ok(v1FilteredList(r, "results", out, filters, q, p))
}

func statusStrings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func (st *store) createBundle(b Bundle) Bundle {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	b.Sid, b.DateCreated, b.DateUpdated = st.newSid("BU"), now, now
	st.bundles[b.Sid] = &b
	return b.clone()
}

// bundleRef finds a bundle of account ("" for any) and kind ("" for either) and moves
// its review along. Callers hold mu.
func (st *store) bundleRef(account, sid string, kind BundleKind) (*Bundle, error) {
	b, ok := st.bundles[sid]
	if !ok || (account != "" && b.AccountSid != account) || (kind != "" && b.Kind != kind) {
		return nil, ErrNotFound
	}
	st.settleBundle(b, st.now())
	return b, nil
}

func (st *store) bundle(account, sid string, kind BundleKind) (Bundle, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.bundleRef(account, sid, kind)
	if err != nil {
		return Bundle{}, err
	}
	return b.clone(), nil
}

// updateBundle changes a bundle with fn and stamps date_updated; an error of fn changes
// nothing. fn runs with mu held.
func (st *store) updateBundle(account, sid string, kind BundleKind, fn func(*Bundle) error) (Bundle, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.bundleRef(account, sid, kind)
	if err != nil {
		return Bundle{}, err
	}
	next := b.clone()
	if err := fn(&next); err != nil {
		return Bundle{}, err
	}
	next.DateUpdated = st.now()
	*b = next
	return next.clone(), nil
}

func (st *store) listBundles(keep func(*Bundle) bool, q pageQuery) ([]Bundle, page) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	for _, b := range st.bundles {
		st.settleBundle(b, now)
	}
	all := sorted(st, st.bundles, func(b *Bundle) string { return b.Sid }, keep)
	p := paginate(len(all), func(i int) uint64 { return st.order[all[i].Sid] }, q)
	out := make([]Bundle, 0, p.end-p.start)
	for _, b := range all[p.start:p.end] {
		out = append(out, b.clone())
	}
	return out, p
}

// clone is a deep copy.
func (b Bundle) clone() Bundle {
	b.Errors, b.ReviewErrors = slices.Clone(b.Errors), slices.Clone(b.ReviewErrors)
	b.BrandErrors, b.DisallowedUsecases = slices.Clone(b.BrandErrors), slices.Clone(b.DisallowedUsecases)
	return b
}
