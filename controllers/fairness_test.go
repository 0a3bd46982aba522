package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
	g.Expect(e.emu.SetAccountFaults(secondAccount, twilioemu.Faults{ConcurrencyLimit: 1, Latency: time.Second})).To(Succeed())
	e.createSecret(t, "slow", map[string]string{"TWILIO_ACCOUNT_SID": secondAccount, "TWILIO_AUTH_TOKEN": twilioemu.SecondAuthToken})
	slow := createServices(g, e, "slow", 12, func(ms *v1alpha1.MessagingService) { ms.Spec.CredentialsRef.Name = "slow" })
	fast := createServices(g, e, "fast", 3)
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

// TestASyncWaitingForItsAccountWritesNothing: a sync its account has no room for goes
// back to the queue without a write. Twilio answers slowly and only two syncs of the
// account are admitted at once (MaxSyncsPerAccount in the test environment), so most of
// the objects wait, again and again. A watch records every version the API server
// stores: each object's first write is the create-pending marker of its admitted sync
// (a finalizer or a status written while it waited would come first), and it is
// written three times in all (marker, SID, status). On a cold start of 1,000 objects
// the waits had cost about 900 extra metadata writes and 200 status writes.
func TestASyncWaitingForItsAccountWritesNothing(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	g.Expect(e.emu.SetAccountFaults(account, twilioemu.Faults{Latency: 150 * time.Millisecond})).To(Succeed())

	wc, err := client.NewWithWatch(restConfig, client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	w, err := wc.Watch(watchCtx, &v1alpha1.MessagingServiceList{}, client.InNamespace(e.ns))
	g.Expect(err).NotTo(HaveOccurred())
	var mu sync.Mutex
	writes := map[string][]*v1alpha1.MessagingService{} // the versions after the create
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for ev := range w.ResultChan() {
			if ms, ok := ev.Object.(*v1alpha1.MessagingService); ok && ev.Type == watch.Modified {
				mu.Lock()
				writes[ms.Name] = append(writes[ms.Name], ms)
				mu.Unlock()
			}
		}
	}()

	objs := createServices(g, e, "waiting", 8)
	for _, ms := range objs {
		waitForReady(g, ms)
	}
	// The watch has delivered each object's Ready version once it shows Ready.
	g.Eventually(func(g Gomega) {
		mu.Lock()
		defer mu.Unlock()
		for _, ms := range objs {
			vs := writes[ms.Name]
			g.Expect(vs).NotTo(BeEmpty())
			g.Expect(meta.IsStatusConditionTrue(vs[len(vs)-1].Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
		}
	}).WithTimeout(10 * time.Second).Should(Succeed())
	stopWatch()
	<-watched

	for _, ms := range objs {
		vs := writes[ms.Name]
		g.Expect(vs[0].Annotations).To(HaveKey(v1alpha1.CreatePendingAnnotation),
			"%s: the first write is the marker of its admitted sync, not one made while it waited", ms.Name)
		g.Expect(vs).To(HaveLen(3), "%s: marker, SID and status, nothing more", ms.Name)
	}
}

// TestASyncWaitingForItsAccountIsWokenNotPolled: a sync its account has no room for
// waits in the account's line and is woken when a place frees, instead of being tried
// again every few hundred milliseconds. Twilio answers slowly and two syncs of the
// account are admitted at once (the test environment's MaxSyncsPerAccount), so most of
// the 20 objects wait for seconds; each turned-away attempt logs one debug line. Tried
// on a timer, a cold start of 10,000 objects of one account had cost about 190
// reconciles per object and four times the operator's CPU.
func TestASyncWaitingForItsAccountIsWokenNotPolled(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	// 150 ms a request: the objects are all Ready within a few seconds, before any
	// waiting object's own 5–15 s retry, even on a loaded machine.
	g.Expect(e.emu.SetAccountFaults(account, twilioemu.Faults{Latency: 150 * time.Millisecond})).To(Succeed())
	objs := createServices(g, e, "in-line", 20)
	for _, ms := range objs {
		waitForReady(g, ms)
	}
	waits := strings.Count(e.logs.String(), "Waiting for room among the account's syncs")
	t.Logf("%d objects, %d turned-away attempts", len(objs), waits)
	g.Expect(waits).To(BeNumerically(">=", len(objs)/2), "most objects waited: the test shows nothing otherwise")
	g.Expect(waits).To(BeNumerically("<=", 2*len(objs)), "each waiting object is tried again when woken, not on a timer")
}

// createServices creates n MessagingServices named prefix-0 … prefix-(n-1), each edited
// by edits, and returns them.
func createServices(g Gomega, e *testEnv, prefix string, n int, edits ...func(*v1alpha1.MessagingService)) []*v1alpha1.MessagingService {
	objs := make([]*v1alpha1.MessagingService, 0, n)
	for i := range n {
		ms := e.messagingService(fmt.Sprintf("%s-%d", prefix, i), edits...)
		g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
		objs = append(objs, ms)
	}
	return objs
}
