package twilioemu_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestIncomingPhoneNumbersThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, _ *twilioemu.Server, hc *http.Client) {
		rc := primary(hc).Api
		found := must[[]api.ApiV2010IncomingPhoneNumber](t)(rc.ListIncomingPhoneNumber(
			new(api.ListIncomingPhoneNumberParams).SetPhoneNumber("+15017122661")))
		if len(found) != 1 {
			t.Fatalf("PhoneNumber filter found %d numbers, want 1", len(found))
		}
		n := found[0]
		want := api.ApiV2010IncomingPhoneNumber{Sid: &number1, AccountSid: ptr(twilioemu.DefaultAccountSid),
			PhoneNumber: ptr("+15017122661"), FriendlyName: ptr("(501) 712-2661"),
			DateCreated: ptr(epoch.Format(v2010Date)), DateUpdated: ptr(epoch.Format(v2010Date)),
			Capabilities:        &api.ApiV2010AccountIncomingPhoneNumberCapabilities{Mms: true, Sms: true, Voice: true},
			Uri:                 ptr("/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid + "/IncomingPhoneNumbers/" + number1 + ".json"),
			AddressRequirements: ptr("none"), ApiVersion: ptr("2010-04-01"), Beta: ptr(false), Origin: ptr("twilio"),
			SmsFallbackMethod: ptr("POST"), SmsMethod: ptr("POST"), StatusCallbackMethod: ptr("POST"),
			VoiceReceiveMode: ptr("voice"), VoiceCallerIdLookup: ptr(false), VoiceFallbackMethod: ptr("POST"),
			VoiceMethod: ptr("POST"), EmergencyStatus: ptr("Inactive"), EmergencyAddressStatus: ptr("unregistered"),
			Status: ptr("in-use"), Type: ptr("local")}
		if diff := cmp.Diff(&want, &n); diff != "" {
			t.Errorf("listed number (-want +got):\n%s", diff)
		}
		fetched := must[*api.ApiV2010IncomingPhoneNumber](t)(rc.FetchIncomingPhoneNumber(number1, nil))
		if diff := cmp.Diff(&n, fetched); diff != "" {
			t.Errorf("fetch differs from list (-list +fetch):\n%s", diff)
		}
		none := must[[]api.ApiV2010IncomingPhoneNumber](t)(rc.ListIncomingPhoneNumber(
			new(api.ListIncomingPhoneNumberParams).SetPhoneNumber("+15558675301"))) // the second account's
		if len(none) != 0 {
			t.Errorf("found another account's number: %+v", none)
		}
		all := must[[]api.ApiV2010IncomingPhoneNumber](t)(rc.ListIncomingPhoneNumber(nil))
		if len(all) != 3 {
			t.Errorf("listed %d numbers, want the account's 3", len(all))
		}
	})
}

func TestIncomingPhoneNumberFilter(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient()).Api
	for filter, want := range map[string]int{
		"+15017122661":      1, // exact
		"5017122662":        1, // without the country code
		"+1 (501) 712-2663": 1, // formatting is ignored
		"501712266":         3, // partial numbers match
		"50171226*1":        1, // '*' is any one digit
		"+19999999999":      0,
	} {
		got := must[[]api.ApiV2010IncomingPhoneNumber](t)(rc.ListIncomingPhoneNumber(
			new(api.ListIncomingPhoneNumberParams).SetPhoneNumber(filter)))
		if len(got) != want {
			t.Errorf("PhoneNumber=%q found %d numbers, want %d", filter, len(got), want)
		}
	}
}

func TestIncomingPhoneNumbersPageWithRelativeURIs(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		for i := range 117 {
			must[string](t)(emu.SeedPhoneNumber(twilioemu.DefaultAccountSid, fmt.Sprintf("+1303555%04d", i)))
		}
		all := must[[]api.ApiV2010IncomingPhoneNumber](t)(primary(hc).Api.ListIncomingPhoneNumber(
			new(api.ListIncomingPhoneNumberParams).SetPageSize(50)))
		if len(all) != 120 {
			t.Fatalf("listed %d numbers, want 120", len(all))
		}
		if n, _ := emu.Count("GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"); n != 3 {
			t.Errorf("120 numbers in pages of 50 took %d requests, want 3", n)
		}
		_, body := call(t, hc, http.MethodGet, "/2010-04-01/Accounts/"+twilioemu.DefaultAccountSid+
			"/IncomingPhoneNumbers.json", map[string][]string{"PageSize": {"50"}, "PhoneNumber": {"+1303555"}})
		next, _ := body["next_page_uri"].(string)
		wantPrefix := "/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid +
			"/IncomingPhoneNumbers.json?PhoneNumber=%2B1303555&PageSize=50&Page=1&PageToken=PA"
		if len(next) < len(wantPrefix) || next[:len(wantPrefix)] != wantPrefix {
			t.Errorf("next_page_uri = %q, want the filter kept and a relative URI", next)
		}
		if body["start"] != float64(0) || body["end"] != float64(49) || body["page"] != float64(0) {
			t.Errorf("start/end/page = %v/%v/%v", body["start"], body["end"], body["page"])
		}
	})
}

func TestIncomingPhoneNumbersOfAnotherAccount(t *testing.T) {
	emu := newEmu(t)
	hc := emu.HTTPClient()
	for name, tc := range map[string]struct {
		path       string
		code, http int
	}{
		// The credentials are the primary account's; the path names the second account.
		"listing another account's numbers is an authentication failure": {
			"/2010-04-01/Accounts/" + twilioemu.SecondAccountSid + "/IncomingPhoneNumbers.json", 20003, 401},
		"fetching through another account's path is an authentication failure": {
			"/2010-04-01/Accounts/" + twilioemu.SecondAccountSid + "/IncomingPhoneNumbers/" + foreign + ".json", 20003, 401},
		"another account's number under one's own account is not found": {
			"/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid + "/IncomingPhoneNumbers/" + foreign + ".json", 20404, 404},
		"the 2010 API without .json is not served": {
			"/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid + "/IncomingPhoneNumbers/" + number1, 20404, 404},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := call(t, hc, http.MethodGet, tc.path, nil)
			wantErrorBody(t, status, body, tc.http, tc.code)
		})
	}
}

// v2010Date is the 2010 API's date format (RFC 2822).
const v2010Date = "Mon, 02 Jan 2006 15:04:05 +0000"

func TestIncomingPhoneNumberUpdateThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc).Api
		_ = emu.Advance(time.Minute)
		updated := must[*api.ApiV2010IncomingPhoneNumber](t)(rc.UpdateIncomingPhoneNumber(number1,
			new(api.UpdateIncomingPhoneNumberParams).SetSmsUrl("https://flex.example.com/sms").SetSmsMethod("get").
				SetSmsApplicationSid("AP0123456789abcdef0123456789abcdef").SetFriendlyName("Flex line")))
		if deref(updated.SmsUrl) != "https://flex.example.com/sms" || deref(updated.SmsMethod) != "GET" ||
			deref(updated.SmsApplicationSid) != "AP0123456789abcdef0123456789abcdef" ||
			deref(updated.FriendlyName) != "Flex line" || deref(updated.VoiceMethod) != "POST" ||
			deref(updated.DateUpdated) != epoch.Add(time.Minute).Format(v2010Date) {
			t.Fatalf("updated = %+v", updated)
		}
		listed := must[[]api.ApiV2010IncomingPhoneNumber](t)(rc.ListIncomingPhoneNumber(
			new(api.ListIncomingPhoneNumberParams).SetPhoneNumber("+15017122661")))
		if len(listed) != 1 || deref(listed[0].SmsUrl) != "https://flex.example.com/sms" ||
			deref(listed[0].SmsApplicationSid) != "AP0123456789abcdef0123456789abcdef" {
			t.Errorf("listed = %+v", listed)
		}
		// "" clears; what is not sent stays.
		cleared := must[*api.ApiV2010IncomingPhoneNumber](t)(rc.UpdateIncomingPhoneNumber(number1,
			new(api.UpdateIncomingPhoneNumberParams).SetSmsApplicationSid("")))
		if cleared.SmsApplicationSid != nil || deref(cleared.SmsUrl) != "https://flex.example.com/sms" {
			t.Errorf("cleared = %+v", cleared)
		}
		if n := must[[]twilioemu.PhoneNumber](t)(emu.PhoneNumbers(twilioemu.DefaultAccountSid))[0]; n.SMSURL != "https://flex.example.com/sms" ||
			n.SMSMethod != "GET" || n.SMSApplicationSid != "" {
			t.Errorf("state = %+v", n)
		}
		if n, _ := emu.Count("POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"); n != 2 {
			t.Errorf("counted %d updates, want 2", n)
		}
	})
}

func TestIncomingPhoneNumberUpdateRules(t *testing.T) {
	path := "/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid + "/IncomingPhoneNumbers/"
	for name, tc := range map[string]struct {
		sid        string
		form       map[string][]string
		code, http int
	}{
		"an SmsUrl that is not an absolute URL (21502)": {number1, map[string][]string{"SmsUrl": {"/sms"}}, 21502, 400},
		"an SmsMethod other than GET or POST (20001)":   {number1, map[string][]string{"SmsMethod": {"PUT"}}, 20001, 400},
		"a malformed SmsApplicationSid (20001)":         {number1, map[string][]string{"SmsApplicationSid": {"AP1"}}, 20001, 400},
		"a FriendlyName over 64 characters (20002)": {number1,
			map[string][]string{"FriendlyName": {strings.Repeat("x", 65)}}, 20002, 400},
		"another account's number is not found (20404)": {foreign, map[string][]string{"SmsUrl": {"https://a.example"}}, 20404, 404},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			status, body := call(t, emu.HTTPClient(), http.MethodPost, path+tc.sid+".json", tc.form)
			wantErrorBody(t, status, body, tc.http, tc.code)
			for _, n := range must[[]twilioemu.PhoneNumber](t)(emu.PhoneNumbers("")) {
				if n.SMSURL != "" || n.SMSMethod != "POST" || n.SMSApplicationSid != "" || strings.HasPrefix(n.FriendlyName, "x") {
					t.Errorf("a refused update changed %+v", n)
				}
			}
		})
	}
}

func TestPhoneNumberRoutingFromSeedAndAdmin(t *testing.T) {
	seed := twilioemu.DefaultSeed()
	seed.Accounts[0].PhoneNumbers[1].SMSURL = "https://legacy.example.com/sms"
	seed.Accounts[0].AddressConfigurations = []twilioemu.AddressConfigurationSeed{{Address: "+15017122663",
		AutoCreation: twilioemu.AutoCreation{Enabled: true, Type: "webhook", WebhookURL: "https://flex.example.com/c"}}}
	emu := newEmu(t, twilioemu.WithSeed(seed))
	rc := primary(emu.HTTPClient())
	n := must[*api.ApiV2010IncomingPhoneNumber](t)(rc.Api.FetchIncomingPhoneNumber(number2, nil))
	if deref(n.SmsUrl) != "https://legacy.example.com/sms" || deref(n.SmsMethod) != "POST" {
		t.Errorf("seeded routing = %+v", n)
	}
	if err := emu.PatchPhoneNumber(number2, twilioemu.PhoneNumberPatch{SMSURL: ptr(""),
		SMSApplicationSid: ptr("AP0123456789abcdef0123456789abcdef")}); err != nil {
		t.Fatal(err)
	}
	n = must[*api.ApiV2010IncomingPhoneNumber](t)(rc.Api.FetchIncomingPhoneNumber(number2, nil))
	if n.SmsUrl != nil || deref(n.SmsApplicationSid) != "AP0123456789abcdef0123456789abcdef" {
		t.Errorf("patched routing = %+v", n)
	}
	configs := must[[]twilioemu.AddressConfiguration](t)(emu.AddressConfigurations(""))
	if len(configs) != 1 || configs[0].AutoCreation.WebhookMethod != "POST" || configs[0].Type != "sms" {
		t.Fatalf("seeded configurations = %+v", configs)
	}
	for name, err := range map[string]error{
		"a method other than GET or POST": emu.PatchPhoneNumber(number2, twilioemu.PhoneNumberPatch{SMSMethod: ptr("get")}),
		"an unknown number":               emu.PatchPhoneNumber(foreign+"0", twilioemu.PhoneNumberPatch{}),
		"another account's address": func() error {
			_, err := emu.SeedAddressConfiguration(twilioemu.DefaultAccountSid, twilioemu.AddressConfigurationSeed{Address: "+15558675301"})
			return err
		}(),
	} {
		if err == nil {
			t.Errorf("%s was accepted", name)
		}
	}
	bad := twilioemu.DefaultSeed()
	bad.Accounts[0].AddressConfigurations = []twilioemu.AddressConfigurationSeed{{Address: "+15558675301"}}
	if err := emu.Seed(bad); !errors.Is(err, twilioemu.ErrInvalidSeed) {
		t.Errorf("seeding another account's address: %v", err)
	}
}
