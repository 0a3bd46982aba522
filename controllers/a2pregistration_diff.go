package controllers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// campaignParams is the create request for a campaign spec on brandSID.
func campaignParams(c *v1alpha1.CampaignSpec, brandSID string) twilio.CampaignParams {
	return twilio.CampaignParams{
		BrandRegistrationSID:  brandSID,
		Usecase:               c.Usecase,
		Description:           c.Description,
		MessageFlow:           c.MessageFlow,
		MessageSamples:        c.MessageSamples,
		HasEmbeddedLinks:      c.HasEmbeddedLinks,
		HasEmbeddedPhone:      c.HasEmbeddedPhone,
		OptInMessage:          c.OptInMessage,
		OptOutMessage:         c.OptOutMessage,
		HelpMessage:           c.HelpMessage,
		OptInKeywords:         c.OptInKeywords,
		OptOutKeywords:        c.OptOutKeywords,
		HelpKeywords:          c.HelpKeywords,
		SubscriberOptIn:       c.SubscriberOptIn,
		AgeGated:              c.AgeGated,
		DirectLending:         c.DirectLending,
		PrivacyPolicyURL:      (*string)(c.PrivacyPolicyURL),
		TermsAndConditionsURL: (*string)(c.TermsAndConditionsURL),
	}
}

// campaignUpdate is the in-place update of a campaign. Twilio wants every updatable
// field but the URLs on each update; where the spec is silent the live value is sent
// back, so an unmanaged field keeps Twilio's value.
func campaignUpdate(c *v1alpha1.CampaignSpec, live *twilio.Campaign) twilio.CampaignUpdate {
	u := twilio.CampaignUpdate{
		Description:           c.Description,
		MessageFlow:           c.MessageFlow,
		MessageSamples:        c.MessageSamples,
		HasEmbeddedLinks:      c.HasEmbeddedLinks,
		HasEmbeddedPhone:      c.HasEmbeddedPhone,
		AgeGated:              live.AgeGated,
		DirectLending:         live.DirectLending,
		PrivacyPolicyURL:      (*string)(c.PrivacyPolicyURL),
		TermsAndConditionsURL: (*string)(c.TermsAndConditionsURL),
	}
	if c.AgeGated != nil {
		u.AgeGated = *c.AgeGated
	}
	if c.DirectLending != nil {
		u.DirectLending = *c.DirectLending
	}
	return u
}

// diffCampaign compares a campaign spec with the live campaign, split into the fields an
// update can change and those Twilio fixes at registration. prefix names the campaign in
// drift entries, e.g. "campaigns[0]". Differences kept holds unchanged (Twilio kept its
// value when the entry was applied) are marked KeptByTwilio. The privacy and terms URLs are compared only when
// Twilio's answer carries them: missing from it, they are unknown, not empty.
func diffCampaign(prefix string, c *v1alpha1.CampaignSpec, live *twilio.Campaign,
	kept map[string]v1alpha1.DriftEntry) (updatable, immutable []v1alpha1.DriftEntry) {
	name := func(field string) string { return fmt.Sprintf("%s.%s", prefix, field) }
	u, im := &drifts{kept: kept}, &drifts{kept: kept}
	diffField(u, name("description"), &c.Description, live.Description, nil)
	diffField(u, name("messageFlow"), &c.MessageFlow, live.MessageFlow, nil)
	diffList(u, name("messageSamples"), c.MessageSamples, live.MessageSamples)
	diffField(u, name("hasEmbeddedLinks"), &c.HasEmbeddedLinks, live.HasEmbeddedLinks, nil)
	diffField(u, name("hasEmbeddedPhone"), &c.HasEmbeddedPhone, live.HasEmbeddedPhone, nil)
	diffField(u, name("ageGated"), c.AgeGated, live.AgeGated, nil)
	diffField(u, name("directLending"), c.DirectLending, live.DirectLending, nil)
	if live.PrivacyPolicyURL != nil {
		diffField(u, name("privacyPolicyUrl"), (*string)(c.PrivacyPolicyURL), *live.PrivacyPolicyURL, nil)
	}
	if live.TermsAndConditionsURL != nil {
		diffField(u, name("termsAndConditionsUrl"), (*string)(c.TermsAndConditionsURL), *live.TermsAndConditionsURL, nil)
	}

	diffField(im, name("usecase"), &c.Usecase, live.Usecase, nil)
	diffField(im, name("optInMessage"), c.OptInMessage, live.OptInMessage, nil)
	diffField(im, name("optOutMessage"), c.OptOutMessage, live.OptOutMessage, nil)
	diffField(im, name("helpMessage"), c.HelpMessage, live.HelpMessage, nil)
	diffList(im, name("optInKeywords"), c.OptInKeywords, live.OptInKeywords)
	diffList(im, name("optOutKeywords"), c.OptOutKeywords, live.OptOutKeywords)
	diffList(im, name("helpKeywords"), c.HelpKeywords, live.HelpKeywords)
	diffField(im, name("subscriberOptIn"), c.SubscriberOptIn, live.SubscriberOptIn, nil)
	return u.entries, im.entries
}

// campaignHash identifies a spec entry: any change of the entry changes it. It is what
// status.campaigns[].appliedHash records.
func campaignHash(c *v1alpha1.CampaignSpec) string {
	data, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("a campaign spec always marshals: %v", err))
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}
