package twilioemu_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"
	trusthub "github.com/twilio/twilio-go/rest/trusthub/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// failedRequirements are the requirement names an evaluation did not pass.
func failedRequirements(results *[]any) []string {
	var out []string
	for _, r := range deref(results) {
		m, _ := r.(map[string]any)
		if m["passed"] == false {
			out = append(out, m["requirement_name"].(string))
		}
	}
	return out
}

func TestSecondaryProfileThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc)
		th := rc.TrusthubV1
		cp := newProfile(t, rc, "Acme profile", twilioemu.SecondaryProfilePolicy)
		evaluate := func() *trusthub.TrusthubV1CustomerProfileEvaluation {
			return must[*trusthub.TrusthubV1CustomerProfileEvaluation](t)(th.CreateCustomerProfileEvaluation(cp,
				new(trusthub.CreateCustomerProfileEvaluationParams).SetPolicySid(twilioemu.SecondaryProfilePolicy)))
		}
		empty := evaluate()
		if deref(empty.Status) != "noncompliant" || !slices.Equal(failedRequirements(empty.Results),
			[]string{"business_info", "authorized_representative_1", "customer_profile_address", "primary_customer_profile"}) {
			t.Fatalf("empty profile evaluation = %s %v", deref(empty.Status), failedRequirements(empty.Results))
		}
		incomplete := map[string]any{"business_name": "Acme Plumbing LLC", "business_type": "LLC"}
		business := newEndUser(t, rc, "customer_profile_business_information", incomplete)
		assignToProfile(t, rc, cp, business, newEndUser(t, rc, "authorized_representative_1", representative),
			newAddressDocument(t, rc), twilioemu.DefaultPrimaryProfile)
		partial := evaluate()
		first, _ := deref(partial.Results)[0].(map[string]any)
		invalid, _ := first["invalid"].([]any)
		if deref(partial.Status) != "noncompliant" || first["error_code"] != float64(22215) || len(invalid) != 7 {
			t.Fatalf("partial evaluation = %s, first result %v", deref(partial.Status), first)
		}
		must[*trusthub.TrusthubV1EndUser](t)(th.UpdateEndUser(business, new(trusthub.UpdateEndUserParams).SetAttributes(businessInfo)))
		if got := evaluate(); deref(got.Status) != "compliant" || len(failedRequirements(got.Results)) != 0 {
			t.Fatalf("complete evaluation = %s %v", deref(got.Status), failedRequirements(got.Results))
		}

		submitted := submitProfile(t, rc, cp)
		if deref(submitted.Status) != "pending-review" {
			t.Fatalf("submitted = %s", deref(submitted.Status))
		}
		d := twilioemu.DefaultDelays()
		_ = emu.Advance(d.BundleReview)
		if got := must[*trusthub.TrusthubV1CustomerProfile](t)(th.FetchCustomerProfile(cp)); deref(got.Status) != "in-review" {
			t.Fatalf("after the review delay the profile is %s", deref(got.Status))
		}
		_ = emu.Advance(d.BundleApproval)
		got := must[*trusthub.TrusthubV1CustomerProfile](t)(th.FetchCustomerProfile(cp))
		if deref(got.Status) != "twilio-approved" || got.ValidUntil == nil || got.Errors != nil ||
			!got.DateUpdated.Equal(epoch.Add(d.BundleReview+d.BundleApproval)) {
			t.Fatalf("reviewed profile = %+v", got)
		}
		// Creates are not idempotent: a second create with the same name is a second
		// profile, and the name finds both.
		again := newProfile(t, rc, "Acme profile", twilioemu.SecondaryProfilePolicy)
		found := must[[]trusthub.TrusthubV1CustomerProfile](t)(th.ListCustomerProfile(
			new(trusthub.ListCustomerProfileParams).SetFriendlyName("Acme profile")))
		if again == cp || len(found) != 2 || *found[0].Sid != cp || *found[1].Sid != again {
			t.Errorf("FriendlyName search = %+v", found)
		}
		approved := must[[]trusthub.TrusthubV1CustomerProfile](t)(th.ListCustomerProfile(
			new(trusthub.ListCustomerProfileParams).SetStatus("twilio-approved").SetPolicySid(twilioemu.SecondaryProfilePolicy)))
		if !slices.ContainsFunc(approved, func(p trusthub.TrusthubV1CustomerProfile) bool { return *p.Sid == cp }) ||
			slices.ContainsFunc(approved, func(p trusthub.TrusthubV1CustomerProfile) bool { return *p.Sid == again }) {
			t.Errorf("Status and PolicySid filters = %+v", approved)
		}
		reps := must[[]trusthub.TrusthubV1CustomerProfileEntityAssignment](t)(th.ListCustomerProfileEntityAssignment(cp,
			new(trusthub.ListCustomerProfileEntityAssignmentParams).SetObjectType("authorized_representative_1")))
		if len(reps) != 1 {
			t.Errorf("ObjectType filter found %d assignments", len(reps))
		}
		if n, _ := emu.Count("POST /v1/CustomerProfiles/{Sid}"); n != 1 {
			t.Errorf("counted %d profile updates", n)
		}
	})
}

func TestISVBundlesRegisterABrand(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	cp, tp := approvedISVBundles(t, emu, rc)
	if got := must[*trusthub.TrusthubV1TrustProduct](t)(rc.TrusthubV1.FetchTrustProduct(tp)); deref(got.Status) != "twilio-approved" {
		t.Fatalf("trust product is %s", deref(got.Status))
	}
	b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.CreateBrandRegistrations(
		new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(cp).SetA2PProfileBundleSid(tp)))
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	if got := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.FetchBrandRegistrations(*b.Sid)); deref(got.Status) != "APPROVED" {
		t.Errorf("brand on API-built bundles is %s: %v", deref(got.Status), deref(got.Errors))
	}
	th := must[twilioemu.TrustHub](t)(emu.TrustHub(twilioemu.DefaultAccountSid))
	if len(th.EndUsers) != 3 || len(th.Documents) != 1 || len(th.Addresses) != 1 || len(th.Assignments) != 6 {
		t.Errorf("TrustHub state: %d end users, %d documents, %d addresses, %d assignments", len(th.EndUsers),
			len(th.Documents), len(th.Addresses), len(th.Assignments))
	}
}

func TestBundleReviewOutcomes(t *testing.T) {
	for name, tc := range map[string]struct {
		build      func(t *testing.T, emu *twilioemu.Server) string
		wantStatus string
		wantCodes  []float64
	}{
		"a compliant profile is approved": {
			build: func(t *testing.T, emu *twilioemu.Server) string {
				return secondaryProfile(t, primary(emu.HTTPClient()), "p")
			},
			wantStatus: "twilio-approved"},
		"a profile review rejects is twilio-rejected with its codes": {
			build: func(t *testing.T, emu *twilioemu.Server) string {
				cp := secondaryProfile(t, primary(emu.HTTPClient()), "p")
				if err := emu.SetBundleReviewOutcome(cp, twilioemu.BundleTwilioRejected, 18602, 18604); err != nil {
					t.Fatal(err)
				}
				return cp
			},
			wantStatus: "twilio-rejected", wantCodes: []float64{18602, 18604}},
		"a rejection without codes reports 18601": {
			build: func(t *testing.T, emu *twilioemu.Server) string {
				cp := secondaryProfile(t, primary(emu.HTTPClient()), "p")
				_ = emu.SetBundleReviewOutcome(cp, twilioemu.BundleTwilioRejected)
				return cp
			},
			wantStatus: "twilio-rejected", wantCodes: []float64{18601}},
		"a noncompliant profile is rejected with its evaluation's codes": {
			build: func(t *testing.T, emu *twilioemu.Server) string {
				return newProfile(t, primary(emu.HTTPClient()), "empty", twilioemu.SecondaryProfilePolicy)
			},
			wantStatus: "twilio-rejected", wantCodes: []float64{22214, 22214, 22216, 22216}},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			cp := tc.build(t, emu)
			submitProfile(t, rc, cp)
			reviewed(t, emu)
			got := must[*trusthub.TrusthubV1CustomerProfile](t)(rc.TrusthubV1.FetchCustomerProfile(cp))
			var codes []float64
			for _, e := range deref(got.Errors) {
				codes = append(codes, e.(map[string]any)["code"].(float64))
			}
			if deref(got.Status) != tc.wantStatus || !slices.Equal(codes, tc.wantCodes) {
				t.Fatalf("reviewed profile is %s with errors %v, want %s %v", deref(got.Status), codes, tc.wantStatus, tc.wantCodes)
			}
			if tc.wantStatus == "twilio-rejected" {
				// A rejected bundle can be fixed and submitted again.
				if again := submitProfile(t, rc, cp); deref(again.Status) != "pending-review" || again.Errors != nil {
					t.Errorf("resubmitted = %+v", again)
				}
			}
		})
	}
}

func TestTrustHubRules(t *testing.T) {
	emu := newEmu(t)
	hc := emu.HTTPClient()
	rc := primary(hc)
	draft := secondaryProfile(t, rc, "draft")
	inReview := secondaryProfile(t, rc, "in review")
	user := newEndUser(t, rc, "authorized_representative_2", representative)
	reviewedUser := newEndUser(t, rc, "authorized_representative_2", representative)
	assignToProfile(t, rc, inReview, reviewedUser)
	submitProfile(t, rc, inReview)
	foreignUser := newEndUser(t, second(hc), "authorized_representative_2", representative)
	assignToProfile(t, rc, draft, user)
	profiles, users := "/v1/CustomerProfiles", "/v1/EndUsers"
	bundle := url.Values{"FriendlyName": {"x"}, "Email": {"isv@example.com"}, "PolicySid": {twilioemu.SecondaryProfilePolicy}}
	with := func(v url.Values, k, val string) url.Values {
		out := url.Values{}
		for key, vs := range v {
			out[key] = vs
		}
		out.Set(k, val)
		return out
	}
	for name, tc := range map[string]struct {
		method, path string
		form         url.Values
		code, http   int
	}{
		"a policy the emulator does not model (20001)": {"POST", profiles, with(bundle, "PolicySid", "RN00000000000000000000000000000000"), 20001, 400},
		"the primary profile policy is seeded only (20001)": {"POST", profiles,
			with(bundle, "PolicySid", twilioemu.PrimaryProfilePolicy), 20001, 400},
		"a trust product policy is not a profile's (20001)": {"POST", profiles,
			with(bundle, "PolicySid", twilioemu.A2PTrustProductPolicy), 20001, 400},
		"an Email that is not an address (20001)":           {"POST", profiles, with(bundle, "Email", "nobody"), 20001, 400},
		"a StatusCallback that is not a URL (21609)":        {"POST", profiles, with(bundle, "StatusCallback", "hook"), 21609, 400},
		"Email is required (20001)":                         {"POST", profiles, url.Values{"FriendlyName": {"x"}, "PolicySid": {twilioemu.SecondaryProfilePolicy}}, 20001, 400},
		"a status other than pending-review (20001)":        {"POST", profiles + "/" + draft, url.Values{"Status": {"twilio-approved"}}, 20001, 400},
		"submitting a bundle in review (20409)":             {"POST", profiles + "/" + inReview, url.Values{"Status": {"pending-review"}}, 20409, 409},
		"another account's profile is not found (20404)":    {"GET", profiles + "/" + twilioemu.SecondCustomerProfile, nil, 20404, 404},
		"a trust product is not a customer profile (20404)": {"GET", profiles + "/" + twilioemu.DefaultTrustProduct, nil, 20404, 404},
		"an evaluation against another policy (20001)": {"POST", profiles + "/" + draft + "/Evaluations",
			url.Values{"PolicySid": {twilioemu.StarterProfilePolicy}}, 20001, 400},
		"assigning another account's end user (20001)": {"POST", profiles + "/" + draft + "/EntityAssignments",
			url.Values{"ObjectSid": {foreignUser}}, 20001, 400},
		"assigning a bundle to itself (20001)": {"POST", profiles + "/" + draft + "/EntityAssignments",
			url.Values{"ObjectSid": {draft}}, 20001, 400},
		"assigning an object twice (20409)": {"POST", profiles + "/" + draft + "/EntityAssignments",
			url.Values{"ObjectSid": {user}}, 20409, 409},
		"assigning to a bundle in review (20409)": {"POST", profiles + "/" + inReview + "/EntityAssignments",
			url.Values{"ObjectSid": {user}}, 20409, 409},
		"an end user type the policies do not name (20001)": {"POST", users,
			url.Values{"FriendlyName": {"x"}, "Type": {"individual"}}, 20001, 400},
		"attributes that are not a JSON object (20001)": {"POST", users,
			url.Values{"FriendlyName": {"x"}, "Type": {"authorized_representative_1"}, "Attributes": {`["a"]`}}, 20001, 400},
		"double-encoded attributes (20001)": {"POST", users, url.Values{"FriendlyName": {"x"},
			"Type": {"authorized_representative_1"}, "Attributes": {`"{\"first_name\":\"Ada\"}"`}}, 20001, 400},
		"changing an end user of a bundle in review (20409)": {"POST", users + "/" + reviewedUser,
			url.Values{"FriendlyName": {"y"}}, 20409, 409},
		"a supporting document type the policies do not name (20001)": {"POST", "/v1/SupportingDocuments",
			url.Values{"FriendlyName": {"x"}, "Type": {"passport"}}, 20001, 400},
		"an address without its city (20001)": {"POST", "/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid + "/Addresses.json",
			url.Values{"CustomerName": {"a"}, "Street": {"b"}, "Region": {"c"}, "PostalCode": {"d"}, "IsoCountry": {"US"}}, 20001, 400},
		"an address with a country that is not ISO alpha-2 (20001)": {"POST", "/2010-04-01/Accounts/" + twilioemu.DefaultAccountSid +
			"/Addresses.json", url.Values{"CustomerName": {"a"}, "Street": {"b"}, "City": {"x"}, "Region": {"c"}, "PostalCode": {"d"},
			"IsoCountry": {"USA"}}, 20001, 400},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := call(t, hc, tc.method, tc.path, tc.form)
			wantErrorBody(t, status, body, tc.http, tc.code)
		})
	}
	if got := must[*trusthub.TrusthubV1CustomerProfile](t)(rc.TrusthubV1.FetchCustomerProfile(draft)); deref(got.Status) != "draft" {
		t.Errorf("refused writes changed the draft: %s", deref(got.Status))
	}
}

func TestEntityAssignmentsListAndRemove(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	cp := secondaryProfile(t, rc, "p")
	all := must[[]trusthub.TrusthubV1CustomerProfileEntityAssignment](t)(rc.TrusthubV1.ListCustomerProfileEntityAssignment(cp, nil))
	if len(all) != 4 || deref(all[3].ObjectSid) != twilioemu.DefaultPrimaryProfile {
		t.Fatalf("assignments = %+v", all)
	}
	if err := rc.TrusthubV1.DeleteCustomerProfileEntityAssignment(cp, *all[3].Sid); err != nil {
		t.Fatal(err)
	}
	ev := must[*trusthub.TrusthubV1CustomerProfileEvaluation](t)(rc.TrusthubV1.CreateCustomerProfileEvaluation(cp,
		new(trusthub.CreateCustomerProfileEvaluationParams).SetPolicySid(twilioemu.SecondaryProfilePolicy)))
	if !slices.Equal(failedRequirements(ev.Results), []string{"primary_customer_profile"}) {
		t.Errorf("without the primary profile: %v", failedRequirements(ev.Results))
	}
	tp := a2pTrustProduct(t, rc, "tp", cp, map[string]any{"company_type": "public"})
	tpEval := must[*trusthub.TrusthubV1TrustProductEvaluation](t)(rc.TrusthubV1.CreateTrustProductEvaluation(tp,
		new(trusthub.CreateTrustProductEvaluationParams).SetPolicySid(twilioemu.A2PTrustProductPolicy)))
	// A public company gives its stock and a contact email; its profile is not submitted.
	if !slices.Equal(failedRequirements(tpEval.Results), []string{"us_a2p_messaging_profile_information", "customer_profile"}) {
		t.Errorf("trust product evaluation: %v", failedRequirements(tpEval.Results))
	}
}

func TestAddressesThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc).Api
		_ = emu.Advance(time.Second)
		ad := must[*api.ApiV2010Address](t)(rc.CreateAddress(new(api.CreateAddressParams).SetCustomerName("Acme").
			SetStreet("1 Main St").SetStreetSecondary("Suite 2").SetCity("Springfield").SetRegion("IL").
			SetPostalCode("62701").SetIsoCountry("US").SetFriendlyName("HQ")))
		if deref(ad.StreetSecondary) != "Suite 2" || deref(ad.Validated) || len(deref(ad.Sid)) != 34 ||
			deref(ad.Uri) != "/2010-04-01/Accounts/"+twilioemu.DefaultAccountSid+"/Addresses/"+*ad.Sid+".json" {
			t.Fatalf("address = %+v", ad)
		}
		must[*api.ApiV2010Address](t)(rc.CreateAddress(new(api.CreateAddressParams).SetCustomerName("Other").
			SetStreet("2 Main St").SetCity("Springfield").SetRegion("IL").SetPostalCode("62701").SetIsoCountry("US")))
		if got := must[*api.ApiV2010Address](t)(rc.FetchAddress(*ad.Sid, nil)); deref(got.FriendlyName) != "HQ" {
			t.Errorf("fetched = %+v", got)
		}
		found := must[[]api.ApiV2010Address](t)(rc.ListAddress(new(api.ListAddressParams).SetCustomerName("Acme")))
		if len(found) != 1 || *found[0].Sid != *ad.Sid {
			t.Errorf("CustomerName filter = %+v", found)
		}
		if none := must[[]api.ApiV2010Address](t)(second(hc).Api.ListAddress(nil)); len(none) != 0 {
			t.Errorf("another account lists %+v", none)
		}
	})
}
