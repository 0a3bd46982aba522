package v1alpha1_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

const (
	samplesDir      = "../../config/samples"
	msgsvcSample    = "messaging_v1alpha1_messagingservice.yaml"
	a2pSample       = "messaging_v1alpha1_a2pregistration.yaml"
	bundleSID       = "BU0123456789abcdef0123456789abcdef"
	messagingSvcSID = "MG0123456789abcdef0123456789abcdef"
)

// edit changes one unstructured object before it is sent to the API server.
type edit func(u *unstructured.Unstructured)

func set(value any, path ...string) edit {
	return func(u *unstructured.Unstructured) {
		if err := unstructured.SetNestedField(u.Object, value, path...); err != nil {
			panic(err)
		}
	}
}

func del(path ...string) edit {
	return func(u *unstructured.Unstructured) { unstructured.RemoveNestedField(u.Object, path...) }
}

// setCampaign changes one field of the first campaign of the A2PRegistration sample.
func setCampaign(field string, value any) edit {
	return func(u *unstructured.Unstructured) {
		campaigns, _, _ := unstructured.NestedSlice(u.Object, "spec", "campaigns")
		campaign := campaigns[0].(map[string]any)
		if value == nil {
			delete(campaign, field)
		} else {
			campaign[field] = value
		}
		_ = unstructured.SetNestedSlice(u.Object, campaigns, "spec", "campaigns")
	}
}

// addCampaign appends a copy of the first campaign, edited.
func addCampaign(field string, value any) edit {
	return func(u *unstructured.Unstructured) {
		campaigns, _, _ := unstructured.NestedSlice(u.Object, "spec", "campaigns")
		second := runtimeDeepCopy(campaigns[0].(map[string]any))
		if field != "" {
			second[field] = value
		}
		_ = unstructured.SetNestedSlice(u.Object, append(campaigns, second), "spec", "campaigns")
	}
}

func runtimeDeepCopy(m map[string]any) map[string]any {
	return (&unstructured.Unstructured{Object: m}).DeepCopy().Object
}

// samples returns n distinct message samples of a valid length.
func samples(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("Acme support sample message number %d.", i)
	}
	return out
}

// numbers returns n distinct valid E.164 numbers.
func numbers(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("+1501700%04d", i)
	}
	return out
}

func loadSample(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

// newNamespace creates a namespace of its own for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "admission-"}}
	if err := k8sClient.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// invalidFields returns the field paths an Invalid error names.
func invalidFields(err error) []string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return nil
	}
	var fields []string
	for _, c := range status.Status().Details.Causes {
		fields = append(fields, c.Field)
	}
	return fields
}

func TestSamplesAreAccepted(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	entries, err := os.ReadDir(samplesDir)
	g.Expect(err).NotTo(HaveOccurred())
	created := 0
	for _, e := range entries {
		if e.Name() == "kustomization.yaml" {
			continue
		}
		u := loadSample(t, e.Name())
		u.SetNamespace(ns)
		g.Expect(k8sClient.Create(context.Background(), u)).To(Succeed(), e.Name())
		created++
	}
	g.Expect(created).To(Equal(2), "one sample of each kind")
}

func TestDefaultsAreApplied(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)

	ms := &v1alpha1.MessagingService{
		ObjectMeta: metav1.ObjectMeta{Name: "minimal", Namespace: ns},
		Spec:       v1alpha1.MessagingServiceSpec{FriendlyName: "Minimal"},
	}
	g.Expect(k8sClient.Create(ctx, ms)).To(Succeed())
	g.Expect(ms.Spec.UseInboundWebhookOnNumber).To(HaveValue(BeTrue()))
	g.Expect(ms.Spec.DeletionPolicy).To(Equal(v1alpha1.DeletionPolicyDelete))
	g.Expect(ms.Spec.ManagementPolicy).To(Equal(v1alpha1.ManagementPolicyManage))
	g.Expect(ms.Spec.CredentialsRef.Name).To(Equal("twilio-credentials"))
	g.Expect(ms.Spec.PhoneNumbers).To(BeNil(), "omitted phoneNumbers stay unmanaged")
	g.Expect(ms.Spec.InboundRequestURL).To(BeNil(), "optional fields are not defaulted")

	off := false
	empty := &v1alpha1.MessagingService{
		ObjectMeta: metav1.ObjectMeta{Name: "empty-pool", Namespace: ns},
		Spec: v1alpha1.MessagingServiceSpec{
			FriendlyName: "Empty pool", PhoneNumbers: []string{}, UseInboundWebhookOnNumber: &off,
		},
	}
	g.Expect(k8sClient.Create(ctx, empty)).To(Succeed())
	g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(empty), empty)).To(Succeed())
	g.Expect(empty.Spec.PhoneNumbers).To(And(Not(BeNil()), BeEmpty()), "[] means exactly none and must survive")
	g.Expect(empty.Spec.UseInboundWebhookOnNumber).To(HaveValue(BeFalse()), "an explicit false is kept")

	a2p := &v1alpha1.A2PRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: "minimal", Namespace: ns},
		Spec: v1alpha1.A2PRegistrationSpec{Brand: v1alpha1.BrandSpec{
			CustomerProfileBundleSID: bundleSID, A2PProfileBundleSID: bundleSID,
		}},
	}
	g.Expect(k8sClient.Create(ctx, a2p)).To(Succeed())
	g.Expect(a2p.Spec.Brand.BrandType).To(Equal(v1alpha1.BrandTypeStandard))
	g.Expect(a2p.Spec.DeletionPolicy).To(Equal(v1alpha1.DeletionPolicyOrphan))
	g.Expect(a2p.Spec.ManagementPolicy).To(Equal(v1alpha1.ManagementPolicyManage))
	g.Expect(a2p.Spec.CredentialsRef.Name).To(Equal("twilio-credentials"))
	g.Expect(a2p.Spec.RecreateCampaignOnImmutableChange).To(BeFalse())
}

func TestInvalidObjectsAreRejected(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := map[string]struct {
		sample    string
		edits     []edit
		wantField string
	}{
		"a MessagingService without friendlyName": {
			msgsvcSample, []edit{del("spec", "friendlyName")}, "spec.friendlyName"},
		"a friendlyName longer than Twilio's 64 characters": {
			msgsvcSample, []edit{set(long(65), "spec", "friendlyName")}, "spec.friendlyName"},
		"an empty friendlyName": {
			msgsvcSample, []edit{set("", "spec", "friendlyName")}, "spec.friendlyName"},
		"a phone number without the + of E.164": {
			msgsvcSample, []edit{set([]any{"15017122661"}, "spec", "phoneNumbers")}, "spec.phoneNumbers[0]"},
		"an E.164 number with a leading zero country code": {
			msgsvcSample, []edit{set([]any{"+05017122661"}, "spec", "phoneNumbers")}, "spec.phoneNumbers[0]"},
		"an E.164 number longer than 15 digits": {
			msgsvcSample, []edit{set([]any{"+1501712266112345"}, "spec", "phoneNumbers")}, "spec.phoneNumbers[0]"},
		"a PN SID that is too short": {
			msgsvcSample, []edit{set([]any{"PN3f5e0b8a"}, "spec", "phoneNumbers")}, "spec.phoneNumbers[0]"},
		"a phone number listed twice": {
			msgsvcSample, []edit{set([]any{"+15017122661", "+15017122661"}, "spec", "phoneNumbers")}, "spec.phoneNumbers"},
		"more than 400 phone numbers": {
			msgsvcSample, []edit{set(numbers(401), "spec", "phoneNumbers")}, "spec.phoneNumbers"},
		"a validityPeriod of zero": {
			msgsvcSample, []edit{set(int64(0), "spec", "validityPeriod")}, "spec.validityPeriod"},
		"a validityPeriod above 36000 seconds": {
			msgsvcSample, []edit{set(int64(36001), "spec", "validityPeriod")}, "spec.validityPeriod"},
		"a validityPeriod that is not a number": {
			msgsvcSample, []edit{set("ten", "spec", "validityPeriod")}, "spec.validityPeriod"},
		"a statusCallback that is not a URL": {
			msgsvcSample, []edit{set("not a url", "spec", "statusCallback")}, "spec.statusCallback"},
		"an inboundRequestUrl with an ftp scheme": {
			msgsvcSample, []edit{set("ftp://hooks.example.com/in", "spec", "inboundRequestUrl")}, "spec.inboundRequestUrl"},
		"a relative fallbackUrl": {
			msgsvcSample, []edit{set("/twilio/fallback", "spec", "fallbackUrl")}, "spec.fallbackUrl"},
		"an inboundMethod of PUT": {
			msgsvcSample, []edit{set("PUT", "spec", "inboundMethod")}, "spec.inboundMethod"},
		"an unknown scanMessageContent": {
			msgsvcSample, []edit{set("sometimes", "spec", "scanMessageContent")}, "spec.scanMessageContent"},
		"an unknown Messaging Service usecase": {
			msgsvcSample, []edit{set("spam", "spec", "usecase")}, "spec.usecase"},
		"an unknown deletionPolicy": {
			msgsvcSample, []edit{set("Keep", "spec", "deletionPolicy")}, "spec.deletionPolicy"},
		"an unknown managementPolicy": {
			msgsvcSample, []edit{set("ReadOnly", "spec", "managementPolicy")}, "spec.managementPolicy"},
		"a credentials Secret name that is not a DNS name": {
			msgsvcSample, []edit{set("Twilio_Credentials", "spec", "credentialsRef", "name")}, "spec.credentialsRef.name"},
		"useInboundWebhookOnNumber as a string": {
			msgsvcSample, []edit{set("yes", "spec", "useInboundWebhookOnNumber")}, "spec.useInboundWebhookOnNumber"},

		"an A2PRegistration without a brand": {
			a2pSample, []edit{del("spec", "brand")}, "spec.brand"},
		"a customer profile bundle SID without the BU prefix": {
			a2pSample, []edit{set("XX0123456789abcdef0123456789abcdef", "spec", "brand", "customerProfileBundleSid")}, "spec.brand.customerProfileBundleSid"},
		"an A2P profile bundle SID that is too short": {
			a2pSample, []edit{set("BU0123", "spec", "brand", "a2pProfileBundleSid")}, "spec.brand.a2pProfileBundleSid"},
		"an unknown brandType": {
			a2pSample, []edit{set("ENTERPRISE", "spec", "brand", "brandType")}, "spec.brand.brandType"},
		"a campaign with both a service reference and a service SID": {
			a2pSample, []edit{setCampaign("messagingServiceSid", messagingSvcSID)}, "spec.campaigns[0]"},
		"a campaign with neither a service reference nor a service SID": {
			a2pSample, []edit{setCampaign("messagingServiceRef", nil)}, "spec.campaigns[0]"},
		"a campaign with a malformed Messaging Service SID": {
			a2pSample, []edit{setCampaign("messagingServiceRef", nil), setCampaign("messagingServiceSid", "MG42")}, "spec.campaigns[0].messagingServiceSid"},
		"two campaigns on the same referenced service": {
			a2pSample, []edit{addCampaign("", nil)}, "spec.campaigns"},
		"two campaigns on the same service SID": {
			a2pSample, []edit{setCampaign("messagingServiceRef", nil), setCampaign("messagingServiceSid", messagingSvcSID), addCampaign("", nil)}, "spec.campaigns"},
		"a campaign description shorter than 40 characters": {
			a2pSample, []edit{setCampaign("description", "Support by SMS.")}, "spec.campaigns[0].description"},
		"a message flow shorter than 40 characters": {
			a2pSample, []edit{setCampaign("messageFlow", "Texting us.")}, "spec.campaigns[0].messageFlow"},
		"a single message sample": {
			a2pSample, []edit{setCampaign("messageSamples", samples(1))}, "spec.campaigns[0].messageSamples"},
		"six message samples": {
			a2pSample, []edit{setCampaign("messageSamples", samples(6))}, "spec.campaigns[0].messageSamples"},
		"a message sample shorter than 20 characters": {
			a2pSample, []edit{setCampaign("messageSamples", []any{"Acme: your order shipped today.", "Hi!"})}, "spec.campaigns[0].messageSamples[1]"},
		"a campaign without hasEmbeddedLinks": {
			a2pSample, []edit{setCampaign("hasEmbeddedLinks", nil)}, "spec.campaigns[0].hasEmbeddedLinks"},
		"a campaign usecase in lower case with spaces": {
			a2pSample, []edit{setCampaign("usecase", "customer care")}, "spec.campaigns[0].usecase"},
		"an opt-out keyword with a space": {
			a2pSample, []edit{setCampaign("optOutKeywords", []any{"STOP NOW"})}, "spec.campaigns[0].optOutKeywords[0]"},
		"an opt-in message shorter than 20 characters": {
			a2pSample, []edit{setCampaign("optInMessage", "Welcome!")}, "spec.campaigns[0].optInMessage"},
		"a privacy policy link without a scheme": {
			a2pSample, []edit{setCampaign("privacyPolicyUrl", "acme.example/privacy")}, "spec.campaigns[0].privacyPolicyUrl"},
		"a SOLE_PROPRIETOR brand with two campaigns": {
			a2pSample, []edit{set("SOLE_PROPRIETOR", "spec", "brand", "brandType"), setCampaign("usecase", "SOLE_PROPRIETOR"),
				addCampaign("messagingServiceRef", map[string]any{"name": "second-sms"})}, "spec"},
		"a SOLE_PROPRIETOR brand with a CUSTOMER_CARE campaign": {
			a2pSample, []edit{set("SOLE_PROPRIETOR", "spec", "brand", "brandType")}, "spec"},
		"a STANDARD brand with a SOLE_PROPRIETOR campaign": {
			a2pSample, []edit{setCampaign("usecase", "SOLE_PROPRIETOR")}, "spec"},
		"a mock SOLE_PROPRIETOR brand with a campaign": {
			a2pSample, []edit{set("SOLE_PROPRIETOR", "spec", "brand", "brandType"), set(true, "spec", "brand", "mock"),
				setCampaign("usecase", "SOLE_PROPRIETOR")}, "spec"},
		"an unknown A2PRegistration deletionPolicy": {
			a2pSample, []edit{set("Retain", "spec", "deletionPolicy")}, "spec.deletionPolicy"},
	}

	ns := newNamespace(t)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			u := loadSample(t, tc.sample)
			u.SetNamespace(ns)
			// A dry run persists nothing, so every case can use the sample's name.
			for _, e := range tc.edits {
				e(u)
			}
			err := k8sClient.Create(context.Background(), u, client.DryRunAll)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			g.Expect(invalidFields(err)).To(ContainElement(tc.wantField), "error: %v", err)
		})
	}
	if len(tests) < 25 {
		t.Fatalf("the table must cover at least 25 invalid objects, has %d", len(tests))
	}
}

// TestSoleProprietorLimitsAtAdmission checks the Sole Proprietor limits the spec
// shows, with their messages, and that a registration within them is accepted.
func TestSoleProprietorLimitsAtAdmission(t *testing.T) {
	ns := newNamespace(t)
	// The sample is a mock brand; a mock SOLE_PROPRIETOR brand has no campaigns.
	soleProprietor := []edit{set("SOLE_PROPRIETOR", "spec", "brand", "brandType"), set(false, "spec", "brand", "mock"),
		setCampaign("usecase", "SOLE_PROPRIETOR")}
	for name, tc := range map[string]struct {
		edits   []edit
		message string // "" when accepted
	}{
		"one SOLE_PROPRIETOR campaign":         {edits: soleProprietor},
		"a SOLE_PROPRIETOR brand, no campaign": {edits: []edit{set("SOLE_PROPRIETOR", "spec", "brand", "brandType"), del("spec", "campaigns")}},
		"a mock SOLE_PROPRIETOR brand, no campaign": {edits: []edit{set("SOLE_PROPRIETOR", "spec", "brand", "brandType"),
			set(true, "spec", "brand", "mock"), del("spec", "campaigns")}},
		"two SOLE_PROPRIETOR campaigns": {edits: append(soleProprietor, addCampaign("messagingServiceRef", map[string]any{"name": "second-sms"})),
			message: "a SOLE_PROPRIETOR brand has at most one campaign"},
		"a SOLE_PROPRIETOR brand's MARKETING campaign": {edits: append(soleProprietor, setCampaign("usecase", "MARKETING")),
			message: "the campaign of a SOLE_PROPRIETOR brand has usecase SOLE_PROPRIETOR, and only such a brand's campaign may"},
		"a STANDARD brand's SOLE_PROPRIETOR campaign": {edits: []edit{setCampaign("usecase", "SOLE_PROPRIETOR")},
			message: "the campaign of a SOLE_PROPRIETOR brand has usecase SOLE_PROPRIETOR, and only such a brand's campaign may"},
		"a mock SOLE_PROPRIETOR brand's campaign": {edits: append(soleProprietor, set(true, "spec", "brand", "mock")),
			message: "a mock SOLE_PROPRIETOR brand cannot have campaigns: Twilio creates no mock campaign for it"},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			u := loadSample(t, a2pSample)
			u.SetNamespace(ns)
			for _, e := range tc.edits {
				e(u)
			}
			err := k8sClient.Create(context.Background(), u, client.DryRunAll)
			if tc.message == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			g.Expect(invalidFields(err)).To(ContainElement("spec"), "error: %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tc.message))
		})
	}
}

func TestBrandIsImmutable(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	u := loadSample(t, a2pSample)
	u.SetNamespace(newNamespace(t))
	g.Expect(k8sClient.Create(ctx, u)).To(Succeed())

	for field, value := range map[string]any{
		"a2pProfileBundleSid": "BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"brandType":           "SOLE_PROPRIETOR",
		"mock":                false, // the sample registers a mock brand
	} {
		changed := u.DeepCopy()
		g.Expect(unstructured.SetNestedField(changed.Object, value, "spec", "brand", field)).To(Succeed())
		err := k8sClient.Update(ctx, changed)
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "changing brand.%s: want Invalid, got %v", field, err)
		g.Expect(invalidFields(err)).To(ContainElement("spec.brand"), "error: %v", err)
		g.Expect(err.Error()).To(ContainSubstring("brand is immutable"))
	}

	// Everything but the brand stays editable.
	edited := u.DeepCopy()
	setCampaign("description", "Acme support agents answer questions about orders, returns and repairs.")(edited)
	g.Expect(k8sClient.Update(ctx, edited)).To(Succeed())
}

// TestNewObjectsAreInProgress checks that an object the operator has not reconciled yet
// reads as not yet observed: status.observedGeneration is defaulted to 0, so kstatus
// (Helm 4 --wait, Flux) sees generation 1 > 0 and waits instead of calling it Current.
func TestNewObjectsAreInProgress(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	for _, sample := range []string{msgsvcSample, a2pSample} {
		u := loadSample(t, sample)
		u.SetNamespace(ns)
		g.Expect(k8sClient.Create(ctx, u)).To(Succeed())
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(u), u)).To(Succeed())
		observed, found, err := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(found).To(BeTrue(), "%s: status.observedGeneration is defaulted", sample)
		g.Expect(observed).To(BeZero())
		res, err := kstatus.Compute(u)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(res.Status).To(Equal(kstatus.InProgressStatus), "%s: %s", sample, res.Message)
	}
}

// trustHubRegistration is an A2PRegistration that declares its business in spec.trustHub
// instead of naming bundles.
func trustHubRegistration(ns string) *v1alpha1.A2PRegistration {
	return &v1alpha1.A2PRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: "isv-customer", Namespace: ns},
		Spec: v1alpha1.A2PRegistrationSpec{TrustHub: &v1alpha1.TrustHubSpec{
			PrimaryCustomerProfileSID: bundleSID,
			Email:                     "compliance@isv.example",
			Business: v1alpha1.TrustHubBusiness{
				Name: "Acme Plumbing LLC", Type: "Limited Liability Corporation", Industry: "CONSUMER",
				RegistrationIDType: "EIN", RegistrationNumber: "123456789",
				RegionsOfOperation: []v1alpha1.BusinessRegion{"USA_AND_CANADA"}, WebsiteURL: "https://acme.example",
			},
			AuthorizedRepresentatives: []v1alpha1.AuthorizedRepresentative{{
				FirstName: "Sam", LastName: "Lee", BusinessTitle: "Owner", JobPosition: "CEO",
				Email:       v1alpha1.PersonalValue{SecretKeyRef: &v1alpha1.SecretKeySelector{Name: "acme-rep", Key: "email"}},
				PhoneNumber: v1alpha1.PersonalValue{SecretKeyRef: &v1alpha1.SecretKeySelector{Name: "acme-rep", Key: "phone"}},
			}},
			Address: v1alpha1.TrustHubAddress{Street: "1 Main St", City: "Springfield", Region: "IL", PostalCode: "62701",
				ISOCountry: "US"},
			Company: v1alpha1.TrustHubCompany{Type: v1alpha1.CompanyType("private")},
		}},
	}
}

func TestTrustHubValidation(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	g := NewWithT(t)
	g.Expect(k8sClient.Create(ctx, trustHubRegistration(ns), client.DryRunAll)).To(Succeed(),
		"spec.trustHub replaces the bundle SIDs")

	public := trustHubRegistration(ns)
	public.Spec.TrustHub.Company = v1alpha1.TrustHubCompany{Type: "public", StockExchange: "NASDAQ", StockTicker: "ACME",
		BrandContactEmail: "brand@acme.example"}
	public.Spec.TrustHub.AuthorizedRepresentatives[0].Email = v1alpha1.PersonalValue{Value: "sam@acme.example"}
	g.Expect(k8sClient.Create(ctx, public, client.DryRunAll)).To(Succeed(), "a public company with its stock")

	tests := map[string]struct {
		edit      func(*v1alpha1.A2PRegistration)
		wantField string
		wantText  string
	}{
		"trustHub together with the bundle SIDs": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.Brand.CustomerProfileBundleSID, a.Spec.Brand.A2PProfileBundleSID = bundleSID, bundleSID
		}, "spec", "not both"},
		"trustHub together with one bundle SID": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.Brand.A2PProfileBundleSID = bundleSID
		}, "spec", "not both"},
		"neither trustHub nor the bundle SIDs": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub = nil
		}, "spec", "unless spec.trustHub"},
		"one bundle SID without trustHub": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub, a.Spec.Brand.CustomerProfileBundleSID = nil, bundleSID
		}, "spec", "unless spec.trustHub"},
		"trustHub for a SOLE_PROPRIETOR brand": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.Brand.BrandType = v1alpha1.BrandTypeSoleProprietor
		}, "spec", "STANDARD"},
		"a public company without its stock exchange and ticker": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.Company.Type = "public"
		}, "spec.trustHub", "stockExchange"},
		"a public company without its brand contact email": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.Company = v1alpha1.TrustHubCompany{Type: "public", StockExchange: "NYSE", StockTicker: "ACME"}
		}, "spec.trustHub", "brandContactEmail"},
		"an unknown company type": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.Company.Type = "non-profit"
		}, "spec.trustHub.company.type", ""},
		"an email both inline and from a Secret": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.AuthorizedRepresentatives[0].Email.Value = "sam@acme.example"
		}, "spec.trustHub.authorizedRepresentatives[0].email", "exactly one of value and secretKeyRef"},
		"a phone number with neither a value nor a Secret": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.AuthorizedRepresentatives[0].PhoneNumber = v1alpha1.PersonalValue{}
		}, "spec.trustHub.authorizedRepresentatives[0].phoneNumber", "exactly one of value and secretKeyRef"},
		"three representatives": {func(a *v1alpha1.A2PRegistration) {
			r := a.Spec.TrustHub.AuthorizedRepresentatives[0]
			a.Spec.TrustHub.AuthorizedRepresentatives = []v1alpha1.AuthorizedRepresentative{r, r, r}
		}, "spec.trustHub.authorizedRepresentatives", ""},
		"an unknown job position": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.AuthorizedRepresentatives[0].JobPosition = "Boss"
		}, "spec.trustHub.authorizedRepresentatives[0].jobPosition", ""},
		"an unknown business type": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.Business.Type = "LLC"
		}, "spec.trustHub.business.type", ""},
		"no region of operation": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.Business.RegionsOfOperation = nil
		}, "spec.trustHub.business.regionsOfOperation", ""},
		"a website that is not a URL": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.Business.WebsiteURL = "acme.example"
		}, "spec.trustHub.business.websiteUrl", ""},
		"a country that is not ISO 3166 alpha-2": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.Address.ISOCountry = "USA"
		}, "spec.trustHub.address.isoCountry", ""},
		"a primary profile that is not a bundle SID": {func(a *v1alpha1.A2PRegistration) {
			a.Spec.TrustHub.PrimaryCustomerProfileSID = "BU42"
		}, "spec.trustHub.primaryCustomerProfileSid", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			a := trustHubRegistration(ns)
			tc.edit(a)
			err := k8sClient.Create(ctx, a, client.DryRunAll)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			g.Expect(invalidFields(err)).To(ContainElement(tc.wantField), "error: %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tc.wantText))
		})
	}
}

// TestTrustHubCannotBeSwapped checks that an A2PRegistration keeps the way it declared
// its bundles: spec.brand is immutable, so trustHub can neither be swapped for bundle
// SIDs nor removed, while its own fields stay editable.
func TestTrustHubCannotBeSwapped(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	a := trustHubRegistration(newNamespace(t))
	g.Expect(k8sClient.Create(ctx, a)).To(Succeed())

	swapped := a.DeepCopy()
	swapped.Spec.TrustHub = nil
	swapped.Spec.Brand.CustomerProfileBundleSID, swapped.Spec.Brand.A2PProfileBundleSID = bundleSID, bundleSID
	err := k8sClient.Update(ctx, swapped)
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("brand is immutable"))

	removed := a.DeepCopy()
	removed.Spec.TrustHub = nil
	err = k8sClient.Update(ctx, removed)
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)

	edited := a.DeepCopy()
	edited.Spec.TrustHub.Business.Industry = "TECHNOLOGY"
	g.Expect(k8sClient.Update(ctx, edited)).To(Succeed(), "the declared business stays editable")
}
