package twilioemu

import (
	"slices"
	"time"
)

// Control is everything a test can do to the emulator besides calling Twilio's API:
// seed it, move vetting along, inject faults, read what happened and look at its
// state. *Server implements it in-process; *AdminClient implements it over the admin
// HTTP API of an emulator running as its own process, so a test helper written against
// Control works with both.
//
// Errors are *Error values that match the sentinels with errors.Is (ErrNotFound for an
// unknown SID, ErrUnknownAccount, ErrInvalidSeed); the AdminClient adds transport
// errors. Methods that only read return (value, error) so gomega's Expect and
// Eventually can take them directly.
type Control interface {
	// Seed adds what s describes (accounts, numbers, bundles, delays, rules).
	Seed(s Seed) error
	// SeedAccount adds or replaces an account with its credentials.
	SeedAccount(a AccountSeed) error
	// SeedPhoneNumber gives an account an IncomingPhoneNumber and returns its PN SID
	// (always the same for the same account and number, see PhoneNumberSid).
	SeedPhoneNumber(accountSid, phoneNumber string) (string, error)
	// SeedBundle adds or replaces a TrustHub bundle. brandOutcome is what a brand
	// registered with it becomes ("" for APPROVED).
	SeedBundle(accountSid, sid string, kind BundleKind, status BundleStatus, brandOutcome BrandStatus) error
	// SetBundleStatus changes a bundle's review status (e.g. to twilio-approved).
	SetBundleStatus(sid string, status BundleStatus) error
	// SetBundleOutcome changes what brands of this bundle become once vetted, with the
	// errors[] they report when that is FAILED (nil for the default).
	SetBundleOutcome(sid string, outcome BrandStatus, errs ...RegistrationError) error
	// SetBundleReviewOutcome decides what Twilio's review makes of a bundle submitted
	// through the API that complies with its policy: twilio-approved (the default) or
	// twilio-rejected with error codes (18601 when none are given).
	SetBundleReviewOutcome(sid string, outcome BundleStatus, codes ...int) error
	// SetBundleUsecases sets the A2P use cases Twilio does not offer brands registered
	// with this bundle (none by default), and its company type when it is a trust
	// product ("" keeps it).
	SetBundleUsecases(sid string, companyType string, disallowed ...string) error
	// TrustHub is an account's TrustHub objects and addresses ("" for every account).
	TrustHub(accountSid string) (TrustHub, error)
	// ForceBrandStatus moves a brand to status now; PENDING restarts its vetting,
	// FAILED reports errs (or the bundle's seeded errors, or a default), and
	// DELETION_PENDING requests its deletion (gone after the brand delay, or
	// DELETION_FAILED while a campaign uses it).
	ForceBrandStatus(sid string, status BrandStatus, errs ...RegistrationError) error
	// CompleteBrandOTP is a sole proprietor confirming its brand's OTP: identity_status
	// becomes VERIFIED. ErrConflict when the brand has no OTP waiting (not APPROVED, not
	// a sole proprietor's, already verified, or the OTP expired or was refused).
	CompleteBrandOTP(brandSid string) error
	// RejectBrandOTP is a sole proprietor not confirming its OTP: the brand reports
	// 30752 and stays UNVERIFIED until a new OTP (POST …/SmsOtp) is confirmed.
	RejectBrandOTP(brandSid string) error
	// ForceCampaignStatus moves a campaign to status now, like ForceBrandStatus.
	ForceCampaignStatus(sid string, status CampaignStatus, errs ...RegistrationError) error
	// SetCampaignRules replaces the rules that make campaign vetting fail.
	SetCampaignRules(rules ...CampaignRule) error
	// SetQuirks replaces the quirks: fields Twilio ignores or normalises on writes, and
	// lists that leave objects out (see Quirks). Quirks{} is a Twilio without quirks.
	SetQuirks(q Quirks) error
	// Quirks are the quirks in force.
	Quirks() (Quirks, error)

	// Advance moves the emulator's clock forward; vetting due by then happens.
	Advance(d time.Duration) error
	// SetNow moves the emulator's clock to t (never use it to go backwards mid-test).
	SetNow(t time.Time) error
	// Now is the emulator's time.
	Now() (time.Time, error)
	// SetDelays changes how long vetting takes, for objects in vetting too.
	SetDelays(d Delays) error

	// SetFaults sets the faults of every route without its own.
	SetFaults(f Faults) error
	// SetPathFaults sets the faults of one route, named "POST /v1/Services" (one
	// method) or "/v1/Services/{Sid}" (every method); they replace the global ones.
	SetPathFaults(route string, f Faults) error
	// SetAccountFaults sets the faults of one account's requests (a slow or throttled
	// subaccount), concurrency limit included; a route's own faults still come first.
	SetAccountFaults(account string, f Faults) error
	// ClearFaults removes every fault.
	ClearFaults() error

	// Count is how many requests a route ("GET /v1/Services/{Sid}") has served.
	Count(route string) (int, error)
	// CountUserAgent is Count for clients whose User-Agent contains userAgent.
	CountUserAgent(route, userAgent string) (int, error)
	// Counts is every route's count, for User-Agents containing userAgent ("" for all).
	Counts(userAgent string) (map[string]int, error)
	// Requests is the request log, oldest first.
	Requests() ([]RequestRecord, error)
	// ResetCounters empties the request log and the counters.
	ResetCounters() error

	// Services lists an account's Messaging Services ("" for every account).
	Services(accountSid string) ([]Service, error)
	// Service is one Messaging Service.
	Service(sid string) (Service, error)
	// PoolNumbers is a service's sender pool.
	PoolNumbers(serviceSid string) ([]PhoneNumber, error)
	// PhoneNumbers lists an account's numbers ("" for every account).
	PhoneNumbers(accountSid string) ([]PhoneNumber, error)
	// Brands lists an account's brands ("" for every account).
	Brands(accountSid string) ([]Brand, error)
	// Campaigns lists an account's campaigns ("" for every account).
	Campaigns(accountSid string) ([]Campaign, error)
	// State dumps everything.
	State() (State, error)
	// PatchService changes a service as the Twilio Console would (drift).
	PatchService(sid string, p ServicePatch) error
	// PatchPhoneNumber changes a number's name and inbound routing (SMS URL, method,
	// application…) as the Twilio Console would.
	PatchPhoneNumber(sid string, p PhoneNumberPatch) error
	// SeedAddressConfiguration adds or replaces the Conversations address configuration
	// of one of the account's numbers and returns its IG SID.
	SeedAddressConfiguration(accountSid string, c AddressConfigurationSeed) (string, error)
	// AddressConfigurations lists an account's address configurations ("" for every
	// account).
	AddressConfigurations(accountSid string) ([]AddressConfiguration, error)
	// Reset returns to the initial seed: no services, brands or campaigns, no faults,
	// the seed's quirks (none unless it has some), an empty request log. The clock keeps
	// its time.
	Reset() error
}

var _ Control = (*Server)(nil)

// Seed adds what seed describes.
func (s *Server) Seed(seed Seed) error {
	if err := seed.Validate(); err != nil {
		return ErrInvalidSeed.withf("%v", err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if err := s.st.checkOwners(seed); err != nil {
		return ErrInvalidSeed.withf("%v", err)
	}
	s.st.seed(seed)
	return nil
}

// SeedAccount adds or replaces an account.
func (s *Server) SeedAccount(a AccountSeed) error { return s.Seed(Seed{Accounts: []AccountSeed{a}}) }

// SeedPhoneNumber gives an account a phone number and returns its PN SID.
func (s *Server) SeedPhoneNumber(accountSid, phoneNumber string) (string, error) {
	if !e164Pattern.MatchString(phoneNumber) {
		return "", ErrInvalidSeed.withf("phone number %q is not E.164", phoneNumber)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if _, ok := s.st.accounts[accountSid]; !ok {
		return "", ErrUnknownAccount.withf("unknown account %s", accountSid)
	}
	n := PhoneNumberSeed{PhoneNumber: phoneNumber}
	if err := s.st.checkOwners(Seed{Accounts: []AccountSeed{{Sid: accountSid, PhoneNumbers: []PhoneNumberSeed{n}}}}); err != nil {
		return "", ErrInvalidSeed.withf("%v", err)
	}
	return s.st.seedNumber(accountSid, n), nil
}

// SeedBundle adds or replaces a TrustHub bundle.
func (s *Server) SeedBundle(accountSid, sid string, kind BundleKind, status BundleStatus, brandOutcome BrandStatus) error {
	b := BundleSeed{Sid: sid, Kind: kind, Status: status, BrandOutcome: brandOutcome}
	if err := b.validate(); err != nil {
		return ErrInvalidSeed.withf("bundle %s: %v", sid, err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if _, ok := s.st.accounts[accountSid]; !ok {
		return ErrUnknownAccount.withf("unknown account %s", accountSid)
	}
	if err := s.st.checkOwners(Seed{Accounts: []AccountSeed{{Sid: accountSid, Bundles: []BundleSeed{b}}}}); err != nil {
		return ErrInvalidSeed.withf("%v", err)
	}
	s.st.seedBundle(accountSid, b)
	return nil
}

// SetBundleStatus changes a bundle's review status.
func (s *Server) SetBundleStatus(sid string, status BundleStatus) error {
	if !oneOf(status, bundleStatuses) {
		return ErrInvalidSeed.withf("unknown bundle status %q", status)
	}
	return s.withBundle(sid, func(b *Bundle) {
		b.Status, b.Errors = status, nil
		if status == BundleTwilioRejected {
			b.Errors = rejectionCodes(b.ReviewErrors)
		}
	})
}

// SetBundleOutcome changes what brands of this bundle become once vetted.
func (s *Server) SetBundleOutcome(sid string, outcome BrandStatus, errs ...RegistrationError) error {
	if !oneOf(outcome, brandStatuses) {
		return ErrInvalidSeed.withf("unknown brand status %q", outcome)
	}
	return s.withBundle(sid, func(b *Bundle) { b.BrandOutcome, b.BrandErrors = outcome, slices.Clone(errs) })
}

// SetBundleUsecases sets the use cases brands of the bundle are not offered, and the
// trust product's company type.
func (s *Server) SetBundleUsecases(sid string, companyType string, disallowed ...string) error {
	for _, u := range disallowed {
		if !oneOf(u, a2pUsecaseCodes()) {
			return ErrInvalidSeed.withf("%q is not an A2P use case", u)
		}
	}
	if companyType != "" && !oneOf(companyType, companyTypes) {
		return ErrInvalidSeed.withf("company type %q is not one of %v", companyType, companyTypes)
	}
	var wrongKind bool
	err := s.withBundle(sid, func(b *Bundle) {
		if companyType != "" && b.Kind != TrustProduct {
			wrongKind = true
			return
		}
		set(&b.CompanyType, nullable(companyType))
		b.DisallowedUsecases = slices.Clone(disallowed)
	})
	if wrongKind {
		return ErrInvalidSeed.withf("bundle %s is a customer profile; only a trust product has a company type", sid)
	}
	return err
}

func (s *Server) withBundle(sid string, fn func(*Bundle)) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b, ok := s.st.bundles[sid]
	if !ok {
		return ErrNotFound.withf("unknown bundle %s", sid)
	}
	fn(b)
	b.DateUpdated = s.st.now()
	return nil
}

// ForceBrandStatus moves a brand to status now.
func (s *Server) ForceBrandStatus(sid string, status BrandStatus, errs ...RegistrationError) error {
	if !oneOf(status, brandStatuses) {
		return ErrInvalidSeed.withf("unknown brand status %q", status)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b, err := s.st.brandRef("", sid)
	if err != nil {
		return ErrNotFound.withf("unknown brand %s", sid)
	}
	if status == BrandFailed && len(errs) == 0 {
		_, errs = s.st.brandOutcome(b)
	}
	s.st.setBrandStatus(b, status, errs, s.st.now())
	return nil
}

// ForceCampaignStatus moves a campaign to status now.
func (s *Server) ForceCampaignStatus(sid string, status CampaignStatus, errs ...RegistrationError) error {
	if !oneOf(status, campaignStatuses) {
		return ErrInvalidSeed.withf("unknown campaign status %q", status)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c, err := s.st.campaignRef("", "", sid)
	if err != nil {
		return ErrNotFound.withf("unknown campaign %s", sid)
	}
	if status == CampaignFailed && len(errs) == 0 {
		errs = []RegistrationError{CampaignRule{}.registrationError()}
	}
	s.st.submitCampaign(c, status, errs, s.st.now())
	return nil
}

// SetCampaignRules replaces the campaign rules.
func (s *Server) SetCampaignRules(rules ...CampaignRule) error {
	if err := (Seed{CampaignRules: rules}).Validate(); err != nil {
		return ErrInvalidSeed.withf("%v", err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.rules = slices.Clone(rules)
	return nil
}

// Advance moves the emulator's clock forward by d.
func (s *Server) Advance(d time.Duration) error {
	if d < 0 {
		return ErrInvalidSeed.withf("the clock does not go backwards")
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.offset += d
	return nil
}

// SetNow moves the emulator's clock to t.
func (s *Server) SetNow(t time.Time) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.offset = t.Sub(s.st.clock.Now())
	return nil
}

// Now is the emulator's time.
func (s *Server) Now() (time.Time, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.now(), nil
}

// SetDelays changes how long vetting takes.
func (s *Server) SetDelays(d Delays) error {
	if err := (Seed{Delays: &d}).Validate(); err != nil {
		return ErrInvalidSeed.withf("%v", err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.delays = d
	return nil
}

// SetFaults sets the global faults.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.faults.set(f)
	return nil
}

// SetPathFaults sets one route's faults.
func (s *Server) SetPathFaults(route string, f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if !s.knownRoute(route) {
		return ErrInvalidSeed.withf("no route %q; name one as \"POST /v1/Services\" or \"/v1/Services\"", route)
	}
	s.faults.setRoute(route, f)
	return nil
}

func (s *Server) knownRoute(key string) bool {
	for _, rt := range s.table {
		if rt.key() == key || rt.path == key {
			return true
		}
	}
	return false
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() error {
	s.faults.reset(nil)
	return nil
}

// SetAccountFaults sets one account's faults.
func (s *Server) SetAccountFaults(account string, f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.faults.setAccount(account, f)
	return nil
}

// Faults returns the global faults and the per-route ones.
func (s *Server) Faults() (Faults, map[string]Faults) { return s.faults.snapshot() }

// Count is how many requests a route has served.
func (s *Server) Count(route string) (int, error) { return s.log.counts("")[route], nil }

// CountUserAgent is Count for clients whose User-Agent contains userAgent.
func (s *Server) CountUserAgent(route, userAgent string) (int, error) {
	return s.log.counts(userAgent)[route], nil
}

// Counts is every route's count for User-Agents containing userAgent.
func (s *Server) Counts(userAgent string) (map[string]int, error) {
	return s.log.counts(userAgent), nil
}

// Requests is the request log, oldest first.
func (s *Server) Requests() ([]RequestRecord, error) { return s.log.list(""), nil }

// ResetCounters empties the request log and the counters.
func (s *Server) ResetCounters() error {
	s.log.reset()
	return nil
}

// State dumps everything.
func (s *Server) State() (State, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.snapshot(), nil
}

// Reset returns to the initial seed.
func (s *Server) Reset() error {
	s.st.mu.Lock()
	s.st.clear()
	s.st.seed(s.initial)
	s.st.mu.Unlock()
	s.faults.reset(nil)
	s.log.reset()
	return nil
}
