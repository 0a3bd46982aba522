package controllers

import (
	"context"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// finalizer keeps an object until its deletion policy has run against Twilio.
const finalizer = "messaging.twilio-operator.io/finalizer"

// patchMetadata applies mutate to obj's metadata and sends only that change, as a merge
// patch that fails if obj is not the latest version. The precondition is what makes the
// create-pending marker safe: a reconcile working from a stale cache cannot record
// intent, so it cannot create. obj's in-memory status is left as it is.
func patchMetadata(ctx context.Context, c client.Client, obj client.Object, mutate func(client.Object)) error {
	before := obj.DeepCopyObject().(client.Object)
	mutate(obj)
	sent := obj.DeepCopyObject().(client.Object)
	if err := c.Patch(ctx, sent, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		obj.SetAnnotations(before.GetAnnotations())
		obj.SetFinalizers(before.GetFinalizers())
		return err
	}
	obj.SetResourceVersion(sent.GetResourceVersion())
	return nil
}

// ensureFinalizer adds the finalizer before the first Twilio write.
func ensureFinalizer(ctx context.Context, c client.Client, obj client.Object) error {
	if controllerutil.ContainsFinalizer(obj, finalizer) {
		return nil
	}
	return patchMetadata(ctx, c, obj, func(o client.Object) { controllerutil.AddFinalizer(o, finalizer) })
}

// removeFinalizer lets the API server delete the object.
func removeFinalizer(ctx context.Context, c client.Client, obj client.Object) error {
	if !controllerutil.ContainsFinalizer(obj, finalizer) {
		return nil
	}
	return client.IgnoreNotFound(patchMetadata(ctx, c, obj, func(o client.Object) { controllerutil.RemoveFinalizer(o, finalizer) }))
}

func annotation(obj client.Object, key string) string { return obj.GetAnnotations()[key] }

func setAnnotation(obj client.Object, key, value string) {
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	obj.SetAnnotations(a)
}

func deleteAnnotation(obj client.Object, key string) {
	a := obj.GetAnnotations()
	delete(a, key)
	obj.SetAnnotations(a)
}

func isPaused(obj client.Object) bool { return annotation(obj, v1alpha1.PausedAnnotation) == "true" }

// hasTwilioObject reports whether the object manages, or may have created, something in
// Twilio: it has a SID or a create-pending marker.
func hasTwilioObject(obj client.Object) bool {
	return annotation(obj, v1alpha1.SIDAnnotation) != "" || annotation(obj, v1alpha1.CreatePendingAnnotation) != ""
}

// markCreatePending records, before a create call, that a create may happen, and adds
// the finalizer in the same write, so the create is guarded before it is sent. Finding
// the marker without a SID later means the create's outcome is unknown. twilioNow is
// Twilio's clock (twilio.Client.TwilioTime), which the marker holds so that the search
// after a crash compares Twilio's timestamps with Twilio's time.
func markCreatePending(ctx context.Context, c client.Client, obj client.Object, twilioNow time.Time) error {
	if annotation(obj, v1alpha1.CreatePendingAnnotation) != "" && controllerutil.ContainsFinalizer(obj, finalizer) {
		return nil
	}
	return patchMetadata(ctx, c, obj, func(o client.Object) {
		controllerutil.AddFinalizer(o, finalizer)
		if annotation(o, v1alpha1.CreatePendingAnnotation) == "" {
			setAnnotation(o, v1alpha1.CreatePendingAnnotation, twilioClockPrefix+twilioNow.UTC().Format(time.RFC3339))
		}
	})
}

// recordSID writes the SID of the Twilio object and removes the create-pending marker.
func recordSID(ctx context.Context, c client.Client, obj client.Object, sid string) error {
	if annotation(obj, v1alpha1.SIDAnnotation) == sid && annotation(obj, v1alpha1.CreatePendingAnnotation) == "" {
		return nil
	}
	return patchMetadata(ctx, c, obj, func(o client.Object) {
		setAnnotation(o, v1alpha1.SIDAnnotation, sid)
		deleteAnnotation(o, v1alpha1.CreatePendingAnnotation)
	})
}

// clearCreatePending removes the marker after a create that Twilio definitely refused.
func clearCreatePending(ctx context.Context, c client.Client, obj client.Object) error {
	if annotation(obj, v1alpha1.CreatePendingAnnotation) == "" {
		return nil
	}
	return patchMetadata(ctx, c, obj, func(o client.Object) { deleteAnnotation(o, v1alpha1.CreatePendingAnnotation) })
}

// twilioClockPrefix marks a create-pending time read from Twilio's clock. A marker
// without it holds the cluster's clock: an operator before this one wrote those.
const twilioClockPrefix = "twilio="

// createPendingSince returns the earliest date_created, on Twilio's clock, that the
// object created by an interrupted create can have.
//
// A marker on Twilio's clock is a lower bound of Twilio's time before the create was
// sent, so the created object's date_created is no earlier; twilioClockSlack allows
// for Twilio's own servers not agreeing to the second. A marker on the cluster's clock
// (written by an earlier operator) says nothing exact about Twilio's, so it is read
// with a day's allowance: finding too much only makes the search ambiguous, finding
// too little would pay for a duplicate. An unreadable marker (edited by hand) widens
// the search to all time, for the same reason.
func createPendingSince(obj client.Object) time.Time {
	at, twilioClock, ok := createPendingAt(obj)
	switch {
	case !ok:
		return time.Time{}
	case twilioClock:
		return at.Add(-twilioClockSlack)
	}
	return at.Add(-clusterClockSlack)
}

// createPendingAt reads the marker's time, and whether it is on Twilio's clock.
func createPendingAt(obj client.Object) (at time.Time, twilioClock, ok bool) {
	value := annotation(obj, v1alpha1.CreatePendingAnnotation)
	rest, twilioClock := strings.CutPrefix(value, twilioClockPrefix)
	t, err := time.Parse(time.RFC3339, rest)
	return t, twilioClock, err == nil
}

const (
	// twilioClockSlack is how far Twilio's servers may disagree among themselves.
	twilioClockSlack = time.Minute
	// clusterClockSlack is how far a cluster's clock is taken to be ahead of Twilio's
	// in a marker written on the cluster's clock.
	clusterClockSlack = 24 * time.Hour
)
