package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// noOpResult is phase 2's check that events which change neither the generation, the
// annotations nor the credentials Secret cost no Twilio request.
type noOpResult struct {
	Events []string      `json:"events"`
	Window time.Duration `json:"windowNanoseconds"`
	// TwilioRequests is every Twilio request of the operator in the window; resyncs
	// that fell due in it are included.
	TwilioRequests int `json:"twilioRequests"`
	// CausedByEvents is the requests of the window that no due resync explains: a
	// request on an object synced less than 90% of a resync period earlier (the shortest
	// jittered period), or a request on no Messaging Service at all.
	CausedByEvents int `json:"twilioRequestsCausedByEvents"`
	// KubeWrites is the operator's Kubernetes writes in the window.
	KubeWrites int `json:"kubeWrites"`
}

// noOpEvents patches a label and a status field on every object and changes a Secret
// no object references, then counts the Twilio requests that follow.
func noOpEvents(ctx context.Context, w *world, objs []client.Object, resync time.Duration) (noOpResult, error) {
	r := noOpResult{Events: []string{
		fmt.Sprintf("label patch on %d MessagingServices", len(objs)),
		fmt.Sprintf("status patch (lastSyncTime: null) on %d MessagingServices", len(objs)),
		"create and update of a Secret no object references",
	}}
	before, err := w.snapshot(ctx)
	if err != nil {
		return r, err
	}
	label := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"bench.twilio-operator.io/touched":"yes"}}}`))
	status := client.RawPatch(types.MergePatchType, []byte(`{"status":{"lastSyncTime":null}}`))
	err = forEach(ctx, objs, func(ctx context.Context, o client.Object) error {
		if err := w.k8s.Patch(ctx, o, label); err != nil {
			return err
		}
		return w.k8s.Status().Patch(ctx, o, status)
	})
	if err != nil {
		return r, err
	}
	unrelated := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "unrelated", Namespace: benchNamespace},
		StringData: map[string]string{"key": "one"}}
	if err := w.k8s.Create(ctx, unrelated); err != nil {
		return r, err
	}
	unrelated.StringData = map[string]string{"key": "two"}
	if err := w.k8s.Update(ctx, unrelated); err != nil {
		return r, err
	}
	time.Sleep(5 * time.Second) // the operator's watch sees every event well within this
	after, err := w.snapshot(ctx)
	if err != nil {
		return r, err
	}
	r.Window = after.at.Sub(before.at)
	t := between(before, after)
	r.TwilioRequests, r.KubeWrites = t.TwilioTotal, t.KubeWrites
	log, err := w.emu.Admin.Requests()
	if err != nil {
		return r, err
	}
	r.CausedByEvents = notResyncs(operatorRequests(log), before.at, after.at, resync)
	return r, nil
}

// steadyResult is phase 2: Twilio requests of objects that are Ready and unchanged.
type steadyResult struct {
	ResyncPeriod time.Duration `json:"resyncPeriodNanoseconds"`
	Window       time.Duration `json:"windowNanoseconds"`
	Traffic      traffic       `json:"traffic"`
	// ReadsPerObjectPerResync is the Twilio reads in the window divided by objects and
	// by the resync periods the window spans.
	ReadsPerObjectPerResync float64 `json:"twilioReadsPerObjectPerResync"`
	// TwilioWrites is requests other than GET: drift correction, of which there is none.
	TwilioWrites int `json:"twilioWrites"`
	// KubeWritesPerObjectPerResync is the operator's Kubernetes writes likewise.
	KubeWritesPerObjectPerResync float64 `json:"kubeWritesPerObjectPerResync"`
	// MinInterval is the shortest time between two syncs of one object in the window.
	MinInterval time.Duration `json:"minIntervalBetweenSyncsNanoseconds"`
}

// steadyState waits until the window that started at before has lasted the configured
// number of resync periods and measures it.
func steadyState(ctx context.Context, cfg config, w *world, objects int, before snapshot) (steadyResult, error) {
	r := steadyResult{ResyncPeriod: cfg.resync, Window: time.Duration(cfg.steadyPeriods) * cfg.resync}
	say("steady state: watching %d resync periods of %v", cfg.steadyPeriods, cfg.resync)
	select {
	case <-ctx.Done():
		return r, ctx.Err()
	case <-time.After(time.Until(before.at.Add(r.Window))):
	}
	after, err := w.snapshot(ctx)
	if err != nil {
		return r, err
	}
	r.Window = after.at.Sub(before.at)
	r.Traffic = between(before, after)
	periods := float64(r.Window) / float64(cfg.resync)
	reads := 0
	for route, n := range r.Traffic.Twilio {
		if strings.HasPrefix(route, "GET ") {
			reads += n
		} else {
			r.TwilioWrites += n
		}
	}
	r.ReadsPerObjectPerResync = float64(reads) / float64(objects) / periods
	r.KubeWritesPerObjectPerResync = float64(r.Traffic.KubeWrites) / float64(objects) / periods
	log, err := w.emu.Admin.Requests()
	if err != nil {
		return r, err
	}
	r.MinInterval = minSyncInterval(operatorRequests(log), before.at, after.at)
	return r, nil
}

// operatorRequests keeps the operator's records of the emulator's request log.
func operatorRequests(log []twilioemu.RequestRecord) []twilioemu.RequestRecord {
	out := log[:0:0]
	for _, r := range log {
		if strings.Contains(r.UserAgent, operatorUserAgent) {
			out = append(out, r)
		}
	}
	return out
}

// serviceSID is the Messaging Service a request is about, "" for none (a create, a
// phone number lookup).
func serviceSID(path string) string {
	rest, ok := strings.CutPrefix(path, "/v1/Services/")
	if !ok || !strings.HasPrefix(rest, "MG") {
		return ""
	}
	sid, _, _ := strings.Cut(rest, "/")
	return sid
}

// sameSync is how close two requests on one object must be to belong to one sync
// (a sync after a change reads the service and its pool back to back).
const sameSync = 2 * time.Second

// notResyncs counts the requests in [from, to) that a due resync does not explain.
func notResyncs(log []twilioemu.RequestRecord, from, to time.Time, resync time.Duration) int {
	shortest := resync*9/10 - time.Second
	last := map[string]time.Time{} // per service, the start of its latest sync
	n := 0
	for _, r := range log {
		inWindow := !r.Time.Before(from) && r.Time.Before(to)
		sid := serviceSID(r.Path)
		if sid == "" {
			if inWindow {
				n++ // no resync creates a service or looks up a number
			}
			continue
		}
		prev, seen := last[sid]
		if seen && r.Time.Sub(prev) <= sameSync {
			continue // the second read of one sync
		}
		if inWindow && seen && r.Time.Sub(prev) < shortest {
			n++
		}
		last[sid] = r.Time
	}
	return n
}

// minSyncInterval is the shortest time between the starts of two syncs of one
// Messaging Service, for syncs that start in [from, to).
func minSyncInterval(log []twilioemu.RequestRecord, from, to time.Time) time.Duration {
	last := map[string]time.Time{}
	var shortest time.Duration
	for _, r := range log {
		sid := serviceSID(r.Path)
		if sid == "" {
			continue
		}
		prev, seen := last[sid]
		if seen && r.Time.Sub(prev) <= sameSync {
			continue
		}
		if gap := r.Time.Sub(prev); seen && !r.Time.Before(from) && r.Time.Before(to) && (shortest == 0 || gap < shortest) {
			shortest = gap
		}
		last[sid] = r.Time
	}
	return shortest
}

// extraReads counts the Messaging Services read (service or pool) so far: right after
// a cold start, the ones whose create cost more than create + lookup + add.
func extraReads(w *world) (int, error) {
	log, err := w.emu.Admin.Requests()
	if err != nil {
		return 0, err
	}
	read := map[string]bool{}
	for _, r := range operatorRequests(log) {
		if r.Method == "GET" && serviceSID(r.Path) != "" {
			read[serviceSID(r.Path)] = true
		}
	}
	return len(read), nil
}
