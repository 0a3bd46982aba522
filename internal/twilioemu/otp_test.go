package twilioemu_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// soleProprietorBrand registers an approved SOLE_PROPRIETOR brand on the seeded
// sole proprietor bundles.
func soleProprietorBrand(t testing.TB, emu *twilioemu.Server, rc *twilio.RestClient) string {
	t.Helper()
	b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.CreateBrandRegistrations(
		new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(twilioemu.DefaultStarterProfile).
			SetA2PProfileBundleSid(twilioemu.DefaultSoleProprietorTrustProduct).SetBrandType("SOLE_PROPRIETOR")))
	if err := emu.Advance(twilioemu.DefaultDelays().Brand); err != nil {
		t.Fatal(err)
	}
	return *b.Sid
}

func brandErrorCodes(b *messaging.MessagingV1BrandRegistrations) []float64 {
	var codes []float64
	for _, e := range deref(b.Errors) {
		codes = append(codes, e.(map[string]any)["error_code"].(float64))
	}
	return codes
}

func TestSoleProprietorOTPThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc)
		// The ISV builds the sole proprietor's bundles: the OTP goes to the mobile
		// number of its trust product's sole_proprietor_information.
		starter := newProfile(t, rc, "Ada starter", twilioemu.StarterProfilePolicy)
		assignToProfile(t, rc, starter, newEndUser(t, rc, "starter_customer_profile_information", starterInfo),
			newAddressDocument(t, rc), twilioemu.DefaultPrimaryProfile)
		tp := newTrustProduct(t, rc, "Ada A2P", twilioemu.SoleProprietorTrustProductPolicy)
		assignToTrustProduct(t, rc, tp, newEndUser(t, rc, "sole_proprietor_information", soleProp), starter)
		submitProfile(t, rc, starter)
		submitTrustProduct(t, rc, tp)
		reviewed(t, emu)
		b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.CreateBrandRegistrations(
			new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(starter).
				SetA2PProfileBundleSid(tp).SetBrandType("SOLE_PROPRIETOR")))
		_ = emu.Advance(twilioemu.DefaultDelays().Brand)
		got := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.FetchBrandRegistrations(*b.Sid))
		if deref(got.Status) != "APPROVED" || deref(got.IdentityStatus) != "UNVERIFIED" || len(deref(got.Errors)) != 0 {
			t.Fatalf("approved sole proprietor = %s %s %v", deref(got.Status), deref(got.IdentityStatus), deref(got.Errors))
		}
		brand := must[[]twilioemu.Brand](t)(emu.Brands(twilioemu.DefaultAccountSid))[0]
		if brand.OTP.SentTo != "+15017129999" || brand.OTP.Sends != 1 ||
			!brand.OTP.ExpiresAt.Equal(brand.OTP.SentAt.Add(24*time.Hour)) {
			t.Fatalf("OTP = %+v", brand.OTP)
		}
		// Nobody answers for 24 hours: 30752, still APPROVED and UNVERIFIED.
		_ = emu.Advance(24 * time.Hour)
		got = must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.FetchBrandRegistrations(*b.Sid))
		if deref(got.Status) != "APPROVED" || deref(got.IdentityStatus) != "UNVERIFIED" ||
			len(brandErrorCodes(got)) != 1 || brandErrorCodes(got)[0] != 30752 {
			t.Fatalf("expired OTP: %s %s %v", deref(got.Status), deref(got.IdentityStatus), brandErrorCodes(got))
		}
		if err := emu.CompleteBrandOTP(*b.Sid); err == nil {
			t.Fatal("an expired OTP was confirmed")
		}
		// A new OTP clears the error and restarts the expiry.
		otp := must[*messaging.MessagingV1BrandRegistrationOtp](t)(rc.MessagingV1.CreateBrandRegistrationOtp(*b.Sid))
		if deref(otp.BrandRegistrationSid) != *b.Sid || deref(otp.AccountSid) != twilioemu.DefaultAccountSid {
			t.Errorf("OTP resource = %+v", otp)
		}
		got = must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.FetchBrandRegistrations(*b.Sid))
		if len(deref(got.Errors)) != 0 {
			t.Errorf("after a new OTP the brand reports %v", brandErrorCodes(got))
		}
		_ = emu.Advance(23 * time.Hour)
		if err := emu.CompleteBrandOTP(*b.Sid); err != nil {
			t.Fatal(err)
		}
		got = must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.FetchBrandRegistrations(*b.Sid))
		if deref(got.IdentityStatus) != "VERIFIED" || len(deref(got.Errors)) != 0 {
			t.Errorf("confirmed: %s %v", deref(got.IdentityStatus), brandErrorCodes(got))
		}
		if n, _ := emu.Count("POST /v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp"); n != 1 {
			t.Errorf("counted %d OTP requests", n)
		}
		_, err := rc.MessagingV1.CreateBrandRegistrationOtp(*b.Sid)
		twilioErr(t, err, 20409, 409) // already VERIFIED
	})
}

func TestBrandOTPRules(t *testing.T) {
	for name, tc := range map[string]struct {
		brand      func(t *testing.T, emu *twilioemu.Server, rc *twilio.RestClient) string
		code, http int
	}{
		"a standard brand has no OTP (20001)": {brand: func(t *testing.T, emu *twilioemu.Server, rc *twilio.RestClient) string {
			return approvedBrand(t, emu, rc)
		}, code: 20001, http: 400},
		"a pending sole proprietor brand has no OTP yet (20409)": {brand: func(t *testing.T, _ *twilioemu.Server, rc *twilio.RestClient) string {
			return *must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.CreateBrandRegistrations(
				new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(twilioemu.DefaultStarterProfile).
					SetA2PProfileBundleSid(twilioemu.DefaultSoleProprietorTrustProduct).SetBrandType("SOLE_PROPRIETOR"))).Sid
		}, code: 20409, http: 409},
		"another account's brand is not found (20404)": {brand: func(t *testing.T, emu *twilioemu.Server, _ *twilio.RestClient) string {
			return soleProprietorBrand(t, emu, second(emu.HTTPClient()))
		}, code: 20404, http: 404},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			_, err := rc.MessagingV1.CreateBrandRegistrationOtp(tc.brand(t, emu, rc))
			twilioErr(t, err, tc.code, tc.http)
		})
	}
	emu := newEmu(t)
	sole := soleProprietorBrand(t, emu, primary(emu.HTTPClient()))
	if err := emu.RejectBrandOTP(sole); err != nil {
		t.Fatal(err)
	}
	if b := must[[]twilioemu.Brand](t)(emu.Brands(""))[0]; b.Errors[0].Code != 30752 || b.IdentityStatus != "UNVERIFIED" {
		t.Errorf("refused OTP: %+v", b)
	}
	for name, err := range map[string]error{
		"confirming a refused OTP":    emu.CompleteBrandOTP(sole),
		"confirming an unknown brand": emu.CompleteBrandOTP("BN00000000000000000000000000000000"),
	} {
		if err == nil {
			t.Errorf("%s was accepted", name)
		}
	}
}

func TestSoleProprietorCampaignLimits(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	sole := soleProprietorBrand(t, emu, rc)
	mg := *newService(t, rc, "sole").Sid
	must[*messaging.MessagingV1PhoneNumber](t)(addNumber(rc.MessagingV1, mg, number1))
	must[*messaging.MessagingV1PhoneNumber](t)(addNumber(rc.MessagingV1, mg, number2))
	params := func() *messaging.CreateUsAppToPersonParams {
		return campaignParams(sole).SetUsAppToPersonUsecase("SOLE_PROPRIETOR")
	}
	// The service of a sole proprietor campaign holds one number.
	_, err := rc.MessagingV1.CreateUsAppToPerson(mg, params())
	twilioErr(t, err, 21714, 400)
	if err := rc.MessagingV1.DeletePhoneNumber(mg, number2); err != nil {
		t.Fatal(err)
	}
	_, err = rc.MessagingV1.CreateUsAppToPerson(mg, campaignParams(sole))
	twilioErr(t, err, 21717, 400) // only the SOLE_PROPRIETOR use case
	// Submitted before the OTP is confirmed: accepted, then FAILED with 30991.
	qe := must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.CreateUsAppToPerson(mg, params()))
	_, err = addNumber(rc.MessagingV1, mg, number2)
	twilioErr(t, err, 21714, 400)
	other := *newService(t, rc, "other").Sid
	_, err = rc.MessagingV1.CreateUsAppToPerson(other, params())
	twilioErr(t, err, 20001, 400) // one campaign per sole proprietor brand
	_ = emu.Advance(time.Second)
	_ = emu.CompleteBrandOTP(sole) // too late for the campaign already submitted
	_ = emu.Advance(twilioemu.DefaultDelays().Campaign)
	c := must[[]twilioemu.Campaign](t)(emu.Campaigns(""))
	if len(c) != 1 || c[0].Sid != deref(qe.Sid) || c[0].Status != twilioemu.CampaignFailed || c[0].Errors[0].Code != 30991 {
		t.Fatalf("campaign of an unverified brand = %+v", c)
	}
	// Resubmitted once the brand is VERIFIED, it is verified.
	if err := rc.MessagingV1.DeleteUsAppToPerson(mg, c[0].Sid); err != nil {
		t.Fatal(err)
	}
	must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.CreateUsAppToPerson(mg, params()))
	_ = emu.Advance(twilioemu.DefaultDelays().Campaign)
	if c := must[[]twilioemu.Campaign](t)(emu.Campaigns("")); c[0].Status != twilioemu.CampaignVerified {
		t.Errorf("campaign of a verified brand = %+v", c[0])
	}
}
