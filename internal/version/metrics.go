package version

import "github.com/prometheus/client_golang/prometheus"

// BuildInfoMetric is the name of the gauge NewBuildInfoCollector exports.
const BuildInfoMetric = "twilio_operator_build_info"

// NewBuildInfoCollector is a gauge that is always 1 and names the running build in its
// labels (version, revision, goversion), the Prometheus convention for build
// information: `twilio_operator_build_info * on(instance) group_left(version) …` joins
// the version onto any other series, and a rollout shows as the label changing.
func NewBuildInfoCollector() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: BuildInfoMetric,
		Help: "The operator's build: version, git revision and Go version in the labels; always 1.",
		ConstLabels: prometheus.Labels{
			"version":   Version,
			"revision":  Commit,
			"goversion": GoVersion(),
		},
	}, func() float64 { return 1 })
}
