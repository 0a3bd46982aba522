// Package faults proves the operator's promises at a scale and with faults no unit test
// reaches: the operator and the Twilio emulator run as their own processes against a
// local control plane, the emulator injects latency, 5xx, 429 and lost responses, and
// the operator is SIGKILLed and restarted at seeded random moments.
//
// `make test` runs a short variant; `make test-faults` runs the full one
// (FAULTS_SCALE=full). FAULTS_SEED replays a run.
package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

var (
	bins   testbed.Binaries
	cp     *testbed.ControlPlane
	k8s    client.Client
	scheme = runtime.NewScheme()
	root   = filepath.Join("..", "..")
)

// scale is how big a run is.
type scale struct {
	name          string
	services      int // MessagingServices, one number each
	registrations int // A2PRegistrations, one campaign each (on the first services)
	kills         int // SIGKILLs while converging
	deletionKills int // SIGKILLs while half of the objects are deleted
	converge      time.Duration
	latency       time.Duration
	// concurrency is the emulator's account concurrency limit, below the operator's,
	// so that it answers 429s.
	concurrency int
	seed        uint64
}

func currentScale() scale {
	s := scale{name: "short", services: 24, registrations: 4, kills: 6, deletionKills: 3,
		converge: 3 * time.Minute, latency: 10 * time.Millisecond, concurrency: 1}
	if os.Getenv("FAULTS_SCALE") == "full" {
		s = scale{name: "full", services: 200, registrations: 20, kills: 30, deletionKills: 10,
			converge: 10 * time.Minute, latency: 20 * time.Millisecond, concurrency: 4}
	}
	s.seed = uint64(time.Now().UnixNano())
	if v := os.Getenv("FAULTS_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			panic("FAULTS_SEED must be a number")
		}
		s.seed = seed
	}
	return s
}

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

func runSuite(m *testing.M) int {
	// The processes under test log to their own files; the clients of the test itself
	// (its watches) have nothing to say.
	ctrllog.SetLogger(logr.Discard())
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	dir, err := os.MkdirTemp("", "twilio-operator-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if bins, err = testbed.Build(ctx, root, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if cp, err = testbed.StartControlPlane("", filepath.Join(root, "config", "crd", "bases"), dir); err != nil {
		fmt.Fprintf(os.Stderr, "%v (run through `make test`, which provides KUBEBUILDER_ASSETS)\n", err)
		return 1
	}
	defer func() { _ = cp.Stop() }()
	cfg := *cp.Config
	cfg.QPS, cfg.Burst = 1000, 2000 // the tests apply hundreds of objects at once
	if k8s, err = client.New(&cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
