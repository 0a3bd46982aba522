package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/controllers"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const (
	routeCreateBrand    = "POST /v1/a2p/BrandRegistrations"
	routeResubmitBrand  = "POST /v1/a2p/BrandRegistrations/{Sid}"
	routeFetchBrand     = "GET /v1/a2p/BrandRegistrations/{Sid}"
	routeCreateCampaign = "POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p"
	routeUpdateCampaign = "POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}"
	routeDeleteCampaign = "DELETE /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}"
)

// verified brings a new registration to Ready by moving the emulator's clock.
func (e *testEnv) verified(g Gomega, a *v1alpha1.A2PRegistration) {
	g.Expect(k8s.Create(context.Background(), a)).To(Succeed())
	waitForCondition(g, a, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay)
	waitForCondition(g, a, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	e.advance(g, campaignDelay)
	waitForReady(g, a)
}

func TestA2PRegistrationWaitsForBundles(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	g.Expect(e.emu.SetBundleStatus(twilioemu.DefaultTrustProduct, twilioemu.BundleInReview)).To(Succeed())

	a2p := e.registration("acme")
	g.Expect(k8s.Create(ctx, a2p)).To(Succeed())
	cond := waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBundleApproval)
	g.Expect(cond.Message).To(ContainSubstring(twilioemu.DefaultTrustProduct + " is in-review"))
	g.Consistently(func() int { return e.count(routeCreateBrand) }).WithTimeout(time.Second).Should(BeZero(),
		"no fee is spent on a brand whose bundles are not approved")

	g.Expect(e.emu.SetBundleStatus(twilioemu.DefaultTrustProduct, twilioemu.BundleTwilioApproved)).To(Succeed())
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	g.Expect(e.count(routeCreateBrand)).To(Equal(1))

	const rejectedProfile = "BU0000000000000000000000000000bad1"
	g.Expect(e.emu.SeedBundle(account, rejectedProfile, twilioemu.CustomerProfile,
		twilioemu.BundleTwilioRejected, "")).To(Succeed())
	rejected := e.registration("rejected")
	rejected.Spec.Brand.CustomerProfileBundleSID = rejectedProfile
	g.Expect(k8s.Create(ctx, rejected)).To(Succeed())
	cond = waitForCondition(g, rejected, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonBundleRejected)
	g.Expect(cond.Message).To(ContainSubstring(rejectedProfile))
	g.Expect(e.count(routeCreateBrand)).To(Equal(1), "no brand for rejected bundles")
}

func TestA2PRegistrationBrandFailedAndResubmit(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	g.Expect(e.emu.SetBundleOutcome(twilioemu.DefaultCustomerProfile, twilioemu.BrandFailed, twilioemu.RegistrationError{
		Code: 30794, Description: "The brand's tax ID does not match its legal name", Fields: []string{"ein"},
	})).To(Succeed())
	a2p := e.registration("acme")
	g.Expect(k8s.Create(ctx, a2p)).To(Succeed())
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay)

	cond := waitForCondition(g, a2p, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonBrandFailed)
	g.Expect(cond.Message).To(ContainSubstring("30794 The brand's tax ID does not match its legal name (ein)"))
	g.Expect(cond.Message).To(ContainSubstring(v1alpha1.ResubmitBrandAnnotation))
	g.Expect(a2p.Status.Brand.Status).To(Equal("FAILED"))
	g.Expect(a2p.Status.Brand.Errors).To(ConsistOf(v1alpha1.RegistrationError{
		Code: 30794, Description: "The brand's tax ID does not match its legal name", Fields: []string{"ein"}}))
	g.Expect(meta.FindStatusCondition(a2p.Status.Conditions, v1alpha1.ConditionBrandApproved).Reason).To(Equal(v1alpha1.ReasonBrandFailed))
	expectNoHotLoop(g, e)

	// The user fixes the bundle and asks for one resubmission.
	g.Expect(e.emu.SetBundleOutcome(twilioemu.DefaultCustomerProfile, twilioemu.BrandApproved)).To(Succeed())
	update(g, a2p, withAnnotationT[*v1alpha1.A2PRegistration](v1alpha1.ResubmitBrandAnnotation, "fixed-ein"))
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	g.Expect(e.count(routeResubmitBrand)).To(Equal(1))
	g.Expect(a2p.Status.Brand.ResubmittedFor).To(Equal("fixed-ein"))

	// The same value again (any other change makes the operator look) does nothing.
	update(g, a2p, withAnnotationT[*v1alpha1.A2PRegistration]("example.com/touched", "yes"))
	e.advance(g, brandDelay)
	waitForReady(g, a2p)
	g.Expect(e.count(routeResubmitBrand)).To(Equal(1), "one resubmission per annotation value")
	brands, _ := e.emu.Brands(account)
	g.Expect(brands).To(HaveLen(1), "a resubmission never registers a second brand")
}

func TestA2PRegistrationWaitsForItsMessagingService(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()

	// The registration comes before its service exists at all…
	a2p := e.registration("acme", "later")
	g.Expect(k8s.Create(ctx, a2p)).To(Succeed())
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay)
	cond := waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonMessagingServiceNotFound)
	g.Expect(cond.Message).To(ContainSubstring("MessagingService later not found"))

	// …then the service exists but Twilio keeps failing its creation…
	g.Expect(e.emu.SetPathFaults("POST /v1/Services", twilioemu.Faults{ErrorRate: 1})).To(Succeed())
	ms := e.messagingService("later", withNumbers(number1))
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	cond = waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingMessagingService)
	g.Expect(cond.Message).To(ContainSubstring("MessagingService later"))
	g.Expect(e.count(routeCreateCampaign)).To(BeZero())

	// …and the campaign follows as soon as the service has a SID.
	g.Expect(e.emu.ClearFaults()).To(Succeed())
	waitForReady(g, ms)
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	e.advance(g, campaignDelay)
	waitForReady(g, a2p)
	g.Expect(a2p.Status.Campaigns[0].MessagingServiceSID).To(Equal(ms.Status.SID))
}

func TestA2PRegistrationCampaignChanges(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.readyService(g, "support", number1)
	a2p := e.registration("acme", "support")
	e.verified(g, a2p)
	first := a2p.Status.Campaigns[0].SID

	// An updatable field: exactly one in-place update, which Twilio vets again.
	g.Expect(e.emu.ResetCounters()).To(Succeed())
	update(g, a2p, func(a *v1alpha1.A2PRegistration) {
		a.Spec.Campaigns[0].Description = "Acme support agents answer questions about orders, returns and repairs by SMS."
	})
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	g.Expect(e.count(routeUpdateCampaign)).To(Equal(1))
	g.Expect(e.writes()).To(Equal(1))
	live, _ := e.emu.Campaigns(account)
	g.Expect(live[0].Description).To(HavePrefix("Acme support agents answer questions about orders"))
	e.advance(g, campaignDelay)
	waitForReady(g, a2p)
	g.Expect(a2p.Status.Campaigns[0].SID).To(Equal(first))

	// An immutable field with the flag off: no Twilio write at all.
	g.Expect(e.emu.ResetCounters()).To(Succeed())
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns[0].Usecase = "MIXED" })
	cond := waitForCondition(g, a2p, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonImmutableFieldChanged)
	g.Expect(cond.Message).To(ContainSubstring("campaigns[0].usecase"))
	g.Expect(cond.Message).To(ContainSubstring("recreateCampaignOnImmutableChange"))
	g.Expect(e.writes()).To(BeZero())

	// With the flag on: exactly one delete and one create.
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.RecreateCampaignOnImmutableChange = true })
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	g.Expect(e.count(routeDeleteCampaign)).To(Equal(1))
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1))
	e.advance(g, campaignDelay)
	waitForReady(g, a2p)
	live, _ = e.emu.Campaigns(account)
	g.Expect(live).To(HaveLen(1))
	g.Expect(live[0].UsAppToPersonUsecase).To(Equal("MIXED"))
	g.Expect(live[0].Sid).NotTo(Equal(first))

	// A use case Twilio does not offer the brand is UsecaseNotAllowed, checked before
	// the live campaign is deleted: it keeps carrying traffic.
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns[0].Usecase = "NOT_A_USECASE" })
	cond = waitForCondition(g, a2p, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonUsecaseNotAllowed)
	g.Expect(cond.Message).To(ContainSubstring("Twilio does not offer use case NOT_A_USECASE"))
	g.Expect(e.count(routeDeleteCampaign)).To(Equal(1), "the live campaign is not deleted for a use case Twilio would refuse")
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1))
	live, _ = e.emu.Campaigns(account)
	g.Expect(live).To(HaveLen(1))
}

func TestA2PRegistrationCampaignRemovalAndDeletionPolicies(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	e.readyService(g, "support", number1)
	e.readyService(g, "sales", number2)
	a2p := e.registration("acme", "support", "sales")
	a2p.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	e.verified(g, a2p)
	live, _ := e.emu.Campaigns(account)
	g.Expect(live).To(HaveLen(2))

	// A campaign removed from the list is deleted.
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns = a.Spec.Campaigns[:1] })
	waitForReady(g, a2p)
	live, _ = e.emu.Campaigns(account)
	g.Expect(live).To(HaveLen(1))
	g.Expect(a2p.Status.Campaigns).To(HaveLen(1))
	g.Expect(a2p.Status.VerifiedCampaigns).To(Equal("1/1"))

	// Delete removes the campaigns; the brand stays, and an event says so.
	g.Expect(k8s.Delete(ctx, a2p)).To(Succeed())
	waitForGone(g, a2p)
	live, _ = e.emu.Campaigns(account)
	g.Expect(live).To(BeEmpty())
	brands, _ := e.emu.Brands(account)
	g.Expect(brands).To(HaveLen(1))
	g.Eventually(func(g Gomega) {
		events := &eventsv1.EventList{}
		g.Expect(k8s.List(ctx, events, client.InNamespace(e.ns))).To(Succeed())
		g.Expect(events.Items).To(ContainElement(And(HaveField("Reason", "BrandKept"),
			HaveField("Note", ContainSubstring("Twilio cannot delete a brand")))))
	}).WithTimeout(timeout).Should(Succeed())

	// Orphan (the default) touches nothing.
	orphan := e.registration("orphan", "sales")
	orphan.Spec.Brand.A2PProfileBundleSID = twilioemu.DefaultTrustProduct
	e.verified(g, orphan)
	g.Expect(e.emu.ResetCounters()).To(Succeed())
	g.Expect(k8s.Delete(ctx, orphan)).To(Succeed())
	waitForGone(g, orphan)
	live, _ = e.emu.Campaigns(account)
	g.Expect(live).To(HaveLen(1))
	g.Expect(e.writes()).To(BeZero())
}

// TestA2PRegistrationObserveOnlyAdoption adopts an existing brand by the sid
// annotation as ObserveOnly: it finds the service's campaign, reports a spec that
// differs from it in status.drift (Ready=False, DriftDetected) and is Ready once they
// agree, all without a single Twilio write; and its deletion with deletionPolicy
// Delete still leaves the campaign, because ObserveOnly never writes.
func TestA2PRegistrationObserveOnlyAdoption(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	e.readyService(g, "support", number1)
	first := e.registration("acme", "support")
	e.verified(g, first)
	brand, campaignSID := first.Status.SID, first.Status.Campaigns[0].SID
	g.Expect(k8s.Delete(ctx, first)).To(Succeed()) // Orphan: the brand and campaign stay
	waitForGone(g, first)
	g.Expect(e.emu.ResetCounters()).To(Succeed())

	observer := e.registration("observer", "support")
	observer.Annotations = map[string]string{v1alpha1.SIDAnnotation: brand}
	observer.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserveOnly
	observer.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	registered := observer.Spec.Campaigns[0].Description
	observer.Spec.Campaigns[0].Description = "Acme support agents answer questions about orders and returns by SMS."
	g.Expect(k8s.Create(ctx, observer)).To(Succeed())
	cond := waitForCondition(g, observer, v1alpha1.ConditionReady, "False", v1alpha1.ReasonDriftDetected)
	g.Expect(cond.Message).To(ContainSubstring("campaigns[0].description"))
	g.Expect(observer.Status.Drift).To(ConsistOf(v1alpha1.DriftEntry{Field: "campaigns[0].description",
		Desired: observer.Spec.Campaigns[0].Description, Actual: registered}))
	g.Expect(observer.Status.Campaigns).To(ConsistOf(HaveField("SID", campaignSID)), "the service's campaign is adopted")

	update(g, observer, func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns[0].Description = registered })
	waitForReady(g, observer)
	g.Expect(observer.Status.Drift).To(BeEmpty())
	g.Expect(observer.Status.VerifiedCampaigns).To(Equal("1/1"))

	g.Expect(k8s.Delete(ctx, observer)).To(Succeed())
	waitForGone(g, observer)
	campaigns, _ := e.emu.Campaigns(account)
	g.Expect(campaigns).To(ConsistOf(HaveField("Sid", campaignSID)), "ObserveOnly never deletes")
	g.Expect(e.writes()).To(BeZero(), "ObserveOnly never writes to Twilio")
}

func TestA2PRegistrationIsCrashSafe(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.readyService(g, "support", number1)
	// Twilio commits the brand and the campaign, but neither response arrives.
	g.Expect(e.emu.SetPathFaults(routeCreateBrand, twilioemu.Faults{DropNextWrites: 1})).To(Succeed())
	g.Expect(e.emu.SetPathFaults(routeCreateCampaign, twilioemu.Faults{DropNextWrites: 1})).To(Succeed())
	a2p := e.registration("acme", "support")
	e.verified(g, a2p)

	brands, _ := e.emu.Brands(account)
	g.Expect(brands).To(HaveLen(1), "exactly one brand: one registration fee")
	campaigns, _ := e.emu.Campaigns(account)
	g.Expect(campaigns).To(HaveLen(1), "exactly one campaign: one vetting fee")
	g.Expect(e.count(routeCreateBrand)).To(Equal(1))
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1))
	g.Expect(a2p.Status.Brand.SID).To(Equal(brands[0].Sid))
	g.Expect(a2p.Status.Campaigns[0].SID).To(Equal(campaigns[0].Sid))
	g.Expect(a2p.Annotations).NotTo(HaveKey(v1alpha1.CreatePendingAnnotation))
}

func TestA2PRegistrationPollingIsBounded(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	poll := controllers.PollInterval{Min: 100 * time.Millisecond, Max: 400 * time.Millisecond}
	e := startEnv(t)
	a2p := e.registration("acme")
	g.Expect(k8s.Create(context.Background(), a2p)).To(Succeed())
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)

	// The brand stays PENDING (the emulator's clock stands still) for a window.
	const window = 3 * time.Second
	before, start := e.count(routeFetchBrand), time.Now()
	g.Eventually(func() time.Duration { return time.Since(start) }).WithTimeout(2 * window).Should(BeNumerically(">=", window))
	polls := e.count(routeFetchBrand) - before

	// At most what the schedule allows if every interval were at its shortest (-10%).
	most, elapsed := 0, time.Duration(0)
	for elapsed < time.Since(start) {
		elapsed += time.Duration(0.9 * float64(min(time.Duration(float64(poll.Min)*pow(1.5, most)), poll.Max)))
		most++
	}
	g.Expect(polls).To(BeNumerically("<=", most+1), "polls follow the growing interval")
	g.Expect(polls).To(BeNumerically(">=", 3), "a pending brand is polled")
	g.Expect(e.writes()).To(Equal(1), "polling only reads")
}

func pow(x float64, n int) float64 {
	r := 1.0
	for range n {
		r *= x
	}
	return r
}

func TestA2PRegistrationMockBrand(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.readyService(g, "support", number1)
	// A mock brand is approved whatever its bundles would make of a real one.
	g.Expect(e.emu.SetBundleOutcome(twilioemu.DefaultCustomerProfile, twilioemu.BrandFailed)).To(Succeed())
	a2p := e.registration("mock", "support")
	a2p.Spec.Brand.Mock = true
	e.verified(g, a2p)
	g.Expect(a2p.Status.Brand.Mock).To(BeTrue())
	brands, _ := e.emu.Brands(account)
	g.Expect(brands).To(ConsistOf(HaveField("Mock", true)))
	g.Expect(ptr.Deref(a2p.Status.Brand.BrandScore, 0)).To(BeNumerically(">=", 0))
}
