package imagebuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Platform is one OS/architecture the image is built for.
type Platform struct {
	OS           string // "linux"
	Architecture string // GOARCH: "amd64", "arm64"
	// Variant is the OCI platform variant: "v8" for arm64, as distroless and Docker's
	// buildx label theirs; empty elsewhere.
	Variant string
}

// String is "os/arch" or "os/arch/variant", as docker --platform spells it.
func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// ParsePlatforms reads a comma-separated list such as "linux/amd64,linux/arm64". An
// arm64 platform without a variant gets "v8".
func ParsePlatforms(list string) ([]Platform, error) {
	var ps []Platform
	for _, s := range strings.Split(list, ",") {
		parts := strings.Split(strings.TrimSpace(s), "/")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("platform %q is not os/arch[/variant]", s)
		}
		p := Platform{OS: parts[0], Architecture: parts[1]}
		if len(parts) == 3 {
			p.Variant = parts[2]
		} else if p.Architecture == "arm64" {
			p.Variant = "v8"
		}
		if p.OS != "linux" {
			return nil, fmt.Errorf("platform %q: the operator image is for linux only", s)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// DefaultPlatforms are the architectures a release ships.
var DefaultPlatforms = []Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}}

// versionPackage is where -ldflags -X stamps the release (internal/version).
const versionPackage = "github.com/twilio-operator/twilio-operator/internal/version"

// Binary is the operator compiled for one platform.
type Binary struct {
	Platform Platform
	Path     string
}

// BuildBinaries cross-compiles pkg (a package path relative to moduleDir, such as
// "./cmd/manager") for each platform into outDir, as the Dockerfile does: static
// (CGO_ENABLED=0), -trimpath, stripped (-s -w), with version and commit stamped into
// internal/version. VCS stamping is off (-buildvcs=false), so the binary depends on
// the sources and not on the state of the checkout: the commit is in the stamp.
func BuildBinaries(ctx context.Context, moduleDir, pkg, outDir, version, commit string, platforms []Platform) ([]Binary, error) {
	ldflags := fmt.Sprintf("-s -w -X %s.Version=%s -X %s.Commit=%s", versionPackage, version, versionPackage, commit)
	var bins []Binary
	for _, p := range platforms {
		out := filepath.Join(outDir, fmt.Sprintf("manager-%s-%s", p.OS, p.Architecture))
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, pkg)
		cmd.Dir = moduleDir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture)
		if output, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build for %s: %w\n%s", p, err, output)
		}
		bins = append(bins, Binary{Platform: p, Path: out})
	}
	return bins, nil
}

// ToolchainZoneInfo reads lib/time/zoneinfo.zip of the Go toolchain that builds in
// moduleDir (the one `go build` there uses, toolchain switching included), and that
// toolchain's version.
func ToolchainZoneInfo(ctx context.Context, moduleDir string) (zip []byte, goVersion string, err error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOROOT", "GOVERSION")
	cmd.Dir = moduleDir
	out, err := cmd.Output()
	if err != nil {
		return nil, "", fmt.Errorf("go env: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		return nil, "", fmt.Errorf("go env GOROOT GOVERSION said %q", out)
	}
	zip, err = os.ReadFile(filepath.Join(lines[0], "lib", "time", "zoneinfo.zip"))
	if err != nil {
		return nil, "", fmt.Errorf("the Go toolchain's time zone database: %w", err)
	}
	return zip, lines[1], nil
}

// Prepare gathers everything Assemble needs from the module at moduleDir: the binaries
// of pkg for each platform (compiled into workDir, stamped with version and commit),
// the toolchain's time zone database and the module's LICENSE.
func Prepare(ctx context.Context, moduleDir, pkg, workDir, version, commit string, platforms []Platform) (Inputs, error) {
	bins, err := BuildBinaries(ctx, moduleDir, pkg, workDir, version, commit, platforms)
	if err != nil {
		return Inputs{}, err
	}
	zoneinfo, goVersion, err := ToolchainZoneInfo(ctx, moduleDir)
	if err != nil {
		return Inputs{}, err
	}
	license, err := os.ReadFile(filepath.Join(moduleDir, "LICENSE"))
	if err != nil {
		return Inputs{}, fmt.Errorf("the image ships the operator's licence: %w", err)
	}
	return Inputs{Binaries: bins, ZoneInfoZip: zoneinfo, GoVersion: goVersion, License: license}, nil
}
