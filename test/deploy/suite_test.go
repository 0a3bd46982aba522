package deploy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// repoRoot is the repository, seen from this package.
var repoRoot = filepath.Join("..", "..")

// k8s talks to a real kube-apiserver with the generated CRDs installed: what it accepts
// in a dry run is what a cluster accepts from helm or kubectl.
var k8s client.Client

// serverVersion is the envtest API server's version (v1.37.2), the Kubernetes version
// charts are rendered for: in a test binary Helm's default is v1.20, older than the
// operator chart's kubeVersion allows.
var serverVersion string

// k8sConfig reaches the same API server, for what the controller-runtime client does not
// offer (discovery of the server's version).
var k8sConfig *rest.Config

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(repoRoot, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot start envtest (run through `make test`, which provides KUBEBUILDER_ASSETS): %v\n", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	restConfig = cfg

	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot create discovery client: %v\n", err)
		return 1
	}
	info, err := disco.ServerVersion()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot read the API server's version: %v\n", err)
		return 1
	}
	serverVersion = info.GitVersion
	k8sConfig = cfg

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintf(os.Stderr, "cannot create client: %v\n", err)
		return 1
	}
	return m.Run()
}
