package controllers

import (
	"context"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// MessagingServiceReconciler makes each MessagingService exactly one Twilio Messaging
// Service with the spec's fields and sender pool.
type MessagingServiceReconciler struct {
	*shared
	syncs *syncTracker
	// wakes puts an object waiting for its account's room back in the queue.
	wakes *waker
}

// msRun is one reconcile of one MessagingService.
type msRun struct {
	*MessagingServiceReconciler
	obj *v1alpha1.MessagingService
}

// Reconcile makes Twilio match one MessagingService; see (*shared).reconcile.
func (r *MessagingServiceReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &v1alpha1.MessagingService{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			// Deleted without this operator's finalizer (removed by hand, or while
			// another process led): it leaves the object metrics all the same.
			r.forgetDeleted(kindName(obj), req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return reconcileObject(ctx, r.shared, r.syncs, r.wakes, &msRun{MessagingServiceReconciler: r, obj: obj})
}

func (run *msRun) object() conditioned     { return run.obj }
func (run *msRun) credentialsName() string { return run.obj.Spec.CredentialsRef.Name }

// inputs are the campaigns registrations report on the service, and with them the
// credentials Secret's version.
func (run *msRun) inputs(ctx context.Context) ([]string, []string, error) {
	secretVersion, err := run.creds.version(ctx, secretKey(run.obj, run.obj.Spec.CredentialsRef.Name))
	if err != nil {
		return nil, nil, err
	}
	campaigns, err := run.campaignsOn(ctx, run.obj)
	if err != nil {
		return nil, nil, err
	}
	return campaigns, append(slices.Clone(campaigns), secretVersion), nil
}

// statusCurrent: Twilio marks a service registered for A2P while it holds a campaign,
// so the status must say so exactly when a registration reports one on the service.
func (run *msRun) statusCurrent(campaigns []string) bool {
	return run.obj.Status.UsAppToPersonRegistered == (len(campaigns) > 0)
}

// sync is one pass of observe → plan → act: read Twilio (nothing else), decide every
// write the spec implies (a pure function of the spec, the status and what was read),
// then carry the writes out, unless the object only observes.
func (run *msRun) sync(ctx context.Context, tw twilio.Client, decision syncDecision, _ []string) error {
	if err := checkAccount(run.obj, tw, "Messaging Service"); err != nil {
		return err
	}
	run.obj.Status.AccountSID = tw.AccountSID()
	obs, err := run.observe(ctx, tw, run.scope(decision))
	if err != nil {
		return err
	}
	plan := planService(run.obj, obs)
	if plan.stall != nil {
		return plan.stall
	}
	if run.observeOnly() {
		err := run.reportObserved(obs, plan)
		run.checkInboundRouting(ctx, tw)
		return err
	}
	done, err := run.execute(ctx, tw, plan)
	run.report(obs, plan, done)
	if err != nil {
		return err
	}
	run.checkInboundRouting(ctx, tw)
	return run.readiness(done.service.SID)
}

// readScope says which Twilio reads a sync makes.
type readScope struct{ service, pool bool }

// scope spreads the steady-state reads: after a change of inputs the service and its
// pool are both read; a timer-driven resync reads one of them, alternately, so an
// object costs at most one Twilio read per resync period and drift in either is still
// found within two periods. ObserveOnly objects always read both, to report all drift.
func (run *msRun) scope(d syncDecision) readScope {
	managesPool := run.obj.Spec.PhoneNumbers != nil
	if d.inputsChanged || d.resyncs <= 0 || !managesPool || run.observeOnly() {
		return readScope{service: true, pool: managesPool}
	}
	if d.resyncs%2 == 1 {
		return readScope{pool: true}
	}
	return readScope{service: true}
}

func (run *msRun) observeOnly() bool {
	return run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly
}
