package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// peaks are the highest values of the operator's runtime metrics while a phase ran,
// sampled every second: what a single reading after convergence cannot show.
type peaks struct {
	HeapInuse  int64 `json:"heapInuseBytes"`
	StackInuse int64 `json:"stackInuseBytes"`
	Goroutines int   `json:"goroutines"`
}

// sampler records peaks, and every sample for the phase's memory.csv, until stopped.
type sampler struct {
	mu     sync.Mutex
	peaks  peaks
	rows   []string
	cancel func()
	done   chan struct{}
}

func (w *world) startSampler(ctx context.Context) *sampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &sampler{cancel: cancel, done: make(chan struct{})}
	start := time.Now()
	s.rows = append(s.rows, "seconds,rssMiB,rssAnonMiB,rssFileMiB,heapInuseMiB,heapAllocMiB,nextGCMiB,heapIdleMiB,heapReleasedMiB,stackMiB,goroutines")
	go func() {
		defer close(s.done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if text, err := w.op.Metrics(); err == nil {
				s.record(time.Since(start), parseMetrics(text), w.op.PID())
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *sampler) record(at time.Duration, m metrics, pid int) {
	heap := int64(m.sum("go_memstats_heap_inuse_bytes", nil))
	stack := int64(m.sum("go_memstats_stack_inuse_bytes", nil))
	goroutines := int(m.sum("go_goroutines", nil))
	var rss, anon, file int64
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		rss = procField(string(status), "VmRSS:") * 1024
		anon, file = procField(string(status), "RssAnon:")*1024, procField(string(status), "RssFile:")*1024
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peaks.HeapInuse = max(s.peaks.HeapInuse, heap)
	s.peaks.StackInuse = max(s.peaks.StackInuse, stack)
	s.peaks.Goroutines = max(s.peaks.Goroutines, goroutines)
	mb := func(name string) float64 { return m.sum(name, nil) / (1 << 20) }
	s.rows = append(s.rows, fmt.Sprintf("%.0f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%d", at.Seconds(), mib(rss), mib(anon),
		mib(file), mib(heap), mb("go_memstats_heap_alloc_bytes"), mb("go_memstats_next_gc_bytes"),
		mb("go_memstats_heap_idle_bytes"), mb("go_memstats_heap_released_bytes"), mib(stack), goroutines))
}

// save writes every sample as CSV.
func (s *sampler) save(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return os.WriteFile(path, []byte(strings.Join(s.rows, "\n")+"\n"), 0o644)
}

// stop ends sampling and returns the peaks.
func (s *sampler) stop() peaks {
	s.cancel()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peaks
}

// warningEvents summarises the Warning events the operator emitted in namespace: the
// number of each reason and note, most frequent first, with the numbers in notes
// (SIDs, counts) left as they are.
func warningEvents(ctx context.Context, c client.Client, namespace string) (map[string]int, error) {
	list := &eventsv1.EventList{}
	if err := c.List(ctx, list, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, e := range list.Items {
		if e.Type != "Warning" {
			continue
		}
		note := digits.ReplaceAllString(sids.ReplaceAllString(e.Note, "${1}…"), "N")
		if len(note) > 160 {
			note = note[:160] + "…"
		}
		out[e.Reason+": "+note]++
	}
	return out, nil
}

var (
	sids   = regexp.MustCompile(`\b(MG|PN|QE|BN|AC|BU)[0-9a-fA-F]{32}\b`)
	digits = regexp.MustCompile(`[0-9]+`)
)

// topKeys returns the n largest entries of counts.
func topKeys(counts map[string]int, n int) map[string]int {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	out := map[string]int{}
	for _, k := range keys[:min(n, len(keys))] {
		out[k] = counts[k]
	}
	return out
}
