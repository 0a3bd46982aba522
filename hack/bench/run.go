package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

// report is everything one run measured; results.json is this, indented.
type report struct {
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"durationNanoseconds"`
	Machine  machine       `json:"machine"`
	// Operator is the operator's tuned flags, those of the cold, throttled, scale and
	// a2p phases; --resync-period is the cold phase's (the steady state needs short
	// periods). The defaults, fairness and terraform phases run the operator without
	// any. Each phase lists its own flags, and each target the ones it depends on.
	Operator  []string         `json:"operatorFlags"`
	Cold      *coldResult      `json:"cold,omitempty"`
	Throttled *throttledResult `json:"throttled,omitempty"`
	Scale     *scaleResult     `json:"scale,omitempty"`
	A2P       *a2pResult       `json:"a2p,omitempty"`
	Defaults  *defaultsResult  `json:"defaults,omitempty"`
	Fairness  *fairnessResult  `json:"fairness,omitempty"`
	Terraform *terraformResult `json:"terraform,omitempty"`
	Targets   []target         `json:"targets"`
	// Skipped are the phases that could not run here, with why (the terraform phase
	// without a provider checkout).
	Skipped []string `json:"skipped,omitempty"`
	// Errors are the phases that failed, with why; their figures are partial.
	Errors []string `json:"errors,omitempty"`
}

// run builds the binaries, runs each phase, prints the table and writes the JSON. A
// failed phase is reported and the others still run. Whatever happens, every process
// started is stopped, and a process left behind is an error.
func run(ctx context.Context, cfg config) (err error) {
	if err := os.MkdirAll(cfg.outDir, 0o755); err != nil {
		return err
	}
	rep := &report{Started: time.Now(), Machine: describeMachine(), Operator: cfg.operator.args(cfg.resync)}
	defer func() {
		if alive := testbed.Alive(testbed.Descendants(os.Getpid())); len(alive) > 0 {
			err = errors.Join(err, fmt.Errorf("processes left behind: %v", alive))
		}
	}()
	say("machine: %s", rep.Machine)
	say("building the operator and the emulator")
	bins, err := testbed.Build(ctx, cfg.root, filepath.Join(cfg.outDir, "bin"))
	if err != nil {
		return err
	}
	runPhases(ctx, cfg, bins, rep)
	rep.Duration = time.Since(rep.Started)
	rep.Targets = targets(rep)
	printTable(os.Stdout, rep)
	path := filepath.Join(cfg.outDir, "results.json")
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	fmt.Printf("\nResults: %s (logs of each phase beside it)\n", path)
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d phase(s) failed", len(rep.Errors))
	}
	missed := 0
	for _, t := range rep.Targets {
		if !t.Met {
			missed++
		}
	}
	if missed > 0 {
		return fmt.Errorf("%d target(s) missed", missed)
	}
	return ctx.Err()
}

// runPhases runs each phase cfg selects, in order, into rep. A failed phase is
// recorded and the next one runs; a phase that cannot run here is skipped with one line.
func runPhases(ctx context.Context, cfg config, bins testbed.Binaries, rep *report) {
	phases := []struct {
		name string
		run  func() error
		skip func() string // why the phase cannot run here, or ""
	}{
		{"cold", func() (err error) { rep.Cold, err = runCold(ctx, cfg, bins); return err }, nil},
		{"throttled", func() (err error) { rep.Throttled, err = runThrottled(ctx, cfg, bins); return err }, nil},
		{"scale", func() (err error) { rep.Scale, err = runScale(ctx, cfg, bins); return err }, nil},
		{"a2p", func() (err error) { rep.A2P, err = runA2P(ctx, cfg, bins); return err }, nil},
		{"defaults", func() (err error) { rep.Defaults, err = runDefaults(ctx, cfg, bins, rep.Cold); return err }, nil},
		{"fairness", func() (err error) { rep.Fairness, err = runFairness(ctx, cfg, bins); return err }, nil},
		{"terraform", func() (err error) { rep.Terraform, err = runTerraform(ctx, cfg, bins, rep.Defaults); return err },
			func() string { return terraformSkip(cfg) }},
	}
	for _, p := range phases {
		if !cfg.runs(p.name) || ctx.Err() != nil {
			continue
		}
		if p.skip != nil {
			if why := p.skip(); why != "" {
				say("phase %s skipped: %s", p.name, why)
				rep.Skipped = append(rep.Skipped, p.name+": "+why)
				continue
			}
		}
		say("=== phase %s", p.name)
		if err := p.run(); err != nil {
			say("phase %s failed: %v", p.name, err)
			rep.Errors = append(rep.Errors, p.name+": "+err.Error())
		}
	}
}
