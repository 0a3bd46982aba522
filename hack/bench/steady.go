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

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// noOpResult is phase 2's check that events which change neither the generation, the
// annotations nor the credentials Secret cost no Twilio request.
type noOpResult struct {
	Events []string `json:"events"`
	// Window runs from the first event until the operator's Twilio counters had been
	// flat for noOpQuiet after it acted on the sentinel, or until noOpMaxWindow after
	// the sentinel when resyncs kept them moving (EndedQuiet false).
	Window     time.Duration `json:"windowNanoseconds"`
	EndedQuiet bool          `json:"endedQuiet"`
	// Sentinel is the one change of the window the operator must act on.
	Sentinel sentinelSync `json:"sentinel"`
	// TwilioRequests is every Twilio request of the operator in the window; resyncs
	// that fell due in it and the sentinel's sync are included.
	TwilioRequests int `json:"twilioRequests"`
	// CausedByEvents is the requests of the window that neither a due resync nor the
	// sentinel explains: a request on an object synced less than 90% of a resync period
	// earlier (the shortest jittered period), or a request on no Messaging Service at all.
	CausedByEvents int `json:"twilioRequestsCausedByEvents"`
	// Unexplained names those requests: method, route, and when, from the window's start.
	Unexplained []string `json:"unexplainedRequests,omitempty"`
	// KubeWrites is the operator's Kubernetes writes in the window.
	KubeWrites int `json:"kubeWrites"`
}

// sentinelSync is the control of the no-op window: an annotation patch on one object,
// applied after every no-op event, which the operator must answer with a sync. The
// operator's MessagingService watch delivers events in order, so once it has synced
// the sentinel it has received every label and status patch before it, and queued any
// that passed its predicates ahead of it. (The Secret events, on another watch, are
// applied first.) An operator that does nothing cannot pass: it never syncs it.
type sentinelSync struct {
	SID string `json:"sid"`
	// Reaction runs from the annotation patch to the sync's first Twilio request.
	Reaction time.Duration `json:"reactionNanoseconds"`
	// Requests is the requests of that sync.
	Requests int `json:"requests"`
	// At is when the sync's first request was served.
	At time.Time `json:"at"`
}

// sentinelAnnotation is the annotation whose change makes the sentinel due.
const sentinelAnnotation = "bench.twilio-operator.io/sentinel"

const (
	// noOpQuiet is how long the operator's Twilio counters must stay flat, after the
	// sentinel's sync, for the no-op window to end.
	noOpQuiet = 3 * time.Second
	// noOpMaxWindow ends the window that long after the sentinel's sync when resyncs
	// keep the counters moving; the requests are then told apart by notResyncs alone.
	noOpMaxWindow = 30 * time.Second
)

// noOpEvents changes a Secret no object references, patches a label and a status field
// on every object, then the sentinel's annotation, and counts the Twilio requests
// that follow until the operator has been seen to take them all in.
func noOpEvents(ctx context.Context, cfg config, w *world, objs []client.Object) (noOpResult, error) {
	r := noOpResult{Events: []string{
		"create and update of a Secret no object references",
		fmt.Sprintf("label patch on %d MessagingServices", len(objs)),
		fmt.Sprintf("status patch (lastSyncTime: null) on %d MessagingServices", len(objs)),
	}}
	sentinel := objs[0].DeepCopyObject().(client.Object)
	if err := w.k8s.Get(ctx, client.ObjectKeyFromObject(sentinel), sentinel); err != nil {
		return r, err
	}
	r.Sentinel.SID = sentinel.GetAnnotations()[v1alpha1.SIDAnnotation]
	if r.Sentinel.SID == "" {
		return r, fmt.Errorf("the sentinel %s has no SID", sentinel.GetName())
	}
	before, err := w.snapshot(ctx)
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
	patchedAt := time.Now()
	mark := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, sentinelAnnotation, patchedAt.Format(time.RFC3339Nano))
	if err := w.k8s.Patch(ctx, sentinel, client.RawPatch(types.MergePatchType, []byte(mark))); err != nil {
		return r, err
	}
	r.Events = append(r.Events, "then an annotation patch on "+sentinel.GetName()+" (the sentinel)")
	if r.EndedQuiet, err = observeNoOp(ctx, cfg, w, &r.Sentinel, patchedAt); err != nil {
		return r, err
	}
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
	var rest []twilioemu.RequestRecord
	for _, rec := range operatorRequests(log) {
		if r.Sentinel.covers(rec) {
			r.Sentinel.Requests++
		} else {
			rest = append(rest, rec)
		}
	}
	for _, rec := range notResyncs(rest, before.at, after.at, cfg.resync) {
		r.Unexplained = append(r.Unexplained, fmt.Sprintf("%s %s at +%s", rec.Method, rec.Route, secs(rec.Time.Sub(before.at))))
	}
	r.CausedByEvents = len(r.Unexplained)
	return r, nil
}

// covers reports whether rec belongs to the sentinel's sync.
func (s sentinelSync) covers(rec twilioemu.RequestRecord) bool {
	return !s.At.IsZero() && serviceSID(rec.Path) == s.SID && !rec.Time.Before(s.At) && rec.Time.Sub(s.At) <= sameSync
}

// observeNoOp waits until the operator has synced the sentinel (patched at patchedAt)
// and its Twilio counters have then been flat for noOpQuiet, or noOpMaxWindow has
// passed since the sync. It fails when the sentinel is not synced within cfg.timeout.
func observeNoOp(ctx context.Context, cfg config, w *world, sentinel *sentinelSync, patchedAt time.Time) (quiet bool, err error) {
	deadline := patchedAt.Add(cfg.timeout)
	last, changed := -1, time.Now()
	for {
		total, err := operatorTotal(w)
		if err != nil {
			return false, err
		}
		now := time.Now()
		if total != last {
			last, changed = total, now
		}
		if sentinel.At.IsZero() {
			if err := findSentinelSync(w, sentinel, patchedAt); err != nil {
				return false, err
			}
		}
		synced := !sentinel.At.IsZero()
		switch {
		case synced && now.Sub(changed) >= noOpQuiet && now.Sub(sentinel.At) >= noOpQuiet:
			return true, nil
		case synced && now.Sub(sentinel.At) >= noOpMaxWindow:
			return false, nil
		case !synced && now.After(deadline):
			return false, fmt.Errorf("the operator did not sync the sentinel within %v of its change", cfg.timeout)
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// operatorTotal is the number of Twilio requests the operator has made so far.
func operatorTotal(w *world) (int, error) {
	counts, err := w.emu.Admin.Counts(operatorUserAgent)
	total := 0
	for _, n := range counts {
		total += n
	}
	return total, err
}

// findSentinelSync looks in the request log for the operator's first request on the
// sentinel's service since patchedAt, and records it.
func findSentinelSync(w *world, sentinel *sentinelSync, patchedAt time.Time) error {
	log, err := w.emu.Admin.Requests()
	if err != nil {
		return err
	}
	for _, rec := range operatorRequests(log) {
		if serviceSID(rec.Path) == sentinel.SID && !rec.Time.Before(patchedAt) {
			sentinel.At, sentinel.Reaction = rec.Time, rec.Time.Sub(patchedAt)
			return nil
		}
	}
	return nil
}

// steadyResult is phase 2: Twilio requests of objects that are Ready and unchanged.
type steadyResult struct {
	ResyncPeriod time.Duration `json:"resyncPeriodNanoseconds"`
	Window       time.Duration `json:"windowNanoseconds"`
	// Traffic is every request of the window, the sentinel's sync included.
	Traffic traffic `json:"traffic"`
	// ReadsPerObjectPerResync is the Twilio reads in the window, the sentinel's sync
	// left out, divided by objects and by the resync periods the window spans.
	ReadsPerObjectPerResync float64 `json:"twilioReadsPerObjectPerResync"`
	// TwilioWrites is requests other than GET: drift correction, of which there is none.
	TwilioWrites int `json:"twilioWrites"`
	// KubeWritesPerObjectPerResync is the operator's Kubernetes writes likewise.
	KubeWritesPerObjectPerResync float64 `json:"kubeWritesPerObjectPerResync"`
	// MinInterval is the shortest time between two syncs of one object in the window
	// (the sentinel, whose change made it sync off its schedule, left out).
	MinInterval time.Duration `json:"minIntervalBetweenSyncsNanoseconds"`
	// WantSyncsPerObject is the syncs every object must have had in the window: one per
	// longest jittered resync period (110%) that fits in it. MinSyncsPerObject is the
	// fewest any Messaging Service had, ObjectsSyncedLess how many had fewer than wanted.
	WantSyncsPerObject int `json:"wantSyncsPerObject"`
	MinSyncsPerObject  int `json:"minSyncsPerObject"`
	ObjectsSyncedLess  int `json:"objectsSyncedLessThanWanted"`
}

// steadyState waits until the window that started at before has lasted the configured
// number of resync periods and measures it. sentinel is the no-op window's sync.
func steadyState(ctx context.Context, cfg config, w *world, objects int, before snapshot, sentinel sentinelSync) (steadyResult, error) {
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
	if !sentinel.At.Before(before.at) && sentinel.At.Before(after.at) {
		reads -= sentinel.Requests // a sync after an input change reads GETs only
	}
	r.ReadsPerObjectPerResync = float64(reads) / float64(objects) / periods
	r.KubeWritesPerObjectPerResync = float64(r.Traffic.KubeWrites) / float64(objects) / periods
	log, err := w.emu.Admin.Requests()
	if err != nil {
		return r, err
	}
	starts := syncStarts(operatorRequests(log))
	r.MinInterval = minSyncInterval(starts, before.at, after.at, sentinel.SID)
	services, err := w.emu.Admin.Services("")
	if err != nil {
		return r, err
	}
	sids := make([]string, len(services))
	for i, svc := range services {
		sids[i] = svc.Sid
	}
	r.WantSyncsPerObject = int(r.Window / (cfg.resync * 11 / 10))
	r.MinSyncsPerObject, r.ObjectsSyncedLess = fewestSyncs(starts, sids, before.at, after.at, r.WantSyncsPerObject)
	return r, nil
}

// fewestSyncs returns the fewest syncs in [from, to) of any of sids, and how many had
// fewer than want.
func fewestSyncs(starts map[string][]time.Time, sids []string, from, to time.Time, want int) (fewest, below int) {
	fewest = -1
	for _, sid := range sids {
		n := 0
		for _, t := range starts[sid] {
			if !t.Before(from) && t.Before(to) {
				n++
			}
		}
		if fewest < 0 || n < fewest {
			fewest = n
		}
		if n < want {
			below++
		}
	}
	return fewest, below
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

// isAccountRead says whether a request reads one of the account's lists that the inbound
// routing check reads once per resync period (docs/api.md): its phone numbers (on the
// route a number lookup also uses; no resync looks a number up, so in a window without
// pool changes these requests are the list's pages) and its Conversations address
// configurations.
func isAccountRead(r twilioemu.RequestRecord) bool {
	return r.Method == "GET" && (r.Route == lookupRoute || r.Route == addressesRoute)
}

// sameSync is how close two requests on one object must be to belong to one sync
// (a sync after a change reads the service and its pool back to back).
const sameSync = 2 * time.Second

// syncStarts groups the requests on each Messaging Service into syncs and returns when
// each started, oldest first.
func syncStarts(log []twilioemu.RequestRecord) map[string][]time.Time {
	starts := map[string][]time.Time{}
	for _, r := range log {
		sid := serviceSID(r.Path)
		if sid == "" {
			continue
		}
		if s := starts[sid]; len(s) > 0 && r.Time.Sub(s[len(s)-1]) <= sameSync {
			continue // a later request of the same sync
		}
		starts[sid] = append(starts[sid], r.Time)
	}
	return starts
}

// notResyncs returns the requests in [from, to) that a due resync does not explain.
func notResyncs(log []twilioemu.RequestRecord, from, to time.Time, resync time.Duration) []twilioemu.RequestRecord {
	shortest := resync*9/10 - time.Second
	last := map[string]time.Time{} // per service (or account, for account reads), the start of its latest sync
	var unexplained []twilioemu.RequestRecord
	for _, r := range log {
		inWindow := !r.Time.Before(from) && r.Time.Before(to)
		sid := serviceSID(r.Path)
		if sid == "" && isAccountRead(r) {
			// The inbound routing check's read of the account's lists, shared by all its
			// services and due once per resync period: judged like a service's sync.
			sid = "account " + r.Account
		}
		if sid == "" {
			if inWindow {
				unexplained = append(unexplained, r) // no resync creates a service or looks up a number
			}
			continue
		}
		prev, seen := last[sid]
		if seen && r.Time.Sub(prev) <= sameSync {
			continue // the second read of one sync
		}
		if inWindow && seen && r.Time.Sub(prev) < shortest {
			unexplained = append(unexplained, r)
		}
		last[sid] = r.Time
	}
	return unexplained
}

// minSyncInterval is the shortest time between the starts of two syncs of one
// Messaging Service, for syncs that start in [from, to); except is left out.
func minSyncInterval(starts map[string][]time.Time, from, to time.Time, except string) time.Duration {
	var shortest time.Duration
	for sid, ts := range starts {
		if sid == except {
			continue
		}
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); !ts[i].Before(from) && ts[i].Before(to) && (shortest == 0 || gap < shortest) {
				shortest = gap
			}
		}
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
