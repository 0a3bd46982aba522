package main

import (
	"crypto/tls"
	"fmt"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/twilio-operator/twilio-operator/internal/version"
)

// The build_info gauge joins the registry once per process, as controller-runtime's own
// metrics do, so that every scrape says which release answers.
func init() {
	ctrlmetrics.Registry.MustRegister(version.NewBuildInfoCollector())
}

// metricsServer is the metrics endpoint of cfg. When secure, it serves the certificate
// of --metrics-cert-path if given (the returned watcher reloads it when it is renewed,
// e.g. by cert-manager; the manager must run it), else a self-signed one that
// controller-runtime generates.
func metricsServer(cfg config) (metricsserver.Options, *certwatcher.CertWatcher, error) {
	opts := metricsserver.Options{BindAddress: cfg.metricsAddr, SecureServing: cfg.metricsSecure}
	if !cfg.enableHTTP2 {
		// HTTP/2 is off unless asked for, as in every kubebuilder operator: its Stream
		// Cancellation and Rapid Reset attacks (CVE-2023-44487, CVE-2023-39325) cost a
		// server more than a client, and Prometheus scrapes over HTTP/1.1.
		opts.TLSOpts = append(opts.TLSOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	if !cfg.metricsSecure {
		return opts, nil, nil
	}
	// Only callers allowed by RBAC (TokenReview + SubjectAccessReview) read metrics.
	opts.FilterProvider = filters.WithAuthenticationAndAuthorization
	if cfg.metricsCertPath == "" {
		return opts, nil, nil
	}
	watcher, err := certwatcher.New(filepath.Join(cfg.metricsCertPath, cfg.metricsCertName),
		filepath.Join(cfg.metricsCertPath, cfg.metricsCertKey))
	if err != nil {
		return opts, nil, fmt.Errorf("cannot load the metrics certificate: %w", err)
	}
	opts.TLSOpts = append(opts.TLSOpts, func(c *tls.Config) { c.GetCertificate = watcher.GetCertificate })
	return opts, watcher, nil
}
