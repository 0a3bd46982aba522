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
// Service, follows carrier vetting, and never pays a registration fee twice.
type A2PRegistrationReconciler struct {
	*shared
	syncs *syncTracker
}

// a2pRun is one reconcile of one A2PRegistration.
type a2pRun struct {
	*A2PRegistrationReconciler
	obj      *v1alpha1.A2PRegistration
	tw       twilio.Client
	decision syncDecision
	targets  []campaignTarget
}

// campaignTarget is the Messaging Service one campaign of the spec goes on.
type campaignTarget struct {
	// name is the referenced MessagingService, "" when the campaign names a SID.
	name string
	// sid is the Messaging Service SID, "" until the referenced object has one.
	sid string
	// problem says why the campaign cannot proceed yet (not found, no SID).
	problem error
}

// Reconcile makes Twilio match one A2PRegistration; see (*shared).reconcile.
func (r *A2PRegistrationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &v1alpha1.A2PRegistration{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return r.reconcile(ctx, r.syncs, &a2pRun{A2PRegistrationReconciler: r, obj: obj})
}

func (run *a2pRun) object() conditioned     { return run.obj }
func (run *a2pRun) credentialsName() string { return run.obj.Spec.CredentialsRef.Name }

// decide resolves the Messaging Services of the campaigns from the cache and decides
// whether Twilio may be called now. A referenced service getting its SID is an input
// change, so the registration proceeds as soon as the service exists in Twilio.
func (run *a2pRun) inputs(ctx context.Context) ([]string, error) {
	secretVersion, err := run.creds.version(ctx, secretKey(run.obj, run.obj.Spec.CredentialsRef.Name))
	if err != nil {
		return nil, err
	}
	extra := []string{secretVersion}
	run.targets = make([]campaignTarget, len(run.obj.Spec.Campaigns))
	for i, c := range run.obj.Spec.Campaigns {
		if run.targets[i], err = run.target(ctx, c); err != nil {
			return nil, err
		}
		extra = append(extra, run.targets[i].fingerprint())
	}
	return extra, nil
}

// statusCurrent: the campaigns in the status are on exactly the services the spec's
// campaigns target now (a referenced MessagingService may have been recreated with a
// new SID). A Ready registration's brand is APPROVED, which no resubmit-brand
// annotation changes: it only acts on a FAILED brand.
func (run *a2pRun) statusCurrent() bool {
	targets := make([]string, 0, len(run.targets))
	for _, t := range run.targets {
		if t.problem != nil {
			return false
		}
		targets = append(targets, t.sid)
	}
	sort.Strings(targets)
	return slices.Equal(targets, campaignServiceSIDs(run.obj))
}

// fingerprint is the target as an input of the reconcile: the referenced service
// appearing, or getting its SID, makes the registration due.
func (t campaignTarget) fingerprint() string {
	if t.problem != nil {
		return t.name + "!" + outcomeOf(t.problem).reason
	}
	return t.name + "=" + t.sid
}

func (run *a2pRun) target(ctx context.Context, c v1alpha1.CampaignSpec) (campaignTarget, error) {
	if c.MessagingServiceRef == nil {
		return campaignTarget{sid: c.MessagingServiceSID}, nil
	}
	t := campaignTarget{name: c.MessagingServiceRef.Name}
	ms := &v1alpha1.MessagingService{}
	err := run.Get(ctx, types.NamespacedName{Namespace: run.obj.Namespace, Name: t.name}, ms)
	switch {
	case apierrors.IsNotFound(err):
		// Objects applied together arrive in any order (Helm creates unknown kinds
		// alphabetically: A2PRegistration first), so a missing service is waited for.
		t.problem = waiting(v1alpha1.ReasonMessagingServiceNotFound, "MessagingService %s not found in namespace %s", t.name, run.obj.Namespace)
	case err != nil:
		return t, err
	default:
		if t.sid = annotation(ms, v1alpha1.SIDAnnotation); t.sid == "" {
			t.problem = waiting(v1alpha1.ReasonAwaitingMessagingService, "MessagingService %s has no Messaging Service in Twilio yet", t.name)
		}
	}
	return t, nil
}

// sync registers the brand, then the campaigns once the brand is APPROVED.
func (run *a2pRun) sync(ctx context.Context, tw twilio.Client, decision syncDecision) error {
	if err := checkAccount(run.obj, tw, "brand registration"); err != nil {
		return err
	}
	run.tw, run.decision = tw, decision
	run.obj.Status.AccountSID = tw.AccountSID()
	run.obj.Status.Drift = nil
	brand, err := run.brand(ctx)
	if err != nil {
		markSubCondition(run.obj, v1alpha1.ConditionCampaignsVerified, "False", v1alpha1.ReasonAwaitingBrandApproval,
			"Campaigns are registered once the brand is APPROVED")
		return err
	}
	run.obj.Status.LastSyncTime = run.now()
	if err := run.campaigns(ctx, brand); err != nil {
		return err
	}
	if run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly && len(run.obj.Status.Drift) > 0 {
		markNotReady(run.obj, v1alpha1.ReasonDriftDetected, fmt.Sprintf(
			"Twilio differs from the spec in %s; managementPolicy is ObserveOnly, so nothing is changed", driftFields(run.obj.Status.Drift)))
		return nil
	}
	markReady(run.obj, v1alpha1.ReasonAvailable, fmt.Sprintf("Brand %s is APPROVED and %s campaigns are VERIFIED",
		brand.SID, run.obj.Status.VerifiedCampaigns))
	return nil
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
