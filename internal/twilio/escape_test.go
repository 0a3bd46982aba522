package twilio_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// TestPathParametersStayOneSegment: a SID with "/", "?" or "#" in it reaches the server
// escaped, as one path segment, through the --twilio-api-url rewrite (which keeps the
// escaping and the base URL's own path). The controllers refuse such SIDs before any
// call; this is the port's own guard.
func TestPathParametersStayOneSegment(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.EscapedPath()+"?"+r.URL.RawQuery)
		mu.Unlock()
		http.Error(w, `{"code":20404,"message":"not found","status":404}`, http.StatusNotFound)
	}))
	defer server.Close()
	conn, err := twilio.NewConnector(twilio.Config{BaseURL: server.URL + "/proxy"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := conn.Client(twilio.Credentials{AccountSID: twilioemu.DefaultAccountSid, AuthToken: twilioemu.DefaultAuthToken})
	if err != nil {
		t.Fatal(err)
	}
	const mg = "MG00000000000000000000000000000001"
	for _, sid := range []string{mg + "/PhoneNumbers", mg + "?PageSize=1", mg + "#x", "../Services"} {
		_, _ = c.FetchService(context.Background(), sid)
		_ = c.AddPoolNumber(context.Background(), sid, "PN00000000000000000000000000000001")
	}
	want := []string{
		"/proxy/v1/Services/" + mg + "%2FPhoneNumbers?",
		"/proxy/v1/Services/" + mg + "%2FPhoneNumbers/PhoneNumbers?",
		"/proxy/v1/Services/" + mg + "%3FPageSize=1?",
		"/proxy/v1/Services/" + mg + "%3FPageSize=1/PhoneNumbers?",
		"/proxy/v1/Services/" + mg + "%23x?",
		"/proxy/v1/Services/" + mg + "%23x/PhoneNumbers?",
		"/proxy/v1/Services/..%2FServices?",
		"/proxy/v1/Services/..%2FServices/PhoneNumbers?",
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(want) {
		t.Fatalf("requests %q, want %q", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("request %d reached %q, want %q", i, seen[i], want[i])
		}
	}
}
