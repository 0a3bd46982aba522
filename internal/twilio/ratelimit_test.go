package twilio

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLimiterBoundsConcurrency(t *testing.T) {
	l := newAccountLimiter(Limits{MaxConcurrency: 3, QPS: 1000})
	var inflight, peak atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := l.acquire(context.Background(), false)
			if err != nil {
				t.Error(err)
				return
			}
			n := inflight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond) // hold the slot so others must wait
			inflight.Add(-1)
			release(false)
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak in-flight = %d, want at most the limit 3 (and more than one at a time)", p)
	}
}

// TestRegistrationWritesAreSpaced checks that the next brand or campaign write starts
// at least the interval after the previous one ended, however many are waiting.
func TestRegistrationWritesAreSpaced(t *testing.T) {
	const interval = 40 * time.Millisecond
	l := newAccountLimiter(Limits{MaxConcurrency: 10, QPS: 1000, RegistrationWriteInterval: interval})
	var mu sync.Mutex
	var spans [][2]time.Time
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := l.acquire(context.Background(), true)
			if err != nil {
				t.Error(err)
				return
			}
			start := time.Now()
			time.Sleep(3 * time.Millisecond) // the request's own latency
			end := time.Now()
			release(false)
			mu.Lock()
			spans = append(spans, [2]time.Time{start, end})
			mu.Unlock()
		}()
	}
	wg.Wait()
	for i := 1; i < len(spans); i++ {
		if gap := spans[i][0].Sub(spans[i-1][1]); gap < interval {
			t.Errorf("write %d started %v after write %d ended, want at least %v", i, gap, i-1, interval)
		}
	}
	// Reads are not held by the registration gate.
	release, err := l.acquire(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	release(false)
}

func TestLimiterHonoursCancellation(t *testing.T) {
	l := newAccountLimiter(Limits{MaxConcurrency: 1, QPS: 1000})
	release, err := l.acquire(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer release(false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.acquire(ctx, false); err == nil {
		t.Error("acquire with a cancelled context must fail while the limit is reached")
	}
}

// TestWindowFollowsThrottling checks the account's concurrency window: halved once
// by a burst of 429s (not once per 429), never below one request, and grown back by
// successes to the configured maximum.
func TestWindowFollowsThrottling(t *testing.T) {
	w := newWindow(8)
	size := func() float64 { w.mu.Lock(); defer w.mu.Unlock(); return w.size }
	var epochs []uint64
	for range 8 {
		e, err := w.take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		epochs = append(epochs, e)
	}
	for _, e := range epochs {
		w.give(e, true) // all eight answered 429: one signal, sent at one window size
	}
	if got := size(); got != 4 {
		t.Errorf("a burst of 429s must halve the window once: size %v, want 4", got)
	}
	for range 5 {
		e, _ := w.take(context.Background())
		w.give(e, true)
	}
	if got := size(); got != 1 {
		t.Errorf("the window never drops below one request: size %v, want 1", got)
	}
	for range 100 {
		e, _ := w.take(context.Background())
		w.give(e, false)
	}
	if got := size(); got != 8 {
		t.Errorf("successes grow the window back to the maximum: size %v, want 8", got)
	}
}

func TestWindowBoundsInflight(t *testing.T) {
	w := newWindow(4)
	e, _ := w.take(context.Background())
	w.give(e, true) // size 2
	for range 2 {
		if _, err := w.take(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := w.take(ctx); err == nil {
		t.Error("a third request must wait while the window is two")
	}
	done := make(chan error, 1)
	go func() { _, err := w.take(context.Background()); done <- err }()
	w.give(0, false)
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Error("a freed slot must wake a waiting request")
	}
}

// A sync turned away waits in line and is woken, first in first out, when a place
// frees; a key waits once however often it is turned away; and an admitted sync that
// finds room left wakes the next in line, so a grown window fills without a release.
func TestAdmissionWakesTheLineInOrder(t *testing.T) {
	var a admission
	var woken []string
	wake := func(key string) func() { return func() { woken = append(woken, key) } }

	first, ok := a.admit(1, "a", wake("a"))
	if !ok {
		t.Fatal("the first sync was not admitted")
	}
	for _, key := range []string{"b", "c", "b"} {
		if _, ok := a.admit(1, key, wake(key)); ok {
			t.Fatalf("%s was admitted beyond the limit", key)
		}
	}
	if got := a.waitingCount(); got != 2 {
		t.Fatalf("%d syncs in line, want 2 (b once, c)", got)
	}
	first()
	first() // a second release changes nothing
	if !slices.Equal(woken, []string{"b"}) {
		t.Fatalf("woken after one release: %v, want [b]", woken)
	}
	second, ok := a.admit(1, "b", wake("b"))
	if !ok {
		t.Fatal("b was not admitted once woken")
	}
	// The window grows to 3 while b runs: b's admission saw no room, so c still waits
	// until a sync is admitted under the larger limit, which then wakes c.
	third, ok := a.admit(3, "d", nil)
	if !ok {
		t.Fatal("d was not admitted under the larger limit")
	}
	if !slices.Equal(woken, []string{"b", "c"}) {
		t.Fatalf("woken: %v, want [b c] (c woken by d's admission with room left)", woken)
	}
	if _, ok := a.admit(3, "c", wake("c")); !ok {
		t.Fatal("c was not admitted once woken")
	}
	if got := a.waitingCount(); got != 0 {
		t.Fatalf("%d syncs in line, want none", got)
	}
	second()
	third()
	if !slices.Equal(woken, []string{"b", "c"}) {
		t.Fatalf("releases with nobody in line woke %v", woken[2:])
	}
	// A sync that cannot be woken stays out of line.
	for range 3 {
		a.admit(3, "x", nil)
	}
	if _, ok := a.admit(3, "y", nil); ok {
		t.Fatal("y was admitted beyond the limit")
	}
	if got := a.waitingCount(); got != 0 {
		t.Fatalf("%d syncs in line, want none (no wake given)", got)
	}
}
