package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/interceptproxy"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// terraformResult is the side-by-side phase: terraform-provider-twilio at its defaults
// and the operator at its defaults, each against its own emulator with the same flags
// and seed, doing the same work (N Messaging Services with one number each).
type terraformResult struct {
	// Terraform is `terraform version`'s first line; Provider the checkout's tag
	// (git describe) and commit; ProviderSrc where it was built from.
	Terraform   string   `json:"terraform"`
	Provider    string   `json:"provider"`
	ProviderSrc string   `json:"providerSource"`
	Emulator    []string `json:"emulatorFlags"`
	Parallelism int      `json:"parallelism"`
	// Hosts are the Twilio hosts the intercepting proxy maps to the emulator.
	Hosts []string       `json:"interceptedHosts"`
	Runs  []terraformRun `json:"runs"`
}

// terraformRun is one size of the comparison.
type terraformRun struct {
	Objects int `json:"objects"`
	// Apply is `terraform apply`'s wall time, from a fresh state (its plan included);
	// ApplyTraffic its Twilio requests by route (the emulator's counters).
	Apply        time.Duration  `json:"applyNanoseconds"`
	ApplyTraffic map[string]int `json:"applyRequests"`
	ApplyTotal   int            `json:"applyRequestsTotal"`
	// Refresh is a `terraform plan` right after (it refreshes every resource):
	// Terraform's equivalent of one resync period, with its requests.
	Refresh        time.Duration  `json:"refreshPlanNanoseconds"`
	RefreshTraffic map[string]int `json:"refreshPlanRequests"`
	RefreshTotal   int            `json:"refreshPlanRequestsTotal"`
	// RefreshClean says the plan found nothing to change (exit code 0).
	RefreshClean bool `json:"refreshPlanClean"`
	// StateResources is the resources in Terraform's state after the apply (2 per
	// service).
	StateResources int `json:"stateResources"`
	// Refused is what the provider tried to reach beyond the intercepted hosts.
	Refused map[string]int `json:"proxyRefused"`
	// Twilio compares the emulator's objects after the apply with what was applied.
	Twilio objectCheck `json:"twilioObjects"`
	// Operator is the operator's cold start of the same work at its defaults: the
	// defaults phase's (OperatorFrom says so) or measured here.
	Operator      time.Duration `json:"operatorNanoseconds"`
	OperatorFrom  string        `json:"operatorFrom"`
	OperatorTotal int           `json:"operatorRequestsTotal"`
	OperatorCheck objectCheck   `json:"operatorTwilioObjects"`
}

// terraformSkip is why the terraform phase cannot run, or "".
func terraformSkip(cfg config) string {
	if cfg.tfProviderSrc == "" {
		return "no terraform-provider-twilio checkout (set TF_PROVIDER_SRC=/path/to/checkout or -tf-provider-src)"
	}
	if _, err := os.Stat(filepath.Join(cfg.tfProviderSrc, "go.mod")); err != nil {
		return fmt.Sprintf("no terraform-provider-twilio checkout at %s (no go.mod)", cfg.tfProviderSrc)
	}
	return ""
}

func runTerraform(ctx context.Context, cfg config, bins testbed.Binaries, defaults *defaultsResult) (*terraformResult, error) {
	r := &terraformResult{ProviderSrc: cfg.tfProviderSrc, Emulator: emulatorArgs(cfg.latency, cfg.jitter, cfg.concurrencyLimit),
		Parallelism: cfg.tfParallelism}
	tf, err := terraformBinary(ctx, cfg)
	if err != nil {
		return r, err
	}
	// Without the caller's TF_ variables (a TF_CLI_CONFIG_FILE of theirs would add its
	// own warnings) and without the network (CHECKPOINT_DISABLE).
	if r.Terraform, err = commandLine(ctx, "", terraformEnv("", "", "", ""), tf, "version", "-json"); err != nil {
		return r, err
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal([]byte(r.Terraform), &v); err != nil {
		return r, fmt.Errorf("%s version -json: %w", tf, err)
	}
	r.Terraform = "Terraform v" + v.Version
	if !strings.Contains(r.Terraform, "v"+terraformVersion) && cfg.terraformBin == "" {
		return r, fmt.Errorf("%s is %q, want v%s", tf, r.Terraform, terraformVersion)
	}
	providerDir, err := buildProvider(ctx, cfg)
	if err != nil {
		return r, err
	}
	r.Provider = providerVersion(ctx, cfg.tfProviderSrc)
	say("terraform: %s, terraform-provider-twilio %s", r.Terraform, r.Provider)
	for _, n := range cfg.tfObjects {
		run, err := r.compare(ctx, cfg, bins, tf, providerDir, n, defaults)
		r.Runs = append(r.Runs, run)
		if err != nil {
			return r, fmt.Errorf("%d services: %w", n, err)
		}
	}
	return r, nil
}

// compare runs Terraform, then the operator, on n services.
func (r *terraformResult) compare(ctx context.Context, cfg config, bins testbed.Binaries, tf, providerDir string, n int,
	defaults *defaultsResult) (terraformRun, error) {
	run := terraformRun{Objects: n}
	if err := r.terraform(ctx, cfg, bins, tf, providerDir, &run); err != nil {
		return run, err
	}
	say("terraform: %d services applied in %v (%d requests); refreshing plan %v (%d requests)", n,
		run.Apply.Round(time.Millisecond), run.ApplyTotal, run.Refresh.Round(time.Millisecond), run.RefreshTotal)
	if defaults != nil && defaults.Convergence.Objects == n && defaults.Convergence.WallTime > 0 {
		c := defaults.Convergence
		run.Operator, run.OperatorTotal, run.OperatorCheck = c.WallTime, c.Traffic.TwilioTotal, c.Twilio
		run.OperatorFrom = "the defaults phase of this run"
		return run, nil
	}
	c, err := defaultsConvergence(ctx, cfg, bins, fmt.Sprintf("terraform-%d-operator", n), n)
	run.Operator, run.OperatorTotal, run.OperatorCheck = c.WallTime, c.Traffic.TwilioTotal, c.Twilio
	run.OperatorFrom = "measured in this phase"
	if err == nil {
		say("terraform: the operator with its defaults, %d services Ready in %v", n, c.WallTime.Round(time.Millisecond))
	}
	return run, err
}

// terraform applies n services with Terraform against a fresh emulator, then plans.
func (r *terraformResult) terraform(ctx context.Context, cfg config, bins testbed.Binaries, tf, providerDir string, run *terraformRun) error {
	ws, err := r.workspace(ctx, cfg, bins, providerDir, run.Objects)
	if ws != nil {
		defer ws.stop()
	}
	if err != nil {
		return err
	}
	emu := ws.emu
	before, err := emu.Admin.Counts("")
	if err != nil {
		return err
	}
	start := time.Now()
	parallelism := fmt.Sprintf("-parallelism=%d", cfg.tfParallelism)
	if err := commandLog(ctx, ws.dir, ws.env, filepath.Join(ws.dir, "apply.log"), tf, "apply", "-auto-approve", "-input=false",
		"-no-color", parallelism); err != nil {
		return fmt.Errorf("terraform apply: %w (see %s)", err, filepath.Join(ws.dir, "apply.log"))
	}
	run.Apply = time.Since(start)
	afterApply, err := emu.Admin.Counts("")
	if err != nil {
		return err
	}
	run.ApplyTraffic, run.ApplyTotal = countsBetween(before, afterApply)
	if run.StateResources, err = terraformState(filepath.Join(ws.dir, "terraform.tfstate")); err != nil {
		return err
	}
	if run.Twilio, err = (&world{emu: emu}).checkTwilio("after terraform apply", servicesWithOneNumber(run.Objects)); err != nil {
		return err
	}

	start = time.Now()
	err = commandLog(ctx, ws.dir, ws.env, filepath.Join(ws.dir, "plan.log"), tf, "plan", "-input=false", "-no-color",
		"-detailed-exitcode", parallelism)
	run.Refresh = time.Since(start)
	var exit *exec.ExitError
	switch {
	case err == nil:
		run.RefreshClean = true
	case errors.As(err, &exit) && exit.ExitCode() == 2: // a plan with changes: reported, not fatal
	default:
		return fmt.Errorf("terraform plan: %w (see %s)", err, filepath.Join(ws.dir, "plan.log"))
	}
	afterPlan, err := emu.Admin.Counts("")
	if err != nil {
		return err
	}
	run.RefreshTraffic, run.RefreshTotal = countsBetween(afterApply, afterPlan)
	run.Refused = ws.proxy.Refused()
	return nil
}

// tfWorkspace is one Terraform comparison's directory, emulator and proxy, and the
// environment terraform runs in.
type tfWorkspace struct {
	dir   string
	emu   *testbed.Emulator
	proxy *interceptproxy.Server
	env   []string
}

func (ws *tfWorkspace) stop() {
	if ws.proxy != nil {
		_ = ws.proxy.Close()
	}
	if ws.emu != nil {
		_ = ws.emu.Stop(5 * time.Second)
	}
}

// workspace starts the emulator and the proxy and writes Terraform's configuration for
// n services, its CLI configuration and the proxy's CA.
func (r *terraformResult) workspace(ctx context.Context, cfg config, bins testbed.Binaries, providerDir string, n int) (*tfWorkspace, error) {
	dir, err := filepath.Abs(filepath.Join(cfg.outDir, fmt.Sprintf("terraform-%d", n)))
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "no-cert-dir"), 0o755); err != nil {
		return nil, err
	}
	ws := &tfWorkspace{dir: dir}
	if ws.emu, err = testbed.StartEmulator(ctx, bins.Emulator, dir, seedWithNumbers(n), r.Emulator...); err != nil {
		return ws, err
	}
	numbers, err := ws.emu.Admin.PhoneNumbers(twilioemu.DefaultAccountSid)
	if err != nil {
		return ws, err
	}
	sids := map[string]string{}
	for _, p := range numbers {
		sids[p.PhoneNumber] = p.Sid
	}
	ca, err := interceptproxy.NewCA()
	if err != nil {
		return ws, err
	}
	// The provider reaches the Messaging API and, for nothing in this work, the core
	// API; everything else it or Terraform tries is refused (and counted).
	hosts := map[string]string{"messaging.twilio.com": ws.emu.URL, "api.twilio.com": ws.emu.URL}
	if ws.proxy, err = interceptproxy.Listen(ca, hosts); err != nil {
		return ws, err
	}
	r.Hosts = ws.proxy.Hosts()
	caFile, cliConfig := filepath.Join(dir, "proxy-ca.pem"), filepath.Join(dir, "terraformrc")
	if err := ca.WriteCertFile(caFile); err != nil {
		return ws, err
	}
	if err := os.WriteFile(cliConfig, []byte(cliConfigFile(providerDir)), 0o600); err != nil {
		return ws, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(terraformConfig(n, sids)), 0o600); err != nil {
		return ws, err
	}
	ws.env = terraformEnv(ws.proxy.URL, caFile, filepath.Join(dir, "no-cert-dir"), cliConfig)
	return ws, nil
}

// countsBetween is the per-route difference of two counter readings, and its sum.
func countsBetween(before, after map[string]int) (map[string]int, int) {
	out, total := map[string]int{}, 0
	for route, n := range after {
		if d := n - before[route]; d > 0 {
			out[route] = d
			total += d
		}
	}
	return out, total
}

// terraformConfig is n services with one number each, the work of the operator's
// phases: a service per MessagingService, its number added to its sender pool. The
// provider takes the number's PN SID (the operator looks its E.164 number up).
func terraformConfig(n int, sids map[string]string) string {
	var b strings.Builder
	b.WriteString(`terraform {
  required_providers {
    twilio = { source = "twilio/twilio" }
  }
}

provider "twilio" {}
`)
	for i := range n {
		fmt.Fprintf(&b, `
resource "twilio_messaging_services_v1" "s%05d" {
  friendly_name = "Bench %s"
}

resource "twilio_messaging_services_phone_numbers_v1" "n%05d" {
  service_sid      = twilio_messaging_services_v1.s%05d.sid
  phone_number_sid = %q
}
`, i, msName(i), i, i, sids[phoneNumber(0, i)])
	}
	return b.String()
}

// cliConfigFile installs the provider built from source as a development override:
// no registry, no `terraform init`.
func cliConfigFile(providerDir string) string {
	return fmt.Sprintf(`provider_installation {
  dev_overrides {
    "twilio/twilio" = %q
  }
  direct {}
}
`, providerDir)
}

// terraformEnv is the environment of terraform and, through it, the provider: the
// benchmark's own minus anything that would reach elsewhere, plus the proxy, the CA
// as the only trusted root and the emulator's default account.
func terraformEnv(proxyURL, caFile, emptyCertDir, cliConfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if strings.HasSuffix(upper, "_PROXY") || strings.HasPrefix(upper, "TF_") || strings.HasPrefix(upper, "TWILIO_") ||
			strings.HasPrefix(upper, "SSL_CERT_") || upper == "CHECKPOINT_DISABLE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HTTPS_PROXY="+proxyURL, "HTTP_PROXY="+proxyURL, "NO_PROXY=",
		"SSL_CERT_FILE="+caFile, "SSL_CERT_DIR="+emptyCertDir,
		"TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"TWILIO_ACCOUNT_SID="+twilioemu.DefaultAccountSid, "TWILIO_AUTH_TOKEN="+twilioemu.DefaultAuthToken)
}

// terraformBinary is -terraform, else terraform v1.5.7 built from the Go module proxy
// into the cache directory (once).
func terraformBinary(ctx context.Context, cfg config) (string, error) {
	if cfg.terraformBin != "" {
		return cfg.terraformBin, nil
	}
	bin := filepath.Join(cfg.cacheDir, "terraform-v"+terraformVersion, "terraform")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	say("terraform: building terraform v%s from the Go module proxy into %s (once; minutes)", terraformVersion, filepath.Dir(bin))
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	env := append(os.Environ(), "GOBIN="+filepath.Dir(bin), "GOFLAGS=-mod=mod", "GOWORK=off")
	_, err := commandLine(ctx, cfg.cacheDir, env, "go", "install", "github.com/hashicorp/terraform@v"+terraformVersion)
	return bin, err
}

// buildProvider builds the provider from its checkout into the cache directory and
// returns the directory holding the binary (the dev override's).
func buildProvider(ctx context.Context, cfg config) (string, error) {
	dir := filepath.Join(cfg.cacheDir, "terraform-provider-twilio")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	say("terraform: building terraform-provider-twilio from %s", cfg.tfProviderSrc)
	env := append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	_, err := commandLine(ctx, cfg.tfProviderSrc, env, "go", "build", "-o", filepath.Join(dir, "terraform-provider-twilio"), ".")
	return dir, err
}

// providerVersion is the checkout's tag and commit, as git describes them.
func providerVersion(ctx context.Context, src string) string {
	tag, err1 := commandLine(ctx, src, nil, "git", "describe", "--tags", "--always")
	commit, err2 := commandLine(ctx, src, nil, "git", "rev-parse", "--short=12", "HEAD")
	if err1 != nil || err2 != nil {
		return "unknown (not a git checkout)"
	}
	return strings.TrimSpace(tag) + " (commit " + strings.TrimSpace(commit) + ")"
}

// commandLine runs a command and returns its combined output.
func commandLine(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, lastLines(string(out), 5))
	}
	return string(out), nil
}

// commandLog runs a command with its output in logPath.
func commandLog(ctx context.Context, dir string, env []string, logPath, name string, args ...string) error {
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, f, f
	cmd.WaitDelay = 10 * time.Second
	return cmd.Run()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// terraformState counts the resources of a state file.
func terraformState(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var st struct {
		Resources []json.RawMessage `json:"resources"`
	}
	err = json.Unmarshal(data, &st)
	return len(st.Resources), err
}
