package release

import (
	"fmt"
	"strconv"
	"time"

	"github.com/Masterminds/semver/v3"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
)

// prereleaseAnnotation tells Artifact Hub to list a chart version as a pre-release.
const prereleaseAnnotation = "artifacthub.io/prerelease"

// PackageChart packages the chart at chartDir into outDir as `helm package
// --version V --app-version A` does, and returns the archive's path
// (<name>-<version>.tgz). Every file's timestamp is mtime (the release commit's time),
// so packaging the same commit twice gives the same bytes and the same OCI digest.
// The chart's templates default the image tag to the appVersion, so the packaged chart
// installs the image of the same release. The chart's artifacthub.io/prerelease
// annotation follows the version (true for v0.2.0-rc.1, false for v0.2.0), so a release
// candidate is never listed as the latest stable chart by a forgotten hand edit.
func PackageChart(chartDir, outDir, version, appVersion string, mtime time.Time) (string, error) {
	v, err := semver.StrictNewVersion(version)
	if err != nil {
		return "", fmt.Errorf("chart version %q is not SemVer 2: %w", version, err)
	}
	// The steps of Helm's `helm package` (action.Package), with the annotation set
	// between loading and saving; the chart has no dependencies to check.
	chrt, err := loader.LoadDir(chartDir)
	if err != nil {
		return "", fmt.Errorf("load chart %s: %w", chartDir, err)
	}
	chrt.Metadata.Version = version
	chrt.Metadata.AppVersion = appVersion
	if chrt.Metadata.Annotations == nil {
		chrt.Metadata.Annotations = map[string]string{}
	}
	chrt.Metadata.Annotations[prereleaseAnnotation] = strconv.FormatBool(v.Prerelease() != "")
	if err := chrt.Validate(); err != nil {
		return "", fmt.Errorf("chart %s: %w", chartDir, err)
	}
	chrt.StampModTimes(mtime.UTC())
	path, err := chartutil.Save(chrt, outDir)
	if err != nil {
		return "", fmt.Errorf("package chart %s: %w", chartDir, err)
	}
	return path, nil
}
