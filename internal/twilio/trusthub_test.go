package twilio_test

import (
	"context"
	"strings"
	"testing"

	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// TestTrustHubPortAgainstTheEmulator builds a Secondary Customer Profile through the
// port: what the controller relies on reads back as sent, and the evaluation names the
// requirement that is missing before it is fixed.
func TestTrustHubPortAgainstTheEmulator(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newClient(t)
	const kind = twilio.CustomerProfileKind
	profile := must(c.CreateBundle(ctx, kind, twilio.BundleParams{FriendlyName: "ns/acme customer profile",
		Email: "compliance@isv.example", PolicySID: twilio.SecondaryProfilePolicy}))
	if profile.Status != twilio.BundleDraft || profile.PolicySID != twilio.SecondaryProfilePolicy || profile.DateCreated.IsZero() {
		t.Errorf("created profile = %+v", profile)
	}
	found := must(c.ListBundles(ctx, kind, "ns/acme customer profile", twilio.SecondaryProfilePolicy))
	if len(found) != 1 || found[0].SID != profile.SID {
		t.Errorf("the profile is found by friendly name and policy: %+v", found)
	}
	if other := must(c.ListBundles(ctx, twilio.TrustProductKind, "ns/acme customer profile", twilio.A2PTrustProductPolicy)); len(other) != 0 {
		t.Errorf("a profile is no trust product: %+v", other)
	}

	business := map[string]any{"business_name": "Acme", "business_identity": "direct_customer",
		"business_type": "Partnership", "business_industry": "CONSUMER", "business_registration_identifier": "EIN",
		"business_registration_number": "123456789", "business_regions_of_operation": "USA_AND_CANADA",
		"website_url": "https://acme.example"}
	rep := map[string]any{"first_name": "Sam", "last_name": "Lee", "email": "sam@acme.example",
		"phone_number": "+15017122661", "business_title": "Owner", "job_position": "CEO"}
	u := must(c.CreateEndUser(ctx, "ns/acme business", "customer_profile_business_information", business))
	r := must(c.CreateEndUser(ctx, "ns/acme representative 1", "authorized_representative_1", rep))
	addr := must(c.CreateAddress(ctx, twilio.Address{FriendlyName: "ns/acme address", CustomerName: "Acme",
		Street: "1 Main St", City: "Springfield", Region: "IL", PostalCode: "62701", IsoCountry: "US"}))
	if got := must(c.ListAddresses(ctx, "ns/acme address")); len(got) != 1 || got[0] != *addr {
		t.Errorf("addresses by friendly name = %+v, want %+v", got, *addr)
	}
	doc := must(c.CreateSupportingDocument(ctx, "ns/acme address document", "customer_profile_address",
		map[string]any{"address_sids": addr.SID}))
	for _, sid := range []string{u.SID, r.SID, doc.SID} {
		must(c.Assign(ctx, kind, profile.SID, sid))
	}

	eval := must(c.EvaluateBundle(ctx, kind, profile.SID, twilio.SecondaryProfilePolicy))
	if eval.Status == twilio.EvaluationCompliant {
		t.Fatalf("a profile without its primary profile is not compliant: %+v", eval)
	}
	var failed []string
	for _, res := range eval.Results {
		if !res.Passed {
			failed = append(failed, res.ObjectType)
		}
	}
	if len(failed) != 1 || !strings.HasPrefix(failed[0], "primary_customer_profile") {
		t.Errorf("failed requirements = %v, want the primary profile only", failed)
	}

	must(c.Assign(ctx, kind, profile.SID, twilioemu.DefaultPrimaryProfile))
	if _, err := c.Assign(ctx, kind, profile.SID, u.SID); twilio.CodeOf(err) != twilio.CodeConflictingState {
		t.Errorf("a second assignment of the same object = %v, want 20409", err)
	}
	if got := must(c.ListAssignments(ctx, kind, profile.SID)); len(got) != 4 {
		t.Errorf("assignments = %+v", got)
	}
	if eval := must(c.EvaluateBundle(ctx, kind, profile.SID, twilio.SecondaryProfilePolicy)); eval.Status != twilio.EvaluationCompliant {
		t.Errorf("evaluation = %+v", eval)
	}
	got := must(c.FetchEndUser(ctx, r.SID))
	if got.Type != "authorized_representative_1" || got.Attributes["email"] != "sam@acme.example" {
		t.Errorf("end user = %+v", got)
	}
	submitted := must(c.SubmitBundle(ctx, kind, profile.SID))
	if submitted.Status != twilio.BundlePendingReview {
		t.Errorf("submitted profile = %+v", submitted)
	}
	_, err := c.SubmitBundle(ctx, kind, profile.SID)
	if twilio.CodeOf(err) != twilio.CodeConflictingState {
		t.Errorf("a second submission = %v, want 20409", err)
	}
	_, err = c.UpdateEndUser(ctx, r.SID, rep)
	if err == nil || strings.Contains(err.Error(), "sam@acme.example") {
		t.Errorf("an end user of a submitted profile cannot change, and the error withholds its data: %v", err)
	}
}
