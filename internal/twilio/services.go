package twilio

import (
	"context"

	messagingv1 "github.com/twilio/twilio-go/rest/messaging/v1"
)

// Request names, as in the metrics: method and path template.
const (
	opCreateService     = "POST /v1/Services"
	opListServices      = "GET /v1/Services"
	opFetchService      = "GET /v1/Services/{Sid}"
	opUpdateService     = "POST /v1/Services/{Sid}"
	opDeleteService     = "DELETE /v1/Services/{Sid}"
	opListPoolNumbers   = "GET /v1/Services/{ServiceSid}/PhoneNumbers"
	opAddPoolNumber     = "POST /v1/Services/{ServiceSid}/PhoneNumbers"
	opRemovePoolNumber  = "DELETE /v1/Services/{ServiceSid}/PhoneNumbers/{Sid}"
	opListIncomingNums  = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
	opFetchIncomingNum  = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"
	opFetchCustomerProf = "GET /v1/CustomerProfiles/{Sid}"
	opFetchTrustProduct = "GET /v1/TrustProducts/{Sid}"
	opListAddressConfs  = "GET /v1/Configuration/Addresses"
)

func (a *apiClient) FetchService(ctx context.Context, sid string) (*Service, error) {
	s, err := a.messaging(ctx).FetchService(seg(sid))
	if err != nil {
		return nil, classify(opFetchService, err)
	}
	return serviceFromAPI(s), nil
}

func (a *apiClient) ListServices(ctx context.Context) ([]Service, error) {
	list, err := a.messaging(ctx).ListService(new(messagingv1.ListServiceParams).SetPageSize(maxPageSize))
	if err != nil {
		return nil, classify(opListServices, err)
	}
	out := make([]Service, 0, len(list))
	for i := range list {
		out = append(out, *serviceFromAPI(&list[i]))
	}
	return out, nil
}

func (a *apiClient) CreateService(ctx context.Context, p ServiceParams) (*Service, error) {
	s, err := a.messaging(ctx).CreateService(createServiceParams(p))
	if err != nil {
		return nil, classify(opCreateService, err)
	}
	return serviceFromAPI(s), nil
}

func (a *apiClient) UpdateService(ctx context.Context, sid string, p ServiceParams) (*Service, error) {
	s, err := a.messaging(ctx).UpdateService(seg(sid), updateServiceParams(p))
	if err != nil {
		return nil, classify(opUpdateService, err)
	}
	return serviceFromAPI(s), nil
}

func (a *apiClient) DeleteService(ctx context.Context, sid string) error {
	return classify(opDeleteService, a.messaging(ctx).DeleteService(seg(sid)))
}

func (a *apiClient) ListPoolNumbers(ctx context.Context, serviceSID string) ([]PoolNumber, error) {
	list, err := a.messaging(ctx).ListPhoneNumber(seg(serviceSID), new(messagingv1.ListPhoneNumberParams).SetPageSize(maxPageSize))
	if err != nil {
		return nil, classify(opListPoolNumbers, err)
	}
	out := make([]PoolNumber, 0, len(list))
	for _, n := range list {
		out = append(out, PoolNumber{SID: deref(n.Sid), PhoneNumber: deref(n.PhoneNumber)})
	}
	return out, nil
}

func (a *apiClient) AddPoolNumber(ctx context.Context, serviceSID, numberSID string) error {
	_, err := a.messaging(ctx).CreatePhoneNumber(seg(serviceSID), new(messagingv1.CreatePhoneNumberParams).SetPhoneNumberSid(numberSID))
	err = classify(opAddPoolNumber, err)
	if ClassOf(err) == ClassConflict {
		return nil // 21710: already in this service, which is what was asked
	}
	return err
}

func (a *apiClient) RemovePoolNumber(ctx context.Context, serviceSID, numberSID string) error {
	return classify(opRemovePoolNumber, a.messaging(ctx).DeletePhoneNumber(seg(serviceSID), seg(numberSID)))
}
