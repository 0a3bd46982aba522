// Command manager is the twilio-operator binary: it reconciles MessagingService and
// A2PRegistration objects against the Twilio REST API.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	messagingv1alpha1 "github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/controllers"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/version"
)

var setupLog = ctrl.Log.WithName("setup")

func main() {
	cfg, err := parseConfig(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if cfg.showVersion {
		fmt.Println(version.String())
		return
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&cfg.zap)))
	setGCPercent(os.LookupEnv)
	restConfig, err := restConfig(cfg)
	if err != nil {
		setupLog.Error(err, "Failed to load a kubeconfig")
		os.Exit(1)
	}
	ctx := ctrl.SetupSignalHandler()
	go exitAfterShutdownTimeout(ctx, cfg.shutdownTimeout, os.Exit)
	if err := run(ctx, restConfig, cfg); err != nil {
		setupLog.Error(err, "Operator stopped")
		os.Exit(1)
	}
}

// gcPercent is the operator's default GOGC. Its live heap is mostly its cache, which
// grows with the objects it manages, and Go's default of 100 lets the heap grow to
// twice the live heap between collections. 50 took about a tenth off the peak memory
// of 10,000 MessagingServices, for 10–20% more CPU (docs/benchmarks.md, step 8).
const gcPercent = 50

// setGCPercent applies gcPercent unless GOGC is set in the environment: GOGC and
// GOMEMLIMIT stay the way to tune the collector.
func setGCPercent(lookupEnv func(string) (string, bool)) {
	if _, set := lookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}

// restConfig is the API server connection: --kubeconfig when given, else
// controller-runtime's usual lookup, with the client-side rate of --kube-api-qps.
func restConfig(cfg config) (*rest.Config, error) {
	load := ctrl.GetConfig
	if cfg.kubeconfig != "" {
		load = func() (*rest.Config, error) { return clientcmd.BuildConfigFromFlags("", cfg.kubeconfig) }
	}
	rc, err := load()
	if err != nil {
		return nil, err
	}
	applyKubeAPIRate(rc, cfg.kubeAPIQPS, cfg.kubeAPIBurst)
	return rc, nil
}

// applyKubeAPIRate sets the client-side rate limit of the API server connection. 0 is
// no client-side limit, as controller-runtime's GetConfig sets it: without this, a
// --kubeconfig connection got client-go's default of 5 requests per second, which
// throttles every object's status and metadata writes to a crawl at scale.
func applyKubeAPIRate(rc *rest.Config, qps float64, burst int) {
	if qps <= 0 {
		rc.QPS, rc.Burst = -1, 0 // negative: client-go builds no rate limiter
		return
	}
	if burst <= 0 {
		burst = max(1, int(2*qps))
	}
	rc.QPS, rc.Burst = float32(qps), burst
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(messagingv1alpha1.AddToScheme(s))
	return s
}

// run starts the operator and blocks until ctx is cancelled.
func run(ctx context.Context, restConfig *rest.Config, cfg config) error {
	metrics, certWatcher, err := metricsServer(cfg)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(restConfig, managerOptions(cfg, metrics))
	if err != nil {
		return fmt.Errorf("cannot create manager: %w", err)
	}
	if certWatcher != nil {
		if err := mgr.Add(certWatcher); err != nil {
			return fmt.Errorf("cannot watch the metrics certificate: %w", err)
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("cannot add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("cannot add readiness check: %w", err)
	}
	connector, err := twilio.NewConnector(twilio.Config{
		BaseURL: cfg.twilioAPIURL,
		Limits: twilio.Limits{MaxConcurrency: cfg.twilioMaxConcurrency, QPS: cfg.twilioQPS,
			MaxSyncsPerAccount: max(1, cfg.maxConcurrentReconciles/2)},
		UserAgent:  userAgent(),
		Registerer: ctrlmetrics.Registry,
	})
	if err != nil {
		return err
	}
	if err := controllers.SetupWithManager(mgr, controllers.Options{
		Twilio:                  connector,
		ResyncPeriod:            cfg.resyncPeriod,
		MaxConcurrentReconciles: cfg.maxConcurrentReconciles,
		PollInterval:            controllers.PollInterval{Min: cfg.pollInterval, Max: cfg.maxPollInterval},
		Registerer:              ctrlmetrics.Registry,
		ClaimsNamespace:         claimsNamespace(cfg, os.ReadFile),
		Shard:                   cfg.leaderElectionID,
	}); err != nil {
		return fmt.Errorf("cannot set up controllers: %w", err)
	}
	setupLog.Info("Starting manager", "watchNamespaces", cfg.watchNamespaces, "watchSelector", selectorString(cfg.watchSelector),
		"leaderElect", cfg.leaderElect, "leaderElectionID", cfg.leaderElectionID)
	return mgr.Start(ctx)
}

func managerOptions(cfg config, metrics metricsserver.Options) ctrl.Options {
	opts := ctrl.Options{
		Scheme: newScheme(),
		Cache: cache.Options{
			// The cache holds only what the controllers read.
			DefaultTransform: trimForCache,
		},
		Client: client.Options{Cache: &client.CacheOptions{
			// Secret data is never cached: the operator watches Secrets as metadata only
			// and reads the ones it is pointed at directly.
			DisableFor: []client.Object{&corev1.Secret{}},
		}},
		Metrics:                       metrics,
		HealthProbeBindAddress:        cfg.probeAddr,
		PprofBindAddress:              cfg.pprofAddr,
		LeaderElection:                cfg.leaderElect,
		LeaderElectionID:              cfg.leaderElectionID,
		LeaderElectionNamespace:       cfg.leaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		// Runnables get what is left of --shutdown-timeout once the signal came.
		GracefulShutdownTimeout: ptr.To(cfg.shutdownTimeout - time.Second),
	}
	if len(cfg.watchNamespaces) > 0 {
		opts.Cache.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range cfg.watchNamespaces {
			opts.Cache.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	// Of the ConfigMaps, the cache holds only those the operator writes (spec.exportTo).
	opts.Cache.ByObject = map[client.Object]cache.ByObject{&corev1.ConfigMap{}: controllers.ExportCache()}
	if cfg.watchSelector != nil && !cfg.watchSelector.Empty() {
		// A shard sees only its own objects; the Secrets they reference are watched in
		// every namespace in scope, as metadata.
		opts.Cache.ByObject[&messagingv1alpha1.MessagingService{}] = cache.ByObject{Label: cfg.watchSelector}
		opts.Cache.ByObject[&messagingv1alpha1.A2PRegistration{}] = cache.ByObject{Label: cfg.watchSelector}
	}
	return opts
}

func selectorString(s labels.Selector) string {
	if s == nil {
		return ""
	}
	return s.String()
}

// inClusterNamespaceFile holds the namespace of the pod's service account.
const inClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// claimsNamespace is where the ownership claims live: --claims-namespace, else the
// leader election namespace, else the operator's own namespace, else "default" (a run
// outside a cluster, such as make run).
func claimsNamespace(cfg config, readFile func(string) ([]byte, error)) string {
	switch {
	case cfg.claimsNamespace != "":
		return cfg.claimsNamespace
	case cfg.leaderElectionNamespace != "":
		return cfg.leaderElectionNamespace
	}
	if data, err := readFile(inClusterNamespaceFile); err == nil && len(strings.TrimSpace(string(data))) > 0 {
		return strings.TrimSpace(string(data))
	}
	return "default"
}

// stripManagedFields drops managedFields, which the controllers never read.
var stripManagedFields = cache.TransformStripManagedFields()

// trimForCache is applied to every object before it enters the cache. managedFields
// are never read. Of the objects watched as metadata only (the Secrets of every
// namespace, so that a rotation of a referenced one is noticed), only the name and the
// resourceVersion are read: everything else goes, labels and annotations included. A
// Secret applied with kubectl carries its data in the last-applied-configuration
// annotation, which thus never reaches the operator's memory, and a cluster with many
// Secrets costs a few hundred bytes per Secret.
func trimForCache(obj any) (any, error) {
	if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
		m.ObjectMeta = metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion}
		return m, nil
	}
	return stripManagedFields(obj)
}

// userAgent names this process and its release in every Twilio request, so request logs
// (and the emulator's counters) can tell operator replicas and versions apart.
func userAgent() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("twilio-operator/%s (%s; pid %d)", version.Version, host, os.Getpid())
}
