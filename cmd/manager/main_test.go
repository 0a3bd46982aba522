package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	messagingv1alpha1 "github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/version"
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
				g.Expect(c.twilioMaxConcurrency).To(Equal(100))
				g.Expect(c.twilioQPS).To(BeZero(), "no rate cap: the window finds Twilio's concurrency limit")
				g.Expect(c.resyncPeriod).To(Equal(10 * time.Minute))
				g.Expect(c.maxConcurrentReconciles).To(Equal(64))
				g.Expect(c.watchNamespaces).To(BeEmpty())
				g.Expect(c.watchSelector).To(BeNil())
				g.Expect(c.leaderElect).To(BeFalse())
				g.Expect(c.probeAddr).To(Equal(":8081"))
				g.Expect(c.pollInterval).To(Equal(30 * time.Second))
				g.Expect(c.maxPollInterval).To(Equal(10 * time.Minute))
				g.Expect(c.kubeAPIQPS).To(BeZero())
				g.Expect(c.kubeAPIBurst).To(BeZero())
				g.Expect(c.pprofAddr).To(Equal("0"), "profiling is off unless asked for")
				g.Expect(c.shutdownTimeout).To(Equal(8*time.Second), "below the Deployment's 10s grace period")
				g.Expect(c.showVersion).To(BeFalse())
			},
		},
		"--version asks for the version": {
			args:  []string{"--version"},
			check: func(g Gomega, c config) { g.Expect(c.showVersion).To(BeTrue()) },
		},
		"every operator flag is read": {
			args: []string{"--twilio-api-url=http://127.0.0.1:4010", "--twilio-max-concurrency=5", "--twilio-qps=2.5",
				"--resync-period=30s", "--max-concurrent-reconciles=3", "--watch-namespace=contact-center", "--leader-elect",
				"--kube-api-qps=50", "--kube-api-burst=80"},
			check: func(g Gomega, c config) {
				g.Expect(c.twilioAPIURL).To(Equal("http://127.0.0.1:4010"))
				g.Expect(c.twilioMaxConcurrency).To(Equal(5))
				g.Expect(c.twilioQPS).To(Equal(2.5))
				g.Expect(c.resyncPeriod).To(Equal(30 * time.Second))
				g.Expect(c.maxConcurrentReconciles).To(Equal(3))
				g.Expect(c.watchNamespaces).To(Equal([]string{"contact-center"}))
				g.Expect(c.leaderElect).To(BeTrue())
				g.Expect(c.kubeAPIQPS).To(Equal(50.0))
				g.Expect(c.kubeAPIBurst).To(Equal(80))
			},
		},
		"a relative Twilio API URL is refused":     {args: []string{"--twilio-api-url=/twilio"}, wantErr: "--twilio-api-url must be an absolute"},
		"a Twilio API URL without http is refused": {args: []string{"--twilio-api-url=ftp://emu"}, wantErr: "--twilio-api-url must be an absolute"},
		"zero concurrency is refused":              {args: []string{"--twilio-max-concurrency=0"}, wantErr: "--twilio-max-concurrency"},
		"a negative rate is refused":               {args: []string{"--twilio-qps=-1"}, wantErr: "--twilio-qps"},
		"a bad label selector is refused":          {args: []string{"--watch-selector=shard in (a"}, wantErr: "not a label selector"},
		"a shard's namespaces and selector are read": {
			args: []string{"--watch-namespaces=team-a, team-b", "--watch-namespace=team-c", "--watch-selector=shard=a"},
			check: func(g Gomega, c config) {
				g.Expect(c.watchNamespaces).To(Equal([]string{"team-a", "team-b", "team-c"}))
				g.Expect(c.watchSelector.String()).To(Equal("shard=a"))
			},
		},
		"a sub-second resync is refused":            {args: []string{"--resync-period=10ms"}, wantErr: "--resync-period"},
		"zero workers are refused":                  {args: []string{"--max-concurrent-reconciles=0"}, wantErr: "--max-concurrent-reconciles"},
		"a sub-second shutdown timeout is refused":  {args: []string{"--shutdown-timeout=100ms"}, wantErr: "--shutdown-timeout"},
		"a negative Kubernetes API rate is refused": {args: []string{"--kube-api-qps=-5"}, wantErr: "--kube-api-qps"},
		"a metrics certificate over plain HTTP is refused": {args: []string{"--metrics-secure=false", "--metrics-cert-path=/certs"},
			wantErr: "--metrics-cert-path needs --metrics-secure"},
		"an unknown flag is refused": {args: []string{"--twilio-auth-token=secret"}, wantErr: "flag provided but not defined"},
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

// TestUserAgentNamesTheRelease checks that Twilio's request logs can tell which release
// sent a request, and which replica.
func TestUserAgentNamesTheRelease(t *testing.T) {
	g := NewWithT(t)
	host, err := os.Hostname()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(userAgent()).To(Equal(fmt.Sprintf("twilio-operator/%s (%s; pid %d)", version.Version, host, os.Getpid())))
	g.Expect(version.Version).NotTo(BeEmpty())
}

func TestApplyKubeAPIRate(t *testing.T) {
	tests := map[string]struct {
		qps       float64
		burst     int
		wantQPS   float32
		wantBurst int
	}{
		// client-go would otherwise apply its default of 5 per second to a --kubeconfig
		// connection; negative means no rate limiter at all.
		"no flag lifts the client-side limit":   {wantQPS: -1},
		"a rate without a burst gets twice it":  {qps: 50, wantQPS: 50, wantBurst: 100},
		"a rate and a burst are taken as given": {qps: 50, burst: 60, wantQPS: 50, wantBurst: 60},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			rc := &rest.Config{QPS: 5, Burst: 10}
			applyKubeAPIRate(rc, tc.qps, tc.burst)
			g.Expect(rc.QPS).To(Equal(tc.wantQPS))
			g.Expect(rc.Burst).To(Equal(tc.wantBurst))
		})
	}
}

// TestManagerServes starts the operator binary's run function against a real API server
// and checks what a Deployment relies on: the probes answer, the leader election Lease
// is taken, and metrics are served as a Prometheus scrape needs them: over HTTPS with the
// certificate of --metrics-cert-path (renewals included) and HTTP/1.1 only, to callers
// whose token the API server authenticates and whose RBAC is the metrics-reader role of
// config/rbac. (One process runs one manager: its metrics are global.)
func TestManagerServes(t *testing.T) {
	g := NewWithT(t)
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	restConfig, err := env.Start()
	g.Expect(err).NotTo(HaveOccurred(), "envtest needs KUBEBUILDER_ASSETS; run `make test`")
	t.Cleanup(func() { _ = env.Stop() })

	certDir := t.TempDir()
	first := writeCertificate(t, certDir)
	probeAddr, metricsAddr := freeAddr(t), freeAddr(t)
	cfg, err := parseConfig([]string{
		"--health-probe-bind-address=" + probeAddr, "--metrics-bind-address=" + metricsAddr,
		"--metrics-cert-path=" + certDir, "--leader-elect", "--leader-election-namespace=default",
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
		return httpGet(http.DefaultClient, "http://"+probeAddr+"/healthz", "")
	}).WithTimeout(30 * time.Second).Should(Equal("ok"))
	g.Eventually(httpGet).WithArguments(http.DefaultClient, "http://"+probeAddr+"/readyz", "").Should(Equal("ok"))

	k8s, err := client.New(restConfig, client.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	lease := &coordinationv1.Lease{}
	key := types.NamespacedName{Namespace: "default", Name: cfg.leaderElectionID}
	g.Eventually(func() error { return k8s.Get(ctx, key, lease) }).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil())

	// The certificate of --metrics-cert-path is served, over HTTP/1.1 only.
	g.Eventually(func(g Gomega) {
		cert, proto, err := servedCertificate(metricsAddr)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(cert.Raw).To(Equal(first.Raw), "the certificate of --metrics-cert-path is served")
		g.Expect(proto).To(Equal("http/1.1"), "HTTP/2 is off unless --enable-http2")
	}).WithTimeout(30 * time.Second).Should(Succeed())

	// Only a caller that is authenticated and allowed GET /metrics reads them.
	pool := x509.NewCertPool()
	pool.AddCert(first)
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	url := "https://" + metricsAddr + "/metrics"
	_, err = httpGet(trusting, url, "")
	g.Expect(err).To(MatchError(ContainSubstring("401")), "no token")
	_, err = httpGet(trusting, url, serviceAccountToken(t, k8s, "intruder"))
	g.Expect(err).To(MatchError(ContainSubstring("403")), "a token without the metrics-reader role")
	// Another ServiceAccount: the operator caches a denial for a while.
	token := serviceAccountToken(t, k8s, "prometheus")
	bindMetricsReader(t, k8s, "prometheus")
	g.Eventually(httpGet).WithArguments(trusting, url, token).WithTimeout(30 * time.Second).
		Should(ContainSubstring("leader_election_master_status"))
	// The operator's build is in every scrape, on the same registry.
	g.Expect(httpGet(trusting, url, token)).To(ContainSubstring(fmt.Sprintf(
		"twilio_operator_build_info{goversion=%q,revision=%q,version=%q} 1\n", runtime.Version(), version.Commit, version.Version)))

	renewed := writeCertificate(t, certDir)
	g.Eventually(func(g Gomega) {
		cert, _, err := servedCertificate(metricsAddr)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(cert.Raw).To(Equal(renewed.Raw), "a renewed certificate is served without a restart")
	}).WithTimeout(30 * time.Second).Should(Succeed())

	cancel()
	g.Eventually(done).WithTimeout(30*time.Second).Should(Receive(BeNil()), "the manager stops cleanly on cancel")
}

// servedCertificate dials a TLS server offering HTTP/2 first, and returns the
// certificate it presents and the protocol it agreed to.
func servedCertificate(addr string) (*x509.Certificate, string, error) {
	conn, err := tls.Dial("tcp", addr, &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // the caller compares the certificate itself
		NextProtos:         []string{"h2", "http/1.1"},
	})
	if err != nil {
		return nil, "", err
	}
	defer conn.Close()
	state := conn.ConnectionState()
	return state.PeerCertificates[0], state.NegotiatedProtocol, nil
}

// serviceAccountToken creates a ServiceAccount in default and returns a token of it.
func serviceAccountToken(t *testing.T, k8s client.Client, name string) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	if err := k8s.Create(ctx, sa); err != nil {
		t.Fatal(err)
	}
	req := &authenticationv1.TokenRequest{}
	if err := k8s.SubResource("token").Create(ctx, sa, req); err != nil {
		t.Fatal(err)
	}
	return req.Status.Token
}

// bindMetricsReader binds config/rbac's metrics-reader ClusterRole to the ServiceAccount.
func bindMetricsReader(t *testing.T, k8s client.Client, serviceAccount string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", "metrics_reader_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.UnmarshalStrict(data, role); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: serviceAccount, Namespace: "default"}},
	}
	for _, obj := range []client.Object{role, binding} {
		if err := k8s.Create(context.Background(), obj); err != nil {
			t.Fatal(err)
		}
	}
}

// writeCertificate writes a new self-signed certificate for 127.0.0.1 as tls.crt and
// tls.key in dir, the layout of a kubernetes.io/tls Secret, and returns it.
func writeCertificate(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("127.0.0.1", []net.IP{net.ParseIP("127.0.0.1")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The key first: the watcher reloads on the certificate's change and needs both.
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
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

// httpGet returns the body of a 200 answer to GET url, with token as a bearer token if
// given.
func httpGet(c *http.Client, url, token string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
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

func TestTrimForCache(t *testing.T) {
	g := NewWithT(t)
	managed := []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}}
	secret := &metav1.PartialObjectMetadata{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "twilio-credentials", Namespace: "contact-center", UID: "u1", ResourceVersion: "42",
			Labels:        map[string]string{"app": "flex"},
			Annotations:   map[string]string{corev1.LastAppliedConfigAnnotation: `{"data":{"TWILIO_AUTH_TOKEN":"c2VjcmV0"}}`},
			ManagedFields: managed, Finalizers: []string{"example.com/keep"}},
	}
	out, err := trimForCache(secret)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.(*metav1.PartialObjectMetadata).ObjectMeta).To(Equal(metav1.ObjectMeta{
		Name: "twilio-credentials", Namespace: "contact-center", UID: "u1", ResourceVersion: "42"}),
		"a Secret watched as metadata keeps its identity and version only, never its last-applied data")
	g.Expect(out.(*metav1.PartialObjectMetadata).TypeMeta).To(Equal(secret.TypeMeta))

	ms := &messagingv1alpha1.MessagingService{ObjectMeta: metav1.ObjectMeta{Name: "support", ManagedFields: managed,
		Annotations: map[string]string{messagingv1alpha1.SIDAnnotation: "MG0123456789abcdef0123456789abcdef"}}}
	out, err = trimForCache(ms)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.(*messagingv1alpha1.MessagingService).ManagedFields).To(BeNil())
	g.Expect(out.(*messagingv1alpha1.MessagingService).Annotations).To(HaveKey(messagingv1alpha1.SIDAnnotation),
		"the objects the controllers reconcile keep everything but managedFields")
}

func TestGCPercent(t *testing.T) {
	previous := debug.SetGCPercent(100)
	defer debug.SetGCPercent(previous)
	setGCPercent(func(string) (string, bool) { return "", false })
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("without GOGC the collector runs at %d, want %d", got, gcPercent)
	}
	setGCPercent(func(string) (string, bool) { return "200", true })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC in the environment must win: the operator changed it to %d", got)
	}
}

// The cache holds only the ConfigMaps the operator writes, with or without a shard
// selector: a cluster's other ConfigMaps cost the operator no memory.
func TestManagerCachesOnlyExportedConfigMaps(t *testing.T) {
	g := NewWithT(t)
	for _, args := range [][]string{nil, {"--watch-selector", "shard=a"}} {
		cfg, err := parseConfig(args)
		g.Expect(err).NotTo(HaveOccurred())
		opts := managerOptions(cfg, metricsserver.Options{})
		var found bool
		for obj, by := range opts.Cache.ByObject {
			if _, ok := obj.(*corev1.ConfigMap); ok {
				found = true
				g.Expect(by.Label).NotTo(BeNil())
				g.Expect(by.Label.String()).To(Equal("app.kubernetes.io/managed-by=twilio-operator"))
			}
		}
		g.Expect(found).To(BeTrue(), "ConfigMaps are label-filtered (args %v)", args)
		if len(args) > 0 {
			g.Expect(opts.Cache.ByObject).To(HaveLen(3), "the shard selector applies to both kinds")
		}
	}
}
