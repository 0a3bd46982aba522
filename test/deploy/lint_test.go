package deploy_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
)

// TestChartsLint runs `helm lint --strict` on both charts, with their defaults and with
// representative values: Chart.yaml, values against the schema, templates rendering to
// valid Kubernetes YAML, the CRD templates among them.
func TestChartsLint(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		chart  string
		values map[string]any
	}{
		"operator chart, defaults": {operatorChart, nil},
		"operator chart, one namespace, no metrics": {operatorChart, map[string]any{
			"watchNamespace": "team-a", "metrics": map[string]any{"enabled": false}, "replicas": 3,
		}},
		"operator chart, production and a shard": {operatorChart, map[string]any{
			"image": map[string]any{"digest": digest}, "imagePullSecrets": []any{"registry"},
			"global":              map[string]any{"imagePullSecrets": []any{"shared"}},
			"podDisruptionBudget": map[string]any{"enabled": true}, "networkPolicy": map[string]any{"enabled": true},
			"topologySpreadConstraints": []any{map[string]any{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"}},
			"shard":                     "a", "watchNamespaces": []any{"team-a", "team-b"}, "watchSelector": "shard=a",
			"crds": map[string]any{"enabled": false}, "extraEnv": []any{map[string]any{"name": "TZ", "value": "UTC"}},
		}},
		"example chart, defaults": {exampleChart, nil},
		"example chart, no registration, unmanaged pool": {exampleChart, map[string]any{
			"a2p": map[string]any{"enabled": false}, "messagingService": map[string]any{"phoneNumbers": nil},
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			lint := action.NewLint()
			lint.Strict = true
			version, err := common.ParseKubeVersion(serverVersion)
			g.Expect(err).NotTo(HaveOccurred())
			lint.KubeVersion = version
			lint.Namespace = "contact-center"
			result := lint.Run([]string{tc.chart}, tc.values)
			g.Expect(result.TotalChartsLinted).To(Equal(1))
			g.Expect(result.Errors).To(BeEmpty())
			for _, msg := range result.Messages {
				t.Logf("lint: %s", msg)
			}
		})
	}
}
