package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const (
	brandDelay    = 2 * time.Minute // twilioemu.DefaultDelays: moved by the manual clock
	campaignDelay = 5 * time.Minute
)

// registration is an A2PRegistration on the default account's approved bundles with one
// campaign per named MessagingService.
func (e *testEnv) registration(name string, services ...string) *v1alpha1.A2PRegistration {
	a := &v1alpha1.A2PRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns},
		Spec: v1alpha1.A2PRegistrationSpec{
			Brand: v1alpha1.BrandSpec{
				CustomerProfileBundleSID: twilioemu.DefaultCustomerProfile,
				A2PProfileBundleSID:      twilioemu.DefaultTrustProduct,
			},
		},
	}
	for _, s := range services {
		a.Spec.Campaigns = append(a.Spec.Campaigns, campaign(s))
	}
	return a
}

func campaign(service string) v1alpha1.CampaignSpec {
	return v1alpha1.CampaignSpec{
		MessagingServiceRef: &v1alpha1.LocalObjectReference{Name: service},
		Usecase:             "CUSTOMER_CARE",
		Description:         "Acme support agents answer customer questions about existing orders by SMS.",
		MessageFlow:         "Customers opt in by texting our support number or ticking the SMS box on acme.example/support.",
		MessageSamples: []string{
			"Hi Sam, this is Acme support. Your replacement part ships today.",
			"Acme: your ticket 4821 is resolved. Reply HELP for help, STOP to opt out.",
		},
	}
}

// readyService creates a MessagingService and waits for it.
func (e *testEnv) readyService(g Gomega, name string, numbers ...string) *v1alpha1.MessagingService {
	ms := e.messagingService(name, withNumbers(numbers...))
	g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
	waitForReady(g, ms)
	return ms
}

func (e *testEnv) advance(g Gomega, d time.Duration) { g.Expect(e.emu.Advance(d)).To(Succeed()) }

func TestA2PRegistrationHappyPath(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	ms := e.readyService(g, "support", number1)
	g.Expect(e.emu.ResetCounters()).To(Succeed())

	a2p := e.registration("acme", "support")
	g.Expect(k8s.Create(ctx, a2p)).To(Succeed())

	// Bundles approved → brand registered, PENDING.
	cond := waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	g.Expect(cond.Message).To(ContainSubstring("PENDING"))
	g.Expect(meta.FindStatusCondition(a2p.Status.Conditions, v1alpha1.ConditionReady).Reason).To(Equal(v1alpha1.ReasonAwaitingVetting))
	g.Expect(meta.IsStatusConditionFalse(a2p.Status.Conditions, v1alpha1.ConditionBrandApproved)).To(BeTrue())
	brands, _ := e.emu.Brands(account)
	g.Expect(brands).To(HaveLen(1))
	g.Expect(a2p.Status.Brand.SID).To(Equal(brands[0].Sid))
	g.Expect(a2p.Annotations).To(HaveKeyWithValue(v1alpha1.SIDAnnotation, brands[0].Sid))
	campaigns, _ := e.emu.Campaigns(account)
	g.Expect(campaigns).To(BeEmpty(), "no campaign before the brand is APPROVED")

	// Brand APPROVED → campaign registered, in vetting.
	e.advance(g, brandDelay)
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	g.Expect(meta.IsStatusConditionTrue(a2p.Status.Conditions, v1alpha1.ConditionBrandApproved)).To(BeTrue())
	campaigns, _ = e.emu.Campaigns(account)
	g.Expect(campaigns).To(HaveLen(1))
	g.Expect(campaigns[0].MessagingServiceSid).To(Equal(ms.Status.SID))
	g.Expect(campaigns[0].BrandRegistrationSid).To(Equal(brands[0].Sid))
	g.Expect(campaigns[0].Description).To(Equal(a2p.Spec.Campaigns[0].Description))
	g.Expect(campaigns[0].MessageSamples).To(Equal(a2p.Spec.Campaigns[0].MessageSamples))

	// Campaign VERIFIED → Ready.
	e.advance(g, campaignDelay)
	waitForReady(g, a2p)
	g.Expect(meta.IsStatusConditionTrue(a2p.Status.Conditions, v1alpha1.ConditionCampaignsVerified)).To(BeTrue())
	g.Expect(a2p.Status.Brand.Status).To(Equal("APPROVED"))
	g.Expect(a2p.Status.VerifiedCampaigns).To(Equal("1/1"))
	g.Expect(a2p.Status.Campaigns).To(ConsistOf(v1alpha1.CampaignStatus{
		MessagingService: "support", MessagingServiceSID: ms.Status.SID, SID: campaigns[0].Sid,
		CampaignID: campaigns[0].CampaignID, Status: "VERIFIED",
		AppliedHash: a2p.Status.Campaigns[0].AppliedHash,
	}))
	g.Expect(a2p.Status.Campaigns[0].AppliedHash).NotTo(BeEmpty(), "the entry is recorded as applied")

	// The referenced service now carries the registration.
	svc, _ := e.emu.Service(ms.Status.SID)
	g.Expect(svc.UsAppToPersonRegistered).To(BeTrue())
	g.Eventually(func(g Gomega) {
		fetch(g, ms)
		g.Expect(ms.Status.UsAppToPersonRegistered).To(BeTrue())
	}).WithTimeout(timeout).Should(Succeed())

	g.Expect(e.count("GET /v1/CustomerProfiles/{Sid}")).To(Equal(1))
	g.Expect(e.count("GET /v1/TrustProducts/{Sid}")).To(Equal(1))
	g.Expect(e.count("POST /v1/a2p/BrandRegistrations")).To(Equal(1))
	g.Expect(e.count("POST /v1/a2p/BrandRegistrations/{Sid}")).To(Equal(0))
	g.Expect(e.count("POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p")).To(Equal(1))
	g.Expect(e.count("POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}")).To(Equal(0))
	g.Expect(e.count("DELETE /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}")).To(Equal(0))
	g.Expect(e.count("GET /v1/a2p/BrandRegistrations")).To(Equal(0), "no search: nothing was interrupted")
}
