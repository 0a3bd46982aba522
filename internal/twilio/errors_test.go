package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	twclient "github.com/twilio/twilio-go/client"
)

func TestClassify(t *testing.T) {
	rest := func(status, code int) error {
		return &twclient.TwilioRestError{Status: status, Code: code, Message: "msg"}
	}
	tests := map[string]struct {
		err  error
		want Class
	}{
		"a 401 with 20003 is an auth error":                 {rest(401, 20003), ClassAuth},
		"a 403 with 20403 is an auth error":                 {rest(403, 20403), ClassAuth},
		"twilio-go's illegal username check is auth":        {rest(400, 21222), ClassAuth},
		"a 404 with 20404 is not found":                     {rest(404, 20404), ClassNotFound},
		"21710 (already in this service) is a conflict":     {rest(400, 21710), ClassConflict},
		"21712 (in another service) is a user error":        {rest(400, 21712), ClassUser},
		"21717 (brand not approved) is a user error":        {rest(400, 21717), ClassUser},
		"a 429 with 20429 is transient":                     {rest(429, 20429), ClassTransient},
		"21730 asks to retry later, so it is transient":     {rest(400, 21730), ClassTransient},
		"a 500 is transient":                                {rest(500, 0), ClassTransient},
		"a 503 is transient":                                {rest(503, 20500), ClassTransient},
		"a v1.0 error body keeps its class":                 {&twclient.RestErrorV1{HttpStatusCode: 404, Code: 20404}, ClassNotFound},
		"a dropped connection is transient":                 {&url.Error{Op: "Post", URL: "https://x", Err: errors.New("EOF")}, ClassTransient},
		"a timeout is transient":                            {&url.Error{Op: "Get", URL: "https://x", Err: context.DeadlineExceeded}, ClassTransient},
		"an undecodable error body (HTML 502) is transient": {fmt.Errorf("error decoding the response for an HTTP error code: 502"), ClassTransient},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := classify("POST /v1/Services", tc.err)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("classify returned %T, want *Error", err)
			}
			if e.Class != tc.want {
				t.Errorf("class = %v, want %v", e.Class, tc.want)
			}
		})
	}
	if classify("GET /v1/Services", nil) != nil {
		t.Error("classify(nil) must be nil")
	}
}

func TestErrorMessagesNameCodeAndHideURLs(t *testing.T) {
	err := classify("POST /v1/Services/{ServiceSid}/PhoneNumbers",
		&twclient.TwilioRestError{Status: 400, Code: 21712, Message: "Phone Number is already in a Messaging Service"})
	if got, want := err.Error(), "POST /v1/Services/{ServiceSid}/PhoneNumbers: twilio error 21712: Phone Number is already in a Messaging Service (HTTP 400)"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	// The request URL may carry userinfo of --twilio-api-url; it never reaches a message.
	err = classify("GET /v1/Services", &url.Error{Op: "Get", URL: "https://user:s3cret@proxy.example/v1/Services", Err: errors.New("connection reset by peer")})
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "proxy.example") {
		t.Errorf("message leaks the URL: %q", err.Error())
	}
	if got, want := err.Error(), "GET /v1/Services: connection reset by peer"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{AccountSID: "AC00000000000000000000000000000000", AuthToken: "tok-very-secret", APISecret: "sec-very-secret"}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprint(&c)} {
		if strings.Contains(s, "very-secret") {
			t.Errorf("credentials printed a secret: %q", s)
		}
	}
}

func TestCredentialsValidate(t *testing.T) {
	const ac, sk = "AC0123456789abcdef0123456789abcdef", "SK0123456789abcdef0123456789abcdef"
	tests := map[string]struct {
		creds   Credentials
		wantErr string
	}{
		"account SID and auth token":    {Credentials{AccountSID: ac, AuthToken: "t"}, ""},
		"account SID and API key":       {Credentials{AccountSID: ac, APIKey: sk, APISecret: "s"}, ""},
		"an account SID without AC":     {Credentials{AccountSID: "XX0123456789abcdef0123456789abcdef", AuthToken: "t"}, "account SID must be AC"},
		"an API key without SK":         {Credentials{AccountSID: ac, APIKey: "key", APISecret: "s"}, "API key must be SK"},
		"an API key without its secret": {Credentials{AccountSID: ac, APIKey: sk}, "needs its API secret"},
		"neither token nor key":         {Credentials{AccountSID: ac}, "either an auth token"},
		"a token with a dash":           {Credentials{AccountSID: ac, AuthToken: "to-ken"}, "auth token must be alphanumeric"},
		"a secret with a space":         {Credentials{AccountSID: ac, APIKey: sk, APISecret: "se cret"}, "API secret must be alphanumeric"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.creds.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestRegistrationErrorShapes(t *testing.T) {
	tests := map[string]struct {
		in   map[string]any
		want RegistrationError
	}{
		"Twilio's documented shape": {
			map[string]any{"error_code": float64(30897), "description": "Disallowed Content", "fields": []any{"MESSAGE_FLOW"}, "url": "https://x"},
			RegistrationError{Code: 30897, Description: "Disallowed Content", Fields: []string{"MESSAGE_FLOW"}},
		},
		"a code under code, as a string": {
			map[string]any{"code": "30701", "message": "Invalid region"},
			RegistrationError{Code: 30701, Description: "Invalid region"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := registrationError(tc.in)
			if got.Code != tc.want.Code || got.Description != tc.want.Description || fmt.Sprint(got.Fields) != fmt.Sprint(tc.want.Fields) {
				t.Errorf("registrationError = %+v, want %+v", got, tc.want)
			}
		})
	}
}
