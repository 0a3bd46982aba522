// Command release writes everything a release publishes into one directory (`make
// release` runs it from the module root; docs/release.md says how to publish each):
//
//	image/                                  the multi-architecture image, an OCI image layout tagged <version>
//	twilio-operator-image-<version>.oci.tar the same layout as an oci-archive tarball
//	image.digest                            the image index's digest, for `crane digest` checks and signing
//	twilio-operator-<chart version>.tgz     the operator chart, version and appVersion set, for `helm push … oci://`
//	twilio-operator-crds-<version>.yaml     both CRDs in one file, for `kubectl apply --server-side -f`
//	SHA256SUMS                              `sha256sum -c` of the files above
//
// The version must be v<SemVer 2> (v0.2.0, v0.2.0-rc.1): the chart version is it
// without the "v". SOURCE_DATE_EPOCH fixes every timestamp, so one commit gives the
// same files, byte for byte.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/twilio-operator/twilio-operator/internal/imagebuild"
	"github.com/twilio-operator/twilio-operator/internal/release"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

// options are the command line of a release.
type options struct {
	version, revision, source, out, platforms string
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.StringVar(&o.version, "version", "", "release version, v<SemVer 2> (required)")
	fs.StringVar(&o.revision, "revision", "unknown", "full git commit the release is built from")
	fs.StringVar(&o.source, "source", imagebuild.DefaultSource, "repository URL for the image's org.opencontainers.image.source")
	fs.StringVar(&o.out, "out", "bin/release", "directory to write the release into (replaced)")
	fs.StringVar(&o.platforms, "platforms", "linux/amd64,linux/arm64", "platforms of the image index")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return build(ctx, o)
}

func build(ctx context.Context, o options) error {
	chartVersion, err := release.ChartVersion(o.version)
	if err != nil {
		return err
	}
	platforms, err := imagebuild.ParsePlatforms(o.platforms)
	if err != nil {
		return err
	}
	created, err := imagebuild.SourceDateEpoch(os.Getenv)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(o.out); err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}

	fmt.Printf("building the image for %s (two static builds; a few minutes the first time)\n", o.platforms)
	layout := filepath.Join(o.out, "image")
	archive := filepath.Join(o.out, "twilio-operator-image-"+o.version+".oci.tar")
	digest, err := imagebuild.BuildFromModule(ctx, imagebuild.ModuleBuild{
		ModuleDir: ".", Platforms: platforms, Layout: layout, Archive: archive,
		Metadata: imagebuild.Metadata{Version: o.version, Revision: o.revision, Source: o.source,
			Licenses: imagebuild.DefaultLicenses, Created: created},
	})
	if err != nil {
		return err
	}
	digestFile := filepath.Join(o.out, "image.digest")
	if err := os.WriteFile(digestFile, []byte(digest.String()+"\n"), 0o644); err != nil {
		return err
	}

	chart, err := release.PackageChart(filepath.Join("charts", "twilio-operator"), o.out, chartVersion, o.version, created)
	if err != nil {
		return err
	}

	crds, err := release.BundleCRDs(filepath.Join("config", "crd", "bases"))
	if err != nil {
		return err
	}
	crdFile := filepath.Join(o.out, "twilio-operator-crds-"+o.version+".yaml")
	if err := os.WriteFile(crdFile, crds, 0o644); err != nil {
		return err
	}

	sums := filepath.Join(o.out, "SHA256SUMS")
	if err := release.WriteChecksums(sums, []string{archive, digestFile, chart, crdFile}); err != nil {
		return err
	}
	for _, f := range []string{layout + "/", archive, digestFile, chart, crdFile, sums} {
		fmt.Println("  ", f)
	}
	fmt.Printf("twilio-operator %s: image %s, chart %s; publish as docs/release.md says\n", o.version, digest, chartVersion)
	return nil
}
