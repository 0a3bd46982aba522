package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// stallRecord is one Stalled=True condition a watch event carried.
type stallRecord struct {
	// Object is "<Kind> <namespace>/<name>".
	Object  string `json:"object"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	// Since is the condition's lastTransitionTime; Seen is when the watch delivered it.
	Since time.Time `json:"since"`
	Seen  time.Time `json:"seen"`
}

func (s stallRecord) String() string {
	return fmt.Sprintf("%s Stalled since %s (seen %s): %s: %s", s.Object, s.Since.Format(time.RFC3339),
		s.Seen.Format(time.RFC3339Nano), s.Reason, s.Message)
}

// watchRecorder is the history of a run as watches of both kinds in one namespace
// deliver it, from before the first object is applied to the end. A watch delivers
// every write of an object in order, so the recorder sees what a check that polls the
// objects would most likely miss:
//
//   - every Stalled=True condition any write carried, to prove "no object was ever
//     Stalled": a condition that one status write set and the next cleared is recorded;
//   - every create window, from the write that put a create-pending marker on an object
//     without a SID to the write that gave it its SID (or removed the marker), so that a
//     SIGKILL's time says whether it interrupted a create.
//
// Should a watch lose events (the API server no longer has the version to resume
// from), the recorder says so and its verdict fails: it cannot vouch for what it did
// not see.
type watchRecorder struct {
	ns     string
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu     sync.Mutex
	stalls []stallRecord
	// episodes are the stalls recorded, by object, reason and transition time: a
	// condition carried by several events is one stall.
	episodes map[string]bool
	windows  []createWindow
	// open is, per object, the index in windows of its create window still open.
	open map[string]int
	// versions is the resourceVersion of each object's latest event; deleted holds the
	// objects whose deletion the watch delivered.
	versions map[string]string
	deleted  map[string]bool
	events   int
	gaps     []string
}

// createWindow is when an object had a create-pending marker and no SID: a create had
// been decided and its SID had not reached Kubernetes yet. To is zero while it lasts.
type createWindow struct {
	Object   string
	From, To time.Time
}

// watchedKinds are the kinds the recorder watches, by the name its records use.
var watchedKinds = map[string]func() client.ObjectList{
	"MessagingService": func() client.ObjectList { return &v1alpha1.MessagingServiceList{} },
	"A2PRegistration":  func() client.ObjectList { return &v1alpha1.A2PRegistrationList{} },
}

// watchNamespace starts recording the history of namespace ns; it stops with the test.
func watchNamespace(t *testing.T, ns string) *watchRecorder {
	g := NewWithT(t)
	watcher, err := client.NewWithWatch(cp.Config, client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	r := &watchRecorder{ns: ns, cancel: cancel, episodes: map[string]bool{}, open: map[string]int{},
		versions: map[string]string{}, deleted: map[string]bool{}}
	for kind, newList := range watchedKinds {
		// The list's resourceVersion is where the watch starts: nothing written after
		// this call is missed, so every write after watchNamespace returns is seen.
		list := newList()
		g.Expect(k8s.List(ctx, list, client.InNamespace(ns))).To(Succeed())
		r.observeList(kind, list)
		r.done.Add(1)
		go func() {
			defer r.done.Done()
			r.follow(ctx, watcher, kind, newList, list.(metav1.ListInterface).GetResourceVersion())
		}()
	}
	t.Cleanup(r.stop)
	return r
}

// follow watches one kind from resourceVersion rv until ctx ends, resuming where it
// left off when the API server ends the watch.
func (r *watchRecorder) follow(ctx context.Context, watcher client.WithWatch, kind string, newList func() client.ObjectList, rv string) {
	for ctx.Err() == nil {
		w, err := watcher.Watch(ctx, newList(), client.InNamespace(r.ns),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}})
		if err != nil {
			// Nothing is lost yet: the next watch resumes from rv.
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		for ev := range w.ResultChan() {
			switch ev.Type {
			case watch.Error:
				// Typically 410 Gone: the events after rv are no longer available. Start
				// again from the present, and remember the hole.
				r.gap(kind, apierrors.FromObject(ev.Object))
				list := newList()
				if err := k8s.List(ctx, list, client.InNamespace(r.ns)); err == nil {
					r.observeList(kind, list)
					rv = list.(metav1.ListInterface).GetResourceVersion()
				}
				w.Stop()
			case watch.Bookmark:
				if obj, ok := ev.Object.(client.Object); ok {
					rv = obj.GetResourceVersion()
				}
			default:
				if obj, ok := ev.Object.(client.Object); ok {
					rv = obj.GetResourceVersion()
					r.observe(kind, obj, ev.Type == watch.Deleted)
				}
			}
		}
		w.Stop()
	}
}

func (r *watchRecorder) observeList(kind string, list client.ObjectList) {
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		r.observe(kind, o.(client.Object), false)
		return nil
	})
}

func (r *watchRecorder) observe(kind string, obj client.Object, deleted bool) {
	key := kind + " " + obj.GetNamespace() + "/" + obj.GetName()
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events++
	r.versions[key] = obj.GetResourceVersion()
	if deleted {
		r.deleted[key] = true
	}
	annotations := obj.GetAnnotations()
	pending := !deleted && annotations[v1alpha1.CreatePendingAnnotation] != "" && annotations[v1alpha1.SIDAnnotation] == ""
	if i, open := r.open[key]; open && !pending {
		r.windows[i].To = now
		delete(r.open, key)
	} else if !open && pending {
		r.open[key] = len(r.windows)
		r.windows = append(r.windows, createWindow{Object: key, From: now})
	}
	c := meta.FindStatusCondition(conditionsOf(obj), v1alpha1.ConditionStalled)
	if c == nil || c.Status != metav1.ConditionTrue {
		return
	}
	episode := key + "|" + c.Reason + "|" + c.LastTransitionTime.UTC().String()
	if r.episodes[episode] {
		return
	}
	r.episodes[episode] = true
	r.stalls = append(r.stalls, stallRecord{Object: key, Reason: c.Reason, Message: c.Message,
		Since: c.LastTransitionTime.Time, Seen: now})
}

func (r *watchRecorder) gap(kind string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gaps = append(r.gaps, fmt.Sprintf("the %s watch lost events at %s: %v", kind, time.Now().Format(time.RFC3339), err))
}

// stop ends the watches.
func (r *watchRecorder) stop() {
	r.cancel()
	r.done.Wait()
}

// catchUp waits until the watch has delivered the current version of every object of
// the namespace and the deletion of every object that is gone: from then on, the
// records cover every write made before catchUp was called.
func (r *watchRecorder) catchUp(g Gomega) {
	g.Eventually(func(g Gomega) {
		current := map[string]string{}
		for kind, newList := range watchedKinds {
			list := newList()
			g.Expect(k8s.List(context.Background(), list, client.InNamespace(r.ns))).To(Succeed())
			_ = meta.EachListItem(list, func(o runtime.Object) error {
				obj := o.(client.Object)
				current[kind+" "+obj.GetNamespace()+"/"+obj.GetName()] = obj.GetResourceVersion()
				return nil
			})
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for key, rv := range current {
			g.Expect(r.versions).To(HaveKeyWithValue(key, rv), "the watch has delivered the latest write of %s", key)
		}
		for key := range r.versions {
			if _, exists := current[key]; !exists {
				g.Expect(r.deleted).To(HaveKey(key), "the watch has delivered the deletion of %s", key)
			}
		}
	}).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
}

// recorded returns the stalls recorded so far, the number of watch events seen and
// the holes in the watch, if any.
func (r *watchRecorder) recorded() (stalls []stallRecord, events int, gaps []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]stallRecord{}, r.stalls...), r.events, append([]string(nil), r.gaps...)
}

// killsInCreateWindows counts the kills that happened while at least one object's
// create window was open, and the create windows that a kill interrupted. The times
// are when the watch delivered the writes, a few milliseconds after them.
func (r *watchRecorder) killsInCreateWindows(kills []time.Time) (inWindow, interrupted int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	hit := map[int]bool{}
	for _, k := range kills {
		landed := false
		for i, w := range r.windows {
			if !k.Before(w.From) && (w.To.IsZero() || k.Before(w.To)) {
				landed, hit[i] = true, true
			}
		}
		if landed {
			inWindow++
		}
	}
	return inWindow, len(hit)
}

// expectNone waits until the watch has caught up and fails on any stall it ever
// recorded, naming each, and on any hole in the watch.
func (r *watchRecorder) expectNone(g Gomega) {
	r.catchUp(g)
	stalls, _, gaps := r.recorded()
	g.Expect(gaps).To(BeEmpty(), "the watch must have seen every write to vouch that nothing stalled")
	lines := make([]string, len(stalls))
	for i, s := range stalls {
		lines[i] = s.String()
	}
	g.Expect(lines).To(BeEmpty(), "faults and crashes must never stall an object; the watch saw:\n%s", strings.Join(lines, "\n"))
}

// stopOnStall ends the Eventually it is called in as soon as a stall is recorded: a
// stalled object would otherwise keep it waiting until its timeout.
func (r *watchRecorder) stopOnStall() {
	if stalls, _, _ := r.recorded(); len(stalls) > 0 {
		StopTrying("an object was Stalled: " + stalls[0].String()).Now()
	}
}

// injectedStallReason is the reason of the Stalled condition injectStall sets.
const injectedStallReason = "InjectedByTheTest"

// injectStall makes obj Stalled for one status write: it writes a Stalled=True
// condition and, at once, a status without it. A check that polls can only see it by
// luck; the stall recorder must see it every time. FAULTS_INJECT_STALL=1 does it to
// one object of the convergence run, which must then fail.
func injectStall(g Gomega, obj client.Object) {
	ctx := context.Background()
	edit := func(change func(*[]metav1.Condition)) {
		g.Eventually(func() error {
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
				return err
			}
			change(conditionsPtr(obj))
			return k8s.Status().Update(ctx, obj) // optimistic: a conflict with the operator's write is retried
		}).WithTimeout(10 * time.Second).WithPolling(10 * time.Millisecond).Should(Succeed())
	}
	edit(func(c *[]metav1.Condition) {
		meta.SetStatusCondition(c, metav1.Condition{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue,
			Reason: injectedStallReason, Message: "a stall injected for one status write"})
	})
	edit(func(c *[]metav1.Condition) { meta.RemoveStatusCondition(c, v1alpha1.ConditionStalled) })
}

func conditionsPtr(obj client.Object) *[]metav1.Condition {
	switch o := obj.(type) {
	case *v1alpha1.MessagingService:
		return &o.Status.Conditions
	case *v1alpha1.A2PRegistration:
		return &o.Status.Conditions
	}
	panic(fmt.Sprintf("unknown kind %T", obj))
}

// TestWatchRecorderSeesAStallOfOneWrite injects a Stalled condition that lasts one
// status write into an object of each kind (no operator runs): a poll afterwards finds
// nothing, the recorder has both, and its verdict fails naming them. It also sees a
// create window open and close.
func TestWatchRecorderSeesAStallOfOneWrite(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "stall-recorder-"}}
	g.Expect(k8s.Create(ctx, ns)).To(Succeed())
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), ns) })
	w := &world{t: t, ns: ns.Name}
	r := watchNamespace(t, w.ns)

	ms, a2p := w.messagingService(0), w.registration(0)
	for _, obj := range []client.Object{ms, a2p} {
		g.Expect(k8s.Create(ctx, obj)).To(Succeed())
		injectStall(g, obj)
	}
	for _, obj := range []client.Object{ms, a2p} {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		g.Expect(meta.FindStatusCondition(conditionsOf(obj), v1alpha1.ConditionStalled)).To(BeNil(),
			"a poll now sees no stall")
	}

	r.catchUp(g)
	stalls, events, gaps := r.recorded()
	g.Expect(gaps).To(BeEmpty())
	g.Expect(events).To(BeNumerically(">=", 6), "a create and two status writes per object")
	g.Expect(stalls).To(HaveLen(2))
	g.Expect([]string{stalls[0].Object, stalls[1].Object}).To(ConsistOf(
		"MessagingService "+w.ns+"/svc-000", "A2PRegistration "+w.ns+"/a2p-000"))
	for _, s := range stalls {
		g.Expect(s.Reason).To(Equal(injectedStallReason))
		g.Expect(s.Since).NotTo(BeZero())
		g.Expect(s.Seen).NotTo(BeZero())
	}

	var failures []string
	recording := NewGomega(func(message string, _ ...int) { failures = append(failures, message) })
	r.expectNone(recording)
	g.Expect(failures).To(ContainElement(And(ContainSubstring("svc-000"), ContainSubstring("a2p-000"),
		ContainSubstring(injectedStallReason))), "the verdict fails and names both stalls")

	// A create window: the marker, then the SID, as the operator writes them.
	annotate := func(key, value string) {
		patch := client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, key, value)))
		g.Expect(k8s.Patch(ctx, ms, patch)).To(Succeed())
		r.catchUp(g)
	}
	before := time.Now()
	annotate(v1alpha1.CreatePendingAnnotation, time.Now().UTC().Format(time.RFC3339))
	during := time.Now()
	annotate(v1alpha1.SIDAnnotation, "MG00000000000000000000000000000001")
	after := time.Now()
	inWindow, interrupted := r.killsInCreateWindows([]time.Time{before, after})
	g.Expect([]int{inWindow, interrupted}).To(Equal([]int{0, 0}), "kills before and after the window")
	inWindow, interrupted = r.killsInCreateWindows([]time.Time{before, during, during})
	g.Expect([]int{inWindow, interrupted}).To(Equal([]int{2, 1}), "two kills inside the one window")

	// Deletions are delivered too: the recorder still catches up.
	g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
	g.Expect(k8s.Delete(ctx, a2p)).To(Succeed())
	r.catchUp(g)
}
