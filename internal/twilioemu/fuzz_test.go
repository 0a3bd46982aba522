package twilioemu_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// FuzzTwilioRequests sends arbitrary methods, paths and bodies: whatever comes in, the
// emulator answers like Twilio, with JSON and a status below 500, and never panics.
func FuzzTwilioRequests(f *testing.F) {
	mg := "MG" + strings.Repeat("a", 32)
	for _, seed := range []struct{ method, path, body string }{
		{"POST", "/v1/Services", "FriendlyName=x&ValidityPeriod=99999999999999999999"},
		{"POST", "/v1/Services", "FriendlyName=%ff%fe&StickySender=&Usecase=%00"},
		{"GET", "/v1/Services", "PageSize=0&PageToken=PA"},
		{"GET", "/v1/Services", "PageToken=PB%ff&Page=-1"},
		{"POST", "/v1/Services/" + mg + "/PhoneNumbers", "PhoneNumberSid=PN&PhoneNumberSid=PN1"},
		{"POST", "/v1/Services/" + mg + "/Compliance/Usa2p", "MessageSamples=a&MessageSamples="},
		{"POST", "/v1/a2p/BrandRegistrations", "CustomerProfileBundleSid=BU;A2PProfileBundleSid="},
		{"DELETE", "/v1/Services/" + mg, ""},
		{"GET", "/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid + "/IncomingPhoneNumbers.json", "PhoneNumber=***"},
		{"GET", "/2010-04-01/Accounts/x/IncomingPhoneNumbers/.json", ""},
		{"GET", "/v1/CustomerProfiles/%2e%2e", ""},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "/__emulator") {
			t.Skip()
		}
		req, err := http.NewRequest(method, "https://messaging.twilio.com"+path, strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken)
		if method != http.MethodPost {
			req.URL.RawQuery = body
		}
		emu := newEmu(t)
		resp, err := emu.HTTPClient().Do(req)
		if err != nil {
			t.Skip() // e.g. a method net/http refuses
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: HTTP %d %s", method, path, body, resp.StatusCode, data)
		}
		if resp.StatusCode != http.StatusNoContent && resp.StatusCode < 300 || resp.StatusCode >= 400 {
			if !json.Valid(data) {
				t.Fatalf("%s %s %q: HTTP %d with a body that is not JSON: %q", method, path, body, resp.StatusCode, data)
			}
		}
	})
}
