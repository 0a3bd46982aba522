package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	// The Prometheus Operator module ships the CRDs of ServiceMonitor and
	// PrometheusRule (example/prometheus-operator-crd) that the dry runs below install;
	// this import keeps the module, and so those files, pinned in go.mod and go.sum.
	_ "github.com/prometheus-operator/prometheus-operator/pkg/versionutil"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/controllers"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
	"github.com/twilio-operator/twilio-operator/internal/version"
)

// restConfig reaches the suite's API server, for a manager of the operator's controllers.
var restConfig *rest.Config

const prometheusOperatorModule = "github.com/prometheus-operator/prometheus-operator"

var installMonitoringCRDs = sync.OnceValue(func() error {
	out, err := exec.Command("go", "mod", "download", "-json", prometheusOperatorModule).Output()
	if err != nil {
		return fmt.Errorf("go mod download %s: %w", prometheusOperatorModule, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return fmt.Errorf("go mod download %s: %w", prometheusOperatorModule, err)
	}
	if mod.Dir == "" {
		return fmt.Errorf("go mod download %s: %s", prometheusOperatorModule, mod.Error)
	}
	ctx := context.Background()
	for _, name := range []string{"servicemonitors", "prometheusrules"} {
		data, err := os.ReadFile(filepath.Join(mod.Dir, "example", "prometheus-operator-crd", "monitoring.coreos.com_"+name+".yaml"))
		if err != nil {
			return err
		}
		objs, err := parseManifests(data)
		if err != nil {
			return err
		}
		for _, crd := range objs {
			if err := k8s.Create(ctx, crd); client.IgnoreAlreadyExists(err) != nil {
				return err
			}
		}
	}
	return nil
})

// promql parses PromQL as a Prometheus server does by default: no experimental
// functions or syntax.
var promql = parser.NewParser(parser.Options{})

// monitoringValues turns every part of monitoring on.
func monitoringValues(edit func(map[string]any)) map[string]any {
	values := map[string]any{"monitoring": map[string]any{
		"serviceMonitor": map[string]any{"enabled": true},
		"prometheusRule": map[string]any{"enabled": true},
		"dashboard":      map[string]any{"enabled": true},
	}}
	if edit != nil {
		edit(values["monitoring"].(map[string]any))
	}
	return values
}

// dryRunMonitoring dry-runs objs once the Prometheus Operator's CRDs serve.
func dryRunMonitoring(g Gomega, objs []*unstructured.Unstructured) {
	g.Expect(installMonitoringCRDs()).To(Succeed())
	g.Eventually(func() error { return dryRunApply(context.Background(), objs...) }).
		WithTimeout(30*time.Second).Should(Succeed(), "the CRDs are established and accept the objects")
}

// TestOperatorChartMonitoring renders the chart with the ServiceMonitor, the
// PrometheusRule and the dashboard: the API server (with the Prometheus Operator's
// CRDs) accepts every object, the ServiceMonitor scrapes the metrics Service as the
// operator's authn/authz requires, every alert and dashboard query is valid PromQL.
func TestOperatorChartMonitoring(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns := newNamespace(t, "chart-monitoring")
	objs := mustRender(t, operatorChart, ns, monitoringValues(nil))
	g.Expect(kindsAndNames(objs)).To(ContainElements(
		"ServiceMonitor/twilio-operator", "PrometheusRule/twilio-operator", "ConfigMap/twilio-operator-dashboard"))
	dryRunMonitoring(g, objs)

	// The ServiceMonitor: the metrics Service's port, over HTTPS with Prometheus's token.
	sm := find(g, objs, "ServiceMonitor", "twilio-operator")
	svc := as[corev1.Service](g, find(g, objs, "Service", "twilio-operator-metrics"))
	selector, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	g.Expect(selector).NotTo(BeEmpty())
	for k, v := range selector {
		g.Expect(svc.Labels).To(HaveKeyWithValue(k, v))
	}
	namespaces, _, _ := unstructured.NestedStringSlice(sm.Object, "spec", "namespaceSelector", "matchNames")
	g.Expect(namespaces).To(Equal([]string{ns}))
	endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	g.Expect(endpoints).To(Equal([]any{map[string]any{
		"port": svc.Spec.Ports[0].Name, "path": "/metrics", "honorLabels": true, "scheme": "https",
		"bearerTokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token",
		"tlsConfig":       map[string]any{"insecureSkipVerify": true},
	}}))

	// The PrometheusRule: the five alerts, each valid PromQL with the default thresholds.
	rules := alertRules(g, find(g, objs, "PrometheusRule", "twilio-operator"))
	g.Expect(rules).To(HaveLen(5))
	for name, want := range map[string]string{
		"TwilioBrandFailed":    `reason="BrandFailed"`,
		"TwilioCampaignFailed": `reason="CampaignFailed"`,
		"TwilioObjectStalled":  "> 15 * 60",
		"TwilioVettingTooLong": "> 14 * 86400",
		"TwilioRateLimited":    "> 0.05",
	} {
		g.Expect(rules).To(HaveKey(name))
		g.Expect(rules[name]["expr"]).To(ContainSubstring(want), name)
		_, err := promql.ParseExpr(rules[name]["expr"].(string))
		g.Expect(err).NotTo(HaveOccurred(), "%s: %s", name, rules[name]["expr"])
		g.Expect(rules[name]["labels"]).To(HaveKey("severity"))
		g.Expect(rules[name]["annotations"]).To(HaveKeyWithValue("summary", ContainSubstring("{{ $")),
			"Prometheus's templates reach Prometheus")
	}
	g.Expect(rules["TwilioBrandFailed"]["labels"]).To(Equal(map[string]any{"severity": "critical"}))
	g.Expect(rules["TwilioObjectStalled"]["labels"]).To(Equal(map[string]any{"severity": "warning"}))

	// The dashboard: the file as it is, valid JSON, every query valid PromQL, loaded by
	// the Grafana sidecar's label.
	cm := as[corev1.ConfigMap](g, find(g, objs, "ConfigMap", "twilio-operator-dashboard"))
	g.Expect(cm.Namespace).To(Equal(ns))
	g.Expect(cm.Labels).To(HaveKeyWithValue("grafana_dashboard", "1"))
	file, err := os.ReadFile(filepath.Join(operatorChart, "files", "dashboard.json"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cm.Data).To(HaveKeyWithValue("twilio-operator.json", strings.TrimRight(string(file), "\n")))
	queries := dashboardQueries(g, cm.Data["twilio-operator.json"])
	g.Expect(len(queries)).To(BeNumerically(">=", 10))
	for _, q := range queries {
		_, err := promql.ParseExpr(q)
		g.Expect(err).NotTo(HaveOccurred(), q)
	}
}

// TestOperatorChartMonitoringValues changes every monitoring value from its default.
func TestOperatorChartMonitoringValues(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns, grafana := newNamespace(t, "chart-monitoring-values"), newNamespace(t, "grafana")
	objs := mustRender(t, operatorChart, ns, map[string]any{
		"metrics": map[string]any{"certSecret": "operator-metrics-tls"},
		"monitoring": map[string]any{
			"serviceMonitor": map[string]any{
				"enabled": true, "labels": map[string]any{"release": "kube-prometheus-stack"},
				"interval": "1m", "scrapeTimeout": "20s",
				"tlsConfig": map[string]any{
					"ca":         map[string]any{"secret": map[string]any{"name": "metrics-ca", "key": "ca.crt"}},
					"serverName": "twilio-operator-metrics." + ns + ".svc",
				},
				"authorization": map[string]any{"credentials": map[string]any{"name": "prometheus-token", "key": "token"}},
			},
			"prometheusRule": map[string]any{
				"enabled": true, "labels": map[string]any{"role": "alert-rules"},
				"alertLabels":    map[string]any{"team": "contact-center", "severity": "page"},
				"stalledMinutes": 30, "vettingDays": 21, "rateLimitedRatio": 0.2,
			},
			"dashboard": map[string]any{
				"enabled": true, "labels": map[string]any{"dashboards": "twilio"},
				"annotations": map[string]any{"grafana_folder": "Twilio"}, "namespace": grafana,
			},
		},
	})
	dryRunMonitoring(g, objs)

	sm := find(g, objs, "ServiceMonitor", "twilio-operator")
	g.Expect(sm.GetLabels()).To(HaveKeyWithValue("release", "kube-prometheus-stack"))
	endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	g.Expect(endpoints).To(Equal([]any{map[string]any{
		"port": "https-metrics", "path": "/metrics", "honorLabels": true, "scheme": "https",
		"interval": "1m", "scrapeTimeout": "20s",
		"authorization": map[string]any{"credentials": map[string]any{"name": "prometheus-token", "key": "token"}},
		"tlsConfig": map[string]any{
			"ca":         map[string]any{"secret": map[string]any{"name": "metrics-ca", "key": "ca.crt"}},
			"serverName": "twilio-operator-metrics." + ns + ".svc",
		},
	}}))

	pr := find(g, objs, "PrometheusRule", "twilio-operator")
	g.Expect(pr.GetLabels()).To(HaveKeyWithValue("role", "alert-rules"))
	rules := alertRules(g, pr)
	g.Expect(rules["TwilioObjectStalled"]["expr"]).To(ContainSubstring("> 30 * 60"))
	g.Expect(rules["TwilioVettingTooLong"]["expr"]).To(ContainSubstring("> 21 * 86400"))
	g.Expect(rules["TwilioVettingTooLong"]["annotations"]).To(HaveKeyWithValue("description", ContainSubstring("more than 21 days")))
	g.Expect(rules["TwilioRateLimited"]["expr"]).To(ContainSubstring("> 0.2"))
	for name, r := range rules {
		g.Expect(r["labels"]).To(Equal(map[string]any{"team": "contact-center", "severity": "page"}), name)
		_, err := promql.ParseExpr(r["expr"].(string))
		g.Expect(err).NotTo(HaveOccurred(), name)
	}

	cm := find(g, objs, "ConfigMap", "twilio-operator-dashboard")
	g.Expect(cm.GetNamespace()).To(Equal(grafana))
	g.Expect(cm.GetLabels()).To(HaveKeyWithValue("dashboards", "twilio"))
	g.Expect(cm.GetLabels()).To(HaveKeyWithValue("grafana_dashboard", "1"), "labels add to the default, as Helm merges maps")
	g.Expect(cm.GetAnnotations()).To(Equal(map[string]string{"grafana_folder": "Twilio"}))

	// Plain HTTP metrics: no token, no TLS.
	plain := mustRender(t, operatorChart, ns, map[string]any{
		"metrics":    map[string]any{"secure": false},
		"monitoring": map[string]any{"serviceMonitor": map[string]any{"enabled": true}},
	})
	endpoints, _, _ = unstructured.NestedSlice(find(g, plain, "ServiceMonitor", "twilio-operator").Object, "spec", "endpoints")
	g.Expect(endpoints).To(Equal([]any{map[string]any{"port": "http-metrics", "path": "/metrics", "honorLabels": true, "scheme": "http"}}))
	dryRunMonitoring(g, plain)
}

// TestOperatorChartRejectsBadMonitoringValues: values that would scrape nothing, or
// fail verification, are refused with what is wrong.
func TestOperatorChartRejectsBadMonitoringValues(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		values map[string]any
		want   string
	}{
		"a ServiceMonitor without metrics": {map[string]any{
			"metrics":    map[string]any{"enabled": false},
			"monitoring": map[string]any{"serviceMonitor": map[string]any{"enabled": true}},
		}, "monitoring.serviceMonitor.enabled needs metrics.enabled"},
		"a certificate Prometheus cannot verify": {map[string]any{
			"metrics":    map[string]any{"certSecret": "tls"},
			"monitoring": map[string]any{"serviceMonitor": map[string]any{"enabled": true}},
		}, "monitoring.serviceMonitor.tlsConfig is required with metrics.certSecret"},
		"an interval that is not a Prometheus duration": {map[string]any{
			"monitoring": map[string]any{"serviceMonitor": map[string]any{"interval": "1 minute"}},
		}, "/monitoring/serviceMonitor/interval"},
		"a zero stall threshold": {map[string]any{
			"monitoring": map[string]any{"prometheusRule": map[string]any{"stalledMinutes": 0}},
		}, "/monitoring/prometheusRule/stalledMinutes"},
		"a 429 share above one": {map[string]any{
			"monitoring": map[string]any{"prometheusRule": map[string]any{"rateLimitedRatio": 5}},
		}, "/monitoring/prometheusRule/rateLimitedRatio"},
		"a misspelt switch": {map[string]any{
			"monitoring": map[string]any{"dashbords": map[string]any{"enabled": true}},
		}, "dashbords"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := renderChart(operatorChart, "twilio-operator", "default", tc.values)
			g.Expect(err).To(MatchError(ContainSubstring(tc.want)))
		})
	}
}

// TestOperatorChartMonitoringNamesExistingMetrics: every metric the alerts and the
// dashboard query is one the operator exports. The names come from a running
// operator (the controllers on a manager, as cmd/manager sets them up) that reconciled
// a MessagingService against the Twilio emulator, so every family has series.
func TestOperatorChartMonitoringNamesExistingMetrics(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	exported := operatorMetricNames(t)
	for _, name := range []string{"twilio_operator_object_condition", "twilio_operator_object_condition_oldest_transition_timestamp_seconds",
		"twilio_requests_total", "twilio_request_duration_seconds_bucket", "controller_runtime_reconcile_total",
		"workqueue_depth", version.BuildInfoMetric} {
		g.Expect(exported).To(HaveKey(name), "the inventory itself is complete")
	}

	objs := mustRender(t, operatorChart, "default", monitoringValues(nil))
	var queries []string
	for _, r := range alertRules(g, find(g, objs, "PrometheusRule", "twilio-operator")) {
		queries = append(queries, r["expr"].(string))
	}
	cm := as[corev1.ConfigMap](g, find(g, objs, "ConfigMap", "twilio-operator-dashboard"))
	queries = append(queries, dashboardQueries(g, cm.Data["twilio-operator.json"])...)
	used := map[string]bool{}
	for _, q := range queries {
		expr, err := promql.ParseExpr(q)
		g.Expect(err).NotTo(HaveOccurred(), q)
		parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
			if vs, ok := node.(*parser.VectorSelector); ok {
				g.Expect(vs.Name).NotTo(BeEmpty(), "every selector names its metric: %s", q)
				used[vs.Name] = true
			}
			return nil
		})
	}
	g.Expect(len(used)).To(BeNumerically(">=", 8))
	for name := range used {
		g.Expect(exported).To(HaveKey(name), "%s is queried but not exported", name)
	}
}

// alertRules returns the PrometheusRule's alerting rules by alert name.
func alertRules(g Gomega, pr *unstructured.Unstructured) map[string]map[string]any {
	groups, _, err := unstructured.NestedSlice(pr.Object, "spec", "groups")
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]map[string]any{}
	for _, group := range groups {
		for _, r := range group.(map[string]any)["rules"].([]any) {
			rule := r.(map[string]any)
			out[rule["alert"].(string)] = rule
		}
	}
	return out
}

// grafanaVariables are what Grafana replaces in a query before sending it; a query
// with any other $variable outside a label value fails to parse.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// labelValues is a Grafana variable's query of label values: label_values(selector, label).
var labelValues = regexp.MustCompile(`^label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$`)

// dashboardQueries parses a Grafana dashboard and returns every PromQL query in it: the
// panels' targets and the selectors of its variables, with Grafana's interval variables
// replaced.
func dashboardQueries(g Gomega, data string) []string {
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string          `json:"name"`
				Type       string          `json:"type"`
				Definition string          `json:"definition"`
				Query      json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	g.Expect(json.Unmarshal([]byte(data), &dash)).To(Succeed(), "the dashboard is JSON")
	g.Expect(dash.Panels).NotTo(BeEmpty())
	var out []string
	for _, p := range dash.Panels {
		g.Expect(p.Targets).NotTo(BeEmpty(), "panel %q", p.Title)
		for _, target := range p.Targets {
			g.Expect(target.Expr).NotTo(BeEmpty(), "panel %q", p.Title)
			out = append(out, grafanaVariables.Replace(target.Expr))
		}
	}
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		g.Expect(m).To(HaveLen(2), "variable %s: %s", v.Name, v.Definition)
		out = append(out, m[1])
	}
	return out
}

// operatorMetricNames runs the operator's controllers on a manager, with the Twilio
// connector and the build_info gauge registered as cmd/manager registers them,
// reconciles one MessagingService against the Twilio emulator, and returns the names
// of every series the registries then expose (a histogram as its _bucket, _sum and
// _count series, as Prometheus stores it).
func operatorMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	g := NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := newNamespace(t, "metrics-inventory")
	emu := twilioemu.New(twilioemu.WithSeed(twilioemu.DefaultSeed()))
	server := httptest.NewServer(emu)
	defer server.Close()

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	reg := prometheus.NewRegistry()
	reg.MustRegister(version.NewBuildInfoCollector())
	connector, err := twilio.NewConnector(twilio.Config{BaseURL: server.URL, Timeout: 5 * time.Second,
		UserAgent: "twilio-operator/metrics-inventory", Registerer: reg})
	g.Expect(err).NotTo(HaveOccurred())
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}},
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(controllers.SetupWithManager(mgr, controllers.Options{Twilio: connector, Registerer: reg,
		ClaimsNamespace: ns, Shard: "metrics-inventory"})).To(Succeed())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	defer func() { cancel(); g.Expect(<-done).To(Succeed(), "the manager stops cleanly") }()

	typed, err := client.New(restConfig, client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(typed.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "twilio-credentials", Namespace: ns},
		StringData: map[string]string{"TWILIO_ACCOUNT_SID": twilioemu.DefaultAccountSid, "TWILIO_AUTH_TOKEN": twilioemu.DefaultAuthToken}})).To(Succeed())
	ms := &v1alpha1.MessagingService{ObjectMeta: metav1.ObjectMeta{Name: "inventory", Namespace: ns},
		Spec: v1alpha1.MessagingServiceSpec{FriendlyName: "Metrics inventory"}}
	g.Expect(typed.Create(ctx, ms)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(typed.Get(ctx, client.ObjectKeyFromObject(ms), ms)).To(Succeed())
		g.Expect(ms.Status.Conditions).To(ContainElement(And(
			HaveField("Type", v1alpha1.ConditionReady), HaveField("Status", metav1.ConditionTrue))))
	}).WithTimeout(60 * time.Second).Should(Succeed())

	names := map[string]bool{}
	g.Eventually(func(g Gomega) {
		for _, gatherer := range []prometheus.Gatherer{reg, ctrlmetrics.Registry} {
			families, err := gatherer.Gather()
			g.Expect(err).NotTo(HaveOccurred())
			for _, f := range families {
				for _, n := range seriesNames(f) {
					names[n] = true
				}
			}
		}
		g.Expect(names).To(HaveKey("twilio_operator_object_condition"), "the object is counted once reconciled")
	}).WithTimeout(30 * time.Second).Should(Succeed())
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	t.Logf("exported: %s", strings.Join(list, " "))
	return names
}

// seriesNames are the names a family's series have in Prometheus.
func seriesNames(f *dto.MetricFamily) []string {
	switch f.GetType() {
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		return []string{f.GetName() + "_bucket", f.GetName() + "_sum", f.GetName() + "_count"}
	case dto.MetricType_SUMMARY:
		return []string{f.GetName(), f.GetName() + "_sum", f.GetName() + "_count"}
	}
	return []string{f.GetName()}
}
