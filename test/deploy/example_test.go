package deploy_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestContactCenterExampleDefaults: the example chart's defaults are accepted by the
// CRDs' real validation, make the campaign reference the chart's own service, and are
// safe in a real account: both objects Orphan their Twilio side and are kept by Helm
// (helm.sh/resource-policy: keep), the brand is a mock, and no callback URL is set.
func TestContactCenterExampleDefaults(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns := newNamespace(t, "example-defaults")
	objs := mustRender(t, exampleChart, ns, nil)
	g.Expect(kindsAndNames(objs)).To(ConsistOf("MessagingService/support-sms", "A2PRegistration/acme-support"))
	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())

	ms := find(g, objs, "MessagingService", "support-sms")
	g.Expect(ms.GetNamespace()).To(Equal(ns))
	g.Expect(ms.Object["spec"]).To(Equal(map[string]any{
		"credentialsRef":            map[string]any{"name": "twilio-credentials"},
		"friendlyName":              "Support SMS (Flex)",
		"usecase":                   "discussion",
		"useInboundWebhookOnNumber": true,
		"phoneNumbers":              []any{"+15017122661", "+15017122662"},
		"deletionPolicy":            "Orphan",
	}), "no statusCallback: a placeholder would receive every message's status")
	a2p := find(g, objs, "A2PRegistration", "acme-support")
	g.Expect(nested(g, a2p, "spec", "deletionPolicy")).To(Equal("Orphan"))
	g.Expect(nested(g, a2p, "spec", "brand", "mock")).To(BeTrue(), "a first registration is a mock brand: no fees")
	for _, u := range objs {
		g.Expect(u.GetAnnotations()).To(Equal(map[string]string{"helm.sh/resource-policy": "keep"}), u.GetKind())
	}
	g.Expect(nested(g, a2p, "spec", "credentialsRef", "name")).To(Equal("twilio-credentials"))
	campaigns := nested(g, a2p, "spec", "campaigns").([]any)
	g.Expect(campaigns).To(HaveLen(1))
	campaign := campaigns[0].(map[string]any)
	g.Expect(campaign).To(HaveKeyWithValue("messagingServiceRef", map[string]any{"name": "support-sms"}))
	g.Expect(campaign).To(HaveKeyWithValue("optOutKeywords", []any{"STOP", "UNSUBSCRIBE"}))
	g.Expect(campaign).NotTo(HaveKey("optInKeywords"), "an empty optional list is left out, so Twilio's value stands")
	g.Expect(campaign).NotTo(HaveKey("optInMessage"))
}

// TestContactCenterExampleValues: every value the example exposes reaches the objects
// and the result is still valid.
func TestContactCenterExampleValues(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns := newNamespace(t, "example-values")
	objs := mustRender(t, exampleChart, ns, map[string]any{
		"credentialsSecretName": "flex-prod-twilio",
		"keep":                  false,
		"messagingService": map[string]any{
			"name": "sales-sms", "friendlyName": "Sales: SMS #1", "usecase": "marketing",
			"useInboundWebhookOnNumber": false, "statusCallback": "https://hooks.example.com/status",
			"phoneNumbers": []any{}, "deletionPolicy": "Orphan",
		},
		"a2p": map[string]any{
			"name": "acme-sales", "deletionPolicy": "Delete", "recreateCampaignOnImmutableChange": true,
			"brand": map[string]any{
				"customerProfileBundleSid": "BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				"a2pProfileBundleSid":      "BUbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
				"brandType":                "SOLE_PROPRIETOR", "mock": false,
			},
			"campaign": map[string]any{
				"usecase": "SOLE_PROPRIETOR", "hasEmbeddedLinks": true,
				"optInKeywords": []any{"START"}, "optInMessage": "Acme: you are subscribed to sales offers.",
				"privacyPolicyUrl": "https://acme.example/privacy", "termsAndConditionsUrl": "https://acme.example/terms",
			},
		},
	})
	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())

	ms := find(g, objs, "MessagingService", "sales-sms")
	for _, u := range objs {
		g.Expect(u.GetAnnotations()).NotTo(HaveKey("helm.sh/resource-policy"), "keep: false lets Helm delete %s", u.GetKind())
	}
	g.Expect(nested(g, ms, "spec", "credentialsRef", "name")).To(Equal("flex-prod-twilio"))
	g.Expect(nested(g, ms, "spec", "friendlyName")).To(Equal("Sales: SMS #1"))
	g.Expect(nested(g, ms, "spec", "useInboundWebhookOnNumber")).To(BeFalse(), "false is a value, not an omission")
	g.Expect(nested(g, ms, "spec", "statusCallback")).To(Equal("https://hooks.example.com/status"))
	g.Expect(nested(g, ms, "spec", "phoneNumbers")).To(Equal([]any{}), "[] is rendered: it means exactly no numbers")
	a2p := find(g, objs, "A2PRegistration", "acme-sales")
	g.Expect(nested(g, a2p, "spec", "recreateCampaignOnImmutableChange")).To(BeTrue())
	g.Expect(nested(g, a2p, "spec", "brand")).To(Equal(map[string]any{
		"customerProfileBundleSid": "BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a2pProfileBundleSid": "BUbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		"brandType": "SOLE_PROPRIETOR", "mock": false,
	}))
	campaign := nested(g, a2p, "spec", "campaigns").([]any)[0].(map[string]any)
	g.Expect(campaign).To(HaveKeyWithValue("messagingServiceRef", map[string]any{"name": "sales-sms"}))
	g.Expect(campaign).To(HaveKeyWithValue("usecase", "SOLE_PROPRIETOR"))
	g.Expect(campaign).To(HaveKeyWithValue("optInKeywords", []any{"START"}))
	g.Expect(campaign).To(HaveKeyWithValue("termsAndConditionsUrl", "https://acme.example/terms"))

	// null leaves the pool unmanaged; a2p.enabled=false ships the service alone.
	objs = mustRender(t, exampleChart, ns, map[string]any{
		"messagingService": map[string]any{"phoneNumbers": nil}, "a2p": map[string]any{"enabled": false},
	})
	g.Expect(kindsAndNames(objs)).To(ConsistOf("MessagingService/support-sms"))
	g.Expect(nested(g, objs[0], "spec")).NotTo(HaveKey("phoneNumbers"))
	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())

	// messagingService.enabled=false ships the registration alone, naming the service
	// another release manages.
	objs = mustRender(t, exampleChart, ns, map[string]any{"messagingService": map[string]any{"enabled": false}})
	g.Expect(kindsAndNames(objs)).To(ConsistOf("A2PRegistration/acme-support"))
	campaign = nested(g, objs[0], "spec", "campaigns").([]any)[0].(map[string]any)
	g.Expect(campaign).To(HaveKeyWithValue("messagingServiceRef", map[string]any{"name": "support-sms"}))
	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())
}

// TestContactCenterExampleRejectsInvalidValues: a wrong value is refused by the API
// server, by the CRD's validation, with the field named, so `helm install
// --dry-run=server` or the install itself says what to fix.
func TestContactCenterExampleRejectsInvalidValues(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t, "example-invalid")
	cases := map[string]struct {
		values map[string]any
		field  string
	}{
		"a bundle SID that is not BU and 32 hex digits": {
			map[string]any{"a2p": map[string]any{"brand": map[string]any{"customerProfileBundleSid": "BU123"}}},
			"spec.brand.customerProfileBundleSid"},
		"a phone number that is not E.164": {
			map[string]any{"messagingService": map[string]any{"phoneNumbers": []any{"555-0100"}}}, "spec.phoneNumbers[0]"},
		"a campaign description under 40 characters": {
			map[string]any{"a2p": map[string]any{"campaign": map[string]any{"description": "Support texts."}}},
			"spec.campaigns[0].description"},
		"a single message sample": {
			map[string]any{"a2p": map[string]any{"campaign": map[string]any{"messageSamples": []any{"Acme: your order has shipped today."}}}},
			"spec.campaigns[0].messageSamples"},
		"an unknown deletion policy": {
			map[string]any{"messagingService": map[string]any{"deletionPolicy": "Keep"}}, "spec.deletionPolicy"},
		"a friendly name over 64 characters": {
			map[string]any{"messagingService": map[string]any{"friendlyName": "Support SMS for the Acme Flex contact center, all regions, all hours"}},
			"spec.friendlyName"},
		"an opt-out keyword with a space": {
			map[string]any{"a2p": map[string]any{"campaign": map[string]any{"optOutKeywords": []any{"STOP ALL"}}}},
			"spec.campaigns[0].optOutKeywords[0]"},
		"a privacy policy that is not a URL": {
			map[string]any{"a2p": map[string]any{"campaign": map[string]any{"privacyPolicyUrl": "acme privacy page"}}},
			"spec.campaigns[0].privacyPolicyUrl"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			objs := mustRender(t, exampleChart, ns, tc.values)
			err := dryRunApply(context.Background(), objs...)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid, got %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tc.field))
		})
	}
}

func nested(g Gomega, u *unstructured.Unstructured, path ...string) any {
	v, found, err := unstructured.NestedFieldNoCopy(u.Object, path...)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(found).To(BeTrue(), "%s has %v", u.GetName(), path)
	return v
}
