package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// operatorUserAgent is the prefix of the operator's User-Agent on every Twilio request,
// "twilio-operator/<version> (<host>; pid N)": the emulator's counters keep the
// operator's requests apart from anyone else's.
const operatorUserAgent = "twilio-operator/"

// snapshot is every counter the benchmark reads, at one moment; a figure of a phase is
// the difference of two snapshots.
type snapshot struct {
	at       time.Time
	twilio   map[string]int // the emulator's request counts of the operator, by route
	operator metrics        // the operator's /metrics
	api      metrics        // the API server's /metrics
	usage    procUsage      // the operator's peak RSS and CPU time
}

func (w *world) snapshot(ctx context.Context) (snapshot, error) {
	s := snapshot{at: time.Now()}
	var err error
	if s.twilio, err = w.emu.Admin.Counts(operatorUserAgent); err != nil {
		return s, fmt.Errorf("cannot read the emulator's counters: %w", err)
	}
	text, err := w.op.Metrics()
	if err != nil {
		return s, fmt.Errorf("cannot read the operator's metrics: %w", err)
	}
	s.operator = parseMetrics(text)
	if text, err = w.apiServerMetrics(ctx); err != nil {
		return s, fmt.Errorf("cannot read the API server's metrics: %w", err)
	}
	s.api = parseMetrics(text)
	s.usage, err = w.operatorUsage()
	return s, err
}

// traffic is what happened between two snapshots.
type traffic struct {
	// Twilio is the operator's Twilio requests by route ("POST /v1/Services").
	Twilio map[string]int `json:"twilioRequests"`
	// TwilioTotal is their sum.
	TwilioTotal int `json:"twilioRequestsTotal"`
	// Twilio429 is how many of them Twilio answered 429 (the operator's own count).
	Twilio429 int `json:"twilio429s"`
	// KubeWrites is the operator's POST, PUT, PATCH and DELETE requests to the API server.
	KubeWrites int `json:"kubeWrites"`
	// KubeRequests is all its requests to the API server, reads included, and
	// KubeByMethod the same by HTTP method.
	KubeRequests int            `json:"kubeRequests"`
	KubeByMethod map[string]int `json:"kubeRequestsByMethod"`
	// APIWrites is every write the API server served, by verb and resource, the
	// benchmark's own included (its creates are listed as such).
	APIWrites map[string]int `json:"apiServerWrites"`
	// OperatorCPU is the operator's CPU time.
	OperatorCPU time.Duration `json:"operatorCpuNanoseconds"`
}

func between(before, after snapshot) traffic {
	t := traffic{Twilio: map[string]int{}, APIWrites: map[string]int{}, KubeByMethod: map[string]int{}}
	for route, n := range after.twilio {
		if d := n - before.twilio[route]; d > 0 {
			t.Twilio[route] = d
			t.TwilioTotal += d
		}
	}
	t.Twilio429 = int(after.operator.twilio429s() - before.operator.twilio429s())
	t.KubeWrites = int(after.operator.kubeWrites() - before.operator.kubeWrites())
	t.KubeRequests = int(after.operator.kubeRequests() - before.operator.kubeRequests())
	for k, v := range delta(apiWrites(after.api), apiWrites(before.api)) {
		t.APIWrites[k] = int(v)
	}
	for k, v := range delta(after.operator.by("rest_client_requests_total", "method", nil),
		before.operator.by("rest_client_requests_total", "method", nil)) {
		t.KubeByMethod[k] = int(v)
	}
	t.OperatorCPU = after.usage.CPU - before.usage.CPU
	return t
}

// apiWriteVerbs are the API server's verbs that change state.
var apiWriteVerbs = []string{"POST", "CREATE", "PUT", "UPDATE", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"}

// apiWrites groups the API server's apiserver_request_total by verb and resource,
// writes only; the API server's own bookkeeping (leases, endpoint slices) is left out.
func apiWrites(m metrics) map[string]float64 {
	out := map[string]float64{}
	for _, s := range m {
		if s.name != "apiserver_request_total" || !slices.Contains(apiWriteVerbs, s.labels["verb"]) {
			continue
		}
		resource := s.labels["resource"]
		switch resource {
		case "leases", "endpointslices", "endpoints", "namespaces", "serviceaccounts", "configmaps",
			"priorityclasses", "clusterroles", "clusterrolebindings", "roles", "rolebindings",
			"flowschemas", "prioritylevelconfigurations", "apiservices", "services":
			continue
		}
		if sub := s.labels["subresource"]; sub != "" {
			resource += "/" + sub
		}
		out[s.labels["verb"]+" "+resource] += s.value
	}
	return out
}

// describe is a route count map as "POST /v1/Services=1000, …", largest first.
func describe(counts map[string]int) string {
	if len(counts) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}
