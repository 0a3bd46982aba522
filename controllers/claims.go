package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// Ownership of Twilio objects.
//
// An object owns a Twilio object (a Messaging Service, brand or campaign) when it
// created it, or adopted it after reading it with its own credentials. The claim is
// recorded where every operator process sees it, whatever it watches: one Lease per
// Twilio SID in the operator's namespace, created with a create that fails when the
// Lease exists, naming the owner by kind, namespace, name and UID. A second object
// naming an owned SID (a copy in another namespace, a backup restored beside its
// original, another shard's object) is the one that stalls, AlreadyManaged; the owner
// never notices it. Only the owner changes or deletes the Twilio object; deleting a
// non-owner only removes its finalizer. A claim whose owner no longer exists (same
// namespace and name, same UID) may be taken over: that is how an object restored from
// backup after its original was deleted takes its Twilio object back.

// Labels and annotations of a claim Lease.
const (
	claimLabel          = "twilio-operator.io/claim"
	claimKindAnnotation = "twilio-operator.io/owner-kind"
	claimNSAnnotation   = "twilio-operator.io/owner-namespace"
	claimNameAnnotation = "twilio-operator.io/owner-name"
	claimUIDAnnotation  = "twilio-operator.io/owner-uid"
)

// claimOwner is the object a claim names.
type claimOwner struct {
	kind, namespace, name string
	uid                   types.UID
}

func ownerOf(obj client.Object) claimOwner {
	return claimOwner{kind: kindName(obj.(conditioned)), namespace: obj.GetNamespace(), name: obj.GetName(), uid: obj.GetUID()}
}

// claims records and checks ownership. Reads that decide a takeover or a deletion go
// to the API server, never to a cache, so they hold across processes and shards.
type claims struct {
	client    client.Client
	direct    client.Reader
	namespace string
}

// claimName is the Lease of a SID: "claim-" and the SID in lowercase (Lease names are
// DNS subdomains; SIDs are two letters and hex digits).
func claimName(sid string) string { return "claim-" + strings.ToLower(sid) }

// errAlreadyManaged is the Stalled outcome of an object naming a SID another object
// owns. It names neither the other object nor its namespace: a tenant learns nothing of
// another tenant. remedy says what the user can do instead.
func errAlreadyManaged(what, sid, remedy string) error {
	return stall(v1alpha1.ReasonAlreadyManaged,
		"%s %s is managed by another object, so this one leaves it alone (it never changes or deletes it): %s",
		what, sid, remedy)
}

// remedyAnnotated is the remedy of an object adopting by annotation.
const remedyAnnotated = "remove the " + v1alpha1.SIDAnnotation + " annotation to create a new one, or delete this object, " +
	"which deletes nothing in Twilio"

// ensure claims sid for obj. It succeeds when obj holds the claim already, when nobody
// does, or when the holder no longer exists; it fails with errAlreadyManaged when a live
// object holds it. what names the Twilio object in messages ("Messaging Service").
func (c *claims) ensure(ctx context.Context, obj client.Object, what, sid string) error {
	me := ownerOf(obj)
	lease := &coordinationv1.Lease{}
	err := c.direct.Get(ctx, types.NamespacedName{Namespace: c.namespace, Name: claimName(sid)}, lease)
	switch {
	case apierrors.IsNotFound(err):
		return c.create(ctx, obj, what, sid)
	case err != nil:
		return fmt.Errorf("cannot read the claim of %s %s: %w", what, sid, err)
	}
	holder := holderOf(lease)
	if holder.uid == me.uid {
		return nil
	}
	alive, err := c.exists(ctx, holder)
	if err != nil {
		return err
	}
	if alive {
		return errAlreadyManaged(what, sid, remedyAnnotated)
	}
	// The holder is gone: take the claim over, unless another object did first (the
	// update carries the resourceVersion read above).
	setHolder(lease, me)
	if err := c.client.Update(ctx, lease); err != nil {
		if apierrors.IsConflict(err) {
			return c.ensure(ctx, obj, what, sid)
		}
		return fmt.Errorf("cannot take over the claim of %s %s: %w", what, sid, err)
	}
	return nil
}

// create claims sid for obj with a create that fails when the claim exists, which
// ensure then judges (another object claimed it meanwhile). It is the whole claim of a
// SID Twilio has just created for obj: nobody can hold a claim of a SID that did not
// exist, so there is nothing to read first (one API request per create instead of two).
func (c *claims) create(ctx context.Context, obj client.Object, what, sid string) error {
	err := c.client.Create(ctx, newClaim(c.namespace, sid, ownerOf(obj)))
	if apierrors.IsAlreadyExists(err) {
		return c.ensure(ctx, obj, what, sid)
	}
	if err != nil {
		return fmt.Errorf("cannot claim %s %s: %w", what, sid, err)
	}
	return nil
}

// holder returns who holds the claim of sid, and whether anyone does.
func (c *claims) holder(ctx context.Context, sid string) (claimOwner, bool, error) {
	lease := &coordinationv1.Lease{}
	err := c.direct.Get(ctx, types.NamespacedName{Namespace: c.namespace, Name: claimName(sid)}, lease)
	if apierrors.IsNotFound(err) {
		return claimOwner{}, false, nil
	}
	if err != nil {
		return claimOwner{}, false, fmt.Errorf("cannot read the claim of %s: %w", sid, err)
	}
	return holderOf(lease), true, nil
}

// release drops obj's claim of sid, if obj holds it. The delete is conditional on the
// Lease's UID and resourceVersion read, so a claim taken over meanwhile stays.
func (c *claims) release(ctx context.Context, obj client.Object, sid string) error {
	lease := &coordinationv1.Lease{}
	err := c.direct.Get(ctx, types.NamespacedName{Namespace: c.namespace, Name: claimName(sid)}, lease)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the claim of %s: %w", sid, err)
	}
	if holderOf(lease).uid != obj.GetUID() {
		return nil
	}
	pre := metav1.Preconditions{UID: &lease.UID, ResourceVersion: &lease.ResourceVersion}
	err = c.client.Delete(ctx, lease, &client.DeleteOptions{Preconditions: &pre})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("cannot release the claim of %s: %w", sid, err)
	}
	return nil
}

// exists reports whether the object a claim names still exists: same namespace, name
// and UID. An object this process may not read counts as existing: a claim is taken
// over only when its owner is known to be gone.
func (c *claims) exists(ctx context.Context, o claimOwner) (bool, error) {
	var obj client.Object
	switch o.kind {
	case "MessagingService":
		obj = &v1alpha1.MessagingService{}
	case "A2PRegistration":
		obj = &v1alpha1.A2PRegistration{}
	default:
		return true, nil // a claim of a kind this operator does not know: never taken over
	}
	err := c.direct.Get(ctx, types.NamespacedName{Namespace: o.namespace, Name: o.name}, obj)
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case apierrors.IsForbidden(err):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("cannot check whether the owner of a claim exists: %w", err)
	}
	return obj.GetUID() == o.uid, nil
}

func newClaim(namespace, sid string, o claimOwner) *coordinationv1.Lease {
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{
		Name: claimName(sid), Namespace: namespace,
		Labels: map[string]string{claimLabel: "true", "app.kubernetes.io/managed-by": "twilio-operator"},
	}}
	setHolder(lease, o)
	return lease
}

func setHolder(lease *coordinationv1.Lease, o claimOwner) {
	if lease.Annotations == nil {
		lease.Annotations = map[string]string{}
	}
	lease.Annotations[claimKindAnnotation] = o.kind
	lease.Annotations[claimNSAnnotation] = o.namespace
	lease.Annotations[claimNameAnnotation] = o.name
	lease.Annotations[claimUIDAnnotation] = string(o.uid)
	holder := o.kind + "/" + o.namespace + "/" + o.name
	lease.Spec.HolderIdentity = &holder
}

func holderOf(lease *coordinationv1.Lease) claimOwner {
	a := lease.Annotations
	return claimOwner{kind: a[claimKindAnnotation], namespace: a[claimNSAnnotation], name: a[claimNameAnnotation],
		uid: types.UID(a[claimUIDAnnotation])}
}

// claimState is who owns a Twilio object, as far as one object is concerned.
type claimState int

const (
	// claimFree: nobody holds the claim, or its holder no longer exists.
	claimFree claimState = iota
	// claimMine: the object holds it.
	claimMine
	// claimTaken: another object that exists holds it.
	claimTaken
)

// state reads who owns sid, for obj.
func (c *claims) state(ctx context.Context, obj client.Object, sid string) (claimState, error) {
	holder, held, err := c.holder(ctx, sid)
	switch {
	case err != nil:
		return claimFree, err
	case !held:
		return claimFree, nil
	case holder.uid == obj.GetUID():
		return claimMine, nil
	}
	alive, err := c.exists(ctx, holder)
	if err != nil || !alive {
		return claimFree, err
	}
	return claimTaken, nil
}

// claimMemory remembers the claims this process saw each object hold (an object may
// hold several: a brand and its campaigns), so a steady-state sync reads none. It is
// per process: a new process checks each claim once.
type claimMemory struct {
	mu   sync.Mutex
	held map[types.UID]map[string]bool
}

func (m *claimMemory) holds(uid types.UID, sid string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held[uid][sid]
}

func (m *claimMemory) remember(uid types.UID, sid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held == nil {
		m.held = map[types.UID]map[string]bool{}
	}
	if m.held[uid] == nil {
		m.held[uid] = map[string]bool{}
	}
	m.held[uid][sid] = true
}

// release forgets one claim of an object, forget all of them.
func (m *claimMemory) release(uid types.UID, sid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.held[uid], sid)
}

func (m *claimMemory) forget(uid types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.held, uid)
}

// ignoreAlreadyManaged turns errAlreadyManaged into "not the owner".
func ignoreAlreadyManaged(err error) error {
	if outcomeOf(err).reason == v1alpha1.ReasonAlreadyManaged {
		return nil
	}
	return err
}
