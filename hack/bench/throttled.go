package main

import (
	"context"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

// throttledResult is phase 3: the cold start against an account that allows fewer
// requests in flight than the operator is configured to send.
type throttledResult struct {
	Emulator    []string    `json:"emulatorFlags"`
	Operator    []string    `json:"operatorFlags"`
	Convergence convergence `json:"convergence"`
	// Answered429 is how many requests the emulator answered 429 (its request log).
	Answered429 int `json:"emulator429s"`
	// TwilioChecks compare the emulator's objects with what was applied.
	TwilioChecks []objectCheck `json:"twilioObjectChecks"`
}

func runThrottled(ctx context.Context, cfg config, bins testbed.Binaries) (*throttledResult, error) {
	r := &throttledResult{Emulator: emulatorArgs(cfg.latency, cfg.jitter, cfg.throttledLimit),
		Operator: cfg.operator.args(quietResync)}
	w, track, err := startServiceWorld(ctx, cfg, bins, worldSpec{name: "throttled", seed: seedWithNumbers(cfg.objects),
		emulatorArgs: r.Emulator, operatorArgs: r.Operator})
	if err != nil {
		return nil, err
	}
	defer w.stop()
	say("throttled: applying %d MessagingServices, account limit %d in flight", cfg.objects, cfg.throttledLimit)
	r.Convergence, err = converge(ctx, cfg, w, services(cfg.objects), track, servicesWithOneNumber(cfg.objects))
	if r.Convergence.Twilio.When != "" {
		r.TwilioChecks = append(r.TwilioChecks, r.Convergence.Twilio)
	}
	if err != nil {
		return r, err
	}
	say("throttled: %d Ready in %v, %d answers 429", cfg.objects, r.Convergence.WallTime.Round(time.Millisecond),
		r.Convergence.Traffic.Twilio429)
	log, err := w.emu.Admin.Requests()
	for _, rec := range log {
		if rec.Status == 429 {
			r.Answered429++
		}
	}
	return r, err
}
