package twilioemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AdminClient drives an emulator running as its own process through the admin API
// (/__emulator/). It implements Control, so tests can switch between an in-process
// *Server and a standalone emulator.
type AdminClient struct {
	base string
	hc   *http.Client
}

var _ Control = (*AdminClient)(nil)

// NewAdminClient returns a client for the emulator at baseURL ("http://127.0.0.1:8080").
// A nil hc uses http.DefaultClient.
func NewAdminClient(baseURL string, hc *http.Client) *AdminClient {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &AdminClient{base: strings.TrimSuffix(baseURL, "/") + adminPrefix, hc: hc}
}

// do sends in as JSON (when not nil) and decodes the answer into out (when not nil).
// Error answers come back as *Error.
func (c *AdminClient) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e errorBody
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			return fmt.Errorf("twilioemu admin: %s %s: HTTP %d", method, path, resp.StatusCode)
		}
		return &Error{Status: e.Status, Code: e.Code, Message: e.Message}
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func get[T any](c *AdminClient, path string) (T, error) {
	var out T
	err := c.do(http.MethodGet, path, nil, &out)
	return out, err
}

func query(name, value string) string {
	if value == "" {
		return ""
	}
	return "?" + url.Values{name: {value}}.Encode()
}

// Seed adds what s describes.
func (c *AdminClient) Seed(s Seed) error { return c.do(http.MethodPost, "/seed", s, nil) }

// SeedAccount adds or replaces an account.
func (c *AdminClient) SeedAccount(a AccountSeed) error {
	return c.Seed(Seed{Accounts: []AccountSeed{a}})
}

// SeedPhoneNumber gives an account a phone number and returns its PN SID.
func (c *AdminClient) SeedPhoneNumber(accountSid, phoneNumber string) (string, error) {
	var out sidResponse
	err := c.do(http.MethodPost, "/accounts/"+url.PathEscape(accountSid)+"/phone-numbers",
		phoneNumberRequest{PhoneNumber: phoneNumber}, &out)
	return out.Sid, err
}

// SeedBundle adds or replaces a TrustHub bundle.
func (c *AdminClient) SeedBundle(accountSid, sid string, kind BundleKind, status BundleStatus, brandOutcome BrandStatus) error {
	return c.do(http.MethodPost, "/accounts/"+url.PathEscape(accountSid)+"/bundles",
		bundleRequest{Sid: sid, Kind: kind, Status: status, BrandOutcome: brandOutcome}, nil)
}

// SetBundleStatus changes a bundle's review status.
func (c *AdminClient) SetBundleStatus(sid string, status BundleStatus) error {
	return c.do(http.MethodPost, "/bundles/"+url.PathEscape(sid)+"/status", statusRequest{Status: string(status)}, nil)
}

// SetBundleOutcome changes what brands of this bundle become once vetted.
func (c *AdminClient) SetBundleOutcome(sid string, outcome BrandStatus, errs ...RegistrationError) error {
	return c.do(http.MethodPost, "/bundles/"+url.PathEscape(sid)+"/outcome",
		statusRequest{Status: string(outcome), Errors: errs}, nil)
}

// SetBundleReviewOutcome decides what review makes of a submitted bundle.
func (c *AdminClient) SetBundleReviewOutcome(sid string, outcome BundleStatus, codes ...int) error {
	return c.do(http.MethodPost, "/bundles/"+url.PathEscape(sid)+"/review-outcome",
		reviewRequest{Outcome: outcome, Codes: codes}, nil)
}

// SetBundleUsecases sets the use cases brands of the bundle are not offered.
func (c *AdminClient) SetBundleUsecases(sid string, companyType string, disallowed ...string) error {
	return c.do(http.MethodPost, "/bundles/"+url.PathEscape(sid)+"/usecases",
		usecasesRequest{CompanyType: companyType, Disallowed: disallowed}, nil)
}

// TrustHub is an account's TrustHub objects and addresses ("" for all accounts).
func (c *AdminClient) TrustHub(accountSid string) (TrustHub, error) {
	return get[TrustHub](c, "/trusthub"+query("accountSid", accountSid))
}

// ForceBrandStatus moves a brand to status now.
func (c *AdminClient) ForceBrandStatus(sid string, status BrandStatus, errs ...RegistrationError) error {
	return c.do(http.MethodPost, "/brands/"+url.PathEscape(sid)+"/status",
		statusRequest{Status: string(status), Errors: errs}, nil)
}

// CompleteBrandOTP confirms a sole proprietor brand's OTP.
func (c *AdminClient) CompleteBrandOTP(brandSid string) error {
	return c.do(http.MethodPost, "/brands/"+url.PathEscape(brandSid)+"/otp/complete", nil, nil)
}

// RejectBrandOTP refuses a sole proprietor brand's OTP.
func (c *AdminClient) RejectBrandOTP(brandSid string) error {
	return c.do(http.MethodPost, "/brands/"+url.PathEscape(brandSid)+"/otp/reject", nil, nil)
}

// ForceCampaignStatus moves a campaign to status now.
func (c *AdminClient) ForceCampaignStatus(sid string, status CampaignStatus, errs ...RegistrationError) error {
	return c.do(http.MethodPost, "/campaigns/"+url.PathEscape(sid)+"/status",
		statusRequest{Status: string(status), Errors: errs}, nil)
}

// SetCampaignRules replaces the campaign rules.
func (c *AdminClient) SetCampaignRules(rules ...CampaignRule) error {
	if rules == nil {
		rules = []CampaignRule{}
	}
	return c.do(http.MethodPut, "/campaign-rules", rules, nil)
}

// SetQuirks replaces the quirks.
func (c *AdminClient) SetQuirks(q Quirks) error { return c.do(http.MethodPut, "/quirks", q, nil) }

// Quirks are the quirks in force.
func (c *AdminClient) Quirks() (Quirks, error) { return get[Quirks](c, "/quirks") }

// Advance moves the emulator's clock forward by d.
func (c *AdminClient) Advance(d time.Duration) error {
	return c.do(http.MethodPost, "/clock", clockRequest{Advance: d.String()}, nil)
}

// SetNow moves the emulator's clock to t.
func (c *AdminClient) SetNow(t time.Time) error {
	return c.do(http.MethodPost, "/clock", clockRequest{Now: &t}, nil)
}

// Now is the emulator's time.
func (c *AdminClient) Now() (time.Time, error) {
	out, err := get[clockResponse](c, "/clock")
	return out.Now, err
}

// SetDelays changes how long vetting takes.
func (c *AdminClient) SetDelays(d Delays) error { return c.do(http.MethodPut, "/delays", d, nil) }

// SetFaults sets the global faults.
func (c *AdminClient) SetFaults(f Faults) error { return c.do(http.MethodPut, "/faults", f, nil) }

// SetPathFaults sets one route's faults.
func (c *AdminClient) SetPathFaults(route string, f Faults) error {
	return c.do(http.MethodPut, "/faults/routes", routeFaultsRequest{Route: route, Faults: f}, nil)
}

// SetAccountFaults sets one account's faults.
func (c *AdminClient) SetAccountFaults(account string, f Faults) error {
	return c.do(http.MethodPut, "/faults/accounts", accountFaultsRequest{Account: account, Faults: f}, nil)
}

// ClearFaults removes every fault.
func (c *AdminClient) ClearFaults() error { return c.do(http.MethodDelete, "/faults", nil, nil) }

// Count is how many requests a route has served.
func (c *AdminClient) Count(route string) (int, error) { return c.CountUserAgent(route, "") }

// CountUserAgent is Count for clients whose User-Agent contains userAgent.
func (c *AdminClient) CountUserAgent(route, userAgent string) (int, error) {
	counts, err := c.Counts(userAgent)
	return counts[route], err
}

// Counts is every route's count for User-Agents containing userAgent.
func (c *AdminClient) Counts(userAgent string) (map[string]int, error) {
	return get[map[string]int](c, "/counters"+query("userAgent", userAgent))
}

// Requests is the request log, oldest first.
func (c *AdminClient) Requests() ([]RequestRecord, error) {
	return get[[]RequestRecord](c, "/requests")
}

// ResetCounters empties the request log and the counters.
func (c *AdminClient) ResetCounters() error { return c.do(http.MethodDelete, "/requests", nil, nil) }

// Services lists an account's Messaging Services ("" for all accounts).
func (c *AdminClient) Services(accountSid string) ([]Service, error) {
	return get[[]Service](c, "/services"+query("accountSid", accountSid))
}

// Service is one Messaging Service.
func (c *AdminClient) Service(sid string) (Service, error) {
	return get[Service](c, "/services/"+url.PathEscape(sid))
}

// PoolNumbers is a service's sender pool.
func (c *AdminClient) PoolNumbers(serviceSid string) ([]PhoneNumber, error) {
	return get[[]PhoneNumber](c, "/services/"+url.PathEscape(serviceSid)+"/phone-numbers")
}

// PhoneNumbers lists an account's numbers ("" for all accounts).
func (c *AdminClient) PhoneNumbers(accountSid string) ([]PhoneNumber, error) {
	return get[[]PhoneNumber](c, "/phone-numbers"+query("accountSid", accountSid))
}

// Brands lists an account's brands ("" for all accounts).
func (c *AdminClient) Brands(accountSid string) ([]Brand, error) {
	return get[[]Brand](c, "/brands"+query("accountSid", accountSid))
}

// Campaigns lists an account's campaigns ("" for all accounts).
func (c *AdminClient) Campaigns(accountSid string) ([]Campaign, error) {
	return get[[]Campaign](c, "/campaigns"+query("accountSid", accountSid))
}

// State dumps everything.
func (c *AdminClient) State() (State, error) { return get[State](c, "/state") }

// PatchService changes a service as the Twilio Console would.
func (c *AdminClient) PatchService(sid string, p ServicePatch) error {
	return c.do(http.MethodPatch, "/services/"+url.PathEscape(sid), p, nil)
}

// PatchPhoneNumber changes a number's name and routing as the Console would.
func (c *AdminClient) PatchPhoneNumber(sid string, p PhoneNumberPatch) error {
	return c.do(http.MethodPatch, "/phone-numbers/"+url.PathEscape(sid), p, nil)
}

// SeedAddressConfiguration adds or replaces an address configuration.
func (c *AdminClient) SeedAddressConfiguration(accountSid string, s AddressConfigurationSeed) (string, error) {
	var out sidResponse
	err := c.do(http.MethodPost, "/accounts/"+url.PathEscape(accountSid)+"/address-configurations", s, &out)
	return out.Sid, err
}

// AddressConfigurations lists an account's address configurations ("" for all).
func (c *AdminClient) AddressConfigurations(accountSid string) ([]AddressConfiguration, error) {
	return get[[]AddressConfiguration](c, "/address-configurations"+query("accountSid", accountSid))
}

// Reset returns to the initial seed.
func (c *AdminClient) Reset() error { return c.do(http.MethodPost, "/reset", nil, nil) }
