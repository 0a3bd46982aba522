package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is what one benchmark run measures and how.
type config struct {
	root   string // the repository
	outDir string // results, logs, kubeconfigs, binaries
	assets string // kube-apiserver and etcd (KUBEBUILDER_ASSETS)
	phases []string

	objects      int // cold start, steady state and throttled
	scaleObjects int // memory at scale
	a2pObjects   int // A2P registrations
	a2pAccounts  int // accounts the registrations are spread over

	latency, jitter  time.Duration // emulator latency: latency + uniform [0, jitter)
	concurrencyLimit int           // emulator in-flight limit per account
	throttledLimit   int           // the same, for the throttled phase
	resync           time.Duration // operator --resync-period
	steadyPeriods    int           // resync periods the steady state lasts
	timeout          time.Duration // the longest a phase may take to converge

	operator operatorFlags

	// The fairness phase: account X, throttled, and account Y, measured alone and
	// beside X.
	fairThrottled, fairObjects int
	fairLatency                time.Duration
	fairLimit                  int

	// The terraform phase: the provider's source checkout (skipped without one), the
	// terraform binary (built into cacheDir when empty), the sizes and -parallelism.
	tfProviderSrc string
	terraformBin  string
	cacheDir      string
	tfObjects     []int
	tfParallelism int
}

// operatorFlags are the operator flags the benchmark sets; every phase uses the same
// ones (plus --resync-period), and the report prints them.
type operatorFlags struct {
	twilioQPS, twilioConcurrency, workers int
	kubeQPS, kubeBurst                    int
}

func (f operatorFlags) args(resync time.Duration) []string {
	args := []string{
		fmt.Sprintf("--twilio-qps=%d", f.twilioQPS),
		fmt.Sprintf("--twilio-max-concurrency=%d", f.twilioConcurrency),
		fmt.Sprintf("--max-concurrent-reconciles=%d", f.workers),
		"--resync-period=" + resync.String(),
		// Registrations: vetting takes seconds in the emulator, so poll in seconds.
		"--vetting-poll-interval=1s", "--vetting-poll-max-interval=3s",
	}
	// Unset, the operator's own default applies: no client-side limit.
	if f.kubeQPS > 0 {
		args = append(args, fmt.Sprintf("--kube-api-qps=%d", f.kubeQPS))
	}
	if f.kubeBurst > 0 {
		args = append(args, fmt.Sprintf("--kube-api-burst=%d", f.kubeBurst))
	}
	return args
}

// quietResync is the --resync-period of the phases that measure convergence only
// (throttled, a2p): the operator's default, so no resync mixes into their counts. The
// scale phase uses ten times --resync.
const quietResync = 10 * time.Minute

// allPhases run in this order: defaults after cold (whose tuned figure it compares
// with), terraform after defaults (whose operator figure it reuses).
var allPhases = []string{"cold", "throttled", "scale", "a2p", "defaults", "fairness", "terraform"}

// terraformVersion is the Terraform CLI the terraform phase compares with: the last
// release under the MPL, which the Go module proxy serves.
const terraformVersion = "1.5.7"

func parseConfig(args []string) (config, error) {
	c := config{}
	var phases string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&c.outDir, "out", "bench/out", "Directory for results.json, logs and binaries.")
	fs.StringVar(&phases, "phases", strings.Join(allPhases, ","), "Phases to run, comma-separated: "+strings.Join(allPhases, ", "))
	fs.IntVar(&c.objects, "objects", 1000, "MessagingServices of the cold start, steady state and throttled phases.")
	fs.IntVar(&c.scaleObjects, "scale-objects", 10000, "MessagingServices of the memory-at-scale phase.")
	fs.IntVar(&c.a2pObjects, "a2p-objects", 100, "A2PRegistrations (one campaign each) of the A2P phase.")
	fs.IntVar(&c.a2pAccounts, "a2p-accounts", 5, "Twilio accounts the A2P registrations are spread over.")
	fs.DurationVar(&c.latency, "latency", 80*time.Millisecond, "Emulator latency (plus up to --jitter): 80ms+[0,40ms) is 100ms ± 20ms.")
	fs.DurationVar(&c.jitter, "jitter", 40*time.Millisecond, "Emulator jitter on top of --latency.")
	fs.IntVar(&c.concurrencyLimit, "concurrency-limit", 100, "Emulator in-flight requests per account (Twilio's default).")
	fs.IntVar(&c.throttledLimit, "throttled-limit", 10, "Emulator in-flight requests per account in the throttled phase.")
	fs.DurationVar(&c.resync, "resync", 30*time.Second, "Operator --resync-period of the cold phase, whose steady state lasts --steady-periods of it.")
	fs.IntVar(&c.steadyPeriods, "steady-periods", 3, "Resync periods the steady state is watched for (0: skip it).")
	fs.DurationVar(&c.timeout, "timeout", 15*time.Minute, "Longest time a phase may take to converge: a guard against a hang, not a target (10,000 objects took 8 minutes on a slow 2-core machine).")
	fs.IntVar(&c.operator.twilioQPS, "twilio-qps", 500, "Operator --twilio-qps.")
	fs.IntVar(&c.operator.twilioConcurrency, "twilio-max-concurrency", 100, "Operator --twilio-max-concurrency.")
	fs.IntVar(&c.operator.workers, "workers", 64, "Operator --max-concurrent-reconciles.")
	fs.IntVar(&c.operator.kubeQPS, "kube-api-qps", 0, "Operator --kube-api-qps (0: no client-side limit).")
	fs.IntVar(&c.operator.kubeBurst, "kube-api-burst", 0, "Operator --kube-api-burst.")
	fs.IntVar(&c.fairThrottled, "fairness-throttled-objects", 200, "MessagingServices of the throttled account X in the fairness phase.")
	fs.IntVar(&c.fairObjects, "fairness-objects", 50, "MessagingServices of account Y in the fairness phase, alone and again beside X.")
	fs.DurationVar(&c.fairLatency, "fairness-latency", 2*time.Second, "Emulator latency of account X in the fairness phase.")
	fs.IntVar(&c.fairLimit, "fairness-limit", 1, "Emulator in-flight requests of account X in the fairness phase.")
	fs.StringVar(&c.tfProviderSrc, "tf-provider-src", os.Getenv("TF_PROVIDER_SRC"),
		"A source checkout of terraform-provider-twilio for the terraform phase ($TF_PROVIDER_SRC); without one the phase is skipped.")
	fs.StringVar(&c.terraformBin, "terraform", "", "The terraform binary (empty: terraform v"+terraformVersion+" from the Go module proxy, built into -cache-dir).")
	fs.StringVar(&c.cacheDir, "cache-dir", defaultCacheDir(), "Where the terraform phase builds Terraform and the provider (outside the repository).")
	var tfObjects string
	fs.StringVar(&tfObjects, "tf-objects", "200,1000", "MessagingServices (one number each) of each terraform-phase comparison, comma-separated.")
	fs.IntVar(&c.tfParallelism, "tf-parallelism", 10, "terraform apply -parallelism (10 is Terraform's default).")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	c.phases = strings.Split(phases, ",")
	for _, f := range strings.Split(tfObjects, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return config{}, fmt.Errorf("-tf-objects: %q is not a positive count", f)
		}
		c.tfObjects = append(c.tfObjects, n)
	}
	return c, c.validate()
}

func (c config) validate() error {
	for _, p := range c.phases {
		if !slices.Contains(allPhases, p) {
			return fmt.Errorf("unknown phase %q; phases are %s", p, strings.Join(allPhases, ", "))
		}
	}
	if c.objects < 1 || c.scaleObjects < 1 || c.a2pObjects < 1 || c.a2pAccounts < 1 || c.fairThrottled < 1 ||
		c.fairObjects < 1 || c.fairLimit < 1 || c.tfParallelism < 1 {
		return errors.New("object and account counts must be positive")
	}
	if c.steadyPeriods < 0 || c.resync < time.Second {
		return errors.New("--steady-periods must not be negative and --resync must be at least 1s")
	}
	return nil
}

func (c config) runs(phase string) bool { return slices.Contains(c.phases, phase) }

// defaultCacheDir is ~/.cache/twilio-operator/bench: built tools live outside the
// repository, beside the envtest assets of hack/setup-envtest.sh.
func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "twilio-operator", "bench")
}
