package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

// scaleResult is phase 4: memory with 10,000 objects, and what a restart costs.
type scaleResult struct {
	Emulator    []string    `json:"emulatorFlags"`
	Operator    []string    `json:"operatorFlags"`
	Convergence convergence `json:"convergence"`
	// OtherSecrets is the number of Secrets of other applications in the cluster, which
	// the operator must not hold in memory.
	OtherSecrets int `json:"otherSecrets"`
	// Heap is the operator's heap after convergence (go_memstats_heap_inuse_bytes).
	Heap int64 `json:"heapInuseBytes"`
	// HeapProfile is the operator's heap profile after convergence (go tool pprof).
	HeapProfile string        `json:"heapProfile"`
	APIServer   procUsage     `json:"apiServer"`
	Etcd        procUsage     `json:"etcd"`
	Restart     restartResult `json:"restart"`
	// TwilioChecks compare the emulator's objects with what was applied, after the
	// convergence and after the restart.
	TwilioChecks []objectCheck `json:"twilioObjectChecks"`
}

// restartResult is a new operator process taking over 10,000 converged objects.
type restartResult struct {
	// TakeoverTime runs from the new process's start until it has reconciled every
	// MessagingService once (its twilio_operator_objects gauge counts them all Ready).
	TakeoverTime time.Duration `json:"takeoverTimeNanoseconds"`
	// TakenOver is the objects that gauge counted Ready last.
	TakenOver int       `json:"takenOver"`
	Traffic   traffic   `json:"traffic"`
	Operator  procUsage `json:"operator"`
	Heap      int64     `json:"heapInuseBytes"`
	// HeapProfile is the new process's heap profile once it has read everything.
	HeapProfile string `json:"heapProfile"`
	Peaks       peaks  `json:"operatorPeaks"`
}

// otherSecretsNamespace holds Secrets of other applications.
const otherSecretsNamespace = "other-apps"

func runScale(ctx context.Context, cfg config, bins testbed.Binaries) (*scaleResult, error) {
	r := &scaleResult{Emulator: emulatorArgs(0, 0, cfg.concurrencyLimit), OtherSecrets: cfg.scaleObjects / 10,
		Operator: cfg.operator.args(cfg.resync * 10)}
	w, track, err := startServiceWorld(ctx, cfg, bins, worldSpec{name: "scale", seed: seedWithNumbers(cfg.scaleObjects),
		emulatorArgs: r.Emulator, operatorArgs: r.Operator})
	if err != nil {
		return nil, err
	}
	defer w.stop()
	if err := w.k8s.Create(ctx, namespace(otherSecretsNamespace)); err != nil {
		return nil, err
	}
	if _, err := apply(ctx, w.k8s, otherSecrets(r.OtherSecrets)); err != nil {
		return nil, err
	}
	say("scale: applying %d MessagingServices (%d other Secrets in the cluster)", cfg.scaleObjects, r.OtherSecrets)
	want := servicesWithOneNumber(cfg.scaleObjects)
	r.Convergence, err = converge(ctx, cfg, w, services(cfg.scaleObjects), track, want)
	if r.Convergence.Twilio.When != "" {
		r.TwilioChecks = append(r.TwilioChecks, r.Convergence.Twilio)
	}
	if err != nil {
		return r, err
	}
	say("scale: %d Ready in %v, operator peak RSS %.0f MiB", cfg.scaleObjects,
		r.Convergence.WallTime.Round(time.Millisecond), mib(r.Convergence.Operator.PeakRSS))
	if r.Heap, err = heapInuse(w); err != nil {
		return r, err
	}
	if r.HeapProfile, err = w.saveHeapProfile(ctx, "operator-heap.pprof"); err != nil {
		return r, err
	}
	if r.APIServer, r.Etcd, err = w.controlPlaneUsage(); err != nil {
		return r, err
	}
	if r.Restart, err = restart(ctx, cfg, w, bins); err != nil {
		return r, err
	}
	c, err := w.checkTwilio("after the restart", want)
	r.TwilioChecks = append(r.TwilioChecks, c)
	return r, err
}

// restart replaces the operator with a new process and waits until it has reconciled
// every MessagingService once, as it does after any restart or leader change.
func restart(ctx context.Context, cfg config, w *world, bins testbed.Binaries) (r restartResult, err error) {
	before, err := w.snapshot(ctx)
	if err != nil {
		return r, err
	}
	say("scale: restarting the operator")
	start := time.Now()
	if err := w.restartOperator(ctx, bins, "operator-restarted"); err != nil {
		return r, err
	}
	sample := w.startSampler(ctx)
	defer func() {
		r.Peaks = sample.stop()
		_ = sample.save(filepath.Join(w.dir, "operator-restarted-memory.csv"))
	}()
	deadline := time.Now().Add(cfg.timeout)
	for {
		text, err := w.op.Metrics()
		if err != nil {
			return r, err
		}
		ready := int(parseMetrics(text).sum("twilio_operator_objects", map[string]string{"kind": "MessagingService", "ready": "True"}))
		r.TakenOver = ready
		if ready >= cfg.scaleObjects {
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("the restarted operator took over %d of %d services within %v", ready, cfg.scaleObjects, cfg.timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.TakeoverTime = time.Since(start)
	time.Sleep(2 * time.Second) // let any write of the last reconciles land
	after, err := w.snapshot(ctx)
	if err != nil {
		return r, err
	}
	// The new process's counters start at zero: its traffic is its own totals.
	r.Traffic = between(snapshot{twilio: before.twilio, api: before.api}, after)
	r.Operator = after.usage
	if r.Heap, err = heapInuse(w); err != nil {
		return r, err
	}
	r.HeapProfile, err = w.saveHeapProfile(ctx, "operator-restarted-heap.pprof")
	return r, err
}

// heapInuse reads the operator's go_memstats_heap_inuse_bytes.
func heapInuse(w *world) (int64, error) {
	text, err := w.op.Metrics()
	if err != nil {
		return 0, err
	}
	return int64(parseMetrics(text).sum("go_memstats_heap_inuse_bytes", nil)), nil
}

// otherSecrets are n Secrets of other applications, 4 KiB each, created the way
// `kubectl apply` creates them: with a last-applied-configuration annotation that
// repeats their data.
func otherSecrets(n int) []client.Object {
	data := strings.Repeat("x", 4096)
	out := make([]client.Object, n)
	for i := range n {
		s := &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%05d", i), Namespace: otherSecretsNamespace},
			Data:       map[string][]byte{"config": []byte(data)},
		}
		applied, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]string{
			"name": s.Name, "namespace": s.Namespace}, "data": map[string]string{"config": base64.StdEncoding.EncodeToString([]byte(data))}})
		s.Annotations = map[string]string{corev1.LastAppliedConfigAnnotation: string(applied)}
		out[i] = s
	}
	return out
}
