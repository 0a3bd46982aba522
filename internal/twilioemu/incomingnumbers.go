package twilioemu

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// The 2010 API's IncomingPhoneNumbers: list (with the PhoneNumber filter), fetch and
// update (a number's name and inbound routing). Numbers are seeded, never bought
// through the emulator.

var (
	incomingNumberListParams   = []string{"PhoneNumber", "FriendlyName", "PageSize", "Page", "PageToken"}
	incomingNumberUpdateParams = []string{"FriendlyName", "SmsUrl", "SmsMethod", "SmsFallbackUrl", "SmsFallbackMethod",
		"SmsApplicationSid", "VoiceUrl", "VoiceMethod", "VoiceFallbackUrl", "VoiceFallbackMethod", "VoiceApplicationSid",
		"StatusCallback", "StatusCallbackMethod"}
	apPattern = regexp.MustCompile(`^AP[0-9a-fA-F]{32}$`)
)

// incomingNumberResource is api.v2010.account.incoming_phone_number on the wire.
type incomingNumberResource struct {
	AccountSid             string               `json:"account_sid"`
	AddressSid             *string              `json:"address_sid"`
	AddressRequirements    string               `json:"address_requirements"`
	APIVersion             string               `json:"api_version"`
	Beta                   bool                 `json:"beta"`
	Capabilities           incomingCapabilities `json:"capabilities"`
	DateCreated            string               `json:"date_created"`
	DateUpdated            string               `json:"date_updated"`
	FriendlyName           string               `json:"friendly_name"`
	IdentitySid            *string              `json:"identity_sid"`
	PhoneNumber            string               `json:"phone_number"`
	Origin                 string               `json:"origin"`
	Sid                    string               `json:"sid"`
	SMSApplicationSid      *string              `json:"sms_application_sid"`
	SMSFallbackMethod      string               `json:"sms_fallback_method"`
	SMSFallbackURL         *string              `json:"sms_fallback_url"`
	SMSMethod              string               `json:"sms_method"`
	SMSURL                 *string              `json:"sms_url"`
	StatusCallback         *string              `json:"status_callback"`
	StatusCallbackMethod   string               `json:"status_callback_method"`
	TrunkSid               *string              `json:"trunk_sid"`
	URI                    string               `json:"uri"`
	VoiceReceiveMode       string               `json:"voice_receive_mode"`
	VoiceApplicationSid    *string              `json:"voice_application_sid"`
	VoiceCallerIDLookup    bool                 `json:"voice_caller_id_lookup"`
	VoiceFallbackMethod    string               `json:"voice_fallback_method"`
	VoiceFallbackURL       *string              `json:"voice_fallback_url"`
	VoiceMethod            string               `json:"voice_method"`
	VoiceURL               *string              `json:"voice_url"`
	EmergencyStatus        string               `json:"emergency_status"`
	EmergencyAddressSid    *string              `json:"emergency_address_sid"`
	EmergencyAddressStatus string               `json:"emergency_address_status"`
	BundleSid              *string              `json:"bundle_sid"`
	Status                 string               `json:"status"`
	Type                   string               `json:"type"`
}

type incomingCapabilities struct {
	MMS   bool `json:"mms"`
	SMS   bool `json:"sms"`
	Voice bool `json:"voice"`
	Fax   bool `json:"fax"`
}

func renderIncomingNumber(n PhoneNumber) incomingNumberResource {
	kind := "local"
	if strings.HasPrefix(n.PhoneNumber, "+18") && len(n.PhoneNumber) == 12 && n.PhoneNumber[3] == n.PhoneNumber[4] {
		kind = "toll-free" // +1 800, 833, 844, 855, 866, 877, 888
	}
	return incomingNumberResource{AccountSid: n.AccountSid, AddressRequirements: "none", APIVersion: "2010-04-01",
		Capabilities: incomingCapabilities{MMS: n.Capabilities.MMS, SMS: n.Capabilities.SMS,
			Voice: n.Capabilities.Voice, Fax: n.Capabilities.Fax},
		DateCreated: v2010Time(n.DateCreated), DateUpdated: v2010Time(n.DateUpdated), FriendlyName: n.FriendlyName,
		PhoneNumber: n.PhoneNumber, Origin: "twilio", Sid: n.Sid,
		SMSApplicationSid: nullable(n.SMSApplicationSid), SMSFallbackMethod: n.SMSFallbackMethod,
		SMSFallbackURL: nullable(n.SMSFallbackURL), SMSMethod: n.SMSMethod, SMSURL: nullable(n.SMSURL),
		StatusCallback: nullable(n.StatusCallback), StatusCallbackMethod: n.StatusCallbackMethod,
		URI:              "/2010-04-01/Accounts/" + n.AccountSid + "/IncomingPhoneNumbers/" + n.Sid + ".json",
		VoiceReceiveMode: "voice", VoiceApplicationSid: nullable(n.VoiceApplicationSid),
		VoiceFallbackMethod: n.VoiceFallbackMethod, VoiceFallbackURL: nullable(n.VoiceFallbackURL),
		VoiceMethod: n.VoiceMethod, VoiceURL: nullable(n.VoiceURL), EmergencyStatus: "Inactive",
		EmergencyAddressStatus: "unregistered", Status: "in-use", Type: kind}
}

// updateIncomingNumber is POST …/IncomingPhoneNumbers/{Sid}.json: the fields sent change,
// the others stay (200 with the number, as the spec's update example). URLs must be
// absolute http(s) URLs or "" to clear them (21502), methods GET or POST (20001),
// application SIDs AP SIDs or "" (20001). Applications are not emulated, so any
// well-formed AP SID is taken.
func (s *Server) updateIncomingNumber(r *request) response {
	f := r.form()
	p := PhoneNumberPatch{
		FriendlyName:         f.str("FriendlyName"),
		SMSURL:               f.link("SmsUrl", ErrInvalidCallbackURL),
		SMSMethod:            f.enum("SmsMethod", httpMethods, ErrInvalidParameter),
		SMSFallbackURL:       f.link("SmsFallbackUrl", ErrInvalidCallbackURL),
		SMSFallbackMethod:    f.enum("SmsFallbackMethod", httpMethods, ErrInvalidParameter),
		SMSApplicationSid:    optionalSid(f, "SmsApplicationSid", apPattern),
		VoiceURL:             f.link("VoiceUrl", ErrInvalidCallbackURL),
		VoiceMethod:          f.enum("VoiceMethod", httpMethods, ErrInvalidParameter),
		VoiceFallbackURL:     f.link("VoiceFallbackUrl", ErrInvalidCallbackURL),
		VoiceFallbackMethod:  f.enum("VoiceFallbackMethod", httpMethods, ErrInvalidParameter),
		VoiceApplicationSid:  optionalSid(f, "VoiceApplicationSid", apPattern),
		StatusCallback:       f.link("StatusCallback", ErrInvalidCallbackURL),
		StatusCallbackMethod: f.enum("StatusCallbackMethod", httpMethods, ErrInvalidParameter),
	}
	if n := p.FriendlyName; n != nil && len([]rune(*n)) > 64 {
		f.fail(ErrInvalidFriendlyName.withf("FriendlyName must be at most 64 characters long"))
	}
	if f.err != nil {
		return fail(f.err)
	}
	n, err := s.st.patchNumber(r.account, r.pathValue("Sid"), p)
	if err != nil {
		return fail(err)
	}
	return ok(renderIncomingNumber(n))
}

// optionalSid reads a SID parameter that "" clears.
func optionalSid(f *form, name string, pattern *regexp.Regexp) *string {
	v := f.str(name)
	if v != nil && *v != "" && !pattern.MatchString(*v) {
		f.fail(invalid(name, *v))
	}
	return v
}

// validate reports a patch the API would refuse; the admin API and seeds are held to
// the same rules (methods exactly GET or POST).
func (p PhoneNumberPatch) validate() error {
	for name, u := range map[string]*string{"smsUrl": p.SMSURL, "smsFallbackUrl": p.SMSFallbackURL,
		"voiceUrl": p.VoiceURL, "voiceFallbackUrl": p.VoiceFallbackURL, "statusCallback": p.StatusCallback} {
		if u != nil && *u != "" && !validURL(*u) {
			return fmt.Errorf("%s %q is not an absolute http(s) URL", name, *u)
		}
	}
	for name, m := range map[string]*string{"smsMethod": p.SMSMethod, "smsFallbackMethod": p.SMSFallbackMethod,
		"voiceMethod": p.VoiceMethod, "voiceFallbackMethod": p.VoiceFallbackMethod,
		"statusCallbackMethod": p.StatusCallbackMethod} {
		if m != nil && *m != "GET" && *m != "POST" {
			return fmt.Errorf("%s must be GET or POST, not %q", name, *m)
		}
	}
	for name, sid := range map[string]*string{"smsApplicationSid": p.SMSApplicationSid,
		"voiceApplicationSid": p.VoiceApplicationSid} {
		if sid != nil && *sid != "" && !apPattern.MatchString(*sid) {
			return fmt.Errorf("%s %q is not an AP SID", name, *sid)
		}
	}
	return nil
}

// patchNumber changes a number of account ("" for any) and stamps date_updated.
func (st *store) patchNumber(account, sid string, p PhoneNumberPatch) (PhoneNumber, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	n, ok := st.numbers[sid]
	if !ok || (account != "" && n.AccountSid != account) {
		return PhoneNumber{}, ErrNotFound
	}
	p.apply(n)
	n.DateUpdated = st.now()
	return *n, nil
}

func (s *Server) fetchIncomingNumber(r *request) response {
	n, err := s.st.incomingNumber(r.account, r.pathValue("Sid"))
	if err != nil {
		return fail(err)
	}
	return ok(renderIncomingNumber(n))
}

func (s *Server) listIncomingNumbers(r *request) response {
	f := r.form()
	number, name := f.str("PhoneNumber"), f.str("FriendlyName")
	q, err := parsePageQuery(f)
	if err != nil {
		return fail(err)
	}
	filters := url.Values{}
	match := func(n *PhoneNumber) bool { return n.AccountSid == r.account }
	if number != nil {
		filters.Set("PhoneNumber", *number)
		pattern := numberPattern(*number)
		match = and(match, func(n *PhoneNumber) bool { return matchesNumber(n.PhoneNumber, pattern) })
	}
	if name != nil {
		filters.Set("FriendlyName", *name)
		match = and(match, func(n *PhoneNumber) bool { return n.FriendlyName == *name })
	}
	items, p := s.st.listIncomingNumbers(match, q)
	out := make([]incomingNumberResource, len(items))
	for i, n := range items {
		out[i] = renderIncomingNumber(n)
	}
	return ok(v2010List(r, "incoming_phone_numbers", out, filters, q, p))
}

func and[T any](a, b func(T) bool) func(T) bool { return func(v T) bool { return a(v) && b(v) } }

// numberPattern is the PhoneNumber filter reduced to what Twilio compares: digits and
// the '*' wildcard ("+1 (501) 712-2661" and "5017122661" both find +15017122661).
func numberPattern(filter string) string {
	var b strings.Builder
	for _, c := range filter {
		if c == '*' || (c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// matchesNumber reports whether pattern occurs in the number's digits; Twilio's filter
// accepts partial numbers, and '*' stands for any one digit.
func matchesNumber(e164, pattern string) bool {
	if pattern == "" {
		return false
	}
	digits := strings.TrimPrefix(e164, "+")
	for i := 0; i+len(pattern) <= len(digits); i++ {
		hit := true
		for j := range len(pattern) {
			if pattern[j] != '*' && pattern[j] != digits[i+j] {
				hit = false
				break
			}
		}
		if hit {
			return true
		}
	}
	return false
}

func (st *store) incomingNumber(account, sid string) (PhoneNumber, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	n, ok := st.numbers[sid]
	if !ok || n.AccountSid != account {
		return PhoneNumber{}, ErrNotFound
	}
	return *n, nil
}

func (st *store) listIncomingNumbers(match func(*PhoneNumber) bool, q pageQuery) ([]PhoneNumber, page) {
	st.mu.Lock()
	defer st.mu.Unlock()
	all := sorted(st, st.numbers, func(n *PhoneNumber) string { return n.Sid }, match)
	p := paginate(len(all), func(i int) uint64 { return st.order[all[i].Sid] }, q)
	return all[p.start:p.end], p
}
