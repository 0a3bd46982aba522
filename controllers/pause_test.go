package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// pauseWindow is how long a paused object is watched for Twilio requests.
const pauseWindow = 2 * time.Second

// TestPausedObjectsMakeNoTwilioCalls: while the paused annotation is "true" the
// operator makes no Twilio call for the object, not for a spec change and not for its
// deletion, and says so in a Paused condition; once the annotation goes, the object is
// synced at once: the spec change is applied, changes made by hand in Twilio meanwhile
// are put back, and a pending deletion runs.
func TestPausedObjectsMakeNoTwilioCalls(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	ms := e.readyService(g, "support", number1)
	sid := ms.Status.SID

	setPaused(g, ms, true)
	waitForCondition(g, ms, v1alpha1.ConditionPaused, metav1.ConditionTrue, v1alpha1.ReasonPaused)
	before := e.total()
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.FriendlyName = "Support SMS (paused edit)" })
	waitForCondition(g, ms, v1alpha1.ConditionPaused, metav1.ConditionTrue, v1alpha1.ReasonPaused)
	g.Consistently(e.total).WithTimeout(pauseWindow).Should(Equal(before), "no Twilio call while paused")

	setPaused(g, ms, false)
	waitForReady(g, ms)
	g.Eventually(func(g Gomega) {
		svc, err := e.emu.Service(sid)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(svc.FriendlyName).To(Equal("Support SMS (paused edit)"), "the change made while paused is applied")
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(ms.Status.Conditions).NotTo(ContainElement(HaveField("Type", v1alpha1.ConditionPaused)))

	// Paused to edit by hand in the Console: unpausing puts the spec back at once, not at
	// the next resync (an hour away in this test).
	setPaused(g, ms, true)
	waitForCondition(g, ms, v1alpha1.ConditionPaused, metav1.ConditionTrue, v1alpha1.ReasonPaused)
	g.Expect(e.emu.PatchService(sid, twilioemu.ServicePatch{FriendlyName: ptr.To("Edited by hand")})).To(Succeed())
	setPaused(g, ms, false)
	g.Eventually(func(g Gomega) {
		svc, err := e.emu.Service(sid)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(svc.FriendlyName).To(Equal("Support SMS (paused edit)"))
	}).WithTimeout(timeout).Should(Succeed())

	setPaused(g, ms, true)
	waitForCondition(g, ms, v1alpha1.ConditionPaused, metav1.ConditionTrue, v1alpha1.ReasonPaused)
	g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
	cond := waitForCondition(g, ms, v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonDeleting)
	g.Expect(cond.Message).To(ContainSubstring("deletion waits until the " + v1alpha1.PausedAnnotation + " annotation is removed"))
	g.Consistently(func() error { _, err := e.emu.Service(sid); return err }).WithTimeout(pauseWindow).
		Should(Succeed(), "a paused object's deletion leaves Twilio alone")
	g.Expect(e.count("DELETE /v1/Services/{Sid}")).To(BeZero())

	setPaused(g, ms, false)
	waitForGone(g, ms)
	_, err := e.emu.Service(sid)
	g.Expect(err).To(MatchError(twilioemu.ErrNotFound), "the deletion runs once unpaused")
}

// setPaused sets or removes the paused annotation.
func setPaused(g Gomega, ms *v1alpha1.MessagingService, paused bool) {
	update(g, ms, func(ms *v1alpha1.MessagingService) {
		if !paused {
			delete(ms.Annotations, v1alpha1.PausedAnnotation)
			return
		}
		if ms.Annotations == nil {
			ms.Annotations = map[string]string{}
		}
		ms.Annotations[v1alpha1.PausedAnnotation] = "true"
	})
}
