package twilioemu_test

import (
	"slices"
	"testing"

	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestUsecasesPerBrand(t *testing.T) {
	for name, tc := range map[string]struct {
		companyType string
		disallowed  []string
		mock        bool
		fail        bool
		want        int
		offers      []string
		withholds   []string
	}{
		"a private company gets the standard use cases": {want: 17, offers: []string{"MARKETING", "2FA"},
			withholds: []string{"EMERGENCY", "CHARITY", "POLITICAL", "SOLE_PROPRIETOR"}},
		"a government gets EMERGENCY": {companyType: "government", want: 18, offers: []string{"EMERGENCY"},
			withholds: []string{"CHARITY"}},
		"a nonprofit gets CHARITY and POLITICAL": {companyType: "non_profit", want: 19,
			offers: []string{"CHARITY", "POLITICAL"}, withholds: []string{"EMERGENCY"}},
		"a mock brand is offered what its bundles allow": {mock: true, want: 17},
		"a use case withheld from the bundle is not offered": {disallowed: []string{"MARKETING", "MIXED"}, want: 15,
			withholds: []string{"MARKETING", "MIXED"}},
		"a failed brand is offered none": {fail: true, want: 0},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			rc := primary(emu.HTTPClient())
			if err := emu.SetBundleUsecases(twilioemu.DefaultTrustProduct, tc.companyType, tc.disallowed...); err != nil {
				t.Fatal(err)
			}
			if tc.fail {
				_ = emu.SetBundleOutcome(twilioemu.DefaultTrustProduct, twilioemu.BrandFailed)
			}
			b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.CreateBrandRegistrations(
				new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(twilioemu.DefaultCustomerProfile).
					SetA2PProfileBundleSid(twilioemu.DefaultTrustProduct).SetMock(tc.mock && !tc.fail)))
			_ = emu.Advance(twilioemu.DefaultDelays().Brand)
			mg := *newService(t, rc, "svc").Sid
			got := must[*messaging.MessagingV1UsAppToPersonUsecase](t)(rc.MessagingV1.FetchUsAppToPersonUsecase(mg,
				new(messaging.FetchUsAppToPersonUsecaseParams).SetBrandRegistrationSid(*b.Sid)))
			var codes []string
			for _, u := range deref(got.UsAppToPersonUsecases) {
				m := u.(map[string]any)
				codes = append(codes, m["code"].(string))
				if _, ok := m["post_approval_required"].(bool); !ok {
					t.Errorf("%v has no post_approval_required", m)
				}
			}
			if len(codes) != tc.want {
				t.Errorf("offered %d use cases %v, want %d", len(codes), codes, tc.want)
			}
			for _, c := range tc.offers {
				if !slices.Contains(codes, c) {
					t.Errorf("%s is not offered: %v", c, codes)
				}
			}
			for _, c := range tc.withholds {
				if slices.Contains(codes, c) {
					t.Errorf("%s is offered", c)
				}
				if tc.fail || c == "SOLE_PROPRIETOR" {
					continue
				}
				// A use case the brand is not offered is refused, and nothing is created.
				_, err := rc.MessagingV1.CreateUsAppToPerson(mg, campaignParams(*b.Sid).SetUsAppToPersonUsecase(c))
				twilioErr(t, err, 21717, 400)
			}
			if n, _ := emu.Campaigns(""); len(n) != 0 {
				t.Errorf("refused campaigns left %+v", n)
			}
		})
	}
}

func TestUsecasesFollowTheTrustProductsCompanyType(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient())
	cp := secondaryProfile(t, rc, "gov")
	tp := a2pTrustProduct(t, rc, "gov A2P", cp, map[string]any{"company_type": "government"})
	submitProfile(t, rc, cp)
	submitTrustProduct(t, rc, tp)
	reviewed(t, emu)
	b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.CreateBrandRegistrations(
		new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(cp).SetA2PProfileBundleSid(tp)))
	_ = emu.Advance(twilioemu.DefaultDelays().Brand)
	mg := *newService(t, rc, "svc").Sid
	qe := must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.MessagingV1.CreateUsAppToPerson(mg,
		campaignParams(*b.Sid).SetUsAppToPersonUsecase("EMERGENCY")))
	if deref(qe.UsAppToPersonUsecase) != "EMERGENCY" {
		t.Errorf("campaign = %+v", qe)
	}
	if err := emu.SetBundleUsecases(twilioemu.DefaultCustomerProfile, "government"); err == nil {
		t.Error("a customer profile took a company type")
	}
	if err := emu.SetBundleUsecases(tp, "", "NOT_A_USECASE"); err == nil {
		t.Error("an unknown use case was withheld")
	}
}
