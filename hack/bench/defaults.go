package main

import (
	"context"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

// defaultsResult is the cold start of the operator as installed: no tuning flag at
// all, against the same emulator and work as the cold phase, and the ratio to the
// tuned cold start.
type defaultsResult struct {
	Emulator []string `json:"emulatorFlags"`
	// Operator is empty: the operator runs with its defaults (the benchmark adds only
	// its kubeconfig, the emulator's URL and local metrics, probe and pprof addresses).
	Operator    []string    `json:"operatorFlags"`
	Convergence convergence `json:"coldStart"`
	// Tuned is the cold start with the benchmark's tuned flags (TunedFlags) on the same
	// work: the cold phase's of this run, or measured in this phase when the cold phase
	// did not run (TunedFrom says which).
	Tuned      time.Duration `json:"tunedWallTimeNanoseconds"`
	TunedFlags []string      `json:"tunedOperatorFlags"`
	TunedFrom  string        `json:"tunedFrom"`
	// TwilioChecks compare the emulator's objects with what was applied.
	TwilioChecks []objectCheck `json:"twilioObjectChecks"`
}

func runDefaults(ctx context.Context, cfg config, bins testbed.Binaries, cold *coldResult) (*defaultsResult, error) {
	r := &defaultsResult{Emulator: emulatorArgs(cfg.latency, cfg.jitter, cfg.concurrencyLimit), Operator: []string{}}
	c, err := defaultsConvergence(ctx, cfg, bins, "defaults", cfg.objects)
	r.Convergence = c
	if c.Twilio.When != "" {
		r.TwilioChecks = append(r.TwilioChecks, c.Twilio)
	}
	if err != nil {
		return r, err
	}
	say("defaults: %d Ready in %v with no tuning flag", cfg.objects, c.WallTime.Round(time.Millisecond))
	if cold != nil && cold.Convergence.WallTime > 0 && cold.Convergence.Objects == cfg.objects {
		r.Tuned, r.TunedFlags, r.TunedFrom = cold.Convergence.WallTime, cold.Operator, "the cold phase of this run"
		return r, nil
	}
	// No tuned figure from this run: measure one, on the same work, right after.
	r.TunedFlags, r.TunedFrom = cfg.operator.args(quietResync), "measured in this phase (the cold phase did not run)"
	w, track, err := startServiceWorld(ctx, cfg, bins, worldSpec{name: "defaults-tuned", seed: seedWithNumbers(cfg.objects),
		emulatorArgs: r.Emulator, operatorArgs: r.TunedFlags})
	if err != nil {
		return r, err
	}
	defer w.stop()
	say("defaults: the tuned cold start for comparison, %d MessagingServices", cfg.objects)
	tuned, err := converge(ctx, cfg, w, services(cfg.objects), track, servicesWithOneNumber(cfg.objects))
	if tuned.Twilio.When != "" {
		tuned.Twilio.When = "after the tuned cold start"
		r.TwilioChecks = append(r.TwilioChecks, tuned.Twilio)
	}
	r.Tuned = tuned.WallTime
	return r, err
}

// defaultsConvergence is a cold start of n MessagingServices by the operator with no
// tuning flag, in a world of its own named name.
func defaultsConvergence(ctx context.Context, cfg config, bins testbed.Binaries, name string, n int) (convergence, error) {
	w, track, err := startServiceWorld(ctx, cfg, bins, worldSpec{name: name, seed: seedWithNumbers(n),
		emulatorArgs: emulatorArgs(cfg.latency, cfg.jitter, cfg.concurrencyLimit)})
	if err != nil {
		return convergence{Objects: n}, err
	}
	defer w.stop()
	say("%s: applying %d MessagingServices to the operator with its defaults", name, n)
	return converge(ctx, cfg, w, services(n), track, servicesWithOneNumber(n))
}
