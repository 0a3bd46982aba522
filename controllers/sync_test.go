package controllers

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestSyncTracker(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Now())
	tr := newSyncTracker(clk, 10*time.Minute, PollInterval{Min: time.Second, Max: 8 * time.Second})
	const uid = "uid-1"
	inputs := fingerprint(1, map[string]string{"a": "b"}, "rv-1")

	d := tr.decide(uid, inputs)
	if !d.due || !d.inputsChanged {
		t.Fatalf("an unknown object must be due with changed inputs, got %+v", d)
	}
	next := tr.synced(uid, inputs, d)
	if next < 9*time.Minute || next > 11*time.Minute {
		t.Errorf("resync after %v, want 10m ±10%%", next)
	}

	if d := tr.decide(uid, inputs); d.due || d.wait <= 0 {
		t.Errorf("right after a sync with the same inputs nothing is due, got %+v", d)
	}
	if d := tr.decide(uid, fingerprint(1, map[string]string{"a": "c"}, "rv-1")); !d.due || !d.inputsChanged {
		t.Errorf("a changed annotation makes the object due, got %+v", d)
	}
	if d := tr.decide(uid, fingerprint(1, map[string]string{"a": "b"}, "rv-2")); !d.due {
		t.Errorf("a new Secret version makes the object due, got %+v", d)
	}

	clk.SetTime(clk.Now().Add(11 * time.Minute))
	d = tr.decide(uid, inputs)
	if !d.due || d.inputsChanged || d.resyncs != 1 {
		t.Errorf("after the resync period the object is due by timer (resync 1), got %+v", d)
	}
	var polls []time.Duration
	for range 8 {
		wait := tr.waiting(uid, inputs, d)
		polls = append(polls, wait)
		clk.SetTime(clk.Now().Add(wait))
		if d = tr.decide(uid, inputs); !d.due || d.inputsChanged {
			t.Fatalf("a waiting object is due again after its poll interval, got %+v", d)
		}
	}
	if polls[0] > 1100*time.Millisecond || polls[1] < 1300*time.Millisecond || polls[7] < 7*time.Second || polls[7] > 9*time.Second {
		t.Errorf("polls must grow from 1s by half each time up to 8s, got %v", polls)
	}
	tr.synced(uid, inputs, d)
	if d := tr.decide(uid, inputs); d.due {
		t.Errorf("a finished wait resyncs at the resync period again, got %+v", d)
	}

	var backoffs []time.Duration
	for range 12 {
		backoffs = append(backoffs, tr.failed(uid, inputs))
	}
	if backoffs[0] > 2*time.Second || backoffs[11] > 6*time.Minute || backoffs[11] < 4*time.Minute {
		t.Errorf("backoff must start near 1s and stop near 5m, got %v", backoffs)
	}
	if d := tr.decide(uid, inputs); d.due || d.wait != backoffs[11] {
		t.Errorf("before its backoff has passed, a failed object is not due, whatever the event; got %+v", d)
	}
	clk.SetTime(clk.Now().Add(backoffs[11]))
	if d := tr.decide(uid, inputs); !d.due {
		t.Errorf("once its backoff has passed, the next attempt is due, got %+v", d)
	}
}

func TestFingerprintIgnoresAnnotationOrder(t *testing.T) {
	a := fingerprint(3, map[string]string{"x": "1", "y": "2"})
	b := fingerprint(3, map[string]string{"y": "2", "x": "1"})
	if a != b {
		t.Error("fingerprint depends on map order")
	}
	if a == fingerprint(4, map[string]string{"x": "1", "y": "2"}) {
		t.Error("fingerprint ignores the generation")
	}
	if fingerprint(1, map[string]string{"ab": ""}) == fingerprint(1, map[string]string{"a": "b"}) {
		t.Error("fingerprint confuses key and value boundaries")
	}
}

func TestSyncTrackerCacheView(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Now())
	tr := newSyncTracker(clk, 10*time.Minute, DefaultPollInterval)
	const uid = "uid-1"
	if v := tr.view(uid, "100"); v != viewCurrent {
		t.Errorf("an object never reconciled is current, got %v", v)
	}
	tr.endedWith(uid, "105")
	tests := map[string]struct {
		resourceVersion string
		want            cacheView
	}{
		"an older version is the cache lagging behind our own write": {"104", viewBehind},
		"versions compare as numbers, not as strings":                {"99", viewBehind},
		"the version the reconcile ended with is current":            {"105", viewCurrent},
		"a newer version is someone else's change":                   {"1000", viewCurrent},
		"a malformed version is current":                             {"abc", viewCurrent},
	}
	for name, tc := range tests {
		if got := tr.view(uid, tc.resourceVersion); got != tc.want {
			t.Errorf("%s: view(%q) = %v, want %v", name, tc.resourceVersion, got, tc.want)
		}
	}
	clk.SetTime(clk.Now().Add(maxCacheLag + time.Second))
	if v := tr.view(uid, "104"); v != viewLate {
		t.Errorf("a view still older maxCacheLag after the write is late (read the API server), got %v", v)
	}
	tr.forget(uid)
	if v := tr.view(uid, "104"); v != viewCurrent {
		t.Errorf("a forgotten object is current, got %v", v)
	}
}

func TestSyncTrackerResume(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Now())
	tr := newSyncTracker(clk, 10*time.Minute, DefaultPollInterval)
	if d := tr.decide("uid-1", 7); !d.due || !d.unknown {
		t.Fatalf("an object this process never synced is due and unknown, got %+v", d)
	}
	// Synced by an earlier process 5 minutes ago: due again 9 to 11 minutes after that.
	d := tr.resume("uid-1", 7, clk.Now().Add(-5*time.Minute))
	if d.due || d.unknown || d.wait < 4*time.Minute || d.wait > 6*time.Minute {
		t.Errorf("a resumed object waits out the earlier process's resync, got %+v", d)
	}
	if d := tr.decide("uid-1", 8); !d.due || !d.inputsChanged || d.unknown {
		t.Errorf("new inputs make a resumed object due, got %+v", d)
	}
	// Synced longer ago than a resync period: due now, as the first timer-driven resync
	// after a change (which reads everything).
	if d := tr.resume("uid-2", 7, clk.Now().Add(-time.Hour)); !d.due || d.inputsChanged || d.resyncs != 0 {
		t.Errorf("an object synced more than a resync period ago is due, got %+v", d)
	}
	// A paused object is known to the process: its next decision is due, and never
	// resumed from status.
	tr.pause("uid-2")
	if d := tr.decide("uid-2", 7); !d.due || d.unknown {
		t.Errorf("an unpaused object syncs, got %+v", d)
	}
}
