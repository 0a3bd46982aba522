package live

import (
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twilio-operator/twilio-operator/controllers"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// The environment of a live run. hack/test-live.sh checks the same variables before it
// builds anything; the suite checks them again, so `TWILIO_LIVE=1 go test` without
// them fails instead of passing on nothing.
const (
	envLive            = "TWILIO_LIVE"
	envAccountSID      = "TWILIO_ACCOUNT_SID"
	envAuthToken       = "TWILIO_AUTH_TOKEN"
	envAPIKey          = "TWILIO_API_KEY"
	envAPISecret       = "TWILIO_API_SECRET"
	envPhoneNumber     = "TWILIO_LIVE_PHONE_NUMBER"
	envCustomerProfile = "TWILIO_LIVE_CUSTOMER_PROFILE_SID"
	envA2PProfile      = "TWILIO_LIVE_A2P_PROFILE_SID"
	// envTimeout and envVettingTimeout bound how long a live run waits for an object to
	// be Ready, and for a mock brand or campaign to leave vetting (Go durations).
	envTimeout        = "TWILIO_LIVE_TIMEOUT"
	envVettingTimeout = "TWILIO_LIVE_VETTING_TIMEOUT"
)

// backend is where the scenarios find Twilio: its address, the account's credentials,
// what the account owns, and how long Twilio may take. The scenarios read nothing else
// of it, so they are the same code against the emulator and against Twilio.
type backend struct {
	name string
	// twilioURL is the operator's --twilio-api-url: the emulator's address, or "" for
	// Twilio's own hosts.
	twilioURL string
	creds     twilio.Credentials
	// phoneNumber is a number the account owns and no Messaging Service has in its pool.
	phoneNumber string
	// customerProfile and a2pProfile are twilio-approved bundles a mock brand registers
	// with; both empty: the brand and campaign scenario cannot run.
	customerProfile, a2pProfile string
	// timeout bounds each wait for the operator; vetting bounds a wait for Twilio's
	// vetting of a brand or campaign.
	timeout, vetting time.Duration
	// poll is the operator's re-read of a registration in vetting.
	poll controllers.PollInterval
	// vettingTakes says the backend's vetting of a new campaign surely outlasts the
	// operator's first look at it (the emulator's takes seconds); Twilio's mock
	// campaigns may be decided at once, so a live run takes either path.
	vettingTakes bool
	// suspendCampaign has the carriers suspend a campaign. Only the emulator can; nil
	// on a live account, where the refusal it provokes is not reproducible.
	suspendCampaign func(sid string) error
}

// selectBackend is the emulator, or Twilio when TWILIO_LIVE=1.
func selectBackend(t *testing.T) *backend {
	t.Helper()
	if os.Getenv(envLive) != "1" {
		return emulatorBackend(t)
	}
	b, err := liveBackend(os.Getenv)
	if err != nil {
		t.Fatalf("%s=1 selects the live backend, but %v", envLive, err)
	}
	return b
}

// emulatorDelays keep the emulator's vetting long enough for the operator to see every
// state, and short enough for `make test`.
var emulatorDelays = twilioemu.Delays{Brand: 500 * time.Millisecond, CampaignInProgress: 500 * time.Millisecond,
	Campaign: 3 * time.Second, OTPExpiry: 24 * time.Hour}

// emulatorBackend serves the emulator in-process over HTTP, seeded with its default
// seed: the number and bundles come from there.
func emulatorBackend(t *testing.T) *backend {
	t.Helper()
	seed := twilioemu.DefaultSeed()
	emu := twilioemu.New(twilioemu.WithSeed(seed), twilioemu.WithDelays(emulatorDelays))
	server := httptest.NewServer(emu)
	t.Cleanup(server.Close)
	account := seed.Accounts[0]
	return &backend{
		name:            "emulator",
		twilioURL:       server.URL,
		creds:           twilio.Credentials{AccountSID: account.Sid, AuthToken: account.AuthToken},
		phoneNumber:     account.PhoneNumbers[0].PhoneNumber,
		customerProfile: twilioemu.DefaultCustomerProfile,
		a2pProfile:      twilioemu.DefaultTrustProduct,
		timeout:         30 * time.Second,
		vetting:         30 * time.Second,
		poll:            controllers.PollInterval{Min: 200 * time.Millisecond, Max: time.Second},
		vettingTakes:    true,
		suspendCampaign: func(sid string) error { return emu.ForceCampaignStatus(sid, twilioemu.CampaignSuspended) },
	}
}

// liveBackend is a real Twilio account, from the environment. Its errors name the
// variables, never their values.
func liveBackend(getenv func(string) string) (*backend, error) {
	b := &backend{
		name: "live",
		creds: twilio.Credentials{AccountSID: getenv(envAccountSID), AuthToken: getenv(envAuthToken),
			APIKey: getenv(envAPIKey), APISecret: getenv(envAPISecret)},
		phoneNumber:     getenv(envPhoneNumber),
		customerProfile: getenv(envCustomerProfile),
		a2pProfile:      getenv(envA2PProfile),
		timeout:         3 * time.Minute,
		vetting:         20 * time.Minute,
		// Twilio's vetting takes minutes at best: no need to look more often.
		poll: controllers.PollInterval{Min: 15 * time.Second, Max: 2 * time.Minute},
	}
	var missing []string
	if b.creds.AccountSID == "" {
		missing = append(missing, envAccountSID)
	}
	if b.creds.AuthToken == "" && (b.creds.APIKey == "" || b.creds.APISecret == "") {
		missing = append(missing, envAuthToken+" (or "+envAPIKey+" and "+envAPISecret+")")
	}
	if b.phoneNumber == "" {
		missing = append(missing, envPhoneNumber)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s not set", strings.Join(missing, ", "))
	}
	// An API key, when given whole, is what the operator's Secret carries and what it
	// signs with (docs/api.md, Credentials); the console signs the same way.
	if b.creds.APIKey != "" && b.creds.APISecret != "" {
		b.creds.AuthToken = ""
	} else {
		b.creds.APIKey, b.creds.APISecret = "", ""
	}
	if err := b.creds.Validate(); err != nil {
		return nil, fmt.Errorf("the credentials are malformed: %w", err)
	}
	if (b.customerProfile == "") != (b.a2pProfile == "") {
		return nil, fmt.Errorf("set both %s and %s for the brand and campaign scenario, or neither", envCustomerProfile, envA2PProfile)
	}
	for name, d := range map[string]*time.Duration{envTimeout: &b.timeout, envVettingTimeout: &b.vetting} {
		if v := getenv(name); v != "" {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed <= 0 {
				return nil, fmt.Errorf("%s must be a positive Go duration such as 5m", name)
			}
			*d = parsed
		}
	}
	return b, nil
}

// secretData is the operator's credentials Secret, in the keys docs/api.md names.
func (b *backend) secretData() map[string]string {
	data := map[string]string{"TWILIO_ACCOUNT_SID": b.creds.AccountSID}
	if b.creds.APIKey != "" {
		data["TWILIO_API_KEY"], data["TWILIO_API_SECRET"] = b.creds.APIKey, b.creds.APISecret
	} else {
		data["TWILIO_AUTH_TOKEN"] = b.creds.AuthToken
	}
	return data
}

// console acts on the account the way a person in the Twilio Console would: beside
// the operator, with the same credentials, through the same port of the Twilio API.
func (b *backend) console(t *testing.T) twilio.Client {
	t.Helper()
	conn, err := twilio.NewConnector(twilio.Config{BaseURL: b.twilioURL, UserAgent: "twilio-operator-acceptance-suite"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := conn.Client(b.creds)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runPrefix names everything one run makes, in Twilio and in the cluster: what a run
// deletes at its end, and the only Twilio objects it ever changes.
func runPrefix() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return "tolive-" + string(b)
}
