package twilioemu_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestCampaignLifecycleThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc)
		mg := *newService(t, rc, "Support").Sid
		brand := approvedBrand(t, emu, rc)
		c := newCampaign(t, rc, mg, brand)
		if !strings.HasPrefix(deref(c.Sid), "QE") || deref(c.CampaignStatus) != "PENDING" ||
			!strings.HasPrefix(deref(c.CampaignId), "C") || deref(c.MessagingServiceSid) != mg ||
			deref(c.BrandRegistrationSid) != brand || deref(c.UsAppToPersonUsecase) != "CUSTOMER_CARE" ||
			len(deref(c.MessageSamples)) != 2 || deref(c.Mock) || len(deref(c.Errors)) != 0 {
			t.Fatalf("new campaign = %+v", c)
		}
		// Twilio's defaults for opt-out and help handling the campaign did not declare.
		if deref(c.HelpMessage) == "" || len(deref(c.OptOutKeywords)) != 6 || c.OptInMessage != nil {
			t.Errorf("defaults: help %q, opt-out keywords %v, opt-in %v", deref(c.HelpMessage), deref(c.OptOutKeywords), c.OptInMessage)
		}
		if svc := must[*messaging.MessagingV1Service](t)(rc.MessagingV1.FetchService(mg)); !deref(svc.UsAppToPersonRegistered) {
			t.Error("us_app_to_person_registered is false on a service with a campaign")
		}

		fetch := func() *messaging.MessagingV1UsAppToPersonResponse {
			return must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.FetchUsAppToPerson(mg, *c.Sid, nil))
		}
		d := twilioemu.DefaultDelays()
		for _, step := range []struct {
			advance time.Duration
			want    string
		}{{d.CampaignInProgress - time.Second, "PENDING"}, {time.Second, "IN_PROGRESS"},
			{d.Campaign - d.CampaignInProgress - time.Second, "IN_PROGRESS"}, {time.Second, "VERIFIED"}} {
			_ = emu.Advance(step.advance)
			if got := deref(fetch().CampaignStatus); got != step.want {
				t.Fatalf("campaign is %s, want %s", got, step.want)
			}
		}

		updated := must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.UpdateUsAppToPerson(mg, *c.Sid,
			new(messaging.UpdateUsAppToPersonParams).SetHasEmbeddedLinks(true).SetHasEmbeddedPhone(false).
				SetMessageSamples(*c.MessageSamples).SetMessageFlow(*c.MessageFlow).
				SetDescription("Acme support agents answer questions about orders and returns by SMS.").
				SetAgeGated(false).SetDirectLending(false)))
		if deref(updated.CampaignStatus) != "IN_PROGRESS" || !deref(updated.HasEmbeddedLinks) ||
			!strings.Contains(deref(updated.Description), "returns") || deref(updated.UsAppToPersonUsecase) != "CUSTOMER_CARE" {
			t.Errorf("an update resubmits the campaign: %+v", updated)
		}

		listed := must[[]messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.ListUsAppToPerson(mg, nil))
		if len(listed) != 1 || *listed[0].Sid != *c.Sid {
			t.Errorf("list = %+v", listed)
		}
		if err := rc.MessagingV1.DeleteUsAppToPerson(mg, *c.Sid); err != nil {
			t.Fatal(err)
		}
		_, err := rc.MessagingV1.FetchUsAppToPerson(mg, *c.Sid, nil)
		twilioErr(t, err, 20404, 404)
		if svc := must[*messaging.MessagingV1Service](t)(rc.MessagingV1.FetchService(mg)); deref(svc.UsAppToPersonRegistered) {
			t.Error("us_app_to_person_registered stays true after the campaign is deleted")
		}
	})
}

func TestCampaignNeedsAnApprovedBrand(t *testing.T) {
	for name, tc := range map[string]struct {
		// brand returns the brand SID the campaign names.
		brand   func(t *testing.T, emu *twilioemu.Server) string
		usecase string
	}{
		"a PENDING brand is not registered yet (21717)": {
			brand: func(t *testing.T, emu *twilioemu.Server) string { return *newBrand(t, primary(emu.HTTPClient())).Sid }},
		"a FAILED brand cannot register campaigns (21717)": {
			brand: func(t *testing.T, emu *twilioemu.Server) string {
				sid := *newBrand(t, primary(emu.HTTPClient())).Sid
				_ = emu.ForceBrandStatus(sid, twilioemu.BrandFailed)
				return sid
			}},
		"another account's brand is not registered here (21717)": {
			brand: func(t *testing.T, emu *twilioemu.Server) string {
				sid := *must[*messaging.MessagingV1BrandRegistrations](t)(second(emu.HTTPClient()).MessagingV1.CreateBrandRegistrations(
					new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(twilioemu.SecondCustomerProfile).
						SetA2PProfileBundleSid(twilioemu.SecondTrustProduct))).Sid
				_ = emu.ForceBrandStatus(sid, twilioemu.BrandApproved)
				return sid
			}},
		"a brand that does not exist is not registered (21717)": {
			brand: func(*testing.T, *twilioemu.Server) string { return "BN" + strings.Repeat("1", 32) }},
		"a standard brand cannot register a SOLE_PROPRIETOR campaign (21717)": {
			brand: func(t *testing.T, emu *twilioemu.Server) string {
				return approvedBrand(t, emu, primary(emu.HTTPClient()))
			},
			usecase: "SOLE_PROPRIETOR"},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			mg := *newService(t, rc, "s").Sid
			p := campaignParams(tc.brand(t, emu))
			if tc.usecase != "" {
				p.SetUsAppToPersonUsecase(tc.usecase)
			}
			_, err := rc.MessagingV1.CreateUsAppToPerson(mg, p)
			twilioErr(t, err, 21717, 400)
			if svc, _ := emu.Service(mg); svc.UsAppToPersonRegistered {
				t.Error("a rejected campaign registered the service")
			}
		})
	}
}

func TestOneCampaignPerService(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	mg := *newService(t, rc, "s").Sid
	brand := approvedBrand(t, emu, rc)
	first := newCampaign(t, rc, mg, brand)
	// Twilio documents no code for this (there is no 21718): a generic 400 that a
	// client cannot mistake for "adopt the existing campaign".
	_, err := rc.MessagingV1.CreateUsAppToPerson(mg, campaignParams(brand))
	twilioErr(t, err, 20001, 400)
	campaigns, _ := emu.Campaigns(twilioemu.DefaultAccountSid)
	if len(campaigns) != 1 || campaigns[0].Sid != *first.Sid {
		t.Errorf("campaigns = %+v", campaigns)
	}
	// Another service may have its own.
	newCampaign(t, rc, *newService(t, rc, "t").Sid, brand)
}

func TestCampaignValidation(t *testing.T) {
	long := strings.Repeat("x", 4097)
	short := "Too short to describe anything."
	for name, tc := range map[string]struct {
		drop       string // a parameter to leave out
		set        url.Values
		v2         bool // send X-Twilio-Api-Version: v1.2
		code, http int
	}{
		"BrandRegistrationSid is required (20001)":  {drop: "BrandRegistrationSid", code: 20001, http: 400},
		"Description is required (20001)":           {drop: "Description", code: 20001, http: 400},
		"MessageFlow is required (20001)":           {drop: "MessageFlow", code: 20001, http: 400},
		"MessageSamples are required (20001)":       {drop: "MessageSamples", code: 20001, http: 400},
		"UsAppToPersonUsecase is required (20001)":  {drop: "UsAppToPersonUsecase", code: 20001, http: 400},
		"HasEmbeddedLinks is required (20001)":      {drop: "HasEmbeddedLinks", code: 20001, http: 400},
		"HasEmbeddedPhone is required (20001)":      {drop: "HasEmbeddedPhone", code: 20001, http: 400},
		"a description under 40 characters (21728)": {set: url.Values{"Description": {short}}, code: 21728, http: 400},
		"a description over 4096 characters":        {set: url.Values{"Description": {long}}, code: 21728, http: 400},
		"a message flow under 40 characters":        {set: url.Values{"MessageFlow": {short}}, code: 21728, http: 400},
		"one message sample is too few":             {set: url.Values{"MessageSamples": {"Acme: your order has shipped today."}}, code: 21728, http: 400},
		"six message samples are too many":          {set: url.Values{"MessageSamples": strings.Split("aaaaaaaaaaaaaaaaaaaa1,aaaaaaaaaaaaaaaaaaaa2,aaaaaaaaaaaaaaaaaaaa3,aaaaaaaaaaaaaaaaaaaa4,aaaaaaaaaaaaaaaaaaaa5,aaaaaaaaaaaaaaaaaaaa6", ",")}, code: 21728, http: 400},
		"a message sample under 20 characters":      {set: url.Values{"MessageSamples": {"Acme: order shipped", "Acme: your order has shipped today."}}, code: 21728, http: 400},
		"an opt-in message under 20 characters":     {set: url.Values{"OptInMessage": {"Yes."}}, code: 21728, http: 400},
		"keywords are alphanumeric":                 {set: url.Values{"OptOutKeywords": {"STOP", "stop it"}}, code: 21728, http: 400},
		"an unknown A2P use case is 21720":          {set: url.Values{"UsAppToPersonUsecase": {"CHAT"}}, code: 21720, http: 400},
		"a v1.2 privacy policy URL must be a URL":   {set: url.Values{"PrivacyPolicyUrl": {"example.com/privacy"}}, v2: true, code: 20001, http: 400},
		"a v1.2 terms URL must be a URL":            {set: url.Values{"TermsAndConditionsUrl": {"terms"}}, v2: true, code: 20001, http: 400},
		"HasEmbeddedLinks is a boolean":             {set: url.Values{"HasEmbeddedLinks": {"sometimes"}}, code: 20001, http: 400},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			mg := *newService(t, rc, "s").Sid
			form := campaignForm(approvedBrand(t, emu, rc))
			form.Del(tc.drop)
			for k, v := range tc.set {
				form[k] = v
			}
			var header http.Header
			if tc.v2 {
				header = http.Header{"X-Twilio-Api-Version": {"v1.2"}}
			}
			status, body := callWithHeader(t, emu.HTTPClient(), http.MethodPost, "/v1/Services/"+mg+"/Compliance/Usa2p", form, header)
			wantErrorBody(t, status, body, tc.http, tc.code)
		})
	}
}

// campaignForm is campaignParams as a form.
func campaignForm(brand string) url.Values {
	p := campaignParams(brand)
	return url.Values{"BrandRegistrationSid": {brand}, "UsAppToPersonUsecase": {*p.UsAppToPersonUsecase},
		"Description": {*p.Description}, "MessageFlow": {*p.MessageFlow}, "MessageSamples": *p.MessageSamples,
		"HasEmbeddedLinks": {"false"}, "HasEmbeddedPhone": {"false"}}
}

func TestCampaignRulesFailVetting(t *testing.T) {
	for name, tc := range map[string]struct {
		rule       twilioemu.CampaignRule
		sample     string
		wantStatus string
		wantCode   float64
		wantField  string
	}{
		"a campaign without a matching rule is verified": {
			rule: twilioemu.CampaignRule{Substring: "lottery"}, wantStatus: "VERIFIED"},
		"a matching sample fails it for disallowed content": {
			rule: twilioemu.CampaignRule{Substring: "LOTTERY"}, sample: "You won the lottery! Claim your prize now.",
			wantStatus: "FAILED", wantCode: 30897, wantField: "MESSAGE_FLOW"},
		"a rule's own error is reported": {
			rule:       twilioemu.CampaignRule{Substring: "prize", Code: 30886, Description: "Opt-in unclear", Fields: []string{"MESSAGE_SAMPLES"}},
			sample:     "You won a prize! Reply YES to claim it today.",
			wantStatus: "FAILED", wantCode: 30886, wantField: "MESSAGE_SAMPLES"},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t, twilioemu.WithCampaignRules(tc.rule))
			rc := primary(emu.HTTPClient())
			mg := *newService(t, rc, "s").Sid
			p := campaignParams(approvedBrand(t, emu, rc))
			if tc.sample != "" {
				p.SetMessageSamples(append(*p.MessageSamples, tc.sample))
			}
			c := must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.CreateUsAppToPerson(mg, p))
			_ = emu.Advance(twilioemu.DefaultDelays().Campaign)
			got := must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.FetchUsAppToPerson(mg, *c.Sid, nil))
			if deref(got.CampaignStatus) != tc.wantStatus {
				t.Fatalf("campaign is %s, want %s", deref(got.CampaignStatus), tc.wantStatus)
			}
			errs := deref(got.Errors)
			if tc.wantCode == 0 {
				if len(errs) != 0 {
					t.Errorf("errors = %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0]["error_code"] != tc.wantCode || errs[0]["fields"].([]any)[0] != tc.wantField {
				t.Errorf("errors = %v", errs)
			}
		})
	}
}

func TestForcedCampaignStatus(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	mg := *newService(t, rc, "s").Sid
	c := newCampaign(t, rc, mg, approvedBrand(t, emu, rc))
	for _, status := range []twilioemu.CampaignStatus{twilioemu.CampaignVerified, twilioemu.CampaignFailed, twilioemu.CampaignSuspended} {
		if err := emu.ForceCampaignStatus(*c.Sid, status); err != nil {
			t.Fatal(err)
		}
		got := must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.FetchUsAppToPerson(mg, *c.Sid, nil))
		if deref(got.CampaignStatus) != string(status) || (status == twilioemu.CampaignFailed) != (len(deref(got.Errors)) == 1) {
			t.Errorf("forced %s: got %s with errors %v", status, deref(got.CampaignStatus), deref(got.Errors))
		}
	}
}

func TestDeletingAServiceDeletesItsCampaign(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	mg := *newService(t, rc, "s").Sid
	brand := approvedBrand(t, emu, rc)
	c := newCampaign(t, rc, mg, brand)
	if err := rc.MessagingV1.DeleteService(mg); err != nil {
		t.Fatal(err)
	}
	if campaigns, _ := emu.Campaigns(""); len(campaigns) != 0 {
		t.Errorf("campaigns left after the service was deleted: %+v", campaigns)
	}
	_, err := rc.MessagingV1.FetchUsAppToPerson(mg, *c.Sid, nil)
	twilioErr(t, err, 20404, 404)
}

func TestCampaignV2FieldsNeedTheAPIVersionHeader(t *testing.T) {
	const privacy, terms = "https://acme.example/privacy", "https://acme.example/terms"
	for name, tc := range map[string]struct {
		writeVersion, readVersion string // X-Twilio-Api-Version on the create, and on the reads ("" for none)
		wantStored                bool   // the URLs were kept
		wantV2                    bool   // reads show privacy_policy_url and terms_and_conditions_url
	}{
		"v1.2 writes and reads them":                            {writeVersion: "v1.2", readVersion: "v1.2", wantStored: true, wantV2: true},
		"a read without the header has no v2 fields":            {writeVersion: "v1.2", wantStored: true},
		"a write without the header does not keep them":         {readVersion: "v1.2", wantV2: true},
		"another version is not v1.2: not kept, not shown":      {writeVersion: "v1.1", readVersion: "v1.1"},
		"without the header the campaign is the original shape": {},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			mg := *newService(t, rc, "s").Sid
			base := "/v1/Services/" + mg + "/Compliance/Usa2p"
			header := func(v string) http.Header {
				if v == "" {
					return nil
				}
				return http.Header{"X-Twilio-Api-Version": {v}}
			}
			form := campaignForm(approvedBrand(t, emu, rc))
			form.Set("PrivacyPolicyUrl", privacy)
			form.Set("TermsAndConditionsUrl", terms)
			status, created := callWithHeader(t, emu.HTTPClient(), http.MethodPost, base, form, header(tc.writeVersion))
			if status != http.StatusCreated {
				t.Fatalf("create: HTTP %d %v", status, created)
			}
			qe := created["sid"].(string)
			if _, has := created["privacy_policy_url"]; has != (tc.writeVersion == "v1.2") {
				t.Errorf("the create's answer has privacy_policy_url: %v", has)
			}
			campaigns, _ := emu.Campaigns("")
			if stored := campaigns[0].PrivacyPolicyURL == privacy && campaigns[0].TermsAndConditionsURL == terms; stored != tc.wantStored {
				t.Errorf("URLs kept = %v, want %v (%+v)", stored, tc.wantStored, campaigns[0])
			}
			_, fetched := callWithHeader(t, emu.HTTPClient(), http.MethodGet, base+"/"+qe, nil, header(tc.readVersion))
			_, listed := callWithHeader(t, emu.HTTPClient(), http.MethodGet, base, nil, header(tc.readVersion))
			for what, body := range map[string]map[string]any{"fetch": fetched,
				"list": listed["compliance"].([]any)[0].(map[string]any)} {
				got, has := body["privacy_policy_url"]
				_, hasTerms := body["terms_and_conditions_url"]
				if has != tc.wantV2 || hasTerms != tc.wantV2 {
					t.Errorf("%s: v2 fields shown = %v/%v, want %v", what, has, hasTerms, tc.wantV2)
				}
				if want := any(nil); tc.wantV2 && tc.wantStored {
					want = privacy
					if got != want {
						t.Errorf("%s: privacy_policy_url = %v, want %v", what, got, want)
					}
				} else if tc.wantV2 && got != want {
					t.Errorf("%s: privacy_policy_url = %v, want null", what, got)
				}
			}
		})
	}
}

func TestCampaignUpdateKeepsV2FieldsOnlyWithTheHeader(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	mg := *newService(t, rc, "s").Sid
	c := newCampaign(t, rc, mg, approvedBrand(t, emu, rc))
	_ = emu.ForceCampaignStatus(*c.Sid, twilioemu.CampaignVerified)
	path := "/v1/Services/" + mg + "/Compliance/Usa2p/" + *c.Sid
	update := url.Values{"HasEmbeddedLinks": {"false"}, "HasEmbeddedPhone": {"false"}, "MessageSamples": *c.MessageSamples,
		"MessageFlow": {*c.MessageFlow}, "Description": {*c.Description}, "AgeGated": {"false"}, "DirectLending": {"false"},
		"PrivacyPolicyUrl": {"https://acme.example/privacy"}}
	status, body := call(t, emu.HTTPClient(), http.MethodPost, path, update)
	if _, has := body["privacy_policy_url"]; status != http.StatusOK || has {
		t.Fatalf("HTTP %d: an update without the header answers the original shape: %v", status, body)
	}
	if campaigns, _ := emu.Campaigns(""); campaigns[0].PrivacyPolicyURL != "" {
		t.Errorf("an update without the header kept PrivacyPolicyUrl %q", campaigns[0].PrivacyPolicyURL)
	}
	_ = emu.ForceCampaignStatus(*c.Sid, twilioemu.CampaignVerified)
	// twilio-go sends the header when the caller sets it.
	got := must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.UpdateUsAppToPerson(mg, *c.Sid,
		new(messaging.UpdateUsAppToPersonParams).SetXTwilioApiVersion("v1.2").SetHasEmbeddedLinks(false).
			SetHasEmbeddedPhone(false).SetMessageSamples(*c.MessageSamples).SetMessageFlow(*c.MessageFlow).
			SetDescription(*c.Description).SetAgeGated(false).SetDirectLending(false).
			SetPrivacyPolicyUrl("https://acme.example/privacy").SetTermsAndConditionsUrl("https://acme.example/terms")))
	if deref(got.PrivacyPolicyUrl) != "https://acme.example/privacy" || deref(got.TermsAndConditionsUrl) != "https://acme.example/terms" {
		t.Errorf("v1.2 update answered %v / %v", got.PrivacyPolicyUrl, got.TermsAndConditionsUrl)
	}
}

func TestCampaignEditsByStatus(t *testing.T) {
	for name, tc := range map[string]struct {
		status     twilioemu.CampaignStatus // "" leaves the new campaign PENDING
		advance    time.Duration
		code, http int
	}{
		"a PENDING campaign is in vetting: 20409":      {code: 20409, http: 409},
		"an IN_PROGRESS campaign is in vetting: 20409": {advance: twilioemu.DefaultDelays().CampaignInProgress, code: 20409, http: 409},
		"a SUSPENDED campaign: 21729":                  {status: twilioemu.CampaignSuspended, code: 21729, http: 400},
		"a FAILED campaign is edited and re-vetted":    {status: twilioemu.CampaignFailed},
		"a VERIFIED campaign is edited and re-vetted":  {status: twilioemu.CampaignVerified},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			mg := *newService(t, rc, "s").Sid
			c := newCampaign(t, rc, mg, approvedBrand(t, emu, rc))
			if tc.status != "" {
				_ = emu.ForceCampaignStatus(*c.Sid, tc.status)
			}
			_ = emu.Advance(tc.advance)
			before := must[[]twilioemu.Campaign](t)(emu.Campaigns(""))[0]
			newDescription := "Acme support agents answer questions about orders and returns by SMS."
			got, err := rc.MessagingV1.UpdateUsAppToPerson(mg, *c.Sid, new(messaging.UpdateUsAppToPersonParams).
				SetHasEmbeddedLinks(true).SetHasEmbeddedPhone(false).SetMessageSamples(*c.MessageSamples).
				SetMessageFlow(*c.MessageFlow).SetDescription(newDescription).SetAgeGated(false).SetDirectLending(false))
			after := must[[]twilioemu.Campaign](t)(emu.Campaigns(""))[0]
			if tc.code != 0 {
				twilioErr(t, err, tc.code, tc.http)
				if after.Description != before.Description || after.Status != before.Status || !after.DateUpdated.Equal(before.DateUpdated) {
					t.Errorf("a refused edit changed the campaign: %+v → %+v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if deref(got.CampaignStatus) != "IN_PROGRESS" || len(deref(got.Errors)) != 0 || deref(got.Description) != newDescription {
				t.Errorf("edited campaign = %s, errors %v, %q", deref(got.CampaignStatus), deref(got.Errors), deref(got.Description))
			}
			_ = emu.Advance(twilioemu.DefaultDelays().Campaign)
			if s := must[[]twilioemu.Campaign](t)(emu.Campaigns(""))[0].Status; s != twilioemu.CampaignVerified {
				t.Errorf("the re-vetted campaign is %s", s)
			}
		})
	}
}

func TestServiceAndCampaignUsecasesMustMatch(t *testing.T) {
	for name, tc := range map[string]struct {
		serviceUsecase, a2pUsecase string
		wantCode                   int // 0: the campaign is registered
	}{
		"an undeclared service takes any use case": {serviceUsecase: "undeclared", a2pUsecase: "MIXED"},
		"a discussion service takes customer care": {serviceUsecase: "discussion", a2pUsecase: "CUSTOMER_CARE"},
		"a marketing service takes marketing":      {serviceUsecase: "marketing", a2pUsecase: "MARKETING"},
		"a verification service takes 2FA":         {serviceUsecase: "verification", a2pUsecase: "2FA"},
		"a verification service refuses marketing": {serviceUsecase: "verification", a2pUsecase: "MARKETING", wantCode: 21719},
		"a notifications service refuses mixed":    {serviceUsecase: "notifications", a2pUsecase: "MIXED", wantCode: 21719},
		"a poll service refuses customer care":     {serviceUsecase: "poll", a2pUsecase: "CUSTOMER_CARE", wantCode: 21719},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			mg := *must[*messaging.MessagingV1Service](t)(rc.MessagingV1.CreateService(
				new(messaging.CreateServiceParams).SetFriendlyName("s").SetUsecase(tc.serviceUsecase))).Sid
			brand := approvedBrand(t, emu, rc)
			listed := must[*messaging.MessagingV1UsAppToPersonUsecase](t)(rc.MessagingV1.FetchUsAppToPersonUsecase(mg,
				new(messaging.FetchUsAppToPersonUsecaseParams).SetBrandRegistrationSid(brand)))
			offered := false
			for _, u := range deref(listed.UsAppToPersonUsecases) {
				m, _ := u.(map[string]any)
				offered = offered || m["code"] == tc.a2pUsecase
			}
			if offered != (tc.wantCode == 0) {
				t.Errorf("Usa2p/Usecases offers %s: %v", tc.a2pUsecase, offered)
			}
			_, err := rc.MessagingV1.CreateUsAppToPerson(mg, campaignParams(brand).SetUsAppToPersonUsecase(tc.a2pUsecase))
			if tc.wantCode != 0 {
				twilioErr(t, err, tc.wantCode, 400)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAServiceUsecaseMustSuitItsCampaign(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	mg := *newService(t, rc, "s").Sid
	newCampaign(t, rc, mg, approvedBrand(t, emu, rc)) // CUSTOMER_CARE
	_, err := rc.MessagingV1.UpdateService(mg, new(messaging.UpdateServiceParams).SetUsecase("marketing"))
	twilioErr(t, err, 21719, 400)
	if svc, _ := emu.Service(mg); svc.Usecase != "undeclared" {
		t.Errorf("a refused update changed the Usecase to %s", svc.Usecase)
	}
	if _, err := rc.MessagingV1.UpdateService(mg, new(messaging.UpdateServiceParams).SetUsecase("discussion")); err != nil {
		t.Errorf("a compatible Usecase: %v", err)
	}
}

func TestUsecaseCatalogues(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	usecases := must[*messaging.MessagingV1Usecase](t)(rc.MessagingV1.FetchUsecase())
	if len(deref(usecases.Usecases)) != 6 {
		t.Errorf("service use cases = %v", usecases.Usecases)
	}
	mg := *newService(t, rc, "s").Sid
	count := func(brand string) int {
		p := new(messaging.FetchUsAppToPersonUsecaseParams)
		if brand != "" {
			p.SetBrandRegistrationSid(brand)
		}
		got := must[*messaging.MessagingV1UsAppToPersonUsecase](t)(rc.MessagingV1.FetchUsAppToPersonUsecase(mg, p))
		return len(deref(got.UsAppToPersonUsecases))
	}
	pending := *newBrand(t, rc).Sid
	if n := count(pending); n != 0 {
		t.Errorf("a pending brand may register %d use cases, want none", n)
	}
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	// A private company is not offered the special EMERGENCY, CHARITY and POLITICAL.
	if n, all := count(pending), count(""); n != 17 || all != 20 {
		t.Errorf("an approved standard brand may register %d use cases (all: %d), want 17 (20)", n, all)
	}
	sole := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.CreateBrandRegistrations(
		new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(twilioemu.DefaultStarterProfile).
			SetA2PProfileBundleSid(twilioemu.DefaultSoleProprietorTrustProduct).SetBrandType("SOLE_PROPRIETOR")))
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	if n := count(*sole.Sid); n != 0 {
		t.Errorf("an unverified sole proprietor may register %d use cases, want none", n)
	}
	if err := emu.CompleteBrandOTP(*sole.Sid); err != nil {
		t.Fatal(err)
	}
	if n := count(*sole.Sid); n != 1 {
		t.Errorf("a verified sole proprietor may register %d use cases, want 1", n)
	}
}
