// Command bench is the scale benchmark of `make bench`: it runs a real control plane
// (the envtest kube-apiserver and etcd), the Twilio emulator as its own process with
// Twilio-like latency and an account concurrency limit, and the operator binary as its
// own process, applies thousands of objects and measures what converging and staying
// converged costs: wall time, Twilio requests by endpoint, Kubernetes API writes,
// 429s, the operator's memory and CPU.
//
// Phases (each on a fresh control plane, emulator and operator):
//
//	cold       1,000 MessagingServices applied at once until all are Ready, then
//	           no-op events and the steady state over several resync periods
//	throttled  the same cold start with an account concurrency limit of 10
//	scale      10,000 MessagingServices without latency: memory, then an operator restart
//	a2p        100 A2PRegistrations with one campaign each: registration write rate
//	defaults   the cold start of 1,000 with no operator flag at all, against the tuned one
//	fairness   account X throttled (1 in flight, 2 s) with 200 objects; account Y's 50
//	           objects alone and then beside X's backlog, in one operator
//	terraform  terraform-provider-twilio (built from a source checkout, TF_PROVIDER_SRC)
//	           on the same emulator and work, its HTTPS through internal/interceptproxy;
//	           skipped with one line without a checkout
//
// It prints one table and writes bench/out/results.json; every figure comes from the
// run that prints it. docs/benchmarks.md explains each figure and how to reproduce it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctrllog.SetLogger(logr.Discard()) // client-go's watch logs are noise here
	cfg, err := parseConfig(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if cfg.root, err = os.Getwd(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	cfg.assets = os.Getenv("KUBEBUILDER_ASSETS")
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
