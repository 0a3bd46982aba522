package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// config says where and how the demo runs.
type config struct {
	root    string // the repository
	dir     string // scratch directory: binaries, kubeconfig, logs
	assets  string // kube-apiserver and etcd (KUBEBUILDER_ASSETS)
	oneShot bool
	timeout time.Duration // one-shot: how long the example may take to become Ready
	delays  delays        // the emulator's vetting
	out     io.Writer
}

// delays is how long the emulator's vetting takes: seconds, where Twilio takes days.
type delays struct{ brand, campaignInProgress, campaign time.Duration }

// Bundles of config/samples/messaging_v1alpha1_a2pregistration.yaml, seeded approved
// so the sample applies unchanged.
const (
	sampleCustomerProfile = "BU0123456789abcdef0123456789abcdef"
	sampleTrustProduct    = "BUfedcba9876543210fedcba9876543210"
)

// run starts everything, applies the example and waits as configured. Whatever
// happens, it stops what it started and checks that no process is left behind.
func run(ctx context.Context, cfg config) (err error) {
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return err
	}
	var stops []func()
	defer func() {
		started := testbed.Descendants(os.Getpid())
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		if alive := testbed.Alive(started); len(alive) > 0 {
			err = errors.Join(err, fmt.Errorf("processes left behind: %v", alive))
		}
	}()
	say := func(format string, args ...any) { fmt.Fprintf(cfg.out, "==> "+format+"\n", args...) }

	say("Building the operator and the Twilio emulator (a minute or two the first time)")
	bins, err := testbed.Build(ctx, cfg.root, filepath.Join(cfg.dir, "bin"))
	if err != nil {
		return err
	}
	say("Starting a local control plane (kube-apiserver and etcd)")
	cp, err := testbed.StartControlPlane(cfg.assets, filepath.Join(cfg.root, "config", "crd", "bases"), cfg.dir)
	if err != nil {
		return err
	}
	stops = append(stops, func() { _ = cp.Stop() })

	say("Starting the Twilio emulator (brand vetting %v, campaign vetting %v)", cfg.delays.brand, cfg.delays.campaign)
	emu, err := testbed.StartEmulator(ctx, bins.Emulator, cfg.dir, seed(),
		"--brand-delay", cfg.delays.brand.String(),
		"--campaign-in-progress-delay", cfg.delays.campaignInProgress.String(),
		"--campaign-delay", cfg.delays.campaign.String())
	if err != nil {
		return err
	}
	stops = append(stops, func() { _ = emu.Stop(5 * time.Second) })

	say("Starting the operator against the emulator at %s", emu.URL)
	op, err := testbed.StartOperator(ctx, testbed.OperatorConfig{
		Binary: bins.Manager, Kubeconfig: cp.Kubeconfig, TwilioURL: emu.URL, Name: "operator", Dir: cfg.dir,
		Args: []string{"--resync-period=1m", "--vetting-poll-interval=1s", "--vetting-poll-max-interval=3s"},
	})
	if err != nil {
		return err
	}
	stops = append(stops, func() { _ = op.Stop(10 * time.Second) })

	k8s, err := newCluster(cp)
	if err != nil {
		return err
	}
	say("Applying the Flex contact-center example (config/samples) to namespace %s", exampleNamespace)
	if err := k8s.applyExample(ctx, filepath.Join(cfg.root, "config", "samples")); err != nil {
		return err
	}
	watchCtx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	ready, err := k8s.waitForReady(watchCtx, cfg.out)
	fmt.Fprintln(cfg.out)
	k8s.printTable(ctx, cfg.out, cp.Kubeconfig)
	if !ready {
		fmt.Fprintf(cfg.out, "\nOperator log: %s\nEmulator log: %s\n", op.LogPath, emu.LogPath)
		return errors.Join(errors.New("the example did not become Ready"), err, k8s.describeFailures(ctx))
	}
	if cfg.oneShot {
		say("Everything is Ready")
		return nil
	}
	fmt.Fprintf(cfg.out, `
Everything is Ready. The control plane, the emulator and the operator keep running:

  export KUBECONFIG=%s
  kubectl get twilio -A
  kubectl describe a2p -n %s acme-support
  kubectl edit msgsvc -n %s support-sms        # change friendlyName or phoneNumbers

The emulator (Twilio) is at %s: its state is at %s/__emulator/state.
Logs: %s, %s. Press Ctrl-C to stop everything.
`, cp.Kubeconfig, exampleNamespace, exampleNamespace, emu.URL, emu.URL, op.LogPath, emu.LogPath)
	<-ctx.Done()
	say("Stopping")
	return nil
}

// seed is the emulator's default accounts plus the bundles the sample registration
// names, approved.
func seed() twilioemu.Seed {
	s := twilioemu.DefaultSeed()
	s.Accounts[0].Bundles = append(s.Accounts[0].Bundles,
		twilioemu.BundleSeed{Sid: sampleCustomerProfile, Kind: twilioemu.CustomerProfile, FriendlyName: "Acme Secondary Customer Profile"},
		twilioemu.BundleSeed{Sid: sampleTrustProduct, Kind: twilioemu.TrustProduct, FriendlyName: "Acme A2P Messaging Profile"})
	return s
}
