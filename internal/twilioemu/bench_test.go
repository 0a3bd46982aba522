package twilioemu_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	messaging "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// BenchmarkEmulator measures throughput through the real twilio-go client, in-process
// and over real HTTP (loopback, keep-alive), with parallel clients. It reports
// requests per second; run with -bench Emulator -benchtime 3s.
func BenchmarkEmulator(b *testing.B) {
	clients := map[string]func(b *testing.B, emu *twilioemu.Server) *http.Client{
		"in-process": func(_ *testing.B, emu *twilioemu.Server) *http.Client { return emu.HTTPClient() },
		"http": func(b *testing.B, emu *twilioemu.Server) *http.Client {
			srv := httptest.NewServer(emu)
			b.Cleanup(srv.Close)
			base := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
			b.Cleanup(base.CloseIdleConnections)
			rt, _ := twilioemu.RedirectTransport(srv.URL, base)
			return &http.Client{Transport: rt}
		},
	}
	ops := map[string]func(b *testing.B, rc *messaging.ApiService, sid string){
		"fetch service": func(b *testing.B, rc *messaging.ApiService, sid string) {
			if _, err := rc.FetchService(sid); err != nil {
				b.Error(err)
			}
		},
		"create service": func(b *testing.B, rc *messaging.ApiService, _ string) {
			if _, err := rc.CreateService(new(messaging.CreateServiceParams).SetFriendlyName("bench")); err != nil {
				b.Error(err)
			}
		},
	}
	for opName, op := range ops {
		for clientName, newClient := range clients {
			b.Run(opName+"/"+clientName, func(b *testing.B) {
				emu := newEmu(b, twilioemu.WithRequestLogLimit(1000))
				hc := newClient(b, emu)
				sid := *newService(b, primary(hc), "fetched").Sid
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					rc := primary(hc).MessagingV1
					for pb.Next() {
						op(b, rc, sid)
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}
