package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// waitingForRoomMessage is the debug log line of a sync its account had no room for.
const waitingForRoomMessage = "Waiting for room among the account's syncs"

// cacheLagRetry is how soon a reconcile that found the cache behind the operator's own
// last write looks again, in case no watch event that passes the predicates brings it
// back sooner.
const cacheLagRetry = time.Second

// kindSteps are the parts of a reconcile that differ between the two kinds; the loop
// around them is the same (reconcileObject below). I is what a kind reads besides the
// object itself before it decides whether Twilio is due (the referenced services, the
// campaigns on its service); it is passed to the later steps as a value.
type kindSteps[I any] interface {
	// object is the object being reconciled; the steps change its status in memory.
	object() conditioned
	// credentialsName names the object's credentials Secret.
	credentialsName() string
	// applyDeletionPolicy deletes or leaves the object's Twilio side, as its deletion
	// policy says, when the object is deleted.
	applyDeletionPolicy(ctx context.Context) error
	// inputs reads what the reconcile depends on besides generation and annotations,
	// and the strings whose change makes Twilio due.
	inputs(ctx context.Context) (I, []string, error)
	// statusCurrent says, for a Ready object, whether its status still describes the
	// Twilio side its inputs ask for, beyond what resumable checks for both kinds.
	statusCurrent(in I) bool
	// sync brings Twilio in line with the spec, or reports how it differs; decision is
	// why it runs.
	sync(ctx context.Context, tw twilio.Client, decision syncDecision, in I) error
}

// reconcileObject is the loop of docs/architecture.md for both kinds: deletion,
// finalizer, pause, then (if Twilio may be called) credentials and the kind's sync; the
// status is written once, at the end.
func reconcileObject[I any](ctx context.Context, s *shared, syncs *syncTracker, wakes *waker, steps kindSteps[I]) (res ctrl.Result, err error) {
	obj := steps.object()
	switch syncs.view(obj.GetUID(), obj.GetResourceVersion()) {
	case viewBehind:
		// The cache still shows a version older than the one the last reconcile wrote;
		// the newer one is on its way. Nothing is decided on the old view.
		return ctrl.Result{RequeueAfter: cacheLagRetry}, nil
	case viewLate:
		// Still older a while after that write: read the object from the API server.
		if err := s.direct.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	base := obj.DeepCopyObject().(conditioned)
	var decision syncDecision
	var extra []string
	// waiting is a sync its account had no room for: it goes back to the queue as it
	// came, with nothing written (no finalizer, no status), so a cold start's waits cost
	// the API server nothing.
	waiting := false
	defer func() {
		if !waiting {
			res, err = s.finish(ctx, syncs, obj, base, decision, extra, res, err)
		}
	}()

	if !obj.GetDeletionTimestamp().IsZero() {
		return ctrl.Result{}, s.finalize(ctx, syncs, obj, steps.applyDeletionPolicy)
	}
	// The finalizer guards what exists in Twilio. Without a SID or a create-pending
	// marker nothing does yet: the marker's write adds the finalizer in the same patch
	// (one API write per created object instead of two), and finish adds it to an object
	// that ends its reconcile without creating anything.
	if hasTwilioObject(obj) {
		if err := ensureFinalizer(ctx, s.Client, obj); err != nil {
			return ctrl.Result{}, err
		}
	}
	if isPaused(obj) {
		markPaused(obj)
		return ctrl.Result{}, nil
	}
	markUnpaused(obj)
	in, extra, err := steps.inputs(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	decision = decideSync(ctx, s, syncs, steps, in, extra)
	if decision, err = s.exportBetweenSyncs(ctx, obj, decision); !decision.due {
		return ctrl.Result{RequeueAfter: decision.wait}, err
	}
	tw, err := s.connect(ctx, obj, steps.credentialsName())
	if err != nil {
		return ctrl.Result{}, err
	}
	s.reportSharedAccount(ctx, obj, tw.AccountSID())
	// A slow or throttled account holds a few workers at most: a sync its account has
	// no room for waits in the account's line, woken back into the queue when a place
	// frees, and the worker takes another account's object.
	name := client.ObjectKeyFromObject(obj)
	release, retryAfter, admitted := tw.Admit(wakes.key(name), wakes.wake(name))
	if !admitted {
		waiting = true
		log.FromContext(ctx).V(1).Info(waitingForRoomMessage, "account", tw.AccountSID(), "retryAfter", retryAfter)
		return ctrl.Result{RequeueAfter: retryAfter}, nil
	}
	defer release()
	noteReconcileRequest(obj)
	return ctrl.Result{}, s.exportAfter(ctx, obj, steps.sync(ctx, tw, decision, in))
}

// decideSync says whether the object's sync is due, from its inputs' fingerprint. An
// object this process has no record of resumes from its status when that status is
// Ready and current, instead of calling Twilio at once.
func decideSync[I any](ctx context.Context, s *shared, syncs *syncTracker, steps kindSteps[I], in I, extra []string) syncDecision {
	obj := steps.object()
	inputs := fingerprint(obj.GetGeneration(), obj.GetAnnotations(), extra...)
	decision := syncs.decide(obj.GetUID(), inputs)
	if decision.unknown && steps.statusCurrent(in) {
		if syncedAt, ok := s.resumable(ctx, obj, steps.credentialsName()); ok {
			decision = syncs.resume(obj.GetUID(), inputs, syncedAt)
		}
	}
	return decision
}

// noteReconcileRequest records, in status, the reconcile-requested-at value this sync
// acts on. The annotation is among the fingerprinted inputs, so a new value made this
// sync due with everything read.
func noteReconcileRequest(obj conditioned) {
	if requested := annotation(obj, v1alpha1.ReconcileRequestedAtAnnotation); requested != "" {
		commonStatus(obj).LastHandledReconcileAt = requested
	}
}

// resumable says whether a process that has no record of the object (it started, or
// became the leader, since) may take the object's status for the truth and leave
// Twilio alone until the next resync, returning when the status's sync was made. That
// is the case when the status is Ready and current: it reports the object's
// generation, SID and account, it was synced less than a resync period ago, no create
// is in doubt, and the kind finds nothing its inputs ask for that the status does not
// show, no reconcile was requested since (reconcile-requested-at), and its Secret's
// credentials are for the status's account (a Secret switched to
// another account while no process watched is reported at once). Without this, a
// restart or a leader change would read every object from Twilio at once, and objects
// changed meanwhile would wait behind those reads.
func (s *shared) resumable(ctx context.Context, obj conditioned, secretName string) (time.Time, bool) {
	st := commonStatus(obj)
	ready := meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionReady)
	sid := annotation(obj, v1alpha1.SIDAnnotation)
	if st.LastSyncTime == nil || ready == nil || ready.Status != metav1.ConditionTrue ||
		ready.ObservedGeneration != obj.GetGeneration() || st.ObservedGeneration != obj.GetGeneration() ||
		sid == "" || sid != st.SID || annotation(obj, v1alpha1.CreatePendingAnnotation) != "" {
		return time.Time{}, false
	}
	if reconcileRequested(obj) {
		return time.Time{}, false
	}
	if age := s.clock.Since(st.LastSyncTime.Time); age < 0 || age >= s.resync {
		return time.Time{}, false
	}
	creds, err := s.credentials(ctx, obj, secretName)
	if err != nil || creds.AccountSID != st.AccountSID {
		return time.Time{}, false
	}
	return st.LastSyncTime.Time, true
}

// reconcileRequested says whether the object carries a reconcile-requested-at value that
// no sync has handled yet (one set while no operator process watched): it is still owed.
func reconcileRequested(obj conditioned) bool {
	requested := annotation(obj, v1alpha1.ReconcileRequestedAtAnnotation)
	return requested != "" && requested != commonStatus(obj).LastHandledReconcileAt
}

// finalize lets an object being deleted go once its deletion policy has run. A paused
// object waits: pause stops every Twilio call, the deletion's included.
func (s *shared) finalize(ctx context.Context, syncs *syncTracker, obj conditioned, applyDeletionPolicy func(context.Context) error) error {
	if !controllerutil.ContainsFinalizer(obj, finalizer) {
		return nil
	}
	if isPaused(obj) {
		markPaused(obj)
		return waiting(v1alpha1.ReasonDeleting,
			"deletion waits until the %s annotation is removed: no Twilio call is made while paused", v1alpha1.PausedAnnotation)
	}
	if err := applyDeletionPolicy(ctx); err != nil {
		return err
	}
	syncs.forget(obj.GetUID())
	s.forgetMetrics(obj)
	s.claimed.forget(obj.GetUID())
	s.breaker.forget(obj.GetUID())
	if err := removeFinalizer(ctx, s.Client, obj); err != nil {
		return err
	}
	s.creds.forget(obj.GetUID())
	return nil
}

// released reports whether the object is being deleted and this operator has let it go
// (its finalizer removed): the object is gone, or only waits for others' finalizers.
func released(obj conditioned) bool {
	return !obj.GetDeletionTimestamp().IsZero() && !controllerutil.ContainsFinalizer(obj, finalizer)
}

// forgetMetrics drops a deleted object from the object metrics.
func (s *shared) forgetMetrics(obj conditioned) {
	s.forgetDeleted(kindName(obj), client.ObjectKeyFromObject(obj))
}

// forgetDeleted drops the object of kind and name from the object metrics: a
// reconcile found it gone, or finalize let it go.
func (s *shared) forgetDeleted(kind string, name types.NamespacedName) {
	s.ready.forget(kind, name)
	s.conditions.forget(kind, name)
}

// finish turns the outcome into conditions, writes the status once, and records the
// sync for the next decision.
func (s *shared) finish(ctx context.Context, syncs *syncTracker, obj, base conditioned, decision syncDecision,
	extra []string, res ctrl.Result, err error) (ctrl.Result, error) {
	out := applyOutcome(obj, err)
	common := commonStatus(obj)
	if decision.due || err != nil || !obj.GetDeletionTimestamp().IsZero() || isPaused(obj) {
		common.ObservedGeneration = obj.GetGeneration()
	}
	if obj.GetDeletionTimestamp().IsZero() {
		if err := ensureFinalizer(ctx, s.Client, obj); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	if err := s.writeStatus(ctx, obj, statusOf(base), statusOf(obj)); err != nil {
		return ctrl.Result{}, err
	}
	s.recordTransition(ctx, obj, base)
	s.recordInboundTransition(ctx, obj, base)
	if released(obj) {
		// finalize let the object go: its metrics went with it, and must not come back
		// from this last look at it.
		s.forgetMetrics(obj)
	} else {
		s.ready.observe(obj)
		s.conditions.observe(obj)
	}
	if obj.GetDeletionTimestamp().IsZero() {
		syncs.endedWith(obj.GetUID(), obj.GetResourceVersion())
	}
	// The fingerprint is taken after the sync: the operator's own annotation writes
	// (SID, create-pending) are not new inputs.
	inputs := fingerprint(obj.GetGeneration(), obj.GetAnnotations(), extra...)
	return s.requeue(obj, syncs, decision, inputs, res, err, out)
}

// writeStatus sends the status as one JSON merge patch of the status alone, only when
// it changed.
func (s *shared) writeStatus(ctx context.Context, obj client.Object, before, after any) error {
	if !statusChanged(before, after) {
		return nil
	}
	old, err := json.Marshal(map[string]any{"status": before})
	if err != nil {
		return err
	}
	updated, err := json.Marshal(map[string]any{"status": after})
	if err != nil {
		return err
	}
	patch, err := jsonpatch.CreateMergePatch(old, updated)
	if err != nil {
		return fmt.Errorf("cannot compute the status patch: %w", err)
	}
	return client.IgnoreNotFound(s.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch)))
}

// statusOf returns a pointer to the status of either kind.
func statusOf(obj client.Object) any {
	switch o := obj.(type) {
	case *v1alpha1.MessagingService:
		return &o.Status
	case *v1alpha1.A2PRegistration:
		return &o.Status
	}
	panic(fmt.Sprintf("unknown kind %T", obj))
}

// commonStatus returns the part of the status both kinds share.
func commonStatus(obj client.Object) *v1alpha1.CommonStatus {
	switch o := obj.(type) {
	case *v1alpha1.MessagingService:
		return &o.Status.CommonStatus
	case *v1alpha1.A2PRegistration:
		return &o.Status.CommonStatus
	}
	panic(fmt.Sprintf("unknown kind %T", obj))
}
