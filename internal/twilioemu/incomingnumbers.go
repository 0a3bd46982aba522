package twilioemu

import (
	"net/url"
	"strings"
)

// The 2010 API's IncomingPhoneNumbers: list (with the PhoneNumber filter) and fetch.
// Numbers are seeded, never bought through the emulator.

var incomingNumberListParams = []string{"PhoneNumber", "FriendlyName", "PageSize", "Page", "PageToken"}

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
		PhoneNumber: n.PhoneNumber, Origin: "twilio", Sid: n.Sid, SMSFallbackMethod: "POST", SMSMethod: "POST",
		StatusCallbackMethod: "POST", URI: "/2010-04-01/Accounts/" + n.AccountSid + "/IncomingPhoneNumbers/" + n.Sid + ".json",
		VoiceReceiveMode: "voice", VoiceFallbackMethod: "POST", VoiceMethod: "POST", EmergencyStatus: "Inactive",
		EmergencyAddressStatus: "unregistered", Status: "in-use", Type: kind}
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
