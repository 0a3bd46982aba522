package twilioemu_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestServiceLifecycleThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc)
		created := must[*messaging.MessagingV1Service](t)(rc.MessagingV1.CreateService(
			new(messaging.CreateServiceParams).SetFriendlyName("Support SMS (Flex)").
				SetUseInboundWebhookOnNumber(true).SetUsecase("discussion").
				SetStatusCallback("https://hooks.example.com/twilio/status")))
		sid := deref(created.Sid)
		if !strings.HasPrefix(sid, "MG") || len(sid) != 34 {
			t.Fatalf("sid = %q, want MG + 32 hex", sid)
		}
		// Twilio's defaults for what the create left out, and what it set.
		want := messaging.MessagingV1Service{Sid: &sid, AccountSid: ptr(twilioemu.DefaultAccountSid),
			FriendlyName: ptr("Support SMS (Flex)"), InboundMethod: ptr("POST"), FallbackMethod: ptr("POST"),
			StatusCallback: ptr("https://hooks.example.com/twilio/status"), StickySender: ptr(true),
			MmsConverter: ptr(true), SmartEncoding: ptr(true), ScanMessageContent: ptr("inherit"),
			FallbackToLongCode: ptr(true), AreaCodeGeomatch: ptr(true), SynchronousValidation: ptr(false),
			ValidityPeriod: 36000, Usecase: ptr("discussion"), UsAppToPersonRegistered: ptr(false),
			UseInboundWebhookOnNumber: ptr(true), DateCreated: &epoch, DateUpdated: &epoch}
		ignore := cmpopts.IgnoreFields(messaging.MessagingV1Service{}, "Url", "Links")
		if diff := cmp.Diff(&want, created, ignore); diff != "" {
			t.Errorf("created service (-want +got):\n%s", diff)
		}
		if !strings.HasSuffix(deref(created.Url), "/v1/Services/"+sid) {
			t.Errorf("url = %q", deref(created.Url))
		}
		links := deref(created.Links)
		if l, _ := links["phone_numbers"].(string); !strings.HasSuffix(l, "/v1/Services/"+sid+"/PhoneNumbers") {
			t.Errorf("links.phone_numbers = %v", links["phone_numbers"])
		}

		fetched := must[*messaging.MessagingV1Service](t)(rc.MessagingV1.FetchService(sid))
		if diff := cmp.Diff(created, fetched); diff != "" {
			t.Errorf("fetch differs from create (-create +fetch):\n%s", diff)
		}

		_ = emu.Advance(time.Minute)
		updated := must[*messaging.MessagingV1Service](t)(rc.MessagingV1.UpdateService(sid,
			new(messaging.UpdateServiceParams).SetFriendlyName("Support").SetStickySender(false).SetStatusCallback("")))
		if deref(updated.FriendlyName) != "Support" || deref(updated.StickySender) || updated.StatusCallback != nil {
			t.Errorf("update did not apply: %+v", updated)
		}
		if !updated.DateUpdated.Equal(epoch.Add(time.Minute)) || !updated.DateCreated.Equal(epoch) {
			t.Errorf("dates after update = %v / %v", updated.DateCreated, updated.DateUpdated)
		}

		if err := rc.MessagingV1.DeleteService(sid); err != nil {
			t.Fatal(err)
		}
		_, err := rc.MessagingV1.FetchService(sid)
		twilioErr(t, err, 20404, 404)
		twilioErr(t, rc.MessagingV1.DeleteService(sid), 20404, 404)
		for route, want := range map[string]int{"POST /v1/Services": 1, "GET /v1/Services/{Sid}": 2,
			"POST /v1/Services/{Sid}": 1, "DELETE /v1/Services/{Sid}": 2} {
			if n, _ := emu.Count(route); n != want {
				t.Errorf("Count(%q) = %d, want %d", route, n, want)
			}
		}
	})
}

func TestServiceNotFoundNamesThePath(t *testing.T) {
	emu := newEmu(t)
	missing := "MG" + strings.Repeat("0", 32)
	status, body := call(t, emu.HTTPClient(), http.MethodGet, "/v1/Services/"+missing, nil)
	wantErrorBody(t, status, body, 404, 20404)
	if want := "The requested resource /v1/Services/" + missing + " was not found"; body["message"] != want {
		t.Errorf("message = %q, want %q", body["message"], want)
	}
}

func TestServiceListPagesThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc)
		for i := range 120 {
			newService(t, rc, "svc "+strings.Repeat("x", i%5))
		}
		newService(t, second(hc), "other account") // never listed for the primary account
		_ = emu.ResetCounters()

		all := must[[]messaging.MessagingV1Service](t)(rc.MessagingV1.ListService(
			new(messaging.ListServiceParams).SetPageSize(50)))
		if len(all) != 120 {
			t.Fatalf("listed %d services, want 120", len(all))
		}
		seen := map[string]bool{}
		for _, s := range all {
			if seen[*s.Sid] || *s.AccountSid != twilioemu.DefaultAccountSid {
				t.Fatalf("duplicate or foreign service %s in the list", *s.Sid)
			}
			seen[*s.Sid] = true
		}
		if n, _ := emu.Count("GET /v1/Services"); n != 3 {
			t.Errorf("120 services in pages of 50 took %d requests, want 3", n)
		}

		limited := must[[]messaging.MessagingV1Service](t)(rc.MessagingV1.ListService(
			new(messaging.ListServiceParams).SetPageSize(50).SetLimit(70)))
		if len(limited) != 70 || *limited[69].Sid != *all[69].Sid {
			t.Errorf("Limit 70 listed %d services", len(limited))
		}
	})
}

func TestServiceListEnvelope(t *testing.T) {
	emu := newEmu(t)
	hc := emu.HTTPClient()
	for range 3 {
		newService(t, primary(hc), "svc")
	}
	_, body := call(t, hc, http.MethodGet, "/v1/Services", url.Values{"PageSize": {"2"}})
	meta, _ := body["meta"].(map[string]any)
	next, _ := meta["next_page_url"].(string)
	wantMeta := map[string]any{"key": "services", "page": float64(0), "page_size": float64(2),
		"first_page_url": "https://messaging.twilio.com/v1/Services?PageSize=2&Page=0",
		"url":            "https://messaging.twilio.com/v1/Services?PageSize=2&Page=0",
		"next_page_url":  next, "previous_page_url": nil}
	if diff := cmp.Diff(wantMeta, meta); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(next, "https://messaging.twilio.com/v1/Services?PageSize=2&Page=1&PageToken=PA") {
		t.Errorf("next_page_url = %q, want an absolute URL on the request's host", next)
	}
	u, _ := url.Parse(next)
	_, body = call(t, hc, http.MethodGet, "/v1/Services", u.Query())
	meta, _ = body["meta"].(map[string]any)
	if items, _ := body["services"].([]any); len(items) != 1 || meta["next_page_url"] != nil || meta["previous_page_url"] == nil {
		t.Errorf("second page = %d items, meta %v", len(items), meta)
	}
}

func TestServiceValidation(t *testing.T) {
	long := strings.Repeat("n", 65)
	for name, tc := range map[string]struct {
		form       url.Values
		code, http int
	}{
		"a service needs a FriendlyName (20001)":           {url.Values{}, 20001, 400},
		"an empty FriendlyName is invalid (20002)":         {url.Values{"FriendlyName": {""}}, 20002, 400},
		"a FriendlyName over 64 characters is invalid":     {url.Values{"FriendlyName": {long}}, 20002, 400},
		"a StatusCallback that is not a URL is 21609":      {url.Values{"FriendlyName": {"a"}, "StatusCallback": {"not a url"}}, 21609, 400},
		"an ftp InboundRequestUrl is an invalid callback":  {url.Values{"FriendlyName": {"a"}, "InboundRequestUrl": {"ftp://x.example/y"}}, 21502, 400},
		"a relative FallbackUrl is an invalid callback":    {url.Values{"FriendlyName": {"a"}, "FallbackUrl": {"/hook"}}, 21502, 400},
		"an unknown Usecase is 21713":                      {url.Values{"FriendlyName": {"a"}, "Usecase": {"chat"}}, 21713, 400},
		"InboundMethod is GET or POST":                     {url.Values{"FriendlyName": {"a"}, "InboundMethod": {"PUT"}}, 20001, 400},
		"a boolean is true or false":                       {url.Values{"FriendlyName": {"a"}, "StickySender": {"yes"}}, 20001, 400},
		"ValidityPeriod is at least 1 second":              {url.Values{"FriendlyName": {"a"}, "ValidityPeriod": {"0"}}, 20001, 400},
		"ValidityPeriod is at most 36000 seconds":          {url.Values{"FriendlyName": {"a"}, "ValidityPeriod": {"36001"}}, 20001, 400},
		"ScanMessageContent is inherit, enable or disable": {url.Values{"FriendlyName": {"a"}, "ScanMessageContent": {"on"}}, 20001, 400},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			status, body := call(t, emu.HTTPClient(), http.MethodPost, "/v1/Services", tc.form)
			wantErrorBody(t, status, body, tc.http, tc.code)
			if services, _ := emu.Services(""); len(services) != 0 {
				t.Errorf("a rejected create left %d services", len(services))
			}
		})
	}
}

func TestServiceCaseInsensitiveEnums(t *testing.T) {
	emu := newEmu(t)
	status, body := call(t, emu.HTTPClient(), http.MethodPost, "/v1/Services",
		url.Values{"FriendlyName": {"a"}, "InboundMethod": {"get"}, "StickySender": {"FALSE"}, "Usecase": {"Marketing"}})
	if status != http.StatusCreated || body["inbound_method"] != "GET" || body["sticky_sender"] != false ||
		body["usecase"] != "marketing" {
		t.Fatalf("HTTP %d %v", status, body)
	}
}

func TestMalformedBodyIsA400(t *testing.T) {
	emu := newEmu(t)
	req, _ := http.NewRequest(http.MethodPost, "https://messaging.twilio.com/v1/Services", strings.NewReader("FriendlyName=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken)
	resp, err := emu.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("HTTP %d, want 400", resp.StatusCode)
	}
}

func TestDriftMadeBehindTheClientsBack(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	sid := *newService(t, rc, "Support").Sid
	if _, err := emu.UpdateService(sid, func(s *twilioemu.Service) { s.UseInboundWebhookOnNumber = false; s.Sid = "MGx" }); err != nil {
		t.Fatal(err)
	}
	if err := emu.PatchService(sid, twilioemu.ServicePatch{FriendlyName: ptr("Renamed in the Console")}); err != nil {
		t.Fatal(err)
	}
	got := must[*messaging.MessagingV1Service](t)(rc.MessagingV1.FetchService(sid))
	if deref(got.FriendlyName) != "Renamed in the Console" || deref(got.UseInboundWebhookOnNumber) || *got.Sid != sid {
		t.Errorf("drift not visible through the API: %+v", got)
	}
}
