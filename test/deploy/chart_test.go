package deploy_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// TestOperatorChartDefaults installs the chart as `helm install` would with no values
// and checks what a cluster gets: every object accepted, the kubebuilder deployment's
// RBAC exactly, and a hardened Deployment with leader election.
func TestOperatorChartDefaults(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns := newNamespace(t, "chart-defaults")
	objs := mustRender(t, operatorChart, ns, nil)

	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())
	g.Expect(kindsAndNames(objs)).To(ConsistOf(
		"CustomResourceDefinition/messagingservices.messaging.twilio-operator.io",
		"CustomResourceDefinition/a2pregistrations.messaging.twilio-operator.io",
		"ServiceAccount/twilio-operator",
		"ClusterRole/twilio-operator-manager",
		"ClusterRoleBinding/twilio-operator-manager",
		"Role/twilio-operator-leader-election",
		"RoleBinding/twilio-operator-leader-election",
		"Role/twilio-operator-claims",
		"RoleBinding/twilio-operator-claims",
		"ClusterRole/twilio-operator-editor",
		"ClusterRole/twilio-operator-viewer",
		"ClusterRole/twilio-operator-metrics-auth",
		"ClusterRoleBinding/twilio-operator-metrics-auth",
		"ClusterRole/twilio-operator-metrics-reader",
		"Service/twilio-operator-metrics",
		"Deployment/twilio-operator",
	))

	// RBAC: the same rules as config/rbac, bound to the chart's ServiceAccount.
	g.Expect(as[rbacv1.ClusterRole](g, find(g, objs, "ClusterRole", "twilio-operator-manager")).Rules).
		To(Equal(rulesOf(g, "role.yaml")))
	g.Expect(as[rbacv1.Role](g, find(g, objs, "Role", "twilio-operator-leader-election")).Rules).
		To(Equal(rulesOf(g, "leader_election_role.yaml")))
	g.Expect(as[rbacv1.Role](g, find(g, objs, "Role", "twilio-operator-claims")).Rules).
		To(Equal(rulesOf(g, "claims_role.yaml")))
	editor := as[rbacv1.ClusterRole](g, find(g, objs, "ClusterRole", "twilio-operator-editor"))
	g.Expect(editor.Rules).To(Equal(rulesOf(g, "twilio_editor_role.yaml")))
	g.Expect(editor.Labels).To(HaveKeyWithValue("rbac.authorization.k8s.io/aggregate-to-edit", "true"))
	for _, r := range editor.Rules {
		for _, res := range r.Resources {
			g.Expect(res).NotTo(HaveSuffix("/status"), "edit never writes the status: it records ownership")
		}
	}
	viewer := as[rbacv1.ClusterRole](g, find(g, objs, "ClusterRole", "twilio-operator-viewer"))
	g.Expect(viewer.Rules).To(Equal(rulesOf(g, "twilio_viewer_role.yaml")))
	g.Expect(viewer.Labels).To(HaveKeyWithValue("rbac.authorization.k8s.io/aggregate-to-view", "true"))
	g.Expect(as[rbacv1.ClusterRole](g, find(g, objs, "ClusterRole", "twilio-operator-metrics-auth")).Rules).
		To(Equal(rulesOf(g, "metrics_auth_role.yaml")))
	g.Expect(as[rbacv1.ClusterRole](g, find(g, objs, "ClusterRole", "twilio-operator-metrics-reader")).Rules).
		To(Equal(rulesOf(g, "metrics_reader_role.yaml")))
	subject := rbacv1.Subject{Kind: "ServiceAccount", Name: "twilio-operator", Namespace: ns}
	for _, b := range []string{"twilio-operator-manager", "twilio-operator-metrics-auth"} {
		g.Expect(as[rbacv1.ClusterRoleBinding](g, find(g, objs, "ClusterRoleBinding", b)).Subjects).To(ConsistOf(subject))
	}
	for _, b := range []string{"twilio-operator-leader-election", "twilio-operator-claims"} {
		binding := as[rbacv1.RoleBinding](g, find(g, objs, "RoleBinding", b))
		g.Expect(binding.Namespace).To(Equal(ns))
		g.Expect(binding.Subjects).To(ConsistOf(subject))
	}

	deploy := as[appsv1.Deployment](g, find(g, objs, "Deployment", "twilio-operator"))
	pod := deploy.Spec.Template.Spec
	g.Expect(pod.ServiceAccountName).To(Equal("twilio-operator"))
	g.Expect(pod.Containers).To(HaveLen(1))
	c := pod.Containers[0]
	g.Expect(c.Image).To(Equal("ghcr.io/twilio-operator/twilio-operator:0.1.0"), "the published image; the tag defaults to the appVersion")
	g.Expect(c.Args).To(Equal([]string{
		"--twilio-max-concurrency=100",
		"--twilio-qps=0",
		"--resync-period=10m",
		"--vetting-poll-interval=30s",
		"--vetting-poll-max-interval=10m",
		"--max-concurrent-reconciles=64",
		"--leader-elect=true",
		"--claims-namespace=" + ns,
		"--metrics-bind-address=:8443",
		"--metrics-secure=true",
		"--health-probe-bind-address=:8081",
		"--zap-log-level=info",
		"--zap-encoder=json",
	}))
	assertProbes(g, c)
	assertRestricted(g, pod.SecurityContext, c.SecurityContext)
	g.Expect(c.Resources.Requests).NotTo(BeEmpty())
	g.Expect(c.Resources.Limits).NotTo(BeEmpty())
	g.Expect(c.Env).To(Equal([]corev1.EnvVar{{Name: "GOMEMLIMIT", Value: "241591910"}}), "90% of the 256Mi limit, in bytes")
	g.Expect(pod.ImagePullSecrets).To(BeEmpty())
	g.Expect(pod.TopologySpreadConstraints).To(BeEmpty())
	for _, crd := range []string{"messagingservices.messaging.twilio-operator.io", "a2pregistrations.messaging.twilio-operator.io"} {
		g.Expect(find(g, objs, "CustomResourceDefinition", crd).GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"),
			"uninstalling the chart must not delete the CRDs, and with them every object")
	}

	// The metrics Service reaches the container's metrics port.
	svc := as[corev1.Service](g, find(g, objs, "Service", "twilio-operator-metrics"))
	g.Expect(svc.Spec.Selector).To(Equal(deploy.Spec.Selector.MatchLabels))
	for k, v := range svc.Spec.Selector {
		g.Expect(deploy.Spec.Template.Labels).To(HaveKeyWithValue(k, v))
	}
	g.Expect(svc.Spec.Ports).To(ConsistOf(corev1.ServicePort{
		Name: "https-metrics", Port: 8443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("https-metrics"),
	}))
	g.Expect(c.Ports).To(ContainElement(corev1.ContainerPort{Name: "https-metrics", ContainerPort: 8443, Protocol: corev1.ProtocolTCP}))
}

func assertProbes(g Gomega, c corev1.Container) {
	g.Expect(c.Ports).To(ContainElement(corev1.ContainerPort{Name: "health", ContainerPort: 8081, Protocol: corev1.ProtocolTCP}))
	g.Expect(c.LivenessProbe).NotTo(BeNil())
	g.Expect(c.LivenessProbe.HTTPGet).To(Equal(&corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("health")}))
	g.Expect(c.ReadinessProbe).NotTo(BeNil())
	g.Expect(c.ReadinessProbe.HTTPGet).To(Equal(&corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromString("health")}))
}

// assertRestricted checks the settings the "restricted" Pod Security Standard requires,
// plus a read-only root filesystem.
func assertRestricted(g Gomega, pod *corev1.PodSecurityContext, c *corev1.SecurityContext) {
	g.Expect(pod).NotTo(BeNil())
	g.Expect(pod.RunAsNonRoot).To(Equal(ptr.To(true)))
	g.Expect(pod.SeccompProfile).To(Equal(&corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}))
	g.Expect(c).NotTo(BeNil())
	g.Expect(c.AllowPrivilegeEscalation).To(Equal(ptr.To(false)))
	g.Expect(c.ReadOnlyRootFilesystem).To(Equal(ptr.To(true)))
	g.Expect(c.RunAsNonRoot).To(Equal(ptr.To(true)))
	g.Expect(c.Capabilities).To(Equal(&corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}))
}

// TestOperatorChartWatchNamespace renders the chart restricted to one namespace with
// every flag changed: the operator's rights become a Role there, and each value reaches
// the command line.
func TestOperatorChartWatchNamespace(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns, watched, leases := newNamespace(t, "chart-watch"), newNamespace(t, "team-a"), newNamespace(t, "leases")
	objs := mustRender(t, operatorChart, ns, everyValue(watched, leases))

	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())
	g.Expect(kindsAndNames(objs)).NotTo(ContainElements("ClusterRole/twilio-operator-manager", "ClusterRoleBinding/twilio-operator-manager"))
	g.Expect(kindsAndNames(objs)).NotTo(ContainElements("ClusterRole/twilio-operator-metrics-auth"), "insecure metrics need no authn/authz")

	role := as[rbacv1.Role](g, find(g, objs, "Role", "twilio-operator-manager"))
	g.Expect(role.Namespace).To(Equal(watched))
	g.Expect(role.Rules).To(Equal(rulesOf(g, "role.yaml")))
	binding := as[rbacv1.RoleBinding](g, find(g, objs, "RoleBinding", "twilio-operator-manager"))
	g.Expect(binding.Namespace).To(Equal(watched))
	g.Expect(binding.RoleRef).To(Equal(rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "twilio-operator-manager"}))
	g.Expect(binding.Subjects).To(ConsistOf(rbacv1.Subject{Kind: "ServiceAccount", Name: "operator", Namespace: ns}))
	g.Expect(find(g, objs, "Role", "twilio-operator-leader-election").GetNamespace()).To(Equal(leases))
	g.Expect(find(g, objs, "Role", "twilio-operator-claims").GetNamespace()).To(Equal(leases))
	g.Expect(find(g, objs, "ServiceAccount", "operator").GetAnnotations()).To(HaveKeyWithValue("iam.example/role", "twilio"))

	deploy := as[appsv1.Deployment](g, find(g, objs, "Deployment", "twilio-operator"))
	g.Expect(deploy.Spec.Replicas).To(Equal(ptr.To[int32](2)))
	pod := deploy.Spec.Template
	g.Expect(pod.Annotations).To(HaveKeyWithValue("prometheus.io/scrape", "true"))
	g.Expect(pod.Labels).To(HaveKeyWithValue("team", "contact-center"))
	g.Expect(pod.Spec.ServiceAccountName).To(Equal("operator"))
	g.Expect(pod.Spec.NodeSelector).To(Equal(map[string]string{"kubernetes.io/os": "linux"}))
	g.Expect(pod.Spec.Tolerations).To(HaveLen(1))
	g.Expect(pod.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution).To(HaveLen(1))
	c := pod.Spec.Containers[0]
	g.Expect(c.Image).To(Equal("registry.example/twilio-operator:v9.9.9"))
	g.Expect(c.ImagePullPolicy).To(Equal(corev1.PullAlways))
	g.Expect(c.Args).To(Equal([]string{
		"--twilio-api-url=http://twilio-emulator.test.svc:8080",
		"--twilio-max-concurrency=3",
		"--twilio-qps=5.5",
		"--resync-period=2m30s",
		"--vetting-poll-interval=5s",
		"--vetting-poll-max-interval=1h",
		"--max-concurrent-reconciles=1000000",
		"--watch-namespace=" + watched,
		"--leader-elect=true",
		"--leader-election-id=acme.twilio-operator.io",
		"--leader-election-namespace=" + leases,
		"--claims-namespace=" + leases,
		"--metrics-bind-address=:8080",
		"--metrics-secure=false",
		"--health-probe-bind-address=:9440",
		"--zap-log-level=2",
		"--zap-encoder=console",
		"--zap-stacktrace-level=panic",
	}))
	g.Expect(c.Ports).To(ContainElements(
		corev1.ContainerPort{Name: "health", ContainerPort: 9440, Protocol: corev1.ProtocolTCP},
		corev1.ContainerPort{Name: "http-metrics", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}))
	g.Expect(c.LivenessProbe.HTTPGet.Port).To(Equal(intstr.FromString("health")))
	assertRestricted(g, pod.Spec.SecurityContext, c.SecurityContext)
}

// everyValue changes every value of the operator chart from its default.
func everyValue(watched, leases string) map[string]any {
	return map[string]any{
		"watchNamespace":          watched,
		"replicas":                2,
		"image":                   map[string]any{"repository": "registry.example/twilio-operator", "tag": "v9.9.9", "pullPolicy": "Always"},
		"twilio":                  map[string]any{"apiUrl": "http://twilio-emulator.test.svc:8080", "maxConcurrency": 3, "qps": 5.5},
		"resyncPeriod":            "2m30s",
		"vettingPoll":             map[string]any{"interval": "5s", "maxInterval": "1h"},
		"maxConcurrentReconciles": 1e6, // a float, as from a values file: must print as an integer
		"leaderElection":          map[string]any{"id": "acme.twilio-operator.io", "namespace": leases},
		"claimsNamespace":         leases,
		"metrics":                 map[string]any{"secure": false, "port": 8080},
		"healthProbe":             map[string]any{"port": 9440},
		"logging":                 map[string]any{"level": 2, "encoder": "console"},
		"extraArgs":               []any{"--zap-stacktrace-level=panic"},
		"serviceAccount":          map[string]any{"name": "operator", "annotations": map[string]any{"iam.example/role": "twilio"}},
		"podAnnotations":          map[string]any{"prometheus.io/scrape": "true"},
		"podLabels":               map[string]any{"team": "contact-center"},
		"nodeSelector":            map[string]any{"kubernetes.io/os": "linux"},
		"tolerations":             []any{map[string]any{"key": "dedicated", "operator": "Equal", "value": "ops", "effect": "NoSchedule"}},
		"affinity": map[string]any{"podAntiAffinity": map[string]any{"preferredDuringSchedulingIgnoredDuringExecution": []any{
			map[string]any{"weight": 100, "podAffinityTerm": map[string]any{
				"topologyKey": "kubernetes.io/hostname", "labelSelector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": "twilio-operator"}},
			}},
		}}},
	}
}

// TestOperatorChartOptionalParts leaves out what values can turn off: the
// ServiceAccount (bring your own), leader election, and metrics.
func TestOperatorChartOptionalParts(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns := newNamespace(t, "chart-optional")
	objs := mustRender(t, operatorChart, ns, map[string]any{
		"serviceAccount": map[string]any{"create": false, "name": "existing"},
		"userRoles":      map[string]any{"enabled": false},
		"leaderElection": map[string]any{"enabled": false},
		"metrics":        map[string]any{"enabled": false},
	})
	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())
	g.Expect(kindsAndNames(objs)).To(ConsistOf(
		"CustomResourceDefinition/messagingservices.messaging.twilio-operator.io",
		"CustomResourceDefinition/a2pregistrations.messaging.twilio-operator.io",
		"ClusterRole/twilio-operator-manager",
		"ClusterRoleBinding/twilio-operator-manager",
		"Role/twilio-operator-claims",
		"RoleBinding/twilio-operator-claims",
		"Deployment/twilio-operator",
	))
	deploy := as[appsv1.Deployment](g, find(g, objs, "Deployment", "twilio-operator"))
	g.Expect(deploy.Spec.Template.Spec.ServiceAccountName).To(Equal("existing"))
	c := deploy.Spec.Template.Spec.Containers[0]
	g.Expect(c.Args).To(ContainElements("--leader-elect=false", "--metrics-bind-address=0"))
	g.Expect(c.Ports).To(ConsistOf(corev1.ContainerPort{Name: "health", ContainerPort: 8081, Protocol: corev1.ProtocolTCP}))
}

// TestOperatorChartMetricsCertificate mounts a TLS Secret for the metrics server and
// points the operator at it.
func TestOperatorChartMetricsCertificate(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns := newNamespace(t, "chart-metrics-cert")
	objs := mustRender(t, operatorChart, ns, map[string]any{"metrics": map[string]any{"certSecret": "operator-metrics-tls"}})
	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())
	pod := as[appsv1.Deployment](g, find(g, objs, "Deployment", "twilio-operator")).Spec.Template.Spec
	g.Expect(pod.Volumes).To(ConsistOf(corev1.Volume{Name: "metrics-certs",
		VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "operator-metrics-tls"}}}))
	c := pod.Containers[0]
	g.Expect(c.VolumeMounts).To(ConsistOf(corev1.VolumeMount{Name: "metrics-certs", MountPath: "/etc/twilio-operator/metrics-certs", ReadOnly: true}))
	g.Expect(c.Args).To(ContainElements("--metrics-secure=true", "--metrics-cert-path=/etc/twilio-operator/metrics-certs"))

	def := as[appsv1.Deployment](g, find(g, mustRender(t, operatorChart, ns, nil), "Deployment", "twilio-operator")).Spec.Template.Spec
	g.Expect(def.Volumes).To(BeEmpty(), "no Secret is mounted unless asked for")
	g.Expect(def.Containers[0].Args).NotTo(ContainElement(HavePrefix("--metrics-cert-path")))
}

// TestOperatorChartRejectsBadValues: values.schema.json and the templates refuse values
// that would make the operator crash-loop or misbehave, naming what is wrong.
func TestOperatorChartRejectsBadValues(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		values map[string]any
		want   string
	}{
		"a resync period that is not a Go duration": {map[string]any{"resyncPeriod": "10 minutes"}, "/resyncPeriod"},
		"a misspelt value is not silently ignored":  {map[string]any{"watchNamespce": "team-a"}, "watchNamespce"},
		"a Twilio URL without a scheme":             {map[string]any{"twilio": map[string]any{"apiUrl": "emulator:8080"}}, "/twilio/apiUrl"},
		"a negative Twilio request rate":            {map[string]any{"twilio": map[string]any{"qps": -1}}, "/twilio/qps"},
		"an unknown log level":                      {map[string]any{"logging": map[string]any{"level": "verbose"}}, "/logging/level"},
		"a ServiceAccount to reuse without its name": {
			map[string]any{"serviceAccount": map[string]any{"create": false}}, "serviceAccount.name is required"},
		"a metrics certificate for plain HTTP": {
			map[string]any{"metrics": map[string]any{"secure": false, "certSecret": "tls"}}, "metrics.certSecret needs metrics.secure"},
		"two replicas that would both be active": {
			map[string]any{"replicas": 2, "leaderElection": map[string]any{"enabled": false}}, "replicas > 1 needs leaderElection.enabled"},
		"a digest that is not sha256":         {map[string]any{"image": map[string]any{"digest": "v1.2.3"}}, "/image/digest"},
		"a pull secret without a name":        {map[string]any{"global": map[string]any{"imagePullSecrets": []any{map[string]any{"secret": "x"}}}}, "/global/imagePullSecrets/0"},
		"a namespace listed twice":            {map[string]any{"watchNamespaces": []any{"team-a", "team-a"}}, "/watchNamespaces"},
		"a shard name that is no Lease name":  {map[string]any{"shard": "Shard A"}, "/shard"},
		"a memory ratio above 1":              {map[string]any{"goMemLimitRatio": 1.5}, "/goMemLimitRatio"},
		"an environment variable unnamed":     {map[string]any{"extraEnv": []any{map[string]any{"value": "x"}}}, "/extraEnv/0"},
		"a spread constraint without its key": {map[string]any{"topologySpreadConstraints": []any{map[string]any{"maxSkew": 1}}}, "/topologySpreadConstraints/0"},
		"a CIDR that is no CIDR":              {map[string]any{"networkPolicy": map[string]any{"twilioCidrs": []any{"twilio.com"}}}, "/networkPolicy/twilioCidrs/0"},
		"a misspelt CRD switch":               {map[string]any{"crds": map[string]any{"install": false}}, "install"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := renderChart(operatorChart, "twilio-operator", "default", tc.values)
			g.Expect(err).To(MatchError(ContainSubstring(tc.want)))
		})
	}
}

// TestOperatorChartCRDsAreGenerated: the chart's templates/crds are the CRDs
// controller-gen writes to config/crd/bases (hack/sync-chart.sh wraps them), rendered
// to the same objects plus the chart's labels and, by default, the keep policy; the
// chart has no crds/ directory, which Helm would install besides them and never upgrade.
func TestOperatorChartCRDsAreGenerated(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	bases, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(bases).NotTo(BeEmpty())
	templates, err := filepath.Glob(filepath.Join(operatorChart, "templates", "crds", "*"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(templates).To(HaveLen(len(bases)), "templates/crds holds the generated CRDs and nothing else: run `make manifests`")
	_, err = os.Stat(filepath.Join(operatorChart, "crds"))
	g.Expect(os.IsNotExist(err)).To(BeTrue(), "no crds/ directory: Helm would install it besides the templates")

	objs := mustRender(t, operatorChart, "default", nil)
	unkept := mustRender(t, operatorChart, "default", map[string]any{"crds": map[string]any{"keep": false}})
	for _, base := range bases {
		data, err := os.ReadFile(base)
		g.Expect(err).NotTo(HaveOccurred())
		parsed, err := parseManifests(data)
		g.Expect(err).NotTo(HaveOccurred())
		want := parsed[0]
		got := find(g, objs, "CustomResourceDefinition", want.GetName()).DeepCopy()
		g.Expect(got.Object["spec"]).To(Equal(want.Object["spec"]), "%s is stale: run `make manifests`", base)
		g.Expect(got.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "Helm"))
		g.Expect(got.GetAnnotations()).To(Equal(map[string]string{
			"helm.sh/resource-policy": "keep", "controller-gen.kubebuilder.io/version": want.GetAnnotations()["controller-gen.kubebuilder.io/version"],
		}))
		g.Expect(find(g, unkept, "CustomResourceDefinition", want.GetName()).GetAnnotations()).NotTo(HaveKey("helm.sh/resource-policy"),
			"crds.keep=false lets helm uninstall delete the CRDs")
	}

	without := mustRender(t, operatorChart, "default", map[string]any{"crds": map[string]any{"enabled": false}})
	for _, u := range without {
		g.Expect(u.GetKind()).NotTo(Equal("CustomResourceDefinition"), "crds.enabled=false installs no CRD")
	}
	g.Expect(without).To(HaveLen(len(objs) - len(bases)))
}
