package v1alpha1

// Condition types. Ready, Reconciling and Stalled follow kstatus, so Helm 4 --wait, Flux
// and kpt understand both kinds without knowing them.
const (
	// ConditionReady is True when the Twilio side matches the spec and is usable.
	ConditionReady = "Ready"
	// ConditionReconciling is True while work is in progress that will finish without
	// user action.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when no progress is possible until the user changes
	// something. Never True together with Reconciling.
	ConditionStalled = "Stalled"
	// ConditionBrandApproved is True once the A2P brand is APPROVED.
	ConditionBrandApproved = "BrandApproved"
	// ConditionCampaignsVerified is True once every campaign of an A2PRegistration is
	// VERIFIED.
	ConditionCampaignsVerified = "CampaignsVerified"
	// ConditionPaused is True while the paused annotation stops all Twilio calls.
	ConditionPaused = "Paused"
	// ConditionAccountShared is True while another operator shard serves the object's
	// Twilio account too (shards must split by account). It does not affect Ready.
	ConditionAccountShared = "AccountShared"
	// ConditionInboundRouting is False while a number of a MessagingService's pool that
	// the service defers to (useInboundWebhookOnNumber: true) has no inbound route. It
	// does not affect Ready.
	ConditionInboundRouting = "InboundRouting"
)

// Condition reasons. docs/conditions.md says what each means and how to fix it.
const (
	// ReasonAvailable means the Twilio side matches the spec (Ready=True).
	ReasonAvailable = "Available"
	// ReasonCreating means the Twilio object is being created.
	ReasonCreating = "Creating"
	// ReasonUpdating means the Twilio object is being brought in line with the spec.
	ReasonUpdating = "Updating"
	// ReasonDeleting means the object is being deleted and its deletion policy is running.
	ReasonDeleting = "Deleting"
	// ReasonRetrying means Twilio answered with a transient error (429, 5xx, timeout); the
	// operator retries with backoff.
	ReasonRetrying = "Retrying"
	// ReasonPaused means the paused annotation is set; the operator makes no Twilio calls.
	ReasonPaused = "Paused"
	// ReasonDriftDetected means Twilio differs from the spec and managementPolicy is
	// ObserveOnly, so the operator reports it in status.drift and changes nothing.
	ReasonDriftDetected = "DriftDetected"
	// ReasonAwaitingVetting means the registration waits for carrier vetting (Ready=False).
	ReasonAwaitingVetting = "AwaitingVetting"
	// ReasonAwaitingBundleApproval means a TrustHub bundle is not yet twilio-approved, so no
	// brand is registered yet.
	ReasonAwaitingBundleApproval = "AwaitingBundleApproval"
	// ReasonAwaitingBrandApproval means the brand is PENDING or IN_REVIEW.
	ReasonAwaitingBrandApproval = "AwaitingBrandApproval"
	// ReasonAwaitingCampaignVetting means a campaign is PENDING or IN_PROGRESS.
	ReasonAwaitingCampaignVetting = "AwaitingCampaignVetting"
	// ReasonAwaitingMessagingService means a referenced MessagingService has no SID yet.
	ReasonAwaitingMessagingService = "AwaitingMessagingService"
	// ReasonAwaitingOTPVerification means a SOLE_PROPRIETOR brand is APPROVED but its
	// identity is UNVERIFIED until the sole proprietor answers Twilio's OTP text; its
	// campaign waits.
	ReasonAwaitingOTPVerification = "AwaitingOTPVerification"
	// ReasonBrandApproved means the brand is APPROVED (BrandApproved=True).
	ReasonBrandApproved = "BrandApproved"
	// ReasonCampaignsVerified means every campaign is VERIFIED (CampaignsVerified=True).
	ReasonCampaignsVerified = "CampaignsVerified"

	// ReasonCredentialsNotFound means the credentials Secret or one of its keys is missing.
	ReasonCredentialsNotFound = "CredentialsNotFound"
	// ReasonInvalidCredentials means Twilio rejected the credentials (401, code 20003).
	ReasonInvalidCredentials = "InvalidCredentials"
	// ReasonInvalidSpec means Twilio rejected a value of the spec (400, 21xxx input errors).
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonPhoneNumberNotFound means a phone number is not owned by the account.
	ReasonPhoneNumberNotFound = "PhoneNumberNotFound"
	// ReasonPhoneNumberInUse means a phone number is in another Messaging Service (21712).
	ReasonPhoneNumberInUse = "PhoneNumberInUse"
	// ReasonAlreadyManaged means the Twilio object this object names (its sid annotation,
	// a messagingServiceSid, a campaign on a service) is owned by another object; this one
	// never changes or deletes it.
	ReasonAlreadyManaged = "AlreadyManaged"
	// ReasonWriteLoop means the operator wrote to Twilio more often than it should without
	// a spec change (something keeps undoing its writes), and stopped writing.
	ReasonWriteLoop = "WriteLoop"
	// ReasonAmbiguousAdoption means crash recovery found several Twilio objects that could be
	// the one this object created.
	ReasonAmbiguousAdoption = "AmbiguousAdoption"
	// ReasonSidNotFound means the SID to adopt does not exist in the account.
	ReasonSidNotFound = "SidNotFound"
	// ReasonBundleRejected means a TrustHub bundle is twilio-rejected.
	ReasonBundleRejected = "BundleRejected"
	// ReasonBrandFailed means the brand registration FAILED; status.brand.errors says why.
	ReasonBrandFailed = "BrandFailed"
	// ReasonBrandSuspended means the brand is SUSPENDED by the carriers.
	ReasonBrandSuspended = "BrandSuspended"
	// ReasonCampaignFailed means a campaign FAILED vetting; status.campaigns[].errors says why.
	ReasonCampaignFailed = "CampaignFailed"
	// ReasonImmutableFieldChanged means an immutable campaign field changed and
	// recreateCampaignOnImmutableChange is false.
	ReasonImmutableFieldChanged = "ImmutableFieldChanged"
	// ReasonAccountInOtherShard means another operator shard serves the object's Twilio
	// account (AccountShared=True).
	ReasonAccountInOtherShard = "AccountInOtherShard"
	// ReasonCampaignUpdateRefused means Twilio refused to apply a changed campaign entry (an
	// edit its status does not allow); it is not sent again until the entry changes.
	ReasonCampaignUpdateRefused = "CampaignUpdateRefused"
	// ReasonCreateInDoubt means a registration was interrupted long ago and Twilio's
	// brand list, which omits some brands, does not show it: the operator does not pay
	// for a second brand without the user's word.
	ReasonCreateInDoubt = "CreateInDoubt"
	// ReasonOTPVerificationFailed means a SOLE_PROPRIETOR brand's OTP expired or was not
	// confirmed (Twilio error 30752); the resend-otp annotation sends a new one.
	ReasonOTPVerificationFailed = "OTPVerificationFailed"
	// ReasonSoleProprietorLimit means a campaign of a SOLE_PROPRIETOR brand would break
	// a limit Twilio sets such brands that admission cannot see (one number in its
	// Messaging Service); no campaign is registered.
	ReasonSoleProprietorLimit = "SoleProprietorLimit"
	// ReasonUsecaseNotAllowed means Twilio does not offer the brand a campaign's use
	// case; no campaign is registered, so no vetting fee is spent.
	ReasonUsecaseNotAllowed = "UsecaseNotAllowed"
	// ReasonMessagingServiceNotFound means a referenced MessagingService does not exist.
	ReasonMessagingServiceNotFound = "MessagingServiceNotFound"

	// ReasonInboundRouted means every pool number has an inbound route
	// (InboundRouting=True).
	ReasonInboundRouted = "InboundRouted"
	// ReasonNoInboundRoute means a pool number has no sms_url, no sms_application_sid and
	// no Conversations address configuration: its inbound messages go nowhere
	// (InboundRouting=False).
	ReasonNoInboundRoute = "NoInboundRoute"
	// ReasonConversationsAndWebhook means a pool number has a Conversations address
	// configuration and its own sms_url or sms_application_sid: Twilio runs both
	// (InboundRouting=True, with a Warning event).
	ReasonConversationsAndWebhook = "ConversationsAndWebhook"
	// ReasonExportConflict means the ConfigMap spec.exportTo names exists and is not
	// this object's: the operator never overwrites it.
	ReasonExportConflict = "ExportConflict"
)
