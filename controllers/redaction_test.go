package controllers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// TestURLCredentialsAreRedacted: a policy URL may carry HTTP Basic credentials
// (https://user:pass@…). Drift in it is reported in status and in an event, with the
// URL's user information replaced, never repeated.
func TestURLCredentialsAreRedacted(t *testing.T) {
	t.Parallel()
	const specSecret, consoleSecret = "SpecPassw0rd", "ConsolePassw0rd"
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	e.readyService(g, "support", number1)
	a2p := e.registration("acme", "support")
	a2p.Spec.Campaigns[0].PrivacyPolicyURL = ptr.To(v1alpha1.URL("https://acme:" + specSecret + "@acme.example/privacy"))
	e.verified(g, a2p)

	// Someone changes the URL in the Console, with credentials of their own.
	c := a2p.Status.Campaigns[0]
	live, err := consoleClient(e.emu).FetchCampaign(ctx, c.MessagingServiceSID, c.SID)
	g.Expect(err).NotTo(HaveOccurred())
	_, err = consoleClient(e.emu).UpdateCampaign(ctx, c.MessagingServiceSID, c.SID, twilio.CampaignUpdate{
		Description: live.Description, MessageFlow: live.MessageFlow, MessageSamples: live.MessageSamples,
		PrivacyPolicyURL: ptr.To("https://admin:" + consoleSecret + "@acme.example/other"),
	})
	g.Expect(err).NotTo(HaveOccurred())
	update(g, a2p, withAnnotationT[*v1alpha1.A2PRegistration]("example.com/poke", "1")) // an input change: a sync

	g.Eventually(func(g Gomega) {
		fetch(g, a2p)
		g.Expect(a2p.Status.Drift).To(ContainElement(v1alpha1.DriftEntry{Field: "campaigns[0].privacyPolicyUrl",
			Desired: "https://redacted@acme.example/privacy", Actual: "https://redacted@acme.example/other"}))
	}).WithTimeout(timeout).Should(Succeed())
	events := &eventsv1.EventList{}
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.List(ctx, events, client.InNamespace(e.ns))).To(Succeed())
		g.Expect(events.Items).To(ContainElement(HaveField("Reason", "DriftDetected")))
	}).WithTimeout(timeout).Should(Succeed())

	evidence, err := json.Marshal([]any{events, a2p.Status}) // the spec is the user's own words
	g.Expect(err).NotTo(HaveOccurred())
	for _, text := range []string{string(evidence), e.logs.String()} {
		g.Expect(text).NotTo(ContainSubstring(specSecret))
		g.Expect(text).NotTo(ContainSubstring(consoleSecret))
	}
	g.Expect(strings.Count(string(evidence), "https://redacted@acme.example/other")).To(BeNumerically(">=", 2), "in the status and the event")
}
