package controllers

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// waker puts an object back in its controller's queue at once: how a sync waiting in
// line for its account's room (twilio.Client.Admit) is woken when a place frees,
// instead of every waiting object being tried again on a timer. It is one of the
// controller's sources; until the controller has started it (on the leader), a wake
// does nothing and the sync's own retry brings it back.
type waker struct {
	// kind tells the two controllers' objects apart in an account's line, which both
	// share.
	kind string

	mu    sync.Mutex
	queue workqueue.TypedRateLimitingInterface[reconcile.Request]
}

// source is what the controller starts to hand the waker its queue.
func (w *waker) source() source.Source {
	return source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.queue = q
		return nil
	})
}

// key names the object in its account's line.
func (w *waker) key(name types.NamespacedName) string { return w.kind + "/" + name.String() }

// wake returns the function that puts the named object in the queue.
func (w *waker) wake(name types.NamespacedName) func() {
	return func() {
		w.mu.Lock()
		q := w.queue
		w.mu.Unlock()
		if q != nil {
			q.Add(reconcile.Request{NamespacedName: name})
		}
	}
}
