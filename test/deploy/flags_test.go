package deploy_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
)

// TestOperatorChartArgsAreOperatorFlags feeds the command lines the chart renders to
// the operator binary built from this tree. Go's flag package parses them in order and
// stops at the trailing -h, so a misspelt flag or an unparsable value shows up as its
// error instead of "help requested": a chart that passes this does not crash-loop on a
// flag.
func TestOperatorChartArgsAreOperatorFlags(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	manager := filepath.Join(t.TempDir(), "manager")
	build := exec.CommandContext(context.Background(), "go", "build", "-o", manager, "./cmd/manager")
	build.Dir = repoRoot
	out, err := build.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "cannot build the operator: %s", out)

	for name, values := range map[string]map[string]any{
		"defaults": nil,
		"every flag set": {
			"watchNamespace": "team-a",
			"twilio":         map[string]any{"apiUrl": "https://twilio.example", "maxConcurrency": 3, "qps": 0.5},
			"resyncPeriod":   "90s", "maxConcurrentReconciles": 2,
			"vettingPoll":    map[string]any{"interval": "1s", "maxInterval": "1m"},
			"leaderElection": map[string]any{"id": "x.example", "namespace": "leases"},
			"metrics":        map[string]any{"secure": false, "port": 8080},
			"logging":        map[string]any{"level": "debug", "encoder": "console"},
		},
		"metrics off": {"metrics": map[string]any{"enabled": false}},
		"a shard": {
			"shard": "a", "watchNamespaces": []any{"team-a", "team-b"}, "watchSelector": "twilio-operator.io/shard in (a, b),!legacy",
			"resources": map[string]any{"limits": map[string]any{"memory": "1.5Gi"}},
		},
	} {
		objs := mustRender(t, operatorChart, "default", values)
		c := as[appsv1.Deployment](g, find(g, objs, "Deployment", "twilio-operator")).Spec.Template.Spec.Containers[0]
		args := c.Args
		cmd := exec.CommandContext(context.Background(), manager, append(args, "-h")...)
		// The chart's environment too: the Go runtime refuses a GOMEMLIMIT it cannot parse
		// before main runs.
		for _, env := range c.Env {
			cmd.Env = append(cmd.Env, env.Name+"="+env.Value)
		}
		out, err := cmd.CombinedOutput()
		// -h ends parsing with flag.ErrHelp, which the operator reports and exits 2 on.
		g.Expect(err).To(HaveOccurred())
		g.Expect(string(out)).To(ContainSubstring("help requested"), "%s: the operator refused %v:\n%s", name, args, out)
		g.Expect(string(out)).NotTo(ContainSubstring("provided but not defined"), name)
		g.Expect(string(out)).NotTo(ContainSubstring("invalid value"), name)
		g.Expect(string(out)).NotTo(ContainSubstring("GOMEMLIMIT"), name)
	}
}
