package twilioemu_test

import (
	"testing"

	"github.com/twilio/twilio-go"
	api "github.com/twilio/twilio-go/rest/api/v2010"
	trusthub "github.com/twilio/twilio-go/rest/trusthub/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// The TrustHub objects of an ISV's customer, built through twilio-go as Twilio's ISV
// walkthroughs build them.

var (
	businessInfo = map[string]any{"business_name": "Acme Plumbing LLC", "business_identity": "direct_customer",
		"business_type": "Limited Liability Corporation", "business_industry": "RETAIL",
		"business_registration_identifier": "EIN", "business_registration_number": "123456789",
		"business_regions_of_operation": "USA_AND_CANADA", "website_url": "https://acme.example"}
	representative = map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.example",
		"phone_number": "+15017120000", "business_title": "Owner", "job_position": "CEO"}
	messagingInfo = map[string]any{"company_type": "private"}
	soleProp      = map[string]any{"brand_name": "Ada's Plumbing", "mobile_phone_number": "+15017129999",
		"vertical": "RETAIL"}
	starterInfo = map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.example",
		"phone_number": "+15017120000"}
)

func newEndUser(t testing.TB, rc *twilio.RestClient, typ string, attributes map[string]any) string {
	t.Helper()
	return *must[*trusthub.TrusthubV1EndUser](t)(rc.TrusthubV1.CreateEndUser(new(trusthub.CreateEndUserParams).
		SetFriendlyName(typ).SetType(typ).SetAttributes(attributes))).Sid
}

func newAddressDocument(t testing.TB, rc *twilio.RestClient) string {
	t.Helper()
	ad := must[*api.ApiV2010Address](t)(rc.Api.CreateAddress(new(api.CreateAddressParams).SetCustomerName("Acme Plumbing LLC").
		SetStreet("1 Main St").SetCity("Springfield").SetRegion("IL").SetPostalCode("62701").SetIsoCountry("US")))
	return *must[*trusthub.TrusthubV1SupportingDocument](t)(rc.TrusthubV1.CreateSupportingDocument(
		new(trusthub.CreateSupportingDocumentParams).SetFriendlyName("address").SetType("customer_profile_address").
			SetAttributes(map[string]any{"address_sids": *ad.Sid}))).Sid
}

func newProfile(t testing.TB, rc *twilio.RestClient, name, policy string) string {
	t.Helper()
	return *must[*trusthub.TrusthubV1CustomerProfile](t)(rc.TrusthubV1.CreateCustomerProfile(
		new(trusthub.CreateCustomerProfileParams).SetFriendlyName(name).SetEmail("isv@example.com").SetPolicySid(policy))).Sid
}

func newTrustProduct(t testing.TB, rc *twilio.RestClient, name, policy string) string {
	t.Helper()
	return *must[*trusthub.TrusthubV1TrustProduct](t)(rc.TrusthubV1.CreateTrustProduct(
		new(trusthub.CreateTrustProductParams).SetFriendlyName(name).SetEmail("isv@example.com").SetPolicySid(policy))).Sid
}

func assignToProfile(t testing.TB, rc *twilio.RestClient, profile string, objects ...string) {
	t.Helper()
	for _, o := range objects {
		must[*trusthub.TrusthubV1CustomerProfileEntityAssignment](t)(rc.TrusthubV1.CreateCustomerProfileEntityAssignment(
			profile, new(trusthub.CreateCustomerProfileEntityAssignmentParams).SetObjectSid(o)))
	}
}

func assignToTrustProduct(t testing.TB, rc *twilio.RestClient, product string, objects ...string) {
	t.Helper()
	for _, o := range objects {
		must[*trusthub.TrusthubV1TrustProductEntityAssignment](t)(rc.TrusthubV1.CreateTrustProductEntityAssignment(
			product, new(trusthub.CreateTrustProductEntityAssignmentParams).SetObjectSid(o)))
	}
}

// secondaryProfile builds a compliant Secondary Customer Profile (not submitted).
func secondaryProfile(t testing.TB, rc *twilio.RestClient, name string) string {
	t.Helper()
	cp := newProfile(t, rc, name, twilioemu.SecondaryProfilePolicy)
	assignToProfile(t, rc, cp, newEndUser(t, rc, "customer_profile_business_information", businessInfo),
		newEndUser(t, rc, "authorized_representative_1", representative), newAddressDocument(t, rc),
		twilioemu.DefaultPrimaryProfile)
	return cp
}

// a2pTrustProduct builds a compliant A2P trust product of profile (not submitted).
func a2pTrustProduct(t testing.TB, rc *twilio.RestClient, name, profile string, info map[string]any) string {
	t.Helper()
	tp := newTrustProduct(t, rc, name, twilioemu.A2PTrustProductPolicy)
	assignToTrustProduct(t, rc, tp, newEndUser(t, rc, "us_a2p_messaging_profile_information", info), profile)
	return tp
}

func submitProfile(t testing.TB, rc *twilio.RestClient, sid string) *trusthub.TrusthubV1CustomerProfile {
	t.Helper()
	return must[*trusthub.TrusthubV1CustomerProfile](t)(rc.TrusthubV1.UpdateCustomerProfile(sid,
		new(trusthub.UpdateCustomerProfileParams).SetStatus("pending-review")))
}

func submitTrustProduct(t testing.TB, rc *twilio.RestClient, sid string) {
	t.Helper()
	if got := must[*trusthub.TrusthubV1TrustProduct](t)(rc.TrusthubV1.UpdateTrustProduct(sid,
		new(trusthub.UpdateTrustProductParams).SetStatus("pending-review"))); deref(got.Status) != "pending-review" {
		t.Fatalf("submitted trust product is %s", deref(got.Status))
	}
}

// reviewed moves the clock past the review of a bundle submitted now.
func reviewed(t testing.TB, emu *twilioemu.Server) {
	t.Helper()
	d := twilioemu.DefaultDelays()
	if err := emu.Advance(d.BundleReview + d.BundleApproval); err != nil {
		t.Fatal(err)
	}
}

// approvedISVBundles builds, submits and reviews a Secondary Customer Profile and an A2P
// trust product, as an ISV's first onboarding step does.
func approvedISVBundles(t testing.TB, emu *twilioemu.Server, rc *twilio.RestClient) (profile, product string) {
	t.Helper()
	profile = secondaryProfile(t, rc, "Acme profile")
	product = a2pTrustProduct(t, rc, "Acme A2P", profile, messagingInfo)
	submitProfile(t, rc, profile)
	submitTrustProduct(t, rc, product)
	reviewed(t, emu)
	return profile, product
}
