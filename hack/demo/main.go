// Command demo runs twilio-operator on one machine with nothing installed: a local
// control plane (kube-apiserver and etcd), the Twilio emulator and the operator, then
// applies the Flex contact-center example of config/samples and shows it converge.
//
// It is what `make demo` runs. With DEMO_ONESHOT=1 it exits 0 once every object is
// Ready, and non-zero with the failing conditions otherwise; without it, it keeps
// everything running for kubectl until Ctrl-C. Either way it stops every process it
// started and fails if one is left behind.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg := config{
		root:    root,
		dir:     filepath.Join(root, ".demo"),
		assets:  os.Getenv("KUBEBUILDER_ASSETS"),
		oneShot: os.Getenv("DEMO_ONESHOT") != "",
		timeout: 5 * time.Minute,
		delays:  delays{brand: 10 * time.Second, campaignInProgress: 5 * time.Second, campaign: 15 * time.Second},
		out:     os.Stdout,
	}
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
