package deploy_test

import (
	"context"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestOperatorChartProduction turns on every value a production install uses, renders
// the chart and sends it to the API server: the image by digest, pull secrets from both
// lists, the environment with GOMEMLIMIT, spread constraints, a PodDisruptionBudget and
// a NetworkPolicy.
func TestOperatorChartProduction(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns := newNamespace(t, "chart-production")
	monitoring := map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "monitoring"}}}
	objs := mustRender(t, operatorChart, ns, map[string]any{
		"replicas":         2,
		"image":            map[string]any{"tag": "v9.9.9", "digest": digest},
		"imagePullSecrets": []any{"registry-a", map[string]any{"name": "registry-b"}},
		"global":           map[string]any{"imagePullSecrets": []any{map[string]any{"name": "registry-a"}, "registry-c"}},
		"extraEnv":         []any{map[string]any{"name": "TZ", "value": "UTC"}},
		"resources":        map[string]any{"limits": map[string]any{"memory": "1Gi"}},
		"topologySpreadConstraints": []any{
			map[string]any{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"},
			map[string]any{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule",
				"labelSelector": map[string]any{"matchLabels": map[string]any{"app": "other"}}},
		},
		"podDisruptionBudget": map[string]any{"enabled": true},
		"twilio":              map[string]any{"apiUrl": "http://twilio-emulator.test.svc:8080"},
		"networkPolicy": map[string]any{
			"enabled":     true,
			"apiServer":   map[string]any{"ports": []any{6443}, "cidrs": []any{"10.0.0.1/32"}},
			"dnsTo":       []any{map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "kube-system"}}}},
			"metricsFrom": []any{monitoring},
			"extraEgress": []any{map[string]any{"ports": []any{map[string]any{"protocol": "TCP", "port": 3128}}}},
		},
	})
	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())

	deploy := as[appsv1.Deployment](g, find(g, objs, "Deployment", "twilio-operator"))
	pod := deploy.Spec.Template.Spec
	c := pod.Containers[0]
	g.Expect(c.Image).To(Equal("ghcr.io/twilio-operator/twilio-operator@"+digest), "the digest wins over the tag")
	g.Expect(pod.ImagePullSecrets).To(Equal([]corev1.LocalObjectReference{{Name: "registry-a"}, {Name: "registry-b"}, {Name: "registry-c"}}),
		"global.imagePullSecrets are merged in, each Secret once")
	g.Expect(c.Env).To(Equal([]corev1.EnvVar{{Name: "GOMEMLIMIT", Value: "966367641"}, {Name: "TZ", Value: "UTC"}}))
	selector := &metav1.LabelSelector{MatchLabels: deploy.Spec.Selector.MatchLabels}
	g.Expect(pod.TopologySpreadConstraints).To(Equal([]corev1.TopologySpreadConstraint{
		{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: selector},
		{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}},
	}), "a constraint without a selector spreads the release's pods; one with a selector keeps it")

	pdb := as[policyv1.PodDisruptionBudget](g, find(g, objs, "PodDisruptionBudget", "twilio-operator"))
	g.Expect(pdb.Spec.MaxUnavailable).To(Equal(ptr.To(intstr.FromInt32(1))))
	g.Expect(pdb.Spec.MinAvailable).To(BeNil())
	g.Expect(pdb.Spec.Selector).To(Equal(selector))

	np := as[networkingv1.NetworkPolicy](g, find(g, objs, "NetworkPolicy", "twilio-operator"))
	g.Expect(np.Spec.PodSelector).To(Equal(*selector))
	g.Expect(np.Spec.PolicyTypes).To(ConsistOf(networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress))
	port := func(p corev1.Protocol, n int32) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Protocol: ptr.To(p), Port: ptr.To(intstr.FromInt32(n))}
	}
	g.Expect(np.Spec.Egress).To(Equal([]networkingv1.NetworkPolicyEgressRule{
		{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolUDP, 53), port(corev1.ProtocolTCP, 53)},
			To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}}}}},
		{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, 6443)},
			To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.1/32"}}}},
		{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, 443), port(corev1.ProtocolTCP, 8080)},
			To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}, {IPBlock: &networkingv1.IPBlock{CIDR: "::/0"}}}},
		{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, 3128)}},
	}), "DNS, the API server, Twilio (and the emulator's port), then extraEgress")
	g.Expect(np.Spec.Ingress).To(Equal([]networkingv1.NetworkPolicyIngressRule{
		{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, 8081)}},
		{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, 8443)},
			From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}}}}},
	}), "the probes, and scrapes from the monitoring namespace")

	// The defaults: no policy, no budget; with one replica, minAvailable is the user's.
	def := mustRender(t, operatorChart, ns, map[string]any{"podDisruptionBudget": map[string]any{"enabled": true, "minAvailable": "50%"}})
	g.Expect(dryRunApply(context.Background(), def...)).To(Succeed())
	pdb = as[policyv1.PodDisruptionBudget](g, find(g, def, "PodDisruptionBudget", "twilio-operator"))
	g.Expect(pdb.Spec.MinAvailable).To(Equal(ptr.To(intstr.FromString("50%"))))
	g.Expect(pdb.Spec.MaxUnavailable).To(BeNil())
	g.Expect(kindsAndNames(def)).NotTo(ContainElement("NetworkPolicy/twilio-operator"))
	g.Expect(kindsAndNames(mustRender(t, operatorChart, ns, nil))).NotTo(ContainElement(HavePrefix("PodDisruptionBudget/")))
}

// TestOperatorChartGoMemLimit: GOMEMLIMIT is goMemLimitRatio of the memory limit in
// bytes, whatever unit the limit is written in; a GOMEMLIMIT of extraEnv, ratio 0 or
// no limit sets none of the chart's.
func TestOperatorChartGoMemLimit(t *testing.T) {
	t.Parallel()
	env := func(g Gomega, values map[string]any) []corev1.EnvVar {
		objs := mustRender(t, operatorChart, "default", values)
		return as[appsv1.Deployment](g, find(g, objs, "Deployment", "twilio-operator")).Spec.Template.Spec.Containers[0].Env
	}
	limit := func(memory any) map[string]any {
		return map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": memory}}}
	}
	for memory, want := range map[any]string{
		"256Mi": "241591910", "1Gi": "966367641", "1.5Gi": "1449551462", "512M": "460800000", "2G": "1800000000",
		"100k": "90000", "268435456": "241591910", 268435456.0: "241591910", // a bare number, as YAML gives it
	} {
		g := NewWithT(t)
		g.Expect(env(g, limit(memory))).To(Equal([]corev1.EnvVar{{Name: "GOMEMLIMIT", Value: want}}), "limit %v", memory)
	}
	g := NewWithT(t)
	values := limit("1Gi")
	values["goMemLimitRatio"] = 0.5
	g.Expect(env(g, values)).To(Equal([]corev1.EnvVar{{Name: "GOMEMLIMIT", Value: "536870912"}}))
	values["goMemLimitRatio"] = 0
	g.Expect(env(g, values)).To(BeEmpty())
	g.Expect(env(g, map[string]any{"extraEnv": []any{map[string]any{"name": "GOMEMLIMIT", "value": "100MiB"}}})).
		To(Equal([]corev1.EnvVar{{Name: "GOMEMLIMIT", Value: "100MiB"}}), "extraEnv's GOMEMLIMIT wins")
	g.Expect(env(g, map[string]any{"resources": map[string]any{"limits": nil}})).To(BeEmpty(), "no limit, no GOMEMLIMIT")

	_, err := renderChart(operatorChart, "twilio-operator", "default", limit("2GB"))
	g.Expect(err).To(MatchError(ContainSubstring(`resources.limits.memory "2GB" is not a memory quantity`)))
}

// TestOperatorChartShards installs two releases of the chart side by side, each a shard
// of the fleet (docs/helm.md, "Sharding"): their own namespaces and selector on the
// command line, their own leader election Lease, one claims namespace, the manager's
// rights as Roles in the watched namespaces, and no object that both would own.
func TestOperatorChartShards(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns, teamA, teamB, teamC := newNamespace(t, "shards"), newNamespace(t, "team-a"), newNamespace(t, "team-b"), newNamespace(t, "team-c")
	shardA, err := renderChart(operatorChart, "shard-a", ns, map[string]any{
		"shard": "a", "watchSelector": "twilio-operator.io/shard=a", "claimsNamespace": ns,
	})
	g.Expect(err).NotTo(HaveOccurred())
	shardB, err := renderChart(operatorChart, "shard-b", ns, map[string]any{
		"shard": "b", "watchNamespaces": []any{teamA, teamB}, "watchNamespace": teamC, "watchSelector": "twilio-operator.io/shard in (b, c)",
		"claimsNamespace": ns, "crds": map[string]any{"enabled": false}, "userRoles": map[string]any{"enabled": false},
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(dryRunApply(context.Background(), append(shardA, shardB...)...)).To(Succeed())

	a := as[appsv1.Deployment](g, find(g, shardA, "Deployment", "shard-a-twilio-operator")).Spec.Template.Spec.Containers[0].Args
	b := as[appsv1.Deployment](g, find(g, shardB, "Deployment", "shard-b-twilio-operator")).Spec.Template.Spec.Containers[0].Args
	g.Expect(a).To(ContainElements("--watch-selector=twilio-operator.io/shard=a",
		"--leader-election-id=a.twilio-operator.messaging.twilio-operator.io", "--claims-namespace="+ns))
	g.Expect(a).NotTo(ContainElement(HavePrefix("--watch-namespace")))
	g.Expect(b).To(ContainElements("--watch-namespace="+teamC, "--watch-namespaces="+teamA+","+teamB,
		"--watch-selector=twilio-operator.io/shard in (b, c)",
		"--leader-election-id=b.twilio-operator.messaging.twilio-operator.io", "--claims-namespace="+ns))

	// Shard b's rights on its kinds and Secrets are Roles in its three namespaces.
	g.Expect(kindsAndNames(shardB)).NotTo(ContainElement("ClusterRole/shard-b-twilio-operator-manager"))
	var roles []string
	for _, u := range shardB {
		if u.GetKind() == "Role" && u.GetName() == "shard-b-twilio-operator-manager" {
			roles = append(roles, u.GetNamespace())
			g.Expect(as[rbacv1.Role](g, u).Rules).To(Equal(rulesOf(g, "role.yaml")))
		}
	}
	g.Expect(roles).To(ConsistOf(teamA, teamB, teamC))

	// No object of one release is another's: Helm refuses to install over an object of
	// another release. Only shard a carries the CRDs.
	owned := map[string]bool{}
	for _, u := range shardA {
		owned[u.GetKind()+"/"+u.GetNamespace()+"/"+u.GetName()] = true
	}
	for _, u := range shardB {
		g.Expect(owned).NotTo(HaveKey(u.GetKind()+"/"+u.GetNamespace()+"/"+u.GetName()), "both releases would own it")
	}
	g.Expect(kindsAndNames(shardB)).NotTo(ContainElement(HavePrefix("CustomResourceDefinition/")))

	// leaderElection.id wins over the shard's name.
	objs := mustRender(t, operatorChart, ns, map[string]any{"shard": "a", "leaderElection": map[string]any{"id": "custom.example"}})
	args := as[appsv1.Deployment](g, find(g, objs, "Deployment", "twilio-operator")).Spec.Template.Spec.Containers[0].Args
	g.Expect(args).To(ContainElement("--leader-election-id=custom.example"))
	g.Expect(strings.Join(args, " ")).NotTo(ContainSubstring("a.twilio-operator"))
}

// TestOperatorChartKubeVersion: the chart refuses a cluster older than its kubeVersion,
// and takes the versions managed clusters report, pre-release suffix and all.
func TestOperatorChartKubeVersion(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	_, err := renderChartOn(operatorChart, "twilio-operator", "default", nil, "v1.26.15")
	g.Expect(err).To(MatchError(ContainSubstring("kubeVersion")))
	for _, v := range []string{"v1.27.0", "v1.27.16-eks-a737599", "v1.37.2"} {
		_, err := renderChartOn(operatorChart, "twilio-operator", "default", nil, v)
		g.Expect(err).NotTo(HaveOccurred(), v)
	}
}

// TestOperatorChartArtifactHub: the Artifact Hub annotations of Chart.yaml parse, name
// exactly the chart's CRDs, and every example in crdsExamples passes those CRDs.
func TestOperatorChartArtifactHub(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	chrt, err := loader.Load(operatorChart)
	g.Expect(err).NotTo(HaveOccurred())
	ann := chrt.Metadata.Annotations
	g.Expect(ann).To(HaveKeyWithValue("artifacthub.io/license", "Apache-2.0"))
	g.Expect(ann).To(HaveKeyWithValue("artifacthub.io/operator", "true"))
	g.Expect(ann).To(HaveKeyWithValue("artifacthub.io/operatorCapabilities",
		BeElementOf("Basic Install", "Seamless Upgrades", "Full Lifecycle", "Deep Insights", "Auto Pilot")))
	g.Expect(ann).To(HaveKeyWithValue("artifacthub.io/prerelease", BeElementOf("true", "false")))

	var links []struct{ Name, URL string }
	g.Expect(yaml.UnmarshalStrict([]byte(ann["artifacthub.io/links"]), &links)).To(Succeed())
	g.Expect(links).NotTo(BeEmpty())
	for _, l := range links {
		g.Expect(l.URL).To(HavePrefix("https://"), l.Name)
	}

	var crds []struct{ Kind, Version, Name, DisplayName, Description string }
	g.Expect(yaml.UnmarshalStrict([]byte(ann["artifacthub.io/crds"]), &crds)).To(Succeed())
	var rendered, listed []string
	for _, u := range mustRender(t, operatorChart, "default", nil) {
		if u.GetKind() == "CustomResourceDefinition" {
			rendered = append(rendered, u.GetName())
		}
	}
	for _, c := range crds {
		g.Expect(c.Version).To(Equal("v1alpha1"))
		g.Expect(c.DisplayName).NotTo(BeEmpty())
		listed = append(listed, c.Name)
	}
	g.Expect(listed).To(ConsistOf(rendered))

	var examples []map[string]any
	g.Expect(yaml.Unmarshal([]byte(ann["artifacthub.io/crdsExamples"]), &examples)).To(Succeed())
	ns := newNamespace(t, "artifacthub-examples")
	var kinds []string
	for _, e := range examples {
		u := &unstructured.Unstructured{Object: e}
		u.SetNamespace(ns)
		kinds = append(kinds, u.GetKind())
		g.Expect(u.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
		g.Expect(nested(g, u, "spec", "deletionPolicy")).To(Equal("Orphan"), "the examples are safe to copy into a real account")
		g.Expect(dryRunApply(context.Background(), u)).To(Succeed(), "%s %s", u.GetKind(), u.GetName())
	}
	g.Expect(kinds).To(ConsistOf("MessagingService", "A2PRegistration"), "one example of each CRD")
}
