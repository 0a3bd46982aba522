#!/usr/bin/env bash
# setup-envtest.sh provides envtest's control plane (kube-apiserver and etcd) without any
# download site: both are built from pinned Go modules fetched through the Go module proxy,
# the only network this project's CI can reach. The binaries are cached per version outside
# the repository, so every clone on the machine reuses one build (10 to 16 minutes on
# 2 cores the first time, most of it downloading and compiling k8s.io/kubernetes;
# instant afterwards). Progress is printed every 20 seconds on stderr.
#
# Usage: hack/setup-envtest.sh        prints the KUBEBUILDER_ASSETS directory on stdout
#
# Environment:
#   ENVTEST_K8S_VERSION   Kubernetes version of kube-apiserver (default 1.37.2; make test-compat
#                         builds the oldest supported, COMPAT_K8S_VERSION in the Makefile)
#   ENVTEST_ETCD_VERSION  etcd version (default 3.6.16)
#   ENVTEST_CACHE_DIR     cache root (default ${XDG_CACHE_HOME:-~/.cache}/twilio-operator/envtest)
set -euo pipefail

k8s_version=${ENVTEST_K8S_VERSION:-1.37.2}
etcd_version=${ENVTEST_ETCD_VERSION:-3.6.16}
cache_root=${ENVTEST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/twilio-operator/envtest}
assets="$cache_root/k8s-$k8s_version-etcd-$etcd_version"

log() { echo "setup-envtest: $*" >&2; }
here=$(cd "$(dirname "$0")" && pwd)
progress() { "$here/with-progress.sh" "setup-envtest: $1" "$2" "${@:3}"; }

minor=${k8s_version#*.}
minor=${minor%%.*}
# The API server's /version must name its release: the chart's kubeVersion and the tests
# read it. Kubernetes' release build stamps two copies of the version: component-base's
# (kube-apiserver --version; /version in recent releases) and client-go's, which older
# releases' aggregator serves as /version (1.27's does). A plain `go build` leaves both
# at v0.0.0-master.
stamps=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamps+=" -X $pkg.gitVersion=v$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
# A cached control plane is reused only if it was built the way this script builds it
# now: one built with other flags (an older script's) is rebuilt, not trusted.
recipe="kube-apiserver v$k8s_version -tags providerless -trimpath -ldflags '-s -w$stamps'; etcd v$etcd_version"
cached() {
  [[ -x "$assets/kube-apiserver" && -x "$assets/etcd" && -f "$assets/recipe" ]] &&
    [[ "$(cat "$assets/recipe")" == "$recipe" ]]
}

if cached; then
  echo "$assets"
  exit 0
fi

mkdir -p "$cache_root"
# One build at a time per cache: a second clone waits for the first instead of racing it.
exec 9>"$cache_root/.lock"
flock 9
if cached; then
  echo "$assets"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
staging="$assets.partial"
rm -rf "$staging"
mkdir -p "$staging"

export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off

build_kube_apiserver() {
  # k8s.io/kubernetes points its staging modules (k8s.io/api, k8s.io/client-go, …) at
  # ./staging, which does not exist in the module zip. Replace each with the published
  # v0.<minor>.<patch> release of the same code.
  local dir="$work/kube-apiserver"
  mkdir -p "$dir"
  local modfile
  modfile=$(cd "$dir" && printf 'module envtest/kubeapiserver\n\ngo 1.26\n' >go.mod &&
    go mod download -json "k8s.io/kubernetes@v$k8s_version" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  {
    printf 'module envtest/kubeapiserver\n\ngo 1.26\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$k8s_version"
    sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 v0.'"${k8s_version#*.}"'#p' "$modfile"
    printf ')\n'
  } >"$dir/go.mod"
  # providerless is Kubernetes' own build tag for leaving out the in-tree cloud providers,
  # which envtest never uses: before 1.31 they import k8s.io/legacy-cloud-providers, a
  # module the Go module proxy does not serve for every release.
  (cd "$dir" && progress "downloading the modules of kube-apiserver v$k8s_version" "3-6 min" \
     go get -tags providerless "k8s.io/kubernetes/cmd/kube-apiserver@v$k8s_version" &&
   progress "compiling kube-apiserver v$k8s_version" "5-8 min on 2 cores" go build -tags providerless -trimpath -o "$staging/kube-apiserver" \
      -ldflags "-s -w$stamps" \
      k8s.io/kubernetes/cmd/kube-apiserver)
}

build_etcd() {
  # etcd does not depend on the Kubernetes version: reuse the binary of another finished
  # control plane with the same etcd (make test-compat's second API server shares the first's).
  local built
  for built in "$cache_root"/k8s-*-etcd-"$etcd_version"/etcd; do
    if [[ -x "$built" ]]; then
      log "reusing etcd v$etcd_version from $(dirname "$built")"
      cp "$built" "$staging/etcd"
      return
    fi
  done
  local dir="$work/etcd"
  mkdir -p "$dir"
  printf 'module envtest/etcd\n\ngo 1.26\n' >"$dir/go.mod"
  (cd "$dir" && progress "downloading the modules of etcd v$etcd_version" "1-2 min" \
     go get "go.etcd.io/etcd/server/v3@v$etcd_version" &&
   progress "compiling etcd v$etcd_version" "1-2 min" go build -trimpath -o "$staging/etcd" -ldflags "-s -w" go.etcd.io/etcd/server/v3)
}

log "building the test control plane once for this machine (10-16 min on 2 cores; reused by every clone)"
build_etcd
build_kube_apiserver
echo "$recipe" >"$staging/recipe"
rm -rf "$assets"
mv "$staging" "$assets"
log "control plane ready in $assets"
echo "$assets"
