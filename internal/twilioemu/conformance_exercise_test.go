package twilioemu_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// exerciser calls every route with the shapes its responses can take (unset and set
// fields, first and later pages, each vetting status) and checks each body.
type exerciser struct {
	t     *testing.T
	emu   *twilioemu.Server
	hc    *http.Client
	specs []spec
	seen  map[string]int // route → successful responses checked
}

// do sends a request, then checks the response against the operation of the route
// that served it.
func (e *exerciser) do(method, path string, form url.Values, header ...string) map[string]any {
	e.t.Helper()
	target := "https://messaging.twilio.com" + path
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if len(form) > 0 {
		target += "?" + form.Encode()
	}
	req, _ := http.NewRequest(method, target, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken)
	if len(header) == 2 {
		req.Header.Set(header[0], header[1])
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	records, _ := e.emu.Requests()
	rec := records[len(records)-1]
	if resp.StatusCode >= 300 {
		e.t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, data)
	}
	e.check(rec.Method, rec.Template, resp.StatusCode, data)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

func (e *exerciser) check(method, template string, status int, data []byte) {
	e.t.Helper()
	s, op := operation(e.specs, method, template)
	declared := obj(obj(op["responses"])[fmt.Sprint(status)])
	if declared == nil {
		e.t.Errorf("%s %s answered %d, which the spec does not declare", method, template, status)
		return
	}
	e.seen[method+" "+template]++
	schema := s.resolve(obj(obj(obj(declared["content"])["application/json"])["schema"]))
	if schema == nil {
		if len(data) != 0 {
			e.t.Errorf("%s %s %d: the spec declares no body, got %s", method, template, status, data)
		}
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		e.t.Errorf("%s %s: body is not JSON: %v", method, template, err)
		return
	}
	for _, problem := range s.validate("", schema, value) {
		e.t.Errorf("%s %s %d: %s", method, template, status, problem)
	}
}

func (e *exerciser) run() {
	full := url.Values{"FriendlyName": {"Support"}, "InboundRequestUrl": {"https://hooks.example.com/in"},
		"InboundMethod": {"GET"}, "FallbackUrl": {"https://hooks.example.com/fallback"}, "FallbackMethod": {"POST"},
		"StatusCallback": {"https://hooks.example.com/status"}, "StickySender": {"false"}, "MmsConverter": {"true"},
		"SmartEncoding": {"false"}, "ScanMessageContent": {"enable"}, "FallbackToLongCode": {"false"},
		"AreaCodeGeomatch": {"true"}, "ValidityPeriod": {"600"}, "SynchronousValidation": {"true"},
		"Usecase": {"discussion"}, "UseInboundWebhookOnNumber": {"true"}}
	mg := e.do("POST", "/v1/Services", full)["sid"].(string)
	other := e.do("POST", "/v1/Services", url.Values{"FriendlyName": {"Bare"}})["sid"].(string)
	e.do("POST", "/v1/Services/"+other, url.Values{"StatusCallback": {""}, "Usecase": {"discussion"}})
	e.do("GET", "/v1/Services/"+mg, nil)
	next := e.do("GET", "/v1/Services", url.Values{"PageSize": {"1"}})["meta"].(map[string]any)["next_page_url"].(string)
	u, _ := url.Parse(next)
	e.do("GET", "/v1/Services", u.Query()) // a page with a previous page
	e.do("GET", "/v1/Services/Usecases", nil)
	e.exerciseNumbers(mg)
	brand := e.exerciseBrands()
	e.exerciseCampaigns(mg, other, brand)
	e.exerciseBundles()
	e.do("DELETE", "/v1/Services/"+other, nil)
}

func (e *exerciser) exerciseNumbers(mg string) {
	pool := "/v1/Services/" + mg + "/PhoneNumbers"
	e.do("POST", pool, url.Values{"PhoneNumberSid": {number1}})
	e.do("POST", pool, url.Values{"PhoneNumberSid": {number2}})
	e.do("GET", pool, url.Values{"PageSize": {"1"}})
	e.do("GET", pool+"/"+number1, nil)
	e.do("DELETE", pool+"/"+number2, nil)
	numbers := "/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid + "/IncomingPhoneNumbers"
	e.do("GET", numbers+".json", url.Values{"PageSize": {"1"}, "PhoneNumber": {"+1501712266"}})
	e.do("GET", numbers+".json", url.Values{"FriendlyName": {"(501) 712-2661"}})
	e.do("GET", numbers+"/"+number1+".json", nil)
	e.do("POST", numbers+"/"+number1+".json", url.Values{"SmsUrl": {"https://flex.example.com/sms"},
		"SmsApplicationSid": {"AP0123456789abcdef0123456789abcdef"}, "StatusCallback": {"https://hooks.example.com/s"}})
	e.do("GET", numbers+".json", url.Values{"PhoneNumber": {"+15017122661"}})
	e.exerciseAddressConfigs()
}

func (e *exerciser) exerciseAddressConfigs() {
	const path = "/v1/Configuration/Addresses"
	webhook := e.do("POST", path, url.Values{"Type": {"sms"}, "Address": {"+15017122661"}, "FriendlyName": {"Flex"},
		"AutoCreation.Enabled": {"true"}, "AutoCreation.Type": {"webhook"},
		"AutoCreation.ConversationServiceSid": {"IS0123456789abcdef0123456789abcdef"},
		"AutoCreation.WebhookUrl":             {"https://flex.example.com/c"}, "AutoCreation.WebhookFilters": {"onMessageAdded"}})["sid"].(string)
	bare := e.do("POST", path, url.Values{"Type": {"sms"}, "Address": {"+15017122662"}})["sid"].(string)
	e.do("POST", path+"/"+bare, url.Values{"AutoCreation.Type": {"studio"},
		"AutoCreation.StudioFlowSid": {"FW0123456789abcdef0123456789abcdef"}, "AutoCreation.StudioRetryCount": {"1"}})
	e.do("GET", path+"/"+webhook, nil)
	next := e.do("GET", path, url.Values{"Type": {"sms"}, "PageSize": {"1"}})["meta"].(map[string]any)["next_page_url"].(string)
	u, _ := url.Parse(next)
	e.do("GET", path, u.Query())
	e.do("DELETE", path+"/"+bare, nil)
}

func (e *exerciser) exerciseBrands() string {
	bundles := url.Values{"CustomerProfileBundleSid": {twilioemu.DefaultCustomerProfile},
		"A2PProfileBundleSid": {twilioemu.DefaultTrustProduct}}
	failing := e.do("POST", "/v1/a2p/BrandRegistrations", bundles)["sid"].(string)
	withOptions := url.Values{"BrandType": {"SOLE_PROPRIETOR"}, "Mock": {"true"}, "SkipAutomaticSecVet": {"true"},
		"CustomerProfileBundleSid": {twilioemu.DefaultStarterProfile},
		"A2PProfileBundleSid":      {twilioemu.DefaultSoleProprietorTrustProduct}}
	sole := e.do("POST", "/v1/a2p/BrandRegistrations", withOptions)["sid"].(string)
	brand := e.do("POST", "/v1/a2p/BrandRegistrations", bundles)["sid"].(string)
	_ = e.emu.Advance(twilioemu.DefaultDelays().Brand)
	e.do("POST", "/v1/a2p/BrandRegistrations/"+sole+"/SmsOtp", nil)
	_ = e.emu.RejectBrandOTP(sole)
	e.do("GET", "/v1/a2p/BrandRegistrations/"+sole, nil)
	_ = e.emu.ForceBrandStatus(failing, twilioemu.BrandFailed)
	e.do("GET", "/v1/a2p/BrandRegistrations/"+failing, nil)
	e.do("GET", "/v1/a2p/BrandRegistrations", url.Values{"PageSize": {"2"}})
	e.do("POST", "/v1/a2p/BrandRegistrations/"+failing, nil)
	e.do("GET", "/v1/a2p/BrandRegistrations/"+brand, nil)
	return brand
}

func (e *exerciser) exerciseCampaigns(mg, other, brand string) {
	base := "/v1/Services/" + mg + "/Compliance/Usa2p"
	form := campaignForm(brand)
	qe := e.do("POST", base, form)["sid"].(string)
	form.Set("PrivacyPolicyUrl", "https://acme.example/privacy")
	form.Set("TermsAndConditionsUrl", "https://acme.example/terms")
	form["OptInKeywords"], form["OptInMessage"] = []string{"START"}, []string{"Acme: you are opted in to support texts."}
	e.do("POST", "/v1/Services/"+other+"/Compliance/Usa2p", form, "X-Twilio-Api-Version", "v1.2")
	e.do("GET", base+"/"+qe, nil)
	e.do("GET", base+"/"+qe, nil, "X-Twilio-Api-Version", "v1.2")
	e.do("GET", base, url.Values{"PageSize": {"5"}})
	_ = e.emu.ForceCampaignStatus(qe, twilioemu.CampaignFailed)
	e.do("GET", base, nil, "X-Twilio-Api-Version", "v1.2")
	update := campaignForm(brand)
	for _, k := range []string{"BrandRegistrationSid", "UsAppToPersonUsecase"} {
		update.Del(k)
	}
	update.Set("AgeGated", "false")
	update.Set("DirectLending", "true")
	e.do("POST", base+"/"+qe, update)
	_ = e.emu.ForceCampaignStatus(qe, twilioemu.CampaignVerified)
	update.Set("PrivacyPolicyUrl", "https://acme.example/privacy")
	e.do("POST", base+"/"+qe, update, "X-Twilio-Api-Version", "v1.2")
	e.do("GET", base+"/Usecases", url.Values{"BrandRegistrationSid": {brand}})
	e.do("GET", base+"/Usecases", nil)
	e.do("DELETE", base+"/"+qe, nil)
}

func (e *exerciser) exerciseBundles() {
	e.do("GET", "/v1/CustomerProfiles/"+twilioemu.DefaultCustomerProfile, nil)
	_ = e.emu.SetBundleStatus(twilioemu.DefaultTrustProduct, twilioemu.BundleTwilioRejected)
	e.do("GET", "/v1/TrustProducts/"+twilioemu.DefaultTrustProduct, nil)
	addresses := "/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid + "/Addresses"
	ad := e.do("POST", addresses+".json", url.Values{"CustomerName": {"Acme"}, "Street": {"1 Main St"},
		"City": {"Springfield"}, "Region": {"IL"}, "PostalCode": {"62701"}, "IsoCountry": {"US"},
		"FriendlyName": {"HQ"}, "StreetSecondary": {"Suite 2"}, "EmergencyEnabled": {"false"}})["sid"].(string)
	e.do("POST", addresses+".json", url.Values{"CustomerName": {"Acme"}, "Street": {"2 Main St"},
		"City": {"Springfield"}, "Region": {"IL"}, "PostalCode": {"62701"}, "IsoCountry": {"US"}})
	e.do("GET", addresses+".json", url.Values{"CustomerName": {"Acme"}, "PageSize": {"1"}})
	e.do("GET", addresses+"/"+ad+".json", nil)
	entity := func(path, typ string, attrs string) string {
		return e.do("POST", path, url.Values{"FriendlyName": {typ}, "Type": {typ}, "Attributes": {attrs}})["sid"].(string)
	}
	doc := entity("/v1/SupportingDocuments", "customer_profile_address", `{"address_sids":"`+ad+`"}`)
	e.do("GET", "/v1/SupportingDocuments/"+doc, nil)
	e.do("GET", "/v1/SupportingDocuments", nil)
	rep := entity("/v1/EndUsers", "authorized_representative_1", `{"first_name":"Ada","last_name":"Lovelace",`+
		`"email":"ada@acme.example","phone_number":"+15017120000","business_title":"Owner","job_position":"CEO"}`)
	business := entity("/v1/EndUsers", "customer_profile_business_information", `{"business_name":"Acme"}`)
	e.do("POST", "/v1/EndUsers/"+business, url.Values{"Attributes": {`{"business_name":"Acme Plumbing LLC",` +
		`"business_identity":"direct_customer","business_type":"Corporation","business_industry":"RETAIL",` +
		`"business_registration_identifier":"EIN","business_registration_number":"123456789",` +
		`"business_regions_of_operation":"USA_AND_CANADA","website_url":"https://acme.example"}`}})
	e.do("GET", "/v1/EndUsers/"+rep, nil)
	e.do("GET", "/v1/EndUsers", url.Values{"PageSize": {"1"}})
	for _, b := range []struct{ collection, policy, info, infoType string }{
		{"/v1/CustomerProfiles", twilioemu.SecondaryProfilePolicy, "", ""},
		{"/v1/TrustProducts", twilioemu.A2PTrustProductPolicy, `{"company_type":"private"}`, "us_a2p_messaging_profile_information"},
	} {
		sid := e.do("POST", b.collection, url.Values{"FriendlyName": {"Acme"}, "Email": {"isv@example.com"},
			"PolicySid": {b.policy}, "StatusCallback": {"https://hooks.example.com/trusthub"}})["sid"].(string)
		e.do("POST", b.collection+"/"+sid+"/Evaluations", url.Values{"PolicySid": {b.policy}})
		objects := []string{business, rep, doc, twilioemu.DefaultPrimaryProfile}
		if b.info != "" {
			objects = []string{entity("/v1/EndUsers", b.infoType, b.info), twilioemu.DefaultCustomerProfile}
		}
		var bv string
		for _, o := range objects {
			bv = e.do("POST", b.collection+"/"+sid+"/EntityAssignments", url.Values{"ObjectSid": {o}})["sid"].(string)
		}
		e.do("GET", b.collection+"/"+sid+"/EntityAssignments", url.Values{"PageSize": {"1"}})
		e.do("DELETE", b.collection+"/"+sid+"/EntityAssignments/"+bv, nil)
		e.do("POST", b.collection+"/"+sid+"/EntityAssignments", url.Values{"ObjectSid": {objects[len(objects)-1]}})
		e.do("POST", b.collection+"/"+sid+"/Evaluations", url.Values{"PolicySid": {b.policy}})
		e.do("POST", b.collection+"/"+sid, url.Values{"Status": {"pending-review"}, "FriendlyName": {"Acme Inc"}})
		_ = e.emu.Advance(twilioemu.DefaultDelays().BundleReview + twilioemu.DefaultDelays().BundleApproval)
		e.do("GET", b.collection+"/"+sid, nil)
		e.do("GET", b.collection, url.Values{"FriendlyName": {"Acme Inc"}, "Status": {"twilio-approved"}})
		e.do("GET", b.collection, url.Values{"PageSize": {"1"}})
	}
}
