package twilioemu

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Conversations address configurations: /v1/Configuration/Addresses and …/{Sid}, on
// Twilio's conversations.twilio.com host (the emulator answers on any host; the path is
// what tells these from messaging's /v1/Services). An address configuration makes
// inbound messages to one of the account's numbers create a Conversation, which is how
// Flex receives SMS.

var (
	autoCreationParams = []string{"AutoCreation.Enabled", "AutoCreation.Type", "AutoCreation.ConversationServiceSid",
		"AutoCreation.WebhookUrl", "AutoCreation.WebhookMethod", "AutoCreation.WebhookFilters",
		"AutoCreation.StudioFlowSid", "AutoCreation.StudioRetryCount"}
	addressConfigCreateParams = slices.Concat([]string{"Type", "Address", "FriendlyName", "AddressCountry"},
		autoCreationParams)
	addressConfigUpdateParams = slices.Concat([]string{"FriendlyName"}, autoCreationParams)
	addressConfigListParams   = slices.Concat([]string{"Type"}, pageParams)

	// addressTypes is the spec's configuration_address_enum_type. The emulator serves
	// sms only: it can check an SMS address against the account's numbers, and the other
	// channels (WhatsApp senders, Messenger pages…) are not emulated.
	addressTypes      = []string{"sms", "whatsapp", "messenger", "gbm", "email", "rcs", "apple", "chat"}
	autoCreationTypes = []string{"webhook", "studio", "default"}
	// webhookFilters are the events the spec lists for AutoCreation.WebhookFilters.
	webhookFilters = []string{"onMessageAdded", "onMessageUpdated", "onMessageRemoved", "onConversationUpdated",
		"onConversationStateUpdated", "onConversationRemoved", "onParticipantAdded", "onParticipantUpdated",
		"onParticipantRemoved", "onDeliveryUpdated"}
	isPattern = regexp.MustCompile(`^IS[0-9a-fA-F]{32}$`)
	fwPattern = regexp.MustCompile(`^FW[0-9a-fA-F]{32}$`)
)

// maxConversationsPageSize is the Conversations lists' page limit ("The default is 50,
// and the maximum is 50", the spec's PageSize).
const maxConversationsPageSize = 50

// addressConfigResource is conversations.v1.configuration_address on the wire.
type addressConfigResource struct {
	Sid            string         `json:"sid"`
	AccountSid     string         `json:"account_sid"`
	Type           string         `json:"type"`
	Address        string         `json:"address"`
	FriendlyName   *string        `json:"friendly_name"`
	AutoCreation   map[string]any `json:"auto_creation"`
	DateCreated    string         `json:"date_created"`
	DateUpdated    string         `json:"date_updated"`
	URL            string         `json:"url"`
	AddressCountry *string        `json:"address_country"`
}

// renderAddressConfig writes auto_creation as the spec's examples do: enabled and type
// always, the conversation service when set, the webhook's URL, method (upper-case, as
// the examples answer a request sent in lower case) and filters for type webhook, the
// Studio flow and retry count for type studio.
func renderAddressConfig(base string, c AddressConfiguration) addressConfigResource {
	a := c.AutoCreation
	auto := map[string]any{"enabled": a.Enabled, "type": a.Type}
	if a.ConversationServiceSid != "" {
		auto["conversation_service_sid"] = a.ConversationServiceSid
	}
	switch a.Type {
	case "webhook":
		auto["webhook_url"], auto["webhook_method"] = a.WebhookURL, a.WebhookMethod
		auto["webhook_filters"] = append([]string{}, a.WebhookFilters...)
	case "studio":
		auto["studio_flow_sid"], auto["studio_retry_count"] = a.StudioFlowSid, a.StudioRetryCount
	}
	return addressConfigResource{Sid: c.Sid, AccountSid: c.AccountSid, Type: c.Type, Address: c.Address,
		FriendlyName: nullable(c.FriendlyName), AutoCreation: auto, DateCreated: v1Time(c.DateCreated),
		DateUpdated: v1Time(c.DateUpdated), URL: base + "/v1/Configuration/Addresses/" + c.Sid,
		AddressCountry: nullable(c.AddressCountry)}
}

// createAddressConfig configures an address. Rules, each the strict reading of Twilio's
// "The unique address must be a single address (i.e. a WhatsApp or SMS phone number)
// that belongs to your Twilio Account" (https://www.twilio.com/docs/conversations/api/address-configuration-resource):
// Type must be sms (400/20001 for the channels the emulator does not model); Address
// must be the E.164 number of one of the account's IncomingPhoneNumbers (400/20001);
// and an address has one configuration, so a second is refused with a generic
// 400/20001, as Twilio documents no code for it: a client finds an existing one by
// listing (Type=sms) and comparing addresses, never by reading a refused create.
func (s *Server) createAddressConfig(r *request) response {
	f := r.form()
	f.require("Type", "Address")
	c := AddressConfiguration{AccountSid: r.account, AutoCreation: AutoCreation{Type: "default"}}
	set(&c.Type, f.enum("Type", addressTypes, ErrInvalidParameter))
	set(&c.Address, f.str("Address"))
	set(&c.FriendlyName, f.length("FriendlyName", 0, 256, ErrInvalidParameter))
	set(&c.AddressCountry, f.str("AddressCountry"))
	readAutoCreation(f, &c.AutoCreation)
	if f.err != nil {
		return fail(f.err)
	}
	if c.Type != "sms" {
		return fail(invalid("Type", c.Type).withf("Type %q: the emulator serves sms address configurations only", c.Type))
	}
	out, err := s.st.createAddressConfig(c)
	if err != nil {
		return fail(err)
	}
	return created(renderAddressConfig(r.base(), out))
}

// readAutoCreation reads the AutoCreation.* parameters into a (those sent replace),
// then checks what the type needs: a webhook URL for webhook, a Studio flow for studio
// (the strict reading of "For type `webhook`, the url for the webhook request" and "For
// type `studio`, the studio flow SID"), 20001 otherwise.
func readAutoCreation(f *form, a *AutoCreation) {
	set(&a.Enabled, f.boolean("AutoCreation.Enabled"))
	set(&a.Type, f.enum("AutoCreation.Type", autoCreationTypes, ErrInvalidParameter))
	set(&a.ConversationServiceSid, f.sid("AutoCreation.ConversationServiceSid", isPattern, ErrInvalidParameter))
	set(&a.WebhookURL, f.link("AutoCreation.WebhookUrl", ErrInvalidParameter))
	if m := f.enum("AutoCreation.WebhookMethod", []string{"get", "post"}, ErrInvalidParameter); m != nil {
		a.WebhookMethod = strings.ToUpper(*m)
	}
	if filters := f.strs("AutoCreation.WebhookFilters"); filters != nil {
		for _, ev := range filters {
			if !slices.Contains(webhookFilters, ev) {
				f.fail(invalid("AutoCreation.WebhookFilters", ev))
			}
		}
		a.WebhookFilters = slices.Clone(filters)
	}
	set(&a.StudioFlowSid, f.sid("AutoCreation.StudioFlowSid", fwPattern, ErrInvalidParameter))
	set(&a.StudioRetryCount, f.integer("AutoCreation.StudioRetryCount", 0, 1000))
	if f.err == nil {
		if err := a.check(); err != nil {
			f.fail(ErrInvalidParameter.withf("%v", err))
		}
	}
}

// check reports an auto-creation the type cannot run, and fills the webhook method's
// default (POST).
func (a *AutoCreation) check() error {
	switch {
	case !slices.Contains(autoCreationTypes, a.Type):
		return fmt.Errorf("AutoCreation.Type must be one of %v, not %q", autoCreationTypes, a.Type)
	case a.Type == "webhook" && a.WebhookURL == "":
		return fmt.Errorf("AutoCreation.Type webhook needs AutoCreation.WebhookUrl")
	case a.Type == "studio" && a.StudioFlowSid == "":
		return fmt.Errorf("AutoCreation.Type studio needs AutoCreation.StudioFlowSid")
	case a.WebhookMethod != "" && a.WebhookMethod != "GET" && a.WebhookMethod != "POST":
		return fmt.Errorf("AutoCreation.WebhookMethod must be GET or POST, not %q", a.WebhookMethod)
	}
	if a.Type == "webhook" && a.WebhookMethod == "" {
		a.WebhookMethod = "POST"
	}
	return nil
}

func (s *Server) fetchAddressConfig(r *request) response {
	c, err := s.st.addressConfig(r.account, r.pathValue("Sid"))
	if err != nil {
		return fail(err)
	}
	return ok(renderAddressConfig(r.base(), c))
}

// updateAddressConfig changes the name and the auto-creation; the type and the address
// cannot change (the spec's update takes neither).
func (s *Server) updateAddressConfig(r *request) response {
	f := r.form()
	name := f.length("FriendlyName", 0, 256, ErrInvalidParameter)
	if f.err != nil {
		return fail(f.err)
	}
	c, err := s.st.updateAddressConfig(r.account, r.pathValue("Sid"), func(c *AddressConfiguration) error {
		set(&c.FriendlyName, name)
		readAutoCreation(f, &c.AutoCreation)
		return f.err
	})
	if err != nil {
		return fail(err)
	}
	return ok(renderAddressConfig(r.base(), c))
}

func (s *Server) deleteAddressConfig(r *request) response {
	if err := s.st.deleteAddressConfig(r.account, r.pathValue("Sid")); err != nil {
		return fail(err)
	}
	return noContent()
}

// listAddressConfigs lists the account's configurations, oldest first, with the spec's
// Type filter (compared case-insensitively, as Type is taken in any case).
func (s *Server) listAddressConfigs(r *request) response {
	f := r.form()
	typ := f.str("Type")
	q, err := parsePageQueryUpTo(f, maxConversationsPageSize)
	if err != nil {
		return fail(err)
	}
	filters := url.Values{}
	if typ != nil {
		filters.Set("Type", *typ)
	}
	items, p := s.st.listAddressConfigs(func(c *AddressConfiguration) bool {
		return c.AccountSid == r.account && (typ == nil || strings.EqualFold(c.Type, *typ))
	}, q)
	out := make([]addressConfigResource, len(items))
	for i, c := range items {
		out[i] = renderAddressConfig(r.base(), c)
	}
	return ok(v1FilteredList(r, "address_configurations", out, filters, q, p))
}

// createAddressConfig stores c after the ownership and uniqueness rules (see
// Server.createAddressConfig).
func (st *store) createAddressConfig(c AddressConfiguration) (AddressConfiguration, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.addressConfigurable(c.AccountSid, c.Address); err != nil {
		return AddressConfiguration{}, err
	}
	if existing := st.addressConfigOf(c.AccountSid, c.Address); existing != nil {
		return AddressConfiguration{}, ErrInvalidParameter.withf("Address %s already has an address configuration", c.Address)
	}
	now := st.now()
	c.Sid, c.DateCreated, c.DateUpdated = st.newSid("IG"), now, now
	st.addressConfigs[c.Sid] = &c
	return c, nil
}

// addressConfigurable reports why address cannot be configured in account: it must be
// one of the account's numbers. Callers hold mu.
func (st *store) addressConfigurable(account, address string) error {
	if !e164Pattern.MatchString(address) {
		return invalid("Address", address).withf("Address %q is not an E.164 phone number", address)
	}
	for _, n := range st.numbers {
		if n.AccountSid == account && n.PhoneNumber == address {
			return nil
		}
	}
	return invalid("Address", address).withf("Address %s is not a phone number of this account", address)
}

// addressConfigOf is the account's configuration of address, nil if none. Callers hold mu.
func (st *store) addressConfigOf(account, address string) *AddressConfiguration {
	for _, c := range st.addressConfigs {
		if c.AccountSid == account && c.Address == address {
			return c
		}
	}
	return nil
}

func (st *store) addressConfigRef(account, sid string) (*AddressConfiguration, error) {
	c, ok := st.addressConfigs[sid]
	if !ok || (account != "" && c.AccountSid != account) {
		return nil, ErrNotFound
	}
	return c, nil
}

func (st *store) addressConfig(account, sid string) (AddressConfiguration, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, err := st.addressConfigRef(account, sid)
	if err != nil {
		return AddressConfiguration{}, err
	}
	return c.clone(), nil
}

// updateAddressConfig changes a configuration with fn; an error of fn changes nothing.
func (st *store) updateAddressConfig(account, sid string, fn func(*AddressConfiguration) error) (AddressConfiguration, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, err := st.addressConfigRef(account, sid)
	if err != nil {
		return AddressConfiguration{}, err
	}
	next := c.clone()
	if err := fn(&next); err != nil {
		return AddressConfiguration{}, err
	}
	next.DateUpdated = st.now()
	*c = next
	return next.clone(), nil
}

func (st *store) deleteAddressConfig(account, sid string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := st.addressConfigRef(account, sid); err != nil {
		return err
	}
	delete(st.addressConfigs, sid)
	return nil
}

func (st *store) listAddressConfigs(keep func(*AddressConfiguration) bool, q pageQuery) ([]AddressConfiguration, page) {
	st.mu.Lock()
	defer st.mu.Unlock()
	all := sorted(st, st.addressConfigs, func(c *AddressConfiguration) string { return c.Sid }, keep)
	p := paginate(len(all), func(i int) uint64 { return st.order[all[i].Sid] }, q)
	return all[p.start:p.end], p
}

// seedAddressConfig adds or replaces the account's configuration of an address.
// Callers hold mu and have checked the address with addressConfigurable.
func (st *store) seedAddressConfig(account string, s AddressConfigurationSeed) string {
	now := st.now()
	auto, _ := s.autoCreation() // validated with the seed
	c := AddressConfiguration{AccountSid: account, Type: "sms", Address: s.Address, FriendlyName: s.FriendlyName,
		AutoCreation: auto, DateCreated: now, DateUpdated: now}
	if old := st.addressConfigOf(account, s.Address); old != nil {
		c.Sid, c.DateCreated = old.Sid, old.DateCreated
	} else {
		c.Sid = st.newSid("IG")
	}
	st.addressConfigs[c.Sid] = &c
	return c.Sid
}

// clone is a deep copy.
func (c AddressConfiguration) clone() AddressConfiguration {
	c.AutoCreation.WebhookFilters = slices.Clone(c.AutoCreation.WebhookFilters)
	return c
}
