package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestParseConfig(t *testing.T) {
	defaults := twilioemu.DefaultDelays()
	for name, tc := range map[string]struct {
		args    []string
		want    func(*config)
		wantErr bool
	}{
		"no flags serve the demo seed on 127.0.0.1:8080": {
			want: func(c *config) { c.addr, c.delays, c.logRequests = "127.0.0.1:8080", defaults, true }},
		"every flag": {
			args: []string{"--addr", "127.0.0.1:0", "--addr-file", "/tmp/a", "--seed", "s.json", "--quirks", "q.json", "--brand-delay", "1s",
				"--campaign-in-progress-delay", "2s", "--campaign-delay", "3s", "--bundle-review-delay", "4s",
				"--bundle-approval-delay", "5s", "--otp-expiry", "6h", "--latency", "5ms", "--jitter", "2ms",
				"--error-rate", "0.1", "--concurrency-limit", "4", "--drop-rate", "0.05", "--rand-seed", "42",
				"--log-requests=false"},
			want: func(c *config) {
				c.addr, c.addrFile, c.seedFile, c.quirksFile = "127.0.0.1:0", "/tmp/a", "s.json", "q.json"
				c.delays = twilioemu.Delays{Brand: time.Second, CampaignInProgress: 2 * time.Second, Campaign: 3 * time.Second,
					BundleReview: 4 * time.Second, BundleApproval: 5 * time.Second, OTPExpiry: 6 * time.Hour}
				c.faults = twilioemu.Faults{Latency: 5 * time.Millisecond, Jitter: 2 * time.Millisecond, ErrorRate: 0.1,
					ConcurrencyLimit: 4, DropRate: 0.05}
				c.randSeed, c.logRequests = 42, false
			}},
		"an error rate above 1 is refused":     {args: []string{"--error-rate", "1.5"}, wantErr: true},
		"a negative drop rate is refused":      {args: []string{"--drop-rate", "-0.1"}, wantErr: true},
		"a negative delay is refused":          {args: []string{"--brand-delay", "-1s"}, wantErr: true},
		"a negative OTP expiry is refused":     {args: []string{"--otp-expiry", "-1h"}, wantErr: true},
		"a negative concurrency limit":         {args: []string{"--concurrency-limit", "-1"}, wantErr: true},
		"an unknown flag is refused":           {args: []string{"--port", "80"}, wantErr: true},
		"stray arguments are refused":          {args: []string{"serve"}, wantErr: true},
		"a duration without a unit is refused": {args: []string{"--latency", "5"}, wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			args := tc.args
			if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--rand-seed") }) {
				args = append(slices.Clone(args), "--rand-seed=42") // a fixed seed instead of the time
			}
			got, err := parseConfig(args)
			if tc.wantErr {
				if err == nil {
					t.Fatal("parseConfig accepted bad flags")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := config{logRequests: true, randSeed: 42, delays: defaults}
			tc.want(&want)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(config{}), cmpIgnoreDelaysSet); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpIgnoreDelaysSet = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".delaysSet" }, cmp.Ignore())

func TestSeedFileDelaysGiveWayToFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "seed.json")
	seed := `{"accounts": [{"sid": "AC0123456789abcdef0123456789abcdef", "authToken": "tok"}],
	          "delays": {"brand": "10s", "campaignInProgress": "20s", "campaign": "30s"}}`
	if err := os.WriteFile(file, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseConfig([]string{"--seed", file, "--campaign-delay", "1m"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.seed()
	if err != nil {
		t.Fatal(err)
	}
	// The file's delays win over the defaults of the flags not given, and a delay the
	// file leaves out is zero (an OTP that does not expire).
	want := twilioemu.Delays{Brand: 10 * time.Second, CampaignInProgress: 20 * time.Second, Campaign: time.Minute}
	if *s.Delays != want || len(s.Accounts) != 1 {
		t.Errorf("delays = %+v, accounts %d", *s.Delays, len(s.Accounts))
	}
	cfg, _ = parseConfig([]string{"--seed", filepath.Join(t.TempDir(), "missing.json")})
	if _, err := cfg.seed(); err == nil {
		t.Error("a missing seed file was accepted")
	}
}

func TestQuirksFileReplacesTheSeedFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	seedFile := write("seed.json", `{"accounts": [{"sid": "AC0123456789abcdef0123456789abcdef", "authToken": "tok"}],
	          "quirks": {"brandListOmitsVetted": true}}`)
	quirksFile := write("quirks.json", `{"fields": [{"route": "POST /v1/Services/{Sid}",
	          "field": "ScanMessageContent", "mode": "ignore"}]}`)
	for name, tc := range map[string]struct {
		args    []string
		want    *twilioemu.Quirks
		wantErr bool
	}{
		"the seed file's quirks": {args: []string{"--seed", seedFile}, want: &twilioemu.Quirks{BrandListOmitsVetted: true}},
		"--quirks replaces them": {args: []string{"--seed", seedFile, "--quirks", quirksFile},
			want: &twilioemu.Quirks{Fields: []twilioemu.FieldQuirk{{Route: "POST /v1/Services/{Sid}",
				Field: "ScanMessageContent", Mode: twilioemu.QuirkIgnore}}}},
		"no quirks by default":             {},
		"a quirk of an unknown route":      {args: []string{"--quirks", write("bad.json", `{"fields": [{"route": "POST /v1/X", "field": "Y", "mode": "ignore"}]}`)}, wantErr: true},
		"a misspelt key is refused":        {args: []string{"--quirks", write("typo.json", `{"brandListOmitsVeted": true}`)}, wantErr: true},
		"a missing quirks file is refused": {args: []string{"--quirks", filepath.Join(dir, "missing.json")}, wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := parseConfig(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			s, err := cfg.seed()
			if tc.wantErr {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, s.Quirks); diff != "" {
				t.Errorf("quirks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	addrFile := filepath.Join(t.TempDir(), "emu.url")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr testbed.SyncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--addr-file", addrFile, "--brand-delay", "0s"}, &stdout, &stderr)
	}()
	base := waitForFile(t, addrFile, done)
	if !strings.Contains(stdout.String(), "twilio-emulator listening on "+base) {
		t.Errorf("stdout = %q", stdout.String())
	}

	rt, _ := twilioemu.RedirectTransport(base, nil)
	c := &client.Client{Credentials: client.NewCredentials(twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken),
		HTTPClient: &http.Client{Transport: rt}}
	c.SetAccountSid(twilioemu.DefaultAccountSid)
	rc := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
	svc, err := rc.MessagingV1.CreateService(new(messaging.CreateServiceParams).SetFriendlyName("standalone"))
	if err != nil {
		t.Fatal(err)
	}
	admin := twilioemu.NewAdminClient(base, nil)
	if n, err := admin.Count("POST /v1/Services"); err != nil || n != 1 {
		t.Errorf("admin count = %d, %v", n, err)
	}
	if got, err := admin.Service(*svc.Sid); err != nil || got.FriendlyName != "standalone" {
		t.Errorf("admin service = %+v, %v", got, err)
	}
	brand, err := rc.MessagingV1.CreateBrandRegistrations(new(messaging.CreateBrandRegistrationsParams).
		SetCustomerProfileBundleSid(twilioemu.DefaultCustomerProfile).SetA2PProfileBundleSid(twilioemu.DefaultTrustProduct))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := rc.MessagingV1.FetchBrandRegistrations(*brand.Sid); b == nil || *b.Status != "APPROVED" {
		t.Errorf("with --brand-delay 0s the brand is %v", b)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(shutdownTimeout):
		t.Fatal("run did not return after cancellation")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "path=/v1/Services") || !strings.Contains(logs, "status=201") {
		t.Errorf("request log = %q", logs)
	}
	if strings.Contains(logs, twilioemu.DefaultAuthToken) {
		t.Error("the request log shows the auth token")
	}
}

// waitForFile waits (with a deadline, never a fixed sleep) for run to write its address.
func waitForFile(t *testing.T, path string, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v", err)
		default:
		}
		if data, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(data))
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not an assertion
	}
	t.Fatal("the emulator never wrote its address")
	return ""
}

func TestRunReportsBadFlagsAndSeeds(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &out, &out); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	if err := run(context.Background(), []string{"--seed", "/nonexistent.json"}, &out, &out); err == nil {
		t.Error("a missing seed file did not stop run")
	}
	if err := run(context.Background(), []string{"--addr", "256.0.0.1:99999"}, &out, &out); err == nil {
		t.Error("an address that cannot be listened on did not stop run")
	}
}

func TestExampleSeedFile(t *testing.T) {
	cfg, err := parseConfig([]string{"--seed", "testdata/seed.json"})
	if err != nil {
		t.Fatal(err)
	}
	seed, err := cfg.seed()
	if err != nil {
		t.Fatal(err)
	}
	state, _ := twilioemu.New(twilioemu.WithSeed(seed)).State()
	if len(state.Accounts) != 2 || len(state.PhoneNumbers) != 4 || len(state.Bundles) != 4 || len(state.Rules) != 2 ||
		state.Delays.Brand != 30*time.Second {
		t.Errorf("state from testdata/seed.json = %+v", state)
	}
}
