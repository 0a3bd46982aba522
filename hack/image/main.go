// Command image builds the operator's multi-architecture container image without a
// Docker engine or a registry (internal/imagebuild): `make image` runs it and writes an
// OCI image layout directory and an oci-archive tarball of it. Run it from the module
// root:
//
//	go run ./hack/image -version v0.2.0 -revision $(git rev-parse HEAD) \
//	    -layout bin/image -archive bin/twilio-operator-image.oci.tar
//
// SOURCE_DATE_EPOCH (the reproducible-builds convention; make passes the commit's time)
// fixes every timestamp in the image.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/twilio-operator/twilio-operator/internal/imagebuild"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	version := fs.String("version", "dev", "release version stamped into the binary and the image's labels, and the layout's tag")
	revision := fs.String("revision", "unknown", "full git commit the image is built from")
	platforms := fs.String("platforms", "linux/amd64,linux/arm64", "platforms of the image index")
	source := fs.String("source", imagebuild.DefaultSource, "repository URL for org.opencontainers.image.source")
	layoutDir := fs.String("layout", "bin/image", "OCI image layout directory to write (replaced)")
	archive := fs.String("archive", "", "oci-archive tarball of the layout to write too; empty: none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ps, err := imagebuild.ParsePlatforms(*platforms)
	if err != nil {
		return err
	}
	created, err := imagebuild.SourceDateEpoch(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	digest, err := imagebuild.BuildFromModule(ctx, imagebuild.ModuleBuild{
		ModuleDir: ".", Platforms: ps, Layout: *layoutDir, Archive: *archive,
		Metadata: imagebuild.Metadata{Version: *version, Revision: *revision, Source: *source,
			Licenses: imagebuild.DefaultLicenses, Created: created},
	})
	if err != nil {
		return err
	}
	fmt.Printf("%s: twilio-operator %s for %s, index %s\n", *layoutDir, *version, *platforms, digest)
	if *archive != "" {
		fmt.Printf("%s: the same as an oci-archive\n", *archive)
	}
	return nil
}
