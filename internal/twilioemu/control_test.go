package twilioemu_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const (
	thirdAccount = "AC00000000000000000000000000000003"
	thirdToken   = "thirdtoken"
	thirdCP      = "BU000000000000000000000000000c0003"
	thirdTP      = "BU000000000000000000000000000a0003"
)

// TestControl runs the same script against the in-process Server and, over HTTP,
// against the AdminClient: one Control interface, two implementations.
func TestControl(t *testing.T) {
	for name, setup := range map[string]func(t *testing.T) (twilioemu.Control, *http.Client){
		"in-process server": func(t *testing.T) (twilioemu.Control, *http.Client) {
			emu := newEmu(t)
			return emu, emu.HTTPClient()
		},
		"admin client over HTTP": func(t *testing.T) (twilioemu.Control, *http.Client) {
			srv := httptest.NewServer(newEmu(t))
			t.Cleanup(srv.Close)
			rt, _ := twilioemu.RedirectTransport(srv.URL, nil)
			return twilioemu.NewAdminClient(srv.URL, nil), &http.Client{Transport: rt}
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctl, hc := setup(t)
			t.Run("seeding", func(t *testing.T) { controlSeeding(t, ctl, hc) })
			t.Run("vetting", func(t *testing.T) { controlVetting(t, ctl, hc) })
			t.Run("faults and counters", func(t *testing.T) { controlFaults(t, ctl, hc) })
			t.Run("quirks", func(t *testing.T) { controlQuirks(t, ctl, hc) })
			t.Run("trusthub and otp", func(t *testing.T) { controlTrustHub(t, ctl, hc) })
			t.Run("errors", func(t *testing.T) { controlErrors(t, ctl) })
			t.Run("reset", func(t *testing.T) { controlReset(t, ctl) })
		})
	}
}

func controlSeeding(t *testing.T, ctl twilioemu.Control, hc *http.Client) {
	if err := ctl.SeedAccount(twilioemu.AccountSeed{Sid: thirdAccount, AuthToken: thirdToken}); err != nil {
		t.Fatal(err)
	}
	pn := must[string](t)(ctl.SeedPhoneNumber(thirdAccount, "+14155550100"))
	if pn != twilioemu.PhoneNumberSid(thirdAccount, "+14155550100") {
		t.Errorf("seeded PN SID %s is not the stable one", pn)
	}
	for _, b := range []struct {
		sid  string
		kind twilioemu.BundleKind
	}{{thirdCP, twilioemu.CustomerProfile}, {thirdTP, twilioemu.TrustProduct}} {
		if err := ctl.SeedBundle(thirdAccount, b.sid, b.kind, twilioemu.BundleInReview, ""); err != nil {
			t.Fatal(err)
		}
	}
	rc := restClient(hc, thirdAccount, thirdToken, thirdAccount)
	mg := *newService(t, rc, "third").Sid
	must[*messaging.MessagingV1PhoneNumber](t)(addNumber(rc.MessagingV1, mg, pn))
	if pool := must[[]twilioemu.PhoneNumber](t)(ctl.PoolNumbers(mg)); len(pool) != 1 || pool[0].ServiceSid != mg {
		t.Errorf("pool = %+v", pool)
	}
	if err := ctl.PatchService(mg, twilioemu.ServicePatch{StickySender: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if svc := must[twilioemu.Service](t)(ctl.Service(mg)); svc.StickySender || svc.FriendlyName != "third" {
		t.Errorf("patched service = %+v", svc)
	}
	if services := must[[]twilioemu.Service](t)(ctl.Services(thirdAccount)); len(services) != 1 {
		t.Errorf("services = %+v", services)
	}
	if numbers := must[[]twilioemu.PhoneNumber](t)(ctl.PhoneNumbers(thirdAccount)); len(numbers) != 1 {
		t.Errorf("numbers = %+v", numbers)
	}
	// Inbound routing, as the Console would set it.
	if err := ctl.PatchPhoneNumber(pn, twilioemu.PhoneNumberPatch{SMSURL: ptr("https://flex.example.com/sms"),
		SMSMethod: ptr("GET")}); err != nil {
		t.Fatal(err)
	}
	if n := must[[]twilioemu.PhoneNumber](t)(ctl.PhoneNumbers(thirdAccount))[0]; n.SMSURL != "https://flex.example.com/sms" ||
		n.SMSMethod != "GET" {
		t.Errorf("patched number = %+v", n)
	}
	ig := must[string](t)(ctl.SeedAddressConfiguration(thirdAccount, twilioemu.AddressConfigurationSeed{Address: "+14155550100",
		AutoCreation: twilioemu.AutoCreation{Enabled: true, Type: "studio", StudioFlowSid: "FW0123456789abcdef0123456789abcdef"}}))
	again := must[string](t)(ctl.SeedAddressConfiguration(thirdAccount, twilioemu.AddressConfigurationSeed{Address: "+14155550100"}))
	if configs := must[[]twilioemu.AddressConfiguration](t)(ctl.AddressConfigurations(thirdAccount)); len(configs) != 1 ||
		again != ig || configs[0].Sid != ig || configs[0].AutoCreation.Type != "default" {
		t.Errorf("reseeded configuration %s → %s: %+v", ig, again, configs)
	}
	if _, err := ctl.SeedAddressConfiguration(thirdAccount, twilioemu.AddressConfigurationSeed{Address: "+15017122661"}); !errors.Is(err, twilioemu.ErrInvalidSeed) {
		t.Errorf("configuring another account's number: %v", err)
	}
}

func controlVetting(t *testing.T, ctl twilioemu.Control, hc *http.Client) {
	rc := restClient(hc, thirdAccount, thirdToken, thirdAccount).MessagingV1
	brandParams := new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(thirdCP).SetA2PProfileBundleSid(thirdTP)
	// The bundles are still in review: the brand is registered, and fails with 30793.
	unvetted := *must[*messaging.MessagingV1BrandRegistrations](t)(rc.CreateBrandRegistrations(brandParams)).Sid
	for _, sid := range []string{thirdCP, thirdTP} {
		if err := ctl.SetBundleStatus(sid, twilioemu.BundleTwilioApproved); err != nil {
			t.Fatal(err)
		}
	}
	_ = ctl.SetBundleOutcome(thirdCP, twilioemu.BrandFailed)
	_ = ctl.SetDelays(twilioemu.Delays{Brand: time.Minute, CampaignInProgress: time.Minute, Campaign: 2 * time.Minute})
	brand := *must[*messaging.MessagingV1BrandRegistrations](t)(rc.CreateBrandRegistrations(brandParams)).Sid
	before := must[time.Time](t)(ctl.Now())
	_ = ctl.Advance(time.Minute)
	if now := must[time.Time](t)(ctl.Now()); !now.Equal(before.Add(time.Minute)) {
		t.Errorf("Advance(1m) moved the clock from %v to %v", before, now)
	}
	if brands := must[[]twilioemu.Brand](t)(ctl.Brands(thirdAccount)); len(brands) != 2 ||
		brands[0].Sid != unvetted || brands[0].Errors[0].Code != 30793 || brands[1].Status != twilioemu.BrandFailed {
		t.Fatalf("brands = %+v", brands)
	}
	if err := ctl.ForceBrandStatus(brand, twilioemu.BrandApproved); err != nil {
		t.Fatal(err)
	}
	mg := must[[]twilioemu.Service](t)(ctl.Services(thirdAccount))[0].Sid
	_ = ctl.SetCampaignRules(twilioemu.CampaignRule{Substring: "acme support"})
	qe := *newCampaign(t, restClient(hc, thirdAccount, thirdToken, thirdAccount), mg, brand).Sid
	_ = ctl.SetNow(before.Add(time.Hour))
	if c := must[[]twilioemu.Campaign](t)(ctl.Campaigns(thirdAccount)); len(c) != 1 || c[0].Status != twilioemu.CampaignFailed {
		t.Fatalf("campaigns = %+v", c)
	}
	if err := ctl.ForceCampaignStatus(qe, twilioemu.CampaignVerified); err != nil {
		t.Fatal(err)
	}
	if c := must[*messaging.MessagingV1UsAppToPersonResponse](t)(rc.FetchUsAppToPerson(mg, qe, nil)); deref(c.CampaignStatus) != "VERIFIED" {
		t.Errorf("forced campaign is %s", deref(c.CampaignStatus))
	}
	state := must[twilioemu.State](t)(ctl.State())
	if len(state.Accounts) != 3 || len(state.Campaigns) != 1 || state.Delays.Brand != time.Minute || len(state.Rules) != 1 {
		t.Errorf("state = %+v", state)
	}
	if data, _ := json.Marshal(state); strings.Contains(string(data), thirdToken) || strings.Contains(string(data), twilioemu.DefaultAPIKeySecret) {
		t.Error("the state dump shows a credential")
	}
}

func controlQuirks(t *testing.T, ctl twilioemu.Control, hc *http.Client) {
	q := twilioemu.Quirks{BrandListOmitsVetted: true, Fields: []twilioemu.FieldQuirk{
		{Route: "POST /v1/Services/{Sid}", Field: "ScanMessageContent", Mode: twilioemu.QuirkIgnore}}}
	if err := ctl.SetQuirks(q); err != nil {
		t.Fatal(err)
	}
	if got := must[twilioemu.Quirks](t)(ctl.Quirks()); !reflect.DeepEqual(got, q) {
		t.Errorf("Quirks() = %+v, want %+v", got, q)
	}
	rc := primary(hc).MessagingV1
	mg := *newService(t, primary(hc), "quirky").Sid
	got := must[*messaging.MessagingV1Service](t)(rc.UpdateService(mg, new(messaging.UpdateServiceParams).SetScanMessageContent("enable")))
	if deref(got.ScanMessageContent) != "inherit" {
		t.Errorf("an ignored ScanMessageContent was kept: %s", deref(got.ScanMessageContent))
	}
	err := ctl.SetQuirks(twilioemu.Quirks{Fields: []twilioemu.FieldQuirk{{Route: "POST /v1/Nope", Field: "X", Mode: twilioemu.QuirkIgnore}}})
	if !errors.Is(err, twilioemu.ErrInvalidSeed) {
		t.Errorf("an unknown route: %v, want ErrInvalidSeed", err)
	}
	if err := ctl.SetQuirks(twilioemu.Quirks{}); err != nil {
		t.Fatal(err)
	}
	if got := must[twilioemu.Quirks](t)(ctl.Quirks()); len(got.Fields) != 0 || got.BrandListOmitsVetted {
		t.Errorf("cleared quirks = %+v", got)
	}
}

func controlFaults(t *testing.T, ctl twilioemu.Control, hc *http.Client) {
	_ = ctl.ResetCounters()
	rc := primary(hc).MessagingV1
	if err := ctl.SetFaults(twilioemu.Faults{ErrorRate: 1, ErrorStatuses: []int{503}}); err != nil {
		t.Fatal(err)
	}
	_, err := rc.FetchUsecase()
	twilioErr(t, err, 20503, 503)
	_ = ctl.SetPathFaults("GET /v1/Services/Usecases", twilioemu.Faults{})
	must[*messaging.MessagingV1Usecase](t)(rc.FetchUsecase())
	_ = ctl.ClearFaults()
	must[[]messaging.MessagingV1Service](t)(rc.ListService(nil))
	if n := must[int](t)(ctl.Count("GET /v1/Services/Usecases")); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
	if n := must[int](t)(ctl.CountUserAgent("GET /v1/Services", "twilio-go")); n != 1 {
		t.Errorf("CountUserAgent = %d, want 1", n)
	}
	if counts := must[map[string]int](t)(ctl.Counts("no such agent")); len(counts) != 0 {
		t.Errorf("Counts for an unknown agent = %v", counts)
	}
	records := must[[]twilioemu.RequestRecord](t)(ctl.Requests())
	if len(records) != 3 || records[0].Status != 503 || records[0].Code != 20503 || records[2].Route != "GET /v1/Services" {
		t.Errorf("requests = %+v", records)
	}
	_ = ctl.ResetCounters()
	if records := must[[]twilioemu.RequestRecord](t)(ctl.Requests()); len(records) != 0 {
		t.Errorf("requests after reset = %d", len(records))
	}
}

func controlErrors(t *testing.T, ctl twilioemu.Control) {
	for name, tc := range map[string]struct {
		err  error
		want error
	}{
		"forcing an unknown brand":           {ctl.ForceBrandStatus("BN"+strings.Repeat("0", 32), twilioemu.BrandApproved), twilioemu.ErrNotFound},
		"forcing an unknown status":          {ctl.ForceCampaignStatus("QE"+strings.Repeat("0", 32), "DONE"), twilioemu.ErrInvalidSeed},
		"seeding into an unknown account":    {func() error { _, err := ctl.SeedPhoneNumber("AC"+strings.Repeat("7", 32), "+15550001111"); return err }(), twilioemu.ErrUnknownAccount},
		"seeding a number that is not E.164": {func() error { _, err := ctl.SeedPhoneNumber(thirdAccount, "555-0100"); return err }(), twilioemu.ErrInvalidSeed},
		"an unknown service":                 {func() error { _, err := ctl.Service("MG" + strings.Repeat("0", 32)); return err }(), twilioemu.ErrNotFound},
		"a bundle of an unknown kind":        {ctl.SeedBundle(thirdAccount, thirdCP, "passport", "", ""), twilioemu.ErrInvalidSeed},
		"an account SID that is not one":     {ctl.SeedAccount(twilioemu.AccountSeed{Sid: "AC1", AuthToken: "x"}), twilioemu.ErrInvalidSeed},
		"a campaign rule without text":       {ctl.SetCampaignRules(twilioemu.CampaignRule{Code: 1}), twilioemu.ErrInvalidSeed},
		"negative delays":                    {ctl.SetDelays(twilioemu.Delays{Brand: -time.Second}), twilioemu.ErrInvalidSeed},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, tc.err, tc.want)
		}
	}
}

func controlReset(t *testing.T, ctl twilioemu.Control) {
	before := must[time.Time](t)(ctl.Now())
	if err := ctl.Reset(); err != nil {
		t.Fatal(err)
	}
	state := must[twilioemu.State](t)(ctl.State())
	if len(state.Accounts) != 2 || len(state.Services) != 0 || len(state.Brands) != 0 || len(state.PhoneNumbers) != 6 ||
		state.Delays != twilioemu.DefaultDelays() || len(state.Rules) != 0 {
		t.Errorf("state after reset = %+v", state)
	}
	if now := must[time.Time](t)(ctl.Now()); now.Before(before) {
		t.Errorf("reset moved the clock back from %v to %v", before, now)
	}
}

func TestAdminAPI(t *testing.T) {
	emu := newEmu(t)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	get := func(path string) (int, []byte) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf strings.Builder
		_, _ = io.Copy(&buf, resp.Body)
		return resp.StatusCode, []byte(buf.String())
	}
	status, body := get("/__emulator/routes")
	var routes []twilioemu.Route
	if err := json.Unmarshal(body, &routes); status != 200 || err != nil || len(routes) != len(twilioemu.Routes()) {
		t.Errorf("routes: HTTP %d, %d routes, %v", status, len(routes), err)
	}
	if status, _ := get("/__emulator/nothing"); status != 404 {
		t.Errorf("an unknown admin path answered %d", status)
	}
	if counts, _ := emu.Counts(""); len(counts) != 0 {
		t.Errorf("admin requests were counted as Twilio requests: %v", counts)
	}
	resp, err := http.Post(srv.URL+"/__emulator/clock", "application/json", strings.NewReader(`{"advance":"1h"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if now, _ := emu.Now(); !now.Equal(epoch.Add(time.Hour)) {
		t.Errorf("clock after advancing 1h = %v", now)
	}
	resp, err = http.Post(srv.URL+"/__emulator/seed", "application/json", strings.NewReader(`{"accounts":[{"sid":"AC1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("an invalid seed answered %d", resp.StatusCode)
	}
}

func controlTrustHub(t *testing.T, ctl twilioemu.Control, hc *http.Client) {
	rc := primary(hc)
	cp := secondaryProfile(t, rc, "control")
	if err := ctl.SetBundleReviewOutcome(cp, twilioemu.BundleTwilioRejected, 18603); err != nil {
		t.Fatal(err)
	}
	submitProfile(t, rc, cp)
	d := twilioemu.DefaultDelays()
	_ = ctl.SetDelays(d)
	_ = ctl.Advance(d.BundleReview + d.BundleApproval)
	th := must[twilioemu.TrustHub](t)(ctl.TrustHub(twilioemu.DefaultAccountSid))
	i := slices.IndexFunc(th.Bundles, func(b twilioemu.Bundle) bool { return b.Sid == cp })
	if i < 0 || th.Bundles[i].Status != twilioemu.BundleTwilioRejected || !slices.Equal(th.Bundles[i].Errors, []int{18603}) ||
		len(th.EndUsers) != 2 || len(th.Assignments) != 4 {
		t.Fatalf("TrustHub = %+v", th)
	}
	if err := ctl.SetBundleUsecases(twilioemu.DefaultSoleProprietorTrustProduct, "", "SOLE_PROPRIETOR"); err != nil {
		t.Fatal(err)
	}
	b := must[*messaging.MessagingV1BrandRegistrations](t)(rc.MessagingV1.CreateBrandRegistrations(
		new(messaging.CreateBrandRegistrationsParams).SetCustomerProfileBundleSid(twilioemu.DefaultStarterProfile).
			SetA2PProfileBundleSid(twilioemu.DefaultSoleProprietorTrustProduct).SetBrandType("SOLE_PROPRIETOR")))
	_ = ctl.Advance(d.Brand)
	if err := ctl.RejectBrandOTP(*b.Sid); err != nil {
		t.Fatal(err)
	}
	if err := ctl.CompleteBrandOTP(*b.Sid); !errors.Is(err, twilioemu.ErrConflict) {
		t.Errorf("confirming a refused OTP: %v", err)
	}
	must[*messaging.MessagingV1BrandRegistrationOtp](t)(rc.MessagingV1.CreateBrandRegistrationOtp(*b.Sid))
	if err := ctl.CompleteBrandOTP(*b.Sid); err != nil {
		t.Fatal(err)
	}
	brands := must[[]twilioemu.Brand](t)(ctl.Brands(twilioemu.DefaultAccountSid))
	if last := brands[len(brands)-1]; last.IdentityStatus != "VERIFIED" || last.OTP.Sends != 2 || !last.OTP.Verified {
		t.Errorf("brand after its OTP = %+v", last)
	}
}
