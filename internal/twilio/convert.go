package twilio

import (
	"strconv"

	messagingv1 "github.com/twilio/twilio-go/rest/messaging/v1"
)

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func derefSlice[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

func serviceFromAPI(s *messagingv1.MessagingV1Service) *Service {
	return &Service{
		SID:                       deref(s.Sid),
		AccountSID:                deref(s.AccountSid),
		FriendlyName:              deref(s.FriendlyName),
		InboundRequestURL:         deref(s.InboundRequestUrl),
		InboundMethod:             deref(s.InboundMethod),
		FallbackURL:               deref(s.FallbackUrl),
		FallbackMethod:            deref(s.FallbackMethod),
		StatusCallback:            deref(s.StatusCallback),
		StickySender:              deref(s.StickySender),
		MmsConverter:              deref(s.MmsConverter),
		SmartEncoding:             deref(s.SmartEncoding),
		ScanMessageContent:        deref(s.ScanMessageContent),
		FallbackToLongCode:        deref(s.FallbackToLongCode),
		AreaCodeGeomatch:          deref(s.AreaCodeGeomatch),
		ValidityPeriod:            s.ValidityPeriod,
		SynchronousValidation:     deref(s.SynchronousValidation),
		Usecase:                   deref(s.Usecase),
		UseInboundWebhookOnNumber: deref(s.UseInboundWebhookOnNumber),
		UsAppToPersonRegistered:   deref(s.UsAppToPersonRegistered),
		DateCreated:               deref(s.DateCreated),
	}
}

func createServiceParams(p ServiceParams) *messagingv1.CreateServiceParams {
	return &messagingv1.CreateServiceParams{
		FriendlyName:              p.FriendlyName,
		InboundRequestUrl:         p.InboundRequestURL,
		InboundMethod:             p.InboundMethod,
		FallbackUrl:               p.FallbackURL,
		FallbackMethod:            p.FallbackMethod,
		StatusCallback:            p.StatusCallback,
		StickySender:              p.StickySender,
		MmsConverter:              p.MmsConverter,
		SmartEncoding:             p.SmartEncoding,
		ScanMessageContent:        p.ScanMessageContent,
		FallbackToLongCode:        p.FallbackToLongCode,
		AreaCodeGeomatch:          p.AreaCodeGeomatch,
		ValidityPeriod:            p.ValidityPeriod,
		SynchronousValidation:     p.SynchronousValidation,
		Usecase:                   p.Usecase,
		UseInboundWebhookOnNumber: p.UseInboundWebhookOnNumber,
	}
}

// updateServiceParams: twilio-go's update parameters have the same fields as create.
func updateServiceParams(p ServiceParams) *messagingv1.UpdateServiceParams {
	u := messagingv1.UpdateServiceParams(*createServiceParams(p))
	return &u
}

func brandFromAPI(b *messagingv1.MessagingV1BrandRegistrations) *Brand {
	out := &Brand{
		SID:                      deref(b.Sid),
		AccountSID:               deref(b.AccountSid),
		CustomerProfileBundleSID: deref(b.CustomerProfileBundleSid),
		A2PProfileBundleSID:      deref(b.A2pProfileBundleSid),
		BrandType:                deref(b.BrandType),
		Status:                   deref(b.Status),
		TCRID:                    deref(b.TcrId),
		IdentityStatus:           deref(b.IdentityStatus),
		FailureReason:            deref(b.FailureReason),
		BrandScore:               b.BrandScore,
		Mock:                     deref(b.Mock),
		DateCreated:              deref(b.DateCreated),
		DateUpdated:              deref(b.DateUpdated),
	}
	for _, e := range derefSlice(b.Errors) {
		if m, ok := e.(map[string]any); ok {
			out.Errors = append(out.Errors, registrationError(m))
		}
	}
	return out
}

func campaignFromAPI(c *messagingv1.MessagingV1UsAppToPersonResponse) *Campaign {
	out := &Campaign{
		SID:                   deref(c.Sid),
		AccountSID:            deref(c.AccountSid),
		BrandRegistrationSID:  deref(c.BrandRegistrationSid),
		MessagingServiceSID:   deref(c.MessagingServiceSid),
		Usecase:               deref(c.UsAppToPersonUsecase),
		Description:           deref(c.Description),
		MessageFlow:           deref(c.MessageFlow),
		MessageSamples:        derefSlice(c.MessageSamples),
		HasEmbeddedLinks:      deref(c.HasEmbeddedLinks),
		HasEmbeddedPhone:      deref(c.HasEmbeddedPhone),
		OptInMessage:          deref(c.OptInMessage),
		OptOutMessage:         deref(c.OptOutMessage),
		HelpMessage:           deref(c.HelpMessage),
		OptInKeywords:         derefSlice(c.OptInKeywords),
		OptOutKeywords:        derefSlice(c.OptOutKeywords),
		HelpKeywords:          derefSlice(c.HelpKeywords),
		SubscriberOptIn:       deref(c.SubscriberOptIn),
		AgeGated:              deref(c.AgeGated),
		DirectLending:         deref(c.DirectLending),
		PrivacyPolicyURL:      c.PrivacyPolicyUrl,
		TermsAndConditionsURL: c.TermsAndConditionsUrl,
		Status:                deref(c.CampaignStatus),
		CampaignID:            deref(c.CampaignId),
		Mock:                  deref(c.Mock),
	}
	for _, m := range derefSlice(c.Errors) {
		out.Errors = append(out.Errors, registrationError(m))
	}
	return out
}

// registrationError reads one entry of a brand's or campaign's errors[], shaped as in
// Twilio's API examples: {"error_code": 30897, "description": "…", "fields": ["…"],
// "url": "…"}. The code is read from "code" too, and as a string as well as a number,
// in case Twilio's shape drifts.
// usecaseFromAPI reads one entry of us_app_to_person_usecases, which twilio-go leaves
// untyped: {code, name, description, post_approval_required}.
func usecaseFromAPI(m map[string]any) Usecase {
	u := Usecase{}
	u.Code, _ = m["code"].(string)
	u.Name, _ = m["name"].(string)
	u.Description, _ = m["description"].(string)
	u.PostApprovalRequired, _ = m["post_approval_required"].(bool)
	return u
}

func registrationError(m map[string]any) RegistrationError {
	e := RegistrationError{}
	code, ok := m["error_code"]
	if !ok {
		code = m["code"]
	}
	switch code := code.(type) {
	case float64:
		e.Code = int(code)
	case string:
		e.Code, _ = strconv.Atoi(code)
	}
	if d, ok := m["description"].(string); ok {
		e.Description = d
	} else if msg, ok := m["message"].(string); ok {
		e.Description = msg
	}
	if fields, ok := m["fields"].([]any); ok {
		for _, f := range fields {
			if s, ok := f.(string); ok {
				e.Fields = append(e.Fields, s)
			}
		}
	}
	return e
}

func createCampaignParams(p CampaignParams) *messagingv1.CreateUsAppToPersonParams {
	params := new(messagingv1.CreateUsAppToPersonParams).
		SetBrandRegistrationSid(p.BrandRegistrationSID).
		SetUsAppToPersonUsecase(p.Usecase).
		SetDescription(p.Description).
		SetMessageFlow(p.MessageFlow).
		SetMessageSamples(p.MessageSamples).
		SetHasEmbeddedLinks(p.HasEmbeddedLinks).
		SetHasEmbeddedPhone(p.HasEmbeddedPhone)
	params.OptInMessage = p.OptInMessage
	params.OptOutMessage = p.OptOutMessage
	params.HelpMessage = p.HelpMessage
	params.SubscriberOptIn = p.SubscriberOptIn
	params.AgeGated = p.AgeGated
	params.DirectLending = p.DirectLending
	params.PrivacyPolicyUrl = p.PrivacyPolicyURL
	params.TermsAndConditionsUrl = p.TermsAndConditionsURL
	if p.OptInKeywords != nil {
		params.SetOptInKeywords(p.OptInKeywords)
	}
	if p.OptOutKeywords != nil {
		params.SetOptOutKeywords(p.OptOutKeywords)
	}
	if p.HelpKeywords != nil {
		params.SetHelpKeywords(p.HelpKeywords)
	}
	return params
}

func updateCampaignParams(p CampaignUpdate) *messagingv1.UpdateUsAppToPersonParams {
	params := new(messagingv1.UpdateUsAppToPersonParams).
		SetDescription(p.Description).
		SetMessageFlow(p.MessageFlow).
		SetMessageSamples(p.MessageSamples).
		SetHasEmbeddedLinks(p.HasEmbeddedLinks).
		SetHasEmbeddedPhone(p.HasEmbeddedPhone).
		SetAgeGated(p.AgeGated).
		SetDirectLending(p.DirectLending)
	params.PrivacyPolicyUrl = p.PrivacyPolicyURL
	params.TermsAndConditionsUrl = p.TermsAndConditionsURL
	return params
}
