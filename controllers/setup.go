package controllers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// Options configure the controllers.
type Options struct {
	// Twilio hands out Twilio clients; required.
	Twilio TwilioConnector
	// ResyncPeriod is the steady-state re-read of each object (jittered ±10%).
	ResyncPeriod time.Duration
	// MaxConcurrentReconciles is the number of workers per controller.
	MaxConcurrentReconciles int
	// Clock is the time source; nil is the real clock.
	Clock clock.Clock
	// Registerer receives the controllers' metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
	// PollInterval bounds how often a registration waiting for vetting is re-read;
	// zero is DefaultPollInterval.
	PollInterval PollInterval
	// Shard names this operator process's shard of the fleet (its leader election ID):
	// the accounts it serves are recorded under this name (controllers/shards.go).
	// Default "twilio-operator".
	Shard string
	// ClaimsNamespace holds the Leases that record which object owns which Twilio
	// object (controllers/claims.go): the operator's own namespace, the same for every
	// operator process (every shard) of a cluster. Required.
	ClaimsNamespace string
}

// SetupWithManager registers the controllers with mgr.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if opts.Twilio == nil {
		return fmt.Errorf("a Twilio connector is required")
	}
	if opts.ClaimsNamespace == "" {
		return fmt.Errorf("a namespace for the ownership claims is required")
	}
	if opts.Shard == "" {
		opts.Shard = "twilio-operator"
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.ResyncPeriod <= 0 {
		opts.ResyncPeriod = 10 * time.Minute
	}
	if opts.PollInterval.Min <= 0 || opts.PollInterval.Max < opts.PollInterval.Min {
		opts.PollInterval = DefaultPollInterval
	}
	s := &shared{
		Client:  mgr.GetClient(),
		direct:  mgr.GetAPIReader(),
		twilio:  opts.Twilio,
		events:  eventer{recorder: mgr.GetEventRecorder("twilio-operator")},
		clock:   opts.Clock,
		creds:   newCredentialStore(mgr.GetCache(), mgr.GetAPIReader()), // the cache: see newCredentialStore
		ready:   newReadyMetrics(opts.Registerer),
		resync:  opts.ResyncPeriod,
		workers: max(1, opts.MaxConcurrentReconciles),
		claims:  &claims{client: mgr.GetClient(), direct: mgr.GetAPIReader(), namespace: opts.ClaimsNamespace},
		breaker: newWriteBreaker(opts.Clock),
		shards: &accountShards{client: mgr.GetClient(), direct: mgr.GetAPIReader(), namespace: opts.ClaimsNamespace,
			shard: opts.Shard, clock: opts.Clock, renewed: map[string]time.Time{}},
		conditions: newConditionMetrics(opts.Registerer),
		inbound:    newInboundRoutes(opts.Clock, opts.ResyncPeriod),
	}
	if err := setupIndexes(context.Background(), mgr); err != nil {
		return err
	}
	ms := &MessagingServiceReconciler{shared: s, syncs: newSyncTracker(s.clock, s.resync, opts.PollInterval),
		wakes: &waker{kind: "MessagingService"}}
	err := ctrl.NewControllerManagedBy(mgr).
		Named("messagingservice").
		For(&v1alpha1.MessagingService{}, builder.WithPredicates(inputsChanged())).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(s.usersOfSecret(&v1alpha1.MessagingServiceList{})),
			builder.OnlyMetadata).
		Watches(&v1alpha1.A2PRegistration{}, s.servicesOfCampaigns()).
		Owns(&corev1.ConfigMap{}).
		WatchesRawSource(ms.wakes.source()).
		WithOptions(controller.Options{MaxConcurrentReconciles: s.workers, RateLimiter: rateLimiter()}).
		Complete(ms)
	if err != nil {
		return err
	}
	a2p := &A2PRegistrationReconciler{shared: s, syncs: newSyncTracker(s.clock, s.resync, opts.PollInterval),
		wakes: &waker{kind: "A2PRegistration"}}
	return ctrl.NewControllerManagedBy(mgr).
		Named("a2pregistration").
		For(&v1alpha1.A2PRegistration{}, builder.WithPredicates(inputsChanged())).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(s.usersOfSecret(&v1alpha1.A2PRegistrationList{})),
			builder.OnlyMetadata).
		Watches(&v1alpha1.MessagingService{}, handler.EnqueueRequestsFromMapFunc(s.registrationsUsing),
			builder.WithPredicates(predicate.Or(predicate.AnnotationChangedPredicate{}, poolSizeChanged()))).
		Owns(&corev1.ConfigMap{}).
		WatchesRawSource(a2p.wakes.source()).
		WithOptions(controller.Options{MaxConcurrentReconciles: s.workers, RateLimiter: rateLimiter()}).
		Complete(a2p)
}

// rateLimiter backs off the retries of a failed reconcile per object: from 1 second,
// doubling, up to 5 minutes. controller-runtime's default adds a 10-per-second bucket
// shared by every object, and starts at 5 ms: a 429 would be retried hot, and one
// throttled account would hold back the retries of all the others.
func rateLimiter() workqueue.TypedRateLimiter[reconcile.Request] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](time.Second, 5*time.Minute)
}

// Indexes of the cache, each answering one question without a scan.
const (
	// sidIndex: which MessagingServices name a service SID (to wake them when a
	// registration's campaigns on it change).
	sidIndex = "metadata.annotations.sid"
	// serviceRefIndex: which A2PRegistrations reference a MessagingService by name.
	serviceRefIndex = "spec.campaigns.messagingServiceRef.name"
	// campaignServiceIndex: which A2PRegistrations have a campaign on a service SID.
	campaignServiceIndex = "status.campaigns.messagingServiceSid"
)

func setupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	indexes := []struct {
		obj     client.Object
		field   string
		extract client.IndexerFunc
	}{
		{&v1alpha1.MessagingService{}, credentialsIndex, func(o client.Object) []string {
			return []string{secretKey(o, o.(*v1alpha1.MessagingService).Spec.CredentialsRef.Name).Name}
		}},
		{&v1alpha1.MessagingService{}, sidIndex, sidOf},
		{&v1alpha1.A2PRegistration{}, credentialsIndex, func(o client.Object) []string {
			return []string{secretKey(o, o.(*v1alpha1.A2PRegistration).Spec.CredentialsRef.Name).Name}
		}},
		{&v1alpha1.A2PRegistration{}, serviceRefIndex, func(o client.Object) []string {
			var names []string
			for _, c := range o.(*v1alpha1.A2PRegistration).Spec.Campaigns {
				if c.MessagingServiceRef != nil {
					names = append(names, c.MessagingServiceRef.Name)
				}
			}
			return names
		}},
		{&v1alpha1.A2PRegistration{}, campaignServiceIndex, func(o client.Object) []string {
			return campaignServiceSIDs(o.(*v1alpha1.A2PRegistration))
		}},
	}
	for _, idx := range indexes {
		if err := mgr.GetFieldIndexer().IndexField(ctx, idx.obj, idx.field, idx.extract); err != nil {
			return fmt.Errorf("cannot index %T by %s: %w", idx.obj, idx.field, err)
		}
	}
	return nil
}

func sidOf(o client.Object) []string {
	if sid := annotation(o, v1alpha1.SIDAnnotation); sid != "" {
		return []string{sid}
	}
	return nil
}

// inputsChanged passes the events that can change what the operator must do: a new
// generation (spec), annotations (adoption, pause, resubmit) and deletion. Status-only
// updates, including the operator's own, are dropped.
// poolSizeChanged passes a MessagingService whose sender pool grew or shrank: the
// campaign of a Sole Proprietor brand waits for a service with one number.
func poolSizeChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		old, okOld := e.ObjectOld.(*v1alpha1.MessagingService)
		updated, okNew := e.ObjectNew.(*v1alpha1.MessagingService)
		return okOld && okNew && associatedNumbers(old) != associatedNumbers(updated)
	}}
}

func inputsChanged() predicate.Predicate {
	deletion := predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return !e.ObjectNew.GetDeletionTimestamp().Equal(e.ObjectOld.GetDeletionTimestamp())
	}}
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, deletion)
}

// usersOfSecret maps a Secret event to the objects whose credentialsRef names it. Any
// event of a Secret (a change, its deletion) also makes the credential store forget
// what it read from it, so no credentials outlive the version they came from.
func (s *shared) usersOfSecret(list client.ObjectList) handler.MapFunc {
	return func(ctx context.Context, secret client.Object) []reconcile.Request {
		s.creds.evict(client.ObjectKeyFromObject(secret))
		l := list.DeepCopyObject().(client.ObjectList)
		if err := s.List(ctx, l, client.InNamespace(secret.GetNamespace()),
			client.MatchingFields{credentialsIndex: secret.GetName()}); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "Failed to list the users of a Secret", "secret", secret.GetName())
			return nil
		}
		items, _ := meta.ExtractList(l)
		reqs := make([]reconcile.Request, 0, len(items))
		for _, item := range items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(item.(client.Object))})
		}
		return reqs
	}
}

// registrationsUsing maps a MessagingService to the A2PRegistrations that reference it.
func (s *shared) registrationsUsing(ctx context.Context, ms client.Object) []reconcile.Request {
	list := &v1alpha1.A2PRegistrationList{}
	if err := s.List(ctx, list, client.InNamespace(ms.GetNamespace()), client.MatchingFields{serviceRefIndex: ms.GetName()}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Failed to list A2PRegistrations", "messagingService", ms.GetName())
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, a := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&a)})
	}
	return reqs
}

// servicesOfCampaigns wakes the MessagingServices a registration's campaigns were or
// are on, when its campaigns change, so their usAppToPersonRegistered follows.
func (s *shared) servicesOfCampaigns() handler.TypedEventHandler[client.Object, reconcile.Request] {
	enqueue := func(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request], objs ...client.Object) {
		for _, o := range objs {
			for _, sid := range campaignServiceSIDs(o.(*v1alpha1.A2PRegistration)) {
				list := &v1alpha1.MessagingServiceList{}
				if err := s.List(ctx, list, client.InNamespace(o.GetNamespace()), client.MatchingFields{sidIndex: sid}); err != nil {
					ctrl.LoggerFrom(ctx).Error(err, "Failed to list MessagingServices", "sid", sid)
					continue
				}
				for _, ms := range list.Items {
					q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&ms)})
				}
			}
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, q, e.Object)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if !slices.Equal(campaignSIDs(e.ObjectOld), campaignSIDs(e.ObjectNew)) {
				enqueue(ctx, q, e.ObjectOld, e.ObjectNew)
			}
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, q, e.Object)
		},
	}
}

// campaignSIDs lists "service/campaign" pairs of a registration's status.
func campaignSIDs(o client.Object) []string {
	var out []string
	for _, c := range o.(*v1alpha1.A2PRegistration).Status.Campaigns {
		out = append(out, c.MessagingServiceSID+"/"+c.SID)
	}
	return out
}

// campaignsOn lists the campaigns the registrations in ms's namespace report on ms's
// service: an input of the MessagingService's reconcile, so a campaign being registered
// or deleted makes it read Twilio again.
func (s *shared) campaignsOn(ctx context.Context, ms *v1alpha1.MessagingService) ([]string, error) {
	sid := annotation(ms, v1alpha1.SIDAnnotation)
	if sid == "" {
		return nil, nil
	}
	list := &v1alpha1.A2PRegistrationList{}
	if err := s.List(ctx, list, client.InNamespace(ms.Namespace), client.MatchingFields{campaignServiceIndex: sid}); err != nil {
		return nil, err
	}
	var out []string
	for _, a := range list.Items {
		for _, c := range a.Status.Campaigns {
			if c.MessagingServiceSID == sid {
				out = append(out, c.SID)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
