// Package version is the operator's own version and source revision, stamped into the
// binary at build time, so that a running operator (its --version, its Twilio
// User-Agent and its twilio_operator_build_info metric) says which release it is.
//
// A release build sets both with the linker:
//
//	go build -ldflags "-X github.com/twilio-operator/twilio-operator/internal/version.Version=v0.2.0 \
//	    -X github.com/twilio-operator/twilio-operator/internal/version.Commit=$(git rev-parse HEAD)" ./cmd/manager
//
// (make release and make image do). An unstamped build falls back to what the Go
// toolchain recorded: the module version of `go install …@v0.2.0`, the VCS revision
// of a build in a git checkout, and else "dev" and "unknown".
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release, e.g. "v0.2.0", or "dev" for an unstamped build. It is a
// variable only so that -ldflags -X can set it; treat it as a constant.
var Version string

// Commit is the full git revision the binary was built from, or "unknown". Like
// Version, it is set with -ldflags -X.
var Commit string

// The fallbacks of an unstamped build.
const (
	devVersion     = "dev"
	unknownCommit  = "unknown"
	develBuildInfo = "(devel)" // what the toolchain records for a build of the main module in place
)

func init() {
	Version, Commit = resolve(Version, Commit, debug.ReadBuildInfo)
}

// resolve fills in what -ldflags -X left empty from the build info the toolchain
// recorded. It takes readBuildInfo as a parameter so that tests can feed it any build.
func resolve(version, commit string, readBuildInfo func() (*debug.BuildInfo, bool)) (string, string) {
	info, ok := readBuildInfo()
	if version == "" {
		version = devVersion
		if ok && info.Main.Version != "" && info.Main.Version != develBuildInfo {
			version = info.Main.Version
		}
	}
	if commit == "" {
		commit = unknownCommit
		if ok {
			commit = vcsRevision(info)
		}
	}
	return version, commit
}

// vcsRevision is the revision `go build` recorded from the git checkout (absent with
// -buildvcs=false), marked "-dirty" when the checkout had uncommitted changes.
func vcsRevision(info *debug.BuildInfo) string {
	revision, modified := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision == "" {
		return unknownCommit
	}
	if modified {
		revision += "-dirty"
	}
	return revision
}

// GoVersion is the Go toolchain the binary was built with, e.g. "go1.26.8".
func GoVersion() string { return runtime.Version() }

// String is the one line `manager --version` prints, e.g.
// "twilio-operator v0.2.0 (commit 60cafd0…, go1.26.8, linux/arm64)".
func String() string {
	return fmt.Sprintf("twilio-operator %s (commit %s, %s, %s/%s)", Version, Commit, GoVersion(), runtime.GOOS, runtime.GOARCH)
}
