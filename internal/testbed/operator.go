package testbed

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"
)

// Operator is the operator binary running as its own process.
type Operator struct {
	*Process
	// MetricsURL serves the operator's Prometheus metrics (plain HTTP).
	MetricsURL string
	// ProbeURL serves /healthz and /readyz.
	ProbeURL string
}

// OperatorConfig says how to run the operator.
type OperatorConfig struct {
	// Binary is the operator binary (bin/manager).
	Binary string
	// Kubeconfig is the kubeconfig it connects with.
	Kubeconfig string
	// TwilioURL is --twilio-api-url (the emulator).
	TwilioURL string
	// Name names its log file (<Dir>/<Name>.log) and its process.
	Name string
	// Dir holds the log file.
	Dir string
	// Args are more flags (--resync-period, --leader-elect, …).
	Args []string
}

// StartOperator runs the operator and waits until it is healthy; with leader election
// a replica is healthy before it leads.
func StartOperator(ctx context.Context, c OperatorConfig) (*Operator, error) {
	metrics, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	probes, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--kubeconfig", c.Kubeconfig,
		"--twilio-api-url", c.TwilioURL,
		"--metrics-bind-address", metrics, "--metrics-secure=false",
		"--health-probe-bind-address", probes,
	}, c.Args...)
	p, err := start(c.Name, c.Binary, args, filepath.Join(c.Dir, c.Name+".log"))
	if err != nil {
		return nil, err
	}
	o := &Operator{Process: p, MetricsURL: "http://" + metrics + "/metrics", ProbeURL: "http://" + probes}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err = waitFor(ctx, "waiting for the operator to be healthy", func() error {
		if p.Exited() {
			return fmt.Errorf("the operator exited; see %s", p.LogPath)
		}
		_, err := get(o.ProbeURL + "/healthz")
		return err
	})
	if err != nil {
		p.Kill()
		return nil, err
	}
	return o, nil
}

// Metrics returns the operator's metrics in the Prometheus text format.
func (o *Operator) Metrics() (string, error) { return get(o.MetricsURL) }

func get(url string) (string, error) {
	resp, err := http.Get(url) //nolint:gosec,noctx // a local endpoint this package started
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), err
}
