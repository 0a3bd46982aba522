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
	// Flags are the operator flags of the phase that the target depends on, as the run
	// set them: with other values the target may not hold, or may hold for nothing.
	Flags string `json:"operatorFlags"`
}

// targets checks the goals against the phases that ran.
func targets(rep *report) []target {
	var out []target
	add := func(name, want, got string, met bool, flags string) {
		out = append(out, target{Name: name, Want: want, Got: got, Met: met, Flags: flags})
	}
	if c := rep.Cold; c != nil {
		coldTargets(add, c)
		objectsTarget(add, "cold", c.TwilioChecks)
	}
	if t := rep.Throttled; t != nil {
		cs := t.Convergence
		add("throttled: converges, never Stalled", fmt.Sprintf("0 Stalled, %d/%d Ready", cs.Objects, cs.Objects),
			fmt.Sprintf("%d Stalled, %d/%d Ready", len(cs.Stalled), cs.Ready, cs.Objects),
			len(cs.Stalled) == 0 && cs.Ready == cs.Objects && cs.Objects > 0,
			flagValues(t.Operator, "--twilio-max-concurrency", "--twilio-qps"))
		objectsTarget(add, "throttled", t.TwilioChecks)
	}
	if s := rep.Scale; s != nil {
		rss := s.Convergence.Operator.PeakRSS
		memoryFlags := flagValues(s.Operator, "--max-concurrent-reconciles", "--twilio-max-concurrency")
		add(fmt.Sprintf("peak RSS at %d objects", s.Convergence.Objects), "≤ 150 MiB", fmt.Sprintf("%.0f MiB", mib(rss)),
			rss > 0 && mib(rss) <= 150, memoryFlags)
		add("peak RSS after a restart at scale", "≤ 150 MiB", fmt.Sprintf("%.0f MiB", mib(s.Restart.Operator.PeakRSS)),
			s.Restart.Operator.PeakRSS > 0 && mib(s.Restart.Operator.PeakRSS) <= 150, memoryFlags)
		add("Twilio requests of a restart (all synced < 1 resync ago)", "0, every object taken over",
			fmt.Sprintf("%d, %d/%d taken over", s.Restart.Traffic.TwilioTotal, s.Restart.TakenOver, s.Convergence.Objects),
			s.Restart.TakeoverTime > 0 && s.Restart.Traffic.TwilioTotal == 0,
			flagValues(s.Operator, "--resync-period")+" (longer than the cold start and the restart)")
		objectsTarget(add, "scale", s.TwilioChecks)
	}
	if a := rep.A2P; a != nil {
		add("brand/campaign writes per account per second", "≤ 1, all Ready",
			fmt.Sprintf("%d, %d/%d Ready", a.MaxWritesPerSecond, a.Ready, a.Registrations),
			a.WallTime > 0 && a.Ready == a.Registrations && a.MaxWritesPerSecond <= 1 && a.MaxWritesPerSecond > 0,
			"any (the operator spaces them 1 s apart whatever --twilio-qps)")
		objectsTarget(add, "a2p", a.TwilioChecks)
	}
	compareTargets(add, rep)
	return out
}

// flagValues picks the named flags out of args, as "--name=value …"; a flag that is
// not set says so.
func flagValues(args []string, names ...string) string {
	parts := make([]string, 0, len(names))
	for _, name := range names {
		value := name + " unset"
		for _, a := range args {
			if strings.HasPrefix(a, name+"=") {
				value = a
			}
		}
		parts = append(parts, value)
	}
	return strings.Join(parts, " ")
}

func coldTargets(add func(name, want, got string, met bool, flags string), c *coldResult) {
	cs := c.Convergence
	add("cold start wall time", "≤ 20s", secs(cs.WallTime), cs.WallTime > 0 && cs.Ready == cs.Objects && cs.WallTime <= 20*time.Second,
		flagValues(c.Operator, "--twilio-max-concurrency", "--twilio-qps", "--max-concurrent-reconciles", "--kube-api-qps"))
	coldTwilioTarget(add, c)
	resync := flagValues(c.Operator, "--resync-period")
	if s := c.Steady; s.Window > 0 {
		add("steady state Twilio reads per object per resync", "≤ 1, no write", fmt.Sprintf("%.2f, %d writes", s.ReadsPerObjectPerResync, s.TwilioWrites),
			s.ReadsPerObjectPerResync <= 1 && s.TwilioWrites == 0, resync)
		add("steady state: every object synced once per resync period",
			fmt.Sprintf("≥ %d syncs of each object in %s", s.WantSyncsPerObject, secs(s.Window)),
			fmt.Sprintf("fewest %d (%d objects with fewer)", s.MinSyncsPerObject, s.ObjectsSyncedLess),
			s.WantSyncsPerObject > 0 && s.ObjectsSyncedLess == 0 && s.MinSyncsPerObject >= s.WantSyncsPerObject, resync)
	}
	add("Twilio requests caused by no-op events", "0, and the sentinel synced",
		fmt.Sprintf("%d, sentinel synced %s after its change", c.NoOp.CausedByEvents, secs(c.NoOp.Sentinel.Reaction)),
		c.NoOp.CausedByEvents == 0 && !c.NoOp.Sentinel.At.IsZero(), resync)
}

// coldTwilioTarget checks that a cold start calls Twilio no more than it must: for each
// object a create, a lookup, an add and at most one read more, plus the reads shared by
// the whole account.
func coldTwilioTarget(add func(name, want, got string, met bool, flags string), c *coldResult) {
	cs := c.Convergence
	n := cs.Objects
	// Before its first create in an account, a process reads Twilio's clock once
	// (docs/api.md, crash recovery): one request for the whole phase, on no service.
	clock := cs.Traffic.Twilio[clockRoute]
	// The inbound routing check reads the account's numbers (pages of numbersPageSize, on
	// the lookups' route) and its address configurations: once for the first services,
	// then at most once per resync period (docs/api.md).
	accountReads := cs.Traffic.Twilio[lookupRoute] - n + cs.Traffic.Twilio[addressesRoute]
	reads := 1
	if resync := c.resyncPeriod(); resync > 0 {
		reads += int(cs.WallTime / resync)
	}
	maxAccountReads := reads * (1 + (n+numbersPageSize)/numbersPageSize) // every number page and one address page
	minimal := cs.Traffic.Twilio["POST /v1/Services"] == n && cs.Traffic.Twilio[lookupRoute] >= n &&
		cs.Traffic.Twilio[addRoute] == n && clock <= 1 && accountReads <= maxAccountReads &&
		cs.Traffic.TwilioTotal <= 3*n+c.ExtraReads+clock+accountReads && c.ExtraReads <= n
	add("cold start Twilio requests per object",
		fmt.Sprintf("create + lookup + add + at most one read; at most one clock read and %d account list pages in all", maxAccountReads),
		fmt.Sprintf("%.2f (%d objects read once more; %d clock reads; %d account list pages)", cs.TwilioPerObject, c.ExtraReads, clock, accountReads),
		minimal && cs.Twilio.ok(), flagValues(c.Operator, "--resync-period")+" (longer than the cold start: no resync mixes in)")
}

const (
	lookupRoute = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
	addRoute    = "POST /v1/Services/{ServiceSid}/PhoneNumbers"
	// clockRoute is the page of one Messaging Service read for Twilio's Date header.
	clockRoute = "GET /v1/Services"
	// addressesRoute lists the account's Conversations address configurations.
	addressesRoute = "GET /v1/Configuration/Addresses"
	// numbersPageSize is the page size of the operator's list of the account's numbers.
	numbersPageSize = 1000
)

// printTable prints the run as one table: what was measured, then the targets.
func printTable(out io.Writer, rep *report) {
	fmt.Fprintf(out, "\n== twilio-operator scale benchmark, %s\n", rep.Started.Format(time.RFC3339))
	fmt.Fprintf(out, "machine:  %s\noperator: %s (tuned)\n", rep.Machine, strings.Join(rep.Operator, " "))
	fmt.Fprintf(out, "          (%s)\n", strings.Join(phaseResyncs(rep), ", "))
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nPHASE\tMEASURE\tVALUE")
	for _, r := range rows(rep) {
		fmt.Fprintf(w, "%s\t%s\t%s\n", r[0], r[1], r[2])
	}
	fmt.Fprintln(w, "\nTARGET\tWANT\tGOT\tMET\tNEEDS")
	for _, t := range rep.Targets {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Want, t.Got, yes(t.Met), t.Flags)
	}
	_ = w.Flush()
	for _, e := range rep.Errors {
		fmt.Fprintf(out, "FAILED: %s\n", e)
	}
}

// phaseResyncs is each phase's --resync-period, as it ran.
func phaseResyncs(rep *report) []string {
	var out []string
	add := func(phase string, args []string) {
		out = append(out, flagValues(args, "--resync-period")+" in "+phase)
	}
	if rep.Cold != nil {
		add("cold", rep.Cold.Operator)
	}
	if rep.Throttled != nil {
		add("throttled", rep.Throttled.Operator)
	}
	if rep.Scale != nil {
		add("scale", rep.Scale.Operator)
	}
	if rep.A2P != nil {
		add("a2p", rep.A2P.Operator)
	}
	if rep.Defaults != nil || rep.Fairness != nil || rep.Terraform != nil {
		out = append(out, "no flag at all in defaults, fairness and terraform")
	}
	return out
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
		add("no-op", "window (ended)", "%s (%s)", secs(c.NoOp.Window), noOpEnd(c.NoOp))
		add("no-op", "sentinel: synced after its change; its requests", "%s; %d", secs(c.NoOp.Sentinel.Reaction), c.NoOp.Sentinel.Requests)
		add("no-op", "Twilio requests in the window (caused by events)", "%d (%d)", c.NoOp.TwilioRequests, c.NoOp.CausedByEvents)
		if len(c.NoOp.Unexplained) > 0 {
			add("no-op", "requests no resync explains", "%s", strings.Join(c.NoOp.Unexplained, ", "))
		}
		add("no-op", "operator Kubernetes writes in the window (the sentinel's included)", "%d", c.NoOp.KubeWrites)
		if s := c.Steady; s.Window > 0 {
			steadyRows(add, s)
		}
		checkRows(add, "cold", c.TwilioChecks)
	}
	if t := rep.Throttled; t != nil {
		add("throttled", "emulator", "%s", strings.Join(t.Emulator, " "))
		convergenceRows(add, "throttled", t.Convergence)
		add("throttled", "429s answered by the emulator", "%d", t.Answered429)
		checkRows(add, "throttled", t.TwilioChecks)
	}
	if s := rep.Scale; s != nil {
		scaleRows(add, s)
	}
	if a := rep.A2P; a != nil {
		a2pRows(add, a)
	}
	compareRows(add, rep)
	return out
}

// noOpEnd says how the no-op window ended.
func noOpEnd(r noOpResult) string {
	if r.EndedQuiet {
		return fmt.Sprintf("the operator's Twilio counters flat for %s after the sentinel's sync", secs(noOpQuiet))
	}
	return fmt.Sprintf("%s after the sentinel's sync; resyncs kept the counters moving", secs(noOpMaxWindow))
}

// checkRows lists a phase's comparisons of Twilio's objects with what it applied.
func checkRows(add func(string, string, string, ...any), phase string, checks []objectCheck) {
	for _, c := range checks {
		add(phase, "Twilio objects "+c.When+" (want)", "%s (%s)", c.Got, c.Want)
	}
}

func steadyRows(add func(string, string, string, ...any), s steadyResult) {
	add("steady", "window", "%s = %.1f resync periods of %s", secs(s.Window), float64(s.Window)/float64(s.ResyncPeriod), s.ResyncPeriod)
	add("steady", "Twilio requests by endpoint", "%s", describe(s.Traffic.Twilio))
	add("steady", "Twilio reads per object per resync period", "%.2f (writes: %d)", s.ReadsPerObjectPerResync, s.TwilioWrites)
	add("steady", "shortest time between two syncs of one object", "%s", secs(s.MinInterval))
	add("steady", "syncs per object in the window: fewest (wanted)", "%d (%d)", s.MinSyncsPerObject, s.WantSyncsPerObject)
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
	checkRows(add, "scale", s.TwilioChecks)
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
	add(phase, "objects seen Ready; ever Stalled", "%d/%d; %d", c.Ready, c.Objects, len(c.Stalled))
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
	add("a2p", "registrations seen Ready; ever Stalled; 429s", "%d/%d; %d; %d", a.Ready, a.Registrations, len(a.Stalled), a.Traffic.Twilio429)
	add("a2p", "operator peak RSS, CPU", "%s", usage(a.Usage))
	checkRows(add, "a2p", a.TwilioChecks)
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

// resyncPeriod is the --resync-period the phase's operator ran with (0: not set).
func (c *coldResult) resyncPeriod() time.Duration {
	for _, a := range c.Operator {
		if v, ok := strings.CutPrefix(a, "--resync-period="); ok {
			d, err := time.ParseDuration(v)
			if err == nil {
				return d
			}
		}
	}
	return 0
}
