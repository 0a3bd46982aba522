package twilioemu_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestSeedValidation(t *testing.T) {
	valid := twilioemu.DefaultSeed().Accounts[0]
	for name, tc := range map[string]struct {
		change func(*twilioemu.AccountSeed)
		ok     bool
	}{
		"the default seed is valid":                 {change: func(*twilioemu.AccountSeed) {}, ok: true},
		"an account SID must be AC and 32 hex":      {change: func(a *twilioemu.AccountSeed) { a.Sid = "AC123" }},
		"an auth token twilio-go cannot send":       {change: func(a *twilioemu.AccountSeed) { a.AuthToken = "has space" }},
		"an empty auth token":                       {change: func(a *twilioemu.AccountSeed) { a.AuthToken = "" }},
		"an API key SID must be SK and 32 hex":      {change: func(a *twilioemu.AccountSeed) { a.APIKeys[0].Sid = "SKxyz" }},
		"a phone number must be E.164":              {change: func(a *twilioemu.AccountSeed) { a.PhoneNumbers[0].PhoneNumber = "5017122661" }},
		"a phone number's own SID must be a PN SID": {change: func(a *twilioemu.AccountSeed) { a.PhoneNumbers[0].Sid = "PN1" }},
		"a bundle SID must be BU and 32 hex":        {change: func(a *twilioemu.AccountSeed) { a.Bundles[0].Sid = "BU1" }},
		"a bundle has a known kind":                 {change: func(a *twilioemu.AccountSeed) { a.Bundles[0].Kind = "passport" }},
		"a bundle has a known status":               {change: func(a *twilioemu.AccountSeed) { a.Bundles[0].Status = "approved" }},
		"a bundle has a known brand outcome":        {change: func(a *twilioemu.AccountSeed) { a.Bundles[0].BrandOutcome = "OK" }},
	} {
		t.Run(name, func(t *testing.T) {
			a := valid
			a.APIKeys = append([]twilioemu.APIKeySeed(nil), valid.APIKeys...)
			a.PhoneNumbers = append([]twilioemu.PhoneNumberSeed(nil), valid.PhoneNumbers...)
			a.Bundles = append([]twilioemu.BundleSeed(nil), valid.Bundles...)
			tc.change(&a)
			err := twilioemu.Seed{Accounts: []twilioemu.AccountSeed{a}}.Validate()
			if (err == nil) != tc.ok {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestLoadSeed(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "seed.json")
	seed := `{
	  "accounts": [{
	    "sid": "AC0123456789abcdef0123456789abcdef", "authToken": "secret1",
	    "apiKeys": [{"sid": "SK0123456789abcdef0123456789abcdef", "secret": "keysecret"}],
	    "phoneNumbers": [{"phoneNumber": "+15017122661"}, {"phoneNumber": "+442071838750", "sid": "PN0123456789abcdef0123456789abcdef"}],
	    "bundles": [{"sid": "BU0123456789abcdef0123456789abcdef", "kind": "customer-profile", "status": "in-review", "brandOutcome": "FAILED",
	                 "brandErrors": [{"code": 30701, "description": "Invalid input parameters", "fields": ["ein"]}]}]
	  }],
	  "delays": {"brand": "30s", "campaignInProgress": "10s", "campaign": "1m"},
	  "campaignRules": [{"substring": "lottery"}]
	}`
	if err := os.WriteFile(good, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := twilioemu.LoadSeed(good)
	if err != nil {
		t.Fatal(err)
	}
	emu := twilioemu.New(twilioemu.WithSeed(s))
	state, _ := emu.State()
	if len(state.PhoneNumbers) != 2 || state.PhoneNumbers[1].Sid != "PN0123456789abcdef0123456789abcdef" ||
		state.Bundles[0].Status != twilioemu.BundleInReview || len(state.Bundles[0].BrandErrors) != 1 ||
		state.Delays.Campaign.String() != "1m0s" || len(state.Rules) != 1 {
		t.Errorf("state from the seed file = %+v", state)
	}
	for name, content := range map[string]string{
		"not JSON":            "accounts:",
		"an unknown duration": `{"delays": {"brand": "soon"}}`,
		"an invalid account":  `{"accounts": [{"sid": "AC1", "authToken": "x"}]}`,
		"a negative delay":    `{"delays": {"brand": "-1s"}}`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		_ = os.WriteFile(path, []byte(content), 0o600)
		if _, err := twilioemu.LoadSeed(path); err == nil {
			t.Errorf("LoadSeed accepted %s", name)
		}
	}
	if _, err := twilioemu.LoadSeed(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestSeedKeepsOneOwner checks that what Twilio gives one account (a phone number, an
// API key, a bundle) cannot be seeded into a second one, within a seed or on top of
// the emulator's state, and that reseeding an account with its own things is fine.
func TestSeedKeepsOneOwner(t *testing.T) {
	first, second := twilioemu.DefaultSeed().Accounts[0], twilioemu.DefaultSeed().Accounts[1]
	withSecond := func(change func(*twilioemu.AccountSeed)) twilioemu.AccountSeed {
		a := second
		a.APIKeys = nil
		a.PhoneNumbers = nil
		a.Bundles = nil
		change(&a)
		return a
	}
	conflicts := map[string]twilioemu.AccountSeed{
		"a phone number": withSecond(func(a *twilioemu.AccountSeed) { a.PhoneNumbers = first.PhoneNumbers[:1] }),
		"a phone number SID": withSecond(func(a *twilioemu.AccountSeed) {
			a.PhoneNumbers = []twilioemu.PhoneNumberSeed{{PhoneNumber: "+15558675399", Sid: twilioemu.PhoneNumberSid(first.Sid, first.PhoneNumbers[0].PhoneNumber)}}
		}),
		"an API key": withSecond(func(a *twilioemu.AccountSeed) { a.APIKeys = first.APIKeys }),
		"a bundle":   withSecond(func(a *twilioemu.AccountSeed) { a.Bundles = first.Bundles[:1] }),
	}
	for name, taken := range conflicts {
		t.Run(name, func(t *testing.T) {
			err := twilioemu.Seed{Accounts: []twilioemu.AccountSeed{first, taken}}.Validate()
			if err == nil || !strings.Contains(err.Error(), "belongs to account "+first.Sid) {
				t.Errorf("a seed giving %s to two accounts: Validate() = %v", name, err)
			}
			emu := twilioemu.New(twilioemu.WithSeed(twilioemu.Seed{Accounts: []twilioemu.AccountSeed{first}}))
			if err := emu.SeedAccount(taken); !errors.Is(err, twilioemu.ErrInvalidSeed) {
				t.Errorf("seeding %s of another account: %v", name, err)
			}
			state, _ := emu.State()
			if len(state.Accounts) != 1 {
				t.Errorf("a refused seed must change nothing: accounts %+v", state.Accounts)
			}
		})
	}
	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()))
	if err := emu.SeedAccount(first); err != nil {
		t.Errorf("reseeding an account with its own numbers, keys and bundles: %v", err)
	}
	if _, err := emu.SeedPhoneNumber(second.Sid, first.PhoneNumbers[0].PhoneNumber); !errors.Is(err, twilioemu.ErrInvalidSeed) {
		t.Errorf("SeedPhoneNumber of another account's number: %v", err)
	}
	err := emu.SeedBundle(second.Sid, first.Bundles[0].Sid, first.Bundles[0].Kind, twilioemu.BundleTwilioApproved, twilioemu.BrandApproved)
	if !errors.Is(err, twilioemu.ErrInvalidSeed) {
		t.Errorf("SeedBundle of another account's bundle: %v", err)
	}
}

func TestNewPanicsOnAnInvalidSeed(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New accepted an invalid seed")
		}
	}()
	twilioemu.New(twilioemu.WithSeed(twilioemu.Seed{Accounts: []twilioemu.AccountSeed{{Sid: "AC1"}}}))
}

func TestRequestLogKeepsTheNewestEntries(t *testing.T) {
	emu := newEmu(t, twilioemu.WithRequestLogLimit(2))
	for _, name := range []string{"a", "b", "c"} {
		newService(t, primary(emu.HTTPClient()), name)
	}
	records, _ := emu.Requests()
	if n, _ := emu.Count("POST /v1/Services"); n != 3 || len(records) != 2 || records[0].Time.After(records[1].Time) {
		t.Errorf("count %d, log %+v", n, records)
	}
}
