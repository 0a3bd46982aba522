package twilioemu

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// The admin API: Control over HTTP, under /__emulator/ (a path Twilio never uses), with
// JSON bodies and no Twilio authentication. AdminClient is its client.

// adminPrefix is where the admin API lives.
const adminPrefix = "/__emulator"

type adminHandler func(*http.Request) (any, error)

// Bodies of the admin API.
type (
	phoneNumberRequest struct {
		PhoneNumber string `json:"phoneNumber"`
	}
	sidResponse struct {
		Sid string `json:"sid"`
	}
	bundleRequest struct {
		Sid          string       `json:"sid"`
		Kind         BundleKind   `json:"kind"`
		Status       BundleStatus `json:"status"`
		BrandOutcome BrandStatus  `json:"brandOutcome"`
	}
	statusRequest struct {
		Status string              `json:"status"`
		Errors []RegistrationError `json:"errors,omitempty"`
	}
	reviewRequest struct {
		Outcome BundleStatus `json:"outcome"`
		Codes   []int        `json:"codes,omitempty"`
	}
	usecasesRequest struct {
		CompanyType string   `json:"companyType,omitempty"`
		Disallowed  []string `json:"disallowed"`
	}
	clockRequest struct {
		Advance string     `json:"advance,omitempty"`
		Now     *time.Time `json:"now,omitempty"`
	}
	clockResponse struct {
		Now time.Time `json:"now"`
	}
	faultsResponse struct {
		Global Faults            `json:"global"`
		Routes map[string]Faults `json:"routes"`
	}
	routeFaultsRequest struct {
		Route  string `json:"route"`
		Faults Faults `json:"faults"`
	}
	accountFaultsRequest struct {
		Account string `json:"account"`
		Faults  Faults `json:"faults"`
	}
)

func (s *Server) registerAdmin(mux *http.ServeMux) {
	for _, a := range []struct {
		pattern string
		handle  adminHandler
	}{
		{"GET /routes", func(*http.Request) (any, error) { return Routes(), nil }},
		{"GET /requests", func(r *http.Request) (any, error) { return s.log.list(r.URL.Query().Get("userAgent")), nil }},
		{"DELETE /requests", func(*http.Request) (any, error) { return nil, s.ResetCounters() }},
		{"GET /counters", func(r *http.Request) (any, error) { return s.Counts(r.URL.Query().Get("userAgent")) }},
		{"POST /seed", withBody(func(seed Seed) (any, error) { return nil, s.Seed(seed) })},
		{"POST /accounts/{AccountSid}/phone-numbers", s.adminSeedNumber},
		{"POST /accounts/{AccountSid}/bundles", s.adminSeedBundle},
		{"POST /bundles/{Sid}/status", s.adminBundleStatus},
		{"POST /bundles/{Sid}/outcome", s.adminBundleOutcome},
		{"POST /bundles/{Sid}/review-outcome", s.adminBundleReviewOutcome},
		{"POST /bundles/{Sid}/usecases", s.adminBundleUsecases},
		{"GET /trusthub", func(r *http.Request) (any, error) { return s.TrustHub(r.URL.Query().Get("accountSid")) }},
		{"POST /brands/{Sid}/status", s.adminBrandStatus},
		{"POST /brands/{Sid}/otp/complete", func(r *http.Request) (any, error) { return nil, s.CompleteBrandOTP(r.PathValue("Sid")) }},
		{"POST /brands/{Sid}/otp/reject", func(r *http.Request) (any, error) { return nil, s.RejectBrandOTP(r.PathValue("Sid")) }},
		{"POST /campaigns/{Sid}/status", s.adminCampaignStatus},
		{"PUT /campaign-rules", withBody(func(rules []CampaignRule) (any, error) { return nil, s.SetCampaignRules(rules...) })},
		{"GET /quirks", func(*http.Request) (any, error) { return s.Quirks() }},
		{"PUT /quirks", withBody(func(q Quirks) (any, error) { return nil, s.SetQuirks(q) })},
		{"DELETE /quirks", func(*http.Request) (any, error) { return nil, s.SetQuirks(Quirks{}) }},
		{"GET /clock", func(*http.Request) (any, error) { now, err := s.Now(); return clockResponse{now}, err }},
		{"POST /clock", withBody(s.adminClock)},
		{"PUT /delays", withBody(func(d Delays) (any, error) { return nil, s.SetDelays(d) })},
		{"GET /faults", func(*http.Request) (any, error) { g, r := s.Faults(); return faultsResponse{g, r}, nil }},
		{"PUT /faults", withBody(func(f Faults) (any, error) { return nil, s.SetFaults(f) })},
		{"PUT /faults/routes", withBody(func(f routeFaultsRequest) (any, error) { return nil, s.SetPathFaults(f.Route, f.Faults) })},
		{"PUT /faults/accounts", withBody(func(f accountFaultsRequest) (any, error) {
			return nil, s.SetAccountFaults(f.Account, f.Faults)
		})},
		{"DELETE /faults", func(*http.Request) (any, error) { return nil, s.ClearFaults() }},
		{"GET /state", func(*http.Request) (any, error) { return s.State() }},
		{"GET /services", func(r *http.Request) (any, error) { return s.Services(r.URL.Query().Get("accountSid")) }},
		{"GET /services/{Sid}", func(r *http.Request) (any, error) { return s.Service(r.PathValue("Sid")) }},
		{"PATCH /services/{Sid}", s.adminPatchService},
		{"GET /services/{Sid}/phone-numbers", func(r *http.Request) (any, error) { return s.PoolNumbers(r.PathValue("Sid")) }},
		{"GET /phone-numbers", func(r *http.Request) (any, error) { return s.PhoneNumbers(r.URL.Query().Get("accountSid")) }},
		{"PATCH /phone-numbers/{Sid}", s.adminPatchNumber},
		{"POST /accounts/{AccountSid}/address-configurations", s.adminSeedAddressConfig},
		{"GET /address-configurations", func(r *http.Request) (any, error) {
			return s.AddressConfigurations(r.URL.Query().Get("accountSid"))
		}},
		{"GET /brands", func(r *http.Request) (any, error) { return s.Brands(r.URL.Query().Get("accountSid")) }},
		{"GET /campaigns", func(r *http.Request) (any, error) { return s.Campaigns(r.URL.Query().Get("accountSid")) }},
		{"POST /reset", func(*http.Request) (any, error) { return nil, s.Reset() }},
	} {
		method, path, _ := strings.Cut(a.pattern, " ")
		mux.Handle(method+" "+adminPrefix+path, adminHTTP(a.handle))
	}
	mux.Handle(adminPrefix+"/", adminHTTP(func(*http.Request) (any, error) { return nil, ErrNotFound }))
}

// adminHTTP writes a handler's result as JSON (204 when there is none) and errors in
// Twilio's envelope.
func adminHTTP(h adminHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := h(r)
		switch {
		case err != nil:
			status, env, _ := fail(err).resolve(r.URL.Path)
			writeJSON(w, status, env)
		case body == nil:
			w.WriteHeader(http.StatusNoContent)
		default:
			writeJSON(w, http.StatusOK, body)
		}
	})
}

// withBody decodes the request body as T before calling fn.
func withBody[T any](fn func(T) (any, error)) adminHandler {
	return func(r *http.Request) (any, error) {
		var in T
		dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, ErrInvalidSeed.withf("cannot decode the request body: %v", err)
		}
		return fn(in)
	}
}

func (s *Server) adminSeedNumber(r *http.Request) (any, error) {
	return withBody(func(in phoneNumberRequest) (any, error) {
		sid, err := s.SeedPhoneNumber(r.PathValue("AccountSid"), in.PhoneNumber)
		return sidResponse{sid}, err
	})(r)
}

func (s *Server) adminSeedBundle(r *http.Request) (any, error) {
	return withBody(func(in bundleRequest) (any, error) {
		return nil, s.SeedBundle(r.PathValue("AccountSid"), in.Sid, in.Kind, in.Status, in.BrandOutcome)
	})(r)
}

func (s *Server) adminBundleStatus(r *http.Request) (any, error) {
	return withBody(func(in statusRequest) (any, error) {
		return nil, s.SetBundleStatus(r.PathValue("Sid"), BundleStatus(in.Status))
	})(r)
}

func (s *Server) adminBundleOutcome(r *http.Request) (any, error) {
	return withBody(func(in statusRequest) (any, error) {
		return nil, s.SetBundleOutcome(r.PathValue("Sid"), BrandStatus(in.Status), in.Errors...)
	})(r)
}

func (s *Server) adminBundleReviewOutcome(r *http.Request) (any, error) {
	return withBody(func(in reviewRequest) (any, error) {
		return nil, s.SetBundleReviewOutcome(r.PathValue("Sid"), in.Outcome, in.Codes...)
	})(r)
}

func (s *Server) adminBundleUsecases(r *http.Request) (any, error) {
	return withBody(func(in usecasesRequest) (any, error) {
		return nil, s.SetBundleUsecases(r.PathValue("Sid"), in.CompanyType, in.Disallowed...)
	})(r)
}

func (s *Server) adminBrandStatus(r *http.Request) (any, error) {
	return withBody(func(in statusRequest) (any, error) {
		return nil, s.ForceBrandStatus(r.PathValue("Sid"), BrandStatus(in.Status), in.Errors...)
	})(r)
}

func (s *Server) adminCampaignStatus(r *http.Request) (any, error) {
	return withBody(func(in statusRequest) (any, error) {
		return nil, s.ForceCampaignStatus(r.PathValue("Sid"), CampaignStatus(in.Status), in.Errors...)
	})(r)
}

func (s *Server) adminPatchNumber(r *http.Request) (any, error) {
	return withBody(func(p PhoneNumberPatch) (any, error) { return nil, s.PatchPhoneNumber(r.PathValue("Sid"), p) })(r)
}

func (s *Server) adminSeedAddressConfig(r *http.Request) (any, error) {
	return withBody(func(c AddressConfigurationSeed) (any, error) {
		sid, err := s.SeedAddressConfiguration(r.PathValue("AccountSid"), c)
		return sidResponse{sid}, err
	})(r)
}

func (s *Server) adminPatchService(r *http.Request) (any, error) {
	return withBody(func(p ServicePatch) (any, error) {
		return s.UpdateService(r.PathValue("Sid"), p.apply)
	})(r)
}

// adminClock advances the clock ({"advance": "90s"}) or sets it ({"now": "…"}).
func (s *Server) adminClock(in clockRequest) (any, error) {
	switch {
	case in.Now != nil:
		if err := s.SetNow(*in.Now); err != nil {
			return nil, err
		}
	case in.Advance != "":
		d, err := time.ParseDuration(in.Advance)
		if err != nil {
			return nil, ErrInvalidSeed.withf("advance must be a duration such as \"90s\"")
		}
		if err := s.Advance(d); err != nil {
			return nil, err
		}
	default:
		return nil, ErrInvalidSeed.withf("send {\"advance\": \"90s\"} or {\"now\": \"2026-01-02T15:04:05Z\"}")
	}
	now, err := s.Now()
	return clockResponse{now}, err
}
