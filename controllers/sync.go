package controllers

import (
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/resourceversion"
	"k8s.io/utils/clock"
)

// syncTracker remembers, per object, what the operator last reconciled against Twilio.
// Twilio calls are the scarce resource: a reconcile whose inputs (generation,
// annotations, credentials Secret, related objects) are unchanged since the last sync
// makes no Twilio call until the jittered resync period has passed. Events caused by the
// operator's own status writes therefore cost nothing. The memory is per process; after
// a restart every object is read once, as a resync.
type syncTracker struct {
	clock  clock.PassiveClock
	resync time.Duration
	poll   PollInterval

	mu    sync.Mutex
	state map[types.UID]*syncState
	// ended is, per object, the resourceVersion its last reconcile ended with (after the
	// operator's own writes), and when.
	ended map[types.UID]endedAt
}

type endedAt struct {
	resourceVersion string
	at              time.Time
}

type syncState struct {
	inputs   uint64
	syncedAt time.Time
	// next is this object's jittered resync interval, drawn at each sync.
	next time.Duration
	// resyncs counts the timer-driven syncs since the last input change; steps use it
	// to spread their reads over resync periods.
	resyncs int
	// paused is true while the object is paused: nothing is known of its syncs.
	paused bool
	// failures counts consecutive transient failures, for the backoff; retryAt is when
	// the next attempt is due. An event before then (the object's own create-pending
	// write, a status patch) does not bring the retry forward.
	failures int
	retryAt  time.Time
	// polls counts consecutive syncs that ended waiting (for vetting, for bundles), for
	// the growing poll interval; 0 after a sync that did not wait.
	polls int
}

// PollInterval bounds how often a registration waiting for Twilio is re-read: from Min,
// growing by half each time, up to Max, jittered ±10%.
type PollInterval struct {
	Min, Max time.Duration
}

// DefaultPollInterval polls vetting from 30 seconds up to 10 minutes.
var DefaultPollInterval = PollInterval{Min: 30 * time.Second, Max: 10 * time.Minute}

// after returns the wait before poll number n (0-based).
func (p PollInterval) after(n int) time.Duration {
	d := float64(p.Min)
	for i := 0; i < n && d < float64(p.Max); i++ {
		d *= 1.5
	}
	return jitter(min(time.Duration(d), p.Max))
}

func newSyncTracker(c clock.PassiveClock, resync time.Duration, poll PollInterval) *syncTracker {
	return &syncTracker{clock: c, resync: resync, poll: poll, state: map[types.UID]*syncState{}, ended: map[types.UID]endedAt{}}
}

// syncDecision says whether Twilio may be called now.
type syncDecision struct {
	// due is true when the object must be synced with Twilio now.
	due bool
	// inputsChanged is true when something other than the timer made it due.
	inputsChanged bool
	// resyncs is the number of timer-driven syncs since the inputs last changed.
	resyncs int
	// polls is the number of consecutive earlier syncs that ended waiting.
	polls int
	// wait is the time until the next resync when not due.
	wait time.Duration
	// unknown is true when this process has no record of the object: it started, or
	// became the leader, after the object's last sync.
	unknown bool
}

func (t *syncTracker) decide(uid types.UID, inputs uint64) syncDecision {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.state[uid]
	if !ok || s.paused || s.inputs != inputs {
		return syncDecision{due: true, inputsChanged: true, unknown: !ok}
	}
	if s.failures > 0 {
		if wait := s.retryAt.Sub(t.clock.Now()); wait > 0 {
			return syncDecision{wait: wait}
		}
		return syncDecision{due: true, resyncs: s.resyncs, polls: s.polls}
	}
	if wait := s.syncedAt.Add(s.next).Sub(t.clock.Now()); wait > 0 {
		return syncDecision{wait: wait}
	}
	if s.polls > 0 {
		return syncDecision{due: true, resyncs: s.resyncs, polls: s.polls}
	}
	return syncDecision{due: true, resyncs: s.resyncs + 1}
}

// synced records a sync that reached a stable state (success, or a Stalled state that
// waits for the user) and returns when to resync.
func (t *syncTracker) synced(uid types.UID, inputs uint64, d syncDecision) time.Duration {
	return t.record(uid, inputs, d, jitter(t.resync), 0)
}

// resume records a sync this process did not make: the one an earlier process (before
// a restart or a leader change) made at syncedAt with the same inputs, as the object's
// status shows. The object's next sync is due a jittered resync period after it.
func (t *syncTracker) resume(uid types.UID, inputs uint64, syncedAt time.Time) syncDecision {
	t.mu.Lock()
	// resyncs -1: the first resync counts as the first after a change (0), which reads
	// everything; this process does not know what the earlier one's last resync read.
	t.state[uid] = &syncState{inputs: inputs, syncedAt: syncedAt, next: jitter(t.resync), resyncs: -1}
	t.mu.Unlock()
	return t.decide(uid, inputs)
}

// waiting records a sync that ended waiting for Twilio (vetting, bundle review) and
// returns when to poll: sooner at first, less often the longer the wait lasts.
func (t *syncTracker) waiting(uid types.UID, inputs uint64, d syncDecision) time.Duration {
	return t.record(uid, inputs, d, t.poll.after(d.polls), d.polls+1)
}

func (t *syncTracker) record(uid types.UID, inputs uint64, d syncDecision, next time.Duration, polls int) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state[uid] = &syncState{inputs: inputs, syncedAt: t.clock.Now(), next: next, resyncs: d.resyncs, polls: polls}
	return next
}

// failed records a transient failure and returns the backoff before the next attempt:
// 1s doubling to 5 minutes, per object, as the controllers' workqueue rate limiter
// (rateLimiter) retries it; until then, no other event makes the object due.
func (t *syncTracker) failed(uid types.UID, inputs uint64) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.state[uid]
	if !ok || s.inputs != inputs {
		s = &syncState{inputs: inputs}
		t.state[uid] = s
	}
	s.failures++
	backoff := min(time.Second<<min(s.failures-1, 9), 5*time.Minute)
	s.retryAt = t.clock.Now().Add(backoff)
	return backoff
}

// pause drops what is known of a paused object's syncs, so its first reconcile after
// the pause syncs: Twilio may have been changed by hand meanwhile, which is what a
// pause is for. Unlike forget, the process keeps knowing the object, so that sync is
// never skipped by resuming from the status, which a pause leaves as it was.
func (t *syncTracker) pause(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state[uid] = &syncState{paused: true}
}

// forget drops what is known of a deleted object.
func (t *syncTracker) forget(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.state, uid)
	delete(t.ended, uid)
}

// maxCacheLag bounds how long a reconcile waits for the cache to catch up with the
// operator's own last write of an object before it reads the object from the API
// server instead. Waiting costs no API call; at scale, with the API server saturated,
// watch events were measured arriving more than a minute late.
const maxCacheLag = time.Minute

// cacheView says how the cache's view of an object compares with the version its last
// reconcile ended with.
type cacheView int

const (
	// viewCurrent: as new as, or newer than, what the operator last wrote.
	viewCurrent cacheView = iota
	// viewBehind: older; the newer version is on its way.
	viewBehind
	// viewLate: older, and still so maxCacheLag after the write: read the object
	// from the API server.
	viewLate
)

// endedWith records the resourceVersion a reconcile of the object ended with.
func (t *syncTracker) endedWith(uid types.UID, resourceVersion string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ended[uid] = endedAt{resourceVersion: resourceVersion, at: t.clock.Now()}
}

// view compares resourceVersion, the object as the cache shows it, with the version
// its last reconcile ended with. Acting on an older view would take the operator's own
// intermediate state (a create-pending marker without the SID written next) for a new
// input and read Twilio again. resourceVersions compare as integers (KEP-5504); a
// malformed one is always current.
func (t *syncTracker) view(uid types.UID, resourceVersion string) cacheView {
	t.mu.Lock()
	e, ok := t.ended[uid]
	t.mu.Unlock()
	if !ok {
		return viewCurrent
	}
	if cmp, err := resourceversion.CompareResourceVersion(resourceVersion, e.resourceVersion); err != nil || cmp >= 0 {
		return viewCurrent
	}
	if t.clock.Since(e.at) > maxCacheLag {
		return viewLate
	}
	return viewBehind
}

// jitter spreads d by ±10%, so objects created together do not resync together.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64())) //nolint:gosec // not for security
}

// fingerprint hashes the inputs of a reconcile: generation, annotations and any extra
// strings (the credentials Secret's resourceVersion, related objects).
func fingerprint(generation int64, annotations map[string]string, extra ...string) uint64 {
	h := fnv.New64a()
	write := func(s string) { _, _ = h.Write([]byte(s)); _, _ = h.Write([]byte{0}) }
	write(strconv.FormatInt(generation, 10))
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		write(k)
		write(annotations[k])
	}
	for _, e := range extra {
		write(e)
	}
	return h.Sum64()
}
