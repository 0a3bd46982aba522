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

// campaignUsecases lists the campaign use cases the service's brand may register on this
// service. Twilio returns an empty list when the brand cannot register campaigns
// (unknown or not APPROVED); a sole-proprietor brand gets only SOLE_PROPRIETOR; and only
// the use cases compatible with the service's Usecase are listed (21719's "The
// following resource can be used to retrieve all compatible A2P use cases for a specific
// Messaging Service").
func (s *Server) campaignUsecases(r *request) response {
	f := r.form()
	brandSid := f.str("BrandRegistrationSid")
	if f.err != nil {
		return fail(f.err)
	}
	svc, err := s.st.service(r.account, r.pathValue("MessagingServiceSid"))
	if err != nil {
		return fail(err)
	}
	var list []a2pUsecase
	for _, u := range a2pUsecases {
		if u.Code != soleProprietor {
			list = append(list, u)
		}
	}
	if brandSid != nil {
		b, err := s.st.brand(r.account, *brandSid)
		switch {
		case err != nil || b.Status != BrandApproved:
			list = []a2pUsecase{}
		case b.BrandType == soleProprietor:
			list = a2pUsecases[len(a2pUsecases)-1:]
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
