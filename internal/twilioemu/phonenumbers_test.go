package twilioemu_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

var (
	number1 = twilioemu.PhoneNumberSid(twilioemu.DefaultAccountSid, "+15017122661")
	number2 = twilioemu.PhoneNumberSid(twilioemu.DefaultAccountSid, "+15017122662")
	foreign = twilioemu.PhoneNumberSid(twilioemu.SecondAccountSid, "+15558675301")
)

func addNumber(rc interface {
	CreatePhoneNumber(string, *messaging.CreatePhoneNumberParams) (*messaging.MessagingV1PhoneNumber, error)
}, service, pn string) (*messaging.MessagingV1PhoneNumber, error) {
	return rc.CreatePhoneNumber(service, new(messaging.CreatePhoneNumberParams).SetPhoneNumberSid(pn))
}

func TestSenderPoolThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc).MessagingV1
		mg := *newService(t, primary(hc), "Support").Sid
		added := must[*messaging.MessagingV1PhoneNumber](t)(addNumber(rc, mg, number1))
		want := &messaging.MessagingV1PhoneNumber{Sid: &number1, AccountSid: ptr(twilioemu.DefaultAccountSid),
			ServiceSid: &mg, DateCreated: &epoch, DateUpdated: &epoch, PhoneNumber: ptr("+15017122661"),
			CountryCode: ptr("US"), Capabilities: &[]string{"MMS", "SMS", "Voice"}, Url: added.Url}
		if diff := cmp.Diff(want, added); diff != "" {
			t.Errorf("added number (-want +got):\n%s", diff)
		}
		if !strings.HasSuffix(deref(added.Url), "/v1/Services/"+mg+"/PhoneNumbers/"+number1) {
			t.Errorf("url = %q", deref(added.Url))
		}
		fetched := must[*messaging.MessagingV1PhoneNumber](t)(rc.FetchPhoneNumber(mg, number1))
		if diff := cmp.Diff(added, fetched); diff != "" {
			t.Errorf("fetch differs (-add +fetch):\n%s", diff)
		}
		must[*messaging.MessagingV1PhoneNumber](t)(addNumber(rc, mg, number2))
		listed := must[[]messaging.MessagingV1PhoneNumber](t)(rc.ListPhoneNumber(mg, nil))
		if len(listed) != 2 {
			t.Fatalf("pool lists %d numbers, want 2", len(listed))
		}
		if err := rc.DeletePhoneNumber(mg, number1); err != nil {
			t.Fatal(err)
		}
		_, err := rc.FetchPhoneNumber(mg, number1)
		twilioErr(t, err, 20404, 404)
		twilioErr(t, rc.DeletePhoneNumber(mg, number1), 20404, 404)
		pool, _ := emu.PoolNumbers(mg)
		if len(pool) != 1 || pool[0].Sid != number2 {
			t.Errorf("pool after removal = %+v", pool)
		}
	})
}

func TestAddingASender(t *testing.T) {
	for name, tc := range map[string]struct {
		// before puts the emulator in the state the add meets.
		before     func(t *testing.T, rc *messaging.ApiService, mg, other string)
		pn         string
		service    string // "" for the test's service
		code, http int
	}{
		"a number already in this service is 21710, 409 as Twilio answers": {
			before: func(t *testing.T, rc *messaging.ApiService, mg, _ string) { mustAdd(t, rc, mg, number1) },
			pn:     number1, code: 21710, http: 409},
		"a number in another service of the account is 21712, 409 as Twilio answers": {
			before: func(t *testing.T, rc *messaging.ApiService, _, other string) { mustAdd(t, rc, other, number1) },
			pn:     number1, code: 21712, http: 409},
		"another account's number is not this account's to add (21421)": {pn: foreign, code: 21421, http: 400},
		"a malformed PN SID is 21421":                                   {pn: "PN123", code: 21421, http: 400},
		"an unknown service is 20404": {
			pn: number1, service: "MG" + strings.Repeat("a", 32), code: 20404, http: 404},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			mg, other := *newService(t, rc, "this").Sid, *newService(t, rc, "other").Sid
			if tc.before != nil {
				tc.before(t, rc.MessagingV1, mg, other)
			}
			if tc.service != "" {
				mg = tc.service
			}
			_, err := addNumber(rc.MessagingV1, mg, tc.pn)
			twilioErr(t, err, tc.code, tc.http)
		})
	}
}

func mustAdd(t *testing.T, rc *messaging.ApiService, mg, pn string) {
	t.Helper()
	must[*messaging.MessagingV1PhoneNumber](t)(addNumber(rc, mg, pn))
}

func TestAddingASenderNeedsPhoneNumberSid(t *testing.T) {
	emu := newEmu(t)
	mg := *newService(t, primary(emu.HTTPClient()), "s").Sid
	status, body := call(t, emu.HTTPClient(), http.MethodPost, "/v1/Services/"+mg+"/PhoneNumbers", nil)
	wantErrorBody(t, status, body, 400, 20001)
	if body["message"] != "Missing required parameter PhoneNumberSid in the post body" {
		t.Errorf("message = %q", body["message"])
	}
}

func TestSenderPoolHoldsAtMost400Numbers(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient()).MessagingV1
	mg := *newService(t, primary(emu.HTTPClient()), "big").Sid
	for i := range 401 {
		pn := must[string](t)(emu.SeedPhoneNumber(twilioemu.DefaultAccountSid, fmt.Sprintf("+1202555%04d", i)))
		_, err := addNumber(rc, mg, pn)
		if i < 400 && err != nil {
			t.Fatalf("number %d: %v", i, err)
		}
		if i == 400 {
			twilioErr(t, err, 21714, 400)
		}
	}
	listed := must[[]messaging.MessagingV1PhoneNumber](t)(rc.ListPhoneNumber(mg,
		new(messaging.ListPhoneNumberParams).SetPageSize(150)))
	if len(listed) != 400 {
		t.Errorf("listed %d senders, want 400", len(listed))
	}
	if n, _ := emu.Count("GET /v1/Services/{ServiceSid}/PhoneNumbers"); n != 3 {
		t.Errorf("400 senders in pages of 150 took %d requests, want 3", n)
	}
}

func TestDeletingAServiceFreesItsSenders(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	mg, other := *newService(t, rc, "old").Sid, *newService(t, rc, "new").Sid
	mustAdd(t, rc.MessagingV1, mg, number1)
	if err := rc.MessagingV1.DeleteService(mg); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, rc.MessagingV1, other, number1) // not 21712: the number is free again
	numbers, _ := emu.PhoneNumbers(twilioemu.DefaultAccountSid)
	if len(numbers) != 3 {
		t.Errorf("deleting a service removed numbers from the account: %d left", len(numbers))
	}
}

func TestSenderPoolOfAnotherAccountIsNotFound(t *testing.T) {
	emu := newEmu(t)
	mg := *newService(t, primary(emu.HTTPClient()), "mine").Sid
	mustAdd(t, primary(emu.HTTPClient()).MessagingV1, mg, number1)
	rc := second(emu.HTTPClient()).MessagingV1
	_, err := rc.FetchPhoneNumber(mg, number1)
	twilioErr(t, err, 20404, 404)
	_, err = rc.ListPhoneNumber(mg, nil)
	twilioErr(t, err, 20404, 404)
	_, err = addNumber(rc, mg, foreign)
	twilioErr(t, err, 20404, 404)
	status, body := call(t, emu.HTTPClient(), http.MethodDelete, "/v1/Services/"+mg+"/PhoneNumbers/"+number1, url.Values{},
		twilioemu.SecondAccountSid, twilioemu.SecondAuthToken)
	wantErrorBody(t, status, body, 404, 20404)
}
