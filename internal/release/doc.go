// Package release makes the files a release publishes besides the image
// (internal/imagebuild): the operator's Helm chart packaged at the release version,
// ready for `helm push … oci://`, the CRDs as one YAML file for `kubectl apply -f`, and
// the SHA256SUMS of them all. hack/release puts it together; docs/release.md says how a
// maintainer publishes the result.
package release
