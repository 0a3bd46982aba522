package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

// production is a contact center as a user runs it: a Messaging Service with a number
// and a registration whose campaign is on it, both Ready.
type production struct {
	ms  *v1alpha1.MessagingService
	a2p *v1alpha1.A2PRegistration
	// campaign is the campaign's SID.
	campaign string
}

func (e *testEnv) production(g Gomega) production {
	ms := e.readyService(g, "support", number1)
	a2p := e.registration("acme", "support")
	e.verified(g, a2p)
	return production{ms: ms, a2p: a2p, campaign: a2p.Status.Campaigns[0].SID}
}

// untouched checks that production's Twilio side is as it was: the service, its pool
// and its campaign.
func (p production) untouched(g Gomega, e *testEnv) {
	svc, err := e.emu.Service(p.ms.Status.SID)
	g.Expect(err).NotTo(HaveOccurred(), "the original's Messaging Service still exists")
	g.Expect(svc.FriendlyName).To(Equal(p.ms.Spec.FriendlyName))
	pool, _ := e.emu.PoolNumbers(p.ms.Status.SID)
	g.Expect(poolNumbers(pool)).To(ConsistOf(number1), "its pool is untouched")
	campaigns, _ := e.emu.Campaigns(account)
	g.Expect(campaigns).To(ContainElement(HaveField("Sid", p.campaign)), "its campaign is untouched")
	for _, obj := range []object{p.ms, p.a2p} {
		fetch(g, obj)
		g.Expect(conditionOf(obj, v1alpha1.ConditionReady)).To(Equal("True Available"), "%s is still Ready", obj.GetName())
	}
}

func conditionOf(obj object, condType string) string {
	for _, c := range obj.GetConditions() {
		if c.Type == condType {
			return string(c.Status) + " " + c.Reason
		}
	}
	return ""
}

// expectAlreadyManaged waits for obj to stall AlreadyManaged and checks that the
// message names neither namespace, so a tenant learns nothing of another.
func (e *testEnv) expectAlreadyManaged(g Gomega, obj object, sid string) {
	cond := waitForCondition(g, obj, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonAlreadyManaged)
	g.Expect(cond.Message).To(ContainSubstring(sid + " is managed by another object"))
	for _, ns := range []string{e.ns, e.other} {
		g.Expect(cond.Message).NotTo(ContainSubstring(ns), "the message names no namespace")
	}
}

// TestACopyInAnotherNamespaceLeavesTheOriginalAlone copies production objects into a
// second namespace with their SIDs, as a backup restore or a staging copy would, and
// deletes the copies with deletionPolicy Delete. The copies stall AlreadyManaged; the
// originals never stop being Ready, and nothing of theirs in Twilio is touched.
func TestACopyInAnotherNamespaceLeavesTheOriginalAlone(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t, withOtherNamespace())
	ctx := context.Background()
	p := e.production(g)
	msLog, a2pLog := watchReady(t, p.ms), watchReady(t, p.a2p)
	writesBefore := e.writes()

	serviceCopy := p.ms.DeepCopy()
	serviceCopy.ObjectMeta = copyMeta(p.ms, e.other)
	serviceCopy.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	brandCopy := p.a2p.DeepCopy()
	brandCopy.ObjectMeta = copyMeta(p.a2p, e.other)
	brandCopy.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	// A registration of its own whose campaign names the original's service by SID.
	bySID := e.registration("by-sid")
	bySID.Namespace = e.other
	bySID.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	bySID.Spec.Campaigns = []v1alpha1.CampaignSpec{campaign("")}
	bySID.Spec.Campaigns[0].MessagingServiceRef, bySID.Spec.Campaigns[0].MessagingServiceSID = nil, p.ms.Status.SID
	for _, obj := range []client.Object{serviceCopy, brandCopy, bySID} {
		g.Expect(k8s.Create(ctx, obj)).To(Succeed())
	}
	e.expectAlreadyManaged(g, serviceCopy, p.ms.Status.SID)
	e.expectAlreadyManaged(g, brandCopy, p.a2p.Status.SID)
	waitForCondition(g, bySID, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay) // bySID's own brand gets APPROVED; then its campaign is judged
	e.expectAlreadyManaged(g, bySID, p.ms.Status.SID)
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1), "no campaign is created on the original's service")

	for _, obj := range []client.Object{serviceCopy, brandCopy, bySID} {
		g.Expect(k8s.Delete(ctx, obj)).To(Succeed())
		waitForGone(g, obj)
	}
	g.Expect(e.count("DELETE /v1/Services/{Sid}")).To(BeZero(), "deleting a copy deletes nothing in Twilio")
	g.Expect(e.count(routeDeleteCampaign)).To(BeZero())
	g.Expect(e.writes()-writesBefore).To(Equal(1), "the only write is by-sid's own brand")
	p.untouched(g, e)
	g.Expect(msLog.notReady()).To(BeEmpty(), "the original Messaging Service was Ready throughout")
	g.Expect(a2pLog.notReady()).To(BeEmpty(), "the original registration was Ready throughout")
}

// TestACampaignOfAnotherBrandIsLeftAlone: a registration in the same namespace naming
// the service by SID finds a campaign of another brand there and leaves it alone.
func TestACampaignOfAnotherBrandIsLeftAlone(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	p := e.production(g)
	second := e.registration("second")
	second.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	second.Spec.Campaigns = []v1alpha1.CampaignSpec{campaign("")}
	second.Spec.Campaigns[0].MessagingServiceRef, second.Spec.Campaigns[0].MessagingServiceSID = nil, p.ms.Status.SID
	second.Spec.Campaigns[0].Description = "A different description of what the second registration would send by SMS."
	g.Expect(k8s.Create(ctx, second)).To(Succeed())
	waitForCondition(g, second, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay)
	cond := waitForCondition(g, second, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonAlreadyManaged)
	g.Expect(cond.Message).To(ContainSubstring("campaign " + p.campaign + " is managed by another object"))
	g.Expect(k8s.Delete(ctx, second)).To(Succeed())
	waitForGone(g, second)
	g.Expect(e.count(routeUpdateCampaign)).To(BeZero())
	g.Expect(e.count(routeDeleteCampaign)).To(BeZero())
	p.untouched(g, e)
}

// TestAnotherOperatorsCopyLeavesTheOriginalAlone runs a second operator that watches
// only the copy's namespace, as another shard would: it never sees the original, and
// still cannot stall or delete it, because the claim is in the API server.
func TestAnotherOperatorsCopyLeavesTheOriginalAlone(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	p := e.production(g)
	msLog := watchReady(t, p.ms)
	other := newTestNamespace(t)
	e.createSecretIn(t, other, secretName, e.cfg.secret)
	logs := &testbed.SyncBuffer{}
	stop := e.startManager(t, []string{other}, logs, prometheus.NewRegistry(), "twilio-operator/other-shard")
	t.Cleanup(stop)

	serviceCopy := p.ms.DeepCopy()
	serviceCopy.ObjectMeta = copyMeta(p.ms, other)
	serviceCopy.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	g.Expect(k8s.Create(ctx, serviceCopy)).To(Succeed())
	cond := waitForCondition(g, serviceCopy, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonAlreadyManaged)
	g.Expect(cond.Message).NotTo(ContainSubstring(e.ns))
	shared := waitForCondition(g, serviceCopy, v1alpha1.ConditionAccountShared, "True", v1alpha1.ReasonAccountInOtherShard)
	g.Expect(shared.Message).To(ContainSubstring(`served by the operator shard "twilio-operator/test"`),
		"the other shard reports that the account is served by the first")
	g.Expect(k8s.Delete(ctx, serviceCopy)).To(Succeed())
	waitForGone(g, serviceCopy)

	writes, err := e.emu.CountUserAgent("DELETE /v1/Services/{Sid}", "other-shard")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(writes).To(BeZero(), "the other operator deleted nothing")
	p.untouched(g, e)
	g.Expect(msLog.notReady()).To(BeEmpty(), "the original was Ready throughout")
	if t.Failed() {
		t.Logf("other operator's log:\n%s", logs.String())
	}
}

// copyMeta is obj's metadata as a copy in namespace carries it: the same name, labels
// and annotations (the SID among them), nothing the API server assigns.
func copyMeta(obj client.Object, namespace string) metav1.ObjectMeta {
	annotations := map[string]string{}
	for k, v := range obj.GetAnnotations() {
		if !strings.HasPrefix(k, "kubectl.kubernetes.io/") {
			annotations[k] = v
		}
	}
	return metav1.ObjectMeta{Name: obj.GetName(), Namespace: namespace, Labels: obj.GetLabels(), Annotations: annotations}
}

// TestMalformedSIDsMakeNoTwilioCall: a SID annotation that is not a SID of the kind
// (a path, a query, a fragment, another kind's prefix) is InvalidSpec before any Twilio
// request; twilio-go would put it into the request path as it is.
func TestMalformedSIDsMakeNoTwilioCall(t *testing.T) {
	t.Parallel()
	const mg, bn = "MG00000000000000000000000000000001", "BN00000000000000000000000000000001"
	cases := map[string]struct {
		kind string
		sid  string
	}{
		"a path after the SID":       {"MessagingService", mg + "/PhoneNumbers"},
		"a query after the SID":      {"MessagingService", mg + "?PageSize=1"},
		"a fragment after the SID":   {"MessagingService", mg + "#x"},
		"a brand SID on a service":   {"MessagingService", bn},
		"a service SID on a brand":   {"A2PRegistration", mg},
		"a path after a brand's SID": {"A2PRegistration", bn + "/Vettings"},
		"too short":                  {"MessagingService", "MG0123"},
	}
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	i := 0
	var objs []object
	for name, c := range cases {
		var obj object
		if c.kind == "MessagingService" {
			obj = e.messagingService(fmt.Sprintf("bad-%d", i))
		} else {
			obj = e.registration(fmt.Sprintf("bad-%d", i), "support")
		}
		i++
		withAnnotation(v1alpha1.SIDAnnotation, c.sid)(obj)
		g.Expect(k8s.Create(ctx, obj)).To(Succeed(), name)
		objs = append(objs, obj)
	}
	for _, obj := range objs {
		cond := waitForCondition(g, obj, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonInvalidSpec)
		g.Expect(cond.Message).To(ContainSubstring("the twilio-operator.io/sid annotation is " + fmt.Sprintf("%q", obj.GetAnnotations()[v1alpha1.SIDAnnotation])))
	}
	g.Expect(e.total()).To(BeZero(), "not one Twilio request")
	for _, obj := range objs {
		g.Expect(k8s.Delete(ctx, obj)).To(Succeed())
		waitForGone(g, obj)
	}
	g.Expect(e.total()).To(BeZero(), "deleting them makes none either")
}
