package live

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
)

var (
	// restConfig and k8s reach the suite's control plane, with the operator's CRDs.
	restConfig *rest.Config
	k8s        client.Client
	scheme     = runtime.NewScheme()
	root       = filepath.Join("..", "..")
)

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

func runSuite(m *testing.M) int {
	// The operator under test logs to a buffer of its own (printed when a test fails);
	// the test's own clients have nothing to say.
	ctrllog.SetLogger(logr.Discard())
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	dir, err := os.MkdirTemp("", "twilio-operator-live-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cp, err := testbed.StartControlPlane("", filepath.Join(root, "config", "crd", "bases"), dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v (run through `make test` or `make test-live`, which provide KUBEBUILDER_ASSETS)\n", err)
		return 1
	}
	defer func() { _ = cp.Stop() }()
	restConfig = cp.Config
	if k8s, err = client.New(restConfig, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
