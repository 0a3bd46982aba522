package twilio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const account = twilioemu.DefaultAccountSid

// newClient serves the emulator over real HTTP under a path prefix, as a recording
// proxy would, and returns a port client pointed at it with --twilio-api-url.
func newClient(t *testing.T) (twilio.Client, *twilioemu.Server, *prometheus.Registry) {
	t.Helper()
	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()))
	server := httptest.NewServer(http.StripPrefix("/proxy", emu))
	t.Cleanup(server.Close)
	reg := prometheus.NewRegistry()
	conn, err := twilio.NewConnector(twilio.Config{BaseURL: server.URL + "/proxy", Registerer: reg, UserAgent: "port-test",
		Limits: twilio.Limits{RegistrationWriteInterval: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := conn.Client(twilio.Credentials{AccountSID: account, AuthToken: twilioemu.DefaultAuthToken})
	if err != nil {
		t.Fatal(err)
	}
	return c, emu, reg
}

// must returns v, or fails the test (by panicking) when err is set.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestPortAgainstTheEmulator(t *testing.T) {
	ctx := context.Background()
	c, emu, reg := newClient(t)
	name, yes := "Support", true

	svc := must(c.CreateService(ctx, twilio.ServiceParams{FriendlyName: &name, StickySender: &yes}))
	if !strings.HasPrefix(svc.SID, "MG") || svc.FriendlyName != name || !svc.StickySender || svc.AccountSID != account {
		t.Errorf("created service = %+v", svc)
	}
	renamed := "Support (Flex)"
	if got := must(c.UpdateService(ctx, svc.SID, twilio.ServiceParams{FriendlyName: &renamed})); got.FriendlyName != renamed || !got.StickySender {
		t.Errorf("update must change only what is sent: %+v", got)
	}
	if got := must(c.FetchService(ctx, svc.SID)); got.FriendlyName != renamed || got.DateCreated.IsZero() {
		t.Errorf("fetched service = %+v", got)
	}
	if list := must(c.ListServices(ctx)); len(list) != 1 || list[0].SID != svc.SID {
		t.Errorf("listed services = %+v", list)
	}

	n := must(c.FindIncomingNumber(ctx, "+15017122661"))
	if n.SID != twilioemu.PhoneNumberSid(account, "+15017122661") {
		t.Errorf("number = %+v", n)
	}
	if _, err := c.FindIncomingNumber(ctx, "+1501712266"); !twilio.IsNotFound(err) {
		t.Errorf("a partial match is not the number: err = %v", err)
	}
	if got := must(c.FetchIncomingNumber(ctx, n.SID)); got.PhoneNumber != "+15017122661" {
		t.Errorf("fetched number = %+v", got)
	}
	if err := c.AddPoolNumber(ctx, svc.SID, n.SID); err != nil {
		t.Fatal(err)
	}
	if err := c.AddPoolNumber(ctx, svc.SID, n.SID); err != nil {
		t.Errorf("21710 (already in this service) must be success, got %v", err)
	}
	if pool := must(c.ListPoolNumbers(ctx, svc.SID)); len(pool) != 1 || pool[0].PhoneNumber != "+15017122661" {
		t.Errorf("pool = %+v", pool)
	}
	if err := c.RemovePoolNumber(ctx, svc.SID, n.SID); err != nil {
		t.Fatal(err)
	}

	if b := must(c.FetchCustomerProfile(ctx, twilioemu.DefaultCustomerProfile)); b.Status != twilio.BundleApproved {
		t.Errorf("customer profile = %+v", b)
	}
	if b := must(c.FetchTrustProduct(ctx, twilioemu.DefaultTrustProduct)); b.Status != twilio.BundleApproved {
		t.Errorf("trust product = %+v", b)
	}
	brand := must(c.CreateBrand(ctx, twilio.BrandParams{CustomerProfileBundleSID: twilioemu.DefaultCustomerProfile,
		A2PProfileBundleSID: twilioemu.DefaultTrustProduct, BrandType: "STANDARD"}))
	if brand.Status != twilio.BrandPending || brand.A2PProfileBundleSID != twilioemu.DefaultTrustProduct {
		t.Errorf("brand = %+v", brand)
	}
	if _, err := c.ResubmitBrand(ctx, brand.SID); twilio.CodeOf(err) != twilio.CodeBrandNotResubmittable {
		t.Errorf("resubmitting a PENDING brand: want 21725, got %v", err)
	}
	if _, err := c.CreateCampaign(ctx, svc.SID, campaign(brand.SID)); twilio.CodeOf(err) != twilio.CodeBrandNotApproved {
		t.Errorf("a campaign on a PENDING brand: want 21717, got %v", err)
	}
	if err := emu.ForceBrandStatus(brand.SID, twilioemu.BrandApproved); err != nil {
		t.Fatal(err)
	}
	if got := must(c.FetchBrand(ctx, brand.SID)); got.Status != twilio.BrandApproved {
		t.Errorf("brand = %+v", got)
	}
	if list := must(c.ListBrands(ctx)); len(list) != 1 {
		t.Errorf("brands = %+v", list)
	}
	camp := must(c.CreateCampaign(ctx, svc.SID, campaign(brand.SID)))
	if _, err := c.CreateCampaign(ctx, svc.SID, campaign(brand.SID)); twilio.ClassOf(err) != twilio.ClassUser {
		t.Errorf("a second campaign on a service: want a user error, got %v", err)
	}
	_, err := c.UpdateCampaign(ctx, svc.SID, camp.SID, twilio.CampaignUpdate{
		Description: camp.Description + " Updated.", MessageFlow: camp.MessageFlow, MessageSamples: camp.MessageSamples})
	if twilio.CodeOf(err) != twilio.CodeConflictingState || twilio.ClassOf(err) != twilio.ClassUser {
		t.Errorf("editing a campaign in vetting: want 20409, a user error, got %v", err)
	}
	if err := emu.ForceCampaignStatus(camp.SID, twilioemu.CampaignVerified); err != nil {
		t.Fatal(err)
	}
	updated := must(c.UpdateCampaign(ctx, svc.SID, camp.SID, twilio.CampaignUpdate{
		Description: camp.Description + " Updated.", MessageFlow: camp.MessageFlow, MessageSamples: camp.MessageSamples}))
	if !strings.HasSuffix(updated.Description, "Updated.") {
		t.Errorf("updated campaign = %+v", updated)
	}
	if list := must(c.ListCampaigns(ctx, svc.SID)); len(list) != 1 || list[0].SID != camp.SID {
		t.Errorf("campaigns = %+v", list)
	}
	if err := emu.ForceCampaignStatus(camp.SID, twilioemu.CampaignFailed, twilioemu.RegistrationError{
		Code: 30897, Description: "Disallowed content", Fields: []string{"MESSAGE_FLOW"}}); err != nil {
		t.Fatal(err)
	}
	failed := must(c.FetchCampaign(ctx, svc.SID, camp.SID))
	if failed.Status != twilio.CampaignFailed || len(failed.Errors) != 1 || failed.Errors[0].Code != 30897 || failed.Errors[0].Fields[0] != "MESSAGE_FLOW" {
		t.Errorf("failed campaign = %+v", failed)
	}
	if err := c.DeleteCampaign(ctx, svc.SID, camp.SID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteService(ctx, svc.SID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FetchService(ctx, svc.SID); !twilio.IsNotFound(err) {
		t.Errorf("a deleted service is not found: %v", err)
	}

	// Metrics are labelled by path template, never by SID.
	if got := requests(t, reg, "POST", "/v1/Services/{ServiceSid}/PhoneNumbers", "409"); got != 1 {
		t.Errorf("21710 answers counted under their template = %v, want 1", got)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), svc.SID) || strings.Contains(l.GetValue(), "PN") && len(l.GetValue()) == 34 {
					t.Errorf("metric %s has a SID label: %s=%s", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
	if n, _ := emu.CountUserAgent("POST /v1/Services", "port-test"); n != 1 {
		t.Errorf("requests carry the User-Agent; counted %d", n)
	}
}

// requests reads twilio_requests_total for one set of labels.
func requests(t *testing.T, reg *prometheus.Registry, method, endpoint, code string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if f.GetName() == "twilio_requests_total" && labels["method"] == method && labels["endpoint"] == endpoint && labels["code"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func campaign(brandSID string) twilio.CampaignParams {
	return twilio.CampaignParams{
		BrandRegistrationSID: brandSID, Usecase: "CUSTOMER_CARE",
		Description:    "Acme support agents answer customer questions about existing orders by SMS.",
		MessageFlow:    "Customers opt in by texting our support number or ticking the SMS box on acme.example/support.",
		MessageSamples: []string{"Hi Sam, this is Acme support. Your part ships today.", "Acme: ticket 4821 is resolved. Reply STOP to opt out."},
	}
}

func TestAuthAndTransportErrorsAreClassified(t *testing.T) {
	ctx := context.Background()
	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()))
	conn, _ := twilio.NewConnector(twilio.Config{Transport: emu.Transport()})
	bad, _ := conn.Client(twilio.Credentials{AccountSID: account, AuthToken: "wrong"})
	if _, err := bad.ListServices(ctx); twilio.ClassOf(err) != twilio.ClassAuth || twilio.CodeOf(err) != twilio.CodeAuthenticate {
		t.Errorf("a wrong token: want auth/20003, got %v", err)
	}
	if _, err := conn.Client(twilio.Credentials{AccountSID: "ACnope", AuthToken: "x"}); twilio.ClassOf(err) != twilio.ClassAuth {
		t.Errorf("a malformed account SID is an auth error before any request, got %v", err)
	}
	good, _ := conn.Client(twilio.Credentials{AccountSID: account, AuthToken: twilioemu.DefaultAuthToken})
	if err := emu.SetPathFaults("POST /v1/Services", twilioemu.Faults{DropNextWrites: 1}); err != nil {
		t.Fatal(err)
	}
	name := "dropped"
	if _, err := good.CreateService(ctx, twilio.ServiceParams{FriendlyName: &name}); twilio.ClassOf(err) != twilio.ClassTransient {
		t.Errorf("a dropped response is transient, got %v", err)
	}
	if err := emu.SetFaults(twilioemu.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := good.ListServices(ctx); twilio.ClassOf(err) != twilio.ClassTransient || twilio.CodeOf(err) < 20500 {
		t.Errorf("a 5xx is transient, got %v", err)
	}
	ctxCancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := good.ListServices(ctxCancelled); err == nil {
		t.Error("a cancelled context stops the call")
	}
}

// The inbound routing reads: every number of the account with its own routing, and the
// account's sms address configurations, read to the end across pages.
func TestPortListsInboundRoutes(t *testing.T) {
	ctx := context.Background()
	c, emu, reg := newClient(t)
	webhook, app := "https://hooks.example.com/sms", "AP0123456789abcdef0123456789abcdef"
	first, second := twilioemu.PhoneNumberSid(account, "+15017122661"), twilioemu.PhoneNumberSid(account, "+15017122662")
	if err := emu.PatchPhoneNumber(first, twilioemu.PhoneNumberPatch{SMSURL: &webhook}); err != nil {
		t.Fatal(err)
	}
	if err := emu.PatchPhoneNumber(second, twilioemu.PhoneNumberPatch{SMSApplicationSid: &app}); err != nil {
		t.Fatal(err)
	}
	numbers := map[string]twilio.IncomingNumber{}
	for _, n := range must(c.ListIncomingNumbers(ctx)) {
		numbers[n.SID] = n
	}
	if len(numbers) != 3 || numbers[first].SMSURL != webhook || numbers[second].SMSApplicationSID != app ||
		numbers[second].SMSURL != "" || numbers[first].PhoneNumber != "+15017122661" {
		t.Errorf("numbers = %+v", numbers)
	}

	// More address configurations than one page holds (50): all of them are read.
	var want []string
	for i := range 55 {
		number := fmt.Sprintf("+1202555%04d", i)
		if _, err := emu.SeedPhoneNumber(account, number); err != nil {
			t.Fatal(err)
		}
		if _, err := emu.SeedAddressConfiguration(account, twilioemu.AddressConfigurationSeed{Address: number}); err != nil {
			t.Fatal(err)
		}
		want = append(want, number)
	}
	var got []string
	for _, a := range must(c.ListAddressConfigurations(ctx)) {
		if !strings.HasPrefix(a.SID, "IG") || a.Type != "sms" {
			t.Errorf("address configuration = %+v", a)
		}
		got = append(got, a.Address)
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("addresses = %v, want %v", got, want)
	}
	if n := requests(t, reg, "GET", "/v1/Configuration/Addresses", "200"); n != 2 {
		t.Errorf("the addresses take 2 pages of 50, counted under their template; got %v requests", n)
	}
}
