package twilioemu_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestFieldQuirks(t *testing.T) {
	const updateService = "POST /v1/Services/{Sid}"
	for name, tc := range map[string]struct {
		quirk twilioemu.FieldQuirk
		form  url.Values
		check func(t *testing.T, svc twilioemu.Service, body map[string]any)
	}{
		"an ignored Reserved field is answered as if it had not been sent": {
			quirk: twilioemu.FieldQuirk{Route: updateService, Field: "ScanMessageContent", Mode: twilioemu.QuirkIgnore},
			form:  url.Values{"ScanMessageContent": {"enable"}, "FriendlyName": {"renamed"}},
			check: func(t *testing.T, svc twilioemu.Service, body map[string]any) {
				if svc.ScanMessageContent != "inherit" || body["scan_message_content"] != "inherit" || svc.FriendlyName != "renamed" {
					t.Errorf("service %+v, answer %v", svc, body["scan_message_content"])
				}
			}},
		"an ignored OBSOLETE field keeps its value": {
			quirk: twilioemu.FieldQuirk{Route: updateService, Field: "FallbackToLongCode", Mode: twilioemu.QuirkIgnore},
			form:  url.Values{"FallbackToLongCode": {"false"}},
			check: func(t *testing.T, svc twilioemu.Service, _ map[string]any) {
				if !svc.FallbackToLongCode {
					t.Error("FallbackToLongCode was changed")
				}
			}},
		"an ignored field is not even validated": {
			quirk: twilioemu.FieldQuirk{Route: updateService, Field: "SynchronousValidation", Mode: twilioemu.QuirkIgnore},
			form:  url.Values{"SynchronousValidation": {"maybe"}},
			check: func(t *testing.T, svc twilioemu.Service, _ map[string]any) {
				if svc.SynchronousValidation {
					t.Error("SynchronousValidation was changed")
				}
			}},
		"a normalised field is kept in Twilio's spelling": {
			quirk: twilioemu.FieldQuirk{Route: updateService, Field: "FriendlyName", Mode: twilioemu.QuirkNormalise,
				Normalise: twilioemu.NormaliseTrim},
			form: url.Values{"FriendlyName": {"  Support  "}},
			check: func(t *testing.T, svc twilioemu.Service, body map[string]any) {
				if svc.FriendlyName != "Support" || body["friendly_name"] != "Support" {
					t.Errorf("friendly name %q, answer %v", svc.FriendlyName, body["friendly_name"])
				}
			}},
		"a quirk of another route does not apply": {
			quirk: twilioemu.FieldQuirk{Route: "POST /v1/Services", Field: "ScanMessageContent", Mode: twilioemu.QuirkIgnore},
			form:  url.Values{"ScanMessageContent": {"enable"}},
			check: func(t *testing.T, svc twilioemu.Service, _ map[string]any) {
				if svc.ScanMessageContent != "enable" {
					t.Errorf("ScanMessageContent = %s, want enable", svc.ScanMessageContent)
				}
			}},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			mg := *newService(t, primary(emu.HTTPClient()), "s").Sid
			if err := emu.SetQuirks(twilioemu.Quirks{Fields: []twilioemu.FieldQuirk{tc.quirk}}); err != nil {
				t.Fatal(err)
			}
			status, body := call(t, emu.HTTPClient(), http.MethodPost, "/v1/Services/"+mg, tc.form)
			if status != http.StatusOK {
				t.Fatalf("HTTP %d %v", status, body)
			}
			tc.check(t, must[twilioemu.Service](t)(emu.Service(mg)), body)
		})
	}
}

func TestNormalisedKeywordsThroughTwilioGo(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	mg := *newService(t, rc, "s").Sid
	brand := approvedBrand(t, emu, rc)
	_ = emu.SetQuirks(twilioemu.Quirks{Fields: []twilioemu.FieldQuirk{{
		Route: "POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p", Field: "OptOutKeywords",
		Mode: twilioemu.QuirkNormalise, Normalise: twilioemu.NormaliseUpper}}})
	c := must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.CreateUsAppToPerson(mg,
		campaignParams(brand).SetOptOutKeywords([]string{"stop", "Quit"})))
	if got := deref(c.OptOutKeywords); !slices.Equal(got, []string{"STOP", "QUIT"}) {
		t.Errorf("opt-out keywords = %v, want them upper-cased", got)
	}
}

func TestInvalidQuirks(t *testing.T) {
	for name, q := range map[string]twilioemu.FieldQuirk{
		"an unknown route":                   {Route: "POST /v1/Nothing", Field: "X", Mode: twilioemu.QuirkIgnore},
		"a route without the method":         {Route: "/v1/Services/{Sid}", Field: "FriendlyName", Mode: twilioemu.QuirkIgnore},
		"a field the route does not read":    {Route: "POST /v1/Services/{Sid}", Field: "Nope", Mode: twilioemu.QuirkIgnore},
		"a header is not a field":            {Route: "POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p", Field: "X-Twilio-Api-Version", Mode: twilioemu.QuirkIgnore},
		"an unknown mode":                    {Route: "POST /v1/Services/{Sid}", Field: "FriendlyName", Mode: "drop"},
		"normalise without a function":       {Route: "POST /v1/Services/{Sid}", Field: "FriendlyName", Mode: twilioemu.QuirkNormalise},
		"normalise with an unknown function": {Route: "POST /v1/Services/{Sid}", Field: "FriendlyName", Mode: twilioemu.QuirkNormalise, Normalise: "title"},
		"ignore with a normalise function":   {Route: "POST /v1/Services/{Sid}", Field: "FriendlyName", Mode: twilioemu.QuirkIgnore, Normalise: "upper"},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			if err := emu.SetQuirks(twilioemu.Quirks{Fields: []twilioemu.FieldQuirk{q}}); err == nil {
				t.Error("accepted")
			}
			if err := (twilioemu.Seed{Quirks: &twilioemu.Quirks{Fields: []twilioemu.FieldQuirk{q}}}).Validate(); err == nil {
				t.Error("a seed with it is valid")
			}
		})
	}
}

// TestBrandListOmitsVettedBrands models twilio-ruby#688: the list leaves out brands in
// VETTED_VERIFIED identity status, which a fetch by SID still finds.
func TestBrandListOmitsVettedBrands(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient()).MessagingV1
	vetted := *newBrand(t, primary(emu.HTTPClient())).Sid
	unvetted := *must[*messaging.MessagingV1BrandRegistrations](t)(rc.CreateBrandRegistrations(
		new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(twilioemu.DefaultCustomerProfile).
			SetA2PProfileBundleSid(twilioemu.DefaultTrustProduct).SetSkipAutomaticSecVet(true))).Sid
	pending := *newBrand(t, primary(emu.HTTPClient())).Sid // vetted only once approved
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	_ = emu.ForceBrandStatus(pending, twilioemu.BrandPending)
	listed := func() []string {
		var sids []string
		for _, b := range must[[]messaging.MessagingV1BrandRegistrations](t)(rc.ListBrandRegistrations(nil)) {
			sids = append(sids, *b.Sid)
		}
		return sids
	}
	if got := listed(); len(got) != 3 {
		t.Fatalf("without the quirk the list has %v", got)
	}
	_ = emu.SetQuirks(twilioemu.Quirks{BrandListOmitsVetted: true})
	if got := listed(); !slices.Equal(got, []string{unvetted, pending}) {
		t.Errorf("with the quirk the list has %v, want %v", got, []string{unvetted, pending})
	}
	if b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(vetted)); deref(b.IdentityStatus) != "VETTED_VERIFIED" {
		t.Errorf("fetching the omitted brand by SID: %+v", b)
	}
	_, body := call(t, emu.HTTPClient(), http.MethodGet, "/v1/a2p/BrandRegistrations", url.Values{"PageSize": {"1"}})
	if data := body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["sid"] != unvetted {
		t.Errorf("the first page of one = %v", data)
	}
}

func TestQuirksComeFromTheSeedAndSurviveReset(t *testing.T) {
	seed := twilioemu.DefaultSeed()
	seed.Quirks = &twilioemu.Quirks{BrandListOmitsVetted: true}
	emu := newEmu(t, twilioemu.WithSeed(seed))
	if q, _ := emu.Quirks(); !q.BrandListOmitsVetted {
		t.Fatalf("seeded quirks = %+v", q)
	}
	_ = emu.SetQuirks(twilioemu.Quirks{})
	_ = emu.Reset()
	if q, _ := emu.Quirks(); !q.BrandListOmitsVetted {
		t.Errorf("after Reset the quirks are %+v, want the seed's", q)
	}
	plain := newEmu(t)
	_ = plain.SetQuirks(twilioemu.Quirks{BrandListOmitsVetted: true})
	_ = plain.Reset()
	if q, _ := plain.Quirks(); q.BrandListOmitsVetted || len(q.Fields) != 0 {
		t.Errorf("after Reset a seed without quirks has %+v", q)
	}
}
