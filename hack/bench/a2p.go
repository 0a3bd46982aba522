package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// a2pResult is phase 5: A2P registrations, one brand and one campaign each, spread
// over several accounts (an ISV registers each customer in its own subaccount).
type a2pResult struct {
	Emulator      []string `json:"emulatorFlags"`
	Operator      []string `json:"operatorFlags"`
	Registrations int      `json:"registrations"`
	Accounts      int      `json:"accounts"`
	// WallTime runs from the first create to the last registration Ready.
	WallTime time.Duration `json:"wallTimeNanoseconds"`
	Apply    applyResult   `json:"apply"`
	Traffic  traffic       `json:"traffic"`
	// PerRegistration is the requests on bundles, brands and campaigns per registration;
	// PerService is the requests on Messaging Services and numbers per service.
	PerRegistration float64 `json:"twilioRequestsPerRegistration"`
	PerService      float64 `json:"twilioRequestsPerService"`
	// Writes is the brand and campaign writes, per account.
	Writes map[string]int `json:"registrationWritesPerAccount"`
	// MaxWritesPerSecond is the most brand and campaign writes one account received
	// within any one second; MinWriteGap the shortest time between two of them.
	MaxWritesPerSecond int           `json:"maxRegistrationWritesPerAccountPerSecond"`
	MinWriteGap        time.Duration `json:"minRegistrationWriteGapNanoseconds"`
	// Ready is how many registrations the benchmark's watch saw Ready.
	Ready   int       `json:"ready"`
	Stalled []string  `json:"stalled"`
	Usage   procUsage `json:"operatorUsage"`
	// TwilioChecks compare the emulator's objects with what was applied: a service with
	// its number, a brand and a campaign per registration.
	TwilioChecks []objectCheck `json:"twilioObjectChecks"`
}

func runA2P(ctx context.Context, cfg config, bins testbed.Binaries) (*a2pResult, error) {
	r := &a2pResult{Registrations: cfg.a2pObjects, Accounts: cfg.a2pAccounts,
		Emulator: append(emulatorArgs(cfg.latency, cfg.jitter, cfg.concurrencyLimit),
			"--brand-delay=3s", "--campaign-in-progress-delay=1s", "--campaign-delay=3s"),
		Operator: cfg.operator.args(quietResync)}
	w, err := startWorld(ctx, cfg, bins, worldSpec{name: "a2p", seed: a2pSeed(cfg.a2pObjects, cfg.a2pAccounts),
		emulatorArgs: r.Emulator, operatorArgs: r.Operator})
	if err != nil {
		return nil, err
	}
	defer w.stop()
	for k := range cfg.a2pAccounts {
		if err := setupNamespace(ctx, w, tenant(k), accountSid(k), accountToken(k)); err != nil {
			return nil, err
		}
	}
	track, err := w.startTracker(ctx, &v1alpha1.A2PRegistration{}, a2pConditions)
	if err != nil {
		return nil, err
	}
	before, err := w.snapshot(ctx)
	if err != nil {
		return r, err
	}
	say("a2p: applying %d A2PRegistrations and their MessagingServices over %d accounts", cfg.a2pObjects, cfg.a2pAccounts)
	start := time.Now()
	if r.Apply, err = apply(ctx, w.k8s, registrations(cfg.a2pObjects, cfg.a2pAccounts)); err != nil {
		return r, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	last, err := track.waitReady(waitCtx, cfg.a2pObjects)
	r.Ready, r.Stalled = track.readyCount(), track.stalledObjects()
	if err != nil {
		return r, err
	}
	r.WallTime = last.Sub(start)
	say("a2p: %d Ready in %v", cfg.a2pObjects, r.WallTime.Round(time.Millisecond))
	after, err := w.snapshot(ctx)
	if err != nil {
		return r, err
	}
	r.Traffic, r.Usage = between(before, after), after.usage
	r.PerRegistration, r.PerService = perKind(r.Traffic.Twilio, cfg.a2pObjects)
	want := servicesWithOneNumber(cfg.a2pObjects)
	want.Brands, want.Campaigns = cfg.a2pObjects, cfg.a2pObjects
	c, err := w.checkTwilio("after convergence", want)
	if err != nil {
		return r, err
	}
	r.TwilioChecks = append(r.TwilioChecks, c)
	log, err := w.emu.Admin.Requests()
	r.Writes, r.MaxWritesPerSecond, r.MinWriteGap = writeRate(operatorRequests(log))
	return r, err
}

// isRegistrationRoute reports whether a route is about bundles, brands or campaigns.
func isRegistrationRoute(route string) bool {
	return strings.Contains(route, "/a2p/BrandRegistrations") || strings.Contains(route, "/Compliance/Usa2p") ||
		strings.Contains(route, "/CustomerProfiles/") || strings.Contains(route, "/TrustProducts/")
}

// perKind divides the requests on registrations and on services by their number (one
// service per registration).
func perKind(counts map[string]int, n int) (perRegistration, perService float64) {
	var reg, svc int
	for route, c := range counts {
		if isRegistrationRoute(route) {
			reg += c
		} else {
			svc += c
		}
	}
	return float64(reg) / float64(n), float64(svc) / float64(n)
}

// writeRate measures the brand and campaign writes Twilio received, per account.
func writeRate(log []twilioemu.RequestRecord) (perAccount map[string]int, maxPerSecond int, minGap time.Duration) {
	times := map[string][]time.Time{}
	for _, r := range log {
		if r.Method != "GET" && isRegistrationRoute(r.Route) {
			times[r.Account] = append(times[r.Account], r.Time)
		}
	}
	perAccount = map[string]int{}
	for account, ts := range times {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		perAccount[account] = len(ts)
		for i := range ts {
			j := i
			for j < len(ts) && ts[j].Sub(ts[i]) < time.Second {
				j++
			}
			maxPerSecond = max(maxPerSecond, j-i)
			if gap := ts[min(i+1, len(ts)-1)].Sub(ts[i]); i+1 < len(ts) && (minGap == 0 || gap < minGap) {
				minGap = gap
			}
		}
	}
	return perAccount, maxPerSecond, minGap
}

func tenant(k int) string          { return fmt.Sprintf("tenant-%02d", k) }
func accountSid(k int) string      { return fmt.Sprintf("AC%032x", 0xbe00+k) }
func accountToken(k int) string    { return fmt.Sprintf("benchtoken%02d", k) }
func customerProfile(j int) string { return fmt.Sprintf("BU%032x", 0xc00000+j) }
func trustProduct(j int) string    { return fmt.Sprintf("BU%032x", 0xa00000+j) }

// a2pSeed gives each account its numbers and each registration its own approved
// bundles; registration j is in account j mod accounts.
func a2pSeed(n, accounts int) twilioemu.Seed {
	s := twilioemu.Seed{}
	for k := range accounts {
		s.Accounts = append(s.Accounts, twilioemu.AccountSeed{Sid: accountSid(k), AuthToken: accountToken(k)})
	}
	for j := range n {
		a := &s.Accounts[j%accounts]
		a.PhoneNumbers = append(a.PhoneNumbers, flexNumber(1+j%accounts, j))
		a.Bundles = append(a.Bundles,
			twilioemu.BundleSeed{Sid: customerProfile(j), Kind: twilioemu.CustomerProfile},
			twilioemu.BundleSeed{Sid: trustProduct(j), Kind: twilioemu.TrustProduct})
	}
	return s
}

// registrations are n MessagingServices and n A2PRegistrations, each with one campaign
// on its own service.
func registrations(n, accounts int) []client.Object {
	out := make([]client.Object, 0, 2*n)
	for j := range n {
		ns, svc := tenant(j%accounts), fmt.Sprintf("svc-%03d", j)
		out = append(out, messagingService(ns, svc, phoneNumber(1+j%accounts, j)))
		out = append(out, &v1alpha1.A2PRegistration{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("reg-%03d", j), Namespace: ns},
			Spec: v1alpha1.A2PRegistrationSpec{
				Brand: v1alpha1.BrandSpec{CustomerProfileBundleSID: customerProfile(j), A2PProfileBundleSID: trustProduct(j),
					BrandType: "STANDARD"},
				Campaigns: []v1alpha1.CampaignSpec{{
					MessagingServiceRef: &v1alpha1.LocalObjectReference{Name: svc},
					Usecase:             "CUSTOMER_CARE",
					Description:         "Support agents answer customer questions about existing orders by SMS.",
					MessageFlow:         "Customers opt in by texting the support number or ticking the SMS box on the support page.",
					MessageSamples: []string{"Hi Sam, this is support. Your replacement part ships today.",
						"Your ticket 4821 is resolved. Reply HELP for help, STOP to opt out."},
				}},
			},
		})
	}
	return out
}
