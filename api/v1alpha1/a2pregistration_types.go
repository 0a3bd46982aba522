package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// BrandType is the kind of A2P brand.
// +kubebuilder:validation:Enum=STANDARD;SOLE_PROPRIETOR
type BrandType string

const (
	// BrandTypeStandard is a business brand (also low-volume standard, with skipAutomaticSecVet).
	BrandTypeStandard BrandType = "STANDARD"
	// BrandTypeSoleProprietor is a brand for an individual without a tax ID.
	BrandTypeSoleProprietor BrandType = "SOLE_PROPRIETOR"
)

// BrandSpec is the A2P brand to register. Twilio cannot change a brand after registration, so the whole brand is immutable.
type BrandSpec struct {
	// customerProfileBundleSid (CustomerProfileBundleSid) is the TrustHub Secondary Customer Profile bundle, BU + 32 hex. Required unless spec.trustHub declares the business, in which case the operator builds the bundle and it is left out.
	// +kubebuilder:validation:Pattern=`^BU[0-9a-fA-F]{32}$`
	// +optional
	CustomerProfileBundleSID string `json:"customerProfileBundleSid,omitempty"`

	// a2pProfileBundleSid (A2PProfileBundleSid) is the TrustHub A2P Messaging Profile bundle, BU + 32 hex. Required unless spec.trustHub declares the business.
	// +kubebuilder:validation:Pattern=`^BU[0-9a-fA-F]{32}$`
	// +optional
	A2PProfileBundleSID string `json:"a2pProfileBundleSid,omitempty"`

	// brandType (BrandType): STANDARD (default) or SOLE_PROPRIETOR.
	// +kubebuilder:default=STANDARD
	// +optional
	BrandType BrandType `json:"brandType,omitempty"`

	// skipAutomaticSecVet (SkipAutomaticSecVet): true registers a low-volume standard brand without secondary vetting. Defaults to false.
	// +kubebuilder:default=false
	// +optional
	SkipAutomaticSecVet bool `json:"skipAutomaticSecVet,omitempty"`

	// mock (Mock): true registers a Twilio mock brand, which costs no fees and carries no traffic. Defaults to false.
	// +kubebuilder:default=false
	// +optional
	Mock bool `json:"mock,omitempty"`
}

// CampaignSpec is one A2P campaign (a Usa2p resource) on one Messaging Service.
// +kubebuilder:validation:XValidation:rule="has(self.messagingServiceRef) != has(self.messagingServiceSid)",message="exactly one of messagingServiceRef and messagingServiceSid must be set"
type CampaignSpec struct {
	// messagingServiceRef names a MessagingService in the same namespace. Exactly one of messagingServiceRef and messagingServiceSid is set.
	// +optional
	MessagingServiceRef *LocalObjectReference `json:"messagingServiceRef,omitempty"`

	// messagingServiceSid is the SID of a Messaging Service not managed by this cluster.
	// +kubebuilder:validation:Pattern=`^MG[0-9a-fA-F]{32}$`
	// +kubebuilder:validation:MaxLength=34
	// +optional
	MessagingServiceSID string `json:"messagingServiceSid,omitempty"`

	// usecase (UsAppToPersonUsecase), e.g. CUSTOMER_CARE, MIXED, LOW_VOLUME, 2FA or MARKETING. Immutable in Twilio.
	// +kubebuilder:validation:Pattern=`^[0-9A-Z_]+$`
	// +kubebuilder:validation:MaxLength=64
	// +required
	Usecase string `json:"usecase"`

	// description (Description) says what the campaign sends, 40 to 4096 characters.
	// +kubebuilder:validation:MinLength=40
	// +kubebuilder:validation:MaxLength=4096
	// +required
	Description string `json:"description"`

	// messageFlow (MessageFlow) says how recipients opt in, 40 to 2048 characters.
	// +kubebuilder:validation:MinLength=40
	// +kubebuilder:validation:MaxLength=2048
	// +required
	MessageFlow string `json:"messageFlow"`

	// messageSamples (MessageSamples) are 2 to 5 sample messages of 20 to 1024 characters.
	// +kubebuilder:validation:MinItems=2
	// +kubebuilder:validation:MaxItems=5
	// +kubebuilder:validation:items:MinLength=20
	// +kubebuilder:validation:items:MaxLength=1024
	// +listType=atomic
	// +required
	MessageSamples []string `json:"messageSamples"`

	// hasEmbeddedLinks (HasEmbeddedLinks): the messages contain links.
	// +required
	HasEmbeddedLinks bool `json:"hasEmbeddedLinks"`

	// hasEmbeddedPhone (HasEmbeddedPhone): the messages contain phone numbers.
	// +required
	HasEmbeddedPhone bool `json:"hasEmbeddedPhone"`

	// optInMessage (OptInMessage) is the reply to an opt-in keyword, 20 to 320 characters. Immutable in Twilio.
	// +kubebuilder:validation:MinLength=20
	// +kubebuilder:validation:MaxLength=320
	// +optional
	OptInMessage *string `json:"optInMessage,omitempty"`

	// optOutMessage (OptOutMessage) is the reply to an opt-out keyword, 20 to 320 characters. Immutable in Twilio.
	// +kubebuilder:validation:MinLength=20
	// +kubebuilder:validation:MaxLength=320
	// +optional
	OptOutMessage *string `json:"optOutMessage,omitempty"`

	// helpMessage (HelpMessage) is the reply to a help keyword, 20 to 320 characters. Immutable in Twilio.
	// +kubebuilder:validation:MinLength=20
	// +kubebuilder:validation:MaxLength=320
	// +optional
	HelpMessage *string `json:"helpMessage,omitempty"`

	// optInKeywords (OptInKeywords) are alphanumeric words. Immutable in Twilio. Omit the field to keep Twilio's defaults; an empty list is rejected, since Twilio's API has no way to send one.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9]+$`
	// +kubebuilder:validation:items:MaxLength=255
	// +listType=atomic
	// +optional
	OptInKeywords []string `json:"optInKeywords,omitempty"`

	// optOutKeywords (OptOutKeywords) are alphanumeric words. Immutable in Twilio. Omit the field to keep Twilio's defaults; an empty list is rejected, since Twilio's API has no way to send one.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9]+$`
	// +kubebuilder:validation:items:MaxLength=255
	// +listType=atomic
	// +optional
	OptOutKeywords []string `json:"optOutKeywords,omitempty"`

	// helpKeywords (HelpKeywords) are alphanumeric words. Immutable in Twilio. Omit the field to keep Twilio's defaults; an empty list is rejected, since Twilio's API has no way to send one.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9]+$`
	// +kubebuilder:validation:items:MaxLength=255
	// +listType=atomic
	// +optional
	HelpKeywords []string `json:"helpKeywords,omitempty"`

	// subscriberOptIn (SubscriberOptIn): recipients opt in to this campaign. Immutable in Twilio.
	// +optional
	SubscriberOptIn *bool `json:"subscriberOptIn,omitempty"`

	// ageGated (AgeGated): the campaign carries age-gated content.
	// +optional
	AgeGated *bool `json:"ageGated,omitempty"`

	// directLending (DirectLending): the campaign is about direct lending.
	// +optional
	DirectLending *bool `json:"directLending,omitempty"`

	// privacyPolicyUrl (PrivacyPolicyUrl) links the campaign's privacy policy.
	// +optional
	PrivacyPolicyURL *URL `json:"privacyPolicyUrl,omitempty"`

	// termsAndConditionsUrl (TermsAndConditionsUrl) links the campaign's terms.
	// +optional
	TermsAndConditionsURL *URL `json:"termsAndConditionsUrl,omitempty"`
}

// A2PRegistrationSpec is a US A2P 10DLC registration: one brand and one campaign per Messaging Service. A SOLE_PROPRIETOR brand has at most one campaign, of use case SOLE_PROPRIETOR, the only use case such a brand may register and one no other brand may; a mock SOLE_PROPRIETOR brand has none (Twilio creates no mock campaign for it).
// +kubebuilder:validation:XValidation:rule="!has(self.campaigns) || !has(self.brand.brandType) || self.brand.brandType != 'SOLE_PROPRIETOR' || size(self.campaigns) <= 1",message="a SOLE_PROPRIETOR brand has at most one campaign"
// +kubebuilder:validation:XValidation:rule="!has(self.campaigns) || self.campaigns.all(c, (c.usecase == 'SOLE_PROPRIETOR') == (has(self.brand.brandType) && self.brand.brandType == 'SOLE_PROPRIETOR'))",message="the campaign of a SOLE_PROPRIETOR brand has usecase SOLE_PROPRIETOR, and only such a brand's campaign may"
// +kubebuilder:validation:XValidation:rule="!has(self.campaigns) || size(self.campaigns) == 0 || !has(self.brand.mock) || !self.brand.mock || !has(self.brand.brandType) || self.brand.brandType != 'SOLE_PROPRIETOR'",message="a mock SOLE_PROPRIETOR brand cannot have campaigns: Twilio creates no mock campaign for it"
// +kubebuilder:validation:XValidation:rule="has(self.trustHub) || (has(self.brand.customerProfileBundleSid) && has(self.brand.a2pProfileBundleSid))",message="spec.brand needs customerProfileBundleSid and a2pProfileBundleSid, unless spec.trustHub declares the business"
// +kubebuilder:validation:XValidation:rule="!has(self.trustHub) || (!has(self.brand.customerProfileBundleSid) && !has(self.brand.a2pProfileBundleSid))",message="either spec.trustHub or the bundle SIDs of spec.brand, not both: with spec.trustHub the operator builds the bundles"
// +kubebuilder:validation:XValidation:rule="!has(self.trustHub) || !has(self.brand.brandType) || self.brand.brandType == 'STANDARD'",message="spec.trustHub builds the bundles of a STANDARD brand; a SOLE_PROPRIETOR brand names its bundles in spec.brand"
type A2PRegistrationSpec struct {
	// credentialsRef names the Secret, in this namespace, with the Twilio credentials. Defaults to twilio-credentials.
	// +kubebuilder:default={name: twilio-credentials}
	// +optional
	CredentialsRef CredentialsReference `json:"credentialsRef,omitzero"`

	// deletionPolicy: Orphan (default) leaves brand and campaigns when this object is deleted; Delete deletes the campaigns. The brand always stays: Twilio cannot delete a brand.
	// +kubebuilder:default=Orphan
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// managementPolicy: Manage (default) or ObserveOnly, which reads Twilio, reports differences in status.drift and never writes.
	// +kubebuilder:default=Manage
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// brand is the brand to register. Immutable: to register another brand, create a new A2PRegistration.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="brand is immutable: Twilio cannot change a registered brand; create a new A2PRegistration instead"
	// +required
	Brand BrandSpec `json:"brand"`

	// trustHub declares the business behind the brand, for an ISV: the operator builds, evaluates and submits its Secondary Customer Profile and A2P trust product, waits for their approval, then registers the brand on them. Set either trustHub or the bundle SIDs of spec.brand. Since spec.brand is immutable, trustHub cannot be added or removed later; its fields can change while Twilio allows (see docs/api.md).
	// +optional
	TrustHub *TrustHubSpec `json:"trustHub,omitempty"`

	// campaigns has one campaign per Messaging Service; each service appears once.
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:XValidation:rule="self.all(c, !has(c.messagingServiceRef) || self.exists_one(d, has(d.messagingServiceRef) && d.messagingServiceRef.name == c.messagingServiceRef.name))",message="each MessagingService may be referenced by only one campaign"
	// +kubebuilder:validation:XValidation:rule="self.all(c, !has(c.messagingServiceSid) || self.exists_one(d, has(d.messagingServiceSid) && d.messagingServiceSid == c.messagingServiceSid))",message="each messagingServiceSid may appear in only one campaign"
	// +listType=atomic
	// +optional
	Campaigns []CampaignSpec `json:"campaigns,omitempty"`

	// recreateCampaignOnImmutableChange: when an immutable campaign field changes, false (default) leaves the live campaign alone and reports ImmutableFieldChanged; true deletes and recreates the campaign, which starts a new vetting and its fee.
	// +kubebuilder:default=false
	// +optional
	RecreateCampaignOnImmutableChange bool `json:"recreateCampaignOnImmutableChange,omitempty"`

	// exportTo writes the account SID, the brand's SID and TCR ID, and each campaign's SIDs to a ConfigMap (TWILIO_BRAND_SID, TWILIO_CAMPAIGN_<index>_SID… where index is the campaign's position in spec.campaigns). Omitted: nothing is written.
	// +optional
	ExportTo *ExportSpec `json:"exportTo,omitempty"`
}

// RegistrationError is one error Twilio reports for a failed brand or campaign.
type RegistrationError struct {
	// code is Twilio's error code.
	// +optional
	Code int32 `json:"code,omitempty"`
	// description says what is wrong.
	// +optional
	Description string `json:"description,omitempty"`
	// fields names the registration fields the error is about.
	// +listType=atomic
	// +optional
	Fields []string `json:"fields,omitempty"`
}

// BrandStatus is what Twilio reports of the brand.
type BrandStatus struct {
	// sid is the brand registration SID (BN…).
	// +optional
	SID string `json:"sid,omitempty"`
	// status is Twilio's brand status: PENDING, IN_REVIEW, APPROVED, FAILED, SUSPENDED…
	// +optional
	Status string `json:"status,omitempty"`
	// tcrId is The Campaign Registry's brand ID.
	// +optional
	TCRID string `json:"tcrId,omitempty"`
	// identityStatus is the brand's identity verification status.
	// +optional
	IdentityStatus string `json:"identityStatus,omitempty"`
	// brandScore is the secondary vetting score.
	// +optional
	BrandScore *int32 `json:"brandScore,omitempty"`
	// mock is true for a Twilio mock brand.
	// +optional
	Mock bool `json:"mock,omitempty"`
	// errors are Twilio's reasons for a FAILED brand.
	// +listType=atomic
	// +optional
	Errors []RegistrationError `json:"errors,omitempty"`
	// resubmittedFor is the value of the resubmit-brand annotation the operator last acted on, so each new value resubmits exactly once.
	// +optional
	ResubmittedFor string `json:"resubmittedFor,omitempty"`
	// otpResentFor is the value of the resend-otp annotation the operator last acted on, so each new value sends a SOLE_PROPRIETOR brand's OTP at most once.
	// +optional
	OTPResentFor string `json:"otpResentFor,omitempty"`
}

// CampaignStatus is what Twilio reports of one campaign.
type CampaignStatus struct {
	// messagingService is the name of the referenced MessagingService, if any.
	// +optional
	MessagingService string `json:"messagingService,omitempty"`
	// messagingServiceSid is the Messaging Service the campaign is on.
	// +optional
	MessagingServiceSID string `json:"messagingServiceSid,omitempty"`
	// sid is the campaign SID (QE…).
	// +optional
	SID string `json:"sid,omitempty"`
	// campaignId is The Campaign Registry's campaign ID.
	// +optional
	CampaignID string `json:"campaignId,omitempty"`
	// status is Twilio's campaign status: PENDING, IN_PROGRESS, VERIFIED, FAILED…
	// +optional
	Status string `json:"status,omitempty"`
	// errors are Twilio's reasons for a FAILED campaign.
	// +listType=atomic
	// +optional
	Errors []RegistrationError `json:"errors,omitempty"`
	// appliedHash identifies the spec entry last sent to Twilio (created, adopted or updated): an entry changed since is resubmitted for vetting, that campaign only.
	// +optional
	AppliedHash string `json:"appliedHash,omitempty"`
	// refusal is Twilio's answer when it last refused to apply this spec entry (for example an edit in a status that allows none). The operator does not send it again until the entry changes.
	// +optional
	Refusal string `json:"refusal,omitempty"`
	// refusedHash identifies the spec entry Twilio refused.
	// +optional
	RefusedHash string `json:"refusedHash,omitempty"`
	// postApprovalRequired is true when Twilio listed the campaign's use case as needing post-approval when the operator registered it: after vetting, the carriers approve the campaign before it carries traffic.
	// +optional
	PostApprovalRequired bool `json:"postApprovalRequired,omitempty"`
}

// A2PRegistrationStatus is what the operator last saw of the brand and its campaigns.
type A2PRegistrationStatus struct {
	CommonStatus `json:",inline"`

	// brand is the registered brand.
	// +optional
	Brand *BrandStatus `json:"brand,omitempty"`

	// campaigns has one entry per spec.campaigns entry.
	// +listType=atomic
	// +optional
	Campaigns []CampaignStatus `json:"campaigns,omitempty"`

	// driftCorrectedFor is the value of the correct-drift annotation the operator last acted on, so each new value corrects the drift of campaign fields once.
	// +optional
	DriftCorrectedFor string `json:"driftCorrectedFor,omitempty"`

	// trustHub is what the operator built in TrustHub for spec.trustHub.
	// +optional
	TrustHub *TrustHubStatus `json:"trustHub,omitempty"`

	// verifiedCampaigns is "verified/desired", e.g. "1/1", for kubectl get.
	// +optional
	VerifiedCampaigns string `json:"verifiedCampaigns,omitempty"`
}

// A2PRegistration is a US A2P 10DLC brand registration and its campaigns.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=a2p,categories=twilio
// +kubebuilder:printcolumn:name="Brand",type=string,JSONPath=`.status.brand.status`
// +kubebuilder:printcolumn:name="Campaigns",type=string,JSONPath=`.status.verifiedCampaigns`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Account",type=string,JSONPath=`.status.accountSid`,priority=1
// +kubebuilder:printcolumn:name="TCR ID",type=string,JSONPath=`.status.brand.tcrId`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type A2PRegistration struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the brand to register and its campaigns.
	// +required
	Spec A2PRegistrationSpec `json:"spec"`

	// status defaults to {} so that its observedGeneration default applies before the operator's first status write.

	// status is what the operator last saw of the brand and its campaigns in Twilio.
	// +kubebuilder:default={}
	// +optional
	Status A2PRegistrationStatus `json:"status,omitzero"`
}

// A2PRegistrationList is a list of A2PRegistrations.
// +kubebuilder:object:root=true
type A2PRegistrationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []A2PRegistration `json:"items"`
}

// GetConditions returns the status conditions.
func (in *A2PRegistration) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions.
func (in *A2PRegistration) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }
