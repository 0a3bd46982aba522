package twilioemu

import "slices"

// The use case catalogues: /v1/Services/Usecases (Messaging Service use cases) and
// /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases (US A2P campaign use
// cases a brand may register).

// a2pUsecase is one entry of us_app_to_person_usecases.
type a2pUsecase struct {
	Code                 string `json:"code"`
	Name                 string `json:"name"`
	Description          string `json:"description"`
	PostApprovalRequired bool   `json:"post_approval_required"`
}

// a2pUsecases are the campaign use cases Twilio lists for a standard brand, plus
// SOLE_PROPRIETOR, the only one a sole-proprietor brand may use.
var a2pUsecases = []a2pUsecase{
	{"2FA", "Two-Factor authentication (2FA)", "Two-Factor authentication, one-time use password, password reset", false},
	{"ACCOUNT_NOTIFICATION", "Account Notification", "All reminders, alerts, and notifications.", false},
	{"AGENTS_FRANCHISES", "Agents and Franchises", "Brands with multiple agents, franchises or offices in the same brand vertical.", true},
	{"CHARITY", "Charity", "Includes 501(c)(3) charities; does not include religious organizations.", false},
	{"CUSTOMER_CARE", "Customer Care", "All customer care messaging, including account management and support", false},
	{"DELIVERY_NOTIFICATION", "Delivery Notification", "Information about the status of the delivery of a product or service", false},
	{"EMERGENCY", "Emergency", "Notification services designed to support public safety and health.", true},
	{"FRAUD_ALERT", "Fraud Alert Messaging", "Fraud alert notification", false},
	{"HIGHER_EDUCATION", "Higher Education", "Campaigns created on behalf of colleges, universities and school districts.", false},
	{"K12_EDUCATION", "K-12 Education", "Messaging platforms that support schools from grades K-12.", true},
	{"LOW_VOLUME", "Low Volume Mixed", "Low throughput, any combination of use cases.", false},
	{"MARKETING", "Marketing", "Any communication with marketing and/or promotional content", false},
	{"MIXED", "Mixed", "Mixed messaging reserved for specific consumer service industry", false},
	{"POLITICAL", "Political", "Part of organized effort to influence decision making of specific group.", true},
	{"POLLING_VOTING", "Polling and voting", "Polling and voting", false},
	{"PROXY", "Proxy", "Peer-to-peer app-based group messaging with proxy/pooled numbers.", true},
	{"PUBLIC_SERVICE_ANNOUNCEMENT", "Public Service Announcement", "An informational message meant to raise awareness.", false},
	{"SECURITY_ALERT", "Security Alert", "A notification that the security of a system has been compromised.", false},
	{"SOCIAL", "Social", "Communication between public figures and their fans.", true},
	{"SWEEPSTAKE", "Sweepstake", "All sweepstakes messaging", true},
	{"SOLE_PROPRIETOR", "Sole Proprietor", "Campaigns of sole-proprietor brands", false},
}

// soleProprietor is both a brand type and the only use case such a brand may register.
const soleProprietor = "SOLE_PROPRIETOR"

// compatibleA2PUsecases are the A2P campaign use cases each declared Messaging Service
// Usecase admits; "undeclared", the default, admits every one. Twilio enforces the
// match with 21719 both ways ("Updating a Messaging Service use case to one that is not
// compatible with the current A2P use case", "Creating a new A2P campaign with an A2P
// use case that is not compatible with the current Messaging Service use case",
// https://www.twilio.com/docs/api/errors/21719) and lists the compatible ones at
// /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases, but publishes no table.
// This one is the strict reading: a service admits only the use cases its name covers,
// and the mixed ones (MIXED, LOW_VOLUME) and SOLE_PROPRIETOR only an undeclared service.
var compatibleA2PUsecases = map[string][]string{
	"notifications": {"ACCOUNT_NOTIFICATION", "DELIVERY_NOTIFICATION", "FRAUD_ALERT", "SECURITY_ALERT",
		"PUBLIC_SERVICE_ANNOUNCEMENT", "EMERGENCY", "HIGHER_EDUCATION", "K12_EDUCATION"},
	"marketing":    {"MARKETING", "SWEEPSTAKE", "CHARITY", "POLITICAL", "AGENTS_FRANCHISES", "SOCIAL"},
	"verification": {"2FA"},
	"discussion":   {"CUSTOMER_CARE", "PROXY", "SOCIAL", "AGENTS_FRANCHISES"},
	"poll":         {"POLLING_VOTING", "POLITICAL"},
}

// usecasesCompatible reports whether a service of Usecase serviceUsecase may hold a
// campaign of A2P use case a2p (21719 otherwise).
func usecasesCompatible(serviceUsecase, a2p string) bool {
	if serviceUsecase == "undeclared" || serviceUsecase == "" {
		return true
	}
	return slices.Contains(compatibleA2PUsecases[serviceUsecase], a2p)
}

func a2pUsecaseCodes() []string {
	codes := make([]string, len(a2pUsecases))
	for i, u := range a2pUsecases {
		codes[i] = u.Code
	}
	return codes
}

// serviceUsecase is one entry of /v1/Services/Usecases.
type serviceUsecase struct {
	Usecase     string `json:"usecase"`
	Description string `json:"description"`
	Purpose     string `json:"purpose"`
}

var serviceUsecaseCatalogue = []serviceUsecase{
	{"notifications", "Transactional notifications and alerts.", "Notify my users."},
	{"marketing", "Marketing messages with product information, offers and calls to action.", "Market my services."},
	{"verification", "One-time passcodes and account verification.", "Verify my users."},
	{"discussion", "Two-way conversations with customers.", "Have a conversation with my users."},
	{"poll", "Surveys and votes.", "Poll my users."},
	{"undeclared", "A use case that is not declared.", "Undeclared."},
}

func (s *Server) serviceUsecases(*request) response {
	return ok(map[string]any{"usecases": serviceUsecaseCatalogue})
}

// campaignUsecases lists the campaign use cases the brand may register on this service
// (see offeredUsecases), keeping those compatible with the service's Usecase (21719's
// "The following resource can be used to retrieve all compatible A2P use cases for a
// specific Messaging Service"). Without BrandRegistrationSid it lists every standard use
// case the service admits, as the spec's fetchWithoutBrandRegistrationSid example.
func (s *Server) campaignUsecases(r *request) response {
	f := r.form()
	brandSid := f.str("BrandRegistrationSid")
	if f.err != nil {
		return fail(f.err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	svc, err := s.st.serviceRef(r.account, r.pathValue("MessagingServiceSid"))
	if err != nil {
		return fail(err)
	}
	list := standardUsecases()
	if brandSid != nil {
		list = []a2pUsecase{}
		if b, err := s.st.brandRef(r.account, *brandSid); err == nil {
			list = s.st.offeredUsecases(b)
		}
	}
	compatible := []a2pUsecase{}
	for _, u := range list {
		if usecasesCompatible(svc.Usecase, u.Code) {
			compatible = append(compatible, u)
		}
	}
	return ok(map[string]any{"us_app_to_person_usecases": compatible})
}

func standardUsecases() []a2pUsecase {
	return slices.DeleteFunc(slices.Clone(a2pUsecases), func(u a2pUsecase) bool { return u.Code == soleProprietor })
}

// specialUsecases are the special use cases only some organisations are offered, by the
// company type of the brand's trust product: "Government agencies can register with all
// Standard Campaign Use Cases, and are also eligible for the Emergency Special Use
// Case"; nonprofits "have access to additional Special Use Cases, such as
// Charity/501(c)(3)" and, for 527 and 501(c)(4-6) organisations, Political
// (https://www.twilio.com/docs/messaging/compliance/a2p-10dlc/onboarding-for-government-and-non-profit-agencies).
// The strict reading offers them to those organisations only.
var specialUsecases = map[string][]string{
	"EMERGENCY": {"government"},
	"CHARITY":   {"non_profit"},
	"POLITICAL": {"non_profit"},
}

// offeredUsecases are the use cases brand b may register, with post_approval_required
// as the spec's example gives it. The Usecases API "returns an empty list if there is an
// issue with the customer's A2P brand registration" (the spec), so a brand that is not
// APPROVED, or a sole proprietor's that is not yet VERIFIED, is offered none. A sole
// proprietor brand is offered SOLE_PROPRIETOR only; a standard (or mock) brand every
// standard use case but the special ones its company type is not eligible for; and
// neither the use cases its bundles were set not to offer (SetBundleUsecases,
// BundleSeed.DisallowedUsecases). Callers hold mu.
func (st *store) offeredUsecases(b *Brand) []a2pUsecase {
	switch {
	case b.Status != BrandApproved:
		return []a2pUsecase{}
	case b.BrandType == soleProprietor:
		if !b.verified(st.now()) {
			return []a2pUsecase{}
		}
		return a2pUsecases[len(a2pUsecases)-1:]
	}
	company := st.companyType(b.A2PProfileBundleSid)
	var disallowed []string
	for _, sid := range []string{b.CustomerProfileBundleSid, b.A2PProfileBundleSid} {
		if bundle, ok := st.bundles[sid]; ok {
			disallowed = append(disallowed, bundle.DisallowedUsecases...)
		}
	}
	return slices.DeleteFunc(standardUsecases(), func(u a2pUsecase) bool {
		eligible, special := specialUsecases[u.Code]
		return slices.Contains(disallowed, u.Code) || (special && !slices.Contains(eligible, company))
	})
}

// companyType is a trust product's company type: the company_type of its assigned
// us_a2p_messaging_profile_information end user, else the one it was seeded with.
// Callers hold mu.
func (st *store) companyType(trustProduct string) string {
	for _, sid := range st.assignedObjects(trustProduct) {
		if u, ok := st.endUsers[sid]; ok && u.Type == "us_a2p_messaging_profile_information" {
			if c, _ := u.Attributes["company_type"].(string); c != "" {
				return c
			}
		}
	}
	if b, ok := st.bundles[trustProduct]; ok {
		return b.CompanyType
	}
	return ""
}
