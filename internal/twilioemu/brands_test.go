package twilioemu_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestBrandLifecycleThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc).MessagingV1
		b := newBrand(t, primary(hc))
		if deref(b.Status) != "PENDING" || deref(b.BrandType) != "STANDARD" || b.TcrId != nil ||
			deref(b.CustomerProfileBundleSid) != twilioemu.DefaultCustomerProfile || !b.DateCreated.Equal(epoch) {
			t.Fatalf("new brand = %+v", b)
		}
		if !strings.HasPrefix(*b.Sid, "BN") || len(*b.Sid) != 34 {
			t.Fatalf("sid = %q", *b.Sid)
		}
		delay := twilioemu.DefaultDelays().Brand
		_ = emu.Advance(delay - time.Second)
		if got := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(*b.Sid)); deref(got.Status) != "PENDING" {
			t.Fatalf("a second before the delay the brand is %s", deref(got.Status))
		}
		_ = emu.Advance(time.Second)
		got := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(*b.Sid))
		// A standard brand is secondary-vetted unless it skips it.
		if deref(got.Status) != "APPROVED" || deref(got.IdentityStatus) != "VETTED_VERIFIED" ||
			!strings.HasPrefix(deref(got.TcrId), "B") || deref(got.BrandScore) == 0 || len(deref(got.Errors)) != 0 {
			t.Errorf("vetted brand = %+v", got)
		}
		if !got.DateUpdated.Equal(epoch.Add(delay)) {
			t.Errorf("date_updated = %v, want the moment vetting finished", got.DateUpdated)
		}
		listed := must[[]messaging.MessagingV1BrandRegistrations](t)(rc.ListBrandRegistrations(nil))
		if len(listed) != 1 || *listed[0].Sid != *b.Sid {
			t.Errorf("list = %+v", listed)
		}
		_, err := rc.UpdateBrandRegistrations(*b.Sid)
		twilioErr(t, err, 21725, 400)
	})
}

func TestBrandOutcomes(t *testing.T) {
	custom := twilioemu.RegistrationError{Code: 30701, Description: "Invalid input parameters", Fields: []string{"ein"}}
	for name, tc := range map[string]struct {
		outcome    twilioemu.BrandStatus
		errs       []twilioemu.RegistrationError
		mock       bool
		wantStatus string
		wantCode   float64
	}{
		"a bundle without an outcome approves its brand": {wantStatus: "APPROVED"},
		"a bundle seeded FAILED fails its brand with a TCR error": {
			outcome: twilioemu.BrandFailed, wantStatus: "FAILED", wantCode: 30799},
		"a bundle's own errors are what its failed brand reports": {
			outcome: twilioemu.BrandFailed, errs: []twilioemu.RegistrationError{custom}, wantStatus: "FAILED", wantCode: 30701},
		"a bundle seeded SUSPENDED suspends its brand": {outcome: twilioemu.BrandSuspended, wantStatus: "SUSPENDED"},
		"a mock brand is approved whatever its bundle says": {
			outcome: twilioemu.BrandFailed, mock: true, wantStatus: "APPROVED"},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			if tc.outcome != "" {
				if err := emu.SetBundleOutcome(twilioemu.DefaultTrustProduct, tc.outcome, tc.errs...); err != nil {
					t.Fatal(err)
				}
			}
			rc := primary(emu.HTTPClient()).MessagingV1
			b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.CreateBrandRegistrations(
				new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(twilioemu.DefaultCustomerProfile).
					SetA2PProfileBundleSid(twilioemu.DefaultTrustProduct).SetMock(tc.mock)))
			_ = emu.Advance(twilioemu.DefaultDelays().Brand)
			got := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(*b.Sid))
			if deref(got.Status) != tc.wantStatus || deref(got.Mock) != tc.mock {
				t.Fatalf("brand is %s (mock %v), want %s", deref(got.Status), deref(got.Mock), tc.wantStatus)
			}
			errs := deref(got.Errors)
			if tc.wantCode == 0 {
				if len(errs) != 0 {
					t.Errorf("errors = %v, want none", errs)
				}
				return
			}
			first, _ := errs[0].(map[string]any)
			if len(errs) != 1 || first["error_code"] != tc.wantCode || first["description"] == "" || got.FailureReason == nil {
				t.Errorf("errors = %v, failure_reason %v", errs, got.FailureReason)
			}
		})
	}
}

func TestBrandResubmit(t *testing.T) {
	for name, tc := range map[string]struct {
		// force puts the brand in a status before the resubmit ("" leaves it PENDING).
		force      twilioemu.BrandStatus
		code, http int
	}{
		"a PENDING brand cannot be resubmitted (21725)":   {code: 21725, http: 400},
		"an APPROVED brand cannot be resubmitted (21725)": {force: twilioemu.BrandApproved, code: 21725, http: 400},
		"a SUSPENDED brand cannot be resubmitted (21731)": {force: twilioemu.BrandSuspended, code: 21731, http: 400},
		"a brand in deletion cannot be resubmitted (21725)": {
			force: twilioemu.BrandDeletionFailed, code: 21725, http: 400},
		"a FAILED brand goes back to PENDING (202)": {force: twilioemu.BrandFailed},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient()).MessagingV1
			sid := *newBrand(t, primary(emu.HTTPClient())).Sid
			if tc.force != "" {
				if err := emu.ForceBrandStatus(sid, tc.force); err != nil {
					t.Fatal(err)
				}
			}
			got, err := rc.UpdateBrandRegistrations(sid)
			if tc.code != 0 {
				twilioErr(t, err, tc.code, tc.http)
				return
			}
			if err != nil || deref(got.Status) != "PENDING" || len(deref(got.Errors)) != 0 || got.FailureReason != nil {
				t.Fatalf("resubmitted brand = %+v, %v", got, err)
			}
		})
	}
}

func TestResubmittedBrandIsVettedAgainWithTheNewOutcome(t *testing.T) {
	emu := newEmu(t)
	_ = emu.SetBundleOutcome(twilioemu.DefaultCustomerProfile, twilioemu.BrandFailed)
	rc := primary(emu.HTTPClient()).MessagingV1
	sid := *newBrand(t, primary(emu.HTTPClient())).Sid
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	if b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(sid)); deref(b.Status) != "FAILED" {
		t.Fatalf("brand is %s, want FAILED", deref(b.Status))
	}
	_ = emu.SetBundleOutcome(twilioemu.DefaultCustomerProfile, twilioemu.BrandApproved) // the user fixed the profile
	status, _ := call(t, emu.HTTPClient(), http.MethodPost, "/v1/a2p/BrandRegistrations/"+sid, url.Values{})
	if status != http.StatusAccepted {
		t.Fatalf("resubmit answered %d, want 202", status)
	}
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	if b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(sid)); deref(b.Status) != "APPROVED" {
		t.Errorf("resubmitted brand is %s, want APPROVED", deref(b.Status))
	}
}

func TestBrandWithBundlesThatCannotRegisterItFailsWith30793(t *testing.T) {
	other := "BU" + strings.Repeat("e", 32)
	for name, tc := range map[string]struct {
		before    func(*twilioemu.Server)
		cp, tp    string
		wantField string
	}{
		"a customer profile that does not exist": {cp: other, wantField: "customer_profile_bundle_sid"},
		"a trust product given as the customer profile": {
			cp: twilioemu.DefaultTrustProduct, wantField: "customer_profile_bundle_sid"},
		"a customer profile given as the trust product": {
			tp: twilioemu.DefaultCustomerProfile, wantField: "a2p_profile_bundle_sid"},
		"another account's bundle": {cp: twilioemu.SecondCustomerProfile, wantField: "customer_profile_bundle_sid"},
		"a bundle still in review": {
			before: func(e *twilioemu.Server) {
				_ = e.SetBundleStatus(twilioemu.DefaultTrustProduct, twilioemu.BundleInReview)
			},
			wantField: "a2p_profile_bundle_sid"},
		"a rejected bundle": {
			before: func(e *twilioemu.Server) {
				_ = e.SetBundleStatus(twilioemu.DefaultCustomerProfile, twilioemu.BundleTwilioRejected)
			},
			wantField: "customer_profile_bundle_sid"},
		"a bundle approved only after the brand was submitted": {
			before: func(e *twilioemu.Server) {
				_ = e.SetBundleStatus(twilioemu.DefaultCustomerProfile, twilioemu.BundlePendingReview)
			},
			wantField: "customer_profile_bundle_sid"},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			if tc.before != nil {
				tc.before(emu)
			}
			rc := primary(emu.HTTPClient()).MessagingV1
			b, err := rc.CreateBrandRegistrations(new(messaging.CreateBrandRegistrationsParams).
				SetCustomerProfileBundleSid(or(tc.cp, twilioemu.DefaultCustomerProfile)).
				SetA2PProfileBundleSid(or(tc.tp, twilioemu.DefaultTrustProduct)).SetMock(true))
			if err != nil || deref(b.Status) != "PENDING" {
				t.Fatalf("Twilio registers the brand and fails it later, got %+v, %v", b, err)
			}
			// Approving a bundle now does not save a brand submitted before.
			_ = emu.SetBundleStatus(twilioemu.DefaultCustomerProfile, twilioemu.BundleTwilioApproved)
			_ = emu.Advance(twilioemu.DefaultDelays().Brand)
			got := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(*b.Sid))
			errs := deref(got.Errors)
			if deref(got.Status) != "FAILED" || len(errs) != 1 {
				t.Fatalf("brand is %s with errors %v, want FAILED with one error (even mock)", deref(got.Status), errs)
			}
			first, _ := errs[0].(map[string]any)
			if first["error_code"] != float64(30793) || first["fields"].([]any)[0] != tc.wantField ||
				!strings.Contains(deref(got.FailureReason), "Validation problems with connected bundles") {
				t.Errorf("errors = %v, failure_reason %q", errs, deref(got.FailureReason))
			}
		})
	}
}

func TestBrandRegistrationValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		cp, brandType string
	}{
		"a malformed bundle SID is 20001":   {cp: "BU123"},
		"STARTER is not a brand type today": {brandType: "STARTER"},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			p := new(messaging.CreateBrandRegistrationsParams).
				SetCustomerProfileBundleSid(or(tc.cp, twilioemu.DefaultCustomerProfile)).
				SetA2PProfileBundleSid(twilioemu.DefaultTrustProduct)
			if tc.brandType != "" {
				p.SetBrandType(tc.brandType)
			}
			_, err := primary(emu.HTTPClient()).MessagingV1.CreateBrandRegistrations(p)
			twilioErr(t, err, 20001, 400)
			if brands, _ := emu.Brands(""); len(brands) != 0 {
				t.Errorf("a rejected registration left %d brands", len(brands))
			}
		})
	}
}

func TestFixingTheBundlesAndResubmittingRegistersTheBrand(t *testing.T) {
	emu := newEmu(t)
	_ = emu.SetBundleStatus(twilioemu.DefaultTrustProduct, twilioemu.BundleInReview)
	rc := primary(emu.HTTPClient()).MessagingV1
	sid := *newBrand(t, primary(emu.HTTPClient())).Sid
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	_ = emu.SetBundleStatus(twilioemu.DefaultTrustProduct, twilioemu.BundleTwilioApproved)
	if b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.UpdateBrandRegistrations(sid)); deref(b.Status) != "PENDING" {
		t.Fatalf("resubmitted brand is %s", deref(b.Status))
	}
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	if b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(sid)); deref(b.Status) != "APPROVED" {
		t.Errorf("brand is %s with %v after its bundle was approved and it was resubmitted", deref(b.Status), deref(b.Errors))
	}
}

func TestBrandResubmissionsAreCapped(t *testing.T) {
	emu := newEmu(t)
	_ = emu.SetBundleOutcome(twilioemu.DefaultCustomerProfile, twilioemu.BrandFailed)
	rc := primary(emu.HTTPClient()).MessagingV1
	sid := *newBrand(t, primary(emu.HTTPClient())).Sid
	for i := 1; i <= 3; i++ {
		_ = emu.Advance(twilioemu.DefaultDelays().Brand)
		if _, err := rc.UpdateBrandRegistrations(sid); err != nil {
			t.Fatalf("resubmission %d: %v", i, err)
		}
	}
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	_, err := rc.UpdateBrandRegistrations(sid)
	twilioErr(t, err, 21724, 400)
	b := must[twilioemu.Brand](t)(brandOf(emu, sid))
	if b.Status != twilioemu.BrandFailed || b.Resubmissions != 3 {
		t.Errorf("after a refused fourth resubmission the brand is %s with %d resubmissions", b.Status, b.Resubmissions)
	}
}

func TestABrandWithACampaignCannotBeResubmitted(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	mg := *newService(t, rc, "s").Sid
	brand := approvedBrand(t, emu, rc)
	qe := *newCampaign(t, rc, mg, brand).Sid
	_ = emu.ForceBrandStatus(brand, twilioemu.BrandFailed)
	_, err := rc.MessagingV1.UpdateBrandRegistrations(brand)
	twilioErr(t, err, 20409, 409)
	if b := must[twilioemu.Brand](t)(brandOf(emu, brand)); b.Status != twilioemu.BrandFailed || b.Resubmissions != 0 {
		t.Errorf("a refused resubmission changed the brand: %+v", b)
	}
	// Deleting the campaign, as Twilio's guide says, makes the brand editable again.
	if err := rc.MessagingV1.DeleteUsAppToPerson(mg, qe); err != nil {
		t.Fatal(err)
	}
	if b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.UpdateBrandRegistrations(brand)); deref(b.Status) != "PENDING" {
		t.Errorf("brand is %s after its campaign was deleted and it was resubmitted", deref(b.Status))
	}
}

func TestBrandDeletion(t *testing.T) {
	for name, tc := range map[string]struct {
		withCampaign bool
		wantGone     bool
	}{
		"a brand without campaigns is gone once its deletion is done": {wantGone: true},
		"a brand a campaign uses ends DELETION_FAILED":                {withCampaign: true},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			brand := approvedBrand(t, emu, rc)
			if tc.withCampaign {
				newCampaign(t, rc, *newService(t, rc, "s").Sid, brand)
			}
			if err := emu.ForceBrandStatus(brand, twilioemu.BrandDeletionPending); err != nil {
				t.Fatal(err)
			}
			_ = emu.Advance(twilioemu.DefaultDelays().Brand - time.Second)
			if b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.FetchBrandRegistrations(brand)); deref(b.Status) != "DELETION_PENDING" {
				t.Fatalf("brand is %s, want DELETION_PENDING until the deletion is done", deref(b.Status))
			}
			_ = emu.Advance(time.Second)
			b, err := rc.MessagingV1.FetchBrandRegistrations(brand)
			if tc.wantGone {
				twilioErr(t, err, 20404, 404)
				if brands, _ := emu.Brands(""); len(brands) != 0 {
					t.Errorf("brands = %+v", brands)
				}
				return
			}
			if err != nil || deref(b.Status) != "DELETION_FAILED" {
				t.Errorf("brand = %+v, %v; want DELETION_FAILED", b, err)
			}
		})
	}
}

func TestBrandIdentityStatus(t *testing.T) {
	for name, tc := range map[string]struct {
		brandType  string
		skipSecVet bool
		mock       bool
		want       string
	}{
		"a standard brand is secondary-vetted":          {want: "VETTED_VERIFIED"},
		"a standard brand that skips secondary vetting": {skipSecVet: true, want: "VERIFIED"},
		"a mock brand is not vetted":                    {mock: true, want: "VERIFIED"},
		"a sole proprietor is unverified until its OTP": {brandType: "SOLE_PROPRIETOR", want: "UNVERIFIED"},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient()).MessagingV1
			p := new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(twilioemu.DefaultCustomerProfile).
				SetA2PProfileBundleSid(twilioemu.DefaultTrustProduct).SetSkipAutomaticSecVet(tc.skipSecVet).SetMock(tc.mock)
			if tc.brandType != "" {
				p.SetBrandType(tc.brandType).SetCustomerProfileBundleSid(twilioemu.DefaultStarterProfile).
					SetA2PProfileBundleSid(twilioemu.DefaultSoleProprietorTrustProduct)
			}
			b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.CreateBrandRegistrations(p))
			if deref(b.IdentityStatus) != "UNVERIFIED" {
				t.Errorf("a new brand is %s", deref(b.IdentityStatus))
			}
			_ = emu.Advance(twilioemu.DefaultDelays().Brand)
			got := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(*b.Sid))
			if deref(got.Status) != "APPROVED" || deref(got.IdentityStatus) != tc.want {
				t.Errorf("brand is %s, identity %s; want APPROVED, %s", deref(got.Status), deref(got.IdentityStatus), tc.want)
			}
		})
	}
}

// brandOf is one brand of the emulator's state.
func brandOf(emu *twilioemu.Server, sid string) (twilioemu.Brand, error) {
	brands, err := emu.Brands("")
	for _, b := range brands {
		if b.Sid == sid {
			return b, err
		}
	}
	return twilioemu.Brand{}, twilioemu.ErrNotFound
}

func TestBrandRegistrationRequiresBothBundles(t *testing.T) {
	emu := newEmu(t)
	status, body := call(t, emu.HTTPClient(), http.MethodPost, "/v1/a2p/BrandRegistrations",
		url.Values{"CustomerProfileBundleSid": {twilioemu.DefaultCustomerProfile}})
	wantErrorBody(t, status, body, 400, 20001)
	if body["message"] != "Missing required parameter A2PProfileBundleSid in the post body" {
		t.Errorf("message = %q", body["message"])
	}
}

func TestForcedBrandStatus(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient()).MessagingV1
	sid := *newBrand(t, primary(emu.HTTPClient())).Sid
	custom := twilioemu.RegistrationError{Code: 30701, Description: "Invalid input parameters", Fields: []string{"ein"}}
	if err := emu.ForceBrandStatus(sid, twilioemu.BrandFailed, custom); err != nil {
		t.Fatal(err)
	}
	got := must[*messaging.MessagingV1BrandRegistrations](t)(rc.FetchBrandRegistrations(sid))
	wantErrs := []any{map[string]any{"error_code": float64(30701), "description": "Invalid input parameters",
		"fields": []any{"ein"}, "url": "https://www.twilio.com/docs/api/errors/30701"}}
	if diff := cmp.Diff(wantErrs, deref(got.Errors)); diff != "" || deref(got.Status) != "FAILED" {
		t.Errorf("forced FAILED brand %s, errors (-want +got):\n%s", deref(got.Status), diff)
	}
	// Forcing PENDING restarts vetting from now.
	_ = emu.Advance(time.Hour)
	_ = emu.ForceBrandStatus(sid, twilioemu.BrandPending)
	_ = emu.Advance(twilioemu.DefaultDelays().Brand - time.Second)
	if b, _ := rc.FetchBrandRegistrations(sid); deref(b.Status) != "PENDING" {
		t.Errorf("re-pended brand settled early: %s", deref(b.Status))
	}
	_ = emu.Advance(time.Second)
	if b, _ := rc.FetchBrandRegistrations(sid); deref(b.Status) != "APPROVED" {
		t.Errorf("re-pended brand is %s, want APPROVED", deref(b.Status))
	}
	for _, err := range []error{emu.ForceBrandStatus(sid, "GREAT"), emu.ForceBrandStatus("BN00", twilioemu.BrandApproved)} {
		if err == nil {
			t.Error("forcing an unknown status or brand succeeded")
		}
	}
}

func TestBrandOfAnotherAccountIsNotFound(t *testing.T) {
	emu := newEmu(t)
	sid := *newBrand(t, primary(emu.HTTPClient())).Sid
	rc := second(emu.HTTPClient()).MessagingV1
	_, err := rc.FetchBrandRegistrations(sid)
	twilioErr(t, err, 20404, 404)
	_, err = rc.UpdateBrandRegistrations(sid)
	twilioErr(t, err, 20404, 404)
	if listed := must[[]messaging.MessagingV1BrandRegistrations](t)(rc.ListBrandRegistrations(nil)); len(listed) != 0 {
		t.Errorf("the second account lists %d brands", len(listed))
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
