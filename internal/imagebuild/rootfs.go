package imagebuild

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"path"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// NonRoot is the uid and gid the operator runs as: distroless's "nonroot" user, which the
// Dockerfile's USER and the chart's runAsNonRoot rely on.
const NonRoot = 65532

// Where distroless, and so every Go program that expects a Debian-like system, finds
// these files.
const (
	CABundlePath = "/etc/ssl/certs/ca-certificates.crt"
	ZoneInfoDir  = "/usr/share/zoneinfo"
)

// The CA roots come from this Go module, pinned in go.mod: Mozilla's NSS trust store,
// which Debian's ca-certificates (distroless's source) is built from too.
const caModule = "golang.org/x/crypto/x509roots/fallback"

// passwd and group are distroless's, entry for entry (common/BUILD.bazel of
// GoogleContainerTools/distroless), so that a process, a shell in a debug container
// or a scanner sees the same names.
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group = "root:x:0:\n" +
		"nobody:x:65534:\n" +
		"tty:x:5:\n" +
		"staff:x:50:\n" +
		"nonroot:x:65532:\n"
	// Go's resolver reads "hosts:" to order /etc/hosts and DNS; without the file it
	// still does files then DNS, but glibc-minded tools and people expect it there.
	nsswitch = "passwd:         files\n" +
		"group:          files\n" +
		"hosts:          files dns\n" +
		"networks:       files\n" +
		"protocols:      files\n" +
		"services:       files\n"
)

// entry is one file or directory of a layer.
type entry struct {
	name     string // absolute path in the image
	dir      bool
	mode     int64
	uid, gid int
	body     []byte
}

// rootFS is the filesystem the operator runs on, in the order it goes into the layer.
// zoneinfoZip is the Go toolchain's lib/time/zoneinfo.zip, goVersion the toolchain that
// shipped it (for the tzdata notice).
func rootFS(zoneinfoZip []byte, goVersion string) ([]entry, error) {
	certs, caVersion, err := caBundle()
	if err != nil {
		return nil, err
	}
	zones, err := zoneInfo(zoneinfoZip)
	if err != nil {
		return nil, err
	}
	es := []entry{
		{name: "/etc/group", mode: 0o644, body: []byte(group)},
		{name: "/etc/nsswitch.conf", mode: 0o644, body: []byte(nsswitch)},
		{name: "/etc/passwd", mode: 0o644, body: []byte(passwd)},
		{name: CABundlePath, mode: 0o644, body: certs},
		{name: "/home", dir: true, mode: 0o755},
		{name: "/home/nonroot", dir: true, mode: 0o700, uid: NonRoot, gid: NonRoot},
		{name: "/root", dir: true, mode: 0o700},
		// Sticky and world-writable, as on any Linux system; the chart mounts nothing
		// here and keeps the root filesystem read-only, but tools assume it exists.
		{name: "/tmp", dir: true, mode: 0o1777},
		{name: "/usr/share/doc/ca-certificates/copyright", mode: 0o644, body: []byte(caNotice(caVersion))},
		{name: "/usr/share/doc/tzdata/copyright", mode: 0o644, body: []byte(tzNotice(goVersion))},
	}
	es = append(es, zones...)
	return withParents(es), nil
}

// caBundle is the PEM bundle of every unconstrained root of the NSS trust store, and
// the version of the module it came from. A root that NSS distrusts for certificates
// issued after a date cannot say so in a PEM file, so it is left out rather than
// trusted without its limit (Debian's ca-certificates drops such roots too, once
// their date has passed).
func caBundle() ([]byte, string, error) {
	var b bytes.Buffer
	n := 0
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		if err := pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate}); err != nil {
			return nil, "", err
		}
		n++
	}
	if n == 0 {
		return nil, "", fmt.Errorf("%s has no roots", caModule)
	}
	return b.Bytes(), moduleVersion(caModule), nil
}

// moduleVersion is the version of a dependency this program was built with.
func moduleVersion(modulePath string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == modulePath {
				if d.Replace != nil {
					d = d.Replace
				}
				return d.Version
			}
		}
	}
	return "unknown"
}

func caNotice(version string) string {
	return "The root certificates in " + CABundlePath + " are Mozilla's NSS trust store\n" +
		"(certdata.txt, https://hg.mozilla.org/projects/nss), as bundled by the Go module\n" +
		caModule + " " + version + ".\n\n" +
		"The certificate data is distributed by Mozilla under the Mozilla Public License 2.0\n" +
		"(https://mozilla.org/MPL/2.0/). The Go module's code is under the BSD 3-Clause\n" +
		"licence of the Go Authors. Roots that NSS distrusts after a date are left out.\n"
}

func tzNotice(goVersion string) string {
	return "The files under " + ZoneInfoDir + " are the IANA Time Zone Database\n" +
		"(https://www.iana.org/time-zones) as shipped by Go " + goVersion + " in lib/time/zoneinfo.zip.\n\n" +
		"The time zone database is in the public domain.\n"
}

// zoneInfo turns the toolchain's zoneinfo.zip (one compiled zone file per entry, named
// like "America/New_York") into files under ZoneInfoDir, where Go's time.LoadLocation
// and every other program look for them first.
func zoneInfo(zipData []byte) ([]entry, error) {
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		return nil, fmt.Errorf("cannot read zoneinfo.zip: %w", err)
	}
	var es []entry
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		name := path.Clean("/" + f.Name)
		if strings.Contains(f.Name, "..") || !strings.HasPrefix(name, "/") {
			return nil, fmt.Errorf("zoneinfo.zip: unexpected entry %q", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(rc, 1<<20)) // a zone file is a few KiB
		_ = rc.Close()
		if err != nil {
			return nil, fmt.Errorf("zoneinfo.zip: %s: %w", f.Name, err)
		}
		es = append(es, entry{name: ZoneInfoDir + name, mode: 0o644, body: body})
	}
	if len(es) == 0 {
		return nil, fmt.Errorf("zoneinfo.zip has no zones")
	}
	return es, nil
}

// withParents adds every missing parent directory (root-owned, 0755) and sorts the
// entries by path, so a parent always precedes its children and the layer's bytes do
// not depend on the order the entries were listed in.
func withParents(es []entry) []entry {
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.name] = true
	}
	for _, e := range es {
		for dir := path.Dir(e.name); dir != "/"; dir = path.Dir(dir) {
			if !seen[dir] {
				seen[dir] = true
				es = append(es, entry{name: dir, dir: true, mode: 0o755})
			}
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	return es
}

// layerTar writes the entries as an uncompressed tar, every timestamp at mtime.
func layerTar(es []entry, mtime time.Time) ([]byte, error) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range es {
		h := &tar.Header{
			Name:    strings.TrimPrefix(e.name, "/"),
			Mode:    e.mode,
			Uid:     e.uid,
			Gid:     e.gid,
			Uname:   userName(e.uid),
			Gname:   userName(e.gid),
			ModTime: mtime,
		}
		if e.dir {
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func userName(id int) string {
	if id == NonRoot {
		return "nonroot"
	}
	return "root"
}
