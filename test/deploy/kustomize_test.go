package deploy_test

import (
	"context"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// TestKustomizeDefault builds config/default as `kubectl apply -k config/default` does
// and has the API server accept every object.
func TestKustomizeDefault(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).
		Run(filesys.MakeFsOnDisk(), filepath.Join(repoRoot, "config", "default"))
	g.Expect(err).NotTo(HaveOccurred())
	data, err := resources.AsYaml()
	g.Expect(err).NotTo(HaveOccurred())
	objs, err := parseManifests(data)
	g.Expect(err).NotTo(HaveOccurred())

	// The Namespace is applied for real: the dry run of everything in it needs it.
	var rest []*unstructured.Unstructured
	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			g.Expect(u.GetName()).To(Equal("twilio-operator-system"))
			g.Expect(k8s.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(fieldOwner))).To(Succeed())
			continue
		}
		rest = append(rest, u)
	}
	g.Expect(dryRunApply(context.Background(), rest...)).To(Succeed())

	g.Expect(kindsAndNames(objs)).To(ContainElements(
		"CustomResourceDefinition/messagingservices.messaging.twilio-operator.io",
		"CustomResourceDefinition/a2pregistrations.messaging.twilio-operator.io",
		"ClusterRole/twilio-operator-manager-role",
		"ClusterRoleBinding/twilio-operator-manager-rolebinding",
		"Deployment/twilio-operator-controller-manager",
		"Service/twilio-operator-controller-manager-metrics-service",
	))
	deploy := as[appsv1.Deployment](g, find(g, objs, "Deployment", "twilio-operator-controller-manager"))
	g.Expect(deploy.Namespace).To(Equal("twilio-operator-system"))
	pod := deploy.Spec.Template.Spec
	g.Expect(pod.ServiceAccountName).To(Equal("twilio-operator-controller-manager"))
	c := pod.Containers[0]
	g.Expect(c.Image).To(Equal("twilio-operator:dev"))
	g.Expect(c.Args).To(ContainElements("--leader-elect", "--metrics-bind-address=:8443"))
	g.Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
	g.Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
	g.Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
	binding := as[rbacv1.ClusterRoleBinding](g, find(g, objs, "ClusterRoleBinding", "twilio-operator-manager-rolebinding"))
	g.Expect(binding.RoleRef.Name).To(Equal("twilio-operator-manager-role"))
	g.Expect(binding.Subjects).To(ConsistOf(rbacv1.Subject{
		Kind: "ServiceAccount", Name: "twilio-operator-controller-manager", Namespace: "twilio-operator-system",
	}))
}
