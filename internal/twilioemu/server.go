package twilioemu

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Server is the Twilio emulator: an http.Handler serving the Twilio REST paths of
// routes() and the admin API under /__emulator/, with in-memory state. It is safe for
// concurrent use. Create it with New.
type Server struct {
	st      *store
	faults  *faultInjector
	log     *requestLog
	logger  *slog.Logger
	initial Seed
	table   []*route
	mux     *http.ServeMux
}

// Option configures a Server.
type Option func(*config)

type config struct {
	seed     Seed
	clock    Clock
	delays   *Delays
	rules    []CampaignRule
	faults   Faults
	randSeed uint64
	logger   *slog.Logger
	logLimit int
}

// WithSeed seeds accounts, numbers and bundles; Reset returns to this seed. An invalid
// seed (see Seed.Validate) makes New panic: it is a mistake in the test or program.
func WithSeed(s Seed) Option { return func(c *config) { c.seed = s } }

// WithClock sets the clock vetting is evaluated against (default: the wall clock).
// Pass a *ManualClock, or use Server.Advance, to move vetting along in tests.
func WithClock(clk Clock) Option { return func(c *config) { c.clock = clk } }

// WithDelays sets how long vetting takes (default DefaultDelays).
func WithDelays(d Delays) Option { return func(c *config) { c.delays = &d } }

// WithCampaignRules sets the rules that make campaign vetting fail.
func WithCampaignRules(rules ...CampaignRule) Option {
	return func(c *config) { c.rules = append(c.rules, rules...) }
}

// WithFaults sets the global faults a new server starts with.
func WithFaults(f Faults) Option { return func(c *config) { c.faults = f } }

// WithRandSeed seeds the random source of fault injection, so a run of faults
// (latency jitter, error and drop rates) is reproducible.
func WithRandSeed(seed uint64) Option { return func(c *config) { c.randSeed = seed } }

// WithLogger logs every Twilio request (method, path, status, Twilio code, account,
// duration; never credentials) at Info level.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithRequestLogLimit bounds the request log (default 100000 entries; the oldest go
// first). Counters are never dropped.
func WithRequestLogLimit(n int) Option { return func(c *config) { c.logLimit = n } }

// New returns an emulator.
func New(opts ...Option) *Server {
	c := config{clock: wallClock{}, randSeed: uint64(time.Now().UnixNano()), logLimit: 100_000}
	for _, o := range opts {
		o(&c)
	}
	if err := c.seed.Validate(); err != nil {
		panic("twilioemu.New: " + err.Error())
	}
	if err := newStore(c.clock).checkOwners(c.seed); err != nil {
		panic("twilioemu.New: " + err.Error())
	}
	if c.delays != nil {
		c.seed.Delays = c.delays
	}
	c.seed.CampaignRules = append(c.seed.CampaignRules, c.rules...)
	s := &Server{
		st:      newStore(c.clock),
		faults:  newFaultInjector(c.randSeed),
		log:     newRequestLog(c.logLimit),
		logger:  c.logger,
		initial: c.seed,
	}
	s.st.seed(c.seed)
	s.faults.set(c.faults)
	s.table = s.routes()
	s.mux = s.buildMux()
	return s
}

// routes is the Twilio API the emulator serves: one line per endpoint, each with the
// path template of Twilio's OpenAPI spec and the form, query and header parameters its
// handler reads. The conformance test checks every line against the spec.
func (s *Server) routes() []*route {
	return []*route{
		{method: "POST", path: "/v1/Services", params: serviceParams, handle: s.createService},
		{method: "GET", path: "/v1/Services", params: pageParams, handle: s.listServices},
		{method: "GET", path: "/v1/Services/{Sid}", handle: s.fetchService},
		{method: "POST", path: "/v1/Services/{Sid}", params: serviceParams, handle: s.updateService},
		{method: "DELETE", path: "/v1/Services/{Sid}", handle: s.deleteService},
		{method: "GET", path: "/v1/Services/Usecases", handle: s.serviceUsecases},
		{method: "POST", path: "/v1/Services/{ServiceSid}/PhoneNumbers", params: []string{"PhoneNumberSid"}, handle: s.addPhoneNumber},
		{method: "GET", path: "/v1/Services/{ServiceSid}/PhoneNumbers", params: pageParams, handle: s.listPhoneNumbers},
		{method: "GET", path: "/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", handle: s.fetchPhoneNumber},
		{method: "DELETE", path: "/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", handle: s.removePhoneNumber},
		{method: "POST", path: "/v1/a2p/BrandRegistrations", params: brandParams, handle: s.createBrand},
		{method: "GET", path: "/v1/a2p/BrandRegistrations", params: pageParams, handle: s.listBrands},
		{method: "GET", path: "/v1/a2p/BrandRegistrations/{Sid}", handle: s.fetchBrand},
		{method: "POST", path: "/v1/a2p/BrandRegistrations/{Sid}", handle: s.resubmitBrand},
		{method: "POST", path: "/v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp", handle: s.resendOTP},
		{method: "POST", path: "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p", params: campaignCreateParams, handle: s.createCampaign},
		{method: "GET", path: "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p", params: campaignListParams, handle: s.listCampaigns},
		{method: "GET", path: "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}", params: campaignFetchParams, handle: s.fetchCampaign},
		{method: "POST", path: "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}", params: campaignUpdateParams, handle: s.updateCampaign},
		{method: "DELETE", path: "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}", handle: s.deleteCampaign},
		{method: "GET", path: "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases", params: []string{"BrandRegistrationSid"}, handle: s.campaignUsecases},
		{method: "GET", path: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", params: incomingNumberListParams, handle: s.listIncomingNumbers},
		{method: "GET", path: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json", handle: s.fetchIncomingNumber},
		{method: "POST", path: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json", params: incomingNumberUpdateParams, handle: s.updateIncomingNumber},
		{method: "POST", path: "/v1/Configuration/Addresses", params: addressConfigCreateParams, handle: s.createAddressConfig},
		{method: "GET", path: "/v1/Configuration/Addresses", params: addressConfigListParams, handle: s.listAddressConfigs},
		{method: "GET", path: "/v1/Configuration/Addresses/{Sid}", handle: s.fetchAddressConfig},
		{method: "POST", path: "/v1/Configuration/Addresses/{Sid}", params: addressConfigUpdateParams, handle: s.updateAddressConfig},
		{method: "DELETE", path: "/v1/Configuration/Addresses/{Sid}", handle: s.deleteAddressConfig},
		{method: "POST", path: "/2010-04-01/Accounts/{AccountSid}/Addresses.json", params: addressCreateParams, handle: s.createAddress},
		{method: "GET", path: "/2010-04-01/Accounts/{AccountSid}/Addresses.json", params: addressListParams, handle: s.listAddresses},
		{method: "GET", path: "/2010-04-01/Accounts/{AccountSid}/Addresses/{Sid}.json", handle: s.fetchAddress},
		{method: "POST", path: "/v1/CustomerProfiles", params: bundleCreateParams, handle: s.createCustomerProfile},
		{method: "GET", path: "/v1/CustomerProfiles", params: bundleListParams, handle: s.listCustomerProfiles},
		{method: "GET", path: "/v1/CustomerProfiles/{Sid}", handle: s.fetchCustomerProfile},
		{method: "POST", path: "/v1/CustomerProfiles/{Sid}", params: bundleUpdateParams, handle: s.updateCustomerProfile},
		{method: "POST", path: "/v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments", params: assignmentCreateParams, handle: s.assignToCustomerProfile},
		{method: "GET", path: "/v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments", params: assignmentListParams, handle: s.listCustomerProfileAssignments},
		{method: "DELETE", path: "/v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments/{Sid}", handle: s.unassignFromCustomerProfile},
		{method: "POST", path: "/v1/CustomerProfiles/{CustomerProfileSid}/Evaluations", params: evaluationParams, handle: s.evaluateCustomerProfile},
		{method: "POST", path: "/v1/TrustProducts", params: bundleCreateParams, handle: s.createTrustProduct},
		{method: "GET", path: "/v1/TrustProducts", params: bundleListParams, handle: s.listTrustProducts},
		{method: "GET", path: "/v1/TrustProducts/{Sid}", handle: s.fetchTrustProduct},
		{method: "POST", path: "/v1/TrustProducts/{Sid}", params: bundleUpdateParams, handle: s.updateTrustProduct},
		{method: "POST", path: "/v1/TrustProducts/{TrustProductSid}/EntityAssignments", params: assignmentCreateParams, handle: s.assignToTrustProduct},
		{method: "GET", path: "/v1/TrustProducts/{TrustProductSid}/EntityAssignments", params: assignmentListParams, handle: s.listTrustProductAssignments},
		{method: "DELETE", path: "/v1/TrustProducts/{TrustProductSid}/EntityAssignments/{Sid}", handle: s.unassignFromTrustProduct},
		{method: "POST", path: "/v1/TrustProducts/{TrustProductSid}/Evaluations", params: evaluationParams, handle: s.evaluateTrustProduct},
		{method: "POST", path: "/v1/EndUsers", params: entityCreateParams, handle: s.createEndUser},
		{method: "GET", path: "/v1/EndUsers", params: pageParams, handle: s.listEndUsers},
		{method: "GET", path: "/v1/EndUsers/{Sid}", handle: s.fetchEndUser},
		{method: "POST", path: "/v1/EndUsers/{Sid}", params: entityUpdateParams, handle: s.updateEndUser},
		{method: "POST", path: "/v1/SupportingDocuments", params: entityCreateParams, handle: s.createDocument},
		{method: "GET", path: "/v1/SupportingDocuments", params: pageParams, handle: s.listDocuments},
		{method: "GET", path: "/v1/SupportingDocuments/{Sid}", handle: s.fetchDocument},
	}
}

// pageParams are the paging parameters of every list.
var pageParams = []string{"PageSize", "Page", "PageToken"}

// route is one Twilio endpoint.
type route struct {
	method   string
	path     string   // Twilio's path template, exactly as in the OpenAPI spec
	params   []string // the form, query and header parameters the handler may read
	handle   func(*request) response
	suffixes map[string]string // path parameter → literal suffix (".json"), see pattern
}

// key names the endpoint in counters and the request log: "POST /v1/Services".
func (rt *route) key() string { return rt.method + " " + rt.path }

// write reports whether the endpoint changes state (what "drop after commit" applies to).
func (rt *route) write() bool { return rt.method != http.MethodGet }

// pattern is the route's ServeMux pattern. A mux wildcard must be a whole segment, so
// "{Sid}.json" becomes "{Sid}" and the ".json" is remembered, checked and cut later.
func (rt *route) pattern() string {
	segs := strings.Split(rt.path, "/")
	for i, seg := range segs {
		if open, close := strings.Index(seg, "{"), strings.Index(seg, "}"); open == 0 && close > 0 && close < len(seg)-1 {
			if rt.suffixes == nil {
				rt.suffixes = map[string]string{}
			}
			rt.suffixes[seg[1:close]] = seg[close+1:]
			segs[i] = seg[:close+1]
		}
	}
	return rt.method + " " + strings.Join(segs, "/")
}

// Route describes one endpoint the emulator serves.
type Route struct {
	Method string   `json:"method"`
	Path   string   `json:"path"`
	Params []string `json:"params,omitempty"`
}

// Routes lists the Twilio endpoints the emulator serves and the parameters each reads.
func Routes() []Route {
	var out []Route
	for _, rt := range (&Server{}).routes() {
		out = append(out, Route{Method: rt.method, Path: rt.path, Params: append([]string(nil), rt.params...)})
	}
	return out
}

func (s *Server) buildMux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.table {
		mux.Handle(rt.pattern(), s.twilioHandler(rt))
	}
	s.registerAdmin(mux)
	mux.Handle("/", s.twilioHandler(&route{handle: s.unmatched(mux)}))
	return mux
}

// ServeHTTP serves the Twilio API and the admin API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// unmatched answers a path the emulator does not serve: 405/20004 when the path exists
// with another method, else 404/20404 like Twilio.
func (s *Server) unmatched(mux *http.ServeMux) func(*request) response {
	return func(r *request) response {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
				return fail(ErrMethodNotAllowed)
			}
		}
		return fail(ErrNotFound)
	}
}
