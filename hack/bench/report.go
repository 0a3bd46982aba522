package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// target is one goal of the issue, checked against this run's figures.
type target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

// targets checks the goals against the phases that ran.
func targets(cfg config, rep *report) []target {
	var out []target
	add := func(name, want, got string, met bool) { out = append(out, target{name, want, got, met}) }
	if c := rep.Cold; c != nil {
		coldTargets(add, c)
	}
	if t := rep.Throttled; t != nil {
		add("throttled: converges, never Stalled", "0 Stalled", fmt.Sprintf("%d Stalled, %d/%d Ready", len(t.Convergence.Stalled),
			t.Convergence.Objects, cfg.objects), len(t.Convergence.Stalled) == 0 && t.Convergence.WallTime > 0)
	}
	if s := rep.Scale; s != nil {
		rss := s.Convergence.Operator.PeakRSS
		add(fmt.Sprintf("peak RSS at %d objects", s.Convergence.Objects), "≤ 150 MiB", fmt.Sprintf("%.0f MiB", mib(rss)),
			rss > 0 && mib(rss) <= 150)
		add("peak RSS after a restart at scale", "≤ 150 MiB", fmt.Sprintf("%.0f MiB", mib(s.Restart.Operator.PeakRSS)),
			s.Restart.Operator.PeakRSS > 0 && mib(s.Restart.Operator.PeakRSS) <= 150)
		add("Twilio requests of a restart (all synced < 1 resync ago)", "0", fmt.Sprint(s.Restart.Traffic.TwilioTotal),
			s.Restart.TakeoverTime > 0 && s.Restart.Traffic.TwilioTotal == 0)
	}
	if a := rep.A2P; a != nil {
		add("brand/campaign writes per account per second", "≤ 1", fmt.Sprint(a.MaxWritesPerSecond),
			a.WallTime > 0 && a.MaxWritesPerSecond <= 1)
	}
	return out
}

func coldTargets(add func(name, want, got string, met bool), c *coldResult) {
	cs := c.Convergence
	add("cold start wall time", "≤ 20s", secs(cs.WallTime), cs.WallTime > 0 && cs.WallTime <= 20*time.Second)
	n := cs.Objects
	minimal := cs.Traffic.Twilio["POST /v1/Services"] == n && cs.Traffic.Twilio[lookupRoute] == n &&
		cs.Traffic.Twilio[addRoute] == n && cs.Traffic.TwilioTotal <= 3*n+c.ExtraReads && c.ExtraReads <= n
	add("cold start Twilio requests per object", "create + lookup + add + at most one read",
		fmt.Sprintf("%.2f (%d objects read once more)", cs.TwilioPerObject, c.ExtraReads), minimal && cs.ServicesInTwilio == n)
	if c.Steady.Window > 0 {
		add("steady state Twilio reads per object per resync", "≤ 1", fmt.Sprintf("%.2f", c.Steady.ReadsPerObjectPerResync),
			c.Steady.ReadsPerObjectPerResync <= 1 && c.Steady.TwilioWrites == 0)
	}
	add("Twilio requests caused by no-op events", "0", fmt.Sprint(c.NoOp.CausedByEvents), c.NoOp.CausedByEvents == 0)
}

const (
	lookupRoute = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
	addRoute    = "POST /v1/Services/{ServiceSid}/PhoneNumbers"
)

// printTable prints the run as one table: what was measured, then the targets.
func printTable(out io.Writer, rep *report) {
	fmt.Fprintf(out, "\n== twilio-operator scale benchmark, %s\n", rep.Started.Format(time.RFC3339))
	fmt.Fprintf(out, "machine:  %s\noperator: %s\n", rep.Machine, strings.Join(rep.Operator, " "))
	fmt.Fprintf(out, "          (--resync-period=%s in the throttled, scale and a2p phases)\n", quietResync)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nPHASE\tMEASURE\tVALUE")
	for _, r := range rows(rep) {
		fmt.Fprintf(w, "%s\t%s\t%s\n", r[0], r[1], r[2])
	}
	fmt.Fprintln(w, "\nTARGET\tWANT\tGOT\tMET")
	for _, t := range rep.Targets {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, t.Want, t.Got, yes(t.Met))
	}
	_ = w.Flush()
	for _, e := range rep.Errors {
		fmt.Fprintf(out, "FAILED: %s\n", e)
	}
}

func rows(rep *report) [][3]string {
	var out [][3]string
	add := func(phase, measure, format string, args ...any) {
		out = append(out, [3]string{phase, measure, fmt.Sprintf(format, args...)})
	}
	if c := rep.Cold; c != nil {
		add("cold", "emulator", "%s", strings.Join(c.Emulator, " "))
		convergenceRows(add, "cold", c.Convergence)
		add("cold", "objects read once more than create+lookup+add", "%d", c.ExtraReads)
		add("cold", "API server / etcd peak RSS, CPU (whole phase)", "%s / %s", usage(c.APIServer), usage(c.Etcd))
		add("cold", "emulator peak RSS, CPU", "%s", usage(c.EmulatorProc))
		add("no-op", "events", "%s", strings.Join(c.NoOp.Events, "; "))
		add("no-op", "Twilio requests in the window (caused by events)", "%d in %s (%d)", c.NoOp.TwilioRequests,
			secs(c.NoOp.Window), c.NoOp.CausedByEvents)
		add("no-op", "operator Kubernetes writes in the window", "%d", c.NoOp.KubeWrites)
		if s := c.Steady; s.Window > 0 {
			steadyRows(add, s)
		}
	}
	if t := rep.Throttled; t != nil {
		add("throttled", "emulator", "%s", strings.Join(t.Emulator, " "))
		convergenceRows(add, "throttled", t.Convergence)
		add("throttled", "429s answered by the emulator", "%d", t.Answered429)
	}
	if s := rep.Scale; s != nil {
		scaleRows(add, s)
	}
	if a := rep.A2P; a != nil {
		a2pRows(add, a)
	}
	return out
}

func steadyRows(add func(string, string, string, ...any), s steadyResult) {
	add("steady", "window", "%s = %.1f resync periods of %s", secs(s.Window), float64(s.Window)/float64(s.ResyncPeriod), s.ResyncPeriod)
	add("steady", "Twilio requests by endpoint", "%s", describe(s.Traffic.Twilio))
	add("steady", "Twilio reads per object per resync period", "%.2f (writes: %d)", s.ReadsPerObjectPerResync, s.TwilioWrites)
	add("steady", "shortest time between two syncs of one object", "%s", secs(s.MinInterval))
	add("steady", "Kubernetes writes per object per resync period", "%.2f", s.KubeWritesPerObjectPerResync)
	add("steady", "operator CPU in the window", "%s", secs(s.Traffic.OperatorCPU))
}

func scaleRows(add func(string, string, string, ...any), s *scaleResult) {
	add("scale", "emulator", "%s", strings.Join(s.Emulator, " "))
	add("scale", "Secrets of other applications in the cluster", "%d (4 KiB each, kubectl-applied)", s.OtherSecrets)
	convergenceRows(add, "scale", s.Convergence)
	add("scale", "operator heap in use after convergence", "%.0f MiB", mib(s.Heap))
	add("scale", "API server / etcd peak RSS, CPU", "%s / %s", usage(s.APIServer), usage(s.Etcd))
	r := s.Restart
	add("restart", "time until every service was taken over", "%s", secs(r.TakeoverTime))
	add("restart", "Twilio requests by endpoint", "%s", describe(r.Traffic.Twilio))
	add("restart", "operator peak RSS, CPU; heap in use", "%s; %.0f MiB", usage(r.Operator), mib(r.Heap))
	add("restart", "operator peak heap in use, stack, goroutines", "%.0f MiB, %.0f MiB, %d", mib(r.Peaks.HeapInuse),
		mib(r.Peaks.StackInuse), r.Peaks.Goroutines)
	add("restart", "operator Kubernetes writes", "%d", r.Traffic.KubeWrites)
}

func convergenceRows(add func(string, string, string, ...any), phase string, c convergence) {
	add(phase, "objects applied, apply time", "%d in %s", c.Objects, secs(c.Apply.Duration))
	add(phase, "wall time to all Ready (p50, p99; after apply)", "%s (%s, %s; %s)", secs(c.WallTime), secs(c.ReadyP50),
		secs(c.ReadyP99), secs(c.AfterApply))
	add(phase, "Twilio requests by endpoint", "%s", describe(c.Traffic.Twilio))
	add(phase, "Twilio requests per object", "%.2f", c.TwilioPerObject)
	add(phase, "Twilio 429s seen by the operator", "%d", c.Traffic.Twilio429)
	add(phase, "Kubernetes writes per object (operator)", "%.2f (%d writes; %d requests in all: %s)", c.KubeWritesPerObject,
		c.Traffic.KubeWrites, c.Traffic.KubeRequests, describe(c.Traffic.KubeByMethod))
	add(phase, "API server writes by resource (benchmark's creates included)", "%s", describe(c.Traffic.APIWrites))
	add(phase, "objects ever Stalled", "%d", len(c.Stalled))
	add(phase, "Messaging Services in Twilio afterwards", "%d", c.ServicesInTwilio)
	add(phase, "operator peak RSS, CPU", "%s", usage(c.Operator))
	add(phase, "operator peak heap in use, stack, goroutines", "%.0f MiB, %.0f MiB, %d", mib(c.Peaks.HeapInuse),
		mib(c.Peaks.StackInuse), c.Peaks.Goroutines)
	add(phase, "Warning events (top 5)", "%s", describe(c.Warnings))
}

func a2pRows(add func(string, string, string, ...any), a *a2pResult) {
	add("a2p", "emulator", "%s", strings.Join(a.Emulator, " "))
	add("a2p", "registrations, accounts; apply time", "%d over %d accounts; %s", a.Registrations, a.Accounts, secs(a.Apply.Duration))
	add("a2p", "wall time to all Ready", "%s", secs(a.WallTime))
	add("a2p", "Twilio requests by endpoint", "%s", describe(a.Traffic.Twilio))
	add("a2p", "Twilio requests per registration (per service)", "%.2f (%.2f)", a.PerRegistration, a.PerService)
	add("a2p", "brand/campaign writes per account", "%s", describe(a.Writes))
	add("a2p", "most writes of one account in 1 s; shortest gap", "%d; %s", a.MaxWritesPerSecond, secs(a.MinWriteGap))
	add("a2p", "objects ever Stalled; 429s", "%d; %d", len(a.Stalled), a.Traffic.Twilio429)
	add("a2p", "operator peak RSS, CPU", "%s", usage(a.Usage))
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func usage(u procUsage) string {
	return fmt.Sprintf("%.0f MiB, %.1fs CPU", mib(u.PeakRSS), u.CPU.Seconds())
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}
