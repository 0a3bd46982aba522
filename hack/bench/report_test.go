package main

import (
	"testing"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// healthyCold is the cold phase of an operator that does its job: 10 objects, synced
// twice each in a steady window of 3 periods, the sentinel synced.
func healthyCold() *coldResult {
	n := 10
	c := &coldResult{Operator: operatorFlags{twilioQPS: 500, twilioConcurrency: 100, workers: 64}.args(30 * time.Second)}
	c.Convergence = convergence{Objects: n, Ready: n, WallTime: 5 * time.Second,
		Traffic: traffic{Twilio: map[string]int{"POST /v1/Services": n, lookupRoute: n, addRoute: n, clockRoute: 1}, TwilioTotal: 3*n + 1},
		Twilio:  objectCheck{When: "after convergence", Want: servicesWithOneNumber(n), Got: servicesWithOneNumber(n)}}
	c.TwilioChecks = []objectCheck{c.Convergence.Twilio}
	c.NoOp = noOpResult{Sentinel: sentinelSync{SID: "MG1", At: time.Now(), Reaction: 20 * time.Millisecond, Requests: 2}}
	c.Steady = steadyResult{ResyncPeriod: 30 * time.Second, Window: 90 * time.Second, ReadsPerObjectPerResync: 0.95,
		WantSyncsPerObject: 2, MinSyncsPerObject: 2}
	return c
}

func metByName(rep *report) map[string]bool {
	out := map[string]bool{}
	for _, t := range targets(rep) {
		out[t.Name] = t.Met
	}
	return out
}

// TestTargetsHaveLowerBounds: an operator that stops doing anything after the cold
// start makes no request, so it meets every "at most" target; the lower bounds must
// fail it.
func TestTargetsHaveLowerBounds(t *testing.T) {
	met := metByName(&report{Cold: healthyCold()})
	for name, ok := range met {
		if !ok {
			t.Errorf("healthy run: target %q not met", name)
		}
	}

	idle := healthyCold()
	idle.NoOp.Sentinel = sentinelSync{SID: "MG1"} // never synced
	idle.Steady.ReadsPerObjectPerResync, idle.Steady.MinSyncsPerObject, idle.Steady.ObjectsSyncedLess = 0, 0, 10
	met = metByName(&report{Cold: idle})
	if !met["steady state Twilio reads per object per resync"] {
		t.Error("an idle operator meets the upper bound on reads; only the lower bound can fail it")
	}
	for _, name := range []string{"steady state: every object synced once per resync period", "Twilio requests caused by no-op events"} {
		if met[name] {
			t.Errorf("an operator that does nothing meets %q", name)
		}
	}

	lost := healthyCold()
	lost.TwilioChecks = append(lost.TwilioChecks, objectCheck{When: "after the steady state", Want: servicesWithOneNumber(10),
		Got: twilioObjects{Services: 10, PoolMembers: 9}})
	if metByName(&report{Cold: lost})["cold: Twilio objects as applied, at every check"] {
		t.Error("a pool member lost after the cold start goes unnoticed")
	}

	throttled := &throttledResult{Convergence: convergence{Objects: 10, Ready: 9}}
	if metByName(&report{Throttled: throttled})["throttled: converges, never Stalled"] {
		t.Error("9 of 10 Ready meets the throttled target")
	}
}

func TestSyncsAndResyncsFromTheRequestLog(t *testing.T) {
	t0 := time.Now()
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	get := func(s float64, sid, sub string) twilioemu.RequestRecord {
		return twilioemu.RequestRecord{Time: at(s), Method: "GET", Path: "/v1/Services/" + sid + sub}
	}
	log := []twilioemu.RequestRecord{
		get(0, "MGa", ""), get(0.5, "MGa", "/PhoneNumbers"), // one sync: two reads back to back
		get(30, "MGa", ""),
		get(31, "MGb", ""),
		get(40, "MGb", "/PhoneNumbers"),                     // 9 s after its last sync: not a resync
		{Time: at(45), Method: "GET", Path: "/v1/Services"}, // on no service
	}
	starts := syncStarts(log)
	if len(starts["MGa"]) != 2 || len(starts["MGb"]) != 2 {
		t.Fatalf("sync starts = %v", starts)
	}
	if got := minSyncInterval(starts, at(0), at(60), ""); got != 9*time.Second {
		t.Errorf("shortest interval = %v, want 9s", got)
	}
	if got := minSyncInterval(starts, at(0), at(60), "MGb"); got != 30*time.Second {
		t.Errorf("shortest interval without MGb = %v, want 30s", got)
	}
	if fewest, below := fewestSyncs(starts, []string{"MGa", "MGb", "MGc"}, at(0), at(60), 2); fewest != 0 || below != 1 {
		t.Errorf("fewest syncs, objects below 2 = %d, %d; want 0 (MGc was never synced), 1", fewest, below)
	}
	if got := notResyncs(log, at(1), at(60), 30*time.Second); got != 2 {
		t.Errorf("requests no resync explains = %d, want 2 (MGb's early read, the list)", got)
	}
}
