package twilioemu

import (
	"time"
	"unicode/utf8"
)

// Messaging v1 Services: /v1/Services and /v1/Services/{Sid}.

var serviceParams = []string{"FriendlyName", "InboundRequestUrl", "InboundMethod", "FallbackUrl",
	"FallbackMethod", "StatusCallback", "StickySender", "MmsConverter", "SmartEncoding", "ScanMessageContent",
	"FallbackToLongCode", "AreaCodeGeomatch", "ValidityPeriod", "SynchronousValidation", "Usecase",
	"UseInboundWebhookOnNumber"}

var (
	httpMethods        = []string{"GET", "POST"}
	scanMessageContent = []string{"inherit", "enable", "disable"}
	// serviceUsecases are the Messaging Service use cases; anything else is 21713.
	serviceUsecases = []string{"notifications", "marketing", "verification", "discussion", "poll", "undeclared"}
)

// serviceResource is messaging.v1.service on the wire.
type serviceResource struct {
	Sid                       string            `json:"sid"`
	AccountSid                string            `json:"account_sid"`
	FriendlyName              string            `json:"friendly_name"`
	DateCreated               string            `json:"date_created"`
	DateUpdated               string            `json:"date_updated"`
	InboundRequestURL         *string           `json:"inbound_request_url"`
	InboundMethod             string            `json:"inbound_method"`
	FallbackURL               *string           `json:"fallback_url"`
	FallbackMethod            string            `json:"fallback_method"`
	StatusCallback            *string           `json:"status_callback"`
	StickySender              bool              `json:"sticky_sender"`
	MMSConverter              bool              `json:"mms_converter"`
	SmartEncoding             bool              `json:"smart_encoding"`
	ScanMessageContent        string            `json:"scan_message_content"`
	FallbackToLongCode        bool              `json:"fallback_to_long_code"`
	AreaCodeGeomatch          bool              `json:"area_code_geomatch"`
	SynchronousValidation     bool              `json:"synchronous_validation"`
	ValidityPeriod            int               `json:"validity_period"`
	URL                       string            `json:"url"`
	Links                     map[string]string `json:"links"`
	Usecase                   string            `json:"usecase"`
	UsAppToPersonRegistered   bool              `json:"us_app_to_person_registered"`
	UseInboundWebhookOnNumber bool              `json:"use_inbound_webhook_on_number"`
}

func renderService(base string, s Service) serviceResource {
	url := base + "/v1/Services/" + s.Sid
	return serviceResource{
		Sid: s.Sid, AccountSid: s.AccountSid, FriendlyName: s.FriendlyName,
		DateCreated: v1Time(s.DateCreated), DateUpdated: v1Time(s.DateUpdated),
		InboundRequestURL: nullable(s.InboundRequestURL), InboundMethod: s.InboundMethod,
		FallbackURL: nullable(s.FallbackURL), FallbackMethod: s.FallbackMethod,
		StatusCallback: nullable(s.StatusCallback), StickySender: s.StickySender, MMSConverter: s.MMSConverter,
		SmartEncoding: s.SmartEncoding, ScanMessageContent: s.ScanMessageContent,
		FallbackToLongCode: s.FallbackToLongCode, AreaCodeGeomatch: s.AreaCodeGeomatch,
		SynchronousValidation: s.SynchronousValidation, ValidityPeriod: s.ValidityPeriod, URL: url,
		Links: map[string]string{
			"phone_numbers":             url + "/PhoneNumbers",
			"short_codes":               url + "/ShortCodes",
			"alpha_senders":             url + "/AlphaSenders",
			"messages":                  url + "/Messages",
			"us_app_to_person":          url + "/Compliance/Usa2p",
			"us_app_to_person_usecases": url + "/Compliance/Usa2p/Usecases",
			"channel_senders":           url + "/ChannelSenders",
			"destination_alpha_senders": url + "/DestinationAlphaSenders",
		},
		Usecase: s.Usecase, UsAppToPersonRegistered: s.UsAppToPersonRegistered,
		UseInboundWebhookOnNumber: s.UseInboundWebhookOnNumber,
	}
}

func (s *Server) createService(r *request) response {
	p, err := readServiceForm(r.form(), true)
	if err != nil {
		return fail(err)
	}
	svc := s.st.createService(r.account, p)
	return created(renderService(r.base(), svc))
}

func (s *Server) fetchService(r *request) response {
	svc, err := s.st.service(r.account, r.pathValue("Sid"))
	if err != nil {
		return fail(err)
	}
	return ok(renderService(r.base(), svc))
}

func (s *Server) updateService(r *request) response {
	p, err := readServiceForm(r.form(), false)
	if err != nil {
		return fail(err)
	}
	svc, err := s.st.patchService(r.account, r.pathValue("Sid"), p)
	if err != nil {
		return fail(err)
	}
	return ok(renderService(r.base(), svc))
}

func (s *Server) deleteService(r *request) response {
	if err := s.st.deleteService(r.account, r.pathValue("Sid")); err != nil {
		return fail(err)
	}
	return noContent()
}

func (s *Server) listServices(r *request) response {
	q, err := parsePageQuery(r.form())
	if err != nil {
		return fail(err)
	}
	items, p := s.st.listServices(r.account, q)
	out := make([]serviceResource, len(items))
	for i, svc := range items {
		out[i] = renderService(r.base(), svc)
	}
	return ok(v1List(r, "services", out, q, p))
}

// readServiceForm validates a create or update body with Twilio's codes: 20001 for a
// missing FriendlyName or a value of the wrong type, 20002 for a FriendlyName outside
// 1–64 characters, 21502/21609 for bad URLs, 21713 for an unknown Usecase.
func readServiceForm(f *form, create bool) (ServicePatch, error) {
	if create {
		f.require("FriendlyName")
	}
	p := ServicePatch{
		FriendlyName:              f.str("FriendlyName"),
		InboundRequestURL:         f.link("InboundRequestUrl", ErrInvalidCallbackURL),
		InboundMethod:             f.enum("InboundMethod", httpMethods, ErrInvalidParameter),
		FallbackURL:               f.link("FallbackUrl", ErrInvalidCallbackURL),
		FallbackMethod:            f.enum("FallbackMethod", httpMethods, ErrInvalidParameter),
		StatusCallback:            f.link("StatusCallback", ErrInvalidStatusCallback),
		StickySender:              f.boolean("StickySender"),
		MMSConverter:              f.boolean("MmsConverter"),
		SmartEncoding:             f.boolean("SmartEncoding"),
		ScanMessageContent:        f.enum("ScanMessageContent", scanMessageContent, ErrInvalidParameter),
		FallbackToLongCode:        f.boolean("FallbackToLongCode"),
		AreaCodeGeomatch:          f.boolean("AreaCodeGeomatch"),
		ValidityPeriod:            f.integer("ValidityPeriod", 1, 36000),
		SynchronousValidation:     f.boolean("SynchronousValidation"),
		Usecase:                   f.enum("Usecase", serviceUsecases, ErrInvalidUsecase),
		UseInboundWebhookOnNumber: f.boolean("UseInboundWebhookOnNumber"),
	}
	if n := p.FriendlyName; n != nil && !between(utf8.RuneCountInString(*n), 1, 64) {
		f.fail(ErrInvalidFriendlyName.withf("FriendlyName must be between 1 and 64 characters long"))
	}
	return p, f.err
}

// apply sets the fields p carries.
func (p ServicePatch) apply(s *Service) {
	set(&s.FriendlyName, p.FriendlyName)
	set(&s.InboundRequestURL, p.InboundRequestURL)
	set(&s.InboundMethod, p.InboundMethod)
	set(&s.FallbackURL, p.FallbackURL)
	set(&s.FallbackMethod, p.FallbackMethod)
	set(&s.StatusCallback, p.StatusCallback)
	set(&s.StickySender, p.StickySender)
	set(&s.MMSConverter, p.MMSConverter)
	set(&s.SmartEncoding, p.SmartEncoding)
	set(&s.ScanMessageContent, p.ScanMessageContent)
	set(&s.FallbackToLongCode, p.FallbackToLongCode)
	set(&s.AreaCodeGeomatch, p.AreaCodeGeomatch)
	set(&s.ValidityPeriod, p.ValidityPeriod)
	set(&s.SynchronousValidation, p.SynchronousValidation)
	set(&s.Usecase, p.Usecase)
	set(&s.UseInboundWebhookOnNumber, p.UseInboundWebhookOnNumber)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// createService creates a service with Twilio's defaults for what p leaves out.
func (st *store) createService(account string, p ServicePatch) Service {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	svc := &Service{Sid: st.newSid("MG"), AccountSid: account, InboundMethod: "POST", FallbackMethod: "POST",
		StickySender: true, MMSConverter: true, SmartEncoding: true, ScanMessageContent: "inherit",
		FallbackToLongCode: true, AreaCodeGeomatch: true, ValidityPeriod: 36000, Usecase: "undeclared",
		DateCreated: now, DateUpdated: now}
	p.apply(svc)
	st.services[svc.Sid] = svc
	return st.serviceView(svc)
}

// serviceRef finds a service of account ("" for any). Callers hold mu.
func (st *store) serviceRef(account, sid string) (*Service, error) {
	svc, ok := st.services[sid]
	if !ok || (account != "" && svc.AccountSid != account) {
		return nil, ErrNotFound
	}
	return svc, nil
}

// serviceView copies a service and derives us_app_to_person_registered: true while a
// campaign exists on it. Callers hold mu.
func (st *store) serviceView(svc *Service) Service {
	v := *svc
	_, v.UsAppToPersonRegistered = st.campaignOf[svc.Sid]
	return v
}

func (st *store) service(account, sid string) (Service, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	svc, err := st.serviceRef(account, sid)
	if err != nil {
		return Service{}, err
	}
	return st.serviceView(svc), nil
}

// patchService is a Twilio API update: a Usecase that does not suit the service's
// campaign is 21719, and nothing changes.
func (st *store) patchService(account, sid string, p ServicePatch) (Service, error) {
	return st.updateService(account, sid, func(svc *Service) error {
		if p.Usecase != nil {
			if qe, ok := st.campaignOf[svc.Sid]; ok && !usecasesCompatible(*p.Usecase, st.campaigns[qe].UsAppToPersonUsecase) {
				return ErrIncompatibleUsecase.withf("Messaging Service use case %s is not compatible with the A2P use case %s "+
					"of its campaign %s", *p.Usecase, st.campaigns[qe].UsAppToPersonUsecase, qe)
			}
		}
		p.apply(svc)
		return nil
	})
}

// updateService changes a service with fn and stamps date_updated; an error of fn
// changes nothing. Callers must not hold mu; fn runs with it held.
func (st *store) updateService(account, sid string, fn func(*Service) error) (Service, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	svc, err := st.serviceRef(account, sid)
	if err != nil {
		return Service{}, err
	}
	c := *svc
	if err := fn(&c); err != nil {
		return Service{}, err
	}
	c.Sid, c.AccountSid, c.DateCreated, c.DateUpdated = svc.Sid, svc.AccountSid, svc.DateCreated, st.now()
	*svc = c
	return st.serviceView(svc), nil
}

// deleteService deletes a service, its campaign, and frees its senders, as Twilio does.
func (st *store) deleteService(account, sid string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := st.serviceRef(account, sid); err != nil {
		return err
	}
	if qe, ok := st.campaignOf[sid]; ok {
		delete(st.campaigns, qe)
		delete(st.campaignOf, sid)
	}
	for _, n := range st.numbers {
		if n.ServiceSid == sid {
			n.ServiceSid, n.AddedAt = "", time.Time{}
		}
	}
	delete(st.services, sid)
	return nil
}

func (st *store) listServices(account string, q pageQuery) ([]Service, page) {
	st.mu.Lock()
	defer st.mu.Unlock()
	all := st.serviceList(func(s *Service) bool { return s.AccountSid == account })
	p := paginate(len(all), func(i int) uint64 { return st.order[all[i].Sid] }, q)
	return all[p.start:p.end], p
}

// serviceList is every service keep accepts, oldest first. Callers hold mu.
func (st *store) serviceList(keep func(*Service) bool) []Service {
	refs := sorted(st, st.services, func(s *Service) string { return s.Sid }, keep)
	for i := range refs {
		refs[i] = st.serviceView(&refs[i])
	}
	return refs
}
