package twilioemu

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

// campaignUsecases lists the campaign use cases the service's brand may register.
// Twilio returns an empty list when the brand cannot register campaigns (unknown or
// not APPROVED); a sole-proprietor brand gets only SOLE_PROPRIETOR.
func (s *Server) campaignUsecases(r *request) response {
	f := r.form()
	brandSid := f.str("BrandRegistrationSid")
	if f.err != nil {
		return fail(f.err)
	}
	if _, err := s.st.service(r.account, r.pathValue("MessagingServiceSid")); err != nil {
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
	return ok(map[string]any{"us_app_to_person_usecases": list})
}
