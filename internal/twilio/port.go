package twilio

import (
	"context"
	"time"
)

// Client is everything the controllers ask of Twilio, for one account. Implementations
// are safe for concurrent use. Every error is an *Error.
type Client interface {
	// AccountSID is the account the client acts in.
	AccountSID() string
	// Admit takes a place for one sync of an object of the account; without one (the
	// account has as many syncs in flight as it takes, or its share of the workers), the
	// sync is not to start: it waits in line under key (one place in line per key), wake
	// is called when a place frees for it, and retryAfter says when to try again if it
	// has not been woken by then. release ends an admitted sync.
	Admit(key string, wake func()) (release func(), retryAfter time.Duration, ok bool)
	// TwilioTime is a lower bound of Twilio's clock now, from the Date header of the
	// account's latest response (one read is made when there was none yet). Twilio's
	// timestamps, such as a service's date_created, compare with it whatever the
	// operator's own clock says.
	TwilioTime(ctx context.Context) (time.Time, error)

	// FetchService reads a Messaging Service.
	FetchService(ctx context.Context, sid string) (*Service, error)
	// ListServices reads every Messaging Service of the account.
	ListServices(ctx context.Context) ([]Service, error)
	// CreateService creates a Messaging Service with the fields that are set.
	CreateService(ctx context.Context, p ServiceParams) (*Service, error)
	// UpdateService sends the fields that are set.
	UpdateService(ctx context.Context, sid string, p ServiceParams) (*Service, error)
	// DeleteService deletes a Messaging Service (its campaign goes with it).
	DeleteService(ctx context.Context, sid string) error

	// ListPoolNumbers reads the phone numbers in a service's sender pool.
	ListPoolNumbers(ctx context.Context, serviceSID string) ([]PoolNumber, error)
	// AddPoolNumber adds a number (PN SID) to a service's pool. A number already in this
	// pool (21710) is success.
	AddPoolNumber(ctx context.Context, serviceSID, numberSID string) error
	// RemovePoolNumber removes a number from a service's pool.
	RemovePoolNumber(ctx context.Context, serviceSID, numberSID string) error

	// FindIncomingNumber looks up a number the account owns by its E.164 form; a number
	// the account does not own is a ClassNotFound error.
	FindIncomingNumber(ctx context.Context, e164 string) (*IncomingNumber, error)
	// FetchIncomingNumber reads a number the account owns by its PN SID.
	FetchIncomingNumber(ctx context.Context, sid string) (*IncomingNumber, error)
	// ListIncomingNumbers reads every number the account owns, with its inbound
	// routing (sms_url, sms_application_sid).
	ListIncomingNumbers(ctx context.Context) ([]IncomingNumber, error)

	// ListAddressConfigurations reads the account's Conversations address
	// configurations of type sms (conversations.twilio.com/v1/Configuration/Addresses).
	ListAddressConfigurations(ctx context.Context) ([]AddressConfiguration, error)

	// FetchCustomerProfile reads a TrustHub Customer Profile bundle.
	FetchCustomerProfile(ctx context.Context, sid string) (*Bundle, error)
	// FetchTrustProduct reads a TrustHub Trust Product (A2P profile) bundle.
	FetchTrustProduct(ctx context.Context, sid string) (*Bundle, error)

	// FetchBrand reads a brand registration.
	FetchBrand(ctx context.Context, sid string) (*Brand, error)
	// ListBrands reads every brand registration of the account.
	ListBrands(ctx context.Context) ([]Brand, error)
	// CreateBrand registers a brand. It costs a fee: callers make sure it is not a
	// duplicate first.
	CreateBrand(ctx context.Context, p BrandParams) (*Brand, error)
	// ResubmitBrand resubmits a FAILED brand for review.
	ResubmitBrand(ctx context.Context, sid string) (*Brand, error)
	// SendBrandOTP asks Twilio to send a new OTP to the mobile number of a
	// SOLE_PROPRIETOR brand's profile (POST …/SmsOtp). It costs no fee, but each call
	// texts the sole proprietor: callers send one per request of the user.
	SendBrandOTP(ctx context.Context, brandSID string) error
	// ListBrandUsecases reads the campaign use cases Twilio offers brandSID on a
	// service (…/Compliance/Usa2p/Usecases?BrandRegistrationSid=). Twilio answers an
	// empty list when there is an issue with the brand registration.
	ListBrandUsecases(ctx context.Context, serviceSID, brandSID string) ([]Usecase, error)

	// ListCampaigns reads the A2P campaigns of a service (Twilio allows at most one).
	ListCampaigns(ctx context.Context, serviceSID string) ([]Campaign, error)
	// FetchCampaign reads one A2P campaign.
	FetchCampaign(ctx context.Context, serviceSID, sid string) (*Campaign, error)
	// CreateCampaign registers an A2P campaign on a service; it costs a vetting fee.
	CreateCampaign(ctx context.Context, serviceSID string, p CampaignParams) (*Campaign, error)
	// UpdateCampaign changes the updatable fields of a campaign, which resubmits it for
	// review.
	UpdateCampaign(ctx context.Context, serviceSID, sid string, p CampaignUpdate) (*Campaign, error)
	// DeleteCampaign deletes an A2P campaign.
	DeleteCampaign(ctx context.Context, serviceSID, sid string) error

	// TrustHub builds the bundles of an ISV's customer (trusthub.go).
	TrustHub
}

// Service is a Messaging Service as Twilio reports it. Empty strings are Twilio's nulls.
type Service struct {
	SID                       string
	AccountSID                string
	FriendlyName              string
	InboundRequestURL         string
	InboundMethod             string
	FallbackURL               string
	FallbackMethod            string
	StatusCallback            string
	StickySender              bool
	MmsConverter              bool
	SmartEncoding             bool
	ScanMessageContent        string
	FallbackToLongCode        bool
	AreaCodeGeomatch          bool
	ValidityPeriod            int
	SynchronousValidation     bool
	Usecase                   string
	UseInboundWebhookOnNumber bool
	UsAppToPersonRegistered   bool
	DateCreated               time.Time
}

// ServiceParams are the fields to send on create or update; nil fields are not sent.
type ServiceParams struct {
	FriendlyName              *string
	InboundRequestURL         *string
	InboundMethod             *string
	FallbackURL               *string
	FallbackMethod            *string
	StatusCallback            *string
	StickySender              *bool
	MmsConverter              *bool
	SmartEncoding             *bool
	ScanMessageContent        *string
	FallbackToLongCode        *bool
	AreaCodeGeomatch          *bool
	ValidityPeriod            *int
	SynchronousValidation     *bool
	Usecase                   *string
	UseInboundWebhookOnNumber *bool
}

// PoolNumber is a phone number in a Messaging Service's sender pool.
type PoolNumber struct {
	// SID is the number's PN SID.
	SID         string
	PhoneNumber string
}

// IncomingNumber is a phone number the account owns.
type IncomingNumber struct {
	SID         string
	PhoneNumber string
	// SMSURL and SMSApplicationSID are the number's own inbound message handling
	// (Twilio's sms_url and sms_application_sid); "" when unset.
	SMSURL            string
	SMSApplicationSID string
}

// AddressConfiguration is a Conversations address configuration (IG…): inbound
// messages to Address create Conversations, which is how Flex UI 2.x receives SMS.
type AddressConfiguration struct {
	SID     string
	Type    string
	Address string
}

// Bundle is a TrustHub bundle (Customer Profile or Trust Product).
type Bundle struct {
	SID string
	// Status is draft, pending-review, in-review, twilio-rejected or twilio-approved.
	Status string
	// FriendlyName, PolicySID, DateCreated and Errors (the codes of a twilio-rejected
	// bundle) are filled by the TrustHub reads.
	FriendlyName string
	PolicySID    string
	DateCreated  time.Time
	Errors       []int
}

// Bundle statuses the operator acts on.
const (
	BundleApproved = "twilio-approved"
	BundleRejected = "twilio-rejected"
)

// Brand is an A2P brand registration.
type Brand struct {
	SID                      string
	AccountSID               string
	CustomerProfileBundleSID string
	A2PProfileBundleSID      string
	BrandType                string
	// Status is PENDING, IN_REVIEW, APPROVED, FAILED, SUSPENDED or DELETED.
	Status         string
	TCRID          string
	IdentityStatus string
	FailureReason  string
	BrandScore     *int
	Mock           bool
	Errors         []RegistrationError
	DateCreated    time.Time
	// DateUpdated is when Twilio last changed the brand: for a SOLE_PROPRIETOR brand
	// waiting for its OTP, when the OTP was sent (at approval, or at the last resend).
	DateUpdated time.Time
}

// Identity statuses of a brand the operator acts on. A SOLE_PROPRIETOR brand is
// APPROVED and UNVERIFIED until its owner answers the OTP Twilio texts to the mobile
// number of its profile; then VERIFIED.
const (
	IdentityUnverified     = "UNVERIFIED"
	IdentityVerified       = "VERIFIED"
	IdentityVettedVerified = "VETTED_VERIFIED"
)

// BrandTypeSoleProprietor is the brand type whose identity is verified by an OTP, and
// the only campaign use case such a brand may register.
const BrandTypeSoleProprietor = "SOLE_PROPRIETOR"

// Usecase is one A2P campaign use case Twilio offers a brand.
type Usecase struct {
	Code        string
	Name        string
	Description string
	// PostApprovalRequired says the use case needs the carriers' approval after the
	// campaign's vetting before it carries traffic.
	PostApprovalRequired bool
}

// Brand statuses the operator acts on.
const (
	BrandPending   = "PENDING"
	BrandInReview  = "IN_REVIEW"
	BrandApproved  = "APPROVED"
	BrandFailed    = "FAILED"
	BrandSuspended = "SUSPENDED"
	// BrandDeletionPending and BrandDeletionFailed: Twilio is deleting the brand (or
	// failed to); it carries no campaign.
	BrandDeletionPending = "DELETION_PENDING"
	BrandDeletionFailed  = "DELETION_FAILED"
)

// BrandParams registers a brand.
type BrandParams struct {
	CustomerProfileBundleSID string
	A2PProfileBundleSID      string
	BrandType                string
	Mock                     bool
	SkipAutomaticSecVet      bool
}

// RegistrationError is one reason Twilio gives for a failed brand or campaign.
type RegistrationError struct {
	Code        int
	Description string
	Fields      []string
}

// Campaign is an A2P campaign (Usa2p resource) of a Messaging Service.
type Campaign struct {
	SID                  string
	AccountSID           string
	BrandRegistrationSID string
	MessagingServiceSID  string
	Usecase              string
	Description          string
	MessageFlow          string
	MessageSamples       []string
	HasEmbeddedLinks     bool
	HasEmbeddedPhone     bool
	OptInMessage         string
	OptOutMessage        string
	HelpMessage          string
	OptInKeywords        []string
	OptOutKeywords       []string
	HelpKeywords         []string
	SubscriberOptIn      bool
	AgeGated             bool
	DirectLending        bool
	// PrivacyPolicyURL and TermsAndConditionsURL are nil when Twilio's answer does not
	// carry them (only the v2 shape, selected by CampaignAPIVersion, does): unknown, not
	// empty.
	PrivacyPolicyURL      *string
	TermsAndConditionsURL *string
	// Status is PENDING, IN_PROGRESS, VERIFIED, FAILED… (reported verbatim).
	Status     string
	CampaignID string
	Mock       bool
	Errors     []RegistrationError
}

// Campaign statuses the operator acts on.
const (
	CampaignPending    = "PENDING"
	CampaignInProgress = "IN_PROGRESS"
	CampaignVerified   = "VERIFIED"
	CampaignFailed     = "FAILED"
	CampaignSuspended  = "SUSPENDED"
)

// CampaignParams registers a campaign. Nil pointers and nil slices are not sent.
type CampaignParams struct {
	BrandRegistrationSID  string
	Usecase               string
	Description           string
	MessageFlow           string
	MessageSamples        []string
	HasEmbeddedLinks      bool
	HasEmbeddedPhone      bool
	OptInMessage          *string
	OptOutMessage         *string
	HelpMessage           *string
	OptInKeywords         []string
	OptOutKeywords        []string
	HelpKeywords          []string
	SubscriberOptIn       *bool
	AgeGated              *bool
	DirectLending         *bool
	PrivacyPolicyURL      *string
	TermsAndConditionsURL *string
}

// CampaignUpdate is the updatable part of a campaign. Twilio requires every field but the
// URLs on each update, so callers fill them from the live campaign where the spec is
// silent.
type CampaignUpdate struct {
	Description           string
	MessageFlow           string
	MessageSamples        []string
	HasEmbeddedLinks      bool
	HasEmbeddedPhone      bool
	AgeGated              bool
	DirectLending         bool
	PrivacyPolicyURL      *string
	TermsAndConditionsURL *string
}
