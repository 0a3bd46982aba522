package twilioemu

import "time"

// The TrustHub objects an ISV builds its customers' bundles from, as tests see them.

// EndUser is a TrustHub end user (IT…): the business, a representative, the A2P
// messaging profile or a sole proprietor, by Type, with its Attributes.
type EndUser struct {
	Sid          string         `json:"sid"`
	AccountSid   string         `json:"accountSid"`
	FriendlyName string         `json:"friendlyName"`
	Type         string         `json:"type"`
	Attributes   map[string]any `json:"attributes"`
	DateCreated  time.Time      `json:"dateCreated"`
	DateUpdated  time.Time      `json:"dateUpdated"`
}

// SupportingDocument is a TrustHub supporting document (RD…); customer_profile_address
// is the one the A2P bundles need, naming addresses in Attributes["address_sids"].
type SupportingDocument struct {
	Sid          string         `json:"sid"`
	AccountSid   string         `json:"accountSid"`
	FriendlyName string         `json:"friendlyName"`
	Type         string         `json:"type"`
	Status       string         `json:"status"`
	Attributes   map[string]any `json:"attributes"`
	DateCreated  time.Time      `json:"dateCreated"`
	DateUpdated  time.Time      `json:"dateUpdated"`
}

// Address is a 2010 API address (AD…). Optional fields are "" when unset.
type Address struct {
	Sid              string    `json:"sid"`
	AccountSid       string    `json:"accountSid"`
	CustomerName     string    `json:"customerName"`
	FriendlyName     string    `json:"friendlyName,omitempty"`
	Street           string    `json:"street"`
	StreetSecondary  string    `json:"streetSecondary,omitempty"`
	City             string    `json:"city"`
	Region           string    `json:"region"`
	PostalCode       string    `json:"postalCode"`
	IsoCountry       string    `json:"isoCountry"`
	EmergencyEnabled bool      `json:"emergencyEnabled"`
	DateCreated      time.Time `json:"dateCreated"`
	DateUpdated      time.Time `json:"dateUpdated"`
}

// EntityAssignment (BV…) puts an object (an end user, a supporting document or another
// bundle) into a bundle.
type EntityAssignment struct {
	Sid         string    `json:"sid"`
	AccountSid  string    `json:"accountSid"`
	BundleSid   string    `json:"bundleSid"`
	ObjectSid   string    `json:"objectSid"`
	DateCreated time.Time `json:"dateCreated"`
}

// TrustHub shows the TrustHub objects of an account: what TrustHub returns.
type TrustHub struct {
	Bundles     []Bundle             `json:"bundles"`
	EndUsers    []EndUser            `json:"endUsers"`
	Documents   []SupportingDocument `json:"supportingDocuments"`
	Addresses   []Address            `json:"addresses"`
	Assignments []EntityAssignment   `json:"entityAssignments"`
}
