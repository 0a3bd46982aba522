package selfcontained

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// thisFile holds the examples below, which name outside paths on purpose; the scan of
// the repository skips it and nothing else.
const thisFile = "test/selfcontained/scan_test.go"

// skipped are files that are data copied verbatim from elsewhere, not the project's
// own words: Twilio's specs, and go.sum.
var skipped = []string{"third_party/", "go.sum"}

func TestScanRules(t *testing.T) {
	cases := map[string]struct {
		file, text string
		want       int
	}{
		"a path to the folder beside the clone":       {"Makefile", "cat ../sibling/twilio-oai/x.json", 1},
		"a relative path that stays inside":           {"controllers/suite_test.go", `x := "../config/crd/bases"`, 0},
		"a relative path that climbs from deep down":  {"test/faults/x.go", `"../../../outside"`, 1},
		"a relative path to the root from deep down":  {"test/faults/x.go", `"../../go.mod"`, 0},
		"a markdown link inside the docs":             {"docs/api.md", "[c](conditions.md) [r](../README.md)", 0},
		"a markdown link out of the repository":       {"docs/api.md", "[d](../../sibling/design/api.md)", 1},
		"a Join from a literal that stays inside":     {"controllers/suite_test.go", goFile(`filepath.Join("..", "config", "crd")`), 0},
		"a Join from the root that climbs out":        {"internal/twilioemu/c_test.go", goFile(`filepath.Join(dir, "..", "sibling", "twilio-oai")`), 1},
		"a Join from the root that stays inside":      {"internal/twilioemu/c_test.go", goFile(`filepath.Join(dir, "third_party", "twilio-oai")`), 0},
		"a Join from a literal that climbs out":       {"test/faults/x.go", goFile(`filepath.Join("..", "..", "..", "x")`), 1},
		"a home directory":                            {"hack/x.sh", `cp x /home/dev/bin`, 1},
		"a work directory":                            {"README.md", "see /work/main/x", 1},
		"the project's cache under the home folder":   {"README.md", "cached in `~/.cache/twilio-operator/envtest`", 0},
		"another place under the home folder":         {"hack/x.sh", `cp x $HOME/bin/`, 1},
		"kubectl's configuration":                     {"docs/q.md", "export KUBECONFIG=~/.kube/config", 0},
		"temporary files, /usr/bin and /etc":          {"hack/x.sh", "/usr/bin/kubectl /tmp/x /etc/ssl/certs /dev/null", 0},
		"the Go toolchain":                            {"Dockerfile", "ENV PATH=/usr/local/go/bin", 0},
		"URLs and Twilio paths are not files":         {"docs/api.md", "https://example.com/home/x GET /v1/Services/{Sid}", 0},
		"a kube-apiserver path is not a file":         {"docs/api.md", "/apis/messaging.twilio-operator.io/v1alpha1", 0},
		"a program installed by hand on one machine":  {".ci/run", "/opt/tools/helm version", 1},
		"another machine's software under /usr/local": {".ci/run", "/usr/local/bin/helm", 1},
		"the image's nonroot home in passwd":          {"internal/imagebuild/rootfs.go", `"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"`, 0},
		"the image's PATH":                            {"internal/imagebuild/image.go", `"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"`, 0},
		"the image's root and home directories":       {"docs/release.md", "`/home/nonroot` (0700), `/root` (0700)", 0},
		"a file under root's home":                    {"hack/x.sh", "ls /root/go/pkg/mod", 1},
		"a PATH with one machine's directory":         {"hack/x.sh", "PATH=/usr/bin:/opt/tools/bin", 1},
		"a user's home beside the image's":            {"hack/x.sh", "cp x /home/nonroot/bin", 1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := Scan(c.file, []byte(c.text))
			if len(got) != c.want {
				t.Errorf("Scan(%q, %q) = %v, want %d findings", c.file, c.text, got, c.want)
			}
		})
	}
}

// goFile wraps an expression into a Go file.
func goFile(expr string) string {
	return "package x\n\nimport \"path/filepath\"\n\nvar dir string\n\nvar _ = " + expr + "\n"
}

// TestRepositoryIsSelfContained scans every file of the repository: a fresh clone has
// nothing beside it, so nothing may refer outside it.
func TestRepositoryIsSelfContained(t *testing.T) {
	root := repoRoot(t)
	var findings []Finding
	for _, name := range repoFiles(t, root) {
		if name == thisFile || slices.ContainsFunc(skipped, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, not committed yet
			}
			t.Fatal(err)
		}
		if bytes.IndexByte(data, 0) >= 0 {
			continue // binary
		}
		findings = append(findings, Scan(name, data)...)
	}
	for _, f := range findings {
		t.Errorf("%s", f)
	}
}

// repoRoot is the directory holding go.mod.
func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// repoFiles lists the repository's files, relative to root with / separators: the
// files git tracks plus new ones it does not ignore, or every file but .git and bin
// where git is not available (a source archive).
func repoFiles(t *testing.T, root string) []string {
	cmd := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		return strings.Fields(string(out))
	}
	var names []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && (rel == ".git" || rel == "bin") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
