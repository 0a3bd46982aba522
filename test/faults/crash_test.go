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
}

// TestConvergenceUnderFaultsAndCrashes applies MessagingServices and A2PRegistrations
// while Twilio is slow, fails 5% of requests, throttles with 429s and loses the answer
// to a quarter of the creates it commits, and while the operator is SIGKILLed again and
// again. Everything must end Ready with exactly one Twilio object per Kubernetes object;
// then half of the objects are deleted, under the same faults and kills, and each
// deletion policy must hold.
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
	op := start(0)

	began := time.Now()
	for i := range sc.services {
		g.Expect(k8s.Create(ctx, w.messagingService(i))).To(Succeed())
	}
	for j := range sc.registrations {
		g.Expect(k8s.Create(ctx, w.registration(j))).To(Succeed())
	}
	op, rep.Kills = w.killer(ctx, rng, sc.kills, start, op)
	g.Expect(rep.Kills).To(Equal(sc.kills))

	g.Eventually(func(g Gomega) {
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

	requests, err := w.emu.Admin.Requests()
	g.Expect(err).NotTo(HaveOccurred())
	rep.Requests = len(requests)
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
	g.Expect(rep.Throttled429).To(BeNumerically(">", 0), "the concurrency limit must have throttled")
	g.Expect(rep.Injected5xx).To(BeNumerically(">", 0), "5xx must have been injected")
	g.Expect(rep.DroppedResponses).To(BeNumerically(">", 0), "responses must have been lost")

	rep.Leaks = leaks(w.evidence(g), w.token, account)
	g.Expect(rep.Leaks).To(BeZero(), "the auth token leaked")
	g.Expect(rep.Duplicates).To(BeZero())
	g.Expect(rep.Lost).To(BeZero())

	out, _ := json.MarshalIndent(rep, "", "  ")
	t.Logf("fault run:\n%s", out)
	if path := os.Getenv("FAULTS_REPORT"); path != "" {
		g.Expect(os.WriteFile(path, out, 0o644)).To(Succeed())
	}
}

// leaks counts the places a secret appears in evidence: verbatim, lower-cased, or as
// the Basic auth header it would be sent in.
func leaks(evidence, token, accountSID string) int {
	n := 0
	for _, s := range []string{token, strings.ToLower(token), base64.StdEncoding.EncodeToString([]byte(accountSID + ":" + token))} {
		n += strings.Count(evidence, s)
	}
	return n
}
