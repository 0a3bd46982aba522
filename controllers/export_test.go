package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

func exportTo(name string) *v1alpha1.ExportSpec { return &v1alpha1.ExportSpec{ConfigMapName: name} }

// exported waits for the ConfigMap name to hold data and returns it.
func (e *testEnv) exported(g Gomega, name string, data map[string]string) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{}
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: name}, cm)).To(Succeed())
		g.Expect(cm.Data).To(Equal(data))
	}).WithTimeout(timeout).Should(Succeed())
	return cm
}

// controlledBy checks the ConfigMap's single owner reference: the object, as controller.
func controlledBy(g Gomega, cm *corev1.ConfigMap, kind string, owner client.Object) {
	g.Expect(cm.OwnerReferences).To(ConsistOf(metav1.OwnerReference{
		APIVersion: v1alpha1.GroupVersion.String(), Kind: kind, Name: owner.GetName(), UID: owner.GetUID(),
		Controller: ptr.To(true),
	}))
	g.Expect(cm.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "twilio-operator"))
}

// A MessagingService exports its SIDs to a ConfigMap it owns, puts it back when it is
// deleted, and moves it when the name changes.
func TestMessagingServiceExportsItsSIDs(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	ms := e.messagingService("flex-sms", func(ms *v1alpha1.MessagingService) { ms.Spec.ExportTo = exportTo("flex-sids") })
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	waitForReady(g, ms)
	want := map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_MESSAGING_SERVICE_SID": ms.Status.SID}
	cm := e.exported(g, "flex-sids", want)
	controlledBy(g, cm, "MessagingService", ms)
	g.Expect(cm.ManagedFields).To(ContainElement(And(HaveField("Manager", "twilio-operator"),
		HaveField("Operation", metav1.ManagedFieldsOperationApply))), "written with server-side apply")

	// Deleted by hand: written again, without waiting for a resync (which is an hour).
	g.Expect(k8s.Delete(ctx, cm)).To(Succeed())
	again := e.exported(g, "flex-sids", want)
	g.Expect(again.UID).NotTo(Equal(cm.UID))

	// Renamed: the new one is written and the old one deleted.
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.ExportTo = exportTo("flex-sids-2") })
	e.exported(g, "flex-sids-2", want)
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: "flex-sids"}, &corev1.ConfigMap{}))
	}).WithTimeout(timeout).Should(BeTrue())
}

// A registration exports the brand's SID and TCR ID and each campaign's SIDs, keyed by
// the campaign's index in spec.campaigns.
func TestRegistrationExportsItsSIDs(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	ms := e.messagingService("support")
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	waitForReady(g, ms)
	a2p := e.registration("acme", "support")
	a2p.Spec.ExportTo = exportTo("acme-a2p")
	e.verified(g, a2p)
	g.Expect(a2p.Status.Brand.TCRID).NotTo(BeEmpty())
	c := a2p.Status.Campaigns[0]
	g.Expect(c.CampaignID).NotTo(BeEmpty())
	cm := e.exported(g, "acme-a2p", map[string]string{
		"TWILIO_ACCOUNT_SID":                      account,
		"TWILIO_BRAND_SID":                        a2p.Status.SID,
		"TWILIO_BRAND_TCR_ID":                     a2p.Status.Brand.TCRID,
		"TWILIO_CAMPAIGN_0_SID":                   c.SID,
		"TWILIO_CAMPAIGN_0_ID":                    c.CampaignID,
		"TWILIO_CAMPAIGN_0_MESSAGING_SERVICE_SID": ms.Status.SID,
	})
	controlledBy(g, cm, "A2PRegistration", a2p)
}

// A ConfigMap of the export's name that the object does not own is never written:
// Stalled, ExportConflict, and the ConfigMap exactly as it was. Once it is gone, the
// export is written.
func TestExportNeverOverwritesAForeignConfigMap(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	foreign := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "app-config", Namespace: e.ns},
		Data:       map[string]string{"TWILIO_MESSAGING_SERVICE_SID": "theirs", "LOG_LEVEL": "debug"},
	}
	g.Expect(k8s.Create(ctx, foreign)).To(Succeed())

	ms := e.messagingService("conflicting", func(ms *v1alpha1.MessagingService) { ms.Spec.ExportTo = exportTo("app-config") })
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	cond := waitForCondition(g, ms, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonExportConflict)
	g.Expect(cond.Message).To(ContainSubstring("ConfigMap app-config exists and is not this object's"))
	g.Expect(ms.Status.SID).NotTo(BeEmpty(), "the Twilio side is reconciled all the same")

	after := &corev1.ConfigMap{}
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(foreign), after)).To(Succeed())
	g.Expect(after.ResourceVersion).To(Equal(foreign.ResourceVersion), "not written at all")
	g.Expect(after.Data).To(Equal(foreign.Data))
	g.Expect(after.OwnerReferences).To(BeEmpty())
	g.Expect(after.Labels).To(BeEmpty())

	// Another object exporting to the first one's ConfigMap conflicts too.
	first := e.messagingService("first", func(ms *v1alpha1.MessagingService) { ms.Spec.ExportTo = exportTo("shared-sids") })
	g.Expect(k8s.Create(ctx, first)).To(Succeed())
	waitForReady(g, first)
	owned := e.exported(g, "shared-sids", map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_MESSAGING_SERVICE_SID": first.Status.SID})
	second := e.messagingService("second", func(ms *v1alpha1.MessagingService) { ms.Spec.ExportTo = exportTo("shared-sids") })
	g.Expect(k8s.Create(ctx, second)).To(Succeed())
	waitForCondition(g, second, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonExportConflict)
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(owned), after)).To(Succeed())
	g.Expect(after.ResourceVersion).To(Equal(owned.ResourceVersion))

	// The user points the export elsewhere: it is written, and the object is Ready.
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.ExportTo = exportTo("conflicting-sids") })
	waitForReady(g, ms)
	e.exported(g, "conflicting-sids", map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_MESSAGING_SERVICE_SID": ms.Status.SID})
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(foreign), after)).To(Succeed())
	g.Expect(after.ResourceVersion).To(Equal(foreign.ResourceVersion), "still untouched")
}
