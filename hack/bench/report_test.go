package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// healthyCold is the cold phase of an operator that does its job: 10 objects, synced
// twice each in a steady window of 3 periods, the sentinel synced.
func healthyCold() *coldResult {
	n := 10
	c := &coldResult{Operator: operatorFlags{twilioQPS: 500, twilioConcurrency: 100, workers: 64}.args(30 * time.Second)}
	c.Convergence = convergence{Objects: n, Ready: n, WallTime: 5 * time.Second,
		Traffic: traffic{Twilio: map[string]int{"POST /v1/Services": n, lookupRoute: n, addRoute: n, clockRoute: 1}, TwilioTotal: 3*n + 1},
		Twilio:  objectCheck{When: "after convergence", Want: servicesWithOneNumber(n), Got: servicesWithOneNumber(n)}}
	c.TwilioChecks = []objectCheck{c.Convergence.Twilio}
	c.NoOp = noOpResult{Sentinel: sentinelSync{SID: "MG1", At: time.Now(), Reaction: 20 * time.Millisecond, Requests: 2}}
	c.Steady = steadyResult{ResyncPeriod: 30 * time.Second, Window: 90 * time.Second, ReadsPerObjectPerResync: 0.95,
		WantSyncsPerObject: 2, MinSyncsPerObject: 2}
	return c
}

func metByName(rep *report) map[string]bool {
	out := map[string]bool{}
	for _, t := range targets(rep) {
		out[t.Name] = t.Met
	}
	return out
}

// TestTargetsHaveLowerBounds: an operator that stops doing anything after the cold
// start makes no request, so it meets every "at most" target; the lower bounds must
// fail it.
func TestTargetsHaveLowerBounds(t *testing.T) {
	met := metByName(&report{Cold: healthyCold()})
	for name, ok := range met {
		if !ok {
			t.Errorf("healthy run: target %q not met", name)
		}
	}

	idle := healthyCold()
	idle.NoOp.Sentinel = sentinelSync{SID: "MG1"} // never synced
	idle.Steady.ReadsPerObjectPerResync, idle.Steady.MinSyncsPerObject, idle.Steady.ObjectsSyncedLess = 0, 0, 10
	met = metByName(&report{Cold: idle})
	if !met["steady state Twilio reads per object per resync"] {
		t.Error("an idle operator meets the upper bound on reads; only the lower bound can fail it")
	}
	for _, name := range []string{"steady state: every object synced once per resync period", "Twilio requests caused by no-op events"} {
		if met[name] {
			t.Errorf("an operator that does nothing meets %q", name)
		}
	}

	lost := healthyCold()
	lost.TwilioChecks = append(lost.TwilioChecks, objectCheck{When: "after the steady state", Want: servicesWithOneNumber(10),
		Got: twilioObjects{Services: 10, PoolMembers: 9}})
	if metByName(&report{Cold: lost})["cold: Twilio objects as applied, at every check"] {
		t.Error("a pool member lost after the cold start goes unnoticed")
	}

	throttled := &throttledResult{Convergence: convergence{Objects: 10, Ready: 9}}
	if metByName(&report{Throttled: throttled})["throttled: converges, never Stalled"] {
		t.Error("9 of 10 Ready meets the throttled target")
	}
}

func TestSyncsAndResyncsFromTheRequestLog(t *testing.T) {
	t0 := time.Now()
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	get := func(s float64, sid, sub string) twilioemu.RequestRecord {
		return twilioemu.RequestRecord{Time: at(s), Method: "GET", Path: "/v1/Services/" + sid + sub}
	}
	log := []twilioemu.RequestRecord{
		get(0, "MGa", ""), get(0.5, "MGa", "/PhoneNumbers"), // one sync: two reads back to back
		get(30, "MGa", ""),
		get(31, "MGb", ""),
		get(40, "MGb", "/PhoneNumbers"),                     // 9 s after its last sync: not a resync
		{Time: at(45), Method: "GET", Path: "/v1/Services"}, // on no service
	}
	numbers := func(s float64) twilioemu.RequestRecord {
		return twilioemu.RequestRecord{Time: at(s), Method: "GET", Route: lookupRoute, Account: "AC1",
			Path: "/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json"}
	}
	log = append(log,
		numbers(2), numbers(2.1), // the inbound check's read of the account's numbers: two pages
		numbers(20), // 18 s later: not a resync
		numbers(50), twilioemu.RequestRecord{Time: at(50.2), Method: "GET", Route: addressesRoute, Account: "AC1",
			Path: "/v1/Configuration/Addresses"}, // a period after the first: its resync
	)
	slices.SortFunc(log, func(a, b twilioemu.RequestRecord) int { return a.Time.Compare(b.Time) })
	starts := syncStarts(log)
	if len(starts["MGa"]) != 2 || len(starts["MGb"]) != 2 {
		t.Fatalf("sync starts = %v", starts)
	}
	if got := minSyncInterval(starts, at(0), at(60), ""); got != 9*time.Second {
		t.Errorf("shortest interval = %v, want 9s", got)
	}
	if got := minSyncInterval(starts, at(0), at(60), "MGb"); got != 30*time.Second {
		t.Errorf("shortest interval without MGb = %v, want 30s", got)
	}
	if fewest, below := fewestSyncs(starts, []string{"MGa", "MGb", "MGc"}, at(0), at(60), 2); fewest != 0 || below != 1 {
		t.Errorf("fewest syncs, objects below 2 = %d, %d; want 0 (MGc was never synced), 1", fewest, below)
	}
	if got := len(notResyncs(log, at(1), at(60), 30*time.Second)); got != 3 {
		t.Errorf("requests no resync explains = %d, want 3 (MGb's early read, the list, the early account read)", got)
	}
}

func TestRatio(t *testing.T) {
	for _, c := range []struct {
		a, b time.Duration
		want float64
		text string
	}{
		{30 * time.Second, 10 * time.Second, 3, "3.00×"},
		{10 * time.Second, 40 * time.Second, 0.25, "0.25×"},
		{0, 10 * time.Second, 0, "n/a"}, // not measured: no ratio, never a pass
		{10 * time.Second, 0, 0, "n/a"},
		{-time.Second, time.Second, 0, "n/a"},
	} {
		if got := ratio(c.a, c.b); got != c.want {
			t.Errorf("ratio(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := times(ratio(c.a, c.b)); got != c.text {
			t.Errorf("times(ratio(%v, %v)) = %q, want %q", c.a, c.b, got, c.text)
		}
	}
}

func defaultsRun(wall, tuned time.Duration, ready int) *defaultsResult {
	n := 1000
	return &defaultsResult{Convergence: convergence{Objects: n, Ready: ready, WallTime: wall}, Tuned: tuned,
		TunedFlags: operatorFlags{twilioQPS: 500, twilioConcurrency: 100, workers: 64}.args(30 * time.Second)}
}

const defaultsTarget = "defaults: cold start of 1000 within 1.5× of the tuned one"

func TestDefaultsTarget(t *testing.T) {
	for _, c := range []struct {
		name        string
		wall, tuned time.Duration
		ready       int
		met         bool
	}{
		{"as fast as tuned", 12 * time.Second, 12 * time.Second, 1000, true},
		{"at the bound", 18 * time.Second, 12 * time.Second, 1000, true},
		{"slower than 1.5×", 19 * time.Second, 12 * time.Second, 1000, false},
		{"not all Ready", 12 * time.Second, 12 * time.Second, 999, false},
		{"no tuned figure", 12 * time.Second, 0, 1000, false},
		{"defaults not measured", 0, 12 * time.Second, 0, false},
	} {
		met, ok := metByName(&report{Defaults: defaultsRun(c.wall, c.tuned, c.ready)})[defaultsTarget]
		if !ok {
			t.Fatalf("%s: no target %q", c.name, defaultsTarget)
		}
		if met != c.met {
			t.Errorf("%s: met = %v, want %v", c.name, met, c.met)
		}
	}
}

const terraformTarget = "operator defaults vs Terraform defaults at 1000 services"

func TestTerraformTarget(t *testing.T) {
	tf := func(runs ...terraformRun) *terraformResult { return &terraformResult{Parallelism: 10, Runs: runs} }
	at := func(n int, apply, operator time.Duration) terraformRun {
		return terraformRun{Objects: n, Apply: apply, Operator: operator}
	}
	for _, c := range []struct {
		name    string
		result  *terraformResult
		present bool
		met     bool
	}{
		{"3× faster", tf(at(200, 9*time.Second, 4*time.Second), at(1000, 150*time.Second, 50*time.Second)), true, true},
		{"2× faster", tf(at(1000, 100*time.Second, 50*time.Second)), true, false},
		{"operator not measured", tf(at(1000, 150*time.Second, 0)), true, false},
		{"only 200 ran: no target at 1000", tf(at(200, 9*time.Second, 1*time.Second)), false, false},
		{"phase did not run", nil, false, false},
	} {
		met, ok := metByName(&report{Terraform: c.result})[terraformTarget]
		if ok != c.present || met != c.met {
			t.Errorf("%s: target present %v met %v, want %v %v", c.name, ok, met, c.present, c.met)
		}
	}
	// The table gives the ratio of every size, and the defaults phase the one of its
	// size from the same run.
	rep := &report{Defaults: defaultsRun(40*time.Second, 30*time.Second, 1000),
		Terraform: tf(at(200, 9*time.Second, 3*time.Second), at(1000, 150*time.Second, 40*time.Second))}
	text := map[string]string{}
	for _, r := range rows(rep) {
		text[r[0]+" | "+r[1]] = r[2]
	}
	for key, want := range map[string]string{
		"terraform 200 | Terraform apply / operator defaults":                "3.00×",
		"terraform 1000 | Terraform apply / operator defaults":               "3.75×",
		"defaults | defaults / tuned wall time":                              "1.33×",
		"defaults | Terraform apply / defaults wall time (same run)":         "3.75× (150.00s / 40.00s)",
		"defaults | operator flags":                                          "none (the operator's defaults)",
		"terraform 1000 | operator requests per service":                     "0.00",
		"terraform 200 | Terraform requests per service; resources in state": "0.00; 0",
	} {
		if got := text[key]; got != want {
			t.Errorf("row %q = %q, want %q", key, got, want)
		}
	}
}

const fairnessTarget = "fairness: 50 objects of Y beside throttled X (200 objects)"

func TestFairnessTarget(t *testing.T) {
	run := func(alone, busy time.Duration, xRequests, xReady int) *fairnessResult {
		return &fairnessResult{ThrottledObjects: 200, Objects: 50, Alone: alone, Busy: busy, XRequests: xRequests, XReady: xReady}
	}
	for _, c := range []struct {
		name string
		r    *fairnessResult
		met  bool
	}{
		{"unaffected", run(2*time.Second, 2200*time.Millisecond, 40, 12), true},
		{"at the bound", run(2*time.Second, 3*time.Second, 40, 12), true},
		{"held back", run(2*time.Second, 10*time.Second, 40, 12), false},
		// An X that sent nothing, or had finished, proves nothing about fairness.
		{"X idle", run(2*time.Second, 2*time.Second, 0, 0), false},
		{"X done before Y", run(2*time.Second, 2*time.Second, 600, 200), false},
		{"not measured", run(0, 2*time.Second, 40, 12), false},
	} {
		met, ok := metByName(&report{Fairness: c.r})[fairnessTarget]
		if !ok || met != c.met {
			t.Errorf("%s: target present %v met %v, want met %v", c.name, ok, met, c.met)
		}
	}
}

func TestTerraformConfigAndEnvironment(t *testing.T) {
	sids := map[string]string{phoneNumber(0, 0): "PN" + strings.Repeat("0", 31) + "1", phoneNumber(0, 1): "PN" + strings.Repeat("0", 31) + "2"}
	cfg := terraformConfig(2, sids)
	for _, want := range []string{
		`resource "twilio_messaging_services_v1" "s00001"`,
		`friendly_name = "Bench sender-00001"`,
		`service_sid      = twilio_messaging_services_v1.s00001.sid`,
		`phone_number_sid = "` + sids[phoneNumber(0, 1)] + `"`,
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	if n := strings.Count(cfg, "resource \""); n != 4 {
		t.Errorf("config has %d resources, want 4", n)
	}
	t.Setenv("HTTPS_PROXY", "http://elsewhere:3128")
	t.Setenv("TF_LOG", "trace")
	t.Setenv("TWILIO_AUTH_TOKEN", "a-real-token")
	env := terraformEnv("http://127.0.0.1:1", "/ca.pem", "/empty", "/rc")
	seen := map[string][]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		seen[k] = append(seen[k], v)
	}
	for k, want := range map[string]string{"HTTPS_PROXY": "http://127.0.0.1:1", "SSL_CERT_FILE": "/ca.pem",
		"SSL_CERT_DIR": "/empty", "TF_CLI_CONFIG_FILE": "/rc", "TWILIO_AUTH_TOKEN": twilioemu.DefaultAuthToken} {
		if len(seen[k]) != 1 || seen[k][0] != want {
			t.Errorf("%s = %q, want exactly %q", k, seen[k], want)
		}
	}
	if _, ok := seen["TF_LOG"]; ok {
		t.Error("the benchmark's own TF_ variables reach terraform")
	}
}

func TestTerraformSkipAndSizes(t *testing.T) {
	t.Setenv("TF_PROVIDER_SRC", "")
	cfg, err := parseConfig([]string{"-phases", "terraform", "-tf-objects", "200, 1000"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.tfObjects) != 2 || cfg.tfObjects[0] != 200 || cfg.tfObjects[1] != 1000 || cfg.tfParallelism != 10 {
		t.Errorf("sizes %v, parallelism %d", cfg.tfObjects, cfg.tfParallelism)
	}
	if why := terraformSkip(cfg); !strings.Contains(why, "TF_PROVIDER_SRC") {
		t.Errorf("skip reason %q does not say how to run it", why)
	}
	cfg.tfProviderSrc = t.TempDir() // no go.mod: not a checkout
	if why := terraformSkip(cfg); !strings.Contains(why, "no go.mod") {
		t.Errorf("skip reason %q", why)
	}
	if err := os.WriteFile(filepath.Join(cfg.tfProviderSrc, "go.mod"), []byte("module x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if why := terraformSkip(cfg); why != "" {
		t.Errorf("a checkout is skipped: %q", why)
	}
	if _, err := parseConfig([]string{"-tf-objects", "200,zero"}); err == nil {
		t.Error("-tf-objects 200,zero accepted")
	}
}
