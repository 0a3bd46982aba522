package twilioemu

// TrustHub bundles: /v1/CustomerProfiles/{Sid} and /v1/TrustProducts/{Sid} (fetch only;
// bundles are seeded, their review is simulated by SetBundleStatus).

// The policies Twilio's A2P bundles are created against.
const (
	customerProfilePolicySid = "RNdfbf3fae0e1107f8aded0e7cead80bf5" // Secondary Customer Profile
	trustProductPolicySid    = "RNb0d4771c2c98518d916a3d4cd70a8f8b" // A2P Messaging Profile
)

// bundleResource is trusthub.v1.customer_profile and trusthub.v1.trust_product on the
// wire; the two differ only in their links.
type bundleResource struct {
	Sid            string            `json:"sid"`
	AccountSid     string            `json:"account_sid"`
	PolicySid      string            `json:"policy_sid"`
	FriendlyName   string            `json:"friendly_name"`
	Status         BundleStatus      `json:"status"`
	ValidUntil     *string           `json:"valid_until"`
	Email          string            `json:"email"`
	StatusCallback *string           `json:"status_callback"`
	DateCreated    string            `json:"date_created"`
	DateUpdated    string            `json:"date_updated"`
	URL            string            `json:"url"`
	Links          map[string]string `json:"links"`
	Errors         []map[string]any  `json:"errors"`
}

func renderBundle(base string, b Bundle) bundleResource {
	collection, prefix, policy := "/v1/CustomerProfiles/", "customer_profiles", customerProfilePolicySid
	if b.Kind == TrustProduct {
		collection, prefix, policy = "/v1/TrustProducts/", "trust_products", trustProductPolicySid
	}
	url := base + collection + b.Sid
	res := bundleResource{Sid: b.Sid, AccountSid: b.AccountSid, PolicySid: policy, FriendlyName: b.FriendlyName,
		Status: b.Status, Email: "compliance@example.com", DateCreated: v1Time(b.DateCreated),
		DateUpdated: v1Time(b.DateUpdated), URL: url, Links: map[string]string{
			prefix + "_entity_assignments":          url + "/EntityAssignments",
			prefix + "_evaluations":                 url + "/Evaluations",
			prefix + "_channel_endpoint_assignment": url + "/ChannelEndpointAssignments",
		}}
	if b.Status == BundleTwilioRejected {
		// The spec's example of a bundle that failed review.
		res.Errors = []map[string]any{{"code": 18601}}
	}
	return res
}

func (s *Server) fetchCustomerProfile(r *request) response { return s.fetchBundle(r, CustomerProfile) }
func (s *Server) fetchTrustProduct(r *request) response    { return s.fetchBundle(r, TrustProduct) }

// fetchBundle answers 404 for a bundle of another account or of the other kind: a
// trust product is not a customer profile.
func (s *Server) fetchBundle(r *request, kind BundleKind) response {
	b, err := s.st.bundle(r.account, r.pathValue("Sid"))
	if err != nil || b.Kind != kind {
		return fail(ErrNotFound)
	}
	return ok(renderBundle(r.base(), b))
}

func (st *store) bundle(account, sid string) (Bundle, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.bundles[sid]
	if !ok || (account != "" && b.AccountSid != account) {
		return Bundle{}, ErrNotFound
	}
	return *b, nil
}
