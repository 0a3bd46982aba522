package twilioemu_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"
	trusthub "github.com/twilio/twilio-go/rest/trusthub/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestAuthentication(t *testing.T) {
	emu := newEmu(t)
	for name, creds := range map[string][]string{
		"a request without credentials":                 {"", ""},
		"a wrong auth token":                            {twilioemu.DefaultAccountSid, "wrongtoken"},
		"an account that does not exist":                {"AC" + strings.Repeat("9", 32), twilioemu.DefaultAuthToken},
		"an API key with a wrong secret":                {twilioemu.DefaultAPIKeySid, "wrongsecret"},
		"an account SID with its API key's secret":      {twilioemu.DefaultAccountSid, twilioemu.DefaultAPIKeySecret},
		"one account's SID with another's auth token":   {twilioemu.DefaultAccountSid, twilioemu.SecondAuthToken},
		"an API key with its account's auth token":      {twilioemu.DefaultAPIKeySid, twilioemu.DefaultAuthToken},
		"a request to an unknown path, unauthenticated": {"", "", "/v1/Nothing"},
	} {
		t.Run(name, func(t *testing.T) {
			path := "/v1/Services"
			if len(creds) == 3 {
				path = creds[2]
			}
			status, body := call(t, emu.HTTPClient(), http.MethodGet, path, nil, creds[0], creds[1])
			wantErrorBody(t, status, body, 401, 20003)
			if body["message"] != "Authenticate" {
				t.Errorf("message = %q", body["message"])
			}
		})
	}
	resp, err := emu.HTTPClient().Get("https://messaging.twilio.com/v1/Services")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("WWW-Authenticate"); got != `Basic realm="Twilio API"` {
		t.Errorf("WWW-Authenticate = %q", got)
	}
}

func TestAPIKeyActsAsItsAccount(t *testing.T) {
	forEachTransport(t, func(t *testing.T, _ *twilioemu.Server, hc *http.Client) {
		byKey := restClient(hc, twilioemu.DefaultAPIKeySid, twilioemu.DefaultAPIKeySecret, twilioemu.DefaultAccountSid)
		svc := newService(t, byKey, "made with an API key")
		if deref(svc.AccountSid) != twilioemu.DefaultAccountSid {
			t.Errorf("account_sid = %q, want the key's account", deref(svc.AccountSid))
		}
		// The account's own token sees it; the other account's key does not.
		must[*messaging.MessagingV1Service](t)(primary(hc).MessagingV1.FetchService(*svc.Sid))
		otherKey := restClient(hc, twilioemu.SecondAPIKeySid, twilioemu.SecondAPIKeySecret, twilioemu.SecondAccountSid)
		_, err := otherKey.MessagingV1.FetchService(*svc.Sid)
		twilioErr(t, err, 20404, 404)
		// 2010 paths must name the key's account.
		if _, err := byKey.Api.ListIncomingPhoneNumber(nil); err != nil {
			t.Errorf("listing the key's account's numbers: %v", err)
		}
		wrongAccount := restClient(hc, twilioemu.DefaultAPIKeySid, twilioemu.DefaultAPIKeySecret, twilioemu.SecondAccountSid)
		_, err = wrongAccount.Api.ListIncomingPhoneNumber(nil)
		twilioErr(t, err, 20003, 401)
	})
}

func TestAccountsAreIsolated(t *testing.T) {
	emu := newEmu(t)
	hc := emu.HTTPClient()
	mine := primary(hc)
	mg := *newService(t, mine, "mine").Sid
	brand := approvedBrand(t, emu, mine)
	qe := *newCampaign(t, mine, mg, brand).Sid
	theirs := second(hc).MessagingV1
	for name, op := range map[string]func() error{
		"fetching the service": func() error { _, err := theirs.FetchService(mg); return err },
		"updating the service": func() error {
			_, err := theirs.UpdateService(mg, new(messaging.UpdateServiceParams).SetFriendlyName("stolen"))
			return err
		},
		"deleting the service":         func() error { return theirs.DeleteService(mg) },
		"fetching the brand":           func() error { _, err := theirs.FetchBrandRegistrations(brand); return err },
		"fetching the campaign":        func() error { _, err := theirs.FetchUsAppToPerson(mg, qe, nil); return err },
		"listing the service campaign": func() error { _, err := theirs.ListUsAppToPerson(mg, nil); return err },
		"deleting the campaign":        func() error { return theirs.DeleteUsAppToPerson(mg, qe) },
		"fetching the customer profile": func() error {
			_, err := second(hc).TrusthubV1.FetchCustomerProfile(twilioemu.DefaultCustomerProfile)
			return err
		},
	} {
		t.Run("another account "+name+" is 20404", func(t *testing.T) {
			twilioErr(t, op(), 20404, 404)
		})
	}
	if svc, _ := emu.Service(mg); svc.FriendlyName != "mine" || !svc.UsAppToPersonRegistered {
		t.Errorf("the service changed: %+v", svc)
	}
	if listed, _ := theirs.ListService(nil); len(listed) != 0 {
		t.Errorf("the second account lists %d services", len(listed))
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	emu := newEmu(t)
	for name, tc := range map[string]struct {
		method, path string
		code, http   int
	}{
		"a path Twilio has but the emulator does not serve is 20404": {http.MethodGet, "/v1/Services/MG1/ShortCodes", 20404, 404},
		"a path that exists with another method is 20004":            {http.MethodDelete, "/v1/a2p/BrandRegistrations", 20004, 405},
		"PUT is not a Twilio method":                                 {http.MethodPut, "/v1/Services", 20004, 405},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := call(t, emu.HTTPClient(), tc.method, tc.path, url.Values{})
			wantErrorBody(t, status, body, tc.http, tc.code)
		})
	}
	if n, _ := emu.Count("GET (unmatched)"); n != 1 {
		t.Errorf("unmatched GETs counted %d times, want 1", n)
	}
}

func TestCountersByUserAgent(t *testing.T) {
	emu := newEmu(t)
	clientAs := func(process string) *twilio.RestClient {
		c := &client.Client{Credentials: client.NewCredentials(twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken),
			HTTPClient: emu.HTTPClient(), UserAgentExtensions: []string{process}}
		c.SetAccountSid(twilioemu.DefaultAccountSid)
		return twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
	}
	newService(t, clientAs("twilio-operator/v0 (pod-a)"), "a")
	newService(t, clientAs("twilio-operator/v0 (pod-b)"), "b")
	newService(t, clientAs("twilio-operator/v0 (pod-b)"), "c")
	for ua, want := range map[string]int{"": 3, "pod-a": 1, "pod-b": 2, "twilio-go/": 3, "pod-c": 0} {
		if n, _ := emu.CountUserAgent("POST /v1/Services", ua); n != want {
			t.Errorf("CountUserAgent(%q) = %d, want %d", ua, n, want)
		}
	}
	records, _ := emu.Requests()
	if len(records) != 3 || records[0].Account != twilioemu.DefaultAccountSid || records[0].Status != 201 ||
		records[0].Template != "/v1/Services" || records[0].Route != "POST /v1/Services" ||
		!strings.Contains(records[0].UserAgent, "pod-a") {
		t.Errorf("request log = %+v", records)
	}
	_ = emu.ResetCounters()
	if counts, _ := emu.Counts(""); len(counts) != 0 {
		t.Errorf("counts after reset = %v", counts)
	}
}

func TestBundlesThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc).TrusthubV1
		cp := must[*trusthub.TrusthubV1CustomerProfile](t)(rc.FetchCustomerProfile(twilioemu.DefaultCustomerProfile))
		if deref(cp.Status) != "twilio-approved" || deref(cp.AccountSid) != twilioemu.DefaultAccountSid ||
			!strings.HasPrefix(deref(cp.PolicySid), "RN") || !cp.DateCreated.Equal(epoch) {
			t.Errorf("customer profile = %+v", cp)
		}
		tp := must[*trusthub.TrusthubV1TrustProduct](t)(rc.FetchTrustProduct(twilioemu.DefaultTrustProduct))
		if deref(tp.Status) != "twilio-approved" || !strings.HasSuffix(deref(tp.Url), "/v1/TrustProducts/"+twilioemu.DefaultTrustProduct) {
			t.Errorf("trust product = %+v", tp)
		}
		// A bundle is found only in its own collection.
		_, err := rc.FetchCustomerProfile(twilioemu.DefaultTrustProduct)
		twilioErr(t, err, 20404, 404)
		_, err = rc.FetchTrustProduct(twilioemu.DefaultCustomerProfile)
		twilioErr(t, err, 20404, 404)

		_ = emu.SetBundleStatus(twilioemu.DefaultCustomerProfile, twilioemu.BundleTwilioRejected)
		cp = must[*trusthub.TrusthubV1CustomerProfile](t)(rc.FetchCustomerProfile(twilioemu.DefaultCustomerProfile))
		if deref(cp.Status) != "twilio-rejected" || len(deref(cp.Errors)) == 0 {
			t.Errorf("rejected profile = %+v", cp)
		}
	})
}
