package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// config is everything the operator binary is told on its command line.
type config struct {
	kubeconfig              string
	twilioAPIURL            string
	twilioMaxConcurrency    int
	twilioQPS               float64
	resyncPeriod            time.Duration
	pollInterval            time.Duration
	maxPollInterval         time.Duration
	maxConcurrentReconciles int
	kubeAPIQPS              float64
	kubeAPIBurst            int
	watchNamespaces         []string
	watchSelector           labels.Selector
	leaderElect             bool
	leaderElectionID        string
	leaderElectionNamespace string
	claimsNamespace         string
	metricsAddr             string
	metricsSecure           bool
	metricsCertPath         string
	metricsCertName         string
	metricsCertKey          string
	enableHTTP2             bool
	probeAddr               string
	pprofAddr               string
	shutdownTimeout         time.Duration
	showVersion             bool
	zap                     zap.Options
}

// parseConfig reads the flags of api.md ("Operator flags") plus the logging flags of
// controller-runtime's zap logger.
func parseConfig(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.StringVar(&c.kubeconfig, "kubeconfig", "",
		"Path of a kubeconfig; default: $KUBECONFIG, the in-cluster config, then ~/.kube/config.")
	fs.StringVar(&c.twilioAPIURL, "twilio-api-url", "",
		"Send every Twilio request to this base URL instead of the real Twilio hosts (emulator, recording proxy).")
	fs.IntVar(&c.twilioMaxConcurrency, "twilio-max-concurrency", 100,
		"Most in-flight Twilio requests per account: the adaptive window starts there, halves on 429 and grows back with successes.")
	fs.Float64Var(&c.twilioQPS, "twilio-qps", 0,
		"Cap on Twilio requests per second per account; 0 caps nothing (Twilio limits concurrency, which the window finds). Brand and campaign writes are held to at most 1 per second regardless.")
	fs.DurationVar(&c.resyncPeriod, "resync-period", 10*time.Minute,
		"Steady-state re-read of each object from Twilio, jittered by ±10%.")
	fs.DurationVar(&c.pollInterval, "vetting-poll-interval", 30*time.Second,
		"First re-read of a brand, campaign or bundle that waits for vetting; it grows by half each time.")
	fs.DurationVar(&c.maxPollInterval, "vetting-poll-max-interval", 10*time.Minute,
		"Longest interval between re-reads of a registration that waits for vetting.")
	fs.IntVar(&c.maxConcurrentReconciles, "max-concurrent-reconciles", 64,
		"Workers per controller; one account's objects take at most half of them at a time.")
	fs.Float64Var(&c.kubeAPIQPS, "kube-api-qps", 0,
		"Kubernetes API requests per second of the operator's client; 0: no client-side limit (the API server's Priority and Fairness applies).")
	fs.IntVar(&c.kubeAPIBurst, "kube-api-burst", 0,
		"Kubernetes API requests the client may send at once above --kube-api-qps; 0: twice --kube-api-qps.")
	fs.Func("watch-namespaces", "Comma-separated namespaces the operator watches, for a shard of a fleet (default: all).",
		func(v string) error {
			for _, ns := range strings.Split(v, ",") {
				if ns = strings.TrimSpace(ns); ns != "" {
					c.watchNamespaces = append(c.watchNamespaces, ns)
				}
			}
			return nil
		})
	fs.Func("watch-namespace", "One namespace the operator watches; the same as --watch-namespaces with one namespace.",
		func(v string) error {
			if v != "" {
				c.watchNamespaces = append(c.watchNamespaces, v)
			}
			return nil
		})
	fs.Func("watch-selector", "Label selector of the MessagingServices and A2PRegistrations the operator manages, for a shard of a fleet, e.g. shard=a (default: all).",
		func(v string) error {
			sel, err := labels.Parse(v)
			if err != nil {
				return fmt.Errorf("not a label selector: %w", err)
			}
			c.watchSelector = sel
			return nil
		})
	fs.BoolVar(&c.leaderElect, "leader-elect", false,
		"Enable leader election, so that only one replica of the operator is active at a time.")
	fs.StringVar(&c.leaderElectionID, "leader-election-id", "twilio-operator.messaging.twilio-operator.io",
		"Name of the Lease used for leader election.")
	fs.StringVar(&c.leaderElectionNamespace, "leader-election-namespace", "",
		"Namespace of the leader election Lease (default: the operator's own namespace in a cluster).")
	fs.StringVar(&c.claimsNamespace, "claims-namespace", "",
		"Namespace of the Leases that record which object owns which Twilio object; every operator process (every shard) of a cluster must use the same one (default: --leader-election-namespace, else the operator's own namespace in a cluster, else default).")
	fs.StringVar(&c.metricsAddr, "metrics-bind-address", "0",
		"Address the metrics endpoint binds to, e.g. :8443 (HTTPS) or :8080 (HTTP); 0 disables it.")
	fs.BoolVar(&c.metricsSecure, "metrics-secure", true,
		"Serve metrics over HTTPS with Kubernetes authentication and authorization.")
	fs.StringVar(&c.metricsCertPath, "metrics-cert-path", "",
		"Directory of the metrics server's certificate and key (reloaded when they change); empty: a self-signed certificate.")
	fs.StringVar(&c.metricsCertName, "metrics-cert-name", "tls.crt", "File name of the metrics server's certificate in --metrics-cert-path.")
	fs.StringVar(&c.metricsCertKey, "metrics-cert-key", "tls.key", "File name of the metrics server's key in --metrics-cert-path.")
	fs.BoolVar(&c.enableHTTP2, "enable-http2", false,
		"Allow HTTP/2 on the metrics server; off by default against HTTP/2 Stream Cancellation and Rapid Reset.")
	fs.StringVar(&c.probeAddr, "health-probe-bind-address", ":8081", "Address the health and readiness probes bind to.")
	fs.StringVar(&c.pprofAddr, "pprof-bind-address", "0",
		"Address Go's profiling endpoints (/debug/pprof/) bind to, e.g. 127.0.0.1:8082; 0 disables them. Unauthenticated: keep it local.")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 8*time.Second,
		"How long the operator may take to stop after SIGTERM; then it exits whatever it was doing. Keep it below the pod's terminationGracePeriodSeconds.")
	fs.BoolVar(&c.showVersion, "version", false, "Print the operator's version, git revision and Go version, and exit.")
	c.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	return c, c.validate()
}

func (c config) validate() error {
	var errs []error
	if c.twilioAPIURL != "" && !isAbsoluteHTTPURL(c.twilioAPIURL) {
		errs = append(errs, fmt.Errorf("--twilio-api-url must be an absolute http or https URL, got %q", c.twilioAPIURL))
	}
	for _, rule := range []struct {
		broken bool
		msg    string
	}{
		{c.twilioMaxConcurrency < 1, "--twilio-max-concurrency must be at least 1"},
		{c.twilioQPS < 0, "--twilio-qps must not be negative"},
		{c.resyncPeriod < time.Second, "--resync-period must be at least 1s"},
		{c.pollInterval < 100*time.Millisecond || c.maxPollInterval < c.pollInterval,
			"--vetting-poll-interval must be at least 100ms and at most --vetting-poll-max-interval"},
		{c.maxConcurrentReconciles < 1, "--max-concurrent-reconciles must be at least 1"},
		{c.shutdownTimeout < time.Second, "--shutdown-timeout must be at least 1s"},
		{c.kubeAPIQPS < 0 || c.kubeAPIBurst < 0, "--kube-api-qps and --kube-api-burst must not be negative"},
		{c.metricsCertPath != "" && !c.metricsSecure, "--metrics-cert-path needs --metrics-secure: plain HTTP has no certificate"},
	} {
		if rule.broken {
			errs = append(errs, errors.New(rule.msg))
		}
	}
	return errors.Join(errs...)
}

func isAbsoluteHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
