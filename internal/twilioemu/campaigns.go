package twilioemu

import (
	"slices"
	"strings"
	"time"
)

// US A2P campaigns: /v1/Services/{MessagingServiceSid}/Compliance/Usa2p and …/{Sid}.

// apiVersionHeader selects the campaign's response schema (the spec's
// XTwilioApiVersion parameter, "The version of the Messaging API to use for this
// request", of create, fetch, list and update). The spec gives no value. Public clients
// send v1.2, and report that with it the privacy policy and terms URLs are read back and
// without it "the plain v1 GET omits both keys entirely" (TypeScript A2P onboarding
// clients on GitHub, one of them "proven against the live API with this header on both
// the write and the read-back"; their tests assert the header is exactly "v1.2").
// Twilio's behaviour for any other value is unknown, so the emulator takes the strict
// reading: only apiVersionV2 selects the v2 schema and keeps the URLs.
const (
	apiVersionHeader = "X-Twilio-Api-Version"
	apiVersionV2     = "v1.2"
)

var (
	campaignCommonParams = []string{"Description", "MessageFlow", "MessageSamples", "HasEmbeddedLinks",
		"HasEmbeddedPhone", "AgeGated", "DirectLending", "PrivacyPolicyUrl", "TermsAndConditionsUrl", apiVersionHeader}
	campaignCreateParams = slices.Concat(campaignCommonParams, []string{"BrandRegistrationSid",
		"UsAppToPersonUsecase", "OptInMessage", "OptOutMessage", "HelpMessage", "OptInKeywords", "OptOutKeywords",
		"HelpKeywords", "SubscriberOptIn"})
	campaignUpdateParams = campaignCommonParams
	campaignListParams   = slices.Concat(pageParams, []string{apiVersionHeader})
	campaignFetchParams  = []string{apiVersionHeader}
)

// Twilio's defaults for the opt-out and help handling a campaign does not declare
// (the spec's createWithDefaults example).
var (
	defaultOptOutMessage  = "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe."
	defaultHelpMessage    = "Reply STOP to unsubscribe. Msg&Data Rates May Apply."
	defaultOptOutKeywords = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
	defaultHelpKeywords   = []string{"HELP", "INFO"}
)

// campaignResource is messaging.v1.service.us_app_to_person on the wire.
type campaignResource struct {
	Sid                    string          `json:"sid"`
	AccountSid             string          `json:"account_sid"`
	BrandRegistrationSid   string          `json:"brand_registration_sid"`
	MessagingServiceSid    string          `json:"messaging_service_sid"`
	Description            string          `json:"description"`
	MessageSamples         []string        `json:"message_samples"`
	UsAppToPersonUsecase   string          `json:"us_app_to_person_usecase"`
	HasEmbeddedLinks       bool            `json:"has_embedded_links"`
	HasEmbeddedPhone       bool            `json:"has_embedded_phone"`
	SubscriberOptIn        bool            `json:"subscriber_opt_in"`
	AgeGated               bool            `json:"age_gated"`
	DirectLending          bool            `json:"direct_lending"`
	CampaignStatus         CampaignStatus  `json:"campaign_status"`
	CampaignID             string          `json:"campaign_id"`
	IsExternallyRegistered bool            `json:"is_externally_registered"`
	RateLimits             map[string]any  `json:"rate_limits"`
	MessageFlow            string          `json:"message_flow"`
	OptInMessage           *string         `json:"opt_in_message"`
	OptOutMessage          *string         `json:"opt_out_message"`
	HelpMessage            *string         `json:"help_message"`
	OptInKeywords          []string        `json:"opt_in_keywords"`
	OptOutKeywords         []string        `json:"opt_out_keywords"`
	HelpKeywords           []string        `json:"help_keywords"`
	DateCreated            string          `json:"date_created"`
	DateUpdated            string          `json:"date_updated"`
	URL                    string          `json:"url"`
	Mock                   bool            `json:"mock"`
	Errors                 []errorResource `json:"errors"`
}

// campaignV2Resource is messaging.v1.service.us_app_to_person_v2: the same plus the
// privacy policy and terms URLs.
type campaignV2Resource struct {
	campaignResource
	PrivacyPolicyURL      *string `json:"privacy_policy_url"`
	TermsAndConditionsURL *string `json:"terms_and_conditions_url"`
}

// v2 reports whether the request asked for the us_app_to_person_v2 schema, the one with
// privacy_policy_url and terms_and_conditions_url (the spec's
// createWithExtendedFieldsAndHeader and readFullWithExtendedFieldsAndHeader examples).
func (r *request) v2() bool { return r.header(apiVersionHeader) == apiVersionV2 }

// renderCampaign picks the response schema of the spec's oneOf: the v2 shape only when
// the request carries X-Twilio-Api-Version: v1.2, else the original shape, which has no
// URLs whatever the campaign holds.
func renderCampaign(r *request, c Campaign) any {
	res := campaignResource{Sid: c.Sid, AccountSid: c.AccountSid, BrandRegistrationSid: c.BrandRegistrationSid,
		MessagingServiceSid: c.MessagingServiceSid, Description: c.Description, MessageSamples: c.MessageSamples,
		UsAppToPersonUsecase: c.UsAppToPersonUsecase, HasEmbeddedLinks: c.HasEmbeddedLinks,
		HasEmbeddedPhone: c.HasEmbeddedPhone, SubscriberOptIn: c.SubscriberOptIn, AgeGated: c.AgeGated,
		DirectLending: c.DirectLending, CampaignStatus: c.Status, CampaignID: c.CampaignID,
		RateLimits:  map[string]any{"att": map[string]any{"mps": 600, "msg_class": "A"}, "tmobile": map[string]any{"brand_tier": "TOP"}},
		MessageFlow: c.MessageFlow, OptInMessage: nullable(c.OptInMessage), OptOutMessage: nullable(c.OptOutMessage),
		HelpMessage: nullable(c.HelpMessage), OptInKeywords: c.OptInKeywords, OptOutKeywords: c.OptOutKeywords,
		HelpKeywords: c.HelpKeywords, DateCreated: v1Time(c.DateCreated), DateUpdated: v1Time(c.DateUpdated),
		URL:  r.base() + "/v1/Services/" + c.MessagingServiceSid + "/Compliance/Usa2p/" + c.Sid,
		Mock: c.Mock, Errors: renderErrors(c.Errors)}
	if !r.v2() {
		return res
	}
	return campaignV2Resource{campaignResource: res, PrivacyPolicyURL: nullable(c.PrivacyPolicyURL),
		TermsAndConditionsURL: nullable(c.TermsAndConditionsURL)}
}

func (s *Server) createCampaign(r *request) response {
	f := r.form()
	f.require("BrandRegistrationSid", "Description", "MessageFlow", "MessageSamples", "UsAppToPersonUsecase",
		"HasEmbeddedLinks", "HasEmbeddedPhone")
	c := Campaign{AccountSid: r.account, MessagingServiceSid: r.pathValue("MessagingServiceSid"),
		OptOutMessage: defaultOptOutMessage, HelpMessage: defaultHelpMessage,
		OptOutKeywords: defaultOptOutKeywords, HelpKeywords: defaultHelpKeywords}
	readCampaignCommon(f, &c)
	if r.v2() {
		set(&c.PrivacyPolicyURL, f.link("PrivacyPolicyUrl", ErrInvalidParameter))
		set(&c.TermsAndConditionsURL, f.link("TermsAndConditionsUrl", ErrInvalidParameter))
	}
	set(&c.BrandRegistrationSid, f.sid("BrandRegistrationSid", bnPattern, ErrBrandNotRegistered))
	set(&c.UsAppToPersonUsecase, f.enum("UsAppToPersonUsecase", a2pUsecaseCodes(), ErrInvalidA2PUsecase))
	set(&c.OptInMessage, f.length("OptInMessage", 20, 320, ErrCampaignLength))
	set(&c.OptOutMessage, f.length("OptOutMessage", 20, 320, ErrCampaignLength))
	set(&c.HelpMessage, f.length("HelpMessage", 20, 320, ErrCampaignLength))
	setList(&c.OptInKeywords, keywords(f, "OptInKeywords"))
	setList(&c.OptOutKeywords, keywords(f, "OptOutKeywords"))
	setList(&c.HelpKeywords, keywords(f, "HelpKeywords"))
	set(&c.SubscriberOptIn, f.boolean("SubscriberOptIn"))
	if f.err != nil {
		return fail(f.err)
	}
	out, err := s.st.createCampaign(c)
	if err != nil {
		return fail(err)
	}
	return created(renderCampaign(r, out))
}

// readCampaignCommon reads the fields create and update share, with Twilio's length
// rules (21728): description 40–4096, message flow 40–2048, 2–5 samples of 20–1024.
// PrivacyPolicyUrl and TermsAndConditionsUrl are read by the callers, and only from a
// v1.2 request: without the header they are ignored and not stored (the strict reading
// of a version that does not know them, see apiVersionHeader).
func readCampaignCommon(f *form, c *Campaign) {
	set(&c.Description, f.length("Description", 40, 4096, ErrCampaignLength))
	set(&c.MessageFlow, f.length("MessageFlow", 40, 2048, ErrCampaignLength))
	if samples := f.strs("MessageSamples"); samples != nil {
		if !between(len(samples), 2, 5) {
			f.fail(ErrCampaignLength.withf("MessageSamples must hold 2 to 5 samples, not %d", len(samples)))
		}
		for _, s := range samples {
			if !between(len([]rune(s)), 20, 1024) {
				f.fail(ErrCampaignLength.withf("each of MessageSamples must be between 20 and 1024 characters"))
			}
		}
		c.MessageSamples = slices.Clone(samples)
	}
	set(&c.HasEmbeddedLinks, f.boolean("HasEmbeddedLinks"))
	set(&c.HasEmbeddedPhone, f.boolean("HasEmbeddedPhone"))
	set(&c.AgeGated, f.boolean("AgeGated"))
	set(&c.DirectLending, f.boolean("DirectLending"))
}

// keywords reads a keyword list: alphanumeric words of at most 255 characters.
func keywords(f *form, name string) []string {
	words := f.strs(name)
	for _, w := range words {
		if !alnumPattern.MatchString(w) || len(w) > 255 {
			f.fail(ErrCampaignLength.withf("%s must be alphanumeric words of at most 255 characters: %q", name, w))
		}
	}
	return words
}

func setList(dst *[]string, v []string) {
	if v != nil {
		*dst = slices.Clone(v)
	}
}

func (s *Server) fetchCampaign(r *request) response {
	c, err := s.st.campaign(r.account, r.pathValue("MessagingServiceSid"), r.pathValue("Sid"))
	if err != nil {
		return fail(err)
	}
	return ok(renderCampaign(r, c))
}

// updateCampaign changes the updatable fields and resubmits the campaign for vetting,
// where Twilio allows an edit (see store.updateCampaign).
func (s *Server) updateCampaign(r *request) response {
	f := r.form()
	f.require("HasEmbeddedLinks", "HasEmbeddedPhone", "MessageSamples", "MessageFlow", "Description",
		"AgeGated", "DirectLending")
	var in Campaign
	readCampaignCommon(f, &in)
	var privacy, terms *string
	if r.v2() {
		privacy, terms = f.link("PrivacyPolicyUrl", ErrInvalidParameter), f.link("TermsAndConditionsUrl", ErrInvalidParameter)
	}
	if f.err != nil {
		return fail(f.err)
	}
	c, err := s.st.updateCampaign(r.account, r.pathValue("MessagingServiceSid"), r.pathValue("Sid"), func(c *Campaign) {
		c.Description, c.MessageFlow, c.MessageSamples = in.Description, in.MessageFlow, in.MessageSamples
		c.HasEmbeddedLinks, c.HasEmbeddedPhone, c.AgeGated, c.DirectLending = in.HasEmbeddedLinks,
			in.HasEmbeddedPhone, in.AgeGated, in.DirectLending
		set(&c.PrivacyPolicyURL, privacy)
		set(&c.TermsAndConditionsURL, terms)
	})
	if err != nil {
		return fail(err)
	}
	return ok(renderCampaign(r, c))
}

func (s *Server) deleteCampaign(r *request) response {
	if err := s.st.deleteCampaign(r.account, r.pathValue("MessagingServiceSid"), r.pathValue("Sid")); err != nil {
		return fail(err)
	}
	return noContent()
}

func (s *Server) listCampaigns(r *request) response {
	q, err := parsePageQuery(r.form())
	if err != nil {
		return fail(err)
	}
	items, p, err := s.st.listCampaigns(r.account, r.pathValue("MessagingServiceSid"), q)
	if err != nil {
		return fail(err)
	}
	out := make([]any, len(items))
	for i, c := range items {
		out[i] = renderCampaign(r, c)
	}
	return ok(v1List(r, "compliance", out, q, p))
}

// createCampaign registers a campaign on a service. The brand must be this account's
// and APPROVED, and allow the use case (21717); the use case must suit the service's
// Usecase (21719); the service may hold only one (ErrCampaignExists).
func (st *store) createCampaign(c Campaign) (Campaign, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	svc, err := st.serviceRef(c.AccountSid, c.MessagingServiceSid)
	if err != nil {
		return Campaign{}, err
	}
	b, err := st.brandRef(c.AccountSid, c.BrandRegistrationSid)
	switch {
	case err != nil:
		return Campaign{}, ErrBrandNotRegistered.withf("Brand %s is not registered in this account", c.BrandRegistrationSid)
	case b.Status != BrandApproved:
		return Campaign{}, ErrBrandNotRegistered.withf("Brand %s is %s, not APPROVED", b.Sid, b.Status)
	case (b.BrandType == soleProprietor) != (c.UsAppToPersonUsecase == soleProprietor):
		return Campaign{}, ErrBrandNotRegistered.withf("Brand %s of type %s cannot register use case %s",
			b.Sid, b.BrandType, c.UsAppToPersonUsecase)
	}
	if err := st.soleProprietorLimits(b, c); err != nil {
		return Campaign{}, err
	}
	if b.BrandType != soleProprietor && !slices.ContainsFunc(st.offeredUsecases(b), func(u a2pUsecase) bool {
		return u.Code == c.UsAppToPersonUsecase
	}) {
		return Campaign{}, ErrBrandNotRegistered.withf("Brand %s is not offered use case %s; GET "+
			"/v1/Services/%s/Compliance/Usa2p/Usecases?BrandRegistrationSid=%s lists the ones it is",
			b.Sid, c.UsAppToPersonUsecase, svc.Sid, b.Sid)
	}
	if !usecasesCompatible(svc.Usecase, c.UsAppToPersonUsecase) {
		return Campaign{}, ErrIncompatibleUsecase.withf("A2P use case %s is not compatible with Messaging Service %s's "+
			"use case %s; GET /v1/Services/%s/Compliance/Usa2p/Usecases lists the compatible ones",
			c.UsAppToPersonUsecase, svc.Sid, svc.Usecase, svc.Sid)
	}
	if _, exists := st.campaignOf[c.MessagingServiceSid]; exists {
		return Campaign{}, ErrCampaignExists.withf("Messaging Service %s already has a US A2P campaign", c.MessagingServiceSid)
	}
	now := st.now()
	c.Sid, c.CampaignID, c.Mock, c.DateCreated = st.newSid("QE"), "C"+randomUpper(6), b.Mock, now
	st.submitCampaign(&c, CampaignPending, nil, now)
	st.campaigns[c.Sid] = &c
	st.campaignOf[c.MessagingServiceSid] = c.Sid
	return c, nil
}

// campaignRef finds a campaign of a service of account ("" for any) and settles it.
// Callers hold mu.
func (st *store) campaignRef(account, serviceSid, sid string) (*Campaign, error) {
	c, ok := st.campaigns[sid]
	if !ok || (account != "" && c.AccountSid != account) || (serviceSid != "" && c.MessagingServiceSid != serviceSid) {
		return nil, ErrNotFound
	}
	st.settleCampaign(c, st.now())
	return c, nil
}

func (st *store) campaign(account, serviceSid, sid string) (Campaign, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, err := st.campaignRef(account, serviceSid, sid)
	if err != nil {
		return Campaign{}, err
	}
	return *c, nil
}

// updateCampaign edits a campaign and sends it back to vetting, where Twilio allows it:
//
//   - FAILED: "It is now possible to edit a FAILED Campaign via both the Console and the
//     API" (https://twilio.com/docs/messaging/compliance/a2p-10dlc/troubleshooting-a2p-brands/troubleshooting-and-rectifying-a2p-campaigns).
//     The campaign goes to IN_PROGRESS with its errors cleared, as public clients report
//     of the live API ("a campaign already in FAILED state accepts this call and goes
//     back to IN_PROGRESS with its errors array cleared").
//   - VERIFIED: Twilio does not say; the spec's update has no status condition and TCR
//     edits approved campaigns, so it is allowed and re-vetted the same way.
//   - SUSPENDED: 21729, "Cannot perform operation on suspended campaign".
//   - PENDING, IN_PROGRESS: Twilio does not say. The strict reading refuses an edit in
//     vetting: 409/20409, "The resource is not in a state that allows this modification.
//     Wait until the resource is in a modifiable state."
func (st *store) updateCampaign(account, serviceSid, sid string, fn func(*Campaign)) (Campaign, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, err := st.campaignRef(account, serviceSid, sid)
	if err != nil {
		return Campaign{}, err
	}
	switch c.Status {
	case CampaignSuspended:
		return Campaign{}, ErrCampaignSuspended.withf("Cannot perform operation on suspended campaign %s", sid)
	case CampaignPending, CampaignInProgress:
		return Campaign{}, ErrConflict.withf("Campaign %s is %s: it cannot be edited until vetting has finished "+
			"(VERIFIED or FAILED)", sid, c.Status)
	}
	fn(c)
	st.submitCampaign(c, CampaignInProgress, nil, st.now())
	return *c, nil
}

func (st *store) deleteCampaign(account, serviceSid, sid string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, err := st.campaignRef(account, serviceSid, sid)
	if err != nil {
		return err
	}
	delete(st.campaigns, c.Sid)
	delete(st.campaignOf, c.MessagingServiceSid)
	return nil
}

func (st *store) listCampaigns(account, serviceSid string, q pageQuery) ([]Campaign, page, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := st.serviceRef(account, serviceSid); err != nil {
		return nil, page{}, err
	}
	st.settleAll()
	all := sorted(st, st.campaigns, func(c *Campaign) string { return c.Sid },
		func(c *Campaign) bool { return c.MessagingServiceSid == serviceSid })
	p := paginate(len(all), func(i int) uint64 { return st.order[all[i].Sid] }, q)
	return all[p.start:p.end], p, nil
}

// submitCampaign puts a campaign into status at time at; PENDING and IN_PROGRESS
// (re)start vetting. Callers hold mu.
func (st *store) submitCampaign(c *Campaign, status CampaignStatus, errs []RegistrationError, at time.Time) {
	c.Status, c.Errors, c.DateUpdated = status, slices.Clone(errs), at
	if status == CampaignPending || status == CampaignInProgress {
		c.SubmittedAt = at
	}
}

// settleCampaign moves a campaign in vetting along: IN_PROGRESS after the in-progress
// delay, its outcome after the campaign delay. Callers hold mu.
func (st *store) settleCampaign(c *Campaign, now time.Time) {
	if c.Status != CampaignPending && c.Status != CampaignInProgress {
		return
	}
	if due := c.SubmittedAt.Add(st.delays.Campaign); !now.Before(due) {
		status, errs := st.campaignOutcome(c)
		c.Status, c.Errors, c.DateUpdated = status, errs, due
		return
	}
	if due := c.SubmittedAt.Add(st.delays.CampaignInProgress); c.Status == CampaignPending && !now.Before(due) {
		c.Status, c.DateUpdated = CampaignInProgress, due
	}
}

// campaignOutcome is FAILED with 30991 for a sole proprietor brand that was not
// VERIFIED when the campaign was submitted; else FAILED with the first matching rule's
// error; else VERIFIED.
func (st *store) campaignOutcome(c *Campaign) (CampaignStatus, []RegistrationError) {
	if b, ok := st.brands[c.BrandRegistrationSid]; ok && !b.verified(c.SubmittedAt) {
		return CampaignFailed, []RegistrationError{unverifiedBrandFailure}
	}
	text := strings.ToLower(strings.Join(append([]string{c.Description, c.MessageFlow}, c.MessageSamples...), "\n"))
	for _, rule := range st.rules {
		if rule.Substring != "" && strings.Contains(text, strings.ToLower(rule.Substring)) {
			return CampaignFailed, []RegistrationError{rule.registrationError()}
		}
	}
	return CampaignVerified, nil
}

// registrationError is the error a rule reports, with Twilio's "Disallowed Content"
// rejection as the default.
func (r CampaignRule) registrationError() RegistrationError {
	e := RegistrationError{Code: r.Code, Description: r.Description, Fields: slices.Clone(r.Fields)}
	if e.Code == 0 {
		e.Code = defaultCampaignFailure.Code
	}
	if e.Description == "" {
		e.Description = defaultCampaignFailure.Description
	}
	if e.Fields == nil {
		e.Fields = slices.Clone(defaultCampaignFailure.Fields)
	}
	return e
}
