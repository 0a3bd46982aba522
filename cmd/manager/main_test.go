package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

func TestParseConfig(t *testing.T) {
	tests := map[string]struct {
		args    []string
		wantErr string
		check   func(g Gomega, c config)
	}{
		"no flags gives the defaults of api.md": {
			check: func(g Gomega, c config) {
				g.Expect(c.twilioAPIURL).To(BeEmpty())
				g.Expect(c.twilioMaxConcurrency).To(Equal(20))
				g.Expect(c.twilioQPS).To(Equal(20.0))
				g.Expect(c.resyncPeriod).To(Equal(10 * time.Minute))
				g.Expect(c.maxConcurrentReconciles).To(Equal(8))
				g.Expect(c.watchNamespace).To(BeEmpty())
				g.Expect(c.leaderElect).To(BeFalse())
				g.Expect(c.probeAddr).To(Equal(":8081"))
				g.Expect(c.pollInterval).To(Equal(30 * time.Second))
				g.Expect(c.maxPollInterval).To(Equal(10 * time.Minute))
			},
		},
		"every operator flag is read": {
			args: []string{"--twilio-api-url=http://127.0.0.1:4010", "--twilio-max-concurrency=5", "--twilio-qps=2.5",
				"--resync-period=30s", "--max-concurrent-reconciles=3", "--watch-namespace=contact-center", "--leader-elect"},
			check: func(g Gomega, c config) {
				g.Expect(c.twilioAPIURL).To(Equal("http://127.0.0.1:4010"))
				g.Expect(c.twilioMaxConcurrency).To(Equal(5))
				g.Expect(c.twilioQPS).To(Equal(2.5))
				g.Expect(c.resyncPeriod).To(Equal(30 * time.Second))
				g.Expect(c.maxConcurrentReconciles).To(Equal(3))
				g.Expect(c.watchNamespace).To(Equal("contact-center"))
				g.Expect(c.leaderElect).To(BeTrue())
			},
		},
		"a relative Twilio API URL is refused":     {args: []string{"--twilio-api-url=/twilio"}, wantErr: "--twilio-api-url must be an absolute"},
		"a Twilio API URL without http is refused": {args: []string{"--twilio-api-url=ftp://emu"}, wantErr: "--twilio-api-url must be an absolute"},
		"zero concurrency is refused":              {args: []string{"--twilio-max-concurrency=0"}, wantErr: "--twilio-max-concurrency"},
		"a negative rate is refused":               {args: []string{"--twilio-qps=-1"}, wantErr: "--twilio-qps"},
		"a sub-second resync is refused":           {args: []string{"--resync-period=10ms"}, wantErr: "--resync-period"},
		"zero workers are refused":                 {args: []string{"--max-concurrent-reconciles=0"}, wantErr: "--max-concurrent-reconciles"},
		"an unknown flag is refused":               {args: []string{"--twilio-auth-token=secret"}, wantErr: "flag provided but not defined"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			c, err := parseConfig(tc.args)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			tc.check(g, c)
		})
	}
}

// TestManagerServes starts the operator binary's run function against a real API server
// and checks what a Deployment relies on: the probes answer, metrics are served and the
// leader election Lease is taken.
func TestManagerServes(t *testing.T) {
	g := NewWithT(t)
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	restConfig, err := env.Start()
	g.Expect(err).NotTo(HaveOccurred(), "envtest needs KUBEBUILDER_ASSETS; run `make test`")
	t.Cleanup(func() { _ = env.Stop() })

	probeAddr, metricsAddr := freeAddr(t), freeAddr(t)
	cfg, err := parseConfig([]string{
		"--health-probe-bind-address=" + probeAddr, "--metrics-bind-address=" + metricsAddr, "--metrics-secure=false",
		"--leader-elect", "--leader-election-namespace=default",
	})
	g.Expect(err).NotTo(HaveOccurred())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, restConfig, cfg) }()

	g.Eventually(func() (string, error) {
		select {
		case err := <-done:
			g.Expect(err).NotTo(HaveOccurred(), "the manager stopped")
		default:
		}
		return httpGet("http://" + probeAddr + "/healthz")
	}).WithTimeout(30 * time.Second).Should(Equal("ok"))
	g.Eventually(httpGet).WithArguments("http://" + probeAddr + "/readyz").Should(Equal("ok"))
	g.Eventually(httpGet).WithArguments("http://" + metricsAddr + "/metrics").Should(ContainSubstring("leader_election_master_status"))

	k8s, err := client.New(restConfig, client.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	lease := &coordinationv1.Lease{}
	key := types.NamespacedName{Namespace: "default", Name: cfg.leaderElectionID}
	g.Eventually(func() error { return k8s.Get(ctx, key, lease) }).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil())

	cancel()
	g.Eventually(done).WithTimeout(30*time.Second).Should(Receive(BeNil()), "the manager stops cleanly on cancel")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func httpGet(url string) (string, error) {
	resp, err := http.Get(url) //nolint:gosec // test-local URL
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), err
}
