// Command manager is the twilio-operator binary: it reconciles MessagingService and
// A2PRegistration objects against the Twilio REST API.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	messagingv1alpha1 "github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/controllers"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

var setupLog = ctrl.Log.WithName("setup")

func main() {
	cfg, err := parseConfig(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&cfg.zap)))
	restConfig, err := restConfig(cfg.kubeconfig)
	if err != nil {
		setupLog.Error(err, "Failed to load a kubeconfig")
		os.Exit(1)
	}
	if err := run(ctrl.SetupSignalHandler(), restConfig, cfg); err != nil {
		setupLog.Error(err, "Operator stopped")
		os.Exit(1)
	}
}

// restConfig is the API server connection: --kubeconfig when given, else
// controller-runtime's usual lookup.
func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		return clientcmd.BuildConfigFromFlags("", kubeconfig)
	}
	return ctrl.GetConfig()
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(messagingv1alpha1.AddToScheme(s))
	return s
}

// run starts the operator and blocks until ctx is cancelled.
func run(ctx context.Context, restConfig *rest.Config, cfg config) error {
	mgr, err := ctrl.NewManager(restConfig, managerOptions(cfg))
	if err != nil {
		return fmt.Errorf("cannot create manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("cannot add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("cannot add readiness check: %w", err)
	}
	connector, err := twilio.NewConnector(twilio.Config{
		BaseURL:    cfg.twilioAPIURL,
		Limits:     twilio.Limits{MaxConcurrency: cfg.twilioMaxConcurrency, QPS: cfg.twilioQPS},
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
	}); err != nil {
		return fmt.Errorf("cannot set up controllers: %w", err)
	}
	setupLog.Info("Starting manager", "watchNamespace", cfg.watchNamespace, "leaderElect", cfg.leaderElect)
	return mgr.Start(ctx)
}

func managerOptions(cfg config) ctrl.Options {
	metrics := metricsserver.Options{BindAddress: cfg.metricsAddr, SecureServing: cfg.metricsSecure}
	if cfg.metricsSecure {
		// Only callers allowed by RBAC (TokenReview + SubjectAccessReview) read metrics.
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	opts := ctrl.Options{
		Scheme: newScheme(),
		Cache: cache.Options{
			// managedFields are never read; dropping them keeps the cache small.
			DefaultTransform: cache.TransformStripManagedFields(),
		},
		Client: client.Options{Cache: &client.CacheOptions{
			// Secret data is never cached: the operator watches Secrets as metadata only
			// and reads the ones it is pointed at directly.
			DisableFor: []client.Object{&corev1.Secret{}},
		}},
		Metrics:                       metrics,
		HealthProbeBindAddress:        cfg.probeAddr,
		LeaderElection:                cfg.leaderElect,
		LeaderElectionID:              cfg.leaderElectionID,
		LeaderElectionNamespace:       cfg.leaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
	}
	if cfg.watchNamespace != "" {
		opts.Cache.DefaultNamespaces = map[string]cache.Config{cfg.watchNamespace: {}}
	}
	return opts
}

// userAgent names this process in every Twilio request, so request logs (and the
// emulator's counters) can tell operator replicas apart.
func userAgent() string {
	version := "dev"
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("twilio-operator/%s (%s; pid %d)", version, host, os.Getpid())
}
