package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// tracker follows every object of one kind through a watch: when each became Ready
// (for its current generation), and whether any was ever Stalled. A watch sees every
// status write, so a Stalled condition that lasted one write is still seen.
type tracker struct {
	mu      sync.Mutex
	readyAt map[string]time.Time
	stalled map[string]string // object → the first Stalled reason seen
	changed chan struct{}
}

// conditionsOf returns an object's conditions and the generation they describe.
type conditionsOf func(client.Object) ([]metav1.Condition, int64)

// startTracker watches objects of obj's kind until the world stops.
func (w *world) startTracker(ctx context.Context, obj client.Object, conds conditionsOf) (*tracker, error) {
	ctx, cancel := context.WithCancel(ctx)
	w.stops = append(w.stops, cancel) // stops first: the watch never outlives the API server
	c, err := cache.New(w.cp.Config, cache.Options{Scheme: scheme, DefaultTransform: cache.TransformStripManagedFields()})
	if err != nil {
		return nil, err
	}
	inf, err := c.GetInformer(ctx, obj)
	if err != nil {
		return nil, err
	}
	t := &tracker{readyAt: map[string]time.Time{}, stalled: map[string]string{}, changed: make(chan struct{}, 1)}
	_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { t.observe(o, conds) },
		UpdateFunc: func(_, o any) { t.observe(o, conds) },
	})
	if err != nil {
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("the benchmark's watch did not sync")
	}
	return t, nil
}

func (t *tracker) observe(o any, conds conditionsOf) {
	obj, ok := o.(client.Object)
	if !ok {
		return
	}
	conditions, observed := conds(obj)
	key := obj.GetNamespace() + "/" + obj.GetName()
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := meta.FindStatusCondition(conditions, v1alpha1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
		if _, seen := t.stalled[key]; !seen {
			t.stalled[key] = c.Reason + ": " + c.Message
		}
	}
	ready := meta.IsStatusConditionTrue(conditions, v1alpha1.ConditionReady) && observed == obj.GetGeneration()
	if _, seen := t.readyAt[key]; ready && !seen {
		t.readyAt[key] = now
		select {
		case t.changed <- struct{}{}:
		default:
		}
	}
}

// waitReady waits until n objects are Ready or ctx ends, and returns when the last
// one became Ready.
func (t *tracker) waitReady(ctx context.Context, n int) (time.Time, error) {
	for {
		t.mu.Lock()
		count, last := len(t.readyAt), latest(t.readyAt)
		t.mu.Unlock()
		if count >= n {
			return last, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%d of %d objects Ready: %w", count, n, ctx.Err())
		case <-t.changed:
		case <-time.After(time.Second):
		}
	}
}

// readyCount is how many objects have been seen Ready.
func (t *tracker) readyCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.readyAt)
}

// stalledObjects lists the objects that were ever Stalled, with the first reason.
func (t *tracker) stalledObjects() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.stalled))
	for k, reason := range t.stalled {
		out = append(out, k+" ("+reason+")")
	}
	sort.Strings(out)
	return out
}

// readyPercentiles returns the times after start at which the given fractions of
// objects had become Ready.
func (t *tracker) readyPercentiles(start time.Time, fractions ...float64) []time.Duration {
	t.mu.Lock()
	times := make([]time.Duration, 0, len(t.readyAt))
	for _, at := range t.readyAt {
		times = append(times, at.Sub(start))
	}
	t.mu.Unlock()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	out := make([]time.Duration, len(fractions))
	for i, f := range fractions {
		if len(times) > 0 {
			out[i] = times[min(len(times)-1, int(f*float64(len(times))))]
		}
	}
	return out
}

func latest(m map[string]time.Time) time.Time {
	var last time.Time
	for _, t := range m {
		if t.After(last) {
			last = t
		}
	}
	return last
}

func msConditions(o client.Object) ([]metav1.Condition, int64) {
	ms := o.(*v1alpha1.MessagingService)
	return ms.Status.Conditions, ms.Status.ObservedGeneration
}

func a2pConditions(o client.Object) ([]metav1.Condition, int64) {
	a := o.(*v1alpha1.A2PRegistration)
	return a.Status.Conditions, a.Status.ObservedGeneration
}

// waitKeys waits until every object of keys ("namespace/name") is Ready or ctx ends,
// and returns when the last of them became Ready.
func (t *tracker) waitKeys(ctx context.Context, keys []string) (time.Time, error) {
	for {
		ready, last := t.readyAmong(keys)
		if ready == len(keys) {
			return last, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%d of %d objects Ready: %w", ready, len(keys), ctx.Err())
		case <-t.changed:
		case <-time.After(time.Second):
		}
	}
}

// readyAmong is how many of keys are Ready, and when the last of them became Ready.
func (t *tracker) readyAmong(keys []string) (int, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, last := 0, time.Time{}
	for _, k := range keys {
		if at, ok := t.readyAt[k]; ok {
			n++
			if at.After(last) {
				last = at
			}
		}
	}
	return n, last
}
