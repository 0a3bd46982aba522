package twilio

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits bound what the operator asks of one Twilio account, across all controllers.
type Limits struct {
	// MaxConcurrency is the number of requests in flight at once (--twilio-max-concurrency).
	MaxConcurrency int
	// QPS is the number of requests started per second (--twilio-qps).
	QPS float64
	// RegistrationWriteInterval is the least time between the end of one brand or campaign
	// write and the start of the next: TCR-backed endpoints take at most one write per
	// second per account. Default 1s.
	RegistrationWriteInterval time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxConcurrency < 1 {
		l.MaxConcurrency = 20
	}
	if l.QPS <= 0 {
		l.QPS = 20
	}
	if l.RegistrationWriteInterval <= 0 {
		l.RegistrationWriteInterval = time.Second
	}
	return l
}

// accountLimiter holds the limits of one account.
type accountLimiter struct {
	inflight chan struct{}
	rate     *rate.Limiter

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
	burst := max(1, int(l.QPS))
	return &accountLimiter{
		inflight:             make(chan struct{}, l.MaxConcurrency),
		rate:                 rate.NewLimiter(rate.Limit(l.QPS), burst),
		registration:         make(chan struct{}, 1),
		registrationInterval: l.RegistrationWriteInterval,
	}
}

// acquire waits until a request may start and returns the function that ends it.
func (l *accountLimiter) acquire(ctx context.Context, registrationWrite bool) (release func(), err error) {
	releaseRegistration := func() {}
	if registrationWrite {
		if releaseRegistration, err = l.acquireRegistration(ctx); err != nil {
			return nil, err
		}
	}
	if err := l.rate.Wait(ctx); err != nil {
		releaseRegistration()
		return nil, err
	}
	select {
	case l.inflight <- struct{}{}:
	case <-ctx.Done():
		releaseRegistration()
		return nil, ctx.Err()
	}
	return func() {
		<-l.inflight
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
