package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// PhoneNumberState is the state of one number of a MessagingService's sender pool.
type PhoneNumberState string

const (
	// PhoneNumberAssociated means the number is in the service's pool.
	PhoneNumberAssociated PhoneNumberState = "Associated"
	// PhoneNumberPending means the number is not in the pool yet.
	PhoneNumberPending PhoneNumberState = "Pending"
	// PhoneNumberNotFound means the account owns no such number.
	PhoneNumberNotFound PhoneNumberState = "NotFound"
	// PhoneNumberInUseElsewhere means the number is in another Messaging Service (21712).
	PhoneNumberInUseElsewhere PhoneNumberState = "InUseElsewhere"
)

// InboundRoute is where Twilio sends the inbound messages of a pool number when the
// service defers to the sender's webhook (useInboundWebhookOnNumber: true).
// +kubebuilder:validation:Enum=Webhook;Application;Conversations;None
type InboundRoute string

const (
	// InboundRouteWebhook means the number's sms_url receives its inbound messages.
	InboundRouteWebhook InboundRoute = "Webhook"
	// InboundRouteApplication means the number's sms_application_sid (a TwiML App)
	// receives its inbound messages.
	InboundRouteApplication InboundRoute = "Application"
	// InboundRouteConversations means a Conversations address configuration of the
	// number creates a Conversation for each inbound message (Flex UI 2.x).
	InboundRouteConversations InboundRoute = "Conversations"
	// InboundRouteNone means nothing receives the number's inbound messages.
	InboundRouteNone InboundRoute = "None"
)

// MessagingServiceSpec is one Twilio Messaging Service and its sender pool. Every optional field left out is unmanaged: never sent to Twilio and never corrected.
type MessagingServiceSpec struct {
	// credentialsRef names the Secret, in this namespace, with the Twilio credentials. Defaults to twilio-credentials.
	// +kubebuilder:default={name: twilio-credentials}
	// +optional
	CredentialsRef CredentialsReference `json:"credentialsRef,omitzero"`

	// deletionPolicy: Delete (default) deletes the Twilio Messaging Service when this object is deleted; Orphan leaves it and its numbers untouched.
	// +kubebuilder:default=Delete
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// managementPolicy: Manage (default) or ObserveOnly, which reads Twilio, reports differences in status.drift and never writes.
	// +kubebuilder:default=Manage
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// friendlyName (FriendlyName) describes the service, 1 to 64 characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +required
	FriendlyName string `json:"friendlyName"`

	// useInboundWebhookOnNumber (UseInboundWebhookOnNumber), "Defer to sender's webhook": inbound messages go to each number's own webhook, which is how Flex keeps routing them. Defaults to true; set false to route inbound through inboundRequestUrl.
	// +kubebuilder:default=true
	// +optional
	UseInboundWebhookOnNumber *bool `json:"useInboundWebhookOnNumber,omitempty"`

	// inboundRequestUrl (InboundRequestUrl) receives inbound messages when useInboundWebhookOnNumber is false. Absolute http or https URL.
	// +optional
	InboundRequestURL *URL `json:"inboundRequestUrl,omitempty"`

	// inboundMethod (InboundMethod) is the HTTP method for inboundRequestUrl.
	// +optional
	InboundMethod *HTTPMethod `json:"inboundMethod,omitempty"`

	// fallbackUrl (FallbackUrl) is called when inboundRequestUrl fails.
	// +optional
	FallbackURL *URL `json:"fallbackUrl,omitempty"`

	// fallbackMethod (FallbackMethod) is the HTTP method for fallbackUrl.
	// +optional
	FallbackMethod *HTTPMethod `json:"fallbackMethod,omitempty"`

	// statusCallback (StatusCallback) receives message status updates.
	// +optional
	StatusCallback *URL `json:"statusCallback,omitempty"`

	// stickySender (StickySender) keeps sending to a recipient from the same number.
	// +optional
	StickySender *bool `json:"stickySender,omitempty"`

	// mmsConverter (MmsConverter) converts MMS to SMS with a link where MMS is not supported.
	// +optional
	MmsConverter *bool `json:"mmsConverter,omitempty"`

	// smartEncoding (SmartEncoding) replaces Unicode look-alikes with GSM characters.
	// +optional
	SmartEncoding *bool `json:"smartEncoding,omitempty"`

	// scanMessageContent (ScanMessageContent): inherit, enable or disable.
	// +kubebuilder:validation:Enum=inherit;enable;disable
	// +optional
	ScanMessageContent *string `json:"scanMessageContent,omitempty"`

	// fallbackToLongCode (FallbackToLongCode), obsolete in Twilio but still accepted.
	// +optional
	FallbackToLongCode *bool `json:"fallbackToLongCode,omitempty"`

	// areaCodeGeomatch (AreaCodeGeomatch) prefers a sender with the recipient's area code.
	// +optional
	AreaCodeGeomatch *bool `json:"areaCodeGeomatch,omitempty"`

	// validityPeriod (ValidityPeriod) is how long, in seconds, a queued message stays valid: 1 to 36000.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=36000
	// +optional
	ValidityPeriod *int32 `json:"validityPeriod,omitempty"`

	// synchronousValidation (SynchronousValidation), reserved by Twilio.
	// +optional
	SynchronousValidation *bool `json:"synchronousValidation,omitempty"`

	// usecase (Usecase) is the scenario the service is used for.
	// +kubebuilder:validation:Enum=notifications;marketing;verification;discussion;poll;undeclared
	// +optional
	Usecase *string `json:"usecase,omitempty"`

	// phoneNumbers is the sender pool: E.164 numbers (resolved to their PN SID) or PN SIDs of numbers the account owns, at most 400. Omitted: the pool is unmanaged. An empty list removes every number from the pool.
	// +listType=atomic
	// +kubebuilder:validation:XValidation:rule="self.all(n, self.exists_one(m, m == n))",messageExpression="'phone number ' + self.filter(n, !self.exists_one(m, m == n))[0] + ' is listed more than once'"
	// +kubebuilder:validation:MaxItems=400
	// +kubebuilder:validation:items:Pattern=`^(\+[1-9][0-9]{1,14}|PN[0-9a-fA-F]{32})$`
	// +kubebuilder:validation:items:MaxLength=34
	// +optional
	PhoneNumbers []string `json:"phoneNumbers,omitzero"`

	// exportTo writes the account and Messaging Service SIDs to a ConfigMap (TWILIO_ACCOUNT_SID, TWILIO_MESSAGING_SERVICE_SID). Omitted: nothing is written.
	// +optional
	ExportTo *ExportSpec `json:"exportTo,omitempty"`
}

// PhoneNumberStatus is what the operator knows about one number of the pool.
type PhoneNumberStatus struct {
	// phoneNumber is the entry of spec.phoneNumbers this status is for.
	PhoneNumber string `json:"phoneNumber"`
	// sid is the number's PN SID, once resolved.
	// +optional
	SID string `json:"sid,omitempty"`
	// state is Associated, Pending, NotFound or InUseElsewhere.
	State PhoneNumberState `json:"state"`
	// message says what is wrong: why the state is not Associated or, for an associated number, a problem with its inbound route.
	// +optional
	Message string `json:"message,omitempty"`
	// inboundRoute is where Twilio sends the number's inbound messages: Webhook (its sms_url), Application (its sms_application_sid), Conversations (a Conversations address configuration of the number) or None. Reported for associated numbers while useInboundWebhookOnNumber is true; omitted otherwise.
	// +optional
	InboundRoute InboundRoute `json:"inboundRoute,omitempty"`
}

// MessagingServiceStatus is what the operator last saw of the Messaging Service.
type MessagingServiceStatus struct {
	CommonStatus `json:",inline"`

	// phoneNumbers has one entry per number of spec.phoneNumbers.
	// +listType=atomic
	// +optional
	PhoneNumbers []PhoneNumberStatus `json:"phoneNumbers,omitempty"`

	// associatedNumbers is "associated/desired", e.g. "2/2", for kubectl get.
	// +optional
	AssociatedNumbers string `json:"associatedNumbers,omitempty"`

	// The default false makes kubectl get -o wide show false rather than <none> before the first campaign (the API server applies it to stored objects too).

	// usAppToPersonRegistered mirrors Twilio's us_app_to_person_registered: true while an A2P campaign is attached to the service.
	// +kubebuilder:default=false
	// +optional
	UsAppToPersonRegistered bool `json:"usAppToPersonRegistered,omitempty"`
}

// MessagingService is a Twilio Messaging Service with its sender pool of phone numbers.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=msgsvc,categories=twilio
// +kubebuilder:printcolumn:name="SID",type=string,JSONPath=`.status.sid`
// +kubebuilder:printcolumn:name="Numbers",type=string,JSONPath=`.status.associatedNumbers`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Account",type=string,JSONPath=`.status.accountSid`,priority=1
// +kubebuilder:printcolumn:name="A2P",type=boolean,JSONPath=`.status.usAppToPersonRegistered`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type MessagingService struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the Twilio Messaging Service and its sender pool. Every optional field left out is unmanaged: never sent to Twilio and never corrected.
	// +required
	Spec MessagingServiceSpec `json:"spec"`

	// status defaults to {} so that its observedGeneration default applies before the operator's first status write.

	// status is what the operator last saw of the Messaging Service in Twilio.
	// +kubebuilder:default={}
	// +optional
	Status MessagingServiceStatus `json:"status,omitzero"`
}

// MessagingServiceList is a list of MessagingServices.
// +kubebuilder:object:root=true
type MessagingServiceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []MessagingService `json:"items"`
}

// GetConditions returns the status conditions.
func (in *MessagingService) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions.
func (in *MessagingService) SetConditions(c []metav1.Condition) { in.Status.Conditions = c }
