package twilio

import (
	"context"
	"errors"
	"time"

	apiv2010 "github.com/twilio/twilio-go/rest/api/v2010"
	trusthubv1 "github.com/twilio/twilio-go/rest/trusthub/v1"
)

// TrustHub is what the controllers ask of Twilio's TrustHub to build an ISV customer's
// bundles: the bundles themselves (Customer Profiles and Trust Products, told apart by
// BundleKind), the end users and supporting documents they hold, the entity
// assignments that put those into a bundle, evaluations, and the 2010 API's Addresses
// the address document names. Creates are not idempotent in Twilio: callers search by
// friendly name before creating again after a lost answer.
type TrustHub interface {
	// FetchBundle reads a bundle of kind.
	FetchBundle(ctx context.Context, kind BundleKind, sid string) (*Bundle, error)
	// ListBundles reads the account's bundles of kind with that friendly name and policy.
	ListBundles(ctx context.Context, kind BundleKind, friendlyName, policySID string) ([]Bundle, error)
	// CreateBundle creates a draft bundle.
	CreateBundle(ctx context.Context, kind BundleKind, p BundleParams) (*Bundle, error)
	// SubmitBundle submits a draft or twilio-rejected bundle for review (Status
	// pending-review).
	SubmitBundle(ctx context.Context, kind BundleKind, sid string) (*Bundle, error)
	// EvaluateBundle judges the bundle against its policy as it is now.
	EvaluateBundle(ctx context.Context, kind BundleKind, sid, policySID string) (*Evaluation, error)
	// ListAssignments reads what is assigned to a bundle.
	ListAssignments(ctx context.Context, kind BundleKind, sid string) ([]Assignment, error)
	// Assign puts an object (end user, supporting document, customer profile) into a
	// bundle.
	Assign(ctx context.Context, kind BundleKind, sid, objectSID string) (*Assignment, error)
	// Unassign takes an assignment out of a bundle.
	Unassign(ctx context.Context, kind BundleKind, sid, assignmentSID string) error

	// ListEndUsers reads every end user of the account.
	ListEndUsers(ctx context.Context) ([]EndUser, error)
	// FetchEndUser reads an end user.
	FetchEndUser(ctx context.Context, sid string) (*EndUser, error)
	// CreateEndUser creates an end user of a type with its attributes.
	CreateEndUser(ctx context.Context, friendlyName, endUserType string, attributes map[string]any) (*EndUser, error)
	// UpdateEndUser replaces an end user's attributes.
	UpdateEndUser(ctx context.Context, sid string, attributes map[string]any) (*EndUser, error)

	// ListSupportingDocuments reads every supporting document of the account.
	ListSupportingDocuments(ctx context.Context) ([]SupportingDocument, error)
	// FetchSupportingDocument reads a supporting document.
	FetchSupportingDocument(ctx context.Context, sid string) (*SupportingDocument, error)
	// CreateSupportingDocument creates a supporting document of a type with its
	// attributes.
	CreateSupportingDocument(ctx context.Context, friendlyName, documentType string, attributes map[string]any) (*SupportingDocument, error)

	// ListAddresses reads the account's addresses with that friendly name.
	ListAddresses(ctx context.Context, friendlyName string) ([]Address, error)
	// FetchAddress reads an address.
	FetchAddress(ctx context.Context, sid string) (*Address, error)
	// CreateAddress creates an address.
	CreateAddress(ctx context.Context, a Address) (*Address, error)
}

// BundleKind is the collection of a bundle: Customer Profiles or Trust Products.
type BundleKind string

// The two kinds of TrustHub bundles.
const (
	CustomerProfileKind BundleKind = "CustomerProfile"
	TrustProductKind    BundleKind = "TrustProduct"
)

// The policies of the US A2P bundles an ISV builds for a customer with a tax ID, by
// the SIDs Twilio publishes for them (the same in every account).
const (
	// SecondaryProfilePolicy is the Secondary Customer Profile of type Business.
	SecondaryProfilePolicy = "RNdfbf3fae0e1107f8aded0e7cead80bf5"
	// A2PTrustProductPolicy is the A2P Messaging Profile trust product.
	A2PTrustProductPolicy = "RNb0d4771c2c98518d916a3d4cd70a8f8b"
)

// Bundle statuses, besides BundleApproved and BundleRejected.
const (
	BundleDraft         = "draft"
	BundlePendingReview = "pending-review"
	BundleInReview      = "in-review"
)

// BundleParams creates a bundle.
type BundleParams struct {
	FriendlyName string
	// Email receives Twilio's notices about the bundle's review.
	Email     string
	PolicySID string
}

// Assignment is one object assigned to a bundle.
type Assignment struct {
	SID       string
	ObjectSID string
}

// Evaluation is Twilio's judgement of a bundle against its policy.
type Evaluation struct {
	SID string
	// Status is compliant or noncompliant.
	Status  string
	Results []EvaluationResult
}

// EvaluationCompliant is the status of an evaluation that found nothing missing.
const EvaluationCompliant = "compliant"

// EvaluationResult is one requirement of the policy.
type EvaluationResult struct {
	RequirementName string
	ObjectType      string
	Passed          bool
	FailureReason   string
	// Invalid are the fields of the requirement that are missing or invalid.
	Invalid []EvaluationField
}

// EvaluationField is one field an evaluation found missing or invalid.
type EvaluationField struct {
	ObjectField   string
	FriendlyName  string
	FailureReason string
}

// EndUser is a TrustHub end user. Its attributes may hold personal data: never log
// them.
type EndUser struct {
	SID          string
	FriendlyName string
	Type         string
	Attributes   map[string]any
	DateCreated  time.Time
}

// SupportingDocument is a TrustHub supporting document.
type SupportingDocument struct {
	SID          string
	FriendlyName string
	Type         string
	Attributes   map[string]any
	DateCreated  time.Time
}

// Address is a 2010 API address.
type Address struct {
	SID             string
	FriendlyName    string
	CustomerName    string
	Street          string
	StreetSecondary string
	City            string
	Region          string
	PostalCode      string
	IsoCountry      string
}

// Request names of the TrustHub routes, as in the metrics.
//
//nolint:gosec // G101: request names, not credentials
const (
	opListCustomerProfiles  = "GET /v1/CustomerProfiles"
	opCreateCustomerProfile = "POST /v1/CustomerProfiles"
	opUpdateCustomerProfile = "POST /v1/CustomerProfiles/{Sid}"
	opEvaluateCustomerProf  = "POST /v1/CustomerProfiles/{CustomerProfileSid}/Evaluations"
	opListProfileAssigns    = "GET /v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments"
	opAssignToProfile       = "POST /v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments"
	opUnassignFromProfile   = "DELETE /v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments/{Sid}"
	opListTrustProducts     = "GET /v1/TrustProducts"
	opCreateTrustProduct    = "POST /v1/TrustProducts"
	opUpdateTrustProduct    = "POST /v1/TrustProducts/{Sid}"
	opEvaluateTrustProduct  = "POST /v1/TrustProducts/{TrustProductSid}/Evaluations"
	opListProductAssigns    = "GET /v1/TrustProducts/{TrustProductSid}/EntityAssignments"
	opAssignToProduct       = "POST /v1/TrustProducts/{TrustProductSid}/EntityAssignments"
	opUnassignFromProduct   = "DELETE /v1/TrustProducts/{TrustProductSid}/EntityAssignments/{Sid}"
	opListEndUsers          = "GET /v1/EndUsers"
	opFetchEndUser          = "GET /v1/EndUsers/{Sid}"
	opCreateEndUser         = "POST /v1/EndUsers"
	opUpdateEndUser         = "POST /v1/EndUsers/{Sid}"
	opListDocuments         = "GET /v1/SupportingDocuments"
	opFetchDocument         = "GET /v1/SupportingDocuments/{Sid}"
	opCreateDocument        = "POST /v1/SupportingDocuments"
	opListAddresses         = "GET /2010-04-01/Accounts/{AccountSid}/Addresses.json"
	opFetchAddress          = "GET /2010-04-01/Accounts/{AccountSid}/Addresses/{Sid}.json"
	opCreateAddress         = "POST /2010-04-01/Accounts/{AccountSid}/Addresses.json"
)

func (a *apiClient) FetchBundle(ctx context.Context, kind BundleKind, sid string) (*Bundle, error) {
	if kind == TrustProductKind {
		b, err := a.trusthub(ctx).FetchTrustProduct(seg(sid))
		if err != nil {
			return nil, classify(opFetchTrustProduct, err)
		}
		return trustProductFromAPI(b), nil
	}
	b, err := a.trusthub(ctx).FetchCustomerProfile(seg(sid))
	if err != nil {
		return nil, classify(opFetchCustomerProf, err)
	}
	return customerProfileFromAPI(b), nil
}

func (a *apiClient) ListBundles(ctx context.Context, kind BundleKind, friendlyName, policySID string) ([]Bundle, error) {
	var out []Bundle
	if kind == TrustProductKind {
		list, err := a.trusthub(ctx).ListTrustProduct(new(trusthubv1.ListTrustProductParams).
			SetFriendlyName(friendlyName).SetPolicySid(policySID).SetPageSize(maxPageSize))
		if err != nil {
			return nil, classify(opListTrustProducts, err)
		}
		for i := range list {
			out = append(out, *trustProductFromAPI(&list[i]))
		}
		return out, nil
	}
	list, err := a.trusthub(ctx).ListCustomerProfile(new(trusthubv1.ListCustomerProfileParams).
		SetFriendlyName(friendlyName).SetPolicySid(policySID).SetPageSize(maxPageSize))
	if err != nil {
		return nil, classify(opListCustomerProfiles, err)
	}
	for i := range list {
		out = append(out, *customerProfileFromAPI(&list[i]))
	}
	return out, nil
}

func (a *apiClient) CreateBundle(ctx context.Context, kind BundleKind, p BundleParams) (*Bundle, error) {
	if kind == TrustProductKind {
		b, err := a.trusthub(ctx).CreateTrustProduct(new(trusthubv1.CreateTrustProductParams).
			SetFriendlyName(p.FriendlyName).SetEmail(p.Email).SetPolicySid(p.PolicySID))
		if err != nil {
			return nil, classify(opCreateTrustProduct, err)
		}
		return trustProductFromAPI(b), nil
	}
	b, err := a.trusthub(ctx).CreateCustomerProfile(new(trusthubv1.CreateCustomerProfileParams).
		SetFriendlyName(p.FriendlyName).SetEmail(p.Email).SetPolicySid(p.PolicySID))
	if err != nil {
		return nil, classify(opCreateCustomerProfile, err)
	}
	return customerProfileFromAPI(b), nil
}

func (a *apiClient) SubmitBundle(ctx context.Context, kind BundleKind, sid string) (*Bundle, error) {
	if kind == TrustProductKind {
		b, err := a.trusthub(ctx).UpdateTrustProduct(seg(sid), new(trusthubv1.UpdateTrustProductParams).SetStatus(BundlePendingReview))
		if err != nil {
			return nil, classify(opUpdateTrustProduct, err)
		}
		return trustProductFromAPI(b), nil
	}
	b, err := a.trusthub(ctx).UpdateCustomerProfile(seg(sid), new(trusthubv1.UpdateCustomerProfileParams).SetStatus(BundlePendingReview))
	if err != nil {
		return nil, classify(opUpdateCustomerProfile, err)
	}
	return customerProfileFromAPI(b), nil
}

func (a *apiClient) EvaluateBundle(ctx context.Context, kind BundleKind, sid, policySID string) (*Evaluation, error) {
	if kind == TrustProductKind {
		e, err := a.trusthub(ctx).CreateTrustProductEvaluation(seg(sid), new(trusthubv1.CreateTrustProductEvaluationParams).SetPolicySid(policySID))
		if err != nil {
			return nil, classify(opEvaluateTrustProduct, err)
		}
		return evaluationFromAPI(deref(e.Sid), deref(e.Status), derefSlice(e.Results)), nil
	}
	e, err := a.trusthub(ctx).CreateCustomerProfileEvaluation(seg(sid), new(trusthubv1.CreateCustomerProfileEvaluationParams).SetPolicySid(policySID))
	if err != nil {
		return nil, classify(opEvaluateCustomerProf, err)
	}
	return evaluationFromAPI(deref(e.Sid), deref(e.Status), derefSlice(e.Results)), nil
}

func (a *apiClient) ListAssignments(ctx context.Context, kind BundleKind, sid string) ([]Assignment, error) {
	var out []Assignment
	if kind == TrustProductKind {
		list, err := a.trusthub(ctx).ListTrustProductEntityAssignment(seg(sid),
			new(trusthubv1.ListTrustProductEntityAssignmentParams).SetPageSize(maxPageSize))
		if err != nil {
			return nil, classify(opListProductAssigns, err)
		}
		for _, x := range list {
			out = append(out, Assignment{SID: deref(x.Sid), ObjectSID: deref(x.ObjectSid)})
		}
		return out, nil
	}
	list, err := a.trusthub(ctx).ListCustomerProfileEntityAssignment(seg(sid),
		new(trusthubv1.ListCustomerProfileEntityAssignmentParams).SetPageSize(maxPageSize))
	if err != nil {
		return nil, classify(opListProfileAssigns, err)
	}
	for _, x := range list {
		out = append(out, Assignment{SID: deref(x.Sid), ObjectSID: deref(x.ObjectSid)})
	}
	return out, nil
}

func (a *apiClient) Assign(ctx context.Context, kind BundleKind, sid, objectSID string) (*Assignment, error) {
	if kind == TrustProductKind {
		x, err := a.trusthub(ctx).CreateTrustProductEntityAssignment(seg(sid),
			new(trusthubv1.CreateTrustProductEntityAssignmentParams).SetObjectSid(objectSID))
		if err != nil {
			return nil, classify(opAssignToProduct, err)
		}
		return &Assignment{SID: deref(x.Sid), ObjectSID: deref(x.ObjectSid)}, nil
	}
	x, err := a.trusthub(ctx).CreateCustomerProfileEntityAssignment(seg(sid),
		new(trusthubv1.CreateCustomerProfileEntityAssignmentParams).SetObjectSid(objectSID))
	if err != nil {
		return nil, classify(opAssignToProfile, err)
	}
	return &Assignment{SID: deref(x.Sid), ObjectSID: deref(x.ObjectSid)}, nil
}

func (a *apiClient) Unassign(ctx context.Context, kind BundleKind, sid, assignmentSID string) error {
	if kind == TrustProductKind {
		return classify(opUnassignFromProduct, a.trusthub(ctx).DeleteTrustProductEntityAssignment(seg(sid), seg(assignmentSID)))
	}
	return classify(opUnassignFromProfile, a.trusthub(ctx).DeleteCustomerProfileEntityAssignment(seg(sid), seg(assignmentSID)))
}

func (a *apiClient) ListEndUsers(ctx context.Context) ([]EndUser, error) {
	list, err := a.trusthub(ctx).ListEndUser(new(trusthubv1.ListEndUserParams).SetPageSize(maxPageSize))
	if err != nil {
		return nil, classify(opListEndUsers, err)
	}
	out := make([]EndUser, 0, len(list))
	for i := range list {
		out = append(out, *endUserFromAPI(&list[i]))
	}
	return out, nil
}

func (a *apiClient) FetchEndUser(ctx context.Context, sid string) (*EndUser, error) {
	u, err := a.trusthub(ctx).FetchEndUser(seg(sid))
	if err != nil {
		return nil, classify(opFetchEndUser, err)
	}
	return endUserFromAPI(u), nil
}

func (a *apiClient) CreateEndUser(ctx context.Context, friendlyName, endUserType string, attributes map[string]any) (*EndUser, error) {
	u, err := a.trusthub(ctx).CreateEndUser(new(trusthubv1.CreateEndUserParams).
		SetFriendlyName(friendlyName).SetType(endUserType).SetAttributes(attributes))
	if err != nil {
		return nil, withheld(classify(opCreateEndUser, err))
	}
	return endUserFromAPI(u), nil
}

func (a *apiClient) UpdateEndUser(ctx context.Context, sid string, attributes map[string]any) (*EndUser, error) {
	u, err := a.trusthub(ctx).UpdateEndUser(seg(sid), new(trusthubv1.UpdateEndUserParams).SetAttributes(attributes))
	if err != nil {
		return nil, withheld(classify(opUpdateEndUser, err))
	}
	return endUserFromAPI(u), nil
}

// withheld drops Twilio's message from the error of a write that carried an end
// user's attributes: a message may repeat a value it refused, and a representative's
// email and phone number are personal data. The class, request and code stay.
func withheld(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Message == "" {
		return err
	}
	c := *e
	c.Message = "(Twilio's message is withheld: the request carried personal data)"
	return &c
}

func (a *apiClient) ListSupportingDocuments(ctx context.Context) ([]SupportingDocument, error) {
	list, err := a.trusthub(ctx).ListSupportingDocument(new(trusthubv1.ListSupportingDocumentParams).SetPageSize(maxPageSize))
	if err != nil {
		return nil, classify(opListDocuments, err)
	}
	out := make([]SupportingDocument, 0, len(list))
	for i := range list {
		out = append(out, *documentFromAPI(&list[i]))
	}
	return out, nil
}

func (a *apiClient) FetchSupportingDocument(ctx context.Context, sid string) (*SupportingDocument, error) {
	d, err := a.trusthub(ctx).FetchSupportingDocument(seg(sid))
	if err != nil {
		return nil, classify(opFetchDocument, err)
	}
	return documentFromAPI(d), nil
}

func (a *apiClient) CreateSupportingDocument(ctx context.Context, friendlyName, documentType string,
	attributes map[string]any) (*SupportingDocument, error) {
	d, err := a.trusthub(ctx).CreateSupportingDocument(new(trusthubv1.CreateSupportingDocumentParams).
		SetFriendlyName(friendlyName).SetType(documentType).SetAttributes(attributes))
	if err != nil {
		return nil, classify(opCreateDocument, err)
	}
	return documentFromAPI(d), nil
}

func (a *apiClient) ListAddresses(ctx context.Context, friendlyName string) ([]Address, error) {
	list, err := a.api(ctx).ListAddress(new(apiv2010.ListAddressParams).SetPathAccountSid(a.creds.AccountSID).
		SetFriendlyName(friendlyName).SetPageSize(maxPageSize))
	if err != nil {
		return nil, classify(opListAddresses, err)
	}
	out := make([]Address, 0, len(list))
	for i := range list {
		out = append(out, addressFromAPI(&list[i]))
	}
	return out, nil
}

func (a *apiClient) FetchAddress(ctx context.Context, sid string) (*Address, error) {
	x, err := a.api(ctx).FetchAddress(seg(sid), new(apiv2010.FetchAddressParams).SetPathAccountSid(a.creds.AccountSID))
	if err != nil {
		return nil, classify(opFetchAddress, err)
	}
	out := addressFromAPI(x)
	return &out, nil
}

func (a *apiClient) CreateAddress(ctx context.Context, in Address) (*Address, error) {
	p := new(apiv2010.CreateAddressParams).SetPathAccountSid(a.creds.AccountSID).
		SetFriendlyName(in.FriendlyName).SetCustomerName(in.CustomerName).SetStreet(in.Street).SetCity(in.City).
		SetRegion(in.Region).SetPostalCode(in.PostalCode).SetIsoCountry(in.IsoCountry)
	if in.StreetSecondary != "" {
		p.SetStreetSecondary(in.StreetSecondary)
	}
	x, err := a.api(ctx).CreateAddress(p)
	if err != nil {
		return nil, classify(opCreateAddress, err)
	}
	out := addressFromAPI(x)
	return &out, nil
}

func customerProfileFromAPI(b *trusthubv1.TrusthubV1CustomerProfile) *Bundle {
	return &Bundle{SID: deref(b.Sid), Status: deref(b.Status), FriendlyName: deref(b.FriendlyName),
		PolicySID: deref(b.PolicySid), DateCreated: deref(b.DateCreated), Errors: bundleErrorCodes(derefSlice(b.Errors))}
}

func trustProductFromAPI(b *trusthubv1.TrusthubV1TrustProduct) *Bundle {
	return &Bundle{SID: deref(b.Sid), Status: deref(b.Status), FriendlyName: deref(b.FriendlyName),
		PolicySID: deref(b.PolicySid), DateCreated: deref(b.DateCreated), Errors: bundleErrorCodes(derefSlice(b.Errors))}
}

// bundleErrorCodes reads a rejected bundle's errors, [{"code": 18601}, …].
func bundleErrorCodes(errs []any) []int {
	var out []int
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			if c, ok := m["code"].(float64); ok {
				out = append(out, int(c))
			}
		}
	}
	return out
}

func evaluationFromAPI(sid, status string, results []any) *Evaluation {
	e := &Evaluation{SID: sid, Status: status}
	for _, r := range results {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		res := EvaluationResult{RequirementName: str(m["requirement_name"]), ObjectType: str(m["object_type"]),
			FailureReason: str(m["failure_reason"])}
		res.Passed, _ = m["passed"].(bool)
		invalid, _ := m["invalid"].([]any)
		for _, f := range invalid {
			if fm, ok := f.(map[string]any); ok {
				res.Invalid = append(res.Invalid, EvaluationField{ObjectField: str(fm["object_field"]),
					FriendlyName: str(fm["friendly_name"]), FailureReason: str(fm["failure_reason"])})
			}
		}
		e.Results = append(e.Results, res)
	}
	return e
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func attributesOf(v *any) map[string]any {
	if v == nil {
		return nil
	}
	m, _ := (*v).(map[string]any)
	return m
}

func endUserFromAPI(u *trusthubv1.TrusthubV1EndUser) *EndUser {
	return &EndUser{SID: deref(u.Sid), FriendlyName: deref(u.FriendlyName), Type: deref(u.Type),
		Attributes: attributesOf(u.Attributes), DateCreated: deref(u.DateCreated)}
}

func documentFromAPI(d *trusthubv1.TrusthubV1SupportingDocument) *SupportingDocument {
	return &SupportingDocument{SID: deref(d.Sid), FriendlyName: deref(d.FriendlyName), Type: deref(d.Type),
		Attributes: attributesOf(d.Attributes), DateCreated: deref(d.DateCreated)}
}

func addressFromAPI(x *apiv2010.ApiV2010Address) Address {
	return Address{SID: deref(x.Sid), FriendlyName: deref(x.FriendlyName), CustomerName: deref(x.CustomerName),
		Street: deref(x.Street), StreetSecondary: deref(x.StreetSecondary), City: deref(x.City), Region: deref(x.Region),
		PostalCode: deref(x.PostalCode), IsoCountry: deref(x.IsoCountry)}
}
