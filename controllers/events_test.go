package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// reasonsFor lists the reasons of the events about the object named name.
func reasonsFor(g Gomega, e *testEnv, name string) func() []string {
	return func() []string {
		events := &eventsv1.EventList{}
		g.Expect(k8s.List(context.Background(), events, client.InNamespace(e.ns))).To(Succeed())
		var reasons []string
		for _, ev := range events.Items {
			if ev.Regarding.Name == name {
				reasons = append(reasons, ev.Reason)
			}
		}
		return reasons
	}
}

// TestCreatedObjectsGetOneEvent checks the events of a create: a service created and
// Ready in one reconcile is reported by its Created event alone (which names the SID);
// one that becomes Ready later gets its Available event then. It also checks that the
// finalizer, written together with the create-pending marker, guards the object.
func TestCreatedObjectsGetOneEvent(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	// The numbers have a webhook of their own, as a Flex number does: one without any
	// would add its NoInboundRoute warning (inbound_test.go).
	e := startEnv(t, withSMSURL(number1, flexWebhook), withSMSURL(number2, flexWebhook))
	ctx := context.Background()

	ms := e.messagingService("one-event", withNumbers(number1))
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	waitForReady(g, ms)
	g.Expect(controllerutil.ContainsFinalizer(ms, "messaging.twilio-operator.io/finalizer")).To(BeTrue())
	g.Eventually(reasonsFor(g, e, ms.Name)).WithTimeout(timeout).Should(ConsistOf("Created"))
	g.Consistently(reasonsFor(g, e, ms.Name)).WithTimeout(stallWindow).Should(ConsistOf("Created"))

	later := e.messagingService("ready-later", withNumbers("+15005550009"))
	g.Expect(k8s.Create(ctx, later)).To(Succeed())
	waitForCondition(g, later, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonPhoneNumberNotFound)
	update(g, later, func(ms *v1alpha1.MessagingService) { ms.Spec.PhoneNumbers = []string{number2} })
	waitForReady(g, later)
	g.Eventually(reasonsFor(g, e, later.Name)).WithTimeout(timeout).Should(
		ContainElements("Created", v1alpha1.ReasonPhoneNumberNotFound, v1alpha1.ReasonAvailable))
}
