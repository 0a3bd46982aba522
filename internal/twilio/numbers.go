package twilio

import (
	"context"
	"fmt"

	apiv2010 "github.com/twilio/twilio-go/rest/api/v2010"
	conversationsv1 "github.com/twilio/twilio-go/rest/conversations/v1"
)

func (a *apiClient) FindIncomingNumber(ctx context.Context, e164 string) (*IncomingNumber, error) {
	params := new(apiv2010.ListIncomingPhoneNumberParams).
		SetPathAccountSid(a.creds.AccountSID).SetPhoneNumber(e164).SetPageSize(50)
	list, err := a.api(ctx).ListIncomingPhoneNumber(params)
	if err != nil {
		return nil, classify(opListIncomingNums, err)
	}
	// Twilio's PhoneNumber filter also matches partial numbers; only an exact match counts.
	for _, n := range list {
		if deref(n.PhoneNumber) == e164 {
			return incomingNumberFromAPI(&n), nil
		}
	}
	return nil, &Error{Class: ClassNotFound, Op: opListIncomingNums,
		Message: fmt.Sprintf("account %s owns no phone number %s", a.creds.AccountSID, e164)}
}

func (a *apiClient) FetchIncomingNumber(ctx context.Context, sid string) (*IncomingNumber, error) {
	params := new(apiv2010.FetchIncomingPhoneNumberParams).SetPathAccountSid(a.creds.AccountSID)
	n, err := a.api(ctx).FetchIncomingPhoneNumber(seg(sid), params)
	if err != nil {
		return nil, classify(opFetchIncomingNum, err)
	}
	return incomingNumberFromAPI(n), nil
}

func (a *apiClient) ListIncomingNumbers(ctx context.Context) ([]IncomingNumber, error) {
	params := new(apiv2010.ListIncomingPhoneNumberParams).SetPathAccountSid(a.creds.AccountSID).SetPageSize(maxPageSize)
	list, err := a.api(ctx).ListIncomingPhoneNumber(params)
	if err != nil {
		return nil, classify(opListIncomingNums, err)
	}
	out := make([]IncomingNumber, 0, len(list))
	for i := range list {
		out = append(out, *incomingNumberFromAPI(&list[i]))
	}
	return out, nil
}

func incomingNumberFromAPI(n *apiv2010.ApiV2010IncomingPhoneNumber) *IncomingNumber {
	return &IncomingNumber{SID: deref(n.Sid), PhoneNumber: deref(n.PhoneNumber),
		SMSURL: deref(n.SmsUrl), SMSApplicationSID: deref(n.SmsApplicationSid)}
}

func (a *apiClient) ListAddressConfigurations(ctx context.Context) ([]AddressConfiguration, error) {
	params := new(conversationsv1.ListConfigurationAddressParams).SetType("sms").SetPageSize(maxConversationsPageSize)
	list, err := a.conversations(ctx).ListConfigurationAddress(params)
	if err != nil {
		return nil, classify(opListAddressConfs, err)
	}
	out := make([]AddressConfiguration, 0, len(list))
	for _, c := range list {
		out = append(out, AddressConfiguration{SID: deref(c.Sid), Type: deref(c.Type), Address: deref(c.Address)})
	}
	return out, nil
}

func (a *apiClient) FetchCustomerProfile(ctx context.Context, sid string) (*Bundle, error) {
	b, err := a.trusthub(ctx).FetchCustomerProfile(seg(sid))
	if err != nil {
		return nil, classify(opFetchCustomerProf, err)
	}
	return &Bundle{SID: deref(b.Sid), Status: deref(b.Status)}, nil
}

func (a *apiClient) FetchTrustProduct(ctx context.Context, sid string) (*Bundle, error) {
	b, err := a.trusthub(ctx).FetchTrustProduct(seg(sid))
	if err != nil {
		return nil, classify(opFetchTrustProduct, err)
	}
	return &Bundle{SID: deref(b.Sid), Status: deref(b.Status)}, nil
}
