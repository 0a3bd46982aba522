package controllers

import (
	"context"
	"fmt"
	"slices"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// A2PRegistrationReconciler registers an A2P brand and one campaign per Messaging
// Service, follows carrier vetting, and never pays a registration or vetting fee the
// user did not ask for.
type A2PRegistrationReconciler struct {
	*shared
	syncs *syncTracker
	// wakes puts an object waiting for its account's room back in the queue.
	wakes *waker
}

// a2pRun is one reconcile of one A2PRegistration.
type a2pRun struct {
	*A2PRegistrationReconciler
	obj *v1alpha1.A2PRegistration
}

// campaignTarget is the Messaging Service one campaign of the spec goes on.
type campaignTarget struct {
	// name is the referenced MessagingService, "" when the campaign names a SID.
	name string
	// sid is the Messaging Service SID, "" until the referenced object has one.
	sid string
	// problem says why the campaign cannot proceed yet (not found, no SID).
	problem error
	// pool is, for a Sole Proprietor brand, how many numbers the referenced
	// MessagingService reports: a change makes the registration look again, since
	// such a campaign's service may hold one number.
	pool string
}

// Reconcile makes Twilio match one A2PRegistration; see reconcileObject.
func (r *A2PRegistrationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &v1alpha1.A2PRegistration{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			// Deleted without this operator's finalizer (removed by hand, or while
			// another process led): it leaves the object metrics all the same.
			r.forgetDeleted(kindName(obj), req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return reconcileObject(ctx, r.shared, r.syncs, r.wakes, &a2pRun{A2PRegistrationReconciler: r, obj: obj})
}

func (run *a2pRun) object() conditioned     { return run.obj }
func (run *a2pRun) credentialsName() string { return run.obj.Spec.CredentialsRef.Name }

// inputs resolves the Messaging Services of the campaigns from the cache. A referenced
// service appearing, or getting its SID, is an input change, so the registration
// proceeds as soon as the service exists in Twilio.
func (run *a2pRun) inputs(ctx context.Context) ([]campaignTarget, []string, error) {
	secretVersion, err := run.creds.version(ctx, secretKey(run.obj, run.obj.Spec.CredentialsRef.Name))
	if err != nil {
		return nil, nil, err
	}
	extra := []string{secretVersion}
	targets := make([]campaignTarget, len(run.obj.Spec.Campaigns))
	for i, c := range run.obj.Spec.Campaigns {
		if targets[i], err = run.target(ctx, c); err != nil {
			return nil, nil, err
		}
		extra = append(extra, targets[i].fingerprint())
	}
	return targets, extra, nil
}

// statusCurrent: the campaigns in the status are on exactly the services the spec's
// campaigns target now (a referenced MessagingService may have been recreated with a
// new SID). A Ready registration's brand is APPROVED, which no resubmit-brand
// annotation changes: it only acts on a FAILED brand.
func (run *a2pRun) statusCurrent(targets []campaignTarget) bool {
	sids := make([]string, 0, len(targets))
	for _, t := range targets {
		if t.problem != nil {
			return false
		}
		sids = append(sids, t.sid)
	}
	sort.Strings(sids)
	return slices.Equal(sids, campaignServiceSIDs(run.obj))
}

// fingerprint is the target as an input of the reconcile: the referenced service
// appearing, or getting its SID, makes the registration due.
func (t campaignTarget) fingerprint() string {
	if t.problem != nil {
		return t.name + "!" + outcomeOf(t.problem).reason
	}
	return t.name + "=" + t.sid + t.pool
}

// associatedNumbers is how many numbers a MessagingService reports in its pool.
func associatedNumbers(ms *v1alpha1.MessagingService) int {
	n := 0
	for _, p := range ms.Status.PhoneNumbers {
		if p.State == v1alpha1.PhoneNumberAssociated {
			n++
		}
	}
	return n
}

func (run *a2pRun) target(ctx context.Context, c v1alpha1.CampaignSpec) (campaignTarget, error) {
	if c.MessagingServiceRef == nil {
		return campaignTarget{sid: c.MessagingServiceSID}, nil
	}
	t := campaignTarget{name: c.MessagingServiceRef.Name}
	ms := &v1alpha1.MessagingService{}
	key := types.NamespacedName{Namespace: run.obj.Namespace, Name: t.name}
	err := run.Get(ctx, key, ms)
	if apierrors.IsNotFound(err) {
		// Not in this process's cache: it may exist outside this shard's scope
		// (--watch-selector). Read it from the API server, so the registration goes on;
		// its changes then reach the registration at the next sync, not at once.
		err = run.direct.Get(ctx, key, ms)
	}
	switch {
	case apierrors.IsNotFound(err):
		// Objects applied together arrive in any order (Helm creates unknown kinds
		// alphabetically: A2PRegistration first), so a missing service is waited for.
		t.problem = waiting(v1alpha1.ReasonMessagingServiceNotFound, "MessagingService %s not found in namespace %s", t.name, run.obj.Namespace)
	case err != nil:
		return t, err
	default:
		if t.sid = annotation(ms, v1alpha1.SIDAnnotation); t.sid == "" || ms.Status.SID != t.sid {
			t.sid = ""
			t.problem = waiting(v1alpha1.ReasonAwaitingMessagingService, "MessagingService %s has no Messaging Service in Twilio yet", t.name)
		}
		if run.obj.Spec.Brand.BrandType == v1alpha1.BrandTypeSoleProprietor {
			t.pool = fmt.Sprintf("#%d", associatedNumbers(ms))
		}
	}
	return t, nil
}

// sync is one pass of observe → plan → act: read the brand and the campaigns, decide
// every write (each with its cost: free, a new vetting, a fee, destructive), then carry
// the writes out, unless the object only observes.
func (run *a2pRun) sync(ctx context.Context, tw twilio.Client, decision syncDecision, targets []campaignTarget) error {
	if err := checkAccount(run.obj, tw, "brand registration"); err != nil {
		return err
	}
	run.obj.Status.AccountSID = tw.AccountSID()
	if err := run.syncTrustHub(ctx, tw); err != nil {
		return err // the bundles of spec.trustHub come first (a2pregistration_trusthub.go)
	}
	obs, err := run.observe(ctx, tw, decision, targets)
	if err != nil {
		return err
	}
	plan := planRegistration(run.obj, obs)
	if run.observeOnly() {
		return run.reportObserved(obs, plan)
	}
	res, err := run.execute(ctx, tw, obs, plan)
	run.report(plan, res)
	if err != nil {
		return err
	}
	return run.readiness(plan, res)
}

func (run *a2pRun) observeOnly() bool {
	return run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly
}

// campaignServiceSIDs lists, sorted, the Messaging Services the registration's campaigns
// are on according to its status.
func campaignServiceSIDs(a *v1alpha1.A2PRegistration) []string {
	var sids []string
	for _, c := range a.Status.Campaigns {
		if c.MessagingServiceSID != "" {
			sids = append(sids, c.MessagingServiceSID)
		}
	}
	sort.Strings(sids)
	return sids
}
