package v1alpha1

// TrustHubSpec declares the business behind an ISV's brand, so the operator builds its TrustHub bundles: a Secondary Customer Profile (the business, its representatives, its address, and the ISV's primary profile) and an A2P Messaging Profile trust product, each evaluated, submitted and approved before the brand is registered on them. Only an ISV can do this through the API: a direct customer's secondary profile is created in the Twilio Console, and its bundle SIDs go into spec.brand instead.
// +kubebuilder:validation:XValidation:rule="self.company.type != 'public' || (has(self.company.stockExchange) && has(self.company.stockTicker) && has(self.company.brandContactEmail))",message="a public company needs company.stockExchange, company.stockTicker and company.brandContactEmail"
type TrustHubSpec struct {
	// primaryCustomerProfileSid is the ISV's own primary customer profile (BU + 32 hex), twilio-approved, which every secondary profile it builds is assigned to.
	// +kubebuilder:validation:Pattern=`^BU[0-9a-fA-F]{32}$`
	// +required
	PrimaryCustomerProfileSID string `json:"primaryCustomerProfileSid"`

	// email (Email) receives Twilio's notices about the bundles' reviews: usually the ISV's compliance address.
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+\.[^@\s]+$`
	// +required
	Email string `json:"email"`

	// business is the business information end user (customer_profile_business_information).
	// +required
	Business TrustHubBusiness `json:"business"`

	// authorizedRepresentatives are one or two people Twilio may contact about the business (authorized_representative_1 and _2).
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=2
	// +listType=atomic
	// +required
	AuthorizedRepresentatives []AuthorizedRepresentative `json:"authorizedRepresentatives"`

	// address is the business's legal address (a Twilio Address, in the customer_profile_address supporting document).
	// +required
	Address TrustHubAddress `json:"address"`

	// company is the A2P Messaging Profile's company information (us_a2p_messaging_profile_information).
	// +required
	Company TrustHubCompany `json:"company"`
}

// BusinessType is the legal form of the business (business_type), in Twilio's words.
// +kubebuilder:validation:Enum="Sole Proprietorship";"Partnership";"Limited Liability Corporation";"Co-operative";"Non-profit Corporation";"Corporation"
type BusinessType string

// BusinessRegion is a region the business operates in (business_regions_of_operation).
// +kubebuilder:validation:Enum=AFRICA;ASIA;EUROPE;LATIN_AMERICA;USA_AND_CANADA
type BusinessRegion string

// TrustHubBusiness is the business information of a Secondary Customer Profile.
type TrustHubBusiness struct {
	// name (business_name) is the legal name, exactly as registered with the tax authority (the EIN's name for a US business).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +required
	Name string `json:"name"`

	// type (business_type) is the legal form.
	// +required
	Type BusinessType `json:"type"`

	// industry (business_industry) is Twilio's industry value, e.g. TECHNOLOGY, HEALTHCARE, RETAIL. Twilio's evaluation names an unknown one.
	// +kubebuilder:validation:Pattern=`^[A-Z_]+$`
	// +kubebuilder:validation:MaxLength=64
	// +required
	Industry string `json:"industry"`

	// registrationIdType (business_registration_identifier) is the kind of registration number, e.g. EIN (US), CBN (Canada), DUNS, VAT, Other.
	// +kubebuilder:validation:Pattern=`^[A-Za-z_]+$`
	// +kubebuilder:validation:MaxLength=32
	// +required
	RegistrationIDType string `json:"registrationIdType"`

	// registrationNumber (business_registration_number), e.g. the EIN, 9 digits.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +required
	RegistrationNumber string `json:"registrationNumber"`

	// regionsOfOperation (business_regions_of_operation).
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=5
	// +listType=set
	// +required
	RegionsOfOperation []BusinessRegion `json:"regionsOfOperation"`

	// websiteUrl (website_url) is the business's website.
	// +required
	WebsiteURL URL `json:"websiteUrl"`

	// socialMediaProfileUrls (social_media_profile_urls) are optional links to the business's social media profiles.
	// +kubebuilder:validation:MaxItems=5
	// +listType=atomic
	// +optional
	SocialMediaProfileURLs []URL `json:"socialMediaProfileUrls,omitempty"`
}

// JobPosition is a representative's position (job_position), in Twilio's words.
// +kubebuilder:validation:Enum=Director;GM;VP;CEO;CFO;"General Counsel";Other
type JobPosition string

// AuthorizedRepresentative is a person Twilio may contact about the business. Their email and phone number are personal data: give them from a Secret (secretKeyRef); the operator sends them to Twilio and never writes them into status, events or logs.
type AuthorizedRepresentative struct {
	// firstName (first_name).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +required
	FirstName string `json:"firstName"`
	// lastName (last_name).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +required
	LastName string `json:"lastName"`
	// businessTitle (business_title), e.g. "Head of Support".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +required
	BusinessTitle string `json:"businessTitle"`
	// jobPosition (job_position).
	// +required
	JobPosition JobPosition `json:"jobPosition"`
	// email (email) is the representative's business email.
	// +required
	Email PersonalValue `json:"email"`
	// phoneNumber (phone_number) is the representative's business phone, E.164.
	// +required
	PhoneNumber PersonalValue `json:"phoneNumber"`
}

// PersonalValue is a value given in the spec or, better, read from a Secret of the object's namespace.
// +kubebuilder:validation:XValidation:rule="has(self.value) != has(self.secretKeyRef)",message="exactly one of value and secretKeyRef must be set"
type PersonalValue struct {
	// value is the value itself.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=254
	// +optional
	Value string `json:"value,omitempty"`
	// secretKeyRef names a key of a Secret in the object's namespace holding the value.
	// +optional
	SecretKeyRef *SecretKeySelector `json:"secretKeyRef,omitempty"`
}

// SecretKeySelector is one key of a Secret in the object's namespace.
type SecretKeySelector struct {
	// name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +required
	Name string `json:"name"`
	// key in the Secret's data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +required
	Key string `json:"key"`
}

// TrustHubAddress is a postal address (a Twilio Address).
type TrustHubAddress struct {
	// street (Street).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +required
	Street string `json:"street"`
	// streetSecondary (StreetSecondary), e.g. a suite.
	// +kubebuilder:validation:MaxLength=255
	// +optional
	StreetSecondary string `json:"streetSecondary,omitempty"`
	// city (City).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +required
	City string `json:"city"`
	// region (Region): the state or province, e.g. CA.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +required
	Region string `json:"region"`
	// postalCode (PostalCode).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +required
	PostalCode string `json:"postalCode"`
	// isoCountry (IsoCountry) is the ISO 3166-1 alpha-2 country code, e.g. US.
	// +kubebuilder:validation:Pattern=`^[A-Z]{2}$`
	// +required
	ISOCountry string `json:"isoCountry"`
}

// CompanyType is the kind of company of an A2P Messaging Profile (company_type).
// +kubebuilder:validation:Enum=private;public;non_profit;government
type CompanyType string

// TrustHubCompany is the company information of the A2P Messaging Profile.
type TrustHubCompany struct {
	// type (company_type): private, public, non_profit or government. A public company also gives stockExchange, stockTicker and brandContactEmail.
	// +required
	Type CompanyType `json:"type"`
	// stockExchange (stock_exchange), e.g. NASDAQ, NYSE.
	// +kubebuilder:validation:Pattern=`^[A-Z0-9_]+$`
	// +kubebuilder:validation:MaxLength=16
	// +optional
	StockExchange string `json:"stockExchange,omitempty"`
	// stockTicker (stock_ticker), e.g. ACME.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=16
	// +optional
	StockTicker string `json:"stockTicker,omitempty"`
	// brandContactEmail (brand_contact_email) receives the email verification Twilio sends a public company's brand. It is a business address, not a person's.
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+\.[^@\s]+$`
	// +optional
	BrandContactEmail string `json:"brandContactEmail,omitempty"`
}

// TrustHubBundleStatus is what the operator last saw of one bundle it built.
type TrustHubBundleStatus struct {
	// sid is the bundle (BU…).
	// +optional
	SID string `json:"sid,omitempty"`
	// status is Twilio's: draft, pending-review, in-review, twilio-approved or twilio-rejected.
	// +optional
	Status string `json:"status,omitempty"`
	// nonCompliant are the fields the last evaluation found missing or invalid, as spec paths where one exists (with Twilio's object type and field), e.g. "spec.trustHub.business.industry (customer_profile_business_information.business_industry)".
	// +listType=atomic
	// +optional
	NonCompliant []string `json:"nonCompliant,omitempty"`
	// errors are Twilio's reasons for a twilio-rejected bundle.
	// +listType=atomic
	// +optional
	Errors []RegistrationError `json:"errors,omitempty"`
	// submittedHash identifies the spec.trustHub the bundle was last submitted with: it is submitted once per version.
	// +optional
	SubmittedHash string `json:"submittedHash,omitempty"`
}

// TrustHubStatus is what the operator built in TrustHub for spec.trustHub.
type TrustHubStatus struct {
	// customerProfile is the Secondary Customer Profile.
	// +optional
	CustomerProfile *TrustHubBundleStatus `json:"customerProfile,omitempty"`
	// trustProduct is the A2P Messaging Profile trust product.
	// +optional
	TrustProduct *TrustHubBundleStatus `json:"trustProduct,omitempty"`
	// addressSid is the business's Twilio Address (AD…).
	// +optional
	AddressSID string `json:"addressSid,omitempty"`
	// refusal says why a change of spec.trustHub was not applied: Twilio allows no edit of a bundle in review or approved (nor the operator, once the brand is registered).
	// +optional
	Refusal string `json:"refusal,omitempty"`
}

// Annotations of an A2PRegistration with spec.trustHub: the bundles it built, and the create-pending markers that make their creates crash-safe, as the sid and create-pending annotations do for the brand.
const (
	// CustomerProfileSIDAnnotation holds the Secondary Customer Profile (BU…) the operator built for spec.trustHub.
	CustomerProfileSIDAnnotation = "twilio-operator.io/customer-profile-sid"
	// TrustProductSIDAnnotation holds the A2P trust product (BU…) the operator built.
	TrustProductSIDAnnotation = "twilio-operator.io/trust-product-sid"
	// CustomerProfileCreatePendingAnnotation is the create-pending marker of the customer profile: found without CustomerProfileSIDAnnotation, the operator searches Twilio for the profile before creating one.
	CustomerProfileCreatePendingAnnotation = "twilio-operator.io/customer-profile-create-pending"
	// TrustProductCreatePendingAnnotation is the create-pending marker of the trust product.
	TrustProductCreatePendingAnnotation = "twilio-operator.io/trust-product-create-pending"
)

// Condition reasons of spec.trustHub (docs/conditions.md).
const (
	// ReasonBundleNotCompliant means Twilio's evaluation of a bundle the operator built found fields missing or invalid; the bundle is not submitted until they are fixed.
	ReasonBundleNotCompliant = "BundleNotCompliant"
	// ReasonSecretNotFound means a Secret (or its key) that spec.trustHub reads a representative's email or phone number from does not exist.
	ReasonSecretNotFound = "SecretNotFound"
)
