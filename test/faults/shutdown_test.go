package faults

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

// stopDeadline is how soon a SIGTERMed operator must be gone: within the termination
// grace period of its Deployment (10 s), whatever state its startup is in.
const stopDeadline = 10 * time.Second

// TestStopsPromptlyDuringStartup sends SIGTERM to operators whose caches cannot sync:
// one whose API server went away right after it started, one that may not list what it
// watches. controller-runtime's startup loops on a cancelled context in that state; the
// operator bounds its own shutdown.
func TestStopsPromptlyDuringStartup(t *testing.T) {
	t.Parallel()
	t.Run("the API server went away", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		dir := t.TempDir()
		gone, err := testbed.StartControlPlane("", filepath.Join(root, "config", "crd", "bases"), dir)
		g.Expect(err).NotTo(HaveOccurred())
		op, err := testbed.StartProcess("manager", bins.Manager, []string{"--kubeconfig", gone.Kubeconfig,
			"--metrics-bind-address=0", "--health-probe-bind-address=0"}, filepath.Join(dir, "manager.log"))
		g.Expect(err).NotTo(HaveOccurred())
		waitForLog(g, op, "Starting manager")
		if err := gone.Stop(); err != nil {
			log, _ := os.ReadFile(op.LogPath)
			t.Fatalf("cannot stop the API server: %v; operator log:\n%s", err, log)
		}
		t.Logf("exited %v after SIGTERM", expectPromptStop(g, op).Round(10*time.Millisecond))
	})
	t.Run("a missing RBAC grant", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		dir := t.TempDir()
		kubeconfig := filepath.Join(dir, "nobody.kubeconfig")
		g.Expect(cp.WriteKubeconfig(kubeconfig, "nobody")).To(Succeed()) // no group, no role: every list is forbidden
		op, err := testbed.StartProcess("manager", bins.Manager, []string{"--kubeconfig", kubeconfig,
			"--metrics-bind-address=0", "--health-probe-bind-address=0"}, filepath.Join(dir, "manager.log"))
		g.Expect(err).NotTo(HaveOccurred())
		waitForLog(g, op, "forbidden") // the caches are failing to sync
		t.Logf("exited %v after SIGTERM", expectPromptStop(g, op).Round(10*time.Millisecond))
	})
}

// waitForLog waits until the process has logged text.
func waitForLog(g Gomega, op *testbed.Process, text string) {
	g.Eventually(func() string { data, _ := os.ReadFile(op.LogPath); return string(data) }).
		WithTimeout(30 * time.Second).Should(ContainSubstring(text))
}

// expectPromptStop sends SIGTERM and expects the process gone within stopDeadline.
func expectPromptStop(g Gomega, op *testbed.Process) time.Duration {
	start := time.Now()
	g.Expect(op.Signal(syscall.SIGTERM)).To(Succeed())
	ctx, cancel := context.WithTimeout(context.Background(), stopDeadline)
	defer cancel()
	exited := op.Wait(ctx)
	if !exited {
		op.Kill()
	}
	log, _ := os.ReadFile(op.LogPath)
	g.Expect(exited).To(BeTrue(), "still running %v after SIGTERM; log:\n%s", stopDeadline, log)
	took := time.Since(start)
	g.Expect(took).To(BeNumerically("<", stopDeadline))
	return took
}
