package twilioemu_test

import (
	"fmt"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// An emulator in-process, the real twilio-go client on top, and the clock moved to let
// brand vetting finish.
func Example() {
	clock := twilioemu.NewManualClock(time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC))
	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()), twilioemu.WithClock(clock))

	c := &client.Client{
		Credentials: client.NewCredentials(twilioemu.DefaultAccountSid, twilioemu.DefaultAuthToken),
		HTTPClient:  emu.HTTPClient(),
	}
	c.SetAccountSid(twilioemu.DefaultAccountSid)
	rc := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})

	svc, _ := rc.MessagingV1.CreateService(new(messaging.CreateServiceParams).SetFriendlyName("Support"))
	fmt.Println(*svc.FriendlyName, *svc.DateCreated)

	brand, _ := rc.MessagingV1.CreateBrandRegistrations(new(messaging.CreateBrandRegistrationsParams).
		SetCustomerProfileBundleSid(twilioemu.DefaultCustomerProfile).
		SetA2PProfileBundleSid(twilioemu.DefaultTrustProduct))
	fmt.Println(*brand.Status)

	clock.Advance(twilioemu.DefaultDelays().Brand)
	brand, _ = rc.MessagingV1.FetchBrandRegistrations(*brand.Sid)
	fmt.Println(*brand.Status)

	n, _ := emu.Count("POST /v1/Services")
	fmt.Println(n, "service created")
	// Output:
	// Support 2026-01-02 15:04:05 +0000 UTC
	// PENDING
	// APPROVED
	// 1 service created
}
