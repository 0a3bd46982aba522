package deploy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	. "github.com/onsi/gomega"
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
	objs, err := renderChartOn(operatorChart, "twilio-operator", ns, nil, server.GitVersion)
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
		_, err := renderChartOn(operatorChart, "twilio-operator", "default", nil, accepted)
		g.Expect(err).NotTo(HaveOccurred(), "Kubernetes %s is supported", accepted)
	}
	for _, refused := range []string{
		fmt.Sprintf("v1.%d.99", oldest.Minor()-1),
		fmt.Sprintf("v1.%d.15-eks-2f008fe", oldest.Minor()-1),
	} {
		_, err := renderChartOn(operatorChart, "twilio-operator", "default", nil, refused)
		g.Expect(err).To(MatchError(ContainSubstring("chart requires kubeVersion")), "Kubernetes %s is older than the oldest supported", refused)
	}
}
