package testbed

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
)

// Binaries are the programs the testbed runs.
type Binaries struct {
	Manager  string
	Emulator string
}

// Build compiles the operator and the emulator of the module at root into dir.
func Build(ctx context.Context, root, dir string) (Binaries, error) {
	b := Binaries{Manager: filepath.Join(dir, "manager"), Emulator: filepath.Join(dir, "twilio-emulator")}
	for out, pkg := range map[string]string{b.Manager: "./cmd/manager", b.Emulator: "./cmd/twilio-emulator"} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		if output, err := cmd.CombinedOutput(); err != nil {
			return Binaries{}, fmt.Errorf("cannot build %s: %w\n%s", pkg, err, output)
		}
	}
	return b, nil
}
