package testbed

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// Emulator is the Twilio emulator running as its own process.
type Emulator struct {
	*Process
	// URL is the emulator's base URL, for --twilio-api-url.
	URL string
	// Admin drives the emulator through its admin API.
	Admin *twilioemu.AdminClient
}

// StartEmulator runs the emulator binary with seed (written to dir) and extra flags
// (delays, faults), and waits until it serves.
func StartEmulator(ctx context.Context, bin, dir string, seed twilioemu.Seed, flags ...string) (*Emulator, error) {
	seedPath, addrPath := filepath.Join(dir, "seed.json"), filepath.Join(dir, "emulator.addr")
	data, err := json.MarshalIndent(seed, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(seedPath, data, 0o600); err != nil {
		return nil, err
	}
	_ = os.Remove(addrPath)
	args := append([]string{"--addr", "127.0.0.1:0", "--addr-file", addrPath, "--seed", seedPath}, flags...)
	p, err := start("twilio-emulator", bin, args, filepath.Join(dir, "emulator.log"))
	if err != nil {
		return nil, err
	}
	e := &Emulator{Process: p}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = waitFor(ctx, "waiting for the emulator to listen", func() error {
		if p.Exited() {
			return fmt.Errorf("the emulator exited; see %s", p.LogPath)
		}
		addr, err := os.ReadFile(addrPath)
		if err != nil || len(addr) == 0 {
			return fmt.Errorf("no address yet")
		}
		e.URL = strings.TrimSpace(string(addr))
		return nil
	})
	if err != nil {
		p.Kill()
		return nil, err
	}
	e.Admin = twilioemu.NewAdminClient(e.URL, nil)
	return e, nil
}
