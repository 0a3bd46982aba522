package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

// TestShardsSplitTheFleet runs two operator processes on one cluster, each with its own
// label selector and leader-election ID, as two Deployments of a sharded fleet would.
// Each object is written to Twilio by exactly one of them, and both shards converge.
func TestShardsSplitTheFleet(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	const perShard = 6
	w := newWorld(t, 2*perShard, 0, uint64(time.Now().UnixNano()))
	shards := map[string]*testbed.Operator{}
	for _, shard := range []string{"a", "b"} {
		shards[shard] = w.startOperator("shard-"+shard, cp.Kubeconfig, "--watch-selector=shard="+shard,
			"--leader-elect", "--leader-election-namespace", w.ns, "--leader-election-id", "shard-"+shard+".twilio-operator.io")
	}
	for i := range 2 * perShard {
		ms := w.messagingService(i)
		ms.Labels = map[string]string{"shard": []string{"a", "b"}[i%2]}
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		list := &v1alpha1.MessagingServiceList{}
		g.Expect(k8s.List(ctx, list, client.InNamespace(w.ns))).To(Succeed())
		g.Expect(list.Items).To(HaveLen(2 * perShard))
		for _, ms := range list.Items {
			g.Expect(meta.IsStatusConditionTrue(ms.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue(), ms.Name)
		}
	}).WithTimeout(2 * time.Minute).Should(Succeed())

	// Which shard wrote what: the emulator's request log, by each process's User-Agent.
	requests, err := w.emu.Admin.Requests()
	g.Expect(err).NotTo(HaveOccurred())
	writtenBy := map[string]string{} // service SID → shard
	for _, r := range requests {
		if r.Method == "GET" || !strings.Contains(r.Path, "/Services/MG") {
			continue
		}
		sid, _, _ := strings.Cut(r.Path[strings.Index(r.Path, "/Services/")+len("/Services/"):], "/")
		for shard, op := range shards {
			if strings.Contains(r.UserAgent, fmt.Sprintf("pid %d)", op.PID())) {
				g.Expect(writtenBy).NotTo(HaveKeyWithValue(sid, Not(Equal(shard))), "%s was written by both shards", sid)
				writtenBy[sid] = shard
			}
		}
	}
	list := &v1alpha1.MessagingServiceList{}
	g.Expect(k8s.List(ctx, list, client.InNamespace(w.ns))).To(Succeed())
	for _, ms := range list.Items {
		g.Expect(writtenBy).To(HaveKeyWithValue(ms.Status.SID, ms.Labels["shard"]), "%s was written by its own shard", ms.Name)
	}
	for shard, op := range shards {
		g.Expect(w.requestsBy(g, op)).To(BeNumerically(">", 0), "shard %s did its share", shard)
	}
	// Both shards serve the one account here, which is reported on the objects of the
	// shard that came second: shards are meant to split by account.
	shared := 0
	for _, ms := range list.Items {
		if meta.IsStatusConditionTrue(ms.Status.Conditions, v1alpha1.ConditionAccountShared) {
			shared++
		}
	}
	g.Expect(shared).To(BeNumerically(">", 0), "an account two shards serve is reported")
	g.Expect(w.leaks(g)).To(BeZero())
}
