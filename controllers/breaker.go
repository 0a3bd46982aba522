package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// writeBreaker bounds the Twilio writes of one object without a spec change. A write
// that does not stick (something outside undoes it, or Twilio keeps its own value in a
// way the operator did not recognise) would otherwise be repeated at every resync,
// forever. Past maxWritesPerHour within an hour of one generation, the object stops
// writing and is Stalled, reason WriteLoop, until its spec changes. The count is per
// process: a restart starts it again, which at worst lets one more hour of writes
// through.
type writeBreaker struct {
	clock clock.PassiveClock

	mu     sync.Mutex
	writes map[types.UID]*writeLog
}

type writeLog struct {
	generation int64
	at         []time.Time
}

// maxWritesPerHour is how many Twilio writes one object may make within an hour
// without a spec change: a resync every 10 minutes that finds drift in the service and
// in the pool is 12.
const maxWritesPerHour = 20

func newWriteBreaker(c clock.PassiveClock) *writeBreaker {
	return &writeBreaker{clock: c, writes: map[types.UID]*writeLog{}}
}

// allow reports whether obj may write n more times now, at its current generation.
func (b *writeBreaker) allow(obj conditioned, n int) error {
	if n == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.log(obj)
	if len(l.at)+n <= maxWritesPerHour {
		return nil
	}
	return stall(v1alpha1.ReasonWriteLoop,
		"%d writes to Twilio within an hour without a spec change: something keeps undoing them, so the operator "+
			"stopped writing; see status.drift and the events, then change the spec (or wait an hour) to try again",
		len(l.at))
}

// wrote records one write of obj.
func (b *writeBreaker) wrote(obj conditioned) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.log(obj)
	l.at = append(l.at, b.clock.Now())
}

// log is obj's writes of the last hour at its generation. Callers hold mu.
func (b *writeBreaker) log(obj conditioned) *writeLog {
	l, ok := b.writes[obj.GetUID()]
	if !ok || l.generation != obj.GetGeneration() {
		l = &writeLog{generation: obj.GetGeneration()}
		b.writes[obj.GetUID()] = l
	}
	cutoff := b.clock.Now().Add(-time.Hour)
	kept := l.at[:0]
	for _, t := range l.at {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	l.at = kept
	return l
}

// forget drops a deleted object.
func (b *writeBreaker) forget(uid types.UID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.writes, uid)
}
