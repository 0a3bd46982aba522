package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// convergence is a set of objects applied at once and followed until all are Ready.
type convergence struct {
	Objects int         `json:"objects"`
	Apply   applyResult `json:"apply"`
	// WallTime runs from the first create to the moment the last object was Ready.
	WallTime time.Duration `json:"wallTimeNanoseconds"`
	// AfterApply runs from the last create returning to the last object Ready.
	AfterApply time.Duration `json:"afterApplyNanoseconds"`
	// ReadyP50, ReadyP99: when half and 99% of the objects were Ready, from the first create.
	ReadyP50 time.Duration `json:"readyP50Nanoseconds"`
	ReadyP99 time.Duration `json:"readyP99Nanoseconds"`
	Traffic  traffic       `json:"traffic"`
	// TwilioPerObject and KubeWritesPerObject are Traffic's totals divided by Objects.
	TwilioPerObject     float64 `json:"twilioRequestsPerObject"`
	KubeWritesPerObject float64 `json:"kubeWritesPerObject"`
	// Ready is how many objects the benchmark's watch saw Ready: Objects, or the phase
	// failed.
	Ready int `json:"ready"`
	// Stalled lists every object that was ever Stalled, with its first reason.
	Stalled []string `json:"stalled"`
	// Operator is the operator's peak RSS over its life and its CPU time so far.
	Operator procUsage `json:"operator"`
	// Twilio compares what the emulator holds afterwards with what was applied: a
	// duplicated or a lost create shows here.
	Twilio objectCheck `json:"twilioObjects"`
	// Peaks are the operator's highest heap, stack and goroutine count meanwhile.
	Peaks peaks `json:"operatorPeaks"`
	// Warnings counts the operator's Warning events by reason and note (SIDs and
	// numbers elided), the five most frequent.
	Warnings map[string]int `json:"warningEvents"`
}

// converge applies objs, waits until all are Ready and measures what it took; want is
// what Twilio must hold afterwards.
func converge(ctx context.Context, cfg config, w *world, objs []client.Object, track *tracker, want twilioObjects) (convergence, error) {
	c := convergence{Objects: len(objs)}
	before, err := w.snapshot(ctx)
	if err != nil {
		return c, err
	}
	start := time.Now()
	sample := w.startSampler(ctx)
	if c.Apply, err = apply(ctx, w.k8s, objs); err != nil {
		sample.stop()
		return c, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	last, err := track.waitReady(waitCtx, len(objs))
	c.Ready = track.readyCount()
	c.Peaks = sample.stop()
	if serr := sample.save(filepath.Join(w.dir, "operator-memory.csv")); serr != nil {
		return c, serr
	}
	if err != nil {
		return c, fmt.Errorf("not converged within %v: %w", cfg.timeout, err)
	}
	after, err := w.snapshot(ctx)
	if err != nil {
		return c, err
	}
	c.WallTime, c.AfterApply = last.Sub(start), last.Sub(start.Add(c.Apply.Duration))
	p := track.readyPercentiles(start, 0.5, 0.99)
	c.ReadyP50, c.ReadyP99 = p[0], p[1]
	c.Traffic = between(before, after)
	c.TwilioPerObject = float64(c.Traffic.TwilioTotal) / float64(len(objs))
	c.KubeWritesPerObject = float64(c.Traffic.KubeWrites) / float64(len(objs))
	c.Stalled = track.stalledObjects()
	c.Operator = after.usage
	if c.Twilio, err = w.checkTwilio("after convergence", want); err != nil {
		return c, err
	}
	warnings, err := warningEvents(ctx, w.k8s, objs[0].GetNamespace())
	c.Warnings = topKeys(warnings, 5)
	return c, err
}

// coldResult is phases 1 and 2: a cold start of N objects, then their steady state.
type coldResult struct {
	Emulator    []string    `json:"emulatorFlags"`
	Operator    []string    `json:"operatorFlags"`
	Convergence convergence `json:"coldStart"`
	// ExtraReads counts the objects whose Messaging Service or pool was read during the
	// cold start, beyond create + lookup + add.
	ExtraReads int          `json:"objectsWithExtraReads"`
	NoOp       noOpResult   `json:"noOpEvents"`
	Steady     steadyResult `json:"steadyState"`
	// TwilioChecks compare the emulator's objects with the 1,000 applied after the cold
	// start, the no-op events and the steady state.
	TwilioChecks []objectCheck `json:"twilioObjectChecks"`
	APIServer    procUsage     `json:"apiServer"`
	Etcd         procUsage     `json:"etcd"`
	EmulatorProc procUsage     `json:"emulator"`
}

func runCold(ctx context.Context, cfg config, bins testbed.Binaries) (*coldResult, error) {
	r := &coldResult{
		Emulator: emulatorArgs(cfg.latency, cfg.jitter, cfg.concurrencyLimit),
		Operator: cfg.operator.args(cfg.resync),
	}
	w, track, err := startServiceWorld(ctx, cfg, bins, worldSpec{name: "cold", seed: seedWithNumbers(cfg.objects),
		emulatorArgs: r.Emulator, operatorArgs: r.Operator})
	if err != nil {
		return nil, err
	}
	defer w.stop()
	objs := services(cfg.objects)
	say("cold start: applying %d MessagingServices", len(objs))
	want := servicesWithOneNumber(len(objs))
	r.Convergence, err = converge(ctx, cfg, w, objs, track, want)
	if r.Convergence.Twilio.When != "" {
		r.TwilioChecks = append(r.TwilioChecks, r.Convergence.Twilio)
	}
	if err != nil {
		return r, err
	}
	say("cold start: %d Ready in %v", len(objs), r.Convergence.WallTime.Round(time.Millisecond))
	steadyStart, err := w.snapshot(ctx)
	if err != nil {
		return r, err
	}
	if r.ExtraReads, err = extraReads(w); err != nil {
		return r, err
	}
	say("no-op events: label and status patches on every object")
	if r.NoOp, err = noOpEvents(ctx, cfg, w, objs); err != nil {
		return r, err
	}
	if err := r.checkTwilio(w, "after the no-op events", want); err != nil {
		return r, err
	}
	if cfg.steadyPeriods > 0 {
		if r.Steady, err = steadyState(ctx, cfg, w, len(objs), steadyStart, r.NoOp.Sentinel); err != nil {
			return r, err
		}
		if err := r.checkTwilio(w, "after the steady state", want); err != nil {
			return r, err
		}
	}
	if r.APIServer, r.Etcd, err = w.controlPlaneUsage(); err != nil {
		return r, err
	}
	r.EmulatorProc, err = usageOf(w.emu.PID())
	return r, err
}

func (r *coldResult) checkTwilio(w *world, when string, want twilioObjects) error {
	c, err := w.checkTwilio(when, want)
	if err == nil {
		r.TwilioChecks = append(r.TwilioChecks, c)
	}
	return err
}

// startServiceWorld starts the world of a MessagingService phase: with the default
// account's credentials in benchNamespace and a tracker of MessagingServices.
func startServiceWorld(ctx context.Context, cfg config, bins testbed.Binaries, spec worldSpec) (*world, *tracker, error) {
	w, err := startWorld(ctx, cfg, bins, spec)
	if err != nil {
		return nil, nil, err
	}
	if err := setupNamespace(ctx, w, benchNamespace, twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken); err != nil {
		w.stop()
		return nil, nil, err
	}
	track, err := w.startTracker(ctx, &v1alpha1.MessagingService{}, msConditions)
	if err != nil {
		w.stop()
		return nil, nil, err
	}
	return w, track, nil
}

// setupNamespace creates a namespace and the credentials Secret of an account in it.
func setupNamespace(ctx context.Context, w *world, name, accountSid, token string) error {
	if err := w.k8s.Create(ctx, namespace(name)); err != nil {
		return err
	}
	return w.k8s.Create(ctx, credentials(name, accountSid, token))
}

// emulatorArgs are the emulator's flags: latency and the account concurrency limit.
// Request logging is off: it is not Twilio's behaviour and costs CPU the operator
// would otherwise have on this machine.
func emulatorArgs(latency, jitter time.Duration, limit int) []string {
	return []string{"--latency=" + latency.String(), "--jitter=" + jitter.String(),
		fmt.Sprintf("--concurrency-limit=%d", limit), "--log-requests=false", "--rand-seed=1"}
}

func say(format string, args ...any) {
	fmt.Printf("%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
