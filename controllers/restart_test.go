package controllers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// TestRestartResumesFromStatus: a new operator process (after a restart, or a new
// leader) takes over Ready objects that were synced less than a resync period ago
// without a single Twilio request, and syncs at once each object whose status cannot
// vouch for Twilio: its spec changed while no operator ran, its last sync is older than
// a resync period, or its status disagrees with what registrations report on it.
func TestRestartResumesFromStatus(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)

	steady := e.readyService(g, "steady", number1)
	changed := e.readyService(g, "changed", number2)
	stale := e.readyService(g, "stale", number3)
	unregistered := e.readyService(g, "unregistered")
	a2p := e.registration("acme", "steady")
	e.verified(g, a2p)
	g.Eventually(func(g Gomega) {
		fetch(g, steady)
		g.Expect(steady.Status.UsAppToPersonRegistered).To(BeTrue())
	}).WithTimeout(timeout).Should(Succeed())

	e.stopOperator()
	update(g, changed, func(ms *v1alpha1.MessagingService) { ms.Spec.FriendlyName = "Support SMS renamed" })
	patchStatus(g, stale, map[string]any{"lastSyncTime": metav1.NewTime(time.Now().Add(-2 * time.Hour))})
	patchStatus(g, unregistered, map[string]any{"usAppToPersonRegistered": true})
	before, err := e.emu.Requests()
	g.Expect(err).NotTo(HaveOccurred())
	e.startOperator(t)

	// The new process counts an object in its metrics once it has reconciled it.
	g.Eventually(readyObjects(g, e, "MessagingService")).WithTimeout(timeout).Should(Equal(4.0))
	g.Eventually(readyObjects(g, e, "A2PRegistration")).WithTimeout(timeout).Should(Equal(1.0))
	waitForReady(g, changed)
	svc, err := e.emu.Service(changed.Status.SID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(svc.FriendlyName).To(Equal("Support SMS renamed"), "a change made while no operator ran is synced")
	g.Eventually(func(g Gomega) {
		fetch(g, unregistered)
		g.Expect(unregistered.Status.UsAppToPersonRegistered).To(BeFalse(), "a status that disagrees is corrected from Twilio")
		fetch(g, stale)
		g.Expect(stale.Status.LastSyncTime.Time).To(BeTemporally(">", time.Now().Add(-time.Hour)), "an old sync is made again")
	}).WithTimeout(timeout).Should(Succeed())

	after, err := e.emu.Requests()
	g.Expect(err).NotTo(HaveOccurred())
	synced := map[string]int{}
	accountReads := map[string]int{}
	for _, r := range after[len(before):] {
		if r.Route == routeListNumbers || r.Route == routeListAddresses {
			// The inbound routing check's reads are the account's, made for the objects
			// that sync (changed and stale have numbers), once for all of them.
			accountReads[r.Route]++
			continue
		}
		owner := ""
		for _, ms := range []*v1alpha1.MessagingService{changed, stale, unregistered} {
			if strings.Contains(r.Path, ms.Status.SID) {
				owner = ms.Name
			}
		}
		g.Expect(owner).NotTo(BeEmpty(), "request %s %s is for an object the status vouches for", r.Method, r.Path)
		synced[owner]++
	}
	g.Expect(synced).To(HaveKey("changed"))
	g.Expect(synced).To(HaveKey("stale"))
	g.Expect(synced).To(HaveKey("unregistered"))
	g.Expect(accountReads).To(Equal(map[string]int{routeListNumbers: 1, routeListAddresses: 1}))
}

// patchStatus merges fields into obj's status, as another writer would.
func patchStatus(g Gomega, obj client.Object, fields map[string]any) {
	patch, err := json.Marshal(map[string]any{"status": fields})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(k8s.Status().Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, patch))).To(Succeed())
}

// readyObjects reads the operator's twilio_operator_objects{kind, ready="True"}.
func readyObjects(g Gomega, e *testEnv, kind string) func() float64 {
	return func() float64 {
		families, err := e.registry.Gather()
		g.Expect(err).NotTo(HaveOccurred())
		for _, f := range families {
			if f.GetName() != "twilio_operator_objects" {
				continue
			}
			for _, m := range f.GetMetric() {
				if labels(m)["kind"] == kind && labels(m)["ready"] == "True" {
					return m.GetGauge().GetValue()
				}
			}
		}
		return 0
	}
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}
