package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestMessagingServiceCreate(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ms := e.messagingService("support", withNumbers(number1, number2), func(ms *v1alpha1.MessagingService) {
		ms.Spec.FriendlyName = "Support SMS (Flex)"
		ms.Spec.Usecase = ptr.To("discussion")
		ms.Spec.StatusCallback = ptr.To[v1alpha1.URL]("https://hooks.example.com/twilio/status")
		ms.Spec.StickySender = ptr.To(false)
		ms.Spec.ValidityPeriod = ptr.To[int32](14400)
	})
	g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
	waitForReady(g, ms)

	services, err := e.emu.Services(account)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(services).To(HaveLen(1), "exactly one Messaging Service")
	svc := services[0]
	g.Expect(ms.Annotations).To(HaveKeyWithValue(v1alpha1.SIDAnnotation, svc.Sid))
	g.Expect(ms.Status.SID).To(Equal(svc.Sid))
	g.Expect(ms.Status.AccountSID).To(Equal(account))
	g.Expect(ms.Annotations).NotTo(HaveKey(v1alpha1.CreatePendingAnnotation))
	g.Expect(svc.FriendlyName).To(Equal("Support SMS (Flex)"))
	g.Expect(svc.Usecase).To(Equal("discussion"))
	g.Expect(svc.StatusCallback).To(Equal("https://hooks.example.com/twilio/status"))
	g.Expect(svc.StickySender).To(BeFalse())
	g.Expect(svc.ValidityPeriod).To(Equal(14400))
	g.Expect(svc.UseInboundWebhookOnNumber).To(BeTrue(), "the default that keeps Flex routing inbound messages")

	// Fields the spec omits keep the emulator's (Twilio's) defaults.
	defaults := defaultService(g)
	g.Expect(svc.SmartEncoding).To(Equal(defaults.SmartEncoding))
	g.Expect(svc.MMSConverter).To(Equal(defaults.MMSConverter))
	g.Expect(svc.ScanMessageContent).To(Equal(defaults.ScanMessageContent))
	g.Expect(svc.AreaCodeGeomatch).To(Equal(defaults.AreaCodeGeomatch))
	g.Expect(svc.InboundRequestURL).To(Equal(defaults.InboundRequestURL))

	pool, err := e.emu.PoolNumbers(svc.Sid)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(poolNumbers(pool)).To(ConsistOf(number1, number2))
	g.Expect(ms.Status.AssociatedNumbers).To(Equal("2/2"))
	g.Expect(ms.Status.PhoneNumbers).To(ConsistOf(
		v1alpha1.PhoneNumberStatus{PhoneNumber: number1, SID: twilioemu.PhoneNumberSid(account, number1), State: v1alpha1.PhoneNumberAssociated,
			InboundRoute: v1alpha1.InboundRouteNone},
		v1alpha1.PhoneNumberStatus{PhoneNumber: number2, SID: twilioemu.PhoneNumberSid(account, number2), State: v1alpha1.PhoneNumberAssociated,
			InboundRoute: v1alpha1.InboundRouteNone},
	))

	// A fresh create with k=2 E.164 numbers: one create, k lookups, k adds, and the
	// account's two lists of the inbound routing check (its numbers, its Conversations
	// addresses), and nothing else: the service comes back from the create and a new
	// pool is empty.
	g.Expect(e.count("POST /v1/Services")).To(Equal(1))
	g.Expect(e.count("GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json")).To(Equal(2 + 1))
	g.Expect(e.count("GET /v1/Configuration/Addresses")).To(Equal(1))
	g.Expect(e.count("POST /v1/Services/{ServiceSid}/PhoneNumbers")).To(Equal(2))
	g.Expect(e.count("GET /v1/Services/{Sid}")).To(BeNumerically("<=", 1))
	g.Expect(e.count("GET /v1/Services/{ServiceSid}/PhoneNumbers")).To(BeNumerically("<=", 1))
	g.Expect(e.total()).To(BeNumerically("<=", 1+2+2+2+2))
}

// defaultService is what Twilio makes of a service created with nothing but a name.
func defaultService(g Gomega) twilioemu.Service {
	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()))
	created, err := consoleClient(emu).CreateService(context.Background(), twilio.ServiceParams{FriendlyName: ptr.To("defaults")})
	g.Expect(err).NotTo(HaveOccurred())
	svc, err := emu.Service(created.SID)
	g.Expect(err).NotTo(HaveOccurred())
	return svc
}

func poolNumbers(pool []twilioemu.PhoneNumber) []string {
	out := make([]string, 0, len(pool))
	for _, n := range pool {
		out = append(out, n.PhoneNumber)
	}
	return out
}

func TestMessagingServiceUpdates(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ms := e.messagingService("support", withNumbers(number1, number2))
	g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
	waitForReady(g, ms)
	sid := ms.Status.SID

	// One update with a field of each kind: string, bool, enum, integer, URL, method.
	g.Expect(e.emu.ResetCounters()).To(Succeed())
	update(g, ms, func(ms *v1alpha1.MessagingService) {
		ms.Spec.FriendlyName = "Support SMS (renamed)"
		ms.Spec.SmartEncoding = ptr.To(true)
		ms.Spec.ScanMessageContent = ptr.To("disable")
		ms.Spec.ValidityPeriod = ptr.To[int32](600)
		ms.Spec.FallbackURL = ptr.To[v1alpha1.URL]("https://hooks.example.com/fallback")
		ms.Spec.FallbackMethod = ptr.To[v1alpha1.HTTPMethod]("GET")
	})
	waitForReady(g, ms)
	svc, err := e.emu.Service(sid)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(svc.FriendlyName).To(Equal("Support SMS (renamed)"))
	g.Expect(svc.SmartEncoding).To(BeTrue())
	g.Expect(svc.ScanMessageContent).To(Equal("disable"))
	g.Expect(svc.ValidityPeriod).To(Equal(600))
	g.Expect(svc.FallbackURL).To(Equal("https://hooks.example.com/fallback"))
	g.Expect(svc.FallbackMethod).To(Equal("GET"))
	g.Expect(e.count("POST /v1/Services/{Sid}")).To(Equal(1), "one update carries every changed field")
	g.Expect(e.count("POST /v1/Services")).To(Equal(0), "an update never creates")

	// A number added and one removed.
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.PhoneNumbers = []string{number2, number3} })
	waitForReady(g, ms)
	pool, _ := e.emu.PoolNumbers(sid)
	g.Expect(poolNumbers(pool)).To(ConsistOf(number2, number3))
	g.Expect(ms.Status.AssociatedNumbers).To(Equal("2/2"))

	// A PN SID is as good as its E.164 form.
	pn1 := twilioemu.PhoneNumberSid(account, number1)
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.PhoneNumbers = []string{pn1, number2} })
	waitForReady(g, ms)
	pool, _ = e.emu.PoolNumbers(sid)
	g.Expect(poolNumbers(pool)).To(ConsistOf(number1, number2))

	// [] means exactly none.
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.PhoneNumbers = []string{} })
	waitForReady(g, ms)
	pool, _ = e.emu.PoolNumbers(sid)
	g.Expect(pool).To(BeEmpty())
	g.Expect(ms.Status.AssociatedNumbers).To(Equal("0/0"))

	// Omitting the list makes the pool unmanaged: the operator leaves it alone.
	g.Expect(consoleClient(e.emu).AddPoolNumber(context.Background(), sid, pn1)).To(Succeed())
	update(g, ms, func(ms *v1alpha1.MessagingService) {
		ms.Spec.PhoneNumbers = nil
		ms.Spec.FriendlyName = "Unmanaged pool"
	})
	waitForReady(g, ms)
	pool, _ = e.emu.PoolNumbers(sid)
	g.Expect(poolNumbers(pool)).To(ConsistOf(number1))
	g.Expect(ms.Status.PhoneNumbers).To(BeNil())
}

func TestMessagingServiceDriftIsPutBackAtResync(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t, withResync(time.Second))
	ms := e.messagingService("support", withNumbers(number1, number2), func(ms *v1alpha1.MessagingService) {
		ms.Spec.StatusCallback = ptr.To[v1alpha1.URL]("https://hooks.example.com/status")
	})
	g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
	waitForReady(g, ms)
	sid := ms.Status.SID

	// Someone edits the service and its pool in the Console.
	g.Expect(e.emu.PatchService(sid, twilioemu.ServicePatch{
		FriendlyName:              ptr.To("Edited in the Console"),
		UseInboundWebhookOnNumber: ptr.To(false),
		StatusCallback:            ptr.To("https://elsewhere.example.com/status"),
		SmartEncoding:             ptr.To(true), // not in the spec: unmanaged, so it stays
	})).To(Succeed())
	console := consoleClient(e.emu)
	g.Expect(console.RemovePoolNumber(context.Background(), sid, twilioemu.PhoneNumberSid(account, number2))).To(Succeed())
	g.Expect(console.AddPoolNumber(context.Background(), sid, twilioemu.PhoneNumberSid(account, number3))).To(Succeed())

	g.Eventually(func(g Gomega) {
		svc, err := e.emu.Service(sid)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(svc.FriendlyName).To(Equal(ms.Spec.FriendlyName))
		g.Expect(svc.UseInboundWebhookOnNumber).To(BeTrue())
		g.Expect(svc.StatusCallback).To(Equal("https://hooks.example.com/status"))
		pool, _ := e.emu.PoolNumbers(sid)
		g.Expect(poolNumbers(pool)).To(ConsistOf(number1, number2))
	}).WithTimeout(timeout).Should(Succeed())
	svc, _ := e.emu.Service(sid)
	g.Expect(svc.SmartEncoding).To(BeTrue(), "omitted means unmanaged: the Console's value stands")
	fetch(g, ms)
	g.Expect(ms.Status.Drift).To(BeEmpty(), "drift is empty once corrected")
	g.Expect(e.count("POST /v1/Services")).To(Equal(1), "drift is corrected in place, never by a new service")
}

func TestMessagingServiceObserveOnlyReportsDriftAndNeverWrites(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	console := consoleClient(e.emu)
	svc, err := console.CreateService(context.Background(), twilio.ServiceParams{FriendlyName: ptr.To("Made in the Console")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(console.AddPoolNumber(context.Background(), svc.SID, twilioemu.PhoneNumberSid(account, number1))).To(Succeed())
	g.Expect(e.emu.ResetCounters()).To(Succeed())

	ms := e.messagingService("observed", withNumbers(number1, number2), func(ms *v1alpha1.MessagingService) {
		ms.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserveOnly
		ms.Spec.FriendlyName = "Support SMS"
		withAnnotation(v1alpha1.SIDAnnotation, svc.SID)(ms)
	})
	g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
	cond := waitForCondition(g, ms, v1alpha1.ConditionReady, "False", v1alpha1.ReasonDriftDetected)
	g.Expect(cond.Message).To(ContainSubstring("friendlyName"))
	g.Expect(ms.Status.Drift).To(ContainElements(
		v1alpha1.DriftEntry{Field: "friendlyName", Desired: "Support SMS", Actual: "Made in the Console"},
		v1alpha1.DriftEntry{Field: "phoneNumbers", Desired: number1 + ", " + number2, Actual: number1},
	))
	g.Expect(ms.Status.PhoneNumbers).To(ContainElement(HaveField("State", v1alpha1.PhoneNumberPending)))
	g.Expect(ms.Status.SID).To(Equal(svc.SID))
	g.Expect(e.writes()).To(BeZero(), "ObserveOnly never writes to Twilio")

	// Deleting an observed object leaves the service in Twilio.
	g.Expect(k8s.Delete(context.Background(), ms)).To(Succeed())
	waitForGone(g, ms)
	_, err = e.emu.Service(svc.SID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(e.writes()).To(BeZero())
}

func TestMessagingServiceDeletionPolicies(t *testing.T) {
	t.Parallel()
	e := startEnv(t)
	ctx := context.Background()

	t.Run("Delete removes the service", func(t *testing.T) {
		g := NewWithT(t)
		ms := e.messagingService("deleted", withNumbers(number1))
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
		waitForReady(g, ms)
		g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
		waitForGone(g, ms)
		_, err := e.emu.Service(ms.Status.SID)
		g.Expect(err).To(MatchError(twilioemu.ErrNotFound))
		numbers, _ := e.emu.PhoneNumbers(account)
		g.Expect(numbers).To(HaveEach(HaveField("ServiceSid", BeEmpty())), "deleting a service frees its numbers")
	})
	t.Run("Delete of a service already gone from Twilio is done", func(t *testing.T) {
		g := NewWithT(t)
		ms := e.messagingService("gone")
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
		waitForReady(g, ms)
		g.Expect(consoleClient(e.emu).DeleteService(ctx, ms.Status.SID)).To(Succeed())
		g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
		waitForGone(g, ms)
	})
	t.Run("Orphan leaves the service and its numbers", func(t *testing.T) {
		g := NewWithT(t)
		ms := e.messagingService("orphaned", withNumbers(number2), func(ms *v1alpha1.MessagingService) {
			ms.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
		})
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
		waitForReady(g, ms)
		g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
		waitForGone(g, ms)
		_, err := e.emu.Service(ms.Status.SID)
		g.Expect(err).NotTo(HaveOccurred())
		pool, _ := e.emu.PoolNumbers(ms.Status.SID)
		g.Expect(poolNumbers(pool)).To(ConsistOf(number2))
	})
}

func TestMessagingServiceAdoption(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	console := consoleClient(e.emu)
	existing, err := console.CreateService(ctx, twilio.ServiceParams{FriendlyName: ptr.To("Legacy support")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(console.AddPoolNumber(ctx, existing.SID, twilioemu.PhoneNumberSid(account, number3))).To(Succeed())
	g.Expect(e.emu.ResetCounters()).To(Succeed())

	ms := e.messagingService("adopted", withNumbers(number1), func(ms *v1alpha1.MessagingService) {
		withAnnotation(v1alpha1.SIDAnnotation, existing.SID)(ms)
	})
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	waitForReady(g, ms)
	g.Expect(ms.Status.SID).To(Equal(existing.SID))
	g.Expect(e.count("POST /v1/Services")).To(Equal(0), "adoption never creates")
	svc, _ := e.emu.Service(existing.SID)
	g.Expect(svc.FriendlyName).To(Equal(ms.Spec.FriendlyName))
	pool, _ := e.emu.PoolNumbers(existing.SID)
	g.Expect(poolNumbers(pool)).To(ConsistOf(number1))

	missing := e.messagingService("missing", func(ms *v1alpha1.MessagingService) {
		withAnnotation(v1alpha1.SIDAnnotation, "MG0000000000000000000000000000dead")(ms)
	})
	g.Expect(k8s.Create(ctx, missing)).To(Succeed())
	cond := waitForCondition(g, missing, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonSidNotFound)
	g.Expect(cond.Message).To(ContainSubstring("MG0000000000000000000000000000dead"))
	g.Expect(e.count("POST /v1/Services")).To(Equal(0), "a missing adopted SID is reported, never replaced")

	twice := e.messagingService("twice", func(ms *v1alpha1.MessagingService) {
		withAnnotation(v1alpha1.SIDAnnotation, existing.SID)(ms)
	})
	g.Expect(k8s.Create(ctx, twice)).To(Succeed())
	cond = waitForCondition(g, twice, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonAlreadyManaged)
	g.Expect(cond.Message).To(ContainSubstring("Messaging Service " + existing.SID + " is managed by another object"))
	g.Expect(cond.Message).NotTo(ContainSubstring(e.ns), "the owner is not named")
	g.Expect(cond.Message).NotTo(ContainSubstring("adopted"), "the owner is not named")
	fetch(g, ms)
	g.Expect(meta.IsStatusConditionTrue(ms.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue(), "the owner is not affected")
}
