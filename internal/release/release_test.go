package release

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/google/go-containerregistry/pkg/registry"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	helmregistry "helm.sh/helm/v4/pkg/registry"
	helmrelease "helm.sh/helm/v4/pkg/release/v1"
	appsv1 "k8s.io/api/apps/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

var (
	repoRoot      = filepath.Join("..", "..")
	operatorChart = filepath.Join(repoRoot, "charts", "twilio-operator")
	crdDir        = filepath.Join(repoRoot, "config", "crd", "bases")
	releaseTime   = time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
)

func TestChartVersion(t *testing.T) {
	for release, want := range map[string]string{
		"v0.2.0":                    "0.2.0",
		"0.2.0":                     "0.2.0",
		"v1.0.0-rc.1":               "1.0.0-rc.1",
		"v0.2.0-3-g60cafd0-dirty":   "0.2.0-3-g60cafd0-dirty", // git describe after a tag
		"v0.0.0-dev.g60cafd0-dirty": "0.0.0-dev.g60cafd0-dirty",
	} {
		g := NewWithT(t)
		got, err := ChartVersion(release)
		g.Expect(err).NotTo(HaveOccurred(), release)
		g.Expect(got).To(Equal(want), release)
	}
	for _, bad := range []string{"", "dev", "60cafd0", "v1.2", "v01.2.3", "v1.2.3-01"} {
		_, err := ChartVersion(bad)
		NewWithT(t).Expect(err).To(MatchError(ContainSubstring("not v<SemVer 2>")), bad)
	}
}

// TestPackagedChart packages the operator chart as make release does and checks what a
// user of the published chart gets: the release's versions, the release's image by
// default, the same bytes from the same commit, and a chart that an OCI registry takes
// and gives back as Helm pushes and pulls it.
func TestPackagedChart(t *testing.T) {
	g := NewWithT(t)
	out := t.TempDir()
	tgz, err := PackageChart(operatorChart, out, "0.2.0-rc.1", "v0.2.0-rc.1", releaseTime)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(filepath.Base(tgz)).To(Equal("twilio-operator-0.2.0-rc.1.tgz"))

	chrt, err := loader.Load(tgz)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(chrt.Metadata.Name).To(Equal("twilio-operator"))
	g.Expect(chrt.Metadata.Version).To(Equal("0.2.0-rc.1"))
	g.Expect(chrt.Metadata.AppVersion).To(Equal("v0.2.0-rc.1"))
	g.Expect(crdNames(chrt)).To(ConsistOf("messaging.twilio-operator.io_a2pregistrations.yaml",
		"messaging.twilio-operator.io_messagingservices.yaml"))
	g.Expect(deploymentImage(g, chrt)).To(Equal("ghcr.io/twilio-operator/twilio-operator:v0.2.0-rc.1"),
		"the released chart installs the released image")
	g.Expect(chrt.Metadata.Annotations).To(HaveKeyWithValue("artifacthub.io/prerelease", "true"),
		"Artifact Hub lists a release candidate as a pre-release")

	final, err := PackageChart(operatorChart, t.TempDir(), "0.2.0", "v0.2.0", releaseTime)
	g.Expect(err).NotTo(HaveOccurred())
	finalChart, err := loader.Load(final)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(finalChart.Metadata.Annotations).To(HaveKeyWithValue("artifacthub.io/prerelease", "false"))
	g.Expect(finalChart.Metadata.Annotations).To(HaveKeyWithValue("artifacthub.io/operator", "true"),
		"the chart's other annotations are kept")

	again, err := PackageChart(operatorChart, t.TempDir(), "0.2.0-rc.1", "v0.2.0-rc.1", releaseTime)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(os.ReadFile(again)).To(Equal(mustRead(g, tgz)), "the same commit packages to the same bytes")
	later, err := PackageChart(operatorChart, t.TempDir(), "0.2.0-rc.1", "v0.2.0-rc.1", releaseTime.Add(time.Hour))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(os.ReadFile(later)).NotTo(Equal(mustRead(g, tgz)), "the timestamps are the given ones: the check above can fail")

	_, err = PackageChart(operatorChart, t.TempDir(), "dev", "dev", releaseTime)
	g.Expect(err).To(HaveOccurred(), "Helm refuses a chart version that is not SemVer")

	t.Run("helm push and pull through an OCI registry", func(t *testing.T) {
		g := NewWithT(t)
		srv := httptest.NewServer(registry.New(registry.Logger(stdlog.New(io.Discard, "", 0))))
		defer srv.Close()
		client, err := helmregistry.NewClient(helmregistry.ClientOptPlainHTTP(), helmregistry.ClientOptWriter(io.Discard),
			helmregistry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")))
		g.Expect(err).NotTo(HaveOccurred())
		// `helm push twilio-operator-0.2.0-rc.1.tgz oci://HOST/charts` pushes to this ref.
		ref := strings.TrimPrefix(srv.URL, "http://") + "/charts/twilio-operator:0.2.0-rc.1"
		data := mustRead(g, tgz)
		pushed, err := client.Push(data, ref, helmregistry.PushOptStrictMode(true))
		g.Expect(err).NotTo(HaveOccurred(), "strict mode: the ref's name and tag are the chart's name and version")
		pulled, err := client.Pull(ref)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(pulled.Chart.Data).To(Equal(data))
		g.Expect(pulled.Manifest.Digest).To(Equal(pushed.Manifest.Digest))
		g.Expect(pulled.Chart.Meta.Version).To(Equal("0.2.0-rc.1"))
		g.Expect(pulled.Chart.Meta.AppVersion).To(Equal("v0.2.0-rc.1"))
	})
}

// deploymentImage renders the chart with its defaults, as `helm template` does, and
// returns the operator container's image.
func deploymentImage(g Gomega, chrt *chart.Chart) string {
	install := action.NewInstall(action.NewConfiguration())
	// A test binary's Helm assumes Kubernetes v1.20, older than the chart's kubeVersion.
	version, err := common.ParseKubeVersion("v1.30.0")
	g.Expect(err).NotTo(HaveOccurred())
	install.KubeVersion = version
	install.DryRunStrategy = action.DryRunClient
	install.ReleaseName = "twilio-operator"
	install.Namespace = "twilio-operator-system"
	install.Replace = true
	rel, err := install.Run(chrt, nil)
	g.Expect(err).NotTo(HaveOccurred())
	r, ok := rel.(*helmrelease.Release)
	g.Expect(ok).To(BeTrue())
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(r.Manifest)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		g.Expect(err).NotTo(HaveOccurred())
		var d appsv1.Deployment
		g.Expect(yaml.Unmarshal(doc, &d)).To(Succeed())
		if d.Kind == "Deployment" {
			g.Expect(d.Spec.Template.Spec.Containers).To(HaveLen(1))
			return d.Spec.Template.Spec.Containers[0].Image
		}
	}
	g.Expect(r.Manifest).To(ContainSubstring("kind: Deployment"))
	return ""
}

func crdNames(chrt *chart.Chart) []string {
	var names []string
	// The CRDs are templates (templates/crds/), so that helm upgrade upgrades them.
	for _, f := range chrt.Templates {
		if dir, name := filepath.Split(f.Name); dir == "templates/crds/" {
			names = append(names, name)
		}
	}
	return names
}

func TestBundleCRDs(t *testing.T) {
	g := NewWithT(t)
	bundle, err := BundleCRDs(crdDir)
	g.Expect(err).NotTo(HaveOccurred())
	var names []string
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(bundle)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		g.Expect(err).NotTo(HaveOccurred())
		var crd struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		g.Expect(yaml.Unmarshal(doc, &crd)).To(Succeed())
		g.Expect(crd.Kind).To(Equal("CustomResourceDefinition"))
		names = append(names, crd.Metadata.Name)
	}
	g.Expect(names).To(Equal([]string{"a2pregistrations.messaging.twilio-operator.io", "messagingservices.messaging.twilio-operator.io"}))
	for _, f := range []string{"messaging.twilio-operator.io_a2pregistrations.yaml", "messaging.twilio-operator.io_messagingservices.yaml"} {
		body := strings.TrimPrefix(string(mustRead(g, filepath.Join(crdDir, f))), "---\n")
		g.Expect(string(bundle)).To(ContainSubstring(body), "each CRD verbatim")
	}

	t.Run("anything but one CRD per file is refused", func(t *testing.T) {
		for name, content := range map[string]string{
			"not a CRD":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
			"two documents": "---\nkind: CustomResourceDefinition\n---\nkind: CustomResourceDefinition\n",
		} {
			g := NewWithT(t)
			dir := t.TempDir()
			g.Expect(os.WriteFile(filepath.Join(dir, "x.yaml"), []byte(content), 0o600)).To(Succeed())
			_, err := BundleCRDs(dir)
			g.Expect(err).To(HaveOccurred(), name)
		}
		_, err := BundleCRDs(t.TempDir())
		NewWithT(t).Expect(err).To(MatchError(ContainSubstring("no CRDs")))
	})
}

func TestWriteChecksums(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	var files []string
	for _, f := range []string{"b.tgz", "a.yaml"} {
		path := filepath.Join(dir, f)
		g.Expect(os.WriteFile(path, []byte("content of "+f), 0o600)).To(Succeed())
		files = append(files, path)
	}
	sums := filepath.Join(dir, "SHA256SUMS")
	g.Expect(WriteChecksums(sums, files)).To(Succeed())
	line := func(name string) string {
		sum := sha256.Sum256([]byte("content of " + name))
		return fmt.Sprintf("%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	g.Expect(string(mustRead(g, sums))).To(Equal(line("a.yaml") + line("b.tgz")))
}

func mustRead(g Gomega, path string) []byte {
	data, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	return data
}
