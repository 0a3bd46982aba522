package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// TwilioConnector hands out Twilio clients per set of credentials; *twilio.Connector is
// the implementation.
type TwilioConnector interface {
	Client(twilio.Credentials) (twilio.Client, error)
}

// shared holds what both reconcilers use.
type shared struct {
	client.Client
	// direct reads from the API server, past the cache: for Secret data, and to confirm
	// the latest version of an object before deciding to create in Twilio.
	direct  client.Reader
	twilio  TwilioConnector
	events  eventer
	clock   clock.Clock
	creds   *credentialStore
	ready   *readyMetrics
	resync  time.Duration
	workers int
	// claims record which object owns which Twilio object; claimed remembers the
	// claims this process saw held, so steady-state syncs read none.
	claims  *claims
	claimed claimMemory
	breaker *writeBreaker
	shards  *accountShards

	// conditions export every object's conditions (twilio_operator_object_condition).
	conditions *conditionMetrics
	// inbound is the account-level read of the numbers' inbound routes, shared by every
	// MessagingService of an account.
	inbound *inboundRoutes
}

// claimState is who owns sid, for obj; a claim this process saw obj hold is not read
// again.
func (s *shared) claimState(ctx context.Context, obj client.Object, sid string) (claimState, error) {
	if s.claimed.holds(obj.GetUID(), sid) {
		return claimMine, nil
	}
	state, err := s.claims.state(ctx, obj, sid)
	if state == claimMine {
		s.claimed.remember(obj.GetUID(), sid)
	}
	return state, err
}

// release drops obj's claim of sid.
func (s *shared) release(ctx context.Context, obj client.Object, sid string) error {
	s.claimed.release(obj.GetUID(), sid)
	return s.claims.release(ctx, obj, sid)
}

// ownsForDeletion reports whether obj owns sid, before it deletes or orphans it: it
// holds the claim or, for an object that managed the Twilio object before claims were
// recorded (recorded: its status shows it as its own), nobody holds it, in which case
// it claims it now. A non-owner gets an event that its deletion left the object alone.
func (s *shared) ownsForDeletion(ctx context.Context, obj conditioned, what, sid string, recorded bool) (bool, error) {
	state, err := s.claims.state(ctx, obj, sid)
	if err != nil {
		return false, err
	}
	if state == claimFree && recorded {
		err := s.claims.ensure(ctx, obj, what, sid)
		if err == nil {
			state = claimMine
		} else if ignoreAlreadyManaged(err) != nil {
			return false, err
		}
	}
	if state != claimMine {
		s.events.normal(obj, reasonReleased, actionDelete, "Left %s %s alone: this object does not own it", what, sid)
		return false, nil
	}
	return true, nil
}

// claim makes obj the owner of sid, or fails with errAlreadyManaged.
func (s *shared) claim(ctx context.Context, obj client.Object, what, sid string) error {
	if s.claimed.holds(obj.GetUID(), sid) {
		return nil
	}
	if err := s.claims.ensure(ctx, obj, what, sid); err != nil {
		return err
	}
	s.claimed.remember(obj.GetUID(), sid)
	return nil
}

// claimCreated makes obj the owner of sid, a Twilio object it has just created.
func (s *shared) claimCreated(ctx context.Context, obj client.Object, what, sid string) error {
	if err := s.claims.create(ctx, obj, what, sid); err != nil {
		return err
	}
	s.claimed.remember(obj.GetUID(), sid)
	return nil
}

func (s *shared) now() *metav1.Time {
	t := metav1.NewTime(s.clock.Now().UTC().Truncate(time.Second))
	return &t
}

// connect returns a Twilio client for the credentials Secret of obj.
func (s *shared) connect(ctx context.Context, obj client.Object, secretName string) (twilio.Client, error) {
	creds, err := s.credentials(ctx, obj, secretName)
	if err != nil {
		return nil, err
	}
	s.creds.keepForDeletion(obj, deletesTwilioSide(obj), creds)
	return s.twilio.Client(creds)
}

// credentials are the current credentials of the object's Secret.
func (s *shared) credentials(ctx context.Context, obj client.Object, secretName string) (twilio.Credentials, error) {
	key := secretKey(obj, secretName)
	version, err := s.creds.versionOf(ctx, key)
	if err != nil {
		return twilio.Credentials{}, err
	}
	return s.creds.get(ctx, key, version)
}

// connectForDeletion is connect, falling back to the credentials obj itself last read
// when its Secret no longer exists: a namespace deletion may delete the Secret first.
func (s *shared) connectForDeletion(ctx context.Context, obj client.Object, secretName string) (twilio.Client, error) {
	tw, err := s.connect(ctx, obj, secretName)
	var missing *secretMissingError
	if err == nil || !errors.As(err, &missing) {
		return tw, err
	}
	if creds, ok := s.creds.keptForDeletion(obj); ok {
		return s.twilio.Client(creds)
	}
	return nil, err
}

// deletesTwilioSide says whether deleting obj deletes Twilio objects, so its deletion
// needs credentials.
func deletesTwilioSide(obj client.Object) bool {
	switch o := obj.(type) {
	case *v1alpha1.MessagingService:
		return o.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete && o.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserveOnly
	case *v1alpha1.A2PRegistration:
		return o.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete && o.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserveOnly
	}
	return false
}

// applyOutcome turns a failed step into conditions: Stalled for what the user must fix,
// Reconciling for waiting and for transient errors (reason Retrying).
func applyOutcome(obj conditioned, err error) outcome {
	if err == nil {
		return outcome{}
	}
	if apierrors.IsConflict(err) {
		// Our own metadata write lost a race with another writer: try again at once.
		return outcome{transient: true, reason: v1alpha1.ReasonRetrying, message: "the object changed while it was reconciled"}
	}
	out := outcomeOf(err)
	switch {
	case out.stalled:
		markStalled(obj, out.reason, out.message)
	case out.readyReason != "":
		markReconciling(obj, out.reason, out.message)
		setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, out.readyReason, out.message)
	default:
		markReconciling(obj, out.reason, out.message)
	}
	return out
}

// gotSID reports whether obj got its SID annotation since before.
func gotSID(before, obj conditioned) bool {
	return annotation(before, v1alpha1.SIDAnnotation) == "" && annotation(obj, v1alpha1.SIDAnnotation) != ""
}

// fraction is how many of items are done, as "done/all": the form of the Numbers and
// Campaigns printer columns.
func fraction[T any](items []T, done func(T) bool) string {
	n := 0
	for _, item := range items {
		if done(item) {
			n++
		}
	}
	return fmt.Sprintf("%d/%d", n, len(items))
}

func statusChanged(before, after any) bool { return !apiequality.Semantic.DeepEqual(before, after) }

// requeue decides when the object is reconciled next and records the sync.
func (s *shared) requeue(obj conditioned, syncs *syncTracker, d syncDecision, inputs uint64,
	res ctrl.Result, err error, out outcome) (ctrl.Result, error) {
	switch {
	case !obj.GetDeletionTimestamp().IsZero():
		if err != nil && out.transient {
			syncs.failed(obj.GetUID(), inputs)
			return ctrl.Result{}, err
		}
		return ctrl.Result{}, nil
	case isPaused(obj):
		syncs.pause(obj.GetUID())
		return ctrl.Result{}, nil
	case !d.due && (err == nil || !out.transient):
		// Not synced with Twilio (an export conflict found between syncs): the resync
		// stays when it was due.
		return res, nil
	case out.transient:
		// Handed back to controller-runtime: its reconcile-error metrics count it, and
		// the workqueue's per-object rate limiter (rateLimiter) decides the retry.
		syncs.failed(obj.GetUID(), inputs)
		return ctrl.Result{}, err
	case out.waiting:
		return ctrl.Result{RequeueAfter: syncs.waiting(obj.GetUID(), inputs, d)}, nil
	}
	return ctrl.Result{RequeueAfter: syncs.synced(obj.GetUID(), inputs, d)}, nil
}

// recordTransition emits an event when the object becomes Stalled (or stalls for a new
// reason), starts retrying, or becomes Ready: transitions only, never on a quiet resync.
// An object that got its SID in this reconcile already has its Created (or Recovered)
// event, which names the SID: becoming Ready in the same reconcile adds none. Events
// are the operator's largest memory cost at scale (client-go keeps each one for six
// minutes to detect series) and each is an API write.
func (s *shared) recordTransition(ctx context.Context, obj, before conditioned) {
	now, was := meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionReady),
		meta.FindStatusCondition(before.GetConditions(), v1alpha1.ConditionReady)
	if now == nil || (was != nil && was.Status == now.Status && was.Reason == now.Reason && was.Message == now.Message) {
		return
	}
	logger := log.FromContext(ctx)
	switch {
	case isStalled(obj):
		logger.Info("Stalled", "reason", now.Reason, "message", redact(now.Message))
		s.events.record(obj, corev1.EventTypeWarning, now.Reason, actionReconcile, "%s", now.Message)
	case now.Reason == v1alpha1.ReasonRetrying && (was == nil || was.Reason != v1alpha1.ReasonRetrying):
		logger.Info("Retrying", "message", redact(now.Message))
		s.events.record(obj, corev1.EventTypeWarning, now.Reason, actionReconcile, "%s", now.Message)
	case now.Status == metav1.ConditionTrue && (was == nil || was.Status != metav1.ConditionTrue) && !gotSID(before, obj):
		s.events.record(obj, corev1.EventTypeNormal, now.Reason, actionReconcile, "%s", now.Message)
	}
}
