package live

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// TestScenarios is the acceptance suite: every scenario, in order, against one
// backend: the emulator by default (`make test`), a real Twilio account with
// TWILIO_LIVE=1 (`make test-live`). The scenarios below are all there is of it; a
// backend changes where Twilio is and how long it may take, never what is checked.
func TestScenarios(t *testing.T) {
	b := selectBackend(t)
	w := newWorld(t, b)
	t.Logf("Twilio backend: %s; everything this run makes is named %s*", b.name, w.prefix)
	t.Run("ServiceWithNumberDriftAndDeletion", w.serviceWithNumber)
	t.Run("AdoptionAndObserveOnly", w.adoptionAndObserveOnly)
	t.Run("MockBrandAndCampaign", w.mockBrandAndCampaign)
}

// messagingService is a MessagingService of the run: its name and its Twilio friendly
// name carry the run's prefix.
func (w *world) messagingService(name string) *v1alpha1.MessagingService {
	return &v1alpha1.MessagingService{
		ObjectMeta: metav1.ObjectMeta{Name: w.prefix + "-" + name, Namespace: w.ns},
		Spec:       v1alpha1.MessagingServiceSpec{FriendlyName: w.prefix + " " + name},
	}
}

// expectService checks the Messaging Service in Twilio: its friendly name, and its
// pool when numbers are given (PN SIDs).
func (w *world) expectService(g Gomega, sid, friendlyName string, numbers ...string) {
	ctx := context.Background()
	svc, err := w.console.FetchService(ctx, sid)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(svc.FriendlyName).To(Equal(friendlyName))
	if len(numbers) > 0 {
		pool, err := w.console.ListPoolNumbers(ctx, sid)
		g.Expect(err).NotTo(HaveOccurred())
		var sids []string
		for _, n := range pool {
			sids = append(sids, n.SID)
		}
		g.Expect(sids).To(ConsistOf(numbers))
	}
}

// restoreService is a cleanup for drift the test makes in Twilio: should the operator
// not have put the service back, the test does, so no run leaves a service changed.
func (w *world) restoreService(t *testing.T, sid, friendlyName, numberSID string) {
	ctx, cancel := context.WithTimeout(context.Background(), w.b.timeout)
	defer cancel()
	svc, err := w.console.FetchService(ctx, sid)
	if twilio.IsNotFound(err) {
		return // deleted, as the scenario means it to be
	}
	if err != nil {
		t.Errorf("cleanup: cannot read Messaging Service %s: %v", sid, err)
		return
	}
	if svc.FriendlyName != friendlyName {
		if _, err := w.console.UpdateService(ctx, sid, twilio.ServiceParams{FriendlyName: &friendlyName}); err != nil {
			t.Errorf("cleanup: cannot restore the friendly name of %s: %v", sid, err)
		}
	}
	if err := w.console.AddPoolNumber(ctx, sid, numberSID); err != nil {
		t.Errorf("cleanup: cannot put number %s back into %s: %v", numberSID, sid, err)
	}
}

// serviceWithNumber: a MessagingService with the account's number is created; its
// name and pool, changed in the Console, are put back at the next sync (free fields:
// docs/api.md principle 1); deleting it (deletionPolicy Delete, the default) deletes
// the service in Twilio, which frees the number.
func (w *world) serviceWithNumber(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	number, err := w.console.FindIncomingNumber(ctx, w.b.phoneNumber)
	g.Expect(err).NotTo(HaveOccurred(), "precondition: the account owns %s", w.b.phoneNumber)

	ms := w.messagingService("number")
	ms.Spec.PhoneNumbers = []string{w.b.phoneNumber}
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	waitForReady(g, ms, w.b.timeout)
	g.Expect(ms.Status.PhoneNumbers).To(ConsistOf(And(HaveField("SID", number.SID),
		HaveField("State", v1alpha1.PhoneNumberAssociated))))
	g.Expect(ms.Status.AssociatedNumbers).To(Equal("1/1"))
	sid := ms.Status.SID
	w.expectService(g, sid, ms.Spec.FriendlyName, number.SID)

	// Drift: renamed, and the number taken out of the pool, in the Console.
	t.Cleanup(func() { w.restoreService(t, sid, ms.Spec.FriendlyName, number.SID) })
	renamed := w.prefix + " number, renamed in the Console"
	_, err = w.console.UpdateService(ctx, sid, twilio.ServiceParams{FriendlyName: &renamed})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(w.console.RemovePoolNumber(ctx, sid, number.SID)).To(Succeed())
	mark := w.requests.mark()
	poke(g, ms, "drift")
	g.Eventually(func(g Gomega) { w.expectService(g, sid, ms.Spec.FriendlyName, number.SID) }).
		WithTimeout(w.b.timeout).WithPolling(time.Second).Should(Succeed(), "the operator puts back what the Console changed")
	waitForReady(g, ms, w.b.timeout)
	g.Expect(w.requests.count(mark, routeUpdateService)).To(Equal(1), "one update puts the name back")
	g.Expect(w.requests.count(mark, routeAddNumber)).To(Equal(1), "one add puts the number back")
	g.Expect(ms.Status.Drift).To(BeEmpty())

	// Deletion.
	g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
	w.waitForGone(g, ms)
	_, err = w.console.FetchService(ctx, sid)
	g.Expect(twilio.IsNotFound(err)).To(BeTrue(), "the service is deleted in Twilio (%v)", err)
}

// adoptionAndObserveOnly: a service made outside the operator is adopted by its SID
// (the sid annotation) with managementPolicy ObserveOnly, which reports how it differs
// from the spec and writes nothing; switched to Manage, the spec is applied to it; its
// deletion (deletionPolicy Delete) deletes it in Twilio.
func (w *world) adoptionAndObserveOnly(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	original := w.prefix + " adopted"
	svc, err := w.console.CreateService(ctx, twilio.ServiceParams{FriendlyName: &original})
	g.Expect(err).NotTo(HaveOccurred())
	t.Logf("made Messaging Service %s outside the operator", svc.SID)

	ms := w.messagingService("adopted")
	ms.Annotations = map[string]string{v1alpha1.SIDAnnotation: svc.SID}
	ms.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserveOnly
	ms.Spec.FriendlyName = w.prefix + " adopted, renamed"
	mark := w.requests.mark()
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	waitForCondition(g, ms, w.b.timeout, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDriftDetected)
	g.Expect(ms.Status.SID).To(Equal(svc.SID))
	g.Expect(ms.Status.Drift).To(ContainElement(v1alpha1.DriftEntry{Field: "friendlyName",
		Desired: ms.Spec.FriendlyName, Actual: original}))
	g.Expect(w.requests.writesSince(mark)).To(BeEmpty(), "ObserveOnly never writes to Twilio")
	w.expectService(g, svc.SID, original)

	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.ManagementPolicy = v1alpha1.ManagementPolicyManage })
	waitForReady(g, ms, w.b.timeout)
	w.expectService(g, svc.SID, ms.Spec.FriendlyName)
	g.Expect(w.requests.count(mark, routeUpdateService)).To(Equal(1), "one update applies the spec")
	g.Expect(ms.Status.Drift).To(BeEmpty())

	g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
	w.waitForGone(g, ms)
	_, err = w.console.FetchService(ctx, svc.SID)
	g.Expect(twilio.IsNotFound(err)).To(BeTrue(), "the adopted service is deleted in Twilio (%v)", err)
}

// campaignSpec is the run's campaign on a MessagingService: the brand is a mock, so
// the campaign is one too (Twilio makes every campaign of a mock brand a mock), which
// costs nothing and can carry no traffic.
func (w *world) campaignSpec(service string) v1alpha1.CampaignSpec {
	return v1alpha1.CampaignSpec{
		MessagingServiceRef: &v1alpha1.LocalObjectReference{Name: service},
		Usecase:             "CUSTOMER_CARE",
		Description:         w.prefix + ": a mock campaign of the twilio-operator acceptance suite; it sends nothing.",
		MessageFlow:         "Nobody opts in: this mock campaign exists only while an acceptance test of twilio-operator runs.",
		MessageSamples: []string{
			"Acceptance test: this mock campaign never sends a message.",
			"Acceptance test, second sample: nothing is sent. Reply STOP to opt out, HELP for help.",
		},
	}
}

// mockBrandAndCampaign: the reused mock brand is adopted, never registered again; its
// campaign is registered on a MessagingService of the run. Each edit is made as the
// campaign's status allows: an updatable field is applied once the campaign is out of
// vetting (and resubmits it); an immutable one is refused by the operator without a
// Twilio call; a Console edit is reported, not written, until the correct-drift
// annotation says so; an edit Twilio refuses (a suspended campaign) is reported and not
// repeated. Deleting the registration (deletionPolicy Delete) deletes the campaign; the
// brand stays.
func (w *world) mockBrandAndCampaign(t *testing.T) {
	if w.b.customerProfile == "" {
		t.Skipf("%s and %s are not set: no brand or campaign to test", envCustomerProfile, envA2PProfile)
	}
	g := NewWithT(t)
	ctx := context.Background()
	brand := v1alpha1.BrandSpec{CustomerProfileBundleSID: w.b.customerProfile, A2PProfileBundleSID: w.b.a2pProfile,
		BrandType: v1alpha1.BrandTypeStandard, Mock: true}
	ms := w.messagingService("campaign")
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	waitForReady(g, ms, w.b.timeout)
	serviceSID := ms.Status.SID
	brandSID := w.reusableMockBrand(t, g, brand)

	a2p := &v1alpha1.A2PRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: w.prefix + "-a2p", Namespace: w.ns,
			Annotations: map[string]string{v1alpha1.SIDAnnotation: brandSID}},
		Spec: v1alpha1.A2PRegistrationSpec{Brand: brand, DeletionPolicy: v1alpha1.DeletionPolicyDelete,
			Campaigns: []v1alpha1.CampaignSpec{w.campaignSpec(ms.Name)}},
	}
	mark := w.requests.mark()
	g.Expect(k8s.Create(ctx, a2p)).To(Succeed())
	waitForCondition(g, a2p, w.b.vetting, v1alpha1.ConditionBrandApproved, metav1.ConditionTrue, "")
	g.Eventually(func(g Gomega) {
		fetch(g, a2p)
		g.Expect(a2p.Status.Campaigns).To(HaveLen(1))
		g.Expect(a2p.Status.Campaigns[0].SID).NotTo(BeEmpty())
	}).WithTimeout(w.b.timeout).Should(Succeed(), "the campaign is registered")
	g.Expect(a2p.Status.SID).To(Equal(brandSID))
	g.Expect(a2p.Status.Brand.Mock).To(BeTrue())
	campaignSID := a2p.Status.Campaigns[0].SID
	g.Expect(w.requests.count(mark, routeCreateBrand)).To(BeZero(), "the brand is adopted, never registered again")
	g.Expect(w.requests.count(mark, routeCreateCampaign)).To(Equal(1))
	campaigns, err := w.console.ListCampaigns(ctx, serviceSID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(campaigns).To(ConsistOf(And(HaveField("SID", campaignSID), HaveField("BrandRegistrationSID", brandSID),
		HaveField("Mock", true))), "one mock campaign on the run's service")
	t.Logf("registered mock campaign %s on %s; it is %s", campaignSID, serviceSID, a2p.Status.Campaigns[0].Status)

	// First while the new campaign is (most likely) in vetting.
	edited := w.prefix + ": a mock campaign of the acceptance suite, edited through its spec; it sends nothing."
	w.editIsAppliedAfterVetting(t, g, a2p, serviceSID, edited)
	w.immutableEditIsRefused(t, g, a2p)
	w.consoleDriftIsReportedNotWritten(t, g, a2p, serviceSID, edited)
	w.refusedEditIsNotRepeated(t, g, a2p)

	g.Expect(k8s.Delete(ctx, a2p)).To(Succeed())
	w.waitForGone(g, a2p)
	campaigns, err = w.console.ListCampaigns(ctx, serviceSID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(campaigns).To(BeEmpty(), "deletionPolicy Delete deletes the campaign")
	kept, err := w.console.FetchBrand(ctx, brandSID)
	g.Expect(err).NotTo(HaveOccurred(), "the brand stays: Twilio cannot delete one")
	g.Expect(kept.Mock).To(BeTrue())
	g.Expect(w.events(g)).To(ContainElement(HavePrefix("BrandKept: ")))
	mark = w.requests.mark()
	g.Expect(w.reusableMockBrand(t, g, brand)).To(Equal(brandSID), "the next run finds the same mock brand")
	g.Expect(w.requests.count(mark, routeCreateBrand)).To(BeZero())
	g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
	w.waitForGone(g, ms)
}

// reusableMockBrand is the one mock brand the suite keeps in an account, since Twilio
// cannot delete a brand: the oldest mock STANDARD brand on the two bundles that Twilio
// has not failed, suspended or deleted. Without one (the first run, always on the
// emulator, and after Twilio expires a mock brand), the operator registers it with a
// registration that has no campaign, which is then deleted (deletionPolicy Orphan, the
// default, so the brand stays) for the run to adopt it like any later run.
func (w *world) reusableMockBrand(t *testing.T, g Gomega, spec v1alpha1.BrandSpec) string {
	ctx := context.Background()
	brands, err := w.console.ListBrands(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	brands = slices.DeleteFunc(brands, func(b twilio.Brand) bool {
		return !b.Mock || b.CustomerProfileBundleSID != spec.CustomerProfileBundleSID ||
			b.A2PProfileBundleSID != spec.A2PProfileBundleSID || b.BrandType != string(v1alpha1.BrandTypeStandard) ||
			slices.Contains([]string{twilio.BrandFailed, twilio.BrandSuspended, "DELETED",
				twilio.BrandDeletionPending, twilio.BrandDeletionFailed}, b.Status)
	})
	slices.SortFunc(brands, func(a, b twilio.Brand) int { return a.DateCreated.Compare(b.DateCreated) })
	if len(brands) > 0 {
		t.Logf("reusing mock brand %s (%s, registered %s)", brands[0].SID, brands[0].Status, brands[0].DateCreated.Format(time.RFC3339))
		return brands[0].SID
	}

	reg := &v1alpha1.A2PRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: w.prefix + "-brand", Namespace: w.ns},
		Spec:       v1alpha1.A2PRegistrationSpec{Brand: spec},
	}
	mark := w.requests.mark()
	g.Expect(k8s.Create(ctx, reg)).To(Succeed())
	g.Eventually(func(g Gomega) {
		fetch(g, reg)
		g.Expect(reg.Status.Brand).NotTo(BeNil())
		g.Expect(reg.Status.Brand.SID).NotTo(BeEmpty())
	}).WithTimeout(w.b.timeout).Should(Succeed(), "the mock brand is registered")
	sid := reg.Status.Brand.SID
	g.Expect(w.requests.count(mark, routeCreateBrand)).To(Equal(1))
	g.Expect(k8s.Delete(ctx, reg)).To(Succeed())
	w.waitForGone(g, reg)
	registered, err := w.console.FetchBrand(ctx, sid)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(registered.Mock).To(BeTrue())
	t.Logf("registered mock brand %s; later runs in this account reuse it", sid)
	return sid
}

// campaignWrites are the campaign writes among the operator's writes since mark.
func (w *world) campaignWrites(mark int) []string {
	return slices.DeleteFunc(w.requests.writesSince(mark), func(r string) bool { return !strings.Contains(r, "/Compliance/Usa2p") })
}

// immutableEditIsRefused: the use case cannot change on a registered campaign, and
// recreating it is not asked for: the operator says so and sends nothing.
func (w *world) immutableEditIsRefused(t *testing.T, g Gomega, a2p *v1alpha1.A2PRegistration) {
	t.Helper()
	mark := w.requests.mark()
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns[0].Usecase = "MIXED" })
	cond := waitForCondition(g, a2p, w.b.timeout, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonImmutableFieldChanged)
	g.Expect(cond.Message).To(ContainSubstring("campaigns[0].usecase"))
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns[0].Usecase = "CUSTOMER_CARE" })
	waitForNotStalled(g, a2p, w.b.timeout)
	g.Expect(w.campaignWrites(mark)).To(BeEmpty(), "an immutable change is refused without a Twilio call")
}

// editIsAppliedAfterVetting: an updatable field changes. While the campaign is in
// vetting, the operator waits and sends nothing (Twilio would refuse, or the verdict
// would be lost); once vetting ends, one update applies it, which resubmits the
// campaign, and it is vetted again.
func (w *world) editIsAppliedAfterVetting(t *testing.T, g Gomega, a2p *v1alpha1.A2PRegistration, serviceSID, edited string) {
	t.Helper()
	mark := w.requests.mark()
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns[0].Description = edited })
	waited := false
	g.Eventually(func(g Gomega) {
		if w.requests.count(mark, routeUpdateCampaign) > 0 {
			return
		}
		fetch(g, a2p)
		c := meta.FindStatusCondition(a2p.Status.Conditions, v1alpha1.ConditionReconciling)
		if c != nil && c.ObservedGeneration == a2p.Generation && c.Reason == v1alpha1.ReasonAwaitingCampaignVetting &&
			strings.Contains(c.Message, "applied once vetting ends") {
			waited = true
		}
		g.Expect(w.requests.count(mark, routeUpdateCampaign)).To(Equal(1), "the edit is sent once vetting ends")
	}).WithTimeout(w.b.vetting).WithPolling(100 * time.Millisecond).Should(Succeed())
	t.Logf("the campaign edit waited for vetting: %v", waited)
	if w.b.vettingTakes {
		g.Expect(waited).To(BeTrue(), "a new campaign is in vetting: the edit waits for the verdict")
	}
	waitForReady(g, a2p, w.b.vetting)
	g.Expect(w.requests.count(mark, routeUpdateCampaign)).To(Equal(1), "one update")
	g.Expect(a2p.Status.Campaigns[0].Refusal).To(BeEmpty(), "never sent into a refusal")
	g.Expect(a2p.Status.Drift).To(BeEmpty())
	g.Expect(w.events(g)).To(ContainElement(And(HavePrefix("Resubmitted: "), ContainSubstring("resubmits for vetting"))))
	live, err := w.console.FetchCampaign(context.Background(), serviceSID, a2p.Status.Campaigns[0].SID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(live.Description).To(Equal(edited))
}

// consoleDriftIsReportedNotWritten: the description is changed in the Console (which
// Twilio allows of a vetted campaign). A sync reports the drift, with a Warning event,
// and writes nothing, since writing it back would resubmit the campaign; the
// correct-drift annotation puts it back, once, which also restores what the test
// changed.
func (w *world) consoleDriftIsReportedNotWritten(t *testing.T, g Gomega, a2p *v1alpha1.A2PRegistration, serviceSID, edited string) {
	t.Helper()
	ctx := context.Background()
	campaignSID := a2p.Status.Campaigns[0].SID
	live, err := w.console.FetchCampaign(ctx, serviceSID, campaignSID)
	g.Expect(err).NotTo(HaveOccurred())
	inConsole := w.prefix + ": a mock campaign of the acceptance suite, edited in the Console; it sends nothing."
	_, err = w.console.UpdateCampaign(ctx, serviceSID, campaignSID, twilio.CampaignUpdate{
		Description: inConsole, MessageFlow: live.MessageFlow, MessageSamples: live.MessageSamples,
		HasEmbeddedLinks: live.HasEmbeddedLinks, HasEmbeddedPhone: live.HasEmbeddedPhone,
		AgeGated: live.AgeGated, DirectLending: live.DirectLending})
	g.Expect(err).NotTo(HaveOccurred(), "Twilio allows editing a %s campaign", live.Status)
	mark := w.requests.mark()
	drift := v1alpha1.DriftEntry{Field: "campaigns[0].description", Desired: edited, Actual: inConsole}
	poke(g, a2p, "drift")
	g.Eventually(func(g Gomega) {
		fetch(g, a2p)
		g.Expect(a2p.Status.Drift).To(ContainElement(drift))
	}).WithTimeout(w.b.timeout).Should(Succeed(), "the Console's edit is reported")
	g.Expect(w.events(g)).To(ContainElement(HavePrefix("DriftDetected: ")))
	// The Console's edit resubmitted the campaign: once it is vetted again, the
	// registration is Ready with the drift reported, and later syncs leave it.
	waitForReady(g, a2p, w.b.vetting)
	pokeAndSync(g, a2p, w.b.timeout, "drift-again")
	waitForReady(g, a2p, w.b.timeout)
	g.Expect(a2p.Status.Drift).To(ContainElement(drift))
	g.Expect(w.requests.count(mark, routeUpdateCampaign)).To(BeZero(), "drift a sync finds is reported, never written back")

	setAnnotation(g, a2p, v1alpha1.CorrectDriftAnnotation, w.prefix)
	g.Eventually(func(g Gomega) {
		fetch(g, a2p)
		g.Expect(a2p.Status.DriftCorrectedFor).To(Equal(w.prefix))
	}).WithTimeout(w.b.timeout).Should(Succeed())
	g.Expect(w.requests.count(mark, routeUpdateCampaign)).To(Equal(1), "the annotation puts it back once")
	restored, err := w.console.FetchCampaign(ctx, serviceSID, campaignSID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(restored.Description).To(Equal(edited))
	waitForReady(g, a2p, w.b.vetting)
	g.Expect(a2p.Status.Drift).To(BeEmpty())
	g.Expect(w.requests.count(mark, routeUpdateCampaign)).To(Equal(1), "the same value acts once")
}

// refusedEditIsNotRepeated: Twilio refuses to edit a suspended campaign. The refusal
// is reported with Twilio's words and not sent again until the entry changes. Only the
// emulator can suspend a campaign; a live run says so and goes on.
func (w *world) refusedEditIsNotRepeated(t *testing.T, g Gomega, a2p *v1alpha1.A2PRegistration) {
	t.Helper()
	if w.b.suspendCampaign == nil {
		t.Logf("the %s backend cannot suspend a campaign: the refusal of an edit is shown by the emulator run", w.b.name)
		return
	}
	g.Expect(w.b.suspendCampaign(a2p.Status.Campaigns[0].SID)).To(Succeed())
	poke(g, a2p, "suspended")
	waitForCondition(g, a2p, w.b.timeout, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonCampaignFailed)
	mark := w.requests.mark()
	update(g, a2p, func(a *v1alpha1.A2PRegistration) {
		a.Spec.Campaigns[0].Description = w.prefix + ": a mock campaign of the acceptance suite, edited while suspended."
	})
	cond := waitForCondition(g, a2p, w.b.timeout, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonCampaignUpdateRefused)
	g.Expect(cond.Message).To(ContainSubstring("suspended"))
	g.Expect(a2p.Status.Campaigns[0].Refusal).NotTo(BeEmpty())
	for _, v := range []string{"refused-1", "refused-2"} {
		pokeAndSync(g, a2p, w.b.timeout, v)
		waitForCondition(g, a2p, w.b.timeout, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonCampaignUpdateRefused)
	}
	g.Expect(w.requests.count(mark, routeUpdateCampaign)).To(Equal(1), "a refused edit is not sent again")
}
