package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// The fairness phase's two tenants, each its own namespace and Twilio account.
const (
	fairX = 30 // the throttled account
	fairY = 31 // the account that must not notice
)

// fairnessResult is one operator (with its defaults) serving two accounts: Y's
// MessagingServices converge alone, then the same number of new ones while account X,
// throttled (few requests in flight, slow answers), is busy with its own backlog.
type fairnessResult struct {
	Emulator []string `json:"emulatorFlags"`
	// XFaults is what the emulator does to account X's requests.
	XFaults  string   `json:"throttledAccountFaults"`
	Operator []string `json:"operatorFlags"`
	// ThrottledObjects is X's MessagingServices; Objects is Y's, per batch.
	ThrottledObjects int `json:"throttledObjects"`
	Objects          int `json:"objects"`
	// Alone is Y's batch from first create to last Ready with X idle; Busy the same for
	// Y's second batch, applied once X's backlog was being worked on.
	Alone time.Duration `json:"aloneNanoseconds"`
	Busy  time.Duration `json:"besideThrottledNanoseconds"`
	// XRequests, X429 are X's requests and 429s in flight while Y's second batch
	// converged, from the emulator's request log; XReady is how many of X's objects
	// were Ready when it had. X must have been busy all along (requests, not all
	// Ready), or Busy shows nothing.
	XRequests int `json:"throttledRequestsDuringBusy"`
	X429      int `json:"throttled429sDuringBusy"`
	XReady    int `json:"throttledReadyAfterBusy"`
	// YRequestsAlone and YRequestsBusy are Y's requests per batch.
	YRequestsAlone int `json:"requestsAlone"`
	YRequestsBusy  int `json:"requestsBesideThrottled"`
}

func runFairness(ctx context.Context, cfg config, bins testbed.Binaries) (*fairnessResult, error) {
	r := &fairnessResult{
		Emulator:         emulatorArgs(cfg.latency, cfg.jitter, cfg.concurrencyLimit),
		XFaults:          fmt.Sprintf("latency %v, %d in flight", cfg.fairLatency, cfg.fairLimit),
		Operator:         []string{},
		ThrottledObjects: cfg.fairThrottled, Objects: cfg.fairObjects,
	}
	// Y gets one object more than its two batches: a first one that warms up the
	// account (its clock read, its connections), so both batches start alike.
	seed := twilioemu.Seed{Accounts: []twilioemu.AccountSeed{
		accountWithNumbers(fairX, cfg.fairThrottled), accountWithNumbers(fairY, 2*cfg.fairObjects+1)}}
	w, err := startWorld(ctx, cfg, bins, worldSpec{name: "fairness", seed: seed, emulatorArgs: r.Emulator})
	if err != nil {
		return nil, err
	}
	defer w.stop()
	if err := w.emu.Admin.SetAccountFaults(accountSid(fairX), twilioemu.Faults{Latency: cfg.fairLatency,
		ConcurrencyLimit: cfg.fairLimit}); err != nil {
		return r, err
	}
	for _, k := range []int{fairX, fairY} {
		if err := setupNamespace(ctx, w, tenant(k), accountSid(k), accountToken(k)); err != nil {
			return r, err
		}
	}
	track, err := w.startTracker(ctx, &v1alpha1.MessagingService{}, msConditions)
	if err != nil {
		return r, err
	}
	y := tenantServices(fairY, 2*cfg.fairObjects+1)
	warm, alone, busy := y[:1], y[1:1+cfg.fairObjects], y[1+cfg.fairObjects:]
	if _, err := runBatch(ctx, cfg, w, track, warm); err != nil {
		return r, fmt.Errorf("warm-up: %w", err)
	}
	say("fairness: account Y alone, %d MessagingServices", len(alone))
	yAlone, err := runBatch(ctx, cfg, w, track, alone)
	if err != nil {
		return r, err
	}
	r.Alone = yAlone.duration()
	r.YRequestsAlone = len(accountRequests(yAlone.log, accountSid(fairY)))

	x := tenantServices(fairX, cfg.fairThrottled)
	say("fairness: account X (%s) gets %d MessagingServices", r.XFaults, len(x))
	if _, err := apply(ctx, w.k8s, x); err != nil {
		return r, err
	}
	if err := waitForRequest(ctx, w, accountSid(fairX)); err != nil {
		return r, err
	}
	say("fairness: account Y again, %d MessagingServices beside X's backlog", len(busy))
	yBusy, err := runBatch(ctx, cfg, w, track, busy)
	if err != nil {
		return r, err
	}
	r.Busy = yBusy.duration()
	r.YRequestsBusy = len(accountRequests(yBusy.log, accountSid(fairY)))
	r.XReady, _ = track.readyAmong(keysOf(x))
	during, err := inFlightDuring(ctx, w, accountSid(fairX), yBusy, 2*cfg.fairLatency+5*time.Second)
	if err != nil {
		return r, err
	}
	for _, rec := range during {
		r.XRequests++
		if rec.Status == 429 {
			r.X429++
		}
	}
	say("fairness: Y alone %v, beside X %v (%.2f×); X: %d requests meanwhile, %d/%d Ready", r.Alone.Round(time.Millisecond),
		r.Busy.Round(time.Millisecond), ratio(r.Busy, r.Alone), r.XRequests, r.XReady, len(x))
	return r, nil
}

// batch is a set of objects applied at once: from the first create to the last Ready,
// and the emulator's request log meanwhile (every account's).
type batch struct {
	start, last time.Time
	log         []twilioemu.RequestRecord
}

func (b batch) duration() time.Duration { return b.last.Sub(b.start) }

// runBatch applies objs and waits until all are Ready.
func runBatch(ctx context.Context, cfg config, w *world, track *tracker, objs []client.Object) (batch, error) {
	b := batch{start: time.Now()}
	_, err := apply(ctx, w.k8s, objs)
	if err != nil {
		return b, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if b.last, err = track.waitKeys(waitCtx, keysOf(objs)); err != nil {
		return b, err
	}
	// The records of requests received in the window (a record's time is when the
	// emulator received the request).
	log, err := w.emu.Admin.Requests()
	for _, rec := range log {
		if !rec.Time.Before(b.start) && !rec.Time.After(b.last) {
			b.log = append(b.log, rec)
		}
	}
	return b, err
}

// inFlightDuring returns the requests of account that were in flight at some time of
// b's window: received before it ended, answered after it began. X's answers take
// longer than Y's window may last, so a request in flight all through it is logged (on
// its answer) only after the window: the log is read until it shows one such request,
// for at most wait after the window.
func inFlightDuring(ctx context.Context, w *world, account string, b batch, wait time.Duration) ([]twilioemu.RequestRecord, error) {
	waitCtx, cancel := context.WithDeadline(ctx, b.last.Add(wait))
	defer cancel()
	for {
		log, err := w.emu.Admin.Requests()
		if err != nil {
			return nil, err
		}
		var during []twilioemu.RequestRecord
		for _, rec := range accountRequests(log, account) {
			if !rec.Time.After(b.last) && !rec.Time.Add(rec.Duration).Before(b.start) {
				during = append(during, rec)
			}
		}
		if len(during) > 0 {
			return during, nil
		}
		select {
		case <-waitCtx.Done():
			// Either the run was cancelled, or none came: the account was idle all
			// through the window.
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// accountRequests are the records of one account's requests.
func accountRequests(log []twilioemu.RequestRecord, account string) []twilioemu.RequestRecord {
	var out []twilioemu.RequestRecord
	for _, rec := range log {
		if rec.Account == account {
			out = append(out, rec)
		}
	}
	return out
}

// waitForRequest waits until the emulator has received a request of account.
func waitForRequest(ctx context.Context, w *world, account string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		log, err := w.emu.Admin.Requests()
		if err != nil {
			return err
		}
		if slices.ContainsFunc(log, func(r twilioemu.RequestRecord) bool { return r.Account == account }) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no request of %s: %w", account, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// accountWithNumbers is account k with n numbers.
func accountWithNumbers(k, n int) twilioemu.AccountSeed {
	a := twilioemu.AccountSeed{Sid: accountSid(k), AuthToken: accountToken(k)}
	for i := range n {
		a.PhoneNumbers = append(a.PhoneNumbers, flexNumber(k, i))
	}
	return a
}

// tenantServices are n MessagingServices of account k in its namespace.
func tenantServices(k, n int) []client.Object {
	out := make([]client.Object, n)
	for i := range n {
		out[i] = messagingService(tenant(k), msName(i), phoneNumber(k, i))
	}
	return out
}

func keysOf(objs []client.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.GetNamespace() + "/" + o.GetName()
	}
	return out
}
