package twilioemu_test

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestConcurrencyLimitAnswers429(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		if err := emu.SetFaults(twilioemu.Faults{ConcurrencyLimit: 2, Latency: 300 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		rc := primary(hc).MessagingV1
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range errs {
			wg.Go(func() { _, errs[i] = rc.ListService(nil) })
		}
		wg.Wait()
		var ok, throttled int
		for _, err := range errs {
			var te *client.TwilioRestError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &te) && te.Code == 20429 && te.Status == 429:
				throttled++
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		if ok == 0 || throttled == 0 || ok+throttled != len(errs) {
			t.Errorf("%d succeeded and %d were throttled, want both", ok, throttled)
		}
	})
}

func TestConcurrencyLimitIsPerAccount(t *testing.T) {
	emu := newEmu(t)
	_ = emu.SetFaults(twilioemu.Faults{ConcurrencyLimit: 1})
	_ = emu.SetPathFaults("GET /v1/Services", twilioemu.Faults{Latency: 1500 * time.Millisecond})
	hc := emu.HTTPClient()
	done := make(chan error, 1)
	go func() {
		for { // the probes below may hold the slot at first: retry until the slow list gets it
			_, err := primary(hc).MessagingV1.ListService(nil)
			if !isThrottled(err) {
				done <- err
				return
			}
		}
	}()
	// Wait until the slow list holds the primary account's only slot.
	deadline := time.Now().Add(time.Second)
	for {
		if _, err := primary(hc).MessagingV1.FetchUsecase(); isThrottled(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the primary account never reached its concurrency limit")
		}
	}
	if _, err := second(hc).MessagingV1.FetchUsecase(); err != nil {
		t.Errorf("another account was throttled: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("the request holding the slot failed: %v", err)
	}
}

func TestDroppedWriteIsCommitted(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		_ = emu.SetFaults(twilioemu.Faults{DropNextWrites: 1})
		rc := primary(hc).MessagingV1
		_, err := rc.CreateService(new(messaging.CreateServiceParams).SetFriendlyName("committed"))
		var te *client.TwilioRestError
		if err == nil || errors.As(err, &te) {
			t.Fatalf("create answered %v, want a transport error", err)
		}
		services, _ := emu.Services(twilioemu.DefaultAccountSid)
		if len(services) != 1 || services[0].FriendlyName != "committed" {
			t.Fatalf("the dropped create did not commit: %+v", services)
		}
		records, _ := emu.Requests()
		if len(records) != 1 || !records[0].Dropped || records[0].Status != 201 {
			t.Errorf("request log = %+v", records)
		}
		// Only the next write was dropped; reads are never dropped.
		newService(t, primary(hc), "second")
		must[[]messaging.MessagingV1Service](t)(rc.ListService(nil))
	})
}

func TestDroppedWriteInProcessWrapsUnexpectedEOF(t *testing.T) {
	emu := newEmu(t)
	rc := primary(emu.HTTPClient()).MessagingV1
	sid := *newService(t, primary(emu.HTTPClient()), "doomed").Sid
	_ = emu.SetPathFaults("DELETE /v1/Services/{Sid}", twilioemu.Faults{DropRate: 1})
	err := rc.DeleteService(sid)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("delete answered %v, want io.ErrUnexpectedEOF", err)
	}
	if _, err := emu.Service(sid); !errors.Is(err, twilioemu.ErrNotFound) {
		t.Errorf("the dropped delete did not commit: %v", err)
	}
}

func TestLatency(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc).MessagingV1
		sid := *newService(t, primary(hc), "slow").Sid
		const latency = 150 * time.Millisecond
		_ = emu.SetPathFaults("/v1/Services/{Sid}", twilioemu.Faults{Latency: latency, Jitter: 50 * time.Millisecond})
		start := time.Now()
		must[*messaging.MessagingV1Service](t)(rc.FetchService(sid))
		if elapsed := time.Since(start); elapsed < latency {
			t.Errorf("fetch took %v, want at least %v", elapsed, latency)
		}
		_ = emu.ClearFaults()
		start = time.Now()
		must[*messaging.MessagingV1Service](t)(rc.FetchService(sid))
		if elapsed := time.Since(start); elapsed >= latency {
			t.Errorf("fetch without faults took %v", elapsed)
		}
	})
}

func TestErrorRateIsReproducible(t *testing.T) {
	run := func() []int {
		emu := newEmu(t, twilioemu.WithRandSeed(7), twilioemu.WithFaults(twilioemu.Faults{ErrorRate: 0.5}))
		var statuses []int
		for range 200 {
			status, body := call(t, emu.HTTPClient(), http.MethodGet, "/v1/Services/Usecases", nil)
			if status != http.StatusOK {
				wantErrorBody(t, status, body, status, map[int]int{500: 20500, 503: 20503}[status])
			}
			statuses = append(statuses, status)
		}
		return statuses
	}
	first, again := run(), run()
	counts := map[int]int{}
	for i, s := range first {
		counts[s]++
		if again[i] != s {
			t.Fatalf("request %d: %d, then %d with the same seed", i, s, again[i])
		}
	}
	if counts[500] == 0 || counts[503] == 0 || counts[500]+counts[503] < 60 || counts[500]+counts[503] > 140 {
		t.Errorf("statuses with a 0.5 error rate: %v", counts)
	}
}

func TestErrorStatuses(t *testing.T) {
	emu := newEmu(t, twilioemu.WithFaults(twilioemu.Faults{ErrorRate: 1, ErrorStatuses: []int{503}}))
	_, err := primary(emu.HTTPClient()).MessagingV1.FetchUsecase()
	twilioErr(t, err, 20503, 503)
	for _, bad := range []twilioemu.Faults{{ErrorRate: 2}, {DropRate: -1}, {Latency: -time.Second},
		{ErrorStatuses: []int{404}}, {ConcurrencyLimit: -1}} {
		if err := emu.SetFaults(bad); !errors.Is(err, twilioemu.ErrInvalidSeed) {
			t.Errorf("SetFaults(%+v) = %v, want ErrInvalidSeed", bad, err)
		}
	}
	if err := emu.SetPathFaults("GET /v1/Nothing", twilioemu.Faults{}); !errors.Is(err, twilioemu.ErrInvalidSeed) {
		t.Errorf("faults for an unknown route: %v", err)
	}
}

func isThrottled(err error) bool {
	var te *client.TwilioRestError
	return errors.As(err, &te) && te.Code == 20429 && te.Status == 429
}

func TestClientTimeoutDuringLatency(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		_ = emu.SetFaults(twilioemu.Faults{Latency: 2 * time.Second})
		hc.Timeout = 50 * time.Millisecond
		start := time.Now()
		_, err := primary(hc).MessagingV1.FetchUsecase()
		var timeout interface{ Timeout() bool }
		if !errors.As(err, &timeout) || !timeout.Timeout() {
			t.Errorf("a client that gave up got %v (%T), want a timeout", err, err)
		}
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("the client waited %v for a response it had given up on", elapsed)
		}
	})
}

// TestAWriteIsCommittedWhenItsClientGivesUp: a request the emulator received is
// processed to the end, as Twilio would, even when its client stops waiting during the
// latency: the client cannot know whether its create happened.
func TestAWriteIsCommittedWhenItsClientGivesUp(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		_ = emu.SetFaults(twilioemu.Faults{Latency: 300 * time.Millisecond})
		hc.Timeout = 50 * time.Millisecond
		if _, err := primary(hc).MessagingV1.CreateService(new(messaging.CreateServiceParams).SetFriendlyName("Given up")); err == nil {
			t.Fatal("the client was answered within its timeout")
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			services, _ := emu.Services(twilioemu.DefaultAccountSid)
			if len(services) == 1 && services[0].FriendlyName == "Given up" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the create was not committed after its client gave up: %+v", services)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestAccountFaults: one account's faults (a throttled, slow subaccount) leave the
// other accounts alone.
func TestAccountFaults(t *testing.T) {
	emu := newEmu(t)
	if err := emu.SetAccountFaults(twilioemu.SecondAccountSid, twilioemu.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := primary(emu.HTTPClient()).MessagingV1.FetchUsecase(); err != nil {
		t.Errorf("the first account is affected: %v", err)
	}
	if _, err := second(emu.HTTPClient()).MessagingV1.FetchUsecase(); err == nil {
		t.Error("the second account's fault did not apply")
	}
	if err := emu.SetAccountFaults(twilioemu.SecondAccountSid, twilioemu.Faults{ErrorRate: 3}); !errors.Is(err, twilioemu.ErrInvalidSeed) {
		t.Errorf("an invalid account fault: %v", err)
	}
}
