package twilioemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
)

// Seed is what the emulator starts from: accounts with their credentials, the phone
// numbers and TrustHub bundles they own, vetting delays and campaign rules. It is the
// JSON format of the standalone emulator's --seed file and of POST /__emulator/seed.
// As in Twilio, a phone number, an API key and a bundle belong to one account: a seed
// that gives one to a second account is refused.
type Seed struct {
	Accounts      []AccountSeed  `json:"accounts"`
	Delays        *Delays        `json:"delays,omitempty"`
	CampaignRules []CampaignRule `json:"campaignRules,omitempty"`
	// Quirks, when set, replace the quirks in force (see Quirks).
	Quirks *Quirks `json:"quirks,omitempty"`
}

// AccountSeed is one Twilio account. AuthToken and API key secrets must be
// alphanumeric, as twilio-go refuses anything else before sending (codes 21222/21224).
type AccountSeed struct {
	Sid          string            `json:"sid"`
	AuthToken    string            `json:"authToken"`
	FriendlyName string            `json:"friendlyName,omitempty"`
	APIKeys      []APIKeySeed      `json:"apiKeys,omitempty"`
	PhoneNumbers []PhoneNumberSeed `json:"phoneNumbers,omitempty"`
	Bundles      []BundleSeed      `json:"bundles,omitempty"`
	// AddressConfigurations configure some of the account's numbers for Conversations.
	AddressConfigurations []AddressConfigurationSeed `json:"addressConfigurations,omitempty"`
}

// APIKeySeed is an API key (SK…) and its secret; requests signed with it act as the
// account it belongs to.
type APIKeySeed struct {
	Sid    string `json:"sid"`
	Secret string `json:"secret"`
}

// PhoneNumberSeed is an IncomingPhoneNumber. An empty Sid is derived from the account
// and the number, so reseeding (and Reset) gives the same PN SID every time. SMSURL,
// SMSMethod and SMSApplicationSid set its inbound SMS routing (default: none, POST).
type PhoneNumberSeed struct {
	PhoneNumber       string        `json:"phoneNumber"`
	Sid               string        `json:"sid,omitempty"`
	FriendlyName      string        `json:"friendlyName,omitempty"`
	Capabilities      *Capabilities `json:"capabilities,omitempty"`
	SMSURL            string        `json:"smsUrl,omitempty"`
	SMSMethod         string        `json:"smsMethod,omitempty"`
	SMSApplicationSid string        `json:"smsApplicationSid,omitempty"`
}

// patch is the routing the seed sets, as a patch of the number.
func (n PhoneNumberSeed) patch() PhoneNumberPatch {
	var p PhoneNumberPatch
	if n.SMSURL != "" {
		p.SMSURL = &n.SMSURL
	}
	if n.SMSMethod != "" {
		p.SMSMethod = &n.SMSMethod
	}
	if n.SMSApplicationSid != "" {
		p.SMSApplicationSid = &n.SMSApplicationSid
	}
	return p
}

// BundleSeed is a TrustHub bundle. Status defaults to twilio-approved and BrandOutcome
// to APPROVED; BrandErrors overrides the errors[] of a brand that ends FAILED. PolicySid
// defaults to the Secondary Customer Profile (customer-profile) or the A2P Messaging
// Profile (trust-product); PrimaryProfilePolicy seeds an ISV's own profile,
// StarterProfilePolicy and SoleProprietorTrustProductPolicy a sole proprietor's.
// CompanyType (a trust product's: private, the default, public, non_profit,
// government) and DisallowedUsecases (A2P use cases Twilio does not offer brands of the
// bundle) shape the campaign use cases a brand registered with it is offered.
type BundleSeed struct {
	Sid                string              `json:"sid"`
	Kind               BundleKind          `json:"kind"`
	PolicySid          string              `json:"policySid,omitempty"`
	FriendlyName       string              `json:"friendlyName,omitempty"`
	Status             BundleStatus        `json:"status,omitempty"`
	BrandOutcome       BrandStatus         `json:"brandOutcome,omitempty"`
	BrandErrors        []RegistrationError `json:"brandErrors,omitempty"`
	CompanyType        string              `json:"companyType,omitempty"`
	DisallowedUsecases []string            `json:"disallowedUsecases,omitempty"`
}

// LoadSeed reads a seed file (the JSON form of Seed) and validates it.
func LoadSeed(path string) (Seed, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the path is the operator's own flag
	if err != nil {
		return Seed{}, fmt.Errorf("cannot read seed file: %w", err)
	}
	var s Seed
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt key would otherwise seed nothing, silently
	if err := dec.Decode(&s); err != nil {
		return Seed{}, fmt.Errorf("cannot parse seed file %s: %w", path, err)
	}
	return s, s.Validate()
}

var (
	acPattern     = regexp.MustCompile(`^AC[0-9a-f]{32}$`)
	skPattern     = regexp.MustCompile(`^SK[0-9a-f]{32}$`)
	pnPattern     = regexp.MustCompile(`^PN[0-9a-fA-F]{32}$`)
	buPattern     = regexp.MustCompile(`^BU[0-9a-fA-F]{32}$`)
	bnPattern     = regexp.MustCompile(`^BN[0-9a-fA-F]{32}$`)
	e164Pattern   = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	alnumPattern  = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	errSeedFormat = errors.New("invalid seed")
)

// Validate reports the first thing in the seed that the emulator cannot serve.
func (s Seed) Validate() error {
	for _, a := range s.Accounts {
		if err := a.validate(); err != nil {
			return fmt.Errorf("%w: account %s: %w", errSeedFormat, a.Sid, err)
		}
	}
	if s.Delays != nil && s.Delays.negative() {
		return fmt.Errorf("%w: delays must not be negative", errSeedFormat)
	}
	for _, r := range s.CampaignRules {
		if r.Substring == "" {
			return fmt.Errorf("%w: a campaign rule needs a substring", errSeedFormat)
		}
	}
	if s.Quirks != nil {
		if err := s.Quirks.Validate(); err != nil {
			return fmt.Errorf("%w: %w", errSeedFormat, err)
		}
	}
	return s.claim(owners{})
}

// owners maps what Twilio gives a single account (API keys, phone numbers by SID and by
// E.164, bundles) to the account that has it.
type owners map[string]string

// take records that account has key, what names it for the error.
func (o owners) take(key, account, what string) error {
	if have, ok := o[key]; ok && have != account {
		return fmt.Errorf("%w: %s belongs to account %s and cannot also belong to %s", errSeedFormat, what, have, account)
	}
	o[key] = account
	return nil
}

// claim takes, in o, everything the seed gives its accounts: an account's API keys,
// numbers and bundles are its own in Twilio, so a seed that gives one of them to two
// accounts (or to an account other than the one that has it in o) is refused.
func (s Seed) claim(o owners) error {
	for _, a := range s.Accounts {
		for _, k := range a.APIKeys {
			if err := o.take(k.Sid, a.Sid, "API key "+k.Sid); err != nil {
				return err
			}
		}
		for _, n := range a.PhoneNumbers {
			sid := n.Sid
			if sid == "" {
				sid = PhoneNumberSid(a.Sid, n.PhoneNumber)
			}
			if err := o.take(n.PhoneNumber, a.Sid, "phone number "+n.PhoneNumber); err != nil {
				return err
			}
			if err := o.take(sid, a.Sid, "phone number SID "+sid); err != nil {
				return err
			}
		}
		for _, b := range a.Bundles {
			if err := o.take(b.Sid, a.Sid, "bundle "+b.Sid); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a AccountSeed) validate() error {
	switch {
	case !acPattern.MatchString(a.Sid):
		return errors.New("sid must be AC followed by 32 lowercase hex digits")
	case !alnumPattern.MatchString(a.AuthToken):
		return errors.New("authToken must be non-empty and alphanumeric")
	}
	for _, k := range a.APIKeys {
		if !skPattern.MatchString(k.Sid) || !alnumPattern.MatchString(k.Secret) {
			return fmt.Errorf("api key %q: sid must be SK followed by 32 lowercase hex digits "+
				"and the secret non-empty and alphanumeric", k.Sid)
		}
	}
	for _, n := range a.PhoneNumbers {
		if !e164Pattern.MatchString(n.PhoneNumber) || (n.Sid != "" && !pnPattern.MatchString(n.Sid)) {
			return fmt.Errorf("phone number %q (sid %q): want E.164 and an optional PN SID", n.PhoneNumber, n.Sid)
		}
		if err := n.patch().validate(); err != nil {
			return fmt.Errorf("phone number %s: %w", n.PhoneNumber, err)
		}
	}
	for _, b := range a.Bundles {
		if err := b.validate(); err != nil {
			return fmt.Errorf("bundle %s: %w", b.Sid, err)
		}
	}
	for _, c := range a.AddressConfigurations {
		if _, err := c.autoCreation(); err != nil {
			return err
		}
	}
	return nil
}

func (b BundleSeed) validate() error {
	switch {
	case !buPattern.MatchString(b.Sid):
		return errors.New("sid must be BU followed by 32 hex digits")
	case b.Kind != CustomerProfile && b.Kind != TrustProduct:
		return fmt.Errorf("kind must be %q or %q", CustomerProfile, TrustProduct)
	case b.Status != "" && !oneOf(b.Status, bundleStatuses):
		return fmt.Errorf("unknown status %q", b.Status)
	case b.BrandOutcome != "" && !oneOf(b.BrandOutcome, brandStatuses):
		return fmt.Errorf("unknown brand outcome %q", b.BrandOutcome)
	}
	return b.validateA2P()
}

// validateA2P checks what decides the brand's policies and use cases.
func (b BundleSeed) validateA2P() error {
	switch {
	case b.PolicySid != "" && (policyOf(b.PolicySid) == nil || policyOf(b.PolicySid).kind != b.Kind):
		return fmt.Errorf("policy %q is not a %s policy the emulator models", b.PolicySid, b.Kind)
	case b.CompanyType != "" && (b.Kind != TrustProduct || !oneOf(b.CompanyType, companyTypes)):
		return fmt.Errorf("companyType %q: a trust product's is one of %v", b.CompanyType, companyTypes)
	}
	for _, u := range b.DisallowedUsecases {
		if !oneOf(u, a2pUsecaseCodes()) {
			return fmt.Errorf("disallowed use case %q is not an A2P use case", u)
		}
	}
	return nil
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// PhoneNumberSid is the PN SID the emulator gives a seeded number that has none: a
// hash of the account and the number, stable across Reset and restarts.
func PhoneNumberSid(accountSid, phoneNumber string) string {
	sum := sha256.Sum256([]byte(accountSid + "/" + phoneNumber))
	return "PN" + hex.EncodeToString(sum[:16])
}

// The default seed: two accounts, so isolation between accounts can be shown, each with
// an auth token, an API key, three numbers and an approved pair of bundles.
const (
	DefaultAccountSid      = "AC00000000000000000000000000000001"
	DefaultAuthToken       = "emulatortoken0001"
	DefaultAPIKeySid       = "SK00000000000000000000000000000001"
	DefaultAPIKeySecret    = "emulatorsecret0001"
	DefaultCustomerProfile = "BU000000000000000000000000000c0001"
	DefaultTrustProduct    = "BU000000000000000000000000000a0001"
	// DefaultPrimaryProfile is the account's own (ISV's) primary customer profile,
	// twilio-approved, to assign to the secondary and starter profiles it builds.
	DefaultPrimaryProfile = "BU000000000000000000000000000b0001"
	// DefaultStarterProfile and DefaultSoleProprietorTrustProduct are an approved pair
	// of bundles a SOLE_PROPRIETOR brand registers with.
	DefaultStarterProfile             = "BU000000000000000000000000000d0001"
	DefaultSoleProprietorTrustProduct = "BU000000000000000000000000000e0001"
	SecondAccountSid                  = "AC00000000000000000000000000000002"
	SecondAuthToken                   = "emulatortoken0002"
	SecondAPIKeySid                   = "SK00000000000000000000000000000002"
	SecondAPIKeySecret                = "emulatorsecret0002"
	SecondCustomerProfile             = "BU000000000000000000000000000c0002"
	SecondTrustProduct                = "BU000000000000000000000000000a0002"
	SecondPrimaryProfile              = "BU000000000000000000000000000b0002"
	defaultNumberAreaPrefix           = "+1501712266"
	secondNumberAreaPrefix            = "+1555867530"
)

// DefaultSeed returns the seed the standalone emulator uses without --seed: accounts
// DefaultAccountSid and SecondAccountSid, numbers +15017122661..3 and +15558675301..3,
// each account with its primary profile and an approved pair of STANDARD bundles; the
// default account also has an approved sole proprietor pair.
func DefaultSeed() Seed {
	account := func(sid, token, key, secret, cp, tp, prefix string) AccountSeed {
		primary := DefaultPrimaryProfile
		if sid == SecondAccountSid {
			primary = SecondPrimaryProfile
		}
		a := AccountSeed{Sid: sid, AuthToken: token, FriendlyName: "Emulator account " + sid[len(sid)-1:],
			APIKeys: []APIKeySeed{{Sid: key, Secret: secret}},
			Bundles: []BundleSeed{
				{Sid: cp, Kind: CustomerProfile, FriendlyName: "Secondary Customer Profile"},
				{Sid: tp, Kind: TrustProduct, FriendlyName: "A2P Messaging Profile"},
				{Sid: primary, Kind: CustomerProfile, PolicySid: PrimaryProfilePolicy, FriendlyName: "Primary Customer Profile"},
			}}
		if sid == DefaultAccountSid {
			a.Bundles = append(a.Bundles,
				BundleSeed{Sid: DefaultStarterProfile, Kind: CustomerProfile, PolicySid: StarterProfilePolicy,
					FriendlyName: "Starter Customer Profile"},
				BundleSeed{Sid: DefaultSoleProprietorTrustProduct, Kind: TrustProduct,
					PolicySid: SoleProprietorTrustProductPolicy, FriendlyName: "Sole Proprietor A2P Messaging Profile"})
		}
		for i := 1; i <= 3; i++ {
			a.PhoneNumbers = append(a.PhoneNumbers, PhoneNumberSeed{PhoneNumber: fmt.Sprintf("%s%d", prefix, i)})
		}
		return a
	}
	return Seed{Accounts: []AccountSeed{
		account(DefaultAccountSid, DefaultAuthToken, DefaultAPIKeySid, DefaultAPIKeySecret,
			DefaultCustomerProfile, DefaultTrustProduct, defaultNumberAreaPrefix),
		account(SecondAccountSid, SecondAuthToken, SecondAPIKeySid, SecondAPIKeySecret,
			SecondCustomerProfile, SecondTrustProduct, secondNumberAreaPrefix),
	}}
}
