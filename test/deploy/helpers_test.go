package deploy_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	release "helm.sh/helm/v4/pkg/release/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// fieldOwner names this suite in managedFields, as helm and kubectl name themselves.
const fieldOwner = "twilio-operator-deploy-test"

var (
	operatorChart = filepath.Join(repoRoot, "charts", "twilio-operator")
	exampleChart  = filepath.Join(repoRoot, "examples", "contact-center")
)

// renderChart renders a chart as `helm template --include-crds` does: client-side, with
// the chart's schema validation and the default capabilities.
func renderChart(dir, releaseName, namespace string, values map[string]any) ([]*unstructured.Unstructured, error) {
	return renderChartOn(dir, releaseName, namespace, values, "")
}

// renderChartOn renders a chart for a cluster of kubeVersion (e.g. v1.30.4), as
// `helm template --kube-version` does; empty: the envtest API server's version.
func renderChartOn(dir, releaseName, namespace string, values map[string]any, kubeVersion string) ([]*unstructured.Unstructured, error) {
	chrt, err := loader.Load(dir)
	if err != nil {
		return nil, err
	}
	install := action.NewInstall(action.NewConfiguration())
	if install.KubeVersion, err = common.ParseKubeVersion(cmp.Or(kubeVersion, serverVersion)); err != nil {
		return nil, err
	}
	install.DryRunStrategy = action.DryRunClient
	install.ReleaseName = releaseName
	install.Namespace = namespace
	install.Replace = true
	install.IncludeCRDs = true
	rel, err := install.Run(chrt, values)
	if err != nil {
		return nil, err
	}
	r, ok := rel.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("unexpected release type %T", rel)
	}
	return parseManifests([]byte(r.Manifest))
}

// mustRender renders a chart that must render.
func mustRender(t *testing.T, dir, namespace string, values map[string]any) []*unstructured.Unstructured {
	t.Helper()
	objs, err := renderChart(dir, "twilio-operator", namespace, values)
	if err != nil {
		t.Fatalf("cannot render %s: %v", dir, err)
	}
	return objs
}

// parseManifests splits a multi-document YAML stream into objects, skipping empty
// documents.
func parseManifests(data []byte) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			return nil, fmt.Errorf("cannot parse %q: %w", doc, err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// dryRunApply sends each object as a server-side apply in dry-run mode: the API server
// runs defaulting, validation (OpenAPI and CEL) and admission, and stores nothing.
func dryRunApply(ctx context.Context, objs ...*unstructured.Unstructured) error {
	var errs []error
	for _, u := range objs {
		err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), client.DryRunAll, client.FieldOwner(fieldOwner))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

// newNamespace creates a namespace for real: a dry run of a namespaced object needs its
// namespace to exist. envtest runs no namespace controller, so none is deleted.
func newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("cannot create namespace: %v", err)
	}
	return ns.Name
}

// find returns the one object of kind and name, failing the test when there is none.
func find(g Gomega, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, u := range objs {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	g.Expect(kindsAndNames(objs)).To(ContainElement(kind + "/" + name))
	return nil
}

func kindsAndNames(objs []*unstructured.Unstructured) []string {
	out := make([]string, 0, len(objs))
	for _, u := range objs {
		out = append(out, u.GetKind()+"/"+u.GetName())
	}
	return out
}

// as converts an unstructured object into its Go type, for typed assertions.
func as[T any](g Gomega, u *unstructured.Unstructured) *T {
	out := new(T)
	g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out)).To(Succeed())
	return out
}

// rulesOf reads the rules of the Role or ClusterRole in a config/rbac file: the
// kustomize deployment, which the chart must grant exactly.
func rulesOf(g Gomega, file string) []rbacv1.PolicyRule {
	data, err := os.ReadFile(filepath.Join(repoRoot, "config", "rbac", file))
	g.Expect(err).NotTo(HaveOccurred())
	objs, err := parseManifests(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(objs).To(HaveLen(1), "%s holds one role", file)
	return as[rbacv1.ClusterRole](g, objs[0]).Rules
}
