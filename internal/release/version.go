package release

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// ChartVersion is the chart version of a release: the release version without its
// leading "v" ("v0.2.0" gives "0.2.0"), which Helm and OCI registries need to be
// SemVer 2 (`helm push` makes it the tag, "+" spelt "_"). The appVersion, the image
// tag and the binary's --version keep the release version as it is given.
func ChartVersion(releaseVersion string) (string, error) {
	v := strings.TrimPrefix(releaseVersion, "v")
	if _, err := semver.StrictNewVersion(v); err != nil {
		return "", fmt.Errorf("release version %q is not v<SemVer 2> (e.g. v0.2.0, v0.2.0-rc.1): %w", releaseVersion, err)
	}
	return v, nil
}
