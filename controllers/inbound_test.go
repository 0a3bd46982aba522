package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const (
	routeListNumbers   = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
	routeListAddresses = "GET /v1/Configuration/Addresses"
	flexWebhook        = "https://webhooks.twilio.com/v1/Accounts/AC0/Flex"
)

// withSMSURL seeds number (of the default account) with its own sms_url.
func withSMSURL(number, url string) envOption {
	return withSeed(func(s *twilioemu.Seed) {
		for i := range s.Accounts[0].PhoneNumbers {
			if s.Accounts[0].PhoneNumbers[i].PhoneNumber == number {
				s.Accounts[0].PhoneNumbers[i].SMSURL = url
			}
		}
	})
}

// pn is the PN SID of a number of the default account: pool entries given as SIDs need
// no lookup, so every IncomingPhoneNumbers read a test counts is the account's list.
func pn(number string) string { return twilioemu.PhoneNumberSid(account, number) }

func routes(ms *v1alpha1.MessagingService) map[string]v1alpha1.InboundRoute {
	out := map[string]v1alpha1.InboundRoute{}
	for _, st := range ms.Status.PhoneNumbers {
		out[st.SID] = st.InboundRoute
	}
	return out
}

// A pool with a webhook number, a Conversations number and a number with nothing: the
// three routes, InboundRouting=False naming the third (once, as a Warning event), and
// Ready all the same. A number given both later is Conversations, with a warning.
func TestInboundRoutesOfThePool(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t, withSMSURL(number1, flexWebhook), withResync(time.Second))
	ctx := context.Background()
	ig, err := e.emu.SeedAddressConfiguration(account, twilioemu.AddressConfigurationSeed{Address: number2})
	g.Expect(err).NotTo(HaveOccurred())

	ms := e.messagingService("flex", withNumbers(pn(number1), pn(number2), pn(number3)))
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	cond := waitForCondition(g, ms, v1alpha1.ConditionInboundRouting, "False", v1alpha1.ReasonNoInboundRoute)
	g.Expect(cond.Message).To(ContainSubstring("phone number " + number3 + " has no inbound route"))
	g.Expect(cond.Message).NotTo(ContainSubstring(number1))
	g.Expect(cond.Message).NotTo(ContainSubstring(number2))
	waitForReady(g, ms) // Ready is not affected
	g.Expect(routes(ms)).To(Equal(map[string]v1alpha1.InboundRoute{
		pn(number1): v1alpha1.InboundRouteWebhook,
		pn(number2): v1alpha1.InboundRouteConversations,
		pn(number3): v1alpha1.InboundRouteNone,
	}))
	g.Eventually(reasonsFor(g, e, ms.Name)).WithTimeout(timeout).Should(ContainElement(v1alpha1.ReasonNoInboundRoute))
	// Resyncs every second find the same: no second event (counted in the operator's
	// log, since the events API folds repeats into a series it reports much later).
	warnings := func() int {
		n := 0
		for _, line := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(line, `"msg":"Inbound routing warning"`) && strings.Contains(line, `"reason":"NoInboundRoute"`) {
				n++
			}
		}
		return n
	}
	g.Expect(warnings()).To(Equal(1))
	g.Consistently(warnings).WithTimeout(3 * time.Second).Should(Equal(1))

	// The Console gives the third number a webhook, and the second one too, on top of
	// its address configuration: Twilio runs both.
	g.Expect(e.emu.PatchPhoneNumber(pn(number3), twilioemu.PhoneNumberPatch{SMSURL: ptr.To(flexWebhook)})).To(Succeed())
	g.Expect(e.emu.PatchPhoneNumber(pn(number2), twilioemu.PhoneNumberPatch{SMSURL: ptr.To(flexWebhook)})).To(Succeed())
	cond = waitForCondition(g, ms, v1alpha1.ConditionInboundRouting, "True", v1alpha1.ReasonConversationsAndWebhook)
	g.Expect(cond.Message).To(ContainSubstring(number2 + ": Conversations address configuration " + ig + " and its sms_url"))
	g.Expect(routes(ms)).To(Equal(map[string]v1alpha1.InboundRoute{
		pn(number1): v1alpha1.InboundRouteWebhook,
		pn(number2): v1alpha1.InboundRouteConversations,
		pn(number3): v1alpha1.InboundRouteWebhook,
	}))
	for _, st := range ms.Status.PhoneNumbers {
		if st.SID == pn(number2) {
			g.Expect(st.Message).To(ContainSubstring("Twilio runs both"))
		}
	}
	g.Eventually(reasonsFor(g, e, ms.Name)).WithTimeout(timeout).Should(ContainElement(v1alpha1.ReasonConversationsAndWebhook))

	// Without "defer to sender's webhook", the service routes inbound itself: no check.
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.UseInboundWebhookOnNumber = ptr.To(false) })
	g.Eventually(func(g Gomega) {
		fetch(g, ms)
		g.Expect(ms.Status.ObservedGeneration).To(Equal(ms.Generation))
		g.Expect(ms.Status.Conditions).NotTo(ContainElement(HaveField("Type", v1alpha1.ConditionInboundRouting)))
		g.Expect(routes(ms)).To(HaveEach(BeEmpty()))
	}).WithTimeout(timeout).Should(Succeed())
}

// The routes are the account's reads, not each object's: three MessagingServices of one
// account cost one list of its numbers and one of its address configurations, and a
// change of all three (a sync of each) costs none more within the resync period.
func TestInboundReadsAreSharedByTheAccount(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	var objects []*v1alpha1.MessagingService
	for i, n := range []string{number1, number2, number3} {
		ms := e.messagingService(fmt.Sprintf("pool-%d", i), withNumbers(pn(n)))
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
		objects = append(objects, ms)
	}
	for _, ms := range objects {
		waitForCondition(g, ms, v1alpha1.ConditionInboundRouting, "False", v1alpha1.ReasonNoInboundRoute)
	}
	g.Expect(e.count(routeListNumbers)).To(Equal(1), "one list of the account's numbers for three objects")
	g.Expect(e.count(routeListAddresses)).To(Equal(1), "one list of its address configurations")

	for _, ms := range objects {
		update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.FriendlyName += " (edited)" })
	}
	for _, ms := range objects {
		waitForReady(g, ms)
	}
	g.Expect(e.count("POST /v1/Services/{Sid}")).To(Equal(3), "each object synced")
	g.Expect(e.count(routeListNumbers)).To(Equal(1), "the account's read is still fresh")
	g.Expect(e.count(routeListAddresses)).To(Equal(1))
}

// With a short resync, the account's lists are read again at most once per resync
// period, however many objects resync meanwhile.
func TestInboundReadsPerResyncPeriod(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	const resync = 2 * time.Second
	e := startEnv(t, withResync(resync))
	ctx := context.Background()
	var objects []*v1alpha1.MessagingService
	for i, n := range []string{number1, number2, number3} {
		ms := e.messagingService(fmt.Sprintf("resync-%d", i), withNumbers(pn(n)))
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
		objects = append(objects, ms)
	}
	for _, ms := range objects {
		waitForCondition(g, ms, v1alpha1.ConditionInboundRouting, "False", v1alpha1.ReasonNoInboundRoute)
	}
	g.Expect(e.emu.ResetCounters()).To(Succeed())
	start := time.Now()
	objectReads := func() int {
		return e.count("GET /v1/Services/{Sid}") + e.count("GET /v1/Services/{ServiceSid}/PhoneNumbers")
	}
	// Three resyncs of each object.
	g.Eventually(objectReads).WithTimeout(timeout).WithPolling(20 * time.Millisecond).Should(BeNumerically(">=", 9))
	numbers, addresses, elapsed := e.count(routeListNumbers), e.count(routeListAddresses), time.Since(start)
	limit := int(elapsed/resync) + 1
	g.Expect(numbers).To(BeNumerically(">=", 1), "the routes are read again after a resync period")
	g.Expect(numbers).To(BeNumerically("<=", limit), "at most one list of numbers per resync period (%s)", elapsed)
	// The two lists are read one after the other: a count taken between them is one apart.
	g.Expect(addresses).To(BeNumerically("~", numbers, 1), "the two lists go together")
	g.Eventually(func() int { return e.count(routeListAddresses) - e.count(routeListNumbers) }).
		WithTimeout(timeout).Should(BeZero(), "the two lists go together")
	g.Expect(numbers).To(BeNumerically("<", objectReads()), "fewer than one per object sync")
}
