package twilio

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the request metrics of api.md. Labels are path templates, never SIDs, so
// their cardinality stays fixed however many objects the operator manages.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "twilio_requests_total",
			Help: "Twilio REST requests by method, path template and HTTP status code (\"error\" when no response arrived).",
		}, []string{"method", "endpoint", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "twilio_request_duration_seconds",
			Help:    "Latency of Twilio REST requests by method and path template.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "endpoint"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

func (m *metrics) observe(method, endpoint string, status int, took time.Duration) {
	code := "error"
	if status != 0 {
		code = strconv.Itoa(status)
	}
	m.requests.WithLabelValues(method, endpoint, code).Inc()
	m.duration.WithLabelValues(method, endpoint).Observe(took.Seconds())
}

// endpointTemplates are the paths the port calls, named as in Twilio's OpenAPI specs.
var endpointTemplates = [][]string{
	split("/v1/Services"),
	split("/v1/Services/{Sid}"),
	split("/v1/Services/{ServiceSid}/PhoneNumbers"),
	split("/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}"),
	split("/v1/Services/{MessagingServiceSid}/Compliance/Usa2p"),
	split("/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases"), // before {Sid}, which would match it
	split("/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}"),
	split("/v1/a2p/BrandRegistrations"),
	split("/v1/a2p/BrandRegistrations/{Sid}"),
	split("/v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp"),
	split("/v1/CustomerProfiles"),
	split("/v1/CustomerProfiles/{Sid}"),
	split("/v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments"),
	split("/v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments/{Sid}"),
	split("/v1/CustomerProfiles/{CustomerProfileSid}/Evaluations"),
	split("/v1/TrustProducts"),
	split("/v1/TrustProducts/{Sid}"),
	split("/v1/TrustProducts/{TrustProductSid}/EntityAssignments"),
	split("/v1/TrustProducts/{TrustProductSid}/EntityAssignments/{Sid}"),
	split("/v1/TrustProducts/{TrustProductSid}/Evaluations"),
	split("/v1/EndUsers"),
	split("/v1/EndUsers/{Sid}"),
	split("/v1/SupportingDocuments"),
	split("/v1/SupportingDocuments/{Sid}"),
	split("/2010-04-01/Accounts/{AccountSid}/Addresses.json"),
	split("/2010-04-01/Accounts/{AccountSid}/Addresses/{Sid}.json"),
	split("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"),
	split("/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"),
	split("/v1/Configuration/Addresses"),
}

func split(path string) []string { return strings.Split(strings.Trim(path, "/"), "/") }

// endpointOf maps a request path to its template, e.g. /v1/Services/MG…/PhoneNumbers to
// /v1/Services/{ServiceSid}/PhoneNumbers; an unknown path is "other".
func endpointOf(path string) string {
	segments := split(path)
	for _, tpl := range endpointTemplates {
		if matchTemplate(tpl, segments) {
			return "/" + strings.Join(tpl, "/")
		}
	}
	return "other"
}

func matchTemplate(tpl, segments []string) bool {
	if len(tpl) != len(segments) {
		return false
	}
	for i, t := range tpl {
		if !strings.HasPrefix(t, "{") {
			if t != segments[i] {
				return false
			}
			continue
		}
		// "{Sid}.json" matches "PN….json"; "{Sid}" matches any one segment.
		suffix := t[strings.Index(t, "}")+1:]
		if !strings.HasSuffix(segments[i], suffix) || len(segments[i]) == len(suffix) {
			return false
		}
	}
	return true
}

// isCampaignEndpoint says whether endpoint is one of the A2P campaign routes (the use
// case list is not a campaign: its answer has no campaign shape to select).
func isCampaignEndpoint(endpoint string) bool {
	return strings.Contains(endpoint, "/Compliance/Usa2p") && !strings.HasSuffix(endpoint, "/Usecases")
}

// isRegistrationWrite reports whether a request writes a brand or campaign, which Twilio
// limits to one per second per account.
func isRegistrationWrite(method, endpoint string) bool {
	if method == "GET" {
		return false
	}
	return strings.HasPrefix(endpoint, "/v1/a2p/BrandRegistrations") || strings.Contains(endpoint, "/Compliance/Usa2p")
}
