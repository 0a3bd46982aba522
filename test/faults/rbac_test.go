package faults

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// rulesOf reads the rules of a generated or hand-written role under config/rbac.
func rulesOf(g Gomega, file string) []rbacv1.PolicyRule {
	data, err := os.ReadFile(filepath.Join(root, "config", "rbac", file))
	g.Expect(err).NotTo(HaveOccurred())
	var role struct {
		Rules []rbacv1.PolicyRule `json:"rules"`
	}
	g.Expect(yaml.Unmarshal(data, &role)).To(Succeed())
	return role.Rules
}

// TestGeneratedRBACIsLeastPrivilege pins the operator's permissions: read-only Secrets,
// patch (never create, update or delete) on its own kinds, events, the ConfigMaps of the
// SID export (written only with its label and owner reference), and nothing else.
func TestGeneratedRBACIsLeastPrivilege(t *testing.T) {
	g := NewWithT(t)
	manager := rulesOf(g, "role.yaml")
	g.Expect(manager).To(ConsistOf(
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}},
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"},
			Verbs: []string{"create", "delete", "get", "list", "patch", "update", "watch"}},
		rbacv1.PolicyRule{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
		rbacv1.PolicyRule{APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"a2pregistrations", "messagingservices"},
			Verbs: []string{"get", "list", "patch", "watch"}},
		rbacv1.PolicyRule{APIGroups: []string{v1alpha1.GroupVersion.Group},
			Resources: []string{"a2pregistrations/status", "messagingservices/status"}, Verbs: []string{"patch"}},
	))
	leader := rulesOf(g, "leader_election_role.yaml")
	g.Expect(leader).To(ConsistOf(
		rbacv1.PolicyRule{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "update"}},
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
	))
	for _, r := range append(manager, leader...) {
		for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs} {
			g.Expect(list).NotTo(ContainElement("*"), "no wildcard in %v", r)
		}
		g.Expect(r.NonResourceURLs).To(BeEmpty())
	}
}

// TestNamespacedPermissions runs the operator as a user that has the generated rules
// (and the leader-election and claims rules) in one namespace only, with --watch-namespace: it does
// its whole job there, is never forbidden anything, ignores other namespaces, and no
// field makes it read a Secret of another namespace.
func TestNamespacedPermissions(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	w := newWorld(t, 2, 1, uint64(time.Now().UnixNano()),
		"--brand-delay", "1s", "--campaign-in-progress-delay", "500ms", "--campaign-delay", "1s")

	const user = "twilio-operator-namespaced"
	for name, rules := range map[string][]rbacv1.PolicyRule{
		"manager": rulesOf(g, "role.yaml"), "leader-election": rulesOf(g, "leader_election_role.yaml"),
		"claims": rulesOf(g, "claims_role.yaml"),
	} {
		g.Expect(k8s.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns}, Rules: rules})).To(Succeed())
		g.Expect(k8s.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: user}},
		})).To(Succeed())
	}
	kubeconfig := filepath.Join(w.dir, "namespaced.kubeconfig")
	g.Expect(cp.WriteKubeconfig(kubeconfig, user)).To(Succeed())

	// Another namespace holds a Secret the operator must never use, and an object it must
	// never touch.
	other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "elsewhere-"}}
	g.Expect(k8s.Create(ctx, other)).To(Succeed())
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), other) })
	g.Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "other-creds", Namespace: other.Name},
		StringData: map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": w.token}})).To(Succeed())
	ignored := w.messagingService(1)
	ignored.Namespace = other.Name
	g.Expect(k8s.Create(ctx, ignored)).To(Succeed())

	op := w.startOperator("namespaced", kubeconfig, "--watch-namespace", w.ns,
		"--leader-elect", "--leader-election-namespace", w.ns, "--vetting-poll-interval=200ms", "--vetting-poll-max-interval=1s")

	ms := w.messagingService(0)
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	g.Expect(k8s.Create(ctx, w.registration(0))).To(Succeed())
	borrowing := w.messagingService(1)
	borrowing.Spec.CredentialsRef.Name = "other-creds" // only exists in the other namespace
	g.Expect(k8s.Create(ctx, borrowing)).To(Succeed())

	g.Eventually(func(g Gomega) {
		for _, obj := range []client.Object{ms, w.registration(0)} {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
			g.Expect(meta.IsStatusConditionTrue(conditionsOf(obj), v1alpha1.ConditionReady)).To(BeTrue(), obj.GetName())
		}
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(borrowing), borrowing)).To(Succeed())
		stalled := meta.FindStatusCondition(borrowing.Status.Conditions, v1alpha1.ConditionStalled)
		g.Expect(stalled).NotTo(BeNil())
		g.Expect(stalled.Reason).To(Equal(v1alpha1.ReasonCredentialsNotFound))
		g.Expect(stalled.Message).To(HavePrefix("Secret " + w.ns + "/other-creds not found"))
	}).WithTimeout(time.Minute).Should(Succeed())

	g.Consistently(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ignored), ignored)).To(Succeed())
		g.Expect(ignored.Status.Conditions).To(BeEmpty(), "an object outside --watch-namespace is never reconciled")
		g.Expect(ignored.Finalizers).To(BeEmpty())
	}).WithTimeout(2 * time.Second).Should(Succeed())
	services, err := w.emu.Admin.Services(account)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(services).To(HaveLen(1), "only the watched namespace's object reached Twilio")

	log, err := os.ReadFile(op.LogPath)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(strings.ToLower(string(log))).NotTo(ContainSubstring("forbidden"), "the namespaced rules are enough")
	g.Expect(w.leaks(g)).To(BeZero())
}

func conditionsOf(obj client.Object) []metav1.Condition {
	switch o := obj.(type) {
	case *v1alpha1.MessagingService:
		return o.Status.Conditions
	case *v1alpha1.A2PRegistration:
		return o.Status.Conditions
	}
	return nil
}
