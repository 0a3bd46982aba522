package controllers

import (
	"context"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// emulatorClient is a port client of the emulator's default account.
func emulatorClient(t *testing.T, emu *twilioemu.Server) twilio.Client {
	t.Helper()
	conn, err := twilio.NewConnector(twilio.Config{Transport: emu.Transport()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := conn.Client(twilio.Credentials{AccountSID: twilioemu.DefaultAccountSid, AuthToken: twilioemu.DefaultAuthToken})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func count(t *testing.T, emu *twilioemu.Server, route string) int {
	t.Helper()
	n, err := emu.Count(route)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The account's routes are read once for any number of concurrent syncs, again only
// after the TTL, or when a wanted number is missing and the read is a minute old.
func TestInboundRoutesAreReadOncePerTTL(t *testing.T) {
	const listNumbers, listAddresses = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", "GET /v1/Configuration/Addresses"
	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()))
	tw := emulatorClient(t, emu)
	clock := clocktesting.NewFakeClock(time.Now())
	cache := newInboundRoutes(clock, 10*time.Minute)
	ctx := context.Background()
	first := twilioemu.PhoneNumberSid(twilioemu.DefaultAccountSid, "+15017122661")

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := cache.routes(ctx, tw, []string{first}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, a := count(t, emu, listNumbers), count(t, emu, listAddresses); n != 1 || a != 1 {
		t.Fatalf("20 concurrent syncs made %d lists of numbers and %d of addresses, want 1 and 1", n, a)
	}

	clock.Step(9 * time.Minute)
	if _, err := cache.routes(ctx, tw, []string{first}); err != nil || count(t, emu, listNumbers) != 1 {
		t.Fatalf("a read younger than the TTL is used: err %v, lists %d", err, count(t, emu, listNumbers))
	}
	// A number bought after the read: read again, since the read is over a minute old.
	bought, err := emu.SeedPhoneNumber(twilioemu.DefaultAccountSid, "+15017122669")
	if err != nil {
		t.Fatal(err)
	}
	r, err := cache.routes(ctx, tw, []string{first, bought})
	if err != nil || count(t, emu, listNumbers) != 2 {
		t.Fatalf("a missing number makes a read a minute old stale: err %v, lists %d", err, count(t, emu, listNumbers))
	}
	if route, _, ok := r.routeOf(bought); !ok || route != v1alpha1.InboundRouteNone {
		t.Errorf("bought number: %q %v", route, ok)
	}
	// Missing from a fresh read (not a number of the account): not read again at once.
	if _, err := cache.routes(ctx, tw, []string{"PN00000000000000000000000000000000"}); err != nil || count(t, emu, listNumbers) != 2 {
		t.Fatalf("a fresh read is kept: err %v, lists %d", err, count(t, emu, listNumbers))
	}
	clock.Step(10 * time.Minute)
	if _, err := cache.routes(ctx, tw, nil); err != nil || count(t, emu, listNumbers) != 3 || count(t, emu, listAddresses) != 3 {
		t.Fatalf("after the TTL the account is read again: err %v, lists %d", err, count(t, emu, listNumbers))
	}
}

// A failed read is not repeated by every sync of the account: 30 s pass first.
func TestInboundRoutesBackOffAfterAFailure(t *testing.T) {
	const listNumbers = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()))
	tw := emulatorClient(t, emu)
	clock := clocktesting.NewFakeClock(time.Now())
	cache := newInboundRoutes(clock, 10*time.Minute)
	ctx := context.Background()
	if err := emu.SetPathFaults(listNumbers, twilioemu.Faults{ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := cache.routes(ctx, tw, nil); err == nil {
			t.Fatal("the read fails")
		}
	}
	if n := count(t, emu, listNumbers); n != 1 {
		t.Fatalf("5 syncs after a failure made %d reads, want 1", n)
	}
	if err := emu.ClearFaults(); err != nil {
		t.Fatal(err)
	}
	clock.Step(retryAfterFailure)
	if _, err := cache.routes(ctx, tw, nil); err != nil {
		t.Fatalf("read again after the back-off: %v", err)
	}
}

func TestRouteOfANumber(t *testing.T) {
	r := &routesRead{numbers: map[string]twilio.IncomingNumber{
		"PN1": {SID: "PN1", PhoneNumber: "+1", SMSURL: "https://a"},
		"PN2": {SID: "PN2", PhoneNumber: "+2", SMSURL: "https://a", SMSApplicationSID: "AP1"},
		"PN3": {SID: "PN3", PhoneNumber: "+3"},
		"PN4": {SID: "PN4", PhoneNumber: "+4"},
		"PN5": {SID: "PN5", PhoneNumber: "+5", SMSURL: "https://a"},
		"PN6": {SID: "PN6", PhoneNumber: "+6", SMSApplicationSID: "AP1"},
	}, addresses: map[string]string{"+4": "IG4", "+5": "IG5", "+6": "IG6"}}
	for sid, want := range map[string]struct {
		route   v1alpha1.InboundRoute
		problem bool
	}{
		"PN1": {v1alpha1.InboundRouteWebhook, false},
		"PN2": {v1alpha1.InboundRouteApplication, false}, // Twilio ignores sms_url then
		"PN3": {v1alpha1.InboundRouteNone, false},
		"PN4": {v1alpha1.InboundRouteConversations, false},
		"PN5": {v1alpha1.InboundRouteConversations, true},
		"PN6": {v1alpha1.InboundRouteConversations, true},
	} {
		route, problem, ok := r.routeOf(sid)
		if !ok || route != want.route || (problem != "") != want.problem {
			t.Errorf("%s: route %q, problem %q, want %q (problem: %v)", sid, route, problem, want.route, want.problem)
		}
	}
	if _, _, ok := r.routeOf("PN9"); ok {
		t.Error("a number the read lacks is unknown")
	}
}

func TestInboundConditionNamesTheNumbers(t *testing.T) {
	obj := &v1alpha1.MessagingService{Spec: v1alpha1.MessagingServiceSpec{UseInboundWebhookOnNumber: ptr.To(true)}}
	setInboundCondition(obj, []string{"+2", "+1"}, nil)
	c := obj.Status.Conditions[0]
	if c.Status != "False" || c.Reason != v1alpha1.ReasonNoInboundRoute ||
		c.Message[:len("phone numbers +1, +2 have no inbound route")] != "phone numbers +1, +2 have no inbound route" {
		t.Errorf("condition = %+v", c)
	}
	setInboundCondition(obj, nil, []string{"+3: twice"})
	if c := obj.Status.Conditions[0]; c.Status != "True" || c.Reason != v1alpha1.ReasonConversationsAndWebhook {
		t.Errorf("condition = %+v", c)
	}
	setInboundCondition(obj, nil, nil)
	if c := obj.Status.Conditions[0]; c.Status != "True" || c.Reason != v1alpha1.ReasonInboundRouted {
		t.Errorf("condition = %+v", c)
	}
}
