package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Annotations users and the operator put on both kinds. They live in metadata because they
// must survive a backup and restore, which status does not.
const (
	// SIDAnnotation holds the SID of the Twilio object this object manages (MG… or BN…).
	// The operator writes it right after a create; a user sets it on a new object to adopt
	// an existing Twilio object.
	SIDAnnotation = "twilio-operator.io/sid"

	// CreatePendingAnnotation holds the RFC 3339 time the operator wrote just before a
	// create call. Finding it without a SID means the create may have happened, so the
	// operator searches Twilio by natural key before creating again.
	CreatePendingAnnotation = "twilio-operator.io/create-pending"

	// PausedAnnotation set to "true" makes the operator leave the object alone: no Twilio
	// calls at all until it is removed.
	PausedAnnotation = "twilio-operator.io/paused"

	// ResubmitBrandAnnotation: any new value resubmits a FAILED brand once.
	ResubmitBrandAnnotation = "twilio-operator.io/resubmit-brand"

	// ResendOTPAnnotation: any new value sends a SOLE_PROPRIETOR brand's OTP again, once
	// (the brand must be APPROVED and not yet VERIFIED).
	ResendOTPAnnotation = "twilio-operator.io/resend-otp"

	// CorrectDriftAnnotation: any new value puts back, once, drift found in fields whose
	// correction costs money or a new vetting (a campaign's fields), which the operator
	// otherwise only reports.
	CorrectDriftAnnotation = "twilio-operator.io/correct-drift"

	// ReconcileRequestedAtAnnotation: any new value (by convention the current time, as
	// Flux's reconcile.fluxcd.io/requestedAt) makes the operator sync the object with
	// Twilio at once, reading everything, instead of at its next resync. The value acted
	// on is kept in status.lastHandledReconcileAt.
	ReconcileRequestedAtAnnotation = "twilio-operator.io/reconcile-requested-at"
)

// DeletionPolicy says what deleting the custom resource does to the Twilio side.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the Twilio objects the custom resource manages.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves the Twilio objects untouched.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// ManagementPolicy says whether the operator may write to Twilio.
// +kubebuilder:validation:Enum=Manage;ObserveOnly
type ManagementPolicy string

const (
	// ManagementPolicyManage creates, updates and deletes Twilio objects to match the spec.
	ManagementPolicyManage ManagementPolicy = "Manage"
	// ManagementPolicyObserveOnly only reads Twilio and reports differences in status.drift.
	ManagementPolicyObserveOnly ManagementPolicy = "ObserveOnly"
)

// CredentialsReference names the Secret holding the Twilio credentials.
type CredentialsReference struct {
	// name of a Secret in the object's own namespace, with the key TWILIO_ACCOUNT_SID and either TWILIO_AUTH_TOKEN or TWILIO_API_KEY plus TWILIO_API_SECRET. Defaults to twilio-credentials.
	// +kubebuilder:default=twilio-credentials
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +optional
	Name string `json:"name,omitempty"`
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// name of the object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
}

// ExportSpec says where the operator writes the object's Twilio SIDs for the apps that
// need them.
type ExportSpec struct {
	// configMapName is a ConfigMap in the object's namespace, owned by the object, with env-style keys (TWILIO_ACCOUNT_SID, TWILIO_MESSAGING_SERVICE_SID, TWILIO_BRAND_SID…) so a Flex plugin or a sending app can envFrom it. A ConfigMap of that name that this object does not own is never overwritten (Stalled, reason ExportConflict).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +required
	ConfigMapName string `json:"configMapName"`
}

// DriftEntry is one field whose Twilio value differs from the spec.
type DriftEntry struct {
	// field is the spec field, e.g. friendlyName or phoneNumbers.
	Field string `json:"field"`
	// desired is the value the spec asks for.
	// +optional
	Desired string `json:"desired,omitempty"`
	// actual is the value Twilio holds.
	// +optional
	Actual string `json:"actual,omitempty"`
	// keptByTwilio is true when the operator sent the desired value and Twilio kept its own (it ignored or normalised the field): the operator does not send it again until the spec changes.
	// +optional
	KeptByTwilio bool `json:"keptByTwilio,omitempty"`
}

// CommonStatus is the part of status both kinds share.
type CommonStatus struct {
	// The default 0 makes a new object read as not yet reconciled (kstatus InProgress) before the operator first writes its status, so Helm --wait and Flux do not pass it too early.

	// observedGeneration is the generation the status describes; 0 until the operator has reconciled the object once.
	// +kubebuilder:default=0
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions are Ready, Reconciling and Stalled (kstatus-compatible) plus the kind-specific ones.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// sid is the SID of the main Twilio object (MG… or BN…).
	// +optional
	SID string `json:"sid,omitempty"`

	// accountSid is the Twilio account the object lives in.
	// +optional
	AccountSID string `json:"accountSid,omitempty"`

	// lastSyncTime is the last time Twilio was read successfully.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// drift lists the fields where Twilio differs from the spec. In ObserveOnly it is the full report; in Manage it is empty once the operator has put Twilio back.
	// +listType=atomic
	// +optional
	Drift []DriftEntry `json:"drift,omitempty"`

	// lastHandledReconcileAt is the value of the twilio-operator.io/reconcile-requested-at annotation that the operator last acted on with a sync.
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`
}

// URL is an absolute http or https URL, as Twilio requires for webhooks and policy links.
// +kubebuilder:validation:MaxLength=2048
// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https'] && size(url(self).getHostname()) > 0",message="must be an absolute http or https URL"
type URL string

// HTTPMethod is the method Twilio uses to call a webhook.
// +kubebuilder:validation:Enum=GET;POST
type HTTPMethod string
