package controllers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/controllers"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const (
	account       = twilioemu.DefaultAccountSid
	number1       = "+15017122661"
	number2       = "+15017122662"
	number3       = "+15017122663"
	secondAccount = twilioemu.SecondAccountSid
	otherNumber   = "+15558675301" // a number of the second account
	secretName    = "twilio-credentials"
	timeout       = 30 * time.Second
)

// testEnv is one test's world: a namespace, a Twilio emulator behind a real HTTP
// server, and an operator manager that watches only that namespace.
type testEnv struct {
	ns string
	// other is a second namespace the operator watches too (withOtherNamespace), with
	// the same credentials Secret: a copy of an object goes there.
	other    string
	emu      *twilioemu.Server
	logs     *testbed.SyncBuffer
	registry *prometheus.Registry

	cfg       envConfig
	twilioURL string
	// stopOperator stops the running operator and waits until it has stopped.
	stopOperator func()
}

type envConfig struct {
	resync time.Duration
	poll   controllers.PollInterval
	limits twilio.Limits
	seed   twilioemu.Seed
	secret map[string]string
	// otherNamespace adds a second watched namespace (testEnv.other).
	otherNamespace bool
	// twilioClock is how far Twilio's clock is ahead of the operator's (negative:
	// behind). Both run at the wall clock's rate; the emulator's moves on further
	// only when a test advances it.
	twilioClock time.Duration
}

type envOption func(*envConfig)

// withResync sets the operator's resync period (default one hour: nothing resyncs
// during a test unless it asks).
func withResync(d time.Duration) envOption { return func(c *envConfig) { c.resync = d } }

// withTwilioClock sets Twilio's clock d ahead of the operator's (negative: behind).
func withTwilioClock(d time.Duration) envOption { return func(c *envConfig) { c.twilioClock = d } }

// withOtherNamespace makes the operator watch a second namespace, testEnv.other, with
// the same credentials Secret.
func withOtherNamespace() envOption { return func(c *envConfig) { c.otherNamespace = true } }

// withSecret replaces the credentials Secret's data (nil: no Secret).
func withSecret(data map[string]string) envOption { return func(c *envConfig) { c.secret = data } }

// withSeed edits the emulator's seed.
func withSeed(edit func(*twilioemu.Seed)) envOption { return func(c *envConfig) { edit(&c.seed) } }

// startEnv starts a test environment; everything stops when the test ends.
func startEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	cfg := envConfig{
		resync: time.Hour,
		poll:   controllers.PollInterval{Min: 100 * time.Millisecond, Max: 400 * time.Millisecond},
		limits: twilio.Limits{MaxConcurrency: 20, RegistrationWriteInterval: 10 * time.Millisecond, MaxSyncsPerAccount: 2},
		seed:   twilioemu.DefaultSeed(),
		secret: map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": twilioemu.DefaultAuthToken},
	}
	for _, o := range opts {
		o(&cfg)
	}
	e := &testEnv{ns: newTestNamespace(t), logs: &testbed.SyncBuffer{}}
	if cfg.otherNamespace {
		e.other = newTestNamespace(t)
	}
	e.emu = twilioemu.New(twilioemu.WithSeed(cfg.seed), twilioemu.WithClock(twilioemu.OffsetClock(cfg.twilioClock)))
	server := httptest.NewServer(e.emu)
	e.cfg, e.twilioURL = cfg, server.URL
	if cfg.secret != nil {
		e.createSecret(t, secretName, cfg.secret)
		if e.other != "" {
			e.createSecretIn(t, e.other, secretName, cfg.secret)
		}
	}
	e.startOperator(t)
	t.Cleanup(func() {
		e.stopOperator()
		server.Close()
		if t.Failed() {
			t.Logf("operator log:\n%s", e.logs.String())
		}
	})
	return e
}

// newTestNamespace creates a namespace for one test, deleted when it ends.
func newTestNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	NewWithT(t).Expect(k8s.Create(context.Background(), ns)).To(Succeed())
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), ns) })
	return ns.Name
}

// startOperator starts an operator manager with fresh state and metrics (in
// e.registry) that watches the environment's namespaces.
func (e *testEnv) startOperator(t *testing.T) {
	t.Helper()
	e.registry = prometheus.NewRegistry()
	namespaces := []string{e.ns}
	if e.other != "" {
		namespaces = append(namespaces, e.other)
	}
	e.stopOperator = e.startManager(t, namespaces, e.logs, e.registry, "twilio-operator/test")
}

// startManager starts an operator manager that watches namespaces, claims in e.ns,
// logs to logs, registers its metrics in reg and names itself userAgent to Twilio, so
// the emulator counts its requests apart. It returns the function that stops it.
func (e *testEnv) startManager(t *testing.T, namespaces []string, logs *testbed.SyncBuffer, reg *prometheus.Registry,
	userAgent string) func() {
	t.Helper()
	g := NewWithT(t)
	connector, err := twilio.NewConnector(twilio.Config{
		BaseURL: e.twilioURL, Limits: e.cfg.limits, Timeout: 5 * time.Second,
		UserAgent: userAgent, Registerer: reg,
	})
	g.Expect(err).NotTo(HaveOccurred())
	watched := map[string]cache.Config{}
	for _, ns := range namespaces {
		watched[ns] = cache.Config{}
	}
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                 scheme,
		Logger:                 zap.New(zap.WriteTo(logs), zap.Level(zapcore.Level(-1))),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache: cache.Options{
			DefaultNamespaces: watched,
			DefaultTransform:  cache.TransformStripManagedFields(),
			ByObject:          map[client.Object]cache.ByObject{&corev1.ConfigMap{}: controllers.ExportCache()},
		},
		Client:     client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(controllers.SetupWithManager(mgr, controllers.Options{
		Twilio: connector, ResyncPeriod: e.cfg.resync, MaxConcurrentReconciles: 4,
		Registerer: reg, PollInterval: e.cfg.poll, ClaimsNamespace: e.ns, Shard: userAgent,
	})).To(Succeed())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager stopped: %v", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

func (e *testEnv) createSecret(t *testing.T, name string, data map[string]string) {
	t.Helper()
	e.createSecretIn(t, e.ns, name, data)
}

func (e *testEnv) createSecretIn(t *testing.T, namespace, name string, data map[string]string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, StringData: data}
	NewWithT(t).Expect(k8s.Create(context.Background(), s)).To(Succeed())
}

// count is how many requests the emulator served on a route, e.g. "POST /v1/Services".
func (e *testEnv) count(route string) int {
	n, err := e.emu.Count(route)
	if err != nil {
		panic(err)
	}
	return n
}

// writes is how many writes (POST, DELETE) changed something in Twilio: answered with
// success, or committed before their answer was dropped. A rejected write (400, 401)
// changes nothing.
func (e *testEnv) writes() int {
	requests, err := e.emu.Requests()
	if err != nil {
		panic(err)
	}
	n := 0
	for _, r := range requests {
		if r.Method != http.MethodGet && (r.Status < 300 || r.Dropped) {
			n++
		}
	}
	return n
}

// total is how many Twilio requests the emulator served.
func (e *testEnv) total() int {
	counts, _ := e.emu.Counts("")
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// messagingService is a MessagingService in the environment's namespace.
func (e *testEnv) messagingService(name string, mods ...func(*v1alpha1.MessagingService)) *v1alpha1.MessagingService {
	ms := &v1alpha1.MessagingService{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns},
		Spec:       v1alpha1.MessagingServiceSpec{FriendlyName: "Support SMS " + name},
	}
	for _, m := range mods {
		m(ms)
	}
	return ms
}

func withNumbers(numbers ...string) func(*v1alpha1.MessagingService) {
	return func(ms *v1alpha1.MessagingService) { ms.Spec.PhoneNumbers = numbers }
}

func withAnnotation(key, value string) func(client.Object) {
	return func(o client.Object) {
		a := o.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[key] = value
		o.SetAnnotations(a)
	}
}

// object is either kind.
type object interface {
	client.Object
	GetConditions() []metav1.Condition
}

// observedGeneration reads status.observedGeneration of either kind.
func observedGeneration(o client.Object) int64 {
	switch o := o.(type) {
	case *v1alpha1.MessagingService:
		return o.Status.ObservedGeneration
	case *v1alpha1.A2PRegistration:
		return o.Status.ObservedGeneration
	}
	return -1
}

// fetch re-reads obj from the API server.
func fetch(g Gomega, obj client.Object) {
	g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
}

// waitForReady waits until obj is Ready for its current generation.
func waitForReady(g Gomega, obj object) {
	waitForCondition(g, obj, v1alpha1.ConditionReady, metav1.ConditionTrue, "")
}

// waitForCondition waits until obj's condition has status (and reason, if given) for
// obj's current generation, and returns it.
func waitForCondition(g Gomega, obj object, condType string, status metav1.ConditionStatus, reason string) metav1.Condition {
	var found metav1.Condition
	g.Eventually(func(g Gomega) {
		fetch(g, obj)
		c := meta.FindStatusCondition(obj.GetConditions(), condType)
		g.Expect(c).NotTo(BeNil(), "condition %s", condType)
		g.Expect(c.Status).To(Equal(status), "condition %s: %s %s", condType, c.Reason, c.Message)
		if reason != "" {
			g.Expect(c.Reason).To(Equal(reason), "condition %s: %s", condType, c.Message)
		}
		g.Expect(observedGeneration(obj)).To(Equal(obj.GetGeneration()))
		g.Expect(c.ObservedGeneration).To(Equal(obj.GetGeneration()))
		found = *c
	}).WithTimeout(timeout).WithPolling(50 * time.Millisecond).Should(Succeed())
	return found
}

// waitForGone waits until obj no longer exists.
func waitForGone(g Gomega, obj client.Object) {
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj))
	}).WithTimeout(timeout).Should(BeTrue(), "%s still exists", obj.GetName())
}

// update applies mutate to the latest version of obj, retrying on conflicts.
func update[T client.Object](g Gomega, obj T, mutate func(T)) {
	g.Eventually(func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate(obj)
		return k8s.Update(context.Background(), obj)
	}).WithTimeout(timeout).Should(Succeed())
}

// consoleClient acts on the emulator the way a person in the Twilio Console would:
// outside the operator, as the default account.
func consoleClient(emu *twilioemu.Server) twilio.Client {
	conn, err := twilio.NewConnector(twilio.Config{Transport: emu.Transport(), UserAgent: "console"})
	if err != nil {
		panic(err)
	}
	c, err := conn.Client(twilio.Credentials{AccountSID: account, AuthToken: twilioemu.DefaultAuthToken})
	if err != nil {
		panic(err)
	}
	return c
}
