package deploy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/discovery"
)

// TestChartInstallsOnThisAPIServer installs the chart as `helm install` does against the
// API server the tests run on, whose version helm checks against the chart's kubeVersion:
// `make test` runs it on the newest Kubernetes, `make test-compat` on the oldest supported.
func TestChartInstallsOnThisAPIServer(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	dc, err := discovery.NewDiscoveryClientForConfig(k8sConfig)
	g.Expect(err).NotTo(HaveOccurred())
	server, err := dc.ServerVersion()
	g.Expect(err).NotTo(HaveOccurred())

	ns := newNamespace(t, "chart-kubeversion")
	objs, err := renderChartFor(server.GitVersion, ns)
	g.Expect(err).NotTo(HaveOccurred(), "the chart's kubeVersion must admit the API server the tests pass on")
	g.Expect(dryRunApply(context.Background(), objs...)).To(Succeed())
}

// TestChartKubeVersionIsTheOldestTested keeps the chart's kubeVersion on the release
// `make test-compat` tests: the chart installs on any patch of that minor, vendor builds
// included, and refuses the minor before it, whose API server lacks CEL features the
// CRDs use.
func TestChartKubeVersionIsTheOldestTested(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	makefile, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	g.Expect(err).NotTo(HaveOccurred())
	m := regexp.MustCompile(`(?m)^COMPAT_K8S_VERSION \?= (\S+)$`).FindSubmatch(makefile)
	g.Expect(m).NotTo(BeNil(), "the Makefile pins COMPAT_K8S_VERSION")
	oldest := version.MustParseGeneric(string(m[1]))

	for _, accepted := range []string{
		fmt.Sprintf("v1.%d.0", oldest.Minor()),
		"v" + oldest.String(),
		fmt.Sprintf("v1.%d.%d-eks-2f008fe", oldest.Minor(), oldest.Patch()),
		fmt.Sprintf("v1.%d.3-gke.1067000", oldest.Minor()+1),
	} {
		_, err := renderChartFor(accepted, "default")
		g.Expect(err).NotTo(HaveOccurred(), "Kubernetes %s is supported", accepted)
	}
	for _, refused := range []string{
		fmt.Sprintf("v1.%d.99", oldest.Minor()-1),
		fmt.Sprintf("v1.%d.15-eks-2f008fe", oldest.Minor()-1),
	} {
		_, err := renderChartFor(refused, "default")
		g.Expect(err).To(MatchError(ContainSubstring("chart requires kubeVersion")), "Kubernetes %s is older than the oldest supported", refused)
	}
}

// renderChartFor renders the operator chart, with its CRDs, as `helm install` does for a
// cluster of the given Kubernetes version.
func renderChartFor(kubeVersion, namespace string) ([]*unstructured.Unstructured, error) {
	chrt, err := loader.Load(operatorChart)
	if err != nil {
		return nil, err
	}
	kv, err := common.ParseKubeVersion(kubeVersion)
	if err != nil {
		return nil, err
	}
	install := action.NewInstall(action.NewConfiguration())
	install.DryRunStrategy = action.DryRunClient
	install.ReleaseName = "twilio-operator"
	install.Namespace = namespace
	install.Replace = true
	install.IncludeCRDs = true
	install.KubeVersion = kv
	rel, err := install.Run(chrt, nil)
	if err != nil {
		return nil, err
	}
	r, ok := rel.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("unexpected release type %T", rel)
	}
	return parseManifests([]byte(r.Manifest))
}
