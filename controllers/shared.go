package controllers

import (
	"context"
	"fmt"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

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
	events  recorder.EventRecorder
	clock   clock.Clock
	creds   *credentialStore
	ready   *readyMetrics
	resync  time.Duration
	workers int
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
	return s.twilio.Client(creds)
}

// credentials are the current credentials of the object's Secret.
func (s *shared) credentials(ctx context.Context, obj client.Object, secretName string) (twilio.Credentials, error) {
	key := secretKey(obj, secretName)
	version, err := s.creds.version(ctx, key)
	if err != nil {
		return twilio.Credentials{}, err
	}
	return s.creds.get(ctx, key, version)
}

// connectForDeletion is connect, falling back to the last credentials read from the
// Secret when the Secret is gone: a namespace deletion may delete it first.
func (s *shared) connectForDeletion(ctx context.Context, obj client.Object, secretName string) (twilio.Client, error) {
	tw, err := s.connect(ctx, obj, secretName)
	if err == nil || outcomeOf(err).reason != v1alpha1.ReasonCredentialsNotFound {
		return tw, err
	}
	if creds, ok := s.creds.lastKnown(secretKey(obj, secretName)); ok {
		return s.twilio.Client(creds)
	}
	return nil, err
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
			return ctrl.Result{RequeueAfter: syncs.failed(obj.GetUID(), inputs)}, nil
		}
		return ctrl.Result{}, nil
	case isPaused(obj):
		syncs.pause(obj.GetUID())
		return ctrl.Result{}, nil
	case !d.due && err == nil:
		return res, nil
	case out.transient:
		return ctrl.Result{RequeueAfter: syncs.failed(obj.GetUID(), inputs)}, nil
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
func (s *shared) recordTransition(obj, before conditioned) {
	now, was := meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionReady),
		meta.FindStatusCondition(before.GetConditions(), v1alpha1.ConditionReady)
	if now == nil || (was != nil && was.Status == now.Status && was.Reason == now.Reason && was.Message == now.Message) {
		return
	}
	switch {
	case isStalled(obj):
		s.events.Eventf(obj, nil, "Warning", now.Reason, "Reconcile", "%s", now.Message)
	case now.Reason == v1alpha1.ReasonRetrying && (was == nil || was.Reason != v1alpha1.ReasonRetrying):
		s.events.Eventf(obj, nil, "Warning", now.Reason, "Reconcile", "%s", now.Message)
	case now.Status == metav1.ConditionTrue && (was == nil || was.Status != metav1.ConditionTrue) && !gotSID(before, obj):
		s.events.Eventf(obj, nil, "Normal", now.Reason, "Reconcile", "%s", now.Message)
	}
}
