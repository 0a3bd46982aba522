package twilio_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// throttling answers the first `left` creates of a Messaging Service 429/20429 without
// processing them, as Twilio does above an account's concurrency limit, and passes
// everything else to the emulator. It keeps the body of every create it saw.
type throttling struct {
	next   http.Handler
	mu     sync.Mutex
	left   int
	bodies []string
}

func (h *throttling) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/v1/Services" {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.mu.Lock()
		h.bodies = append(h.bodies, string(body))
		throttle := h.left > 0
		h.left--
		h.mu.Unlock()
		if throttle {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}`))
			return
		}
	}
	h.next.ServeHTTP(w, r)
}

func throttledClient(t *testing.T, left int) (twilio.Client, *twilioemu.Server, *throttling, *prometheus.Registry) {
	t.Helper()
	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()))
	h := &throttling{next: emu, left: left}
	server := httptest.NewServer(h)
	t.Cleanup(server.Close)
	reg := prometheus.NewRegistry()
	conn, err := twilio.NewConnector(twilio.Config{BaseURL: server.URL, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	c, err := conn.Client(twilio.Credentials{AccountSID: account, AuthToken: twilioemu.DefaultAuthToken})
	if err != nil {
		t.Fatal(err)
	}
	return c, emu, h, reg
}

// count429 is twilio_requests_total{code="429"}.
func count429(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if f.GetName() == "twilio_requests_total" && l.GetName() == "code" && l.GetValue() == "429" {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

func TestThrottledRequestsAreSentAgain(t *testing.T) {
	t.Parallel()
	c, emu, h, reg := throttledClient(t, 2)
	name := "Support"
	svc, err := c.CreateService(context.Background(), twilio.ServiceParams{FriendlyName: &name})
	if err != nil {
		t.Fatalf("two 429s must be retried away, got %v", err)
	}
	services, _ := emu.Services(account)
	if len(services) != 1 || services[0].Sid != svc.SID {
		t.Errorf("exactly the one service must exist, got %+v", services)
	}
	if len(h.bodies) != 3 || h.bodies[0] != h.bodies[2] || h.bodies[0] == "" {
		t.Errorf("every attempt must send the same form, got %q", h.bodies)
	}
	if got := count429(t, reg); got != 2 {
		t.Errorf("twilio_requests_total{code=429} = %v, want 2: every refusal is counted", got)
	}
}

func TestPersistentThrottlingIsReturned(t *testing.T) {
	t.Parallel()
	c, emu, h, _ := throttledClient(t, 1000)
	name := "Support"
	_, err := c.CreateService(context.Background(), twilio.ServiceParams{FriendlyName: &name})
	if twilio.ClassOf(err) != twilio.ClassTransient || twilio.CodeOf(err) != twilio.CodeTooManyRequests {
		t.Errorf("a 429 that lasts is returned as transient 20429, got %v", err)
	}
	if len(h.bodies) != 6 {
		t.Errorf("the request must be sent once and retried 5 times, got %d attempts", len(h.bodies))
	}
	if services, _ := emu.Services(account); len(services) != 0 {
		t.Errorf("nothing was created, got %+v", services)
	}
}
