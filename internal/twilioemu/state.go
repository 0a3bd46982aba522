package twilioemu

import (
	"cmp"
	"crypto/subtle"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// store is the emulator's in-memory Twilio: every object of every account, behind one
// mutex. Every operation takes the lock for its whole duration (pstest style), settles
// the time-driven statuses it touches, and hands out copies, never pointers.
type store struct {
	mu     sync.Mutex
	clock  Clock
	offset time.Duration // added to clock.Now() by Advance
	delays Delays
	rules  []CampaignRule
	quirks Quirks
	seq    uint64
	order  map[string]uint64 // creation sequence of every SID, for stable list order and page tokens

	accounts map[string]*account // by AC SID
	apiKeys  map[string]*apiKey  // by SK SID
	numbers  map[string]*PhoneNumber
	bundles  map[string]*Bundle
	services map[string]*Service
	brands   map[string]*Brand
	// bundleErrors are the 30793 entries a brand (by SID) fails with once vetted,
	// because its bundles could not register it when it was submitted.
	bundleErrors map[string][]RegistrationError
	campaigns    map[string]*Campaign
	campaignOf   map[string]string // Messaging Service SID → its campaign's QE SID (at most one)

	addressConfigs map[string]*AddressConfiguration // Conversations address configurations, by IG SID

	// TrustHub and the 2010 addresses bundles are built from.
	endUsers    map[string]*EndUser
	documents   map[string]*SupportingDocument
	addresses   map[string]*Address
	assignments map[string]*EntityAssignment // by BV SID
	// bundleVerdicts are the error codes of the requirements a bundle (by SID) failed
	// when it was submitted; none when it complied.
	bundleVerdicts map[string][]int
}

type account struct {
	sid, authToken, friendlyName string
}

type apiKey struct {
	sid, secret, accountSid string
}

func newStore(clock Clock) *store {
	st := &store{clock: clock}
	st.clear()
	return st
}

// clear forgets every object and setting but keeps the clock (and its offset).
func (st *store) clear() {
	st.delays = DefaultDelays()
	st.rules = nil
	st.quirks = Quirks{}
	st.order = map[string]uint64{}
	st.accounts = map[string]*account{}
	st.apiKeys = map[string]*apiKey{}
	st.numbers = map[string]*PhoneNumber{}
	st.bundles = map[string]*Bundle{}
	st.services = map[string]*Service{}
	st.brands = map[string]*Brand{}
	st.bundleErrors = map[string][]RegistrationError{}
	st.campaigns = map[string]*Campaign{}
	st.campaignOf = map[string]string{}
	st.addressConfigs = map[string]*AddressConfiguration{}
	st.endUsers = map[string]*EndUser{}
	st.documents = map[string]*SupportingDocument{}
	st.addresses = map[string]*Address{}
	st.assignments = map[string]*EntityAssignment{}
	st.bundleVerdicts = map[string][]int{}
}

// now is the emulator's time, whole seconds like Twilio's timestamps. Callers hold mu.
func (st *store) now() time.Time {
	return st.clock.Now().Add(st.offset).UTC().Truncate(time.Second)
}

// newSid returns a fresh SID: the two-letter prefix and 32 lowercase hex digits, as
// Twilio generates them. Callers hold mu.
func (st *store) newSid(prefix string) string {
	for {
		sid := fmt.Sprintf("%s%016x%016x", prefix, rand.Uint64(), rand.Uint64()) //nolint:gosec // SIDs need no crypto
		if _, taken := st.order[sid]; !taken {
			st.remember(sid)
			return sid
		}
	}
}

// remember gives sid the next creation sequence number. Callers hold mu.
func (st *store) remember(sid string) {
	if _, ok := st.order[sid]; !ok {
		st.seq++
		st.order[sid] = st.seq
	}
}

// sorted returns copies of the values, oldest first, keeping those keep accepts.
func sorted[T any](st *store, m map[string]*T, sid func(*T) string, keep func(*T) bool) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		if keep == nil || keep(v) {
			out = append(out, *v)
		}
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(st.order[sid(&a)], st.order[sid(&b)]) })
	return out
}

// authenticate resolves HTTP Basic credentials to an account SID: an account SID with
// its auth token, or an API key SID with its secret (the key acts as its account).
func (st *store) authenticate(user, pass string) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if a, ok := st.accounts[user]; ok {
		return a.sid, secretEqual(a.authToken, pass)
	}
	if k, ok := st.apiKeys[user]; ok {
		return k.accountSid, secretEqual(k.secret, pass)
	}
	return "", false
}

func secretEqual(want, got string) bool {
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// checkOwners refuses a seed that gives an account what another account has, in the
// store or in the seed itself. Callers hold mu.
func (st *store) checkOwners(s Seed) error {
	o := owners{}
	for sid, k := range st.apiKeys {
		o[sid] = k.accountSid
	}
	for sid, n := range st.numbers {
		o[sid], o[n.PhoneNumber] = n.AccountSid, n.AccountSid
	}
	for sid, b := range st.bundles {
		o[sid] = b.AccountSid
	}
	if err := s.claim(o); err != nil {
		return err
	}
	return st.checkAddressConfigs(s)
}

// checkAddressConfigs refuses a seed that configures an address that is not a number of
// its account, in the store or in the seed. Callers hold mu.
func (st *store) checkAddressConfigs(s Seed) error {
	for _, a := range s.Accounts {
		for _, c := range a.AddressConfigurations {
			seeded := slices.ContainsFunc(a.PhoneNumbers, func(n PhoneNumberSeed) bool { return n.PhoneNumber == c.Address })
			if !seeded && st.addressConfigurable(a.Sid, c.Address) != nil {
				return fmt.Errorf("%w: address configuration %s: not a phone number of account %s", errSeedFormat, c.Address, a.Sid)
			}
		}
	}
	return nil
}

// seed adds (or replaces) what s describes. Callers hold mu.
func (st *store) seed(s Seed) {
	if s.Delays != nil {
		st.delays = *s.Delays
	}
	st.rules = append(st.rules, s.CampaignRules...)
	if s.Quirks != nil {
		st.quirks = s.Quirks.clone()
	}
	for _, a := range s.Accounts {
		st.seedAccount(a)
	}
}

func (st *store) seedAccount(a AccountSeed) {
	st.remember(a.Sid)
	st.accounts[a.Sid] = &account{sid: a.Sid, authToken: a.AuthToken, friendlyName: a.FriendlyName}
	for _, k := range a.APIKeys {
		st.remember(k.Sid)
		st.apiKeys[k.Sid] = &apiKey{sid: k.Sid, secret: k.Secret, accountSid: a.Sid}
	}
	for _, n := range a.PhoneNumbers {
		st.seedNumber(a.Sid, n)
	}
	for _, b := range a.Bundles {
		st.seedBundle(a.Sid, b)
	}
	for _, c := range a.AddressConfigurations {
		st.seedAddressConfig(a.Sid, c)
	}
}

func (st *store) seedNumber(accountSid string, n PhoneNumberSeed) string {
	sid := n.Sid
	if sid == "" {
		sid = PhoneNumberSid(accountSid, n.PhoneNumber)
	}
	caps := Capabilities{Voice: true, SMS: true, MMS: true}
	if n.Capabilities != nil {
		caps = *n.Capabilities
	}
	name := n.FriendlyName
	if name == "" {
		name = friendlyPhoneNumber(n.PhoneNumber)
	}
	now := st.now()
	if old, ok := st.numbers[sid]; ok {
		old.PhoneNumber, old.FriendlyName, old.Capabilities, old.DateUpdated = n.PhoneNumber, name, caps, now
		n.patch().apply(old)
		return sid
	}
	st.remember(sid)
	num := &PhoneNumber{Sid: sid, AccountSid: accountSid, PhoneNumber: n.PhoneNumber, FriendlyName: name,
		Capabilities: caps, NumberRouting: defaultRouting(), DateCreated: now, DateUpdated: now}
	n.patch().apply(num)
	st.numbers[sid] = num
	return sid
}

func (st *store) seedBundle(accountSid string, b BundleSeed) {
	if b.Status == "" {
		b.Status = BundleTwilioApproved
	}
	if b.BrandOutcome == "" {
		b.BrandOutcome = BrandApproved
	}
	if b.FriendlyName == "" {
		b.FriendlyName = string(b.Kind) + " " + b.Sid
	}
	if b.PolicySid == "" {
		b.PolicySid = defaultPolicy(b.Kind)
	}
	if b.Kind == TrustProduct && b.CompanyType == "" {
		b.CompanyType = "private"
	}
	now := st.now()
	created := now
	if old, ok := st.bundles[b.Sid]; ok {
		created = old.DateCreated
	}
	st.remember(b.Sid)
	nb := &Bundle{Sid: b.Sid, AccountSid: accountSid, Kind: b.Kind, PolicySid: b.PolicySid, FriendlyName: b.FriendlyName,
		Email: "compliance@example.com", Status: b.Status, BrandOutcome: b.BrandOutcome,
		BrandErrors: slices.Clone(b.BrandErrors), CompanyType: b.CompanyType,
		DisallowedUsecases: slices.Clone(b.DisallowedUsecases), DateCreated: created, DateUpdated: now}
	if b.Status == BundleTwilioRejected {
		nb.Errors = rejectionCodes(nil)
	}
	st.bundles[b.Sid] = nb
}

// defaultPolicy is the policy of a seeded bundle that names none: the Secondary
// Customer Profile or the A2P Messaging Profile.
func defaultPolicy(kind BundleKind) string {
	if kind == TrustProduct {
		return A2PTrustProductPolicy
	}
	return SecondaryProfilePolicy
}

// friendlyPhoneNumber formats a NANP number the way Twilio names new numbers,
// "(501) 712-2661"; other numbers keep their E.164 form.
func friendlyPhoneNumber(e164 string) string {
	if len(e164) == 12 && e164[:2] == "+1" {
		return fmt.Sprintf("(%s) %s-%s", e164[2:5], e164[5:8], e164[8:])
	}
	return e164
}

// snapshot copies everything, settling vetting first. Callers hold mu.
func (st *store) snapshot() State {
	st.settleAll()
	s := State{Now: st.now(), Delays: st.delays, Rules: slices.Clone(st.rules)}
	for _, a := range sorted(st, st.accounts, func(a *account) string { return a.sid }, nil) {
		info := AccountInfo{Sid: a.sid, FriendlyName: a.friendlyName}
		for _, k := range sorted(st, st.apiKeys, func(k *apiKey) string { return k.sid },
			func(k *apiKey) bool { return k.accountSid == a.sid }) {
			info.APIKeySids = append(info.APIKeySids, k.sid)
		}
		s.Accounts = append(s.Accounts, info)
	}
	s.PhoneNumbers = sorted(st, st.numbers, func(n *PhoneNumber) string { return n.Sid }, nil)
	s.Bundles = sorted(st, st.bundles, func(b *Bundle) string { return b.Sid }, nil)
	s.Services = st.serviceList(func(*Service) bool { return true })
	s.Brands = sorted(st, st.brands, func(b *Brand) string { return b.Sid }, nil)
	s.Campaigns = sorted(st, st.campaigns, func(c *Campaign) string { return c.Sid }, nil)
	s.AddressConfigurations = sorted(st, st.addressConfigs, func(c *AddressConfiguration) string { return c.Sid }, nil)
	s.TrustHub = st.trustHub("")
	s.TrustHub.Bundles = nil // in s.Bundles
	return s
}

// settleAll applies every due vetting transition. Callers hold mu.
func (st *store) settleAll() {
	now := st.now()
	for _, b := range st.brands {
		st.settleBrand(b, now)
	}
	for _, c := range st.campaigns {
		st.settleCampaign(c, now)
	}
	for _, b := range st.bundles {
		st.settleBundle(b, now)
	}
}
