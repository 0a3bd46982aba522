package twilioemu

import (
	"fmt"
	"slices"
)

// TrustHub policies: what a bundle must hold to be compliant, and the evaluation that
// judges it (POST …/Evaluations, and again when the bundle is submitted).

// The policies of the US A2P bundles, by the SIDs Twilio publishes for them (the same in
// every account; public A2P onboarding clients hard-code them, e.g. a regulation map
// of "RNdfbf3fae0e1107f8aded0e7cead80bf5": "secondary-business-profile",
// "RNb0d4771c2c98518d916a3d4cd70a8f8b": "A2P", "RN806dd6cd175f314e1f96a9727ee271f4":
// "ISV Starter customer profile", "RN670d5d2e282a6130ae063b234b6019c8": "SoleProp
// (previously ISV Starter A2P)", "RN6433641899984f951173ef1738c3bdd0":
// "primary-business-profile").
const (
	// PrimaryProfilePolicy is the policy of an account's own (primary) customer profile;
	// the emulator only seeds such profiles.
	PrimaryProfilePolicy = "RN6433641899984f951173ef1738c3bdd0"
	// SecondaryProfilePolicy is the Secondary Customer Profile an ISV builds for a
	// customer with a tax ID (STANDARD brands).
	SecondaryProfilePolicy = "RNdfbf3fae0e1107f8aded0e7cead80bf5"
	// StarterProfilePolicy is the Starter Customer Profile of an ISV's sole proprietor.
	StarterProfilePolicy = "RN806dd6cd175f314e1f96a9727ee271f4"
	// A2PTrustProductPolicy is the A2P Messaging Profile trust product of a STANDARD brand.
	A2PTrustProductPolicy = "RNb0d4771c2c98518d916a3d4cd70a8f8b"
	// SoleProprietorTrustProductPolicy is the Sole Proprietor A2P trust product.
	SoleProprietorTrustProductPolicy = "RN670d5d2e282a6130ae063b234b6019c8"
)

// The error codes of an evaluation's results, as the spec's evaluation examples report
// them: 22214 an end user is missing, 22215 an end user's field is missing or invalid,
// 22216 a supporting document is missing, 22217 a document's field, 22219 an address.
// A missing or unfit supporting bundle has no code in the examples; the emulator
// reports 22216 and 22217 for it, as for the other supporting objects.
const (
	codeEndUserMissing  = 22214
	codeEndUserField    = 22215
	codeDocumentMissing = 22216
	codeDocumentField   = 22217
	codeAddressMissing  = 22219
)

type requirementKind int

const (
	endUserRequirement requirementKind = iota
	documentRequirement
	bundleRequirement
)

// requirement is one entry of an evaluation's results.
type requirement struct {
	name, friendlyName string // requirement_name, requirement_friendly_name
	kind               requirementKind
	objectType         string // the end user or document type; a bundle's object_type
	objectName         string // the result's friendly_name
	fields             []field
	// more returns the fields that some values make required (a public company's stock).
	more func(attributes map[string]any) []field
	// bundlePolicies and bundleStatuses are what a supporting bundle must be.
	bundlePolicies []string
	bundleStatuses []BundleStatus
}

// field is one attribute an end user or document must have; allowed, when set, are the
// values Twilio documents for it.
type field struct {
	name, friendlyName string
	allowed            []string
}

// policy is one TrustHub policy: the bundles of kind created against it, and what they
// must hold.
type policy struct {
	sid, name    string
	kind         BundleKind
	creatable    bool // whether the API may create bundles of it (the primary profile is seeded only)
	requirements []requirement
}

var submitted = []BundleStatus{BundlePendingReview, BundleInReview, BundleTwilioApproved}

// The requirements, from Twilio's "API: Create a Secondary Customer Profile" (the data
// to gather: business identity, type, industry, registration ID type and number,
// regions of operation, website; each representative's names, email, title, job
// position, phone; the address document; the primary profile assigned), the ISV A2P
// walkthroughs (https://www.twilio.com/docs/messaging/compliance/a2p-10dlc/onboarding-isv-api,
// …/onboarding-isv-api-sole-prop-new) and the spec's evaluation examples
// (createCompliantStarterCustomerProfile, createCompliantSoleProprietorA2PProfile).
var (
	businessInformation = requirement{name: "business_info", friendlyName: "Business Information",
		kind: endUserRequirement, objectType: "customer_profile_business_information", objectName: "Business Information",
		fields: []field{{name: "business_name", friendlyName: "Business Name"},
			{name: "business_identity", friendlyName: "Business Identity",
				allowed: []string{"direct_customer", "isv_reseller_or_partner", "unknown"}},
			{name: "business_type", friendlyName: "Business Type", allowed: []string{"Sole Proprietorship", "Partnership",
				"Limited Liability Corporation", "Co-operative", "Non-profit Corporation", "Corporation"}},
			{name: "business_industry", friendlyName: "Business Industry", allowed: businessIndustries},
			{name: "business_registration_identifier", friendlyName: "Business Registration ID Type"},
			{name: "business_registration_number", friendlyName: "Business Registration Number"},
			{name: "business_regions_of_operation", friendlyName: "Business Regions of Operations"},
			{name: "website_url", friendlyName: "Website URL"}}}
	authorizedRepresentative = requirement{name: "authorized_representative_1", friendlyName: "Authorized Representative 1",
		kind: endUserRequirement, objectType: "authorized_representative_1", objectName: "Authorized Representative 1",
		fields: []field{{name: "first_name", friendlyName: "First Name"}, {name: "last_name", friendlyName: "Last Name"},
			{name: "email", friendlyName: "Email"}, {name: "phone_number", friendlyName: "Phone Number"},
			{name: "business_title", friendlyName: "Business Title"},
			{name: "job_position", friendlyName: "Job Position",
				allowed: []string{"Director", "GM", "VP", "CEO", "CFO", "General Counsel", "Other"}}}}
	starterInformation = requirement{name: "starter_customer_profile_information",
		friendlyName: "Starter Customer Profile Information", kind: endUserRequirement,
		objectType: "starter_customer_profile_information", objectName: "Information",
		fields: []field{{name: "first_name", friendlyName: "First Name"}, {name: "last_name", friendlyName: "Last Name"},
			{name: "email", friendlyName: "Email Address"}, {name: "phone_number", friendlyName: "Phone Number"}}}
	profileAddress = requirement{name: "customer_profile_address", friendlyName: "Customer Profile Address",
		kind: documentRequirement, objectType: "customer_profile_address", objectName: "Legal Company Address",
		fields: []field{{name: "address_sids", friendlyName: "address sids"}}}
	primaryProfile = requirement{name: "primary_customer_profile", friendlyName: "Primary Customer Profile",
		kind: bundleRequirement, objectType: "primary_customer_profile_type_business",
		objectName: "Primary Customer Profile Bundle", fields: []field{{name: "bundle_sid", friendlyName: "Supporting Bundle Status"}},
		bundlePolicies: []string{PrimaryProfilePolicy}, bundleStatuses: []BundleStatus{BundleTwilioApproved}}
	// messagingProfile is the A2P trust product's company information. A public company
	// also gives its stock exchange and ticker, and a brand contact email (the email
	// verification Twilio asks of public companies); company_type takes the values of
	// the government and nonprofit guide (https://www.twilio.com/docs/messaging/compliance/a2p-10dlc/onboarding-for-government-and-non-profit-agencies).
	messagingProfile = requirement{name: "us_a2p_messaging_profile_information",
		friendlyName: "US A2P Messaging Profile Information", kind: endUserRequirement,
		objectType: "us_a2p_messaging_profile_information", objectName: "Messaging Profile Information",
		fields: []field{{name: "company_type", friendlyName: "Company Type", allowed: companyTypes}},
		more: func(attributes map[string]any) []field {
			if attributes["company_type"] != "public" {
				return nil
			}
			return []field{{name: "stock_exchange", friendlyName: "Stock Exchange"},
				{name: "stock_ticker", friendlyName: "Stock Ticker"},
				{name: "brand_contact_email", friendlyName: "Brand Contact Email"}}
		}}
	// A trust product is submitted while its customer profile is still in review (the
	// ISV walkthroughs submit both in one go), so the profile need only be submitted.
	businessProfile = requirement{name: "customer_profile", friendlyName: "Customer Profile", kind: bundleRequirement,
		objectType: "customer_profile_type_business", objectName: "Secondary Customer Profile Proof",
		fields:         []field{{name: "bundle_status", friendlyName: "Supporting Bundle Status"}},
		bundlePolicies: []string{PrimaryProfilePolicy, SecondaryProfilePolicy}, bundleStatuses: submitted}
	soleProprietorInformation = requirement{name: "sole_proprietor_information", friendlyName: "Sole Proprietor Information",
		kind: endUserRequirement, objectType: "sole_proprietor_information", objectName: "Sole Proprietor Information",
		fields: []field{{name: "brand_name", friendlyName: "Brand Name"},
			{name: "mobile_phone_number", friendlyName: "Mobile Phone Number"}, {name: "vertical", friendlyName: "Vertical"}}}
	starterProfile = requirement{name: "customer_profile", friendlyName: "Customer Profile", kind: bundleRequirement,
		objectType: "starter_customer_profile_type_business", objectName: "Starter Customer Profile(isv customers) Proof",
		fields:         []field{{name: "bundle_status", friendlyName: "Supporting Bundle Status"}},
		bundlePolicies: []string{StarterProfilePolicy}, bundleStatuses: submitted}

	companyTypes       = []string{"private", "public", "non_profit", "government"}
	businessIndustries = []string{"AGRICULTURE", "AUTOMOTIVE", "BANKING", "CONSUMER", "EDUCATION", "ELECTRONICS",
		"ENERGY", "ENGINEERING", "FAST_MOVING_CONSUMER_GOODS", "FINANCIAL", "FINTECH", "FOOD_AND_BEVERAGE", "GOVERNMENT",
		"HEALTHCARE", "HOSPITALITY", "INSURANCE", "JEWELRY", "LEGAL", "MANUFACTURING", "MEDIA", "NOT_FOR_PROFIT",
		"OIL_AND_GAS", "ONLINE", "RAW_MATERIALS", "REAL_ESTATE", "RELIGION", "RETAIL", "TECHNOLOGY", "TELECOMMUNICATIONS",
		"TRANSPORTATION", "TRAVEL"}
)

var policies = []policy{
	{sid: PrimaryProfilePolicy, name: "Primary Customer Profile of type Business", kind: CustomerProfile},
	{sid: SecondaryProfilePolicy, name: "Secondary Customer Profile of type Business", kind: CustomerProfile, creatable: true,
		requirements: []requirement{businessInformation, authorizedRepresentative, profileAddress, primaryProfile}},
	{sid: StarterProfilePolicy, name: "Starter Customer Profile of type Business", kind: CustomerProfile, creatable: true,
		requirements: []requirement{starterInformation, profileAddress, primaryProfile}},
	{sid: A2PTrustProductPolicy, name: "A2P Messaging: Local - Business", kind: TrustProduct, creatable: true,
		requirements: []requirement{messagingProfile, businessProfile}},
	{sid: SoleProprietorTrustProductPolicy, name: "Sole Proprietor A2P Messaging", kind: TrustProduct, creatable: true,
		requirements: []requirement{soleProprietorInformation, starterProfile}},
}

// policyOf is the policy with sid, nil if the emulator does not know it.
func policyOf(sid string) *policy {
	for i := range policies {
		if policies[i].sid == sid {
			return &policies[i]
		}
	}
	return nil
}

// endUserTypes are the end user types the policies name, plus authorized_representative_2
// (optional on a Secondary Customer Profile).
func endUserTypes() []string {
	types := []string{"authorized_representative_2"}
	for _, p := range policies {
		for _, r := range p.requirements {
			if r.kind == endUserRequirement && !slices.Contains(types, r.objectType) {
				types = append(types, r.objectType)
			}
		}
	}
	return types
}

// EvaluationField is one checked field of an evaluation result.
type evaluationField struct {
	ObjectField   string  `json:"object_field"`
	FriendlyName  string  `json:"friendly_name"`
	Passed        *bool   `json:"passed,omitempty"`
	FailureReason *string `json:"failure_reason"`
	ErrorCode     *int    `json:"error_code"`
}

// evaluationResult is one entry of an evaluation's results, in the spec examples' shape.
type evaluationResult struct {
	FriendlyName            string            `json:"friendly_name"`
	ObjectType              string            `json:"object_type"`
	Passed                  bool              `json:"passed"`
	FailureReason           *string           `json:"failure_reason"`
	ErrorCode               *int              `json:"error_code"`
	Valid                   []evaluationField `json:"valid"`
	Invalid                 []evaluationField `json:"invalid"`
	RequirementFriendlyName string            `json:"requirement_friendly_name"`
	RequirementName         string            `json:"requirement_name"`
}

// evaluate judges bundle b against policy p as it is now: compliant when every
// requirement passes. codes are the error codes of the failed requirements. Callers
// hold mu.
func (st *store) evaluate(b *Bundle, p *policy) (compliant bool, results []evaluationResult, codes []int) {
	objects := st.assignedObjects(b.Sid)
	compliant = true
	for _, req := range p.requirements {
		res := evaluationResult{FriendlyName: req.objectName, ObjectType: req.objectType, Passed: true,
			Valid: []evaluationField{}, Invalid: []evaluationField{}, RequirementFriendlyName: req.friendlyName,
			RequirementName: req.name}
		code, reason := st.judge(b, req, objects, &res)
		if code != 0 {
			res.Passed, res.ErrorCode, res.FailureReason = false, &code, &reason
			compliant, codes = false, append(codes, code)
		}
		results = append(results, res)
	}
	return compliant, results, codes
}

// judge checks one requirement against the bundle's assigned objects, filling the
// result's valid and invalid fields; it returns the requirement's error code and
// reason, 0 when it passes. Callers hold mu.
func (st *store) judge(b *Bundle, req requirement, objects []string, res *evaluationResult) (int, string) {
	switch req.kind {
	case endUserRequirement:
		return st.judgeEndUser(req, objects, res)
	case documentRequirement:
		return st.judgeDocument(b, req, objects, res)
	default:
		return st.judgeBundle(req, objects, res)
	}
}

func (st *store) judgeEndUser(req requirement, objects []string, res *evaluationResult) (int, string) {
	for _, sid := range objects {
		if u, ok := st.endUsers[sid]; ok && u.Type == req.objectType {
			fields := append(slices.Clone(req.fields), moreFields(req, u.Attributes)...)
			if bad := checkFields(fields, u.Attributes, codeEndUserField, req.objectName, res); bad {
				return codeEndUserField, fmt.Sprintf("The %s End-User is not complete. Please correct its fields.", req.objectName)
			}
			return 0, ""
		}
	}
	checkFields(req.fields, nil, codeEndUserField, req.objectName, res)
	return codeEndUserMissing, fmt.Sprintf("A %s End-User is missing. Please add one to the regulatory bundle.", req.objectName)
}

func (st *store) judgeDocument(b *Bundle, req requirement, objects []string, res *evaluationResult) (int, string) {
	for _, sid := range objects {
		if d, ok := st.documents[sid]; ok && d.Type == req.objectType {
			if len(st.addressesOf(b.AccountSid, d.Attributes["address_sids"])) == 0 {
				res.Invalid = append(res.Invalid, failedField(req.fields[0], codeAddressMissing,
					"The Address is missing. Please enter in the address shown on the "+req.objectName+"."))
				return codeDocumentField, fmt.Sprintf("The %s is not complete. Please correct its fields.", req.objectName)
			}
			res.Valid = append(res.Valid, passedField(req.fields[0]))
			return 0, ""
		}
	}
	res.Invalid = append(res.Invalid, failedField(req.fields[0], codeAddressMissing, "The Address is missing."))
	return codeDocumentMissing, fmt.Sprintf("A %s is missing. Please add one to the regulatory bundle.", req.objectName)
}

func (st *store) judgeBundle(req requirement, objects []string, res *evaluationResult) (int, string) {
	for _, sid := range objects {
		if o, ok := st.bundles[sid]; ok && o.Kind == CustomerProfile && slices.Contains(req.bundlePolicies, o.PolicySid) {
			st.settleBundle(o, st.now())
			if !slices.Contains(req.bundleStatuses, o.Status) {
				res.Invalid = append(res.Invalid, failedField(req.fields[0], codeDocumentField,
					fmt.Sprintf("The %s %s is %s; it must be %v.", req.objectName, o.Sid, o.Status, req.bundleStatuses)))
				return codeDocumentField, fmt.Sprintf("The %s is not in an accepted status.", req.objectName)
			}
			res.Valid = append(res.Valid, passedField(req.fields[0]))
			return 0, ""
		}
	}
	res.Invalid = append(res.Invalid, failedField(req.fields[0], codeDocumentMissing, "The "+req.objectName+" is missing."))
	return codeDocumentMissing, fmt.Sprintf("A %s is missing. Please add one to the regulatory bundle.", req.objectName)
}

func moreFields(req requirement, attributes map[string]any) []field {
	if req.more == nil {
		return nil
	}
	return req.more(attributes)
}

// checkFields sorts fields into the result's valid and invalid ones: a field must be a
// non-empty string, one of its allowed values when it has some. It reports whether any
// failed.
func checkFields(fields []field, attributes map[string]any, code int, objectName string, res *evaluationResult) bool {
	bad := false
	for _, f := range fields {
		v, _ := attributes[f.name].(string)
		switch {
		case v == "":
			res.Invalid = append(res.Invalid, failedField(f, code, fmt.Sprintf(
				"The %s is missing. Please enter in a %s on the %s.", f.friendlyName, f.friendlyName, objectName)))
			bad = true
		case f.allowed != nil && !slices.Contains(f.allowed, v):
			res.Invalid = append(res.Invalid, failedField(f, code, fmt.Sprintf(
				"The %s %q is invalid. It must be one of %v.", f.friendlyName, v, f.allowed)))
			bad = true
		default:
			res.Valid = append(res.Valid, passedField(f))
		}
	}
	return bad
}

func passedField(f field) evaluationField {
	return evaluationField{ObjectField: f.name, FriendlyName: f.friendlyName, Passed: ptr(true)}
}

func failedField(f field, code int, reason string) evaluationField {
	return evaluationField{ObjectField: f.name, FriendlyName: f.friendlyName, FailureReason: &reason, ErrorCode: &code}
}
