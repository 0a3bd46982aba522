package twilioemu

import (
	"fmt"
	"time"
)

// AddressConfiguration is a Conversations address configuration (IG…): inbound
// messages to Address (an E.164 number of the account, Type sms) create Conversations
// as AutoCreation says. FriendlyName and AddressCountry are "" when unset.
type AddressConfiguration struct {
	Sid            string       `json:"sid"`
	AccountSid     string       `json:"accountSid"`
	Type           string       `json:"type"`
	Address        string       `json:"address"`
	FriendlyName   string       `json:"friendlyName,omitempty"`
	AddressCountry string       `json:"addressCountry,omitempty"`
	AutoCreation   AutoCreation `json:"autoCreation"`
	DateCreated    time.Time    `json:"dateCreated"`
	DateUpdated    time.Time    `json:"dateUpdated"`
}

// AutoCreation is how an address configuration creates Conversations (the spec's
// AutoCreation.* parameters). Type is webhook, studio or default; WebhookMethod is GET
// or POST (upper-case, as Twilio answers it).
type AutoCreation struct {
	Enabled                bool     `json:"enabled"`
	Type                   string   `json:"type"`
	ConversationServiceSid string   `json:"conversationServiceSid,omitempty"`
	WebhookURL             string   `json:"webhookUrl,omitempty"`
	WebhookMethod          string   `json:"webhookMethod,omitempty"`
	WebhookFilters         []string `json:"webhookFilters,omitempty"`
	StudioFlowSid          string   `json:"studioFlowSid,omitempty"`
	StudioRetryCount       int      `json:"studioRetryCount,omitempty"`
}

// AddressConfigurationSeed configures one of the account's numbers for Conversations,
// as a user would in the Console: an sms address configuration of Address (which must
// be a number of the account, seeded before or in the same seed). An empty
// AutoCreation.Type is "default". Seeding an address that has a configuration replaces
// it, keeping its SID.
type AddressConfigurationSeed struct {
	Address      string       `json:"address"`
	FriendlyName string       `json:"friendlyName,omitempty"`
	AutoCreation AutoCreation `json:"autoCreation"`
}

// autoCreation is the seed's auto-creation with Twilio's defaults filled in (type
// default, webhook method POST), or why the API would refuse it.
func (s AddressConfigurationSeed) autoCreation() (AutoCreation, error) {
	a := s.AutoCreation
	a.WebhookFilters = append([]string(nil), a.WebhookFilters...)
	if a.Type == "" {
		a.Type = "default"
	}
	if !e164Pattern.MatchString(s.Address) {
		return a, fmt.Errorf("address configuration %q: the address must be an E.164 phone number", s.Address)
	}
	for _, ev := range a.WebhookFilters {
		if !oneOf(ev, webhookFilters) {
			return a, fmt.Errorf("address configuration %s: unknown webhook filter %q", s.Address, ev)
		}
	}
	if err := a.check(); err != nil {
		return a, fmt.Errorf("address configuration %s: %w", s.Address, err)
	}
	return a, nil
}
