package controllers

import (
	"context"
	"fmt"
	"slices"

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
}

// msRun is one reconcile of one MessagingService.
type msRun struct {
	*MessagingServiceReconciler
	obj      *v1alpha1.MessagingService
	tw       twilio.Client
	decision syncDecision
	// campaigns are the campaigns registrations report on the service.
	campaigns []string
}

// Reconcile makes Twilio match one MessagingService; see (*shared).reconcile.
func (r *MessagingServiceReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &v1alpha1.MessagingService{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return r.reconcile(ctx, r.syncs, &msRun{MessagingServiceReconciler: r, obj: obj})
}

func (run *msRun) object() conditioned     { return run.obj }
func (run *msRun) credentialsName() string { return run.obj.Spec.CredentialsRef.Name }

// inputs are the credentials Secret's version and the campaigns registrations report
// on the service.
func (run *msRun) inputs(ctx context.Context) ([]string, error) {
	secretVersion, err := run.creds.version(ctx, secretKey(run.obj, run.obj.Spec.CredentialsRef.Name))
	if err != nil {
		return nil, err
	}
	if run.campaigns, err = run.campaignsOn(ctx, run.obj); err != nil {
		return nil, err
	}
	return append(slices.Clone(run.campaigns), secretVersion), nil
}

// statusCurrent: Twilio marks a service registered for A2P while it holds a campaign,
// so the status must say so exactly when a registration reports one on the service.
func (run *msRun) statusCurrent() bool {
	return run.obj.Status.UsAppToPersonRegistered == (len(run.campaigns) > 0)
}

// sync brings the Twilio side in line with the spec, or reports how it differs.
func (run *msRun) sync(ctx context.Context, tw twilio.Client, decision syncDecision) error {
	if err := checkAccount(run.obj, tw, "Messaging Service"); err != nil {
		return err
	}
	run.tw, run.decision = tw, decision
	run.obj.Status.AccountSID = tw.AccountSID()
	scope := run.scope()
	svc, created, err := run.service(ctx, scope.service)
	if err != nil {
		return err
	}
	if err := run.numbers(ctx, svc.SID, created, scope.pool); err != nil {
		return err
	}
	run.obj.Status.LastSyncTime = run.now()
	if run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly && len(run.obj.Status.Drift) > 0 {
		markNotReady(run.obj, v1alpha1.ReasonDriftDetected, fmt.Sprintf(
			"Twilio differs from the spec in %s; managementPolicy is ObserveOnly, so nothing is changed", driftFields(run.obj.Status.Drift)))
		return nil
	}
	markReady(run.obj, v1alpha1.ReasonAvailable, "Messaging Service "+svc.SID+" matches the spec")
	return nil
}

// readScope says which Twilio reads a sync makes.
type readScope struct{ service, pool bool }

// scope spreads the steady-state reads: after a change of inputs the service and its
// pool are both read; a timer-driven resync reads one of them, alternately, so an
// object costs at most one Twilio read per resync period and drift in either is still
// found within two periods. ObserveOnly objects always read both, to report all drift.
func (run *msRun) scope() readScope {
	managesPool := run.obj.Spec.PhoneNumbers != nil
	if run.decision.inputsChanged || run.decision.resyncs <= 0 || !managesPool ||
		run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		return readScope{service: true, pool: managesPool}
	}
	if run.decision.resyncs%2 == 1 {
		return readScope{pool: true}
	}
	return readScope{service: true}
}
