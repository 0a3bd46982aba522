package twilio

import (
	"context"

	messagingv1 "github.com/twilio/twilio-go/rest/messaging/v1"
)

// APIVersionHeader selects the shape of a campaign in Twilio's answers, and
// CampaignAPIVersion is the version the port asks for: the us_app_to_person_v2 shape,
// the only one with privacy_policy_url and terms_and_conditions_url. Twilio's spec
// declares the header without a value; the value is the one Twilio's own client code
// sends.
const (
	APIVersionHeader   = "X-Twilio-Api-Version"
	CampaignAPIVersion = "v1.2"
)

const (
	opCreateBrand    = "POST /v1/a2p/BrandRegistrations"
	opListBrands     = "GET /v1/a2p/BrandRegistrations"
	opFetchBrand     = "GET /v1/a2p/BrandRegistrations/{Sid}"
	opResubmitBrand  = "POST /v1/a2p/BrandRegistrations/{Sid}"
	opSendBrandOTP   = "POST /v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp"
	opListUsecases   = "GET /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases"
	opCreateCampaign = "POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p"
	opListCampaigns  = "GET /v1/Services/{MessagingServiceSid}/Compliance/Usa2p"
	opFetchCampaign  = "GET /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}"
	opUpdateCampaign = "POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}"
	opDeleteCampaign = "DELETE /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}"
)

func (a *apiClient) FetchBrand(ctx context.Context, sid string) (*Brand, error) {
	b, err := a.messaging(ctx).FetchBrandRegistrations(seg(sid))
	if err != nil {
		return nil, classify(opFetchBrand, err)
	}
	return brandFromAPI(b), nil
}

func (a *apiClient) ListBrands(ctx context.Context) ([]Brand, error) {
	list, err := a.messaging(ctx).ListBrandRegistrations(new(messagingv1.ListBrandRegistrationsParams).SetPageSize(maxPageSize))
	if err != nil {
		return nil, classify(opListBrands, err)
	}
	out := make([]Brand, 0, len(list))
	for i := range list {
		out = append(out, *brandFromAPI(&list[i]))
	}
	return out, nil
}

func (a *apiClient) CreateBrand(ctx context.Context, p BrandParams) (*Brand, error) {
	params := new(messagingv1.CreateBrandRegistrationsParams).
		SetCustomerProfileBundleSid(p.CustomerProfileBundleSID).
		SetA2PProfileBundleSid(p.A2PProfileBundleSID).
		SetBrandType(p.BrandType).
		SetMock(p.Mock).
		SetSkipAutomaticSecVet(p.SkipAutomaticSecVet)
	b, err := a.messaging(ctx).CreateBrandRegistrations(params)
	if err != nil {
		return nil, classify(opCreateBrand, err)
	}
	return brandFromAPI(b), nil
}

func (a *apiClient) ResubmitBrand(ctx context.Context, sid string) (*Brand, error) {
	b, err := a.messaging(ctx).UpdateBrandRegistrations(seg(sid))
	if err != nil {
		return nil, classify(opResubmitBrand, err)
	}
	return brandFromAPI(b), nil
}

func (a *apiClient) SendBrandOTP(ctx context.Context, brandSID string) error {
	_, err := a.messaging(ctx).CreateBrandRegistrationOtp(seg(brandSID))
	return classify(opSendBrandOTP, err)
}

func (a *apiClient) ListBrandUsecases(ctx context.Context, serviceSID, brandSID string) ([]Usecase, error) {
	list, err := a.messaging(ctx).FetchUsAppToPersonUsecase(seg(serviceSID),
		new(messagingv1.FetchUsAppToPersonUsecaseParams).SetBrandRegistrationSid(brandSID))
	if err != nil {
		return nil, classify(opListUsecases, err)
	}
	out := []Usecase{}
	for _, u := range derefSlice(list.UsAppToPersonUsecases) {
		if m, ok := u.(map[string]any); ok {
			out = append(out, usecaseFromAPI(m))
		}
	}
	return out, nil
}

func (a *apiClient) ListCampaigns(ctx context.Context, serviceSID string) ([]Campaign, error) {
	list, err := a.messaging(ctx).ListUsAppToPerson(seg(serviceSID), new(messagingv1.ListUsAppToPersonParams).SetPageSize(maxPageSize))
	if err != nil {
		return nil, classify(opListCampaigns, err)
	}
	out := make([]Campaign, 0, len(list))
	for i := range list {
		out = append(out, *campaignFromAPI(&list[i]))
	}
	return out, nil
}

func (a *apiClient) FetchCampaign(ctx context.Context, serviceSID, sid string) (*Campaign, error) {
	c, err := a.messaging(ctx).FetchUsAppToPerson(seg(serviceSID), seg(sid), nil)
	if err != nil {
		return nil, classify(opFetchCampaign, err)
	}
	return campaignFromAPI(c), nil
}

func (a *apiClient) CreateCampaign(ctx context.Context, serviceSID string, p CampaignParams) (*Campaign, error) {
	c, err := a.messaging(ctx).CreateUsAppToPerson(seg(serviceSID), createCampaignParams(p))
	if err != nil {
		return nil, classify(opCreateCampaign, err)
	}
	return campaignFromAPI(c), nil
}

func (a *apiClient) UpdateCampaign(ctx context.Context, serviceSID, sid string, p CampaignUpdate) (*Campaign, error) {
	c, err := a.messaging(ctx).UpdateUsAppToPerson(seg(serviceSID), seg(sid), updateCampaignParams(p))
	if err != nil {
		return nil, classify(opUpdateCampaign, err)
	}
	return campaignFromAPI(c), nil
}

func (a *apiClient) DeleteCampaign(ctx context.Context, serviceSID, sid string) error {
	return classify(opDeleteCampaign, a.messaging(ctx).DeleteUsAppToPerson(seg(serviceSID), seg(sid)))
}
