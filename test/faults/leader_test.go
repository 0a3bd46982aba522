package faults

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

// TestOnlyTheLeaderWritesAndHandsOver runs two operator replicas with leader election:
// only the leader may call Twilio (each replica's requests are told apart by the pid in
// its User-Agent), and when the leader is killed the other takes over and converges
// what was applied meanwhile.
func TestOnlyTheLeaderWritesAndHandsOver(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	w := newWorld(t, 8, 0, uint64(time.Now().UnixNano()))
	args := []string{"--leader-elect", "--leader-election-namespace", w.ns, "--resync-period=10s"}
	a := w.startOperator("replica-a", cp.Kubeconfig, args...)
	b := w.startOperator("replica-b", cp.Kubeconfig, args...)

	leader, follower := waitForLeader(g, a, b)
	for i := range 4 {
		g.Expect(k8s.Create(ctx, w.messagingService(i))).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		ready, total := w.readiness(g)
		g.Expect(ready).To(Equal(total))
	}).WithTimeout(time.Minute).Should(Succeed())
	g.Expect(w.requestsBy(g, leader)).To(BeNumerically(">", 0))
	g.Consistently(func(g Gomega) int { return w.requestsBy(g, follower) }).WithTimeout(2*time.Second).Should(BeZero(),
		"a replica that does not lead never calls Twilio")

	// The leader dies without releasing its lease; the follower takes over once the
	// lease expires, and converges what is applied in the meantime.
	w.scrape(leader)
	leader.Kill()
	for i := 4; i < 8; i++ {
		g.Expect(k8s.Create(ctx, w.messagingService(i))).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		ready, total := w.readiness(g)
		g.Expect(total).To(Equal(8))
		g.Expect(ready).To(Equal(total))
	}).WithTimeout(2 * time.Minute).Should(Succeed())
	g.Expect(w.requestsBy(g, follower)).To(BeNumerically(">", 0), "the new leader did the work")
	services, err := w.emu.Admin.Services(account)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(services).To(HaveLen(8), "one service per object across the handover")
	g.Expect(w.leaks(g)).To(BeZero())
}

// leading matches the metric line of a replica that holds the lease.
var leading = regexp.MustCompile(`(?m)^leader_election_master_status\{[^}]*\} 1$`)

// waitForLeader returns the replica whose metrics say it leads, and the other.
func waitForLeader(g Gomega, a, b *testbed.Operator) (leader, follower *testbed.Operator) {
	g.Eventually(func() bool {
		for _, op := range []*testbed.Operator{a, b} {
			if m, err := op.Metrics(); err == nil && leading.MatchString(m) {
				leader = op
			}
		}
		return leader != nil
	}).WithTimeout(time.Minute).Should(BeTrue(), "one replica leads")
	if leader == a {
		return a, b
	}
	return b, a
}

// requestsBy counts the Twilio requests of one operator process.
func (w *world) requestsBy(g Gomega, op *testbed.Operator) int {
	counts, err := w.emu.Admin.Counts(fmt.Sprintf("pid %d)", op.PID()))
	g.Expect(err).NotTo(HaveOccurred())
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}
