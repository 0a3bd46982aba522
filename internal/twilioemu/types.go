package twilioemu

import "time"

// The types in this file are the emulator's state as tests see it: snapshots returned
// by the Go API and the admin API. They are copies; changing one changes nothing. The
// Twilio wire shapes (snake_case JSON, Twilio's date formats) live beside each handler.

// BrandStatus is a brand registration's status (brand_registrations_enum_status).
type BrandStatus string

// The brand statuses of the spec. The emulator moves brands PENDING → APPROVED (or the
// outcome seeded on its bundles, or FAILED with 30793 for bundles that cannot register
// a brand). Forcing DELETION_PENDING requests the brand's deletion, as the Console
// does: it is gone after the brand delay, or DELETION_FAILED while a campaign uses it.
// The others can be forced.
const (
	BrandPending         BrandStatus = "PENDING"
	BrandInReview        BrandStatus = "IN_REVIEW"
	BrandApproved        BrandStatus = "APPROVED"
	BrandFailed          BrandStatus = "FAILED"
	BrandSuspended       BrandStatus = "SUSPENDED"
	BrandDeletionPending BrandStatus = "DELETION_PENDING"
	BrandDeletionFailed  BrandStatus = "DELETION_FAILED"
)

var brandStatuses = []BrandStatus{BrandPending, BrandInReview, BrandApproved, BrandFailed,
	BrandSuspended, BrandDeletionPending, BrandDeletionFailed}

// CampaignStatus is a US A2P campaign's campaign_status. The spec types it as a free
// string; these are the values Twilio documents.
type CampaignStatus string

// Campaign statuses: PENDING on create, IN_PROGRESS while vetted, then VERIFIED or
// FAILED. SUSPENDED can only be forced.
const (
	CampaignPending    CampaignStatus = "PENDING"
	CampaignInProgress CampaignStatus = "IN_PROGRESS"
	CampaignVerified   CampaignStatus = "VERIFIED"
	CampaignFailed     CampaignStatus = "FAILED"
	CampaignSuspended  CampaignStatus = "SUSPENDED"
)

var campaignStatuses = []CampaignStatus{CampaignPending, CampaignInProgress, CampaignVerified,
	CampaignFailed, CampaignSuspended}

// BundleKind says which TrustHub collection a bundle belongs to.
type BundleKind string

// A brand needs one bundle of each kind: a Secondary Customer Profile
// (/v1/CustomerProfiles) and an A2P Messaging Profile trust product (/v1/TrustProducts).
const (
	CustomerProfile BundleKind = "customer-profile"
	TrustProduct    BundleKind = "trust-product"
)

// BundleStatus is a TrustHub bundle's status (customer_profile_enum_status).
type BundleStatus string

// TrustHub bundle statuses. Only twilio-approved bundles can register a brand.
const (
	BundleDraft          BundleStatus = "draft"
	BundlePendingReview  BundleStatus = "pending-review"
	BundleInReview       BundleStatus = "in-review"
	BundleTwilioRejected BundleStatus = "twilio-rejected"
	BundleTwilioApproved BundleStatus = "twilio-approved"
)

var bundleStatuses = []BundleStatus{BundleDraft, BundlePendingReview, BundleInReview,
	BundleTwilioRejected, BundleTwilioApproved}

// RegistrationError is one entry of a brand's or campaign's errors[]: the TCR/Twilio
// code, its description and the fields it blames.
type RegistrationError struct {
	Code        int      `json:"code"`
	Description string   `json:"description"`
	Fields      []string `json:"fields,omitempty"`
}

// Service is a Messaging Service (MG…). URL and method fields are "" when unset.
type Service struct {
	Sid                       string    `json:"sid"`
	AccountSid                string    `json:"accountSid"`
	FriendlyName              string    `json:"friendlyName"`
	InboundRequestURL         string    `json:"inboundRequestUrl,omitempty"`
	InboundMethod             string    `json:"inboundMethod"`
	FallbackURL               string    `json:"fallbackUrl,omitempty"`
	FallbackMethod            string    `json:"fallbackMethod"`
	StatusCallback            string    `json:"statusCallback,omitempty"`
	StickySender              bool      `json:"stickySender"`
	MMSConverter              bool      `json:"mmsConverter"`
	SmartEncoding             bool      `json:"smartEncoding"`
	ScanMessageContent        string    `json:"scanMessageContent"`
	FallbackToLongCode        bool      `json:"fallbackToLongCode"`
	AreaCodeGeomatch          bool      `json:"areaCodeGeomatch"`
	ValidityPeriod            int       `json:"validityPeriod"`
	SynchronousValidation     bool      `json:"synchronousValidation"`
	Usecase                   string    `json:"usecase"`
	UseInboundWebhookOnNumber bool      `json:"useInboundWebhookOnNumber"`
	UsAppToPersonRegistered   bool      `json:"usAppToPersonRegistered"` // derived: a campaign exists on it
	DateCreated               time.Time `json:"dateCreated"`
	DateUpdated               time.Time `json:"dateUpdated"`
}

// Capabilities are what a phone number can do.
type Capabilities struct {
	Voice bool `json:"voice"`
	SMS   bool `json:"sms"`
	MMS   bool `json:"mms"`
	Fax   bool `json:"fax"`
}

// PhoneNumber is an IncomingPhoneNumber (PN…) owned by an account, with its sender-pool
// membership (ServiceSid is the Messaging Service it is in, "" if none, since AddedAt)
// and its own inbound routing (NumberRouting). URL and application fields are "" when
// unset; methods are GET or POST.
type PhoneNumber struct {
	Sid          string       `json:"sid"`
	AccountSid   string       `json:"accountSid"`
	PhoneNumber  string       `json:"phoneNumber"`
	FriendlyName string       `json:"friendlyName"`
	Capabilities Capabilities `json:"capabilities"`
	ServiceSid   string       `json:"serviceSid,omitempty"`
	AddedAt      time.Time    `json:"addedAt,omitzero"`
	NumberRouting
	DateCreated time.Time `json:"dateCreated"`
	DateUpdated time.Time `json:"dateUpdated"`
}

// NumberRouting is where Twilio sends what reaches a number: its SMS and voice webhooks
// or the applications that replace them (an SMS application wins over the SMS URLs, "If
// an sms_application_sid is present, we ignore all of the sms_*_url urls and use those
// set on the application", the 2010 API's IncomingPhoneNumber resource), and the
// status callback.
type NumberRouting struct {
	SMSURL               string `json:"smsUrl,omitempty"`
	SMSMethod            string `json:"smsMethod"`
	SMSFallbackURL       string `json:"smsFallbackUrl,omitempty"`
	SMSFallbackMethod    string `json:"smsFallbackMethod"`
	SMSApplicationSid    string `json:"smsApplicationSid,omitempty"`
	VoiceURL             string `json:"voiceUrl,omitempty"`
	VoiceMethod          string `json:"voiceMethod"`
	VoiceFallbackURL     string `json:"voiceFallbackUrl,omitempty"`
	VoiceFallbackMethod  string `json:"voiceFallbackMethod"`
	VoiceApplicationSid  string `json:"voiceApplicationSid,omitempty"`
	StatusCallback       string `json:"statusCallback,omitempty"`
	StatusCallbackMethod string `json:"statusCallbackMethod"`
}

// defaultRouting is a new number's routing: nothing set, every method POST, as Twilio
// answers for a number nobody configured.
func defaultRouting() NumberRouting {
	return NumberRouting{SMSMethod: "POST", SMSFallbackMethod: "POST", VoiceMethod: "POST",
		VoiceFallbackMethod: "POST", StatusCallbackMethod: "POST"}
}

// PhoneNumberPatch changes a number's routing and name: through the 2010 API's update,
// or behind the operator's back as a user in the Console would (PatchPhoneNumber). Nil
// fields are left alone; "" clears a URL or application.
type PhoneNumberPatch struct {
	FriendlyName         *string `json:"friendlyName,omitempty"`
	SMSURL               *string `json:"smsUrl,omitempty"`
	SMSMethod            *string `json:"smsMethod,omitempty"`
	SMSFallbackURL       *string `json:"smsFallbackUrl,omitempty"`
	SMSFallbackMethod    *string `json:"smsFallbackMethod,omitempty"`
	SMSApplicationSid    *string `json:"smsApplicationSid,omitempty"`
	VoiceURL             *string `json:"voiceUrl,omitempty"`
	VoiceMethod          *string `json:"voiceMethod,omitempty"`
	VoiceFallbackURL     *string `json:"voiceFallbackUrl,omitempty"`
	VoiceFallbackMethod  *string `json:"voiceFallbackMethod,omitempty"`
	VoiceApplicationSid  *string `json:"voiceApplicationSid,omitempty"`
	StatusCallback       *string `json:"statusCallback,omitempty"`
	StatusCallbackMethod *string `json:"statusCallbackMethod,omitempty"`
}

// apply sets the fields p carries.
func (p PhoneNumberPatch) apply(n *PhoneNumber) {
	set(&n.FriendlyName, p.FriendlyName)
	r := &n.NumberRouting
	set(&r.SMSURL, p.SMSURL)
	set(&r.SMSMethod, p.SMSMethod)
	set(&r.SMSFallbackURL, p.SMSFallbackURL)
	set(&r.SMSFallbackMethod, p.SMSFallbackMethod)
	set(&r.SMSApplicationSid, p.SMSApplicationSid)
	set(&r.VoiceURL, p.VoiceURL)
	set(&r.VoiceMethod, p.VoiceMethod)
	set(&r.VoiceFallbackURL, p.VoiceFallbackURL)
	set(&r.VoiceFallbackMethod, p.VoiceFallbackMethod)
	set(&r.VoiceApplicationSid, p.VoiceApplicationSid)
	set(&r.StatusCallback, p.StatusCallback)
	set(&r.StatusCallbackMethod, p.StatusCallbackMethod)
}

// Bundle is a TrustHub bundle (BU…): a customer profile or a trust product, seeded or
// built through the API, created against PolicySid. Errors are the codes a
// twilio-rejected bundle reports. A bundle submitted through the API is reviewed (see
// Delays) and becomes ReviewOutcome, with ReviewErrors when that is twilio-rejected;
// a seeded one keeps its status until SetBundleStatus. BrandOutcome is what a brand
// registered with it becomes once vetted, and BrandErrors the errors[] such a brand
// reports. CompanyType (a trust product's company_type: private, public, non_profit,
// government) and DisallowedUsecases decide the campaign use cases a brand registered
// with it is offered (see usecases.go).
type Bundle struct {
	Sid                string              `json:"sid"`
	AccountSid         string              `json:"accountSid"`
	Kind               BundleKind          `json:"kind"`
	PolicySid          string              `json:"policySid"`
	FriendlyName       string              `json:"friendlyName"`
	Email              string              `json:"email,omitempty"`
	StatusCallback     string              `json:"statusCallback,omitempty"`
	Status             BundleStatus        `json:"status"`
	Errors             []int               `json:"errors,omitempty"`
	ValidUntil         time.Time           `json:"validUntil,omitzero"`
	ReviewOutcome      BundleStatus        `json:"reviewOutcome,omitempty"`
	ReviewErrors       []int               `json:"reviewErrors,omitempty"`
	SubmittedAt        time.Time           `json:"submittedAt,omitzero"`
	BrandOutcome       BrandStatus         `json:"brandOutcome"`
	BrandErrors        []RegistrationError `json:"brandErrors,omitempty"`
	CompanyType        string              `json:"companyType,omitempty"`
	DisallowedUsecases []string            `json:"disallowedUsecases,omitempty"`
	DateCreated        time.Time           `json:"dateCreated"`
	DateUpdated        time.Time           `json:"dateUpdated"`
}

// Brand is an A2P brand registration (BN…).
type Brand struct {
	Sid                      string              `json:"sid"`
	AccountSid               string              `json:"accountSid"`
	CustomerProfileBundleSid string              `json:"customerProfileBundleSid"`
	A2PProfileBundleSid      string              `json:"a2pProfileBundleSid"`
	BrandType                string              `json:"brandType"`
	Mock                     bool                `json:"mock"`
	SkipAutomaticSecVet      bool                `json:"skipAutomaticSecVet"`
	Status                   BrandStatus         `json:"status"`
	TCRID                    string              `json:"tcrId,omitempty"`
	IdentityStatus           string              `json:"identityStatus"`
	BrandScore               int                 `json:"brandScore,omitempty"`
	FailureReason            string              `json:"failureReason,omitempty"`
	Errors                   []RegistrationError `json:"errors,omitempty"`
	// Resubmissions counts the API resubmissions of the brand (21724 after
	// maxBrandResubmissions).
	Resubmissions int `json:"resubmissions,omitempty"`
	// OTP is a SOLE_PROPRIETOR brand's identity verification, from its approval on.
	// Zero (Sends 0) for other brands.
	OTP         BrandOTP  `json:"otp,omitzero"`
	SubmittedAt time.Time `json:"submittedAt"`
	DateCreated time.Time `json:"dateCreated"`
	DateUpdated time.Time `json:"dateUpdated"`
}

// Campaign is a US A2P campaign (QE…) on a Messaging Service.
type Campaign struct {
	Sid                   string              `json:"sid"`
	AccountSid            string              `json:"accountSid"`
	MessagingServiceSid   string              `json:"messagingServiceSid"`
	BrandRegistrationSid  string              `json:"brandRegistrationSid"`
	UsAppToPersonUsecase  string              `json:"usAppToPersonUsecase"`
	Description           string              `json:"description"`
	MessageFlow           string              `json:"messageFlow"`
	MessageSamples        []string            `json:"messageSamples"`
	HasEmbeddedLinks      bool                `json:"hasEmbeddedLinks"`
	HasEmbeddedPhone      bool                `json:"hasEmbeddedPhone"`
	OptInMessage          string              `json:"optInMessage,omitempty"`
	OptOutMessage         string              `json:"optOutMessage,omitempty"`
	HelpMessage           string              `json:"helpMessage,omitempty"`
	OptInKeywords         []string            `json:"optInKeywords,omitempty"`
	OptOutKeywords        []string            `json:"optOutKeywords,omitempty"`
	HelpKeywords          []string            `json:"helpKeywords,omitempty"`
	SubscriberOptIn       bool                `json:"subscriberOptIn"`
	AgeGated              bool                `json:"ageGated"`
	DirectLending         bool                `json:"directLending"`
	PrivacyPolicyURL      string              `json:"privacyPolicyUrl,omitempty"`
	TermsAndConditionsURL string              `json:"termsAndConditionsUrl,omitempty"`
	Mock                  bool                `json:"mock"`
	Status                CampaignStatus      `json:"status"`
	CampaignID            string              `json:"campaignId"`
	Errors                []RegistrationError `json:"errors,omitempty"`
	SubmittedAt           time.Time           `json:"submittedAt"`
	DateCreated           time.Time           `json:"dateCreated"`
	DateUpdated           time.Time           `json:"dateUpdated"`
}

// CampaignRule makes campaign vetting fail: a campaign whose description, message flow
// or any message sample contains Substring (case-insensitive) ends FAILED with one
// error {Code, Description, Fields}. Zero Code/Description/Fields take the defaults of
// Twilio's "Disallowed Content" rejection (30897, MESSAGE_FLOW).
type CampaignRule struct {
	Substring   string   `json:"substring"`
	Code        int      `json:"code,omitempty"`
	Description string   `json:"description,omitempty"`
	Fields      []string `json:"fields,omitempty"`
}

// ServicePatch changes a Messaging Service behind the operator's back, as a user in the
// Twilio Console would (drift). Nil fields are left alone.
type ServicePatch struct {
	FriendlyName              *string `json:"friendlyName,omitempty"`
	InboundRequestURL         *string `json:"inboundRequestUrl,omitempty"`
	InboundMethod             *string `json:"inboundMethod,omitempty"`
	FallbackURL               *string `json:"fallbackUrl,omitempty"`
	FallbackMethod            *string `json:"fallbackMethod,omitempty"`
	StatusCallback            *string `json:"statusCallback,omitempty"`
	StickySender              *bool   `json:"stickySender,omitempty"`
	MMSConverter              *bool   `json:"mmsConverter,omitempty"`
	SmartEncoding             *bool   `json:"smartEncoding,omitempty"`
	ScanMessageContent        *string `json:"scanMessageContent,omitempty"`
	FallbackToLongCode        *bool   `json:"fallbackToLongCode,omitempty"`
	AreaCodeGeomatch          *bool   `json:"areaCodeGeomatch,omitempty"`
	ValidityPeriod            *int    `json:"validityPeriod,omitempty"`
	SynchronousValidation     *bool   `json:"synchronousValidation,omitempty"`
	Usecase                   *string `json:"usecase,omitempty"`
	UseInboundWebhookOnNumber *bool   `json:"useInboundWebhookOnNumber,omitempty"`
}

// AccountInfo is an account as the state dump shows it: never its auth token or key
// secrets.
type AccountInfo struct {
	Sid          string   `json:"sid"`
	FriendlyName string   `json:"friendlyName"`
	APIKeySids   []string `json:"apiKeySids,omitempty"`
}

// State is a dump of everything the emulator holds, for debugging and assertions.
type State struct {
	Now          time.Time      `json:"now"`
	Delays       Delays         `json:"delays"`
	Accounts     []AccountInfo  `json:"accounts"`
	PhoneNumbers []PhoneNumber  `json:"phoneNumbers"`
	Bundles      []Bundle       `json:"bundles"`
	Services     []Service      `json:"services"`
	Brands       []Brand        `json:"brands"`
	Campaigns    []Campaign     `json:"campaigns"`
	Rules        []CampaignRule `json:"campaignRules"`
	// AddressConfigurations are the Conversations address configurations.
	AddressConfigurations []AddressConfiguration `json:"addressConfigurations"`
	// TrustHub is every account's TrustHub objects besides the bundles, and addresses.
	TrustHub TrustHub `json:"trustHub"`
}
