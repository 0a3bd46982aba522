package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const (
	conditionMetric = "twilio_operator_object_condition"
	sinceMetric     = "twilio_operator_object_condition_oldest_transition_timestamp_seconds"
)

// series reads every series of a gauge family from the operator's registry, by its
// labels (name=value pairs joined by commas, sorted as the registry sorts them).
func series(g Gomega, e *testEnv, name string) map[string]float64 {
	families, err := e.registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				if key != "" {
					key += ","
				}
				key += l.GetName() + "=" + l.GetValue()
			}
			out[key] = m.GetGauge().GetValue()
		}
	}
	return out
}

// conditionSeries is the label key of one MessagingService (namespace, type, status,
// reason).
func conditionSeries(namespace, condType, status, reason string) string {
	return "kind=MessagingService,namespace=" + namespace + ",reason=" + reason + ",status=" + status + ",type=" + condType
}

// TestConditionMetricsFollowStalledObjects: a Stalled object appears in
// twilio_operator_object_condition with its reason, and in the oldest-transition gauge
// with its Stalled condition's lastTransitionTime; it leaves both when it is fixed, and
// when it is deleted, whether the operator's finalizer ran or was removed by hand. No
// series names an object.
func TestConditionMetricsFollowStalledObjects(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	e.createSecret(t, "wrong", map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": "not-the-token"})
	withCreds := func(name string) func(*v1alpha1.MessagingService) {
		return func(ms *v1alpha1.MessagingService) { ms.Spec.CredentialsRef.Name = name }
	}
	bad := e.messagingService("bad", withCreds("wrong"))
	missing := e.messagingService("missing", withCreds("no-such-secret"))
	alsoMissing := e.messagingService("also-missing", withCreds("no-such-secret"))
	for _, ms := range []*v1alpha1.MessagingService{bad, missing, alsoMissing} {
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	}
	badStall := waitForCondition(g, bad, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonInvalidCredentials)
	missingStall := waitForCondition(g, missing, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonCredentialsNotFound)
	alsoStall := waitForCondition(g, alsoMissing, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonCredentialsNotFound)

	invalid := conditionSeries(e.ns, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonInvalidCredentials)
	notFound := conditionSeries(e.ns, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonCredentialsNotFound)
	readyFalse := conditionSeries(e.ns, v1alpha1.ConditionReady, "False", v1alpha1.ReasonCredentialsNotFound)
	oldestMissing := min(missingStall.LastTransitionTime.Unix(), alsoStall.LastTransitionTime.Unix())
	g.Eventually(func(g Gomega) {
		counts := series(g, e, conditionMetric)
		g.Expect(counts).To(HaveKeyWithValue(invalid, 1.0))
		g.Expect(counts).To(HaveKeyWithValue(notFound, 2.0), "two objects, one series")
		g.Expect(counts).To(HaveKeyWithValue(readyFalse, 2.0))
		since := series(g, e, sinceMetric)
		g.Expect(since).To(HaveKeyWithValue(invalid, float64(badStall.LastTransitionTime.Unix())))
		g.Expect(since).To(HaveKeyWithValue(notFound, float64(oldestMissing)), "the object stalled longest")
	}).WithTimeout(timeout).Should(Succeed())
	for key := range series(g, e, conditionMetric) {
		g.Expect(key).NotTo(ContainSubstring("bad"), "no series names an object")
		g.Expect(key).NotTo(ContainSubstring("missing"), "no series names an object")
	}

	// Fixed: the right token. The object leaves Stalled and is counted as Ready.
	secret := &corev1.Secret{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: "wrong"}, secret)).To(Succeed())
	update(g, secret, func(s *corev1.Secret) {
		s.Data = nil
		s.StringData = map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": twilioemu.DefaultAuthToken}
	})
	waitForReady(g, bad)
	g.Expect(meta.FindStatusCondition(bad.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
	available := conditionSeries(e.ns, v1alpha1.ConditionReady, "True", v1alpha1.ReasonAvailable)
	g.Eventually(func(g Gomega) {
		counts := series(g, e, conditionMetric)
		g.Expect(counts).NotTo(HaveKey(invalid), "a state nobody is in has no series")
		g.Expect(series(g, e, sinceMetric)).NotTo(HaveKey(invalid))
		g.Expect(counts).To(HaveKeyWithValue(available, 1.0))
	}).WithTimeout(timeout).Should(Succeed())

	// Deleted through the operator's finalizer: one object fewer, the other's time is now
	// the oldest.
	first, second := missing, alsoMissing
	if alsoStall.LastTransitionTime.Unix() < missingStall.LastTransitionTime.Unix() {
		first, second = alsoMissing, missing
	}
	// Another finalizer holds the object after the operator has let it go: it is still
	// there, and no longer counted.
	const hold = "example.com/hold"
	g.Expect(controllerFinalized(g, first)).To(BeTrue(), "the operator guards the object")
	update(g, first, func(ms *v1alpha1.MessagingService) { ms.Finalizers = append(ms.Finalizers, hold) })
	g.Expect(k8s.Delete(ctx, first)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(controllerFinalized(g, first)).To(BeFalse())
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(first.Finalizers).To(Equal([]string{hold}))
	g.Eventually(func(g Gomega) {
		g.Expect(series(g, e, conditionMetric)).To(HaveKeyWithValue(notFound, 1.0))
		g.Expect(series(g, e, sinceMetric)).To(HaveKeyWithValue(notFound,
			float64(meta.FindStatusCondition(second.Status.Conditions, v1alpha1.ConditionStalled).LastTransitionTime.Unix())))
	}).WithTimeout(timeout).Should(Succeed())
	g.Consistently(func(g Gomega) {
		counts := series(g, e, conditionMetric)
		g.Expect(counts).To(HaveKeyWithValue(notFound, 1.0))
		g.Expect(readyTotal(counts)).To(Equal(2.0), "the last look at a released object (Deleting) does not bring it back: %v", counts)
	}).WithTimeout(2 * time.Second).Should(Succeed())
	update(g, first, func(ms *v1alpha1.MessagingService) { ms.Finalizers = nil })
	waitForGone(g, first)

	// Deleted with its finalizer removed by hand: the operator never finalizes it, and
	// it leaves the metrics all the same.
	update(g, second, func(ms *v1alpha1.MessagingService) { ms.Finalizers = nil })
	g.Expect(k8s.Delete(ctx, second)).To(Succeed())
	waitForGone(g, second)
	g.Eventually(func(g Gomega) {
		counts := series(g, e, conditionMetric)
		g.Expect(counts).NotTo(HaveKey(notFound))
		g.Expect(counts).NotTo(HaveKey(readyFalse))
		g.Expect(series(g, e, sinceMetric)).NotTo(HaveKey(notFound))
		g.Expect(counts).To(HaveKeyWithValue(available, 1.0), "the fixed object is still counted")
	}).WithTimeout(timeout).Should(Succeed())

	// The objects gauge forgets deleted objects too: only the Ready one is left.
	g.Eventually(func(g Gomega) {
		g.Expect(series(g, e, "twilio_operator_objects")).To(And(
			HaveKeyWithValue("kind=MessagingService,ready=True", 1.0),
			HaveKeyWithValue("kind=MessagingService,ready=False", 0.0)))
	}).WithTimeout(timeout).Should(Succeed())
}

// readyTotal is how many objects the condition gauge counts: each has one Ready
// condition.
func readyTotal(counts map[string]float64) float64 {
	n := 0.0
	for key, v := range counts {
		if strings.HasSuffix(key, ",type="+v1alpha1.ConditionReady) {
			n += v
		}
	}
	return n
}

// controllerFinalized reports whether the operator's finalizer is on obj.
func controllerFinalized(g Gomega, obj client.Object) bool {
	fetch(g, obj)
	for _, f := range obj.GetFinalizers() {
		if f == "messaging.twilio-operator.io/finalizer" {
			return true
		}
	}
	return false
}
