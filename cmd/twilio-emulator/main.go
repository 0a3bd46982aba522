// Command twilio-emulator serves the Twilio emulator (internal/twilioemu) as a
// standalone HTTP server: the Twilio REST paths the operator uses, and the admin API
// under /__emulator/. Point a Twilio client at it (the operator's --twilio-api-url, or
// twilioemu.RedirectTransport) with the credentials of the seed file.
//
//	twilio-emulator --addr 127.0.0.1:0 --addr-file /tmp/emu.url --seed seed.json
//
// It prints "twilio-emulator listening on http://HOST:PORT" once it accepts
// connections, logs every Twilio request (never a credential), and shuts down
// gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// shutdownTimeout bounds how long in-flight requests may take to finish on shutdown.
const shutdownTimeout = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "twilio-emulator:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done: flags → config → emulator → listener.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args)
	if err != nil {
		fmt.Fprintf(stderr, "Usage of twilio-emulator:\n")
		fs := flags(&config{})
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return err
	}
	seed, err := cfg.seed()
	if err != nil {
		return err
	}
	opts := []twilioemu.Option{twilioemu.WithSeed(seed), twilioemu.WithFaults(cfg.faults),
		twilioemu.WithRandSeed(cfg.randSeed)}
	if cfg.logRequests {
		opts = append(opts, twilioemu.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	emu := twilioemu.New(opts...)

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	if cfg.addrFile != "" {
		if err := writeAtomically(cfg.addrFile, base+"\n"); err != nil {
			_ = ln.Close()
			return err
		}
	}
	fmt.Fprintf(stdout, "twilio-emulator listening on %s\n", base)

	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("cannot shut down: %w", err)
	}
	fmt.Fprintln(stdout, "twilio-emulator stopped")
	return nil
}

// writeAtomically writes data to path through a temporary file and a rename, so a
// script polling for the file never reads half an address.
func writeAtomically(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".addr-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
