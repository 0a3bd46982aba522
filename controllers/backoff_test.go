package controllers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// TestTransientFailuresGoBackToControllerRuntime: a transient Twilio failure is
// returned to controller-runtime, which counts it (controller_runtime_reconcile_errors_total)
// and retries the object with its own backoff, from a second up: never hot.
func TestTransientFailuresGoBackToControllerRuntime(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	errorsBefore := reconcileErrors(g, "messagingservice")
	g.Expect(e.emu.SetPathFaults("POST /v1/Services", twilioemu.Faults{ErrorRate: 1})).To(Succeed())
	ms := e.messagingService("retried")
	g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
	waitForCondition(g, ms, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonRetrying)

	var attempts []time.Time
	g.Eventually(func() int {
		attempts = attempts[:0]
		requests, _ := e.emu.Requests()
		for _, r := range requests {
			if r.Route == "POST /v1/Services" && r.Method == http.MethodPost {
				attempts = append(attempts, r.Time)
			}
		}
		return len(attempts)
	}).WithTimeout(timeout).Should(BeNumerically(">=", 3), "three attempts within the backoff's first seconds")
	for i := 1; i < len(attempts); i++ {
		g.Expect(attempts[i].Sub(attempts[i-1])).To(BeNumerically(">=", 900*time.Millisecond),
			"attempt %d came %v after the one before: the backoff starts at a second", i, attempts[i].Sub(attempts[i-1]))
	}
	g.Expect(reconcileErrors(g, "messagingservice")).To(BeNumerically(">", errorsBefore), "controller-runtime counted the failures")
	g.Expect(e.emu.ClearFaults()).To(Succeed())
	waitForReady(g, ms)
}

// reconcileErrors reads controller_runtime_reconcile_errors_total of a controller from
// controller-runtime's registry (shared by every test's manager, so only its growth
// means something).
func reconcileErrors(g Gomega, controller string) float64 {
	families, err := ctrlmetrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	total := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_errors_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == controller {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}
