package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// world is one phase's processes: a fresh control plane, the emulator and the
// operator, each its own process, plus the benchmark's clients. Every phase starts
// from nothing, so no phase's objects or counters leak into the next.
type world struct {
	dir  string
	cp   *testbed.ControlPlane
	emu  *testbed.Emulator
	op   *testbed.Operator
	k8s  client.Client
	kube *kubernetes.Clientset
	// pprof is the operator's profiling endpoint (http://host:port).
	pprof string
	// operatorArgs are the flags the operator runs with, for the report.
	operatorArgs []string
	stops        []func()
}

// worldSpec says how a phase's world runs.
type worldSpec struct {
	name         string
	seed         twilioemu.Seed
	emulatorArgs []string
	operatorArgs []string
}

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(v1alpha1.AddToScheme(s))
	return s
}()

// startWorld starts the control plane, the emulator and the operator of one phase.
// On error, what was started is stopped again.
func startWorld(ctx context.Context, cfg config, bins testbed.Binaries, spec worldSpec) (w *world, err error) {
	w = &world{dir: filepath.Join(cfg.outDir, spec.name), operatorArgs: spec.operatorArgs}
	if err := os.RemoveAll(w.dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			w.stop()
		}
	}()
	if w.cp, err = testbed.StartControlPlane(cfg.assets, filepath.Join(cfg.root, "config", "crd", "bases"), w.dir); err != nil {
		return w, err
	}
	w.stops = append(w.stops, func() { _ = w.cp.Stop() })
	// The applier must never be the bottleneck: no client-side throttling worth the name.
	fast := rest.CopyConfig(w.cp.Config)
	fast.QPS, fast.Burst = 5000, 10000
	if w.k8s, err = client.New(fast, client.Options{Scheme: scheme}); err != nil {
		return w, err
	}
	if w.kube, err = kubernetes.NewForConfig(fast); err != nil {
		return w, err
	}
	if w.emu, err = testbed.StartEmulator(ctx, bins.Emulator, w.dir, spec.seed, spec.emulatorArgs...); err != nil {
		return w, err
	}
	w.stops = append(w.stops, func() { _ = w.emu.Stop(5 * time.Second) })
	if err := w.startOperator(ctx, bins, "operator"); err != nil {
		return w, err
	}
	return w, nil
}

// startOperator starts the operator with the world's flags and a profiling endpoint.
func (w *world) startOperator(ctx context.Context, bins testbed.Binaries, name string) error {
	addr, err := testbed.FreeAddr()
	if err != nil {
		return err
	}
	op, err := testbed.StartOperator(ctx, testbed.OperatorConfig{
		Binary: bins.Manager, Kubeconfig: w.cp.Kubeconfig, TwilioURL: w.emu.URL, Name: name, Dir: w.dir,
		Args: append(slices.Clone(w.operatorArgs), "--pprof-bind-address="+addr),
	})
	if err != nil {
		return err
	}
	w.op, w.pprof = op, "http://"+addr
	w.stops = append(w.stops, func() { _ = op.Stop(10 * time.Second) })
	return nil
}

// saveHeapProfile writes the operator's heap profile to the world's directory.
func (w *world) saveHeapProfile(ctx context.Context, name string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.pprof+"/debug/pprof/heap", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	path := filepath.Join(w.dir, name)
	return path, os.WriteFile(path, data, 0o644)
}

// stop stops every process of the world, newest first.
func (w *world) stop() {
	for i := len(w.stops) - 1; i >= 0; i-- {
		w.stops[i]()
	}
	w.stops = nil
}

// restartOperator stops the operator and starts a new one with the same flags.
func (w *world) restartOperator(ctx context.Context, bins testbed.Binaries, name string) error {
	if err := w.op.Stop(10 * time.Second); err != nil {
		return err
	}
	return w.startOperator(ctx, bins, name)
}

// apiServerMetrics returns the API server's own metrics (Prometheus text).
func (w *world) apiServerMetrics(ctx context.Context) (string, error) {
	data, err := w.kube.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	return string(data), err
}

// controlPlaneUsage is the resource use of the API server and etcd.
func (w *world) controlPlaneUsage() (apiServer, etcd procUsage, err error) {
	for _, pid := range testbed.Descendants(os.Getpid()) {
		switch commandName(pid) {
		case "kube-apiserver":
			apiServer, err = usageOf(pid)
		case "etcd":
			etcd, err = usageOf(pid)
		}
		if err != nil {
			return apiServer, etcd, err
		}
	}
	if apiServer.PeakRSS == 0 || etcd.PeakRSS == 0 {
		return apiServer, etcd, errors.New("the API server or etcd process was not found")
	}
	return apiServer, etcd, nil
}

// operatorUsage is the operator's resource use so far.
func (w *world) operatorUsage() (procUsage, error) {
	u, err := w.op.Usage()
	if err != nil {
		return procUsage{}, fmt.Errorf("cannot read the operator's usage: %w", err)
	}
	return procUsage{PeakRSS: u.PeakRSS, CPU: u.CPU}, nil
}
