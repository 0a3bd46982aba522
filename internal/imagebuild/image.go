package imagebuild

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Entrypoint is where the operator binary sits in the image, as in the Dockerfile (the
// chart's Deployment runs `command: [/manager]`).
const Entrypoint = "/manager"

// User is the image's USER, as in the Dockerfile: numeric, so that Kubernetes can
// check runAsNonRoot without reading /etc/passwd.
var User = fmt.Sprintf("%d:%d", NonRoot, NonRoot)

// Metadata describes the release in the image's OCI annotations and labels.
type Metadata struct {
	Version  string    // org.opencontainers.image.version, e.g. "v0.2.0"
	Revision string    // org.opencontainers.image.revision, the full git commit
	Source   string    // org.opencontainers.image.source, the repository URL
	Licenses string    // org.opencontainers.image.licenses, an SPDX expression
	Created  time.Time // org.opencontainers.image.created and every timestamp in the image
}

// annotations are the OCI pre-defined annotation keys of m; the same map is each
// image's config labels (what `docker inspect` shows) and its manifest's and the
// index's annotations (what registries show).
func (m Metadata) annotations() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "twilio-operator",
		"org.opencontainers.image.description": "Kubernetes operator for Twilio Messaging Services and A2P 10DLC registrations",
		"org.opencontainers.image.version":     m.Version,
		"org.opencontainers.image.revision":    m.Revision,
		"org.opencontainers.image.source":      m.Source,
		"org.opencontainers.image.licenses":    m.Licenses,
		"org.opencontainers.image.created":     m.Created.UTC().Format(time.RFC3339),
	}
}

// Inputs are the files the image is assembled from.
type Inputs struct {
	Binaries    []Binary
	ZoneInfoZip []byte // the Go toolchain's lib/time/zoneinfo.zip
	GoVersion   string // the toolchain that built the binaries, for the notices
	License     []byte // the operator's LICENSE, shipped at /usr/share/doc/twilio-operator/LICENSE
}

// Assemble builds the image index: one image per binary, each a shared root filesystem
// layer (the same blob for every architecture) under a layer holding only the binary.
func Assemble(in Inputs, meta Metadata) (v1.ImageIndex, error) {
	if len(in.Binaries) == 0 {
		return nil, fmt.Errorf("no binaries to assemble")
	}
	created := meta.Created.UTC().Truncate(time.Second)
	fs, err := rootFS(in.ZoneInfoZip, in.GoVersion)
	if err != nil {
		return nil, err
	}
	fs = withParents(append(fs, entry{name: "/usr/share/doc/twilio-operator/LICENSE", mode: 0o644, body: in.License}))
	base, err := layer(fs, created)
	if err != nil {
		return nil, fmt.Errorf("root filesystem layer: %w", err)
	}
	anns := meta.annotations()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, bin := range in.Binaries {
		img, err := platformImage(base, bin, created, anns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", bin.Platform, err)
		}
		p := bin.Platform
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}},
		})
	}
	return mutate.Annotations(idx, anns).(v1.ImageIndex), nil
}

// platformImage is the image of one binary: the base layer, the binary's layer, and
// the Dockerfile's configuration (USER 65532:65532, ENTRYPOINT ["/manager"], WORKDIR /)
// with distroless's environment.
func platformImage(base v1.Layer, bin Binary, created time.Time, anns map[string]string) (v1.Image, error) {
	body, err := os.ReadFile(bin.Path)
	if err != nil {
		return nil, err
	}
	app, err := layer([]entry{{name: Entrypoint, mode: 0o755, body: body}}, created)
	if err != nil {
		return nil, fmt.Errorf("binary layer: %w", err)
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: bin.Platform.Architecture,
		OS:           bin.Platform.OS,
		Variant:      bin.Platform.Variant,
		// Container runtimes (containerd among them) refuse any other type.
		RootFS: v1.RootFS{Type: "layers"},
		Config: v1.Config{
			User:       User,
			Entrypoint: []string{Entrypoint},
			WorkingDir: "/",
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"SSL_CERT_FILE=" + CABundlePath,
			},
			Labels: anns,
		},
	})
	if err != nil {
		return nil, err
	}
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, History: v1.History{Created: v1.Time{Time: created},
			CreatedBy: "imagebuild: root filesystem (CA roots, tzdata, passwd, group, /tmp, /home/nonroot)"}},
		mutate.Addendum{Layer: app, History: v1.History{Created: v1.Time{Time: created},
			CreatedBy: "imagebuild: COPY manager " + Entrypoint}},
	)
	if err != nil {
		return nil, err
	}
	if img, err = mutate.CreatedAt(img, v1.Time{Time: created}); err != nil {
		return nil, err
	}
	return mutate.Annotations(img, anns).(v1.Image), nil
}

// layer is a gzip-compressed OCI layer of the entries. The compressed bytes are kept,
// so that its digest and what is written are the same single compression.
func layer(es []entry, mtime time.Time) (v1.Layer, error) {
	raw, err := layerTar(es, mtime)
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil },
		tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.DefaultCompression), tarball.WithCompressedCaching)
}
