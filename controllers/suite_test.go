package controllers_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// One real kube-apiserver and etcd for the whole package. Each test then starts its own
// environment (namespace, Twilio emulator, manager) with helpers_test.go's startEnv, so
// tests run in parallel and their Twilio request counts are their own.
var (
	restConfig *rest.Config
	scheme     = runtime.NewScheme()
	// k8s reads and writes the API server directly, never through a cache, so
	// assertions see the latest state.
	k8s client.Client
	// kubeconfig is a kubeconfig file for the API server, for tools such as Helm.
	kubeconfig string
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	// The fuzz targets test pure functions; their worker processes need no API server.
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return m.Run()
	}
	// Each environment's manager logs to its own buffer; the libraries' global logger
	// (client-go's reflectors) goes nowhere.
	ctrl.SetLogger(logr.Discard())
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	if restConfig, err = env.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot start envtest (run through `make test`, which provides KUBEBUILDER_ASSETS): %v\n", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	// Many environments share one API server: lift client-side throttling.
	restConfig.QPS, restConfig.Burst = 500, 1000
	if k8s, err = client.New(restConfig, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintf(os.Stderr, "cannot create client: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "controllers-test-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot create a directory: %v\n", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig, 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "cannot write the kubeconfig: %v\n", err)
		return 1
	}
	return m.Run()
}
