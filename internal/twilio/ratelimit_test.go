package twilio

import (
	"context"
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
			release()
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
			release()
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
	release()
}

func TestLimiterHonoursCancellation(t *testing.T) {
	l := newAccountLimiter(Limits{MaxConcurrency: 1, QPS: 1000})
	release, err := l.acquire(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.acquire(ctx, false); err == nil {
		t.Error("acquire with a cancelled context must fail while the limit is reached")
	}
}
