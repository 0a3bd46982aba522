package twilio

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits bound what the operator asks of one Twilio account, across all controllers.
type Limits struct {
	// MaxConcurrency is the most requests in flight at once (--twilio-max-concurrency):
	// where the adaptive window starts, and the most it grows back to. Default 100.
	MaxConcurrency int
	// QPS caps the requests started per second (--twilio-qps); 0 (the default) caps
	// nothing: Twilio limits concurrency, not rate, and the window finds that limit.
	QPS float64
	// MaxSyncsPerAccount is the most syncs of one account's objects admitted at once
	// (Client.Admit), so one account cannot hold every worker; 0 is no bound besides the
	// window. The controllers set it to a share of their workers.
	MaxSyncsPerAccount int
	// RegistrationWriteInterval is the least time between the end of one brand or campaign
	// write and the start of the next: TCR-backed endpoints take at most one write per
	// second per account. Default 1s.
	RegistrationWriteInterval time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxConcurrency < 1 {
		l.MaxConcurrency = 100
	}
	if l.RegistrationWriteInterval <= 0 {
		l.RegistrationWriteInterval = time.Second
	}
	return l
}

// accountLimiter holds the limits of one account.
type accountLimiter struct {
	inflight *window
	rate     *rate.Limiter // nil: no rate cap
	admitted admission

	// Brand and campaign writes run one at a time; the next starts at least
	// RegistrationWriteInterval after the previous one ended, so Twilio never receives
	// two within a second, whatever the network latency.
	registration         chan struct{}
	registrationInterval time.Duration
	mu                   sync.Mutex
	lastRegistration     time.Time
}

func newAccountLimiter(l Limits) *accountLimiter {
	l = l.withDefaults()
	a := &accountLimiter{
		inflight:             newWindow(l.MaxConcurrency),
		registration:         make(chan struct{}, 1),
		registrationInterval: l.RegistrationWriteInterval,
		admitted:             admission{most: l.MaxSyncsPerAccount},
	}
	if l.QPS > 0 {
		a.rate = rate.NewLimiter(rate.Limit(l.QPS), max(1, int(l.QPS)))
	}
	return a
}

// acquire waits until a request may start and returns the function that ends it;
// throttled says Twilio answered it 429.
func (l *accountLimiter) acquire(ctx context.Context, registrationWrite bool) (release func(throttled bool), err error) {
	releaseRegistration := func() {}
	if registrationWrite {
		if releaseRegistration, err = l.acquireRegistration(ctx); err != nil {
			return nil, err
		}
	}
	if l.rate != nil {
		if err := l.rate.Wait(ctx); err != nil {
			releaseRegistration()
			return nil, err
		}
	}
	epoch, err := l.inflight.take(ctx)
	if err != nil {
		releaseRegistration()
		return nil, err
	}
	return func(throttled bool) {
		l.inflight.give(epoch, throttled)
		releaseRegistration()
	}, nil
}

func (l *accountLimiter) acquireRegistration(ctx context.Context) (func(), error) {
	select {
	case l.registration <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	l.mu.Lock()
	wait := time.Until(l.lastRegistration.Add(l.registrationInterval))
	l.mu.Unlock()
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			<-l.registration
			return nil, ctx.Err()
		}
	}
	return func() {
		l.mu.Lock()
		l.lastRegistration = time.Now()
		l.mu.Unlock()
		<-l.registration
	}, nil
}

// window bounds the requests in flight to what the account takes. It starts at
// MaxConcurrency; a 429 (the account's concurrency limit is lower, or other clients
// share it) halves it, and each successful request grows it by 1/size, so by one per
// window of successes, back up to MaxConcurrency. Without it, every request above the
// account's real limit is answered 429 and retried, over and over.
type window struct {
	mu       sync.Mutex
	max      float64
	size     float64
	inflight int
	// epoch counts the decreases: the 429s of requests sent before the last decrease
	// were caused by the old size and do not halve it again.
	epoch uint64
	// freed is closed, and replaced, when a slot frees or the window grows.
	freed chan struct{}
}

func newWindow(maxConcurrency int) *window {
	return &window{max: float64(maxConcurrency), size: float64(maxConcurrency), freed: make(chan struct{})}
}

// take waits for a slot and returns the epoch it was taken in.
func (w *window) take(ctx context.Context) (uint64, error) {
	for {
		w.mu.Lock()
		if w.inflight < int(w.size) {
			w.inflight++
			epoch := w.epoch
			w.mu.Unlock()
			return epoch, nil
		}
		freed := w.freed
		w.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// give returns a slot taken in epoch; throttled says its request was answered 429.
func (w *window) give(epoch uint64, throttled bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight--
	switch {
	case throttled && epoch == w.epoch:
		w.size = max(1, w.size/2)
		w.epoch++
	case !throttled:
		w.size = min(w.max, w.size+1/w.size)
	}
	close(w.freed)
	w.freed = make(chan struct{})
}

// admission bounds the syncs of one account in flight, so that an account that is
// slow or throttled holds a few workers, never all of them: at most the account's
// current window (what Twilio takes in flight) and at most most. A sync beyond that is
// not admitted; it waits in line, and its worker goes to another account's object.
// When a place frees, the sync first in line is woken: a busy account's waiting objects
// cost nothing until there is room for one of them, instead of being tried again and
// again.
type admission struct {
	mu      sync.Mutex
	running int
	most    int
	// waiting is the line of syncs turned away, by key, oldest first; wakes holds how to
	// wake each. A key is in line once, at its first place.
	waiting []string
	wakes   map[string]func()
}

// admit takes a place for one sync, if there is one under limit. Without one, the sync
// identified by key gets in line, and wake is called (once, and never with a.mu held)
// when a place may be free for it; wake nil stays out of line.
func (a *admission) admit(limit int, key string, wake func()) (release func(), ok bool) {
	a.mu.Lock()
	if a.most > 0 {
		limit = min(limit, a.most)
	}
	limit = max(1, limit)
	if a.running >= limit {
		if wake != nil {
			a.enqueue(key, wake)
		}
		a.mu.Unlock()
		return nil, false
	}
	a.running++
	a.dequeue(key)
	// Room for more (the window grew, or several places freed at once): the next in
	// line is woken too, so a free place does not wait for the next release.
	var next func()
	if a.running < limit {
		next = a.popWake()
	}
	a.mu.Unlock()
	if next != nil {
		next()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			a.running--
			next := a.popWake()
			a.mu.Unlock()
			if next != nil {
				next()
			}
		})
	}, true
}

func (a *admission) enqueue(key string, wake func()) {
	if a.wakes == nil {
		a.wakes = map[string]func(){}
	}
	if _, in := a.wakes[key]; !in {
		a.waiting = append(a.waiting, key)
	}
	a.wakes[key] = wake
}

// dequeue takes key out of line (its sync was admitted); its place in waiting is
// skipped when reached.
func (a *admission) dequeue(key string) {
	delete(a.wakes, key)
}

// popWake takes the first sync still in line out of it and returns its wake.
func (a *admission) popWake() func() {
	for len(a.waiting) > 0 {
		key := a.waiting[0]
		a.waiting[0] = ""
		a.waiting = a.waiting[1:]
		if wake, in := a.wakes[key]; in {
			delete(a.wakes, key)
			return wake
		}
	}
	a.waiting = nil // let the emptied backing array go
	return nil
}

// waitingCount is how many syncs are in line.
func (a *admission) waitingCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.wakes)
}

// size is the window's current size, in requests.
func (w *window) current() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return max(1, int(w.size))
}
