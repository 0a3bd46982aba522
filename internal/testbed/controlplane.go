package testbed

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ControlPlane is a local kube-apiserver and etcd with the operator's CRDs installed.
type ControlPlane struct {
	env *envtest.Environment
	// Config is an admin connection to the API server.
	Config *rest.Config
	// Kubeconfig is the path of an admin kubeconfig for kubectl and the operator.
	Kubeconfig string
}

// StartControlPlane starts the API server and etcd whose binaries are in assets (the
// directory hack/setup-envtest.sh prints; "" reads KUBEBUILDER_ASSETS), installs the CRDs
// of crdDir and writes an admin kubeconfig into dir.
func StartControlPlane(assets, crdDir, dir string) (*ControlPlane, error) {
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{crdDir},
		ErrorIfCRDPathMissing: true,
		// kube-apiserver drains its connections when it stops; on a loaded machine that
		// takes longer than envtest's default 20 seconds.
		ControlPlaneStopTimeout: time.Minute,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("cannot start the control plane: %w", err)
	}
	cp := &ControlPlane{env: env, Config: cfg, Kubeconfig: filepath.Join(dir, "kubeconfig")}
	if err := cp.WriteKubeconfig(cp.Kubeconfig, "admin", "system:masters"); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return cp, nil
}

// WriteKubeconfig writes a kubeconfig for a user of the API server to path. A user
// without groups has only the permissions RBAC grants it, which is how a test runs the
// operator with the permissions its manifests give it.
func (cp *ControlPlane) WriteKubeconfig(path, user string, groups ...string) error {
	u, err := cp.env.ControlPlane.AddUser(envtest.User{Name: user, Groups: groups}, nil)
	if err != nil {
		return fmt.Errorf("cannot add user %s: %w", user, err)
	}
	data, err := u.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// Stop stops the API server and etcd.
func (cp *ControlPlane) Stop() error { return cp.env.Stop() }
