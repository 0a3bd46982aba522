package twilioemu

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Faults are the ways the emulator misbehaves on purpose, to show that a client copes
// with what real Twilio does under load or during an incident. The zero value is a
// well-behaved Twilio.
type Faults struct {
	// Latency delays every response by Latency plus a uniform random part of Jitter.
	Latency time.Duration `json:"latency,omitempty"`
	Jitter  time.Duration `json:"jitter,omitempty"`
	// ErrorRate is the fraction of requests (0–1) answered with a 5xx before they are
	// processed, drawn from ErrorStatuses (default 500 and 503, codes 20500/20503).
	ErrorRate     float64 `json:"errorRate,omitempty"`
	ErrorStatuses []int   `json:"errorStatuses,omitempty"`
	// ConcurrencyLimit is how many requests one account may have in flight; more are
	// answered 429 with code 20429 at once, as Twilio does. 0 is unlimited. It is an
	// account-wide property: the account's own Faults' limit counts (SetAccountFaults),
	// else the global one; a route's Faults never set it.
	ConcurrencyLimit int `json:"concurrencyLimit,omitempty"`
	// DropRate is the fraction of successful writes (POST, DELETE) whose change is
	// committed but whose response is never sent: the connection is closed (over HTTP)
	// or the in-process transport returns an error. DropNextWrites drops the next N
	// successful writes the same way, whatever the rate.
	DropRate       float64 `json:"dropRate,omitempty"`
	DropNextWrites int     `json:"dropNextWrites,omitempty"`
}

// Validate reports a setting the emulator cannot apply.
func (f Faults) Validate() error {
	switch {
	case f.Latency < 0 || f.Jitter < 0:
		return ErrInvalidSeed.withf("latency and jitter must not be negative")
	case f.ErrorRate < 0 || f.ErrorRate > 1 || f.DropRate < 0 || f.DropRate > 1:
		return ErrInvalidSeed.withf("errorRate and dropRate must be between 0 and 1")
	case f.ConcurrencyLimit < 0 || f.DropNextWrites < 0:
		return ErrInvalidSeed.withf("concurrencyLimit and dropNextWrites must not be negative")
	}
	for _, s := range f.ErrorStatuses {
		if s != http.StatusInternalServerError && s != http.StatusServiceUnavailable {
			return ErrInvalidSeed.withf("errorStatuses may only hold 500 and 503, not %d", s)
		}
	}
	return nil
}

// faultsJSON is Faults with durations as Go duration strings ("150ms").
type faultsJSON struct {
	Latency          string  `json:"latency,omitempty"`
	Jitter           string  `json:"jitter,omitempty"`
	ErrorRate        float64 `json:"errorRate,omitempty"`
	ErrorStatuses    []int   `json:"errorStatuses,omitempty"`
	ConcurrencyLimit int     `json:"concurrencyLimit,omitempty"`
	DropRate         float64 `json:"dropRate,omitempty"`
	DropNextWrites   int     `json:"dropNextWrites,omitempty"`
}

// MarshalJSON writes durations as strings such as "150ms".
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{Latency: durString(f.Latency), Jitter: durString(f.Jitter),
		ErrorRate: f.ErrorRate, ErrorStatuses: f.ErrorStatuses, ConcurrencyLimit: f.ConcurrencyLimit,
		DropRate: f.DropRate, DropNextWrites: f.DropNextWrites})
}

// UnmarshalJSON reads durations as strings such as "150ms".
func (f *Faults) UnmarshalJSON(data []byte) error {
	var j faultsJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	lat, err1 := parseDur(j.Latency)
	jit, err2 := parseDur(j.Jitter)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("faults: latency and jitter must be durations such as \"150ms\"")
	}
	*f = Faults{Latency: lat, Jitter: jit, ErrorRate: j.ErrorRate, ErrorStatuses: j.ErrorStatuses,
		ConcurrencyLimit: j.ConcurrencyLimit, DropRate: j.DropRate, DropNextWrites: j.DropNextWrites}
	return nil
}

// delaysJSON is Delays with durations as strings; a missing one is zero.
type delaysJSON struct {
	Brand              string `json:"brand"`
	CampaignInProgress string `json:"campaignInProgress"`
	Campaign           string `json:"campaign"`
	BundleReview       string `json:"bundleReview,omitempty"`
	BundleApproval     string `json:"bundleApproval,omitempty"`
	OTPExpiry          string `json:"otpExpiry,omitempty"`
}

// MarshalJSON writes durations as strings such as "2m0s".
func (d Delays) MarshalJSON() ([]byte, error) {
	return json.Marshal(delaysJSON{Brand: d.Brand.String(), CampaignInProgress: d.CampaignInProgress.String(),
		Campaign: d.Campaign.String(), BundleReview: d.BundleReview.String(), BundleApproval: d.BundleApproval.String(),
		OTPExpiry: d.OTPExpiry.String()})
}

// UnmarshalJSON reads durations as strings such as "90s".
func (d *Delays) UnmarshalJSON(data []byte) error {
	var j delaysJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	var out Delays
	for _, f := range []struct {
		dst *time.Duration
		src string
	}{{&out.Brand, j.Brand}, {&out.CampaignInProgress, j.CampaignInProgress}, {&out.Campaign, j.Campaign},
		{&out.BundleReview, j.BundleReview}, {&out.BundleApproval, j.BundleApproval}, {&out.OTPExpiry, j.OTPExpiry}} {
		v, err := parseDur(f.src)
		if err != nil {
			return fmt.Errorf("delays must be durations such as \"90s\"")
		}
		*f.dst = v
	}
	*d = out
	return nil
}

func durString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func parseDur(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	return time.ParseDuration(s)
}

// faultInjector applies Faults. It has its own lock so a slow response (latency) never
// holds the state's.
type faultInjector struct {
	mu       sync.Mutex
	rng      *rand.Rand
	global   Faults
	perRoute map[string]*Faults // by "METHOD /path/{Template}" or "/path/{Template}"
	// perAccount are the faults of one account (a throttled or slow subaccount), which
	// replace the global ones for its requests.
	perAccount map[string]*Faults
	inflight   map[string]int // account SID → requests in flight
}

func newFaultInjector(seed uint64) *faultInjector {
	return &faultInjector{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), //nolint:gosec // reproducible faults, not crypto
		perRoute: map[string]*Faults{}, perAccount: map[string]*Faults{}, inflight: map[string]int{}}
}

func (fi *faultInjector) set(f Faults) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.global = f
}

func (fi *faultInjector) setRoute(key string, f Faults) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.perRoute[key] = &f
}

func (fi *faultInjector) setAccount(account string, f Faults) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.perAccount[account] = &f
}

func (fi *faultInjector) reset(seed *uint64) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.global, fi.perRoute, fi.perAccount = Faults{}, map[string]*Faults{}, map[string]*Faults{}
	if seed != nil {
		fi.rng = rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15)) //nolint:gosec // reproducible faults
	}
}

// snapshot returns the global faults and the per-route ones.
func (fi *faultInjector) snapshot() (Faults, map[string]Faults) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	routes := make(map[string]Faults, len(fi.perRoute))
	for k, f := range fi.perRoute {
		routes[k] = *f
	}
	return fi.global, routes
}

// faultsFor is the Faults that apply to a request of account on rt: the route's own
// (by method and path, then by path alone), else the account's, else the global ones.
// Callers hold mu.
func (fi *faultInjector) faultsFor(rt *route, account string) *Faults {
	if f, ok := fi.perRoute[rt.key()]; ok {
		return f
	}
	if f, ok := fi.perRoute[rt.path]; ok {
		return f
	}
	if f, ok := fi.perAccount[account]; ok {
		return f
	}
	return &fi.global
}

// concurrencyLimit is the account's limit: its own, else the global one. Callers hold mu.
func (fi *faultInjector) concurrencyLimit(account string) int {
	if f, ok := fi.perAccount[account]; ok {
		return f.ConcurrencyLimit
	}
	return fi.global.ConcurrencyLimit
}

// acquire takes one of the account's in-flight slots; ok is false when the account is
// at its concurrency limit (the request must then be answered 429/20429).
func (fi *faultInjector) acquire(account string) (release func(), ok bool) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if limit := fi.concurrencyLimit(account); limit > 0 && fi.inflight[account] >= limit {
		return nil, false
	}
	fi.inflight[account]++
	return func() {
		fi.mu.Lock()
		defer fi.mu.Unlock()
		if fi.inflight[account]--; fi.inflight[account] <= 0 {
			delete(fi.inflight, account)
		}
	}, true
}

// before applies latency and the error rate to a request of account about to be
// processed. It returns the error to answer with instead, if any. The latency is not cut
// short when the client goes away: a request Twilio has received is processed (and a
// write committed) whether or not its client waits for the answer, which is what makes
// a client killed mid-request uncertain whether its create happened.
func (fi *faultInjector) before(rt *route, account string) error {
	fi.mu.Lock()
	f := fi.faultsFor(rt, account)
	delay := f.Latency
	if f.Jitter > 0 {
		delay += time.Duration(fi.rng.Int64N(int64(f.Jitter)))
	}
	var injected error
	if f.ErrorRate > 0 && fi.rng.Float64() < f.ErrorRate {
		injected = ErrInternal
		statuses := f.ErrorStatuses
		if len(statuses) == 0 {
			statuses = []int{http.StatusInternalServerError, http.StatusServiceUnavailable}
		}
		if statuses[fi.rng.IntN(len(statuses))] == http.StatusServiceUnavailable {
			injected = ErrUnavailable
		}
	}
	fi.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	return injected
}

// dropAfter decides whether the response to a committed write of account is dropped.
func (fi *faultInjector) dropAfter(rt *route, account string) bool {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	f := fi.faultsFor(rt, account)
	if f.DropNextWrites > 0 {
		f.DropNextWrites--
		return true
	}
	return f.DropRate > 0 && fi.rng.Float64() < f.DropRate
}
