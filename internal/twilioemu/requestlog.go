package twilioemu

import (
	"strings"
	"sync"
	"time"
)

// RequestRecord is one Twilio request the emulator answered (admin requests are not
// recorded). Route is the counter key: the method and the path template, such as
// "GET /v1/Services/{Sid}"; unmatched paths count as "METHOD (unmatched)".
type RequestRecord struct {
	Time      time.Time     `json:"time"`
	Method    string        `json:"method"`
	Route     string        `json:"route"`
	Template  string        `json:"template,omitempty"`
	Path      string        `json:"path"`
	Account   string        `json:"account,omitempty"`
	Status    int           `json:"status"`
	Code      int           `json:"code,omitempty"`
	UserAgent string        `json:"userAgent,omitempty"`
	Duration  time.Duration `json:"duration"`
	// Dropped says the write was committed but its response never sent.
	Dropped bool `json:"dropped,omitempty"`
}

type counterKey struct{ route, userAgent string }

// requestLog keeps the most recent requests (a ring of limit entries) and counts all
// of them, per route and User-Agent, so a test can tell which of two processes made a
// call.
type requestLog struct {
	mu       sync.Mutex
	limit    int
	records  []RequestRecord // ring buffer once full; next is the oldest entry
	next     int
	counters map[counterKey]int
}

func newRequestLog(limit int) *requestLog {
	return &requestLog{limit: max(limit, 1), counters: map[counterKey]int{}}
}

func (l *requestLog) add(r RequestRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.records) < l.limit {
		l.records = append(l.records, r)
	} else {
		l.records[l.next] = r
		l.next = (l.next + 1) % l.limit
	}
	l.counters[counterKey{r.Route, r.UserAgent}]++
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records, l.next, l.counters = nil, 0, map[counterKey]int{}
}

// list returns the records, oldest first, whose User-Agent contains ua ("" for all).
func (l *requestLog) list(ua string) []RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]RequestRecord, 0, len(l.records))
	for i := range l.records {
		if r := l.records[(l.next+i)%len(l.records)]; strings.Contains(r.UserAgent, ua) {
			out = append(out, r)
		}
	}
	return out
}

// counts returns the number of requests per route from clients whose User-Agent
// contains ua ("" for all).
func (l *requestLog) counts(ua string) map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for k, n := range l.counters {
		if strings.Contains(k.userAgent, ua) {
			out[k.route] += n
		}
	}
	return out
}
