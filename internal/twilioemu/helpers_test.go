package twilioemu_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// epoch is where every test's manual clock starts: the time the tests started, in
// whole seconds like Twilio's timestamps, so that no test depends on the date.
var epoch = time.Now().UTC().Truncate(time.Second)

// newEmu returns an emulator with the default seed (two accounts, three numbers and an
// approved pair of bundles each) and a manual clock at epoch.
func newEmu(t testing.TB, opts ...twilioemu.Option) *twilioemu.Server {
	t.Helper()
	base := []twilioemu.Option{twilioemu.WithSeed(twilioemu.DefaultSeed()),
		twilioemu.WithClock(twilioemu.NewManualClock(epoch)), twilioemu.WithRandSeed(1)}
	return twilioemu.New(append(base, opts...)...)
}

// transport is how a test reaches the emulator: in-process, or over real HTTP through
// an httptest.Server and a URL-rewriting RoundTripper.
type transport struct {
	name string
	http func(t testing.TB, emu *twilioemu.Server) *http.Client
}

var transports = []transport{
	{"in-process", func(_ testing.TB, emu *twilioemu.Server) *http.Client { return emu.HTTPClient() }},
	{"http", func(t testing.TB, emu *twilioemu.Server) *http.Client {
		srv := httptest.NewServer(emu)
		t.Cleanup(srv.Close)
		rt, err := twilioemu.RedirectTransport(srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Transport: rt}
	}},
}

// forEachTransport runs fn once per transport, each with its own emulator.
func forEachTransport(t *testing.T, fn func(t *testing.T, emu *twilioemu.Server, hc *http.Client)) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			emu := newEmu(t)
			fn(t, emu, tr.http(t, emu))
		})
	}
}

// restClient is the real twilio-go client, signed in as user/pass, acting on account.
func restClient(hc *http.Client, user, pass, account string) *twilio.RestClient {
	c := &client.Client{Credentials: client.NewCredentials(user, pass), HTTPClient: hc}
	c.SetAccountSid(account)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Username: user, Password: pass, AccountSid: account, Client: c})
}

// primary is the default account's client, signed in with its auth token.
func primary(hc *http.Client) *twilio.RestClient {
	return restClient(hc, twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken, twilioemu.DefaultAccountSid)
}

// second is the second account's client.
func second(hc *http.Client) *twilio.RestClient {
	return restClient(hc, twilioemu.SecondAccountSid, twilioemu.SecondAuthToken, twilioemu.SecondAccountSid)
}

// twilioErr asserts that err is a *client.TwilioRestError with this code and status.
func twilioErr(t testing.TB, err error, code, status int) {
	t.Helper()
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		t.Fatalf("got error %v (%T), want Twilio error %d", err, err, code)
	}
	if te.Code != code || te.Status != status {
		t.Fatalf("got Twilio error %d/HTTP %d %q, want %d/HTTP %d", te.Code, te.Status, te.Message, code, status)
	}
	if want := "https://www.twilio.com/docs/errors/"; !strings.HasPrefix(te.MoreInfo, want) {
		t.Fatalf("more_info = %q, want a link under %s", te.MoreInfo, want)
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// newService creates a Messaging Service through twilio-go.
func newService(t testing.TB, rc *twilio.RestClient, name string) *messaging.MessagingV1Service {
	t.Helper()
	return must[*messaging.MessagingV1Service](t)(rc.MessagingV1.CreateService(
		new(messaging.CreateServiceParams).SetFriendlyName(name)))
}

// newBrand registers a brand on the default account's approved bundles.
func newBrand(t testing.TB, rc *twilio.RestClient) *messaging.MessagingV1BrandRegistrations {
	t.Helper()
	return must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.CreateBrandRegistrations(
		new(messaging.CreateBrandRegistrationsParams).
			SetCustomerProfileBundleSid(twilioemu.DefaultCustomerProfile).
			SetA2PProfileBundleSid(twilioemu.DefaultTrustProduct)))
}

// approvedBrand registers a brand and moves the clock past brand vetting.
func approvedBrand(t testing.TB, emu *twilioemu.Server, rc *twilio.RestClient) string {
	t.Helper()
	b := newBrand(t, rc)
	if err := emu.Advance(twilioemu.DefaultDelays().Brand); err != nil {
		t.Fatal(err)
	}
	return *b.Sid
}

// campaignParams is a campaign that passes every length rule.
func campaignParams(brandSid string) *messaging.CreateUsAppToPersonParams {
	return new(messaging.CreateUsAppToPersonParams).
		SetBrandRegistrationSid(brandSid).
		SetUsAppToPersonUsecase("CUSTOMER_CARE").
		SetDescription("Acme support agents answer customer questions about existing orders by SMS.").
		SetMessageFlow("Customers opt in by texting our support number or ticking the SMS box on acme.example/support.").
		SetMessageSamples([]string{
			"Hi Sam, this is Acme support. Your replacement part ships today.",
			"Acme: your ticket 4821 is resolved. Reply HELP for help, STOP to opt out.",
		}).
		SetHasEmbeddedLinks(false).
		SetHasEmbeddedPhone(false)
}

// newCampaign registers a campaign on a service.
func newCampaign(t testing.TB, rc *twilio.RestClient, serviceSid, brandSid string) *messaging.MessagingV1UsAppToPersonResponse {
	t.Helper()
	return must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.CreateUsAppToPerson(serviceSid,
		campaignParams(brandSid)))
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// call sends a raw request the way twilio-go does (form body for POST, query string
// otherwise) and returns the status and the decoded JSON body, for what twilio-go's
// typed parameters cannot express.
func call(t testing.TB, hc *http.Client, method, path string, form url.Values, auth ...string) (int, map[string]any) {
	t.Helper()
	return callWithHeader(t, hc, method, path, form, nil, auth...)
}

// callWithHeader is call with request headers (X-Twilio-Api-Version).
func callWithHeader(t testing.TB, hc *http.Client, method, path string, form url.Values, header http.Header,
	auth ...string) (int, map[string]any) {
	t.Helper()
	target := "https://messaging.twilio.com" + path
	if strings.HasPrefix(path, "/2010-04-01") {
		target = "https://api.twilio.com" + path
	}
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if len(form) > 0 {
		target += "?" + form.Encode()
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs
	}
	if len(auth) == 0 {
		auth = []string{twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken}
	}
	if auth[0] != "" {
		req.SetBasicAuth(auth[0], auth[1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s %s: HTTP %d with a body that is not JSON: %v", method, path, resp.StatusCode, err)
		}
	}
	return resp.StatusCode, out
}

// wantErrorBody asserts Twilio's error envelope: exactly code, message, more_info and
// status.
func wantErrorBody(t testing.TB, status int, body map[string]any, wantStatus, wantCode int) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("HTTP %d %v, want %d", status, body, wantStatus)
	}
	want := map[string]any{"code": float64(wantCode), "status": float64(wantStatus),
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", wantCode), "message": body["message"]}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Fatalf("error body (-want +got):\n%s", diff)
	}
	if msg, _ := body["message"].(string); msg == "" {
		t.Fatalf("error body has no message: %v", body)
	}
}

func ptr[T any](v T) *T { return &v }
