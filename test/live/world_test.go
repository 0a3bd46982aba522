package live

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
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
)

// secretName is the credentials Secret every object of the suite uses (the default).
const secretName = "twilio-credentials"

// world is one run of the scenarios: a namespace named after the run, the operator's
// controllers watching it, and the backend's Twilio.
type world struct {
	b      *backend
	prefix string
	ns     string
	// console changes Twilio behind the operator's back, and reads what it holds.
	console twilio.Client
	// requests are the operator's own Twilio requests (never the console's).
	requests *requestLog
	logs     *testbed.SyncBuffer
}

// newWorld starts a run. When the test ends, pass or fail, and with contexts of their
// own (the test's may be gone): every object of the namespace is deleted while the
// operator still runs, so each deletes its Twilio side as its deletionPolicy says;
// then the operator stops, and any Twilio object that still carries the run's prefix
// is deleted directly.
func newWorld(t *testing.T, b *backend) *world {
	t.Helper()
	w := &world{b: b, prefix: runPrefix(), console: b.console(t), logs: &testbed.SyncBuffer{}}
	w.ns = w.prefix
	ctx := context.Background()
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: w.ns}}); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: w.ns}, StringData: b.secretData()}
	if err := k8s.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.sweepTwilio(t) })
	stop := w.startOperator(t)
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("operator log:\n%s", w.logs.String())
		}
	})
	t.Cleanup(func() { w.deleteObjects(t) })
	return w
}

// startOperator runs the operator's controllers in-process, as cmd/manager wires them
// (metadata-only Secret watch, Secret data never cached), watching the run's
// namespace only. Its Twilio connector goes to the backend's URL ("" is Twilio) and
// records every request in w.requests. It returns the function that stops it.
func (w *world) startOperator(t *testing.T) func() {
	t.Helper()
	base := http.DefaultTransport.(*http.Transport).Clone()
	w.requests = &requestLog{base: base}
	connector, err := twilio.NewConnector(twilio.Config{BaseURL: w.b.twilioURL, Transport: w.requests,
		UserAgent: "twilio-operator/acceptance (" + w.prefix + ")", Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                 scheme,
		Logger:                 zap.New(zap.WriteTo(w.logs), zap.Level(zapcore.Level(-1))),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache: cache.Options{
			DefaultNamespaces: map[string]cache.Config{w.ns: {}},
			DefaultTransform:  cache.TransformStripManagedFields(),
		},
		Client:     client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = controllers.SetupWithManager(mgr, controllers.Options{
		Twilio: connector, MaxConcurrentReconciles: 4, PollInterval: w.b.poll,
		Registerer: prometheus.NewRegistry(), ClaimsNamespace: w.ns, Shard: "acceptance-" + w.prefix,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("the operator stopped: %v", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// deleteObjects deletes the run's A2PRegistrations and MessagingServices and waits for
// the operator to finalize them (registrations first: a campaign goes before its
// service). What the operator cannot delete is left to sweepTwilio.
func (w *world) deleteObjects(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), w.b.timeout)
	defer cancel()
	for _, list := range []client.ObjectList{&v1alpha1.A2PRegistrationList{}, &v1alpha1.MessagingServiceList{}} {
		if err := k8s.List(ctx, list, client.InNamespace(w.ns)); err != nil {
			t.Errorf("cleanup: cannot list: %v", err)
			return
		}
		items, _ := meta.ExtractList(list)
		for _, item := range items {
			obj := item.(client.Object)
			if err := k8s.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("cleanup: cannot delete %s: %v", obj.GetName(), err)
			}
		}
		for _, item := range items {
			obj := item.(client.Object)
			for k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj) == nil {
				if ctx.Err() != nil {
					t.Errorf("cleanup: %s was not finalized in %s; its Twilio side is swept", obj.GetName(), w.b.timeout)
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
}

// sweepTwilio deletes every Messaging Service whose friendly name carries the run's
// prefix (a service's campaign goes with it): whatever the operator made or was left
// with when a scenario failed. Nothing without the prefix is touched.
func (w *world) sweepTwilio(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), w.b.timeout)
	defer cancel()
	services, err := w.console.ListServices(ctx)
	if err != nil {
		t.Errorf("cleanup: cannot list the account's Messaging Services to sweep %s*: %v", w.prefix, err)
		return
	}
	for _, s := range services {
		if !strings.HasPrefix(s.FriendlyName, w.prefix) {
			continue
		}
		if err := w.console.DeleteService(ctx, s.SID); err != nil && !twilio.IsNotFound(err) {
			t.Errorf("cleanup: cannot delete Messaging Service %s (%s): %v", s.SID, s.FriendlyName, err)
			continue
		}
		t.Logf("cleanup: deleted Messaging Service %s (%s), which the operator had not", s.SID, s.FriendlyName)
	}
}

// requestLog is a RoundTripper that records the operator's Twilio requests by route,
// the same way whatever answers them.
type requestLog struct {
	base    http.RoundTripper
	mu      sync.Mutex
	entries []string
}

// sidSegment is a path segment that is a Twilio SID (two letters, 32 hex digits).
var sidSegment = regexp.MustCompile(`^[A-Z]{2}[0-9a-fA-F]{32}$`)

func (l *requestLog) RoundTrip(req *http.Request) (*http.Response, error) {
	segments := strings.Split(req.URL.Path, "/")
	for i, s := range segments {
		if sidSegment.MatchString(s) {
			segments[i] = "{Sid}"
		}
	}
	route := req.Method + " " + strings.Join(segments, "/")
	l.mu.Lock()
	l.entries = append(l.entries, route)
	l.mu.Unlock()
	return l.base.RoundTrip(req)
}

// mark is the position of the next request.
func (l *requestLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// writesSince lists the writes (every method but GET) sent since mark, by route.
func (l *requestLog) writesSince(mark int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.entries[mark:] {
		if !strings.HasPrefix(r, http.MethodGet+" ") {
			out = append(out, r)
		}
	}
	return out
}

// count is how many requests since mark went to route.
func (l *requestLog) count(mark int, route string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.entries[mark:] {
		if r == route {
			n++
		}
	}
	return n
}

// Routes the scenarios count.
const (
	routeUpdateService  = "POST /v1/Services/{Sid}"
	routeAddNumber      = "POST /v1/Services/{Sid}/PhoneNumbers"
	routeCreateBrand    = "POST /v1/a2p/BrandRegistrations"
	routeCreateCampaign = "POST /v1/Services/{Sid}/Compliance/Usa2p"
	routeUpdateCampaign = "POST /v1/Services/{Sid}/Compliance/Usa2p/{Sid}"
)

// object is either kind.
type object interface {
	client.Object
	GetConditions() []metav1.Condition
}

func observedGeneration(o client.Object) int64 {
	switch o := o.(type) {
	case *v1alpha1.MessagingService:
		return o.Status.ObservedGeneration
	case *v1alpha1.A2PRegistration:
		return o.Status.ObservedGeneration
	}
	return -1
}

func fetch(g Gomega, obj client.Object) {
	g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
}

// waitForCondition waits up to timeout until obj's condition has status (and reason,
// when given) for obj's current generation, and returns it.
func waitForCondition(g Gomega, obj object, timeout time.Duration, condType string, status metav1.ConditionStatus,
	reason string) metav1.Condition {
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
	}).WithTimeout(timeout).WithPolling(100 * time.Millisecond).Should(Succeed())
	return found
}

// waitForReady waits up to timeout until obj is Ready for its current generation.
func waitForReady(g Gomega, obj object, timeout time.Duration) {
	waitForCondition(g, obj, timeout, v1alpha1.ConditionReady, metav1.ConditionTrue, "")
}

// waitForGone waits until obj no longer exists.
func (w *world) waitForGone(g Gomega, obj client.Object) {
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj))
	}).WithTimeout(w.b.timeout).Should(BeTrue(), "%s still exists", obj.GetName())
}

// update applies mutate to the latest version of obj, retrying on conflicts.
func update[T client.Object](g Gomega, obj T, mutate func(T)) {
	g.Eventually(func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate(obj)
		return k8s.Update(context.Background(), obj)
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

// setAnnotation sets an annotation of obj.
func setAnnotation[T client.Object](g Gomega, obj T, key, value string) {
	update(g, obj, func(o T) {
		a := o.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[key] = value
		o.SetAnnotations(a)
	})
}

// poke changes an annotation of obj: a change of the operator's inputs, so it reads
// Twilio again at once, as a resync would, without waiting for one.
func poke[T client.Object](g Gomega, obj T, value string) {
	setAnnotation(g, obj, "acceptance.twilio-operator.io/poke", value)
}

// events are the reasons and notes of the events recorded in the run's namespace.
func (w *world) events(g Gomega) []string {
	list := &eventsv1.EventList{}
	g.Expect(k8s.List(context.Background(), list, client.InNamespace(w.ns))).To(Succeed())
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Reason+": "+e.Note)
	}
	return out
}

// lastSync is status.lastSyncTime of either kind.
func lastSync(o client.Object) time.Time {
	var t *metav1.Time
	switch o := o.(type) {
	case *v1alpha1.MessagingService:
		t = o.Status.LastSyncTime
	case *v1alpha1.A2PRegistration:
		t = o.Status.LastSyncTime
	}
	if t == nil {
		return time.Time{}
	}
	return t.Time
}

// pokeAndSync pokes obj until the operator has read Twilio for it since: its
// lastSyncTime (whole seconds) moves on. A sync within the second of the last one
// leaves it as it was, so each attempt pokes again.
func pokeAndSync[T object](g Gomega, obj T, timeout time.Duration, value string) {
	fetch(g, obj)
	before := lastSync(obj)
	attempt := 0
	g.Eventually(func(g Gomega) {
		attempt++
		poke(g, obj, value+"-"+strconv.Itoa(attempt))
		g.Eventually(func(g Gomega) {
			fetch(g, obj)
			g.Expect(lastSync(obj)).To(BeTemporally(">", before))
		}).WithTimeout(1500 * time.Millisecond).WithPolling(100 * time.Millisecond).Should(Succeed())
	}).WithTimeout(timeout).Should(Succeed(), "the operator syncs %s", obj.GetName())
}

// waitForNotStalled waits until obj, at its current generation, is not Stalled (the
// operator removes the condition once progress is possible again).
func waitForNotStalled(g Gomega, obj object, timeout time.Duration) {
	g.Eventually(func(g Gomega) {
		fetch(g, obj)
		g.Expect(observedGeneration(obj)).To(Equal(obj.GetGeneration()))
		c := meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionStalled)
		if c != nil {
			g.Expect(c.Status).NotTo(Equal(metav1.ConditionTrue), "Stalled: %s %s", c.Reason, c.Message)
		}
	}).WithTimeout(timeout).WithPolling(100 * time.Millisecond).Should(Succeed())
}
