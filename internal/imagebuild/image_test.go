package imagebuild

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"debug/elf"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

const (
	testVersion  = "v0.0.0-imagetest.1"
	testRevision = "0123456789abcdef0123456789abcdef01234567"
)

var testCreated = time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)

// built is the image every test here opens: the operator compiled for both release
// architectures once, assembled, and written as a layout and an archive.
type built struct {
	moduleDir string
	layout    string
	archive   string
}

// buildOnce builds the image as `make image` does, with hack/image: in a process of
// its own, so that under `go test -race` only the test is instrumented and not the
// compression of two operator binaries.
func buildOnce(t *testing.T) built {
	t.Helper()
	moduleDir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	b := built{moduleDir: moduleDir, layout: filepath.Join(dir, "layout"), archive: filepath.Join(dir, "image.oci.tar")}
	// The build stops before the test's own deadline, so that a slow machine fails
	// with go's output rather than leaving a build running behind a timed-out test.
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-30*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "go", "run", "./hack/image", "-version", testVersion, "-revision", testRevision,
		"-layout", b.layout, "-archive", b.archive)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), fmt.Sprintf("SOURCE_DATE_EPOCH=%d", testCreated.Unix()))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./hack/image: %v\n%s", err, out)
	}
	return b
}

// TestOperatorImage opens the built image as a container runtime would, from the layout
// on disk, and checks what the Deployment and a cluster's admission rely on.
func TestOperatorImage(t *testing.T) {
	b := buildOnce(t)

	t.Run("the layout holds one tagged, valid, multi-architecture index", func(t *testing.T) {
		g := NewWithT(t)
		top := openIndex(g, b.layout)
		// Fast: manifests and configs; checkBlobs and flatten read the layers once each.
		g.Expect(validate.Index(top, validate.Fast)).To(Succeed())
		checkBlobs(g, b.layout, top)
		mt, err := top.MediaType()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(mt).To(Equal(types.OCIImageIndex))
		m, err := top.IndexManifest()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(m.Annotations).To(HaveKeyWithValue("org.opencontainers.image.version", testVersion))
		var platforms []string
		for _, d := range m.Manifests {
			g.Expect(d.MediaType).To(Equal(types.OCIManifestSchema1))
			platforms = append(platforms, d.Platform.String())
		}
		g.Expect(platforms).To(ConsistOf("linux/amd64", "linux/arm64/v8"))
	})

	for _, p := range DefaultPlatforms {
		t.Run(p.String(), func(t *testing.T) {
			g := NewWithT(t)
			img := platformOf(g, openIndex(g, b.layout), p)
			checkConfig(g, img, p)
			files := flatten(g, img)
			checkBaseFiles(g, files)
			checkBinary(g, files[Entrypoint], p)
			if p.Architecture == runtime.GOARCH {
				checkVersionRuns(t, files[Entrypoint].body)
			}
		})
	}

	t.Run("the host architecture's binary is in the image", func(t *testing.T) {
		g := NewWithT(t)
		var archs []string
		for _, p := range DefaultPlatforms {
			archs = append(archs, p.Architecture)
		}
		g.Expect(archs).To(ContainElement(runtime.GOARCH), "the test runs the binary of the host's architecture")
	})

	t.Run("the root filesystem layer is one blob for every architecture", func(t *testing.T) {
		g := NewWithT(t)
		idx := openIndex(g, b.layout)
		var bases []v1.Hash
		for _, p := range DefaultPlatforms {
			layers, err := platformOf(g, idx, p).Layers()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(layers).To(HaveLen(2), "root filesystem, then the binary")
			d, err := layers[0].Digest()
			g.Expect(err).NotTo(HaveOccurred())
			bases = append(bases, d)
		}
		g.Expect(bases[1]).To(Equal(bases[0]))
	})

	t.Run("the same inputs give the same digest", func(t *testing.T) {
		g := NewWithT(t)
		// Small stand-ins for the binaries: what is checked is that assembling adds
		// nothing of its own time or order (Go's -trimpath build is reproducible by
		// itself, and make release's output was checked to be).
		in := smallInputs(t, b.moduleDir, "operator")
		meta := Metadata{Version: testVersion, Revision: testRevision, Source: DefaultSource, Licenses: DefaultLicenses, Created: testCreated}
		first, err := Assemble(in, meta)
		g.Expect(err).NotTo(HaveOccurred())
		want, err := first.Digest()
		g.Expect(err).NotTo(HaveOccurred())
		again, err := Assemble(in, meta)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(again.Digest()).To(Equal(want))

		later := meta
		later.Created = later.Created.Add(time.Second)
		moved, err := Assemble(in, later)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(moved.Digest()).NotTo(Equal(want), "the timestamp is part of the image: the check can fail")
		other, err := Assemble(smallInputs(t, b.moduleDir, "another operator"), meta)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(other.Digest()).NotTo(Equal(want), "so is the binary")
	})

	t.Run("the archive is the layout, file for file", func(t *testing.T) {
		g := NewWithT(t)
		inArchive := map[string][]byte{}
		f, err := os.Open(b.archive)
		g.Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(h.ModTime.Equal(testCreated)).To(BeTrue(), h.Name)
			if h.Typeflag == tar.TypeReg {
				inArchive[h.Name], err = io.ReadAll(tr)
				g.Expect(err).NotTo(HaveOccurred())
			}
		}
		inLayout := map[string][]byte{}
		g.Expect(filepath.Walk(b.layout, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(b.layout, path)
			inLayout[filepath.ToSlash(rel)], err = os.ReadFile(path)
			return err
		})).To(Succeed())
		g.Expect(inArchive).To(HaveKey("oci-layout"))
		g.Expect(inArchive).To(HaveKey("index.json"))
		g.Expect(inArchive).To(Equal(inLayout))
	})

	t.Run("the layout pushes to a registry as one tagged index", func(t *testing.T) {
		g := NewWithT(t)
		// An in-process registry on loopback stands in for ghcr.io: the same push that
		// `crane push --index` or `skopeo copy oci:…` does for docs/release.md.
		srv := httptest.NewServer(registry.New(registry.Logger(stdlog.New(io.Discard, "", 0))))
		defer srv.Close()
		ref, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://") + "/twilio-operator/twilio-operator:" + testVersion)
		g.Expect(err).NotTo(HaveOccurred())
		local := openIndex(g, b.layout)
		g.Expect(remote.WriteIndex(ref, local)).To(Succeed())
		pushed, err := remote.Index(ref)
		g.Expect(err).NotTo(HaveOccurred())
		want, err := local.Digest()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(pushed.Digest()).To(Equal(want))
		arm, err := remote.Image(ref, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "arm64"}))
		g.Expect(err).NotTo(HaveOccurred(), "a node of either architecture finds its image")
		cfg, err := arm.ConfigFile()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(cfg.Architecture).To(Equal("arm64"))
	})
}

// smallInputs are Inputs whose binaries hold only content, for both platforms.
func smallInputs(t *testing.T, moduleDir, content string) Inputs {
	t.Helper()
	zoneinfo, goVersion, err := ToolchainZoneInfo(context.Background(), moduleDir)
	if err != nil {
		t.Fatal(err)
	}
	in := Inputs{ZoneInfoZip: zoneinfo, GoVersion: goVersion, License: []byte("Apache License")}
	dir := t.TempDir()
	for _, p := range DefaultPlatforms {
		path := filepath.Join(dir, p.Architecture)
		if err := os.WriteFile(path, []byte(content+" for "+p.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		in.Binaries = append(in.Binaries, Binary{Platform: p, Path: path})
	}
	return in
}

// openIndex reads the layout from disk, as `crane push` or skopeo would, and returns
// its only entry, checking it is tagged with the version.
func openIndex(g Gomega, dir string) v1.ImageIndex {
	l, err := layout.ImageIndexFromPath(dir)
	g.Expect(err).NotTo(HaveOccurred())
	m, err := l.IndexManifest()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(m.Manifests).To(HaveLen(1), "one entry: the multi-architecture index")
	g.Expect(m.Manifests[0].Annotations).To(HaveKeyWithValue(RefNameAnnotation, testVersion))
	idx, err := l.ImageIndex(m.Manifests[0].Digest)
	g.Expect(err).NotTo(HaveOccurred())
	return idx
}

func platformOf(g Gomega, idx v1.ImageIndex, p Platform) v1.Image {
	m, err := idx.IndexManifest()
	g.Expect(err).NotTo(HaveOccurred())
	for _, d := range m.Manifests {
		if d.Platform.OS == p.OS && d.Platform.Architecture == p.Architecture {
			img, err := idx.Image(d.Digest)
			g.Expect(err).NotTo(HaveOccurred())
			return img
		}
	}
	g.Expect(m.Manifests).To(BeEmpty(), "no image for %s", p)
	return nil
}

func checkConfig(g Gomega, img v1.Image, p Platform) {
	cfg, err := img.ConfigFile()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.OS).To(Equal(p.OS))
	g.Expect(cfg.Architecture).To(Equal(p.Architecture))
	g.Expect(cfg.Variant).To(Equal(p.Variant))
	g.Expect(cfg.RootFS.Type).To(Equal("layers"))
	layers, err := img.Layers()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.RootFS.DiffIDs).To(HaveLen(len(layers)), "one diff ID per layer, as runtimes check")
	g.Expect(cfg.Config.User).To(Equal("65532:65532"), "non-root, numeric: runAsNonRoot can check it")
	g.Expect(cfg.Config.Entrypoint).To(Equal([]string{"/manager"}))
	g.Expect(cfg.Config.Cmd).To(BeEmpty())
	g.Expect(cfg.Config.WorkingDir).To(Equal("/"))
	g.Expect(cfg.Config.Env).To(ContainElement("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"))
	g.Expect(cfg.Created.Time.Equal(testCreated)).To(BeTrue(), "the fixed timestamp, not the build's")
	for _, h := range cfg.History {
		g.Expect(h.Created.Time.Equal(testCreated)).To(BeTrue())
	}
	wantLabels := map[string]string{
		"org.opencontainers.image.version":  testVersion,
		"org.opencontainers.image.revision": testRevision,
		"org.opencontainers.image.source":   "https://github.com/twilio-operator/twilio-operator",
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.created":  "2026-05-04T03:02:01Z",
	}
	manifest, err := img.Manifest()
	g.Expect(err).NotTo(HaveOccurred())
	for k, v := range wantLabels {
		g.Expect(cfg.Config.Labels).To(HaveKeyWithValue(k, v))
		g.Expect(manifest.Annotations).To(HaveKeyWithValue(k, v))
	}
}

// file is one entry of the flattened filesystem.
type file struct {
	header *tar.Header
	body   []byte
}

// flatten reads the image's filesystem as a runtime unpacks it, each layer applied
// over the ones before (the image has no whiteouts), and checks on the way that each
// layer's uncompressed bytes hash to the diff ID its config lists, as a runtime does.
func flatten(g Gomega, img v1.Image) map[string]file {
	cfg, err := img.ConfigFile()
	g.Expect(err).NotTo(HaveOccurred())
	layers, err := img.Layers()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.RootFS.DiffIDs).To(HaveLen(len(layers)), "one diff ID per layer")
	files := map[string]file{}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		g.Expect(err).NotTo(HaveOccurred())
		h := sha256.New()
		tr := tar.NewReader(io.TeeReader(rc, h))
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(hdr.ModTime.Equal(testCreated)).To(BeTrue(), "%s has the fixed timestamp", hdr.Name)
			body, err := io.ReadAll(tr)
			g.Expect(err).NotTo(HaveOccurred())
			files["/"+strings.TrimSuffix(hdr.Name, "/")] = file{header: hdr, body: body}
		}
		_, err = io.Copy(h, rc) // the tar's end-of-archive padding
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(rc.Close()).To(Succeed())
		g.Expect("sha256:"+hex.EncodeToString(h.Sum(nil))).To(Equal(cfg.RootFS.DiffIDs[i].String()), "layer %d's diff ID", i)
	}
	return files
}

// checkBlobs checks that every blob of the layout hashes to its name, and that every
// descriptor of the index, its manifests and their configs and layers points at a blob
// of the size it says: what a registry checks when the layout is pushed.
func checkBlobs(g Gomega, dir string, top v1.ImageIndex) {
	blobs := filepath.Join(dir, "blobs", "sha256")
	entries, err := os.ReadDir(blobs)
	g.Expect(err).NotTo(HaveOccurred())
	sizes := map[string]int64{}
	for _, e := range entries {
		f, err := os.Open(filepath.Join(blobs, e.Name()))
		g.Expect(err).NotTo(HaveOccurred())
		h := sha256.New()
		n, err := io.Copy(h, f)
		_ = f.Close()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(hex.EncodeToString(h.Sum(nil))).To(Equal(e.Name()))
		sizes["sha256:"+e.Name()] = n
	}
	expect := func(d v1.Descriptor) {
		g.Expect(sizes).To(HaveKeyWithValue(d.Digest.String(), d.Size), "a blob for %s", d.Digest)
	}
	m, err := top.IndexManifest()
	g.Expect(err).NotTo(HaveOccurred())
	for _, d := range m.Manifests {
		expect(d)
		img, err := top.Image(d.Digest)
		g.Expect(err).NotTo(HaveOccurred())
		im, err := img.Manifest()
		g.Expect(err).NotTo(HaveOccurred())
		expect(im.Config)
		for _, l := range im.Layers {
			expect(l)
		}
	}
}

// checkBaseFiles checks what distroless static:nonroot gives a Go program.
func checkBaseFiles(g Gomega, files map[string]file) {
	g.Expect(files).To(HaveKey("/etc/passwd"))
	passwd := string(files["/etc/passwd"].body)
	g.Expect(strings.Split(strings.TrimSpace(passwd), "\n")).To(ConsistOf(
		"root:x:0:0:root:/root:/sbin/nologin",
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin",
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin",
	))
	g.Expect(files).To(HaveKey("/etc/group"))
	g.Expect(string(files["/etc/group"].body)).To(ContainSubstring("\nnonroot:x:65532:\n"))
	g.Expect(string(files["/etc/group"].body)).To(HavePrefix("root:x:0:\n"))

	home := files["/home/nonroot"].header
	g.Expect(home).NotTo(BeNil())
	g.Expect(home.Typeflag).To(BeEquivalentTo(tar.TypeDir))
	g.Expect([]int{home.Uid, home.Gid, int(home.Mode)}).To(Equal([]int{65532, 65532, 0o700}))
	tmp := files["/tmp"].header
	g.Expect(tmp).NotTo(BeNil())
	g.Expect(tmp.Typeflag).To(BeEquivalentTo(tar.TypeDir))
	g.Expect(tmp.Mode).To(BeEquivalentTo(0o1777))

	// Every certificate of the bundle parses, and widely used roots are there
	// (DigiCert's, Let's Encrypt's).
	g.Expect(files).To(HaveKey(CABundlePath))
	var subjects []string
	rest := files[CABundlePath].body
	for len(rest) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		g.Expect(block).NotTo(BeNil(), "nothing but PEM certificates")
		cert, err := x509.ParseCertificate(block.Bytes)
		g.Expect(err).NotTo(HaveOccurred())
		subjects = append(subjects, cert.Subject.CommonName)
	}
	g.Expect(len(subjects)).To(BeNumerically(">", 100))
	g.Expect(subjects).To(ContainElements("DigiCert Global Root G2", "ISRG Root X1"))
	g.Expect(files).To(HaveKey("/usr/share/doc/ca-certificates/copyright"))

	ny := files[ZoneInfoDir+"/America/New_York"]
	g.Expect(ny.body).NotTo(BeEmpty())
	loc, err := time.LoadLocationFromTZData("America/New_York", ny.body)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(time.Date(2026, 1, 15, 12, 0, 0, 0, loc).Format("MST")).To(Equal("EST"))
	g.Expect(files).To(HaveKey(ZoneInfoDir + "/UTC"))

	g.Expect(files).To(HaveKey("/usr/share/doc/twilio-operator/LICENSE"))
	g.Expect(string(files["/usr/share/doc/twilio-operator/LICENSE"].body)).To(ContainSubstring("Apache License"))
	for path, f := range files {
		if path == "/home/nonroot" {
			continue
		}
		g.Expect([]int{f.header.Uid, f.header.Gid}).To(Equal([]int{0, 0}), "%s is root's", path)
	}
}

// checkBinary checks the binary is executable, of the platform's architecture, and
// static (no program interpreter: nothing in the image could load shared libraries).
func checkBinary(g Gomega, f file, p Platform) {
	g.Expect(f.header).NotTo(BeNil(), "/manager is in the image")
	g.Expect(f.header.Mode).To(BeEquivalentTo(0o755))
	bin, err := elf.NewFile(bytes.NewReader(f.body))
	g.Expect(err).NotTo(HaveOccurred())
	wantMachine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[p.Architecture]
	g.Expect(bin.Machine).To(Equal(wantMachine))
	for _, prog := range bin.Progs {
		g.Expect(prog.Type).NotTo(Equal(elf.PT_INTERP), "statically linked")
	}
}

// checkVersionRuns runs the binary taken out of the image, as the container would, with
// --version.
func checkVersionRuns(t *testing.T, body []byte) {
	g := NewWithT(t)
	path := filepath.Join(t.TempDir(), "manager")
	g.Expect(os.WriteFile(path, body, 0o755)).To(Succeed())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "--version exits 0: %s", out)
	g.Expect(string(out)).To(Equal("twilio-operator " + testVersion + " (commit " + testRevision + ", " +
		runtime.Version() + ", linux/" + runtime.GOARCH + ")\n"))
}
