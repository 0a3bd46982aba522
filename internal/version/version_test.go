package version

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestResolve(t *testing.T) {
	build := func(mainVersion string, settings ...debug.BuildSetting) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{Main: debug.Module{Path: "github.com/twilio-operator/twilio-operator", Version: mainVersion}, Settings: settings}, true
		}
	}
	noBuildInfo := func() (*debug.BuildInfo, bool) { return nil, false }
	revision := debug.BuildSetting{Key: "vcs.revision", Value: "60cafd0a1b2c"}
	tests := map[string]struct {
		version, commit string
		readBuildInfo   func() (*debug.BuildInfo, bool)
		wantVersion     string
		wantCommit      string
	}{
		"the linker's values win over the build info": {
			version: "v0.2.0", commit: "abc123", readBuildInfo: build("v9.9.9", revision),
			wantVersion: "v0.2.0", wantCommit: "abc123",
		},
		"go install …@version records the module version": {
			readBuildInfo: build("v0.3.1"), wantVersion: "v0.3.1", wantCommit: "unknown",
		},
		"a build in a checkout is dev, at the checkout's revision": {
			readBuildInfo: build("(devel)", revision), wantVersion: "dev", wantCommit: "60cafd0a1b2c",
		},
		"uncommitted changes mark the revision dirty": {
			readBuildInfo: build("(devel)", revision, debug.BuildSetting{Key: "vcs.modified", Value: "true"}),
			wantVersion:   "dev", wantCommit: "60cafd0a1b2c-dirty",
		},
		"a clean checkout is not dirty": {
			readBuildInfo: build("", revision, debug.BuildSetting{Key: "vcs.modified", Value: "false"}),
			wantVersion:   "dev", wantCommit: "60cafd0a1b2c",
		},
		"no build info at all": {readBuildInfo: noBuildInfo, wantVersion: "dev", wantCommit: "unknown"},
		"only the version stamped": {
			version: "v1.0.0", readBuildInfo: build("(devel)", revision), wantVersion: "v1.0.0", wantCommit: "60cafd0a1b2c",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			v, c := resolve(tc.version, tc.commit, tc.readBuildInfo)
			g.Expect(v).To(Equal(tc.wantVersion))
			g.Expect(c).To(Equal(tc.wantCommit))
		})
	}
}

func TestStringNamesTheBuild(t *testing.T) {
	g := NewWithT(t)
	g.Expect(String()).To(Equal("twilio-operator " + Version + " (commit " + Commit + ", " + runtime.Version() + ", " +
		runtime.GOOS + "/" + runtime.GOARCH + ")"))
	g.Expect(Version).NotTo(BeEmpty(), "init fills in an unstamped build")
	g.Expect(Commit).NotTo(BeEmpty(), "init fills in an unstamped build")
}

func TestBuildInfoCollector(t *testing.T) {
	g := NewWithT(t)
	reg := prometheus.NewPedanticRegistry()
	g.Expect(reg.Register(NewBuildInfoCollector())).To(Succeed())
	want := `# HELP twilio_operator_build_info The operator's build: version, git revision and Go version in the labels; always 1.
# TYPE twilio_operator_build_info gauge
twilio_operator_build_info{goversion="` + runtime.Version() + `",revision="` + Commit + `",version="` + Version + `"} 1
`
	g.Expect(testutil.GatherAndCompare(reg, strings.NewReader(want), BuildInfoMetric)).To(Succeed())
}
