package controllers

import (
	"context"
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
// the marker without a SID later means the create's outcome is unknown.
func markCreatePending(ctx context.Context, c client.Client, obj client.Object, now time.Time) error {
	if annotation(obj, v1alpha1.CreatePendingAnnotation) != "" && controllerutil.ContainsFinalizer(obj, finalizer) {
		return nil
	}
	return patchMetadata(ctx, c, obj, func(o client.Object) {
		controllerutil.AddFinalizer(o, finalizer)
		if annotation(o, v1alpha1.CreatePendingAnnotation) == "" {
			setAnnotation(o, v1alpha1.CreatePendingAnnotation, now.UTC().Format(time.RFC3339))
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

// createPendingSince returns the marker's time, less a clock-skew allowance between the
// operator and Twilio. An unreadable marker (edited by hand) widens the search to all
// time: finding too much is reported as ambiguous, never adopted blindly.
func createPendingSince(obj client.Object) time.Time {
	t, err := time.Parse(time.RFC3339, annotation(obj, v1alpha1.CreatePendingAnnotation))
	if err != nil {
		return time.Time{}
	}
	return t.Add(-clockSkew)
}

// clockSkew is how far Twilio's clock may be behind the operator's.
const clockSkew = 5 * time.Minute
