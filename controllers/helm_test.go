package controllers_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/utils/ptr"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// TestHelmUpgradeEmptiesThePool installs the contact-center example chart with the
// Helm 4 SDK, which applies server-side as the helm CLI does, and upgrades it to
// phoneNumbers: []. The pool in Twilio ends empty and the object Ready.
func TestHelmUpgradeEmptiesThePool(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	chrt, err := loader.Load(filepath.Join("..", "examples", "contact-center"))
	g.Expect(err).NotTo(HaveOccurred())
	cfg := action.NewConfiguration()
	cfg.SetLogger(slog.NewTextHandler(io.Discard, nil))
	getter := &genericclioptions.ConfigFlags{KubeConfig: ptr.To(kubeconfig), Namespace: ptr.To(e.ns)}
	g.Expect(cfg.Init(getter, e.ns, "secret")).To(Succeed())
	values := func(numbers []any) map[string]any {
		return map[string]any{
			"a2p":              map[string]any{"enabled": false},
			"messagingService": map[string]any{"phoneNumbers": numbers},
		}
	}

	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace = "contact-center", e.ns
	install.WaitStrategy = kube.HookOnlyStrategy // the CLI default: no --wait
	g.Expect(install.ServerSideApply).To(BeTrue(), "Helm 4 installs with server-side apply")
	_, err = install.RunWithContext(context.Background(), chrt, values([]any{number1, number2}))
	g.Expect(err).NotTo(HaveOccurred())
	ms := e.messagingService("support-sms")
	waitForReady(g, ms)
	pool, _ := e.emu.PoolNumbers(ms.Status.SID)
	g.Expect(pool).To(HaveLen(2))

	upgrade := action.NewUpgrade(cfg)
	upgrade.Namespace, upgrade.WaitStrategy = e.ns, kube.HookOnlyStrategy
	_, err = upgrade.RunWithContext(context.Background(), "contact-center", chrt, values([]any{}))
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		fetch(g, ms)
		g.Expect(ms.Spec.PhoneNumbers).NotTo(BeNil(), "the upgrade kept [] as a list")
	}).WithTimeout(timeout).Should(Succeed())
	waitForReady(g, ms)
	pool, _ = e.emu.PoolNumbers(ms.Status.SID)
	g.Expect(pool).To(BeEmpty(), "[] empties the pool")
	g.Expect(ms.Status.AssociatedNumbers).To(Equal("0/0"))
	g.Expect(ms.Annotations).To(HaveKeyWithValue(v1alpha1.SIDAnnotation, ms.Status.SID), "the same service, not a new one")
}
