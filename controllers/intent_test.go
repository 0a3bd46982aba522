package controllers_test

import (
	"context"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const routeUpdateService = "POST /v1/Services/{Sid}"

// poke changes an annotation of obj: an input change, so the operator syncs with
// Twilio (reads it again) at once, as a resync would.
func poke[T object](g Gomega, obj T, value string) {
	update(g, obj, func(o T) { withAnnotation("example.com/poke", value)(o) })
	waitForCondition(g, obj, v1alpha1.ConditionReady, "True", "")
}

// TestAFieldTwilioIgnoresIsWrittenOncePerGeneration: Twilio accepts ScanMessageContent
// (the spec calls it "Reserved.") and keeps its own value. The operator sends it at
// most once per generation, reports it as kept by Twilio, and stays Ready.
func TestAFieldTwilioIgnoresIsWrittenOncePerGeneration(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	g.Expect(e.emu.SetQuirks(twilioemu.Quirks{Fields: []twilioemu.FieldQuirk{
		{Route: "POST /v1/Services", Field: "ScanMessageContent", Mode: twilioemu.QuirkIgnore},
		{Route: routeUpdateService, Field: "ScanMessageContent", Mode: twilioemu.QuirkIgnore},
	}})).To(Succeed())
	ms := e.messagingService("support", func(ms *v1alpha1.MessagingService) { ms.Spec.ScanMessageContent = ptr.To("disable") })
	g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
	waitForReady(g, ms)
	kept := v1alpha1.DriftEntry{Field: "scanMessageContent", Desired: "disable", Actual: "inherit", KeptByTwilio: true}
	g.Expect(ms.Status.Drift).To(ConsistOf(kept), "reported as kept by Twilio")
	for _, v := range []string{"1", "2", "3"} {
		poke(g, ms, v)
	}
	g.Expect(e.count(routeUpdateService)).To(BeZero(), "not sent again at this generation: the create sent it")

	// A spec change is a new generation: the field is sent once more with it.
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.ValidityPeriod = ptr.To[int32](600) })
	waitForReady(g, ms)
	for _, v := range []string{"4", "5"} {
		poke(g, ms, v)
	}
	g.Expect(e.count(routeUpdateService)).To(Equal(1), "one update for the new generation, none at its resyncs")
	g.Expect(ms.Status.Drift).To(ConsistOf(kept))
	svc, _ := e.emu.Service(ms.Status.SID)
	g.Expect(svc.ValidityPeriod).To(Equal(600))
	g.Expect(eventReasons(g, e)).To(ContainElement("KeptByTwilio"))
}

// TestAKeywordTwilioNormalisesIsNeverRecreated: Twilio stores keywords upper-cased.
// With recreateCampaignOnImmutableChange, a difference the spec did not make must not
// delete and re-register (and pay for) the campaign at every resync.
func TestAKeywordTwilioNormalisesIsNeverRecreated(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	g.Expect(e.emu.SetQuirks(twilioemu.Quirks{Fields: []twilioemu.FieldQuirk{{Route: routeCreateCampaign,
		Field: "OptOutKeywords", Mode: twilioemu.QuirkNormalise, Normalise: twilioemu.NormaliseUpper}}})).To(Succeed())
	e.readyService(g, "support", number1)
	a2p := e.registration("acme", "support")
	a2p.Spec.RecreateCampaignOnImmutableChange = true
	a2p.Spec.Campaigns[0].OptOutKeywords = []string{"stop", "quit"}
	e.verified(g, a2p)
	for _, v := range []string{"1", "2", "3"} {
		poke(g, a2p, v)
	}
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1), "registered once")
	g.Expect(e.count(routeDeleteCampaign)).To(BeZero(), "never recreated for Twilio's spelling")
	g.Expect(a2p.Status.Drift).To(ContainElement(v1alpha1.DriftEntry{Field: "campaigns[0].optOutKeywords",
		Desired: "stop | quit", Actual: "STOP | QUIT", KeptByTwilio: true}))
}

// TestCampaignDriftIsReportedNotRevetted: a campaign edited in the Console is reported
// at resync and left alone, since putting it back would resubmit it for vetting; the
// correct-drift annotation writes it back once; a change of one campaign's entry
// resubmits that campaign, never another.
func TestCampaignDriftIsReportedNotRevetted(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	e.readyService(g, "support", number1)
	a2p := e.registration("acme", "support")
	e.verified(g, a2p)
	first := a2p.Status.Campaigns[0]

	// Edited behind the operator's back.
	live, err := consoleClient(e.emu).FetchCampaign(ctx, first.MessagingServiceSID, first.SID)
	g.Expect(err).NotTo(HaveOccurred())
	edited := "Acme support agents answer questions about orders, returns and more by SMS."
	_, err = consoleClient(e.emu).UpdateCampaign(ctx, first.MessagingServiceSID, first.SID, twilio.CampaignUpdate{
		Description: edited, MessageFlow: live.MessageFlow, MessageSamples: live.MessageSamples})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(e.emu.ForceCampaignStatus(first.SID, twilioemu.CampaignVerified)).To(Succeed())
	g.Expect(e.emu.ResetCounters()).To(Succeed())
	for _, v := range []string{"1", "2", "3"} {
		poke(g, a2p, v)
	}
	g.Expect(e.count(routeUpdateCampaign)).To(BeZero(), "no update at resync: it would resubmit the campaign")
	g.Expect(a2p.Status.Drift).To(ContainElement(v1alpha1.DriftEntry{Field: "campaigns[0].description",
		Desired: a2p.Spec.Campaigns[0].Description, Actual: edited}))
	g.Expect(conditionOf(a2p, v1alpha1.ConditionReady)).To(Equal("True Available"), "the campaign works: Ready stays True")
	g.Expect(eventReasons(g, e)).To(ContainElement("DriftDetected"))

	// The user's word: once per value.
	update(g, a2p, withAnnotationT[*v1alpha1.A2PRegistration](v1alpha1.CorrectDriftAnnotation, "2026-12-01"))
	g.Eventually(func(g Gomega) {
		fetch(g, a2p)
		g.Expect(a2p.Status.DriftCorrectedFor).To(Equal("2026-12-01"))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(e.count(routeUpdateCampaign)).To(Equal(1))
	c := campaignOf(g, e, first.SID)
	g.Expect(c.Description).To(Equal(a2p.Spec.Campaigns[0].Description), "put back")
	g.Expect(e.emu.ForceCampaignStatus(first.SID, twilioemu.CampaignVerified)).To(Succeed())
	poke(g, a2p, "4")
	g.Expect(e.count(routeUpdateCampaign)).To(Equal(1), "the same value acts once")

	// A second campaign is added: the first is not resubmitted.
	second := e.readyService(g, "sales", number2)
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns = append(a.Spec.Campaigns, campaign("sales")) })
	g.Eventually(func(g Gomega) {
		fetch(g, a2p)
		g.Expect(a2p.Status.Campaigns).To(HaveLen(2))
		g.Expect(a2p.Status.Campaigns[1].SID).NotTo(BeEmpty())
	}).WithTimeout(timeout).Should(Succeed())
	e.advance(g, campaignDelay)
	waitForReady(g, a2p)
	g.Expect(e.count(routeUpdateCampaign)).To(Equal(1), "adding campaign B never re-vets campaign A")
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1))
	g.Expect(a2p.Status.Campaigns[1].MessagingServiceSID).To(Equal(second.Status.SID))

	// A change of the second entry resubmits the second campaign only.
	g.Expect(e.emu.ResetCounters()).To(Succeed())
	update(g, a2p, func(a *v1alpha1.A2PRegistration) {
		a.Spec.Campaigns[1].Description = "Acme sales answers questions about quotes and orders by SMS, with care."
	})
	g.Eventually(func() int { return e.count(routeUpdateCampaign) }).WithTimeout(timeout).Should(Equal(1))
	requests, _ := e.emu.Requests()
	for _, r := range requests {
		if r.Route == routeUpdateCampaign {
			g.Expect(strings.HasSuffix(r.Path, a2p.Status.Campaigns[1].SID)).To(BeTrue(), "only the second campaign is updated")
		}
	}
}

// TestCampaignChangeInVettingWaits: a spec change to a campaign still in vetting is
// applied once vetting ends, never sent into Twilio's refusal.
func TestCampaignChangeInVettingWaits(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.readyService(g, "support", number1)
	a2p := e.registration("acme", "support")
	g.Expect(k8s.Create(context.Background(), a2p)).To(Succeed())
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay)
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)

	update(g, a2p, func(a *v1alpha1.A2PRegistration) {
		a.Spec.Campaigns[0].Description = "Acme support agents answer questions about orders and returns by SMS."
	})
	cond := waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	g.Expect(cond.Message).To(ContainSubstring("the change of campaigns[0].description is applied once vetting ends"))
	g.Expect(e.count(routeUpdateCampaign)).To(BeZero(), "nothing sent while the campaign is vetted")

	e.advance(g, campaignDelay) // VERIFIED: the change goes out, which vets it again
	g.Eventually(func() int { return e.count(routeUpdateCampaign) }).WithTimeout(timeout).Should(Equal(1))
	e.advance(g, campaignDelay)
	waitForReady(g, a2p)
	g.Expect(e.count(routeUpdateCampaign)).To(Equal(1))
}

// TestCampaignRequestsAskForTheV2Shape: the operator sends X-Twilio-Api-Version on
// campaign requests, which is the only way Twilio keeps (and returns) the privacy and
// terms URLs: the emulator, like Twilio, drops them from requests without it.
func TestCampaignRequestsAskForTheV2Shape(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.readyService(g, "support", number1)
	a2p := e.registration("acme", "support")
	a2p.Spec.Campaigns[0].PrivacyPolicyURL = ptr.To(v1alpha1.URL("https://acme.example/privacy"))
	a2p.Spec.Campaigns[0].TermsAndConditionsURL = ptr.To(v1alpha1.URL("https://acme.example/terms"))
	e.verified(g, a2p)
	c := campaignOf(g, e, a2p.Status.Campaigns[0].SID)
	g.Expect(c.PrivacyPolicyURL).To(Equal("https://acme.example/privacy"), "the create carried the header")
	g.Expect(c.TermsAndConditionsURL).To(Equal("https://acme.example/terms"))
	g.Expect(a2p.Status.Drift).To(BeEmpty(), "read with the header, the URLs match")
}

func eventReasons(g Gomega, e *testEnv) []string {
	events := &eventsv1.EventList{}
	g.Expect(k8s.List(context.Background(), events, client.InNamespace(e.ns))).To(Succeed())
	var out []string
	for _, ev := range events.Items {
		out = append(out, ev.Reason)
	}
	return out
}

// campaignOf is the emulator's campaign sid.
func campaignOf(g Gomega, e *testEnv, sid string) twilioemu.Campaign {
	campaigns, err := e.emu.Campaigns(account)
	g.Expect(err).NotTo(HaveOccurred())
	for _, c := range campaigns {
		if c.Sid == sid {
			return c
		}
	}
	g.Expect(campaigns).To(ContainElement(HaveField("Sid", sid)))
	return twilioemu.Campaign{}
}
