package faults

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// createRoutes are the endpoints whose responses get lost after Twilio commits them.
var createRoutes = []string{
	"POST /v1/Services",
	"POST /v1/Services/{ServiceSid}/PhoneNumbers",
	"POST /v1/a2p/BrandRegistrations",
	"POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p",
}

// report is what a run prints and docs/reliability.md quotes.
type report struct {
	Scale              string  `json:"scale"`
	Seed               uint64  `json:"seed"`
	MessagingServices  int     `json:"messagingServices"`
	A2PRegistrations   int     `json:"a2pRegistrations"`
	Kills              int     `json:"kills"`
	DeletionKills      int     `json:"deletionKills"`
	Requests           int     `json:"twilioRequests"`
	Injected5xx        int     `json:"injected5xx"`
	Throttled429       int     `json:"throttled429"`
	DroppedResponses   int     `json:"droppedResponses"`
	Duplicates         int     `json:"duplicates"`
	Lost               int     `json:"lost"`
	Leaks              int     `json:"leaks"`
	ConvergenceSeconds float64 `json:"convergenceSeconds"`
	DeletedDelete      int     `json:"deletedWithDelete"`
	DeletedOrphan      int     `json:"deletedWithOrphan"`
	// Stalled is every Stalled=True condition the run's watch saw, from before the
	// first object was applied to the end; WatchEvents is how many events it saw.
	Stalled     []stallRecord `json:"stalled"`
	WatchEvents int           `json:"watchEvents"`
	// KillsInCreateWindows is the SIGKILLs while converging that landed while at
	// least one object had a create pending (marker written, SID not yet), from the
	// watch; CreatesInterrupted is the create windows they fell in.
	KillsInCreateWindows int `json:"killsWhileACreateWasPending"`
	CreatesInterrupted   int `json:"createsInterruptedByAKill"`
	// Recoveries is the creates that Twilio committed but whose SID the process that
	// sent them never recorded, and why.
	Recoveries recoveries `json:"recoveries"`
}

// TestConvergenceUnderFaultsAndCrashes applies MessagingServices and A2PRegistrations
// while Twilio is slow, fails 5% of requests, throttles with 429s and loses the answer
// to a quarter of the creates it commits, and while the operator is SIGKILLed again and
// again. Everything must end Ready with exactly one Twilio object per Kubernetes object;
// then half of the objects are deleted, under the same faults and kills, and each
// deletion policy must hold. A watch started before the first object is applied
// records every Stalled condition of the run: there must be none.
// FAULTS_INJECT_STALL=1 makes one object Stalled for one status write, and the run fail.
func TestConvergenceUnderFaultsAndCrashes(t *testing.T) {
	sc := currentScale()
	g := NewWithT(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(sc.seed, 0x7a11))
	t.Logf("scale %s, seed %d (replay with FAULTS_SEED=%d)", sc.name, sc.seed, sc.seed)
	rep := report{Scale: sc.name, Seed: sc.seed, MessagingServices: sc.services, A2PRegistrations: sc.registrations}

	lat := sc.latency.String()
	w := newWorld(t, sc.services, sc.registrations, sc.seed,
		"--latency", lat, "--jitter", lat, "--error-rate", "0.05", "--concurrency-limit", fmt.Sprint(sc.concurrency),
		"--brand-delay", "2s", "--campaign-in-progress-delay", "1s", "--campaign-delay", "3s")
	for _, route := range createRoutes {
		g.Expect(w.emu.Admin.SetPathFaults(route, twilioemu.Faults{Latency: sc.latency, Jitter: sc.latency,
			ErrorRate: 0.05, DropRate: 0.25})).To(Succeed())
	}
	start := func(i int) *testbed.Operator {
		return w.startOperator(fmt.Sprintf("operator-%02d", i), cp.Kubeconfig,
			"--resync-period=15s", "--vetting-poll-interval=500ms", "--vetting-poll-max-interval=2s",
			"--twilio-max-concurrency=12", "--twilio-qps=500", "--max-concurrent-reconciles=8")
	}
	history := watchNamespace(t, w.ns)
	op := start(0)

	began := time.Now()
	for i := range sc.services {
		g.Expect(k8s.Create(ctx, w.messagingService(i))).To(Succeed())
	}
	for j := range sc.registrations {
		g.Expect(k8s.Create(ctx, w.registration(j))).To(Succeed())
	}
	if os.Getenv("FAULTS_INJECT_STALL") != "" {
		injectStall(g, w.messagingService(sc.services-1))
		t.Logf("FAULTS_INJECT_STALL: %s was Stalled for one status write; this run must fail", w.messagingService(sc.services-1).Name)
	}
	op, rep.Kills = w.killer(ctx, rng, sc.kills, start, op)
	g.Expect(rep.Kills).To(Equal(sc.kills))
	w.mu.Lock()
	convergenceKills := append([]time.Time(nil), w.kills...)
	w.mu.Unlock()

	g.Eventually(func(g Gomega) {
		history.stopOnStall()
		ready, total := w.readiness(g)
		g.Expect(ready).To(Equal(total), "%d of %d Ready", ready, total)
	}).WithTimeout(sc.converge).WithPolling(time.Second).Should(Succeed())
	rep.ConvergenceSeconds = time.Since(began).Seconds()
	rep.Duplicates, rep.Lost = w.checkTwilio(g, sc, nil)

	// Delete half of the objects, both policies, while the operator keeps crashing.
	// Services with a campaign stay: deleting them would take the campaign along.
	deleted := map[string]bool{}
	for i := sc.registrations; i < sc.registrations+(sc.services-sc.registrations)/2; i++ {
		ms := w.messagingService(i)
		g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
		deleted[ms.Name] = true
		if ms.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete {
			rep.DeletedDelete++
		} else {
			rep.DeletedOrphan++
		}
	}
	for j := range sc.registrations / 2 {
		a := w.registration(j)
		g.Expect(k8s.Delete(ctx, a)).To(Succeed())
		deleted[a.Name] = true
	}
	_, rep.DeletionKills = w.killer(ctx, rng, sc.deletionKills, func(i int) *testbed.Operator { return start(sc.kills + i) }, op)
	g.Eventually(func(g Gomega) {
		history.stopOnStall()
		for name := range deleted {
			var obj client.Object = &v1alpha1.MessagingService{}
			if strings.HasPrefix(name, "a2p-") {
				obj = &v1alpha1.A2PRegistration{}
			}
			err := k8s.Get(ctx, client.ObjectKey{Namespace: w.ns, Name: name}, obj)
			g.Expect(client.IgnoreNotFound(err)).To(Succeed())
			g.Expect(err).To(HaveOccurred(), "%s still exists", name)
		}
		ready, total := w.readiness(g)
		g.Expect(ready).To(Equal(total))
	}).WithTimeout(sc.converge).WithPolling(time.Second).Should(Succeed())
	dup, lost := w.checkTwilio(g, sc, deleted)
	rep.Duplicates += dup
	rep.Lost += lost

	counts, err := w.emu.Admin.Counts("")
	g.Expect(err).NotTo(HaveOccurred())
	for _, n := range counts {
		rep.Requests += n
	}
	requests, err := w.emu.Admin.Requests()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(requests).To(HaveLen(rep.Requests), "the emulator's request log holds every request: the fault counts are complete")
	for _, r := range requests {
		switch {
		case r.Dropped:
			rep.DroppedResponses++
		case r.Status == 429:
			rep.Throttled429++
		case r.Status >= 500:
			rep.Injected5xx++
		}
	}
	history.catchUp(g)
	rep.Recoveries = w.countRecoveries(g, requests)
	rep.KillsInCreateWindows, rep.CreatesInterrupted = history.killsInCreateWindows(convergenceKills)
	t.Logf("SIGKILLs while converging: %d, of which %d landed while a create was pending (%d creates interrupted); "+
		"%d recoveries no lost answer explains. Recovered: %d services (%d lost answers), %d brands (%d lost answers)",
		rep.Kills, rep.KillsInCreateWindows, rep.CreatesInterrupted, rep.Recoveries.AfterKill,
		rep.Recoveries.Services, rep.Recoveries.ServiceLostAnswers, rep.Recoveries.Brands, rep.Recoveries.BrandLostAnswers)

	var gaps []string
	rep.Stalled, rep.WatchEvents, gaps = history.recorded()
	g.Expect(gaps).To(BeEmpty(), "the watch must have seen every write to vouch that nothing stalled")
	t.Logf("the watch saw %d events and %d Stalled conditions", rep.WatchEvents, len(rep.Stalled))
	history.expectNone(g)

	g.Expect(rep.Throttled429).To(BeNumerically(">", 0), "the concurrency limit must have throttled")
	g.Expect(rep.Injected5xx).To(BeNumerically(">", 0), "5xx must have been injected")
	g.Expect(rep.DroppedResponses).To(BeNumerically(">", 0), "responses must have been lost")

	rep.Leaks = w.leaks(g)
	g.Expect(rep.Leaks).To(BeZero(), "the auth token leaked")
	g.Expect(rep.Duplicates).To(BeZero())
	g.Expect(rep.Lost).To(BeZero())

	out, _ := json.MarshalIndent(rep, "", "  ")
	t.Logf("fault run:\n%s", out)
	if path := os.Getenv("FAULTS_REPORT"); path != "" {
		g.Expect(os.WriteFile(path, out, 0o644)).To(Succeed())
	}
}

// leaks counts the places the world's auth token appears in everything its operators
// left (logs, events, objects, metrics): verbatim, lower-cased, or as the Basic auth
// header it would be sent in.
func (w *world) leaks(g Gomega) int {
	evidence := w.evidence(g)
	n := 0
	for _, s := range []string{w.token, strings.ToLower(w.token), base64.StdEncoding.EncodeToString([]byte(account + ":" + w.token))} {
		n += strings.Count(evidence, s)
	}
	return n
}
