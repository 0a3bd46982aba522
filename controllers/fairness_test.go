package controllers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// TestASlowAccountDoesNotHoldEveryWorker: one account answers slowly and one request
// at a time (its concurrency limit is 1). Its objects take a share of the workers, not
// all of them: another account's objects, applied after them, are Ready while most of
// the slow account's are still waiting.
func TestASlowAccountDoesNotHoldEveryWorker(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	g.Expect(e.emu.SetAccountFaults(secondAccount, twilioemu.Faults{ConcurrencyLimit: 1, Latency: time.Second})).To(Succeed())
	e.createSecret(t, "slow", map[string]string{"TWILIO_ACCOUNT_SID": secondAccount, "TWILIO_AUTH_TOKEN": twilioemu.SecondAuthToken})
	var slow []*v1alpha1.MessagingService
	for i := range 12 {
		ms := e.messagingService(fmt.Sprintf("slow-%d", i), func(ms *v1alpha1.MessagingService) { ms.Spec.CredentialsRef.Name = "slow" })
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
		slow = append(slow, ms)
	}
	var fast []*v1alpha1.MessagingService
	for i := range 3 {
		ms := e.messagingService(fmt.Sprintf("fast-%d", i))
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
		fast = append(fast, ms)
	}
	for _, ms := range fast {
		waitForReady(g, ms)
	}
	ready := 0
	for _, ms := range slow {
		fetch(g, ms)
		if meta.IsStatusConditionTrue(ms.Status.Conditions, v1alpha1.ConditionReady) {
			ready++
		}
	}
	g.Expect(ready).To(BeNumerically("<=", 6), "the fast account's objects waited behind the slow account's")
	for _, ms := range slow {
		waitForReady(g, ms) // and the slow account gets there too
	}
}
