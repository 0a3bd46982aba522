package main

import (
	"strconv"
	"strings"
)

// sample is one series of a Prometheus text exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// metrics is a parsed scrape of a /metrics endpoint.
type metrics []sample

// parseMetrics reads the Prometheus text format. Only what the benchmark reads must
// parse: counters and gauges with quoted label values (which may hold braces, as in
// endpoint="/v1/Services/{Sid}").
func parseMetrics(text string) metrics {
	var out metrics
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		if s, ok := parseSample(line); ok {
			out = append(out, s)
		}
	}
	return out
}

func parseSample(line string) (sample, bool) {
	s := sample{labels: map[string]string{}}
	end := strings.IndexAny(line, "{ ")
	if end < 0 {
		return s, false
	}
	s.name, line = line[:end], line[end:]
	if line[0] == '{' {
		rest, ok := parseLabels(line[1:], s.labels)
		if !ok {
			return s, false
		}
		line = rest
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return s, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	s.value = v
	return s, err == nil
}

// parseLabels reads `a="x",b="y"}` into labels and returns what follows the brace.
func parseLabels(line string, labels map[string]string) (string, bool) {
	for {
		if strings.HasPrefix(line, "}") {
			return line[1:], true
		}
		eq := strings.Index(line, `="`)
		if eq < 0 {
			return "", false
		}
		key := strings.TrimPrefix(line[:eq], ",")
		line = line[eq+2:]
		var value strings.Builder
		i := 0
		for ; i < len(line) && line[i] != '"'; i++ {
			if line[i] == '\\' && i+1 < len(line) {
				i++
			}
			value.WriteByte(line[i])
		}
		if i == len(line) {
			return "", false
		}
		labels[key] = value.String()
		line = strings.TrimPrefix(line[i+1:], ",")
	}
}

// sum adds the series of name whose labels include every pair of match.
func (m metrics) sum(name string, match map[string]string) float64 {
	total := 0.0
	for _, s := range m {
		if s.name == name && matches(s.labels, match) {
			total += s.value
		}
	}
	return total
}

// by adds the series of name whose labels include match, grouped by label key.
func (m metrics) by(name, key string, match map[string]string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range m {
		if s.name == name && matches(s.labels, match) {
			out[s.labels[key]] += s.value
		}
	}
	return out
}

func matches(labels, match map[string]string) bool {
	for k, v := range match {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// writeMethods are the HTTP methods that change state on the API server.
var writeMethods = []string{"POST", "PUT", "PATCH", "DELETE"}

// kubeWrites counts the operator's Kubernetes API writes from client-go's
// rest_client_requests_total, which controller-runtime registers on the operator's
// metrics endpoint.
func (m metrics) kubeWrites() float64 {
	total := 0.0
	for _, method := range writeMethods {
		total += m.sum("rest_client_requests_total", map[string]string{"method": method})
	}
	return total
}

// kubeRequests counts every Kubernetes API request of the operator, reads included.
func (m metrics) kubeRequests() float64 { return m.sum("rest_client_requests_total", nil) }

// twilio429s counts the Twilio answers 429 the operator saw.
func (m metrics) twilio429s() float64 {
	return m.sum("twilio_requests_total", map[string]string{"code": "429"})
}

// delta is after - before, per key.
func delta(after, before map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}
