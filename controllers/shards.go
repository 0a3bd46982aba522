package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// accountShards records which operator process serves each Twilio account. A fleet is
// split across several operator Deployments (shards, --watch-namespaces and
// --watch-selector), and each keeps Twilio's limits per process: its in-flight window,
// its 1-per-second budget of brand and campaign writes. Two shards serving one account
// would together exceed what the account takes. So shards split by account, and each
// records the accounts it serves in a Lease per account in the claims namespace,
// renewed while it uses it; an object whose account another live shard serves is
// reported (condition AccountShared), not stopped.
type accountShards struct {
	client    client.Client
	direct    client.Reader
	namespace string
	// shard names this process's shard: its leader election ID.
	shard string
	clock clock.PassiveClock

	mu      sync.Mutex
	renewed map[string]time.Time // account → when this shard last renewed its Lease
}

const (
	// accountLeaseDuration is how long a shard that stopped renewing still holds an
	// account: a shard that went away frees its accounts after it.
	accountLeaseDuration = 5 * time.Minute
	// accountLeaseRenew is how often a shard in use renews: one write per account and
	// minute at most.
	accountLeaseRenew = time.Minute
)

func accountLeaseName(account string) string { return "account-" + strings.ToLower(account) }

// servedElsewhere returns the shard that serves account, when it is another live one
// than this process's; "" when this shard serves it (and its Lease is renewed).
func (a *accountShards) servedElsewhere(ctx context.Context, account string) (string, error) {
	now := a.clock.Now()
	a.mu.Lock()
	last, ok := a.renewed[account]
	a.mu.Unlock()
	if ok && now.Sub(last) < accountLeaseRenew {
		return "", nil
	}
	lease := &coordinationv1.Lease{}
	err := a.direct.Get(ctx, types.NamespacedName{Namespace: a.namespace, Name: accountLeaseName(account)}, lease)
	switch {
	case apierrors.IsNotFound(err):
		lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: accountLeaseName(account), Namespace: a.namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "twilio-operator"}}}
		a.hold(lease, now)
		if err := a.client.Create(ctx, lease); err != nil && !apierrors.IsAlreadyExists(err) {
			return "", fmt.Errorf("cannot record the shard of account %s: %w", account, err)
		}
	case err != nil:
		return "", fmt.Errorf("cannot read the shard of account %s: %w", account, err)
	default:
		holder := ptr.Deref(lease.Spec.HolderIdentity, "")
		if holder != a.shard && lease.Spec.RenewTime != nil && now.Sub(lease.Spec.RenewTime.Time) < accountLeaseDuration {
			return holder, nil
		}
		a.hold(lease, now)
		if err := a.client.Update(ctx, lease); err != nil && !apierrors.IsConflict(err) {
			return "", fmt.Errorf("cannot record the shard of account %s: %w", account, err)
		}
	}
	a.mu.Lock()
	a.renewed[account] = now
	a.mu.Unlock()
	return "", nil
}

func (a *accountShards) hold(lease *coordinationv1.Lease, now time.Time) {
	lease.Spec.HolderIdentity = ptr.To(a.shard)
	lease.Spec.LeaseDurationSeconds = ptr.To(int32(accountLeaseDuration / time.Second))
	lease.Spec.RenewTime = &metav1.MicroTime{Time: now}
}

// reportSharedAccount sets the AccountShared condition of obj when another shard
// serves its account, and removes it otherwise. It never stops the sync: the account's
// limits are at risk, not its objects.
func (s *shared) reportSharedAccount(ctx context.Context, obj conditioned, account string) {
	other, err := s.shards.servedElsewhere(ctx, account)
	if err != nil {
		log.FromContext(ctx).Error(err, "Failed to record the shard of an account", "accountSid", account)
		return
	}
	if other == "" {
		removeCondition(obj, v1alpha1.ConditionAccountShared)
		return
	}
	markSubCondition(obj, v1alpha1.ConditionAccountShared, metav1.ConditionTrue, v1alpha1.ReasonAccountInOtherShard,
		fmt.Sprintf("account %s is also served by the operator shard %q: each shard keeps Twilio's limits (requests in "+
			"flight, one brand or campaign write a second) on its own, so together they can exceed them; split shards by "+
			"account", account, other))
}
