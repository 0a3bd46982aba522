package imagebuild

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The defaults of a release's labels.
const (
	DefaultSource   = "https://github.com/twilio-operator/twilio-operator"
	DefaultLicenses = "Apache-2.0"
	// ManagerPackage is the operator's main package, relative to the module root.
	ManagerPackage = "./cmd/manager"
)

// ModuleBuild is one image build of the operator from its module.
type ModuleBuild struct {
	ModuleDir string // the module root (go.mod, LICENSE)
	Platforms []Platform
	Metadata  Metadata
	Layout    string // OCI image layout directory to write, replaced
	Archive   string // oci-archive tarball of it to write too; empty: none
}

// BuildFromModule compiles the operator for every platform (in a scratch directory
// removed afterwards), assembles the image index and writes it; it returns the index's
// digest, the one a registry will show for the release.
func BuildFromModule(ctx context.Context, b ModuleBuild) (v1.Hash, error) {
	work, err := os.MkdirTemp("", "twilio-operator-image-")
	if err != nil {
		return v1.Hash{}, err
	}
	defer os.RemoveAll(work)
	in, err := Prepare(ctx, b.ModuleDir, ManagerPackage, work, b.Metadata.Version, b.Metadata.Revision, b.Platforms)
	if err != nil {
		return v1.Hash{}, err
	}
	return WriteImage(in, b.Metadata, b.Layout, b.Archive)
}

// WriteImage assembles the image index from in and writes it as the layout (tagged
// with the version) and, unless archive is empty, as an oci-archive too.
func WriteImage(in Inputs, meta Metadata, layoutDir, archive string) (v1.Hash, error) {
	idx, err := Assemble(in, meta)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := WriteLayout(layoutDir, idx, meta.Version); err != nil {
		return v1.Hash{}, fmt.Errorf("writing %s: %w", layoutDir, err)
	}
	if archive != "" {
		if err := WriteArchive(layoutDir, archive, meta.Created); err != nil {
			return v1.Hash{}, fmt.Errorf("writing %s: %w", archive, err)
		}
	}
	return idx.Digest()
}

// SourceDateEpoch is the time of $SOURCE_DATE_EPOCH (seconds since 1970, the
// reproducible-builds convention; make passes the release commit's time), or 1970
// itself when unset: a fixed time either way, never the build's.
func SourceDateEpoch(getenv func(string) string) (time.Time, error) {
	s := getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds: %w", s, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}
