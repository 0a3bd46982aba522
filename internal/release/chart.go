package release

import (
	"fmt"
	"time"

	"helm.sh/helm/v4/pkg/action"
)

// PackageChart packages the chart at chartDir into outDir as `helm package
// --version V --app-version A` does, and returns the archive's path
// (<name>-<version>.tgz). Every file's timestamp is mtime (the release commit's time),
// so packaging the same commit twice gives the same bytes and the same OCI digest.
// The chart's templates default the image tag to the appVersion, so the packaged chart
// installs the image of the same release.
func PackageChart(chartDir, outDir, version, appVersion string, mtime time.Time) (string, error) {
	p := action.NewPackage()
	p.Version = version
	p.AppVersion = appVersion
	p.Destination = outDir
	stamp := mtime.UTC()
	p.SourceDateEpoch = &stamp
	path, err := p.Run(chartDir, nil)
	if err != nil {
		return "", fmt.Errorf("helm package %s: %w", chartDir, err)
	}
	return path, nil
}
