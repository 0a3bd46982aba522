package twilio

import "testing"

func TestEndpointOf(t *testing.T) {
	const mg, pn, qe, bn, ac, bu = "MG0123456789abcdef0123456789abcdef", "PN0123456789abcdef0123456789abcdef",
		"QE0123456789abcdef0123456789abcdef", "BN0123456789abcdef0123456789abcdef",
		"AC0123456789abcdef0123456789abcdef", "BU0123456789abcdef0123456789abcdef"
	tests := map[string]string{
		"/v1/Services":                                                         "/v1/Services",
		"/v1/Services/" + mg:                                                   "/v1/Services/{Sid}",
		"/v1/Services/" + mg + "/PhoneNumbers":                                 "/v1/Services/{ServiceSid}/PhoneNumbers",
		"/v1/Services/" + mg + "/PhoneNumbers/" + pn:                           "/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}",
		"/v1/Services/" + mg + "/Compliance/Usa2p":                             "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p",
		"/v1/Services/" + mg + "/Compliance/Usa2p/" + qe:                       "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}",
		"/v1/a2p/BrandRegistrations":                                           "/v1/a2p/BrandRegistrations",
		"/v1/a2p/BrandRegistrations/" + bn:                                     "/v1/a2p/BrandRegistrations/{Sid}",
		"/v1/a2p/BrandRegistrations/" + bn + "/SmsOtp":                         "/v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp",
		"/v1/Services/" + mg + "/Compliance/Usa2p/Usecases":                    "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases",
		"/v1/CustomerProfiles/" + bu:                                           "/v1/CustomerProfiles/{Sid}",
		"/v1/TrustProducts/" + bu:                                              "/v1/TrustProducts/{Sid}",
		"/v1/CustomerProfiles":                                                 "/v1/CustomerProfiles",
		"/v1/CustomerProfiles/" + bu + "/EntityAssignments":                    "/v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments",
		"/v1/TrustProducts/" + bu + "/Evaluations":                             "/v1/TrustProducts/{TrustProductSid}/Evaluations",
		"/v1/EndUsers/IT0123456789abcdef0123456789abcdef":                      "/v1/EndUsers/{Sid}",
		"/2010-04-01/Accounts/" + ac + "/Addresses.json":                       "/2010-04-01/Accounts/{AccountSid}/Addresses.json",
		"/2010-04-01/Accounts/" + ac + "/IncomingPhoneNumbers.json":            "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json",
		"/2010-04-01/Accounts/" + ac + "/IncomingPhoneNumbers/" + pn + ".json": "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
		"/2010-04-01/Accounts/" + ac + "/IncomingPhoneNumbers/.json":           "other",
		"/v1/Services/" + mg + "/AlphaSenders":                                 "other",
		"/v2/Services":                                                         "other",
	}
	for path, want := range tests {
		if got := endpointOf(path); got != want {
			t.Errorf("endpointOf(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestIsRegistrationWrite(t *testing.T) {
	tests := []struct {
		method, endpoint string
		want             bool
	}{
		{"POST", "/v1/a2p/BrandRegistrations", true},
		{"POST", "/v1/a2p/BrandRegistrations/{Sid}", true},
		{"GET", "/v1/a2p/BrandRegistrations/{Sid}", false},
		{"POST", "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p", true},
		{"DELETE", "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}", true},
		{"GET", "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p", false},
		{"POST", "/v1/Services", false},
		{"POST", "/v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp", true},
		{"GET", "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases", false},
	}
	for _, tc := range tests {
		if got := isRegistrationWrite(tc.method, tc.endpoint); got != tc.want {
			t.Errorf("isRegistrationWrite(%s %s) = %v, want %v", tc.method, tc.endpoint, got, tc.want)
		}
	}
}
