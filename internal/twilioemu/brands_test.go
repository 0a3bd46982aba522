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
		if deref(got.Status) != "APPROVED" || deref(got.IdentityStatus) != "VERIFIED" ||
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
		"a SUSPENDED brand cannot be resubmitted (21725)": {force: twilioemu.BrandSuspended, code: 21725, http: 400},
		"a FAILED brand goes back to PENDING (202)":       {force: twilioemu.BrandFailed},
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

func TestBrandNeedsApprovedBundlesOfTheAccount(t *testing.T) {
	other := "BU" + strings.Repeat("e", 32)
	for name, tc := range map[string]struct {
		before     func(*twilioemu.Server)
		cp, tp     string
		brandType  string
		code, http int
	}{
		"a customer profile that does not exist is 30793": {cp: other, code: 30793, http: 400},
		"a trust product given as the customer profile is 30793": {
			cp: twilioemu.DefaultTrustProduct, code: 30793, http: 400},
		"another account's bundle is 30793": {cp: twilioemu.SecondCustomerProfile, code: 30793, http: 400},
		"a bundle still in review is 30793": {
			before: func(e *twilioemu.Server) {
				_ = e.SetBundleStatus(twilioemu.DefaultTrustProduct, twilioemu.BundleInReview)
			},
			code: 30793, http: 400},
		"a rejected bundle is 30793": {
			before: func(e *twilioemu.Server) {
				_ = e.SetBundleStatus(twilioemu.DefaultCustomerProfile, twilioemu.BundleTwilioRejected)
			},
			code: 30793, http: 400},
		"a malformed bundle SID is 20001":   {cp: "BU123", code: 20001, http: 400},
		"STARTER is not a brand type today": {brandType: "STARTER", code: 20001, http: 400},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			if tc.before != nil {
				tc.before(emu)
			}
			p := new(messaging.CreateBrandRegistrationsParams).
				SetCustomerProfileBundleSid(or(tc.cp, twilioemu.DefaultCustomerProfile)).
				SetA2PProfileBundleSid(or(tc.tp, twilioemu.DefaultTrustProduct))
			if tc.brandType != "" {
				p.SetBrandType(tc.brandType)
			}
			_, err := primary(emu.HTTPClient()).MessagingV1.CreateBrandRegistrations(p)
			twilioErr(t, err, tc.code, tc.http)
			if brands, _ := emu.Brands(""); len(brands) != 0 {
				t.Errorf("a rejected registration left %d brands", len(brands))
			}
		})
	}
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
