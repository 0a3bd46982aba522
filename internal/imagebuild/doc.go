// Package imagebuild builds the operator's container image with the Go toolchain alone:
// no Docker engine, no registry and no base image to pull. It cross-compiles
// cmd/manager for each platform, lays it over a root filesystem that it assembles
// itself with what gcr.io/distroless/static:nonroot (the Dockerfile's base) gives a Go
// program (CA roots, time zones, passwd and group with the nonroot user, /tmp,
// /home/nonroot), and writes a multi-architecture OCI image index into an OCI image
// layout directory and an oci-archive tarball of it.
//
// The result is reproducible: every timestamp is the one given (the release commit's
// time), every file is owned and ordered the same way, so the same sources and
// toolchain give the same digests. docs/release.md says how it is published, and
// how its contents differ from distroless's.
package imagebuild
