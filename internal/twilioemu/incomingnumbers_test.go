package twilioemu_test

import (
	"fmt"
	"net/http"
	"testing"

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
