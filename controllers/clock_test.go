package controllers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// Crash recovery searches Twilio for what an interrupted create made by Twilio's own
// timestamps, against Twilio's own clock: it finds the lost object whatever the
// operator's clock says.
func TestCrashRecoveryWithTwilioClockSkewed(t *testing.T) {
	t.Parallel()
	for name, skew := range map[string]time.Duration{
		"Twilio 6 hours behind": -6 * time.Hour,
		"Twilio 6 hours ahead":  6 * time.Hour,
		"Twilio a year ahead":   365 * 24 * time.Hour,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			e := startEnv(t, withTwilioClock(skew))
			now, _ := e.emu.Now()
			g.Expect(now).To(BeTemporally("~", time.Now().Add(skew), time.Minute), "the emulator runs on the skewed clock")

			// Twilio commits each create, but its response never arrives.
			for _, route := range []string{"POST /v1/Services", routeCreateBrand, routeCreateCampaign} {
				g.Expect(e.emu.SetPathFaults(route, twilioemu.Faults{DropNextWrites: 1})).To(Succeed())
			}
			ms := e.messagingService("support", withNumbers(number1))
			g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
			waitForReady(g, ms)
			a2p := e.registration("acme", "support")
			e.verified(g, a2p)

			services, _ := e.emu.Services(account)
			g.Expect(services).To(HaveLen(1), "exactly one Messaging Service")
			g.Expect(ms.Status.SID).To(Equal(services[0].Sid))
			brands, _ := e.emu.Brands(account)
			g.Expect(brands).To(HaveLen(1), "exactly one brand: one registration fee")
			campaigns, _ := e.emu.Campaigns(account)
			g.Expect(campaigns).To(HaveLen(1), "exactly one campaign: one vetting fee")
			for _, route := range []string{"POST /v1/Services", routeCreateBrand, routeCreateCampaign} {
				g.Expect(e.count(route)).To(Equal(1), "%s was sent once: the lost object was found", route)
			}
			g.Expect(ms.Annotations).NotTo(HaveKey(v1alpha1.CreatePendingAnnotation))
			g.Expect(a2p.Annotations).NotTo(HaveKey(v1alpha1.CreatePendingAnnotation))
		})
	}
}

// Knowing Twilio's clock costs one read per account and process, not one per create:
// every later create takes it from the Date of the answers before it.
func TestCreatesReadTwilioClockOnce(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t, withTwilioClock(-6*time.Hour))
	ctx := context.Background()
	var objects []*v1alpha1.MessagingService
	for i := range 3 {
		ms := e.messagingService(fmt.Sprintf("support-%d", i))
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
		objects = append(objects, ms)
		waitForReady(g, ms) // one after the other: each create after the first has a Date to go by
	}
	g.Expect(e.count("POST /v1/Services")).To(Equal(3))
	g.Expect(e.count("GET /v1/Services")).To(Equal(1), "one read of Twilio's clock before the first create, none after")
	g.Expect(e.total()).To(Equal(4), "three creates and the one clock read: nothing else")
	for _, ms := range objects {
		g.Expect(ms.Annotations).NotTo(HaveKey(v1alpha1.CreatePendingAnnotation))
	}
}
