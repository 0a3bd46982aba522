package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// exampleNamespace is the namespace of config/samples.
const exampleNamespace = "contact-center"

// cluster talks to the demo's control plane.
type cluster struct {
	client.Client
	started time.Time
}

func newCluster(cp *testbed.ControlPlane) (*cluster, error) {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	c, err := client.New(cp.Config, client.Options{Scheme: scheme})
	return &cluster{Client: c, started: time.Now()}, err
}

// applyExample creates the namespace, the credentials Secret (the emulator's default
// account) and every sample.
func (c *cluster) applyExample(ctx context.Context, samples string) error {
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: exampleNamespace}},
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "twilio-credentials", Namespace: exampleNamespace},
			StringData: map[string]string{
				"TWILIO_ACCOUNT_SID": twilioemu.DefaultAccountSid,
				"TWILIO_AUTH_TOKEN":  twilioemu.DefaultAuthToken,
			},
		},
	}
	files, err := filepath.Glob(filepath.Join(samples, "messaging_*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(data, &u.Object); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		objs = append(objs, u)
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("cannot create %s %s: %w", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), err)
		}
	}
	return nil
}

// row is what the demo shows of one object.
type row struct {
	kind, name, ready, reason, message string
}

func (c *cluster) rows(ctx context.Context) ([]row, error) {
	var rows []row
	services := &v1alpha1.MessagingServiceList{}
	if err := c.List(ctx, services, client.InNamespace(exampleNamespace)); err != nil {
		return nil, err
	}
	for i := range services.Items {
		rows = append(rows, rowOf("MessagingService", &services.Items[i], services.Items[i].Status.Conditions))
	}
	registrations := &v1alpha1.A2PRegistrationList{}
	if err := c.List(ctx, registrations, client.InNamespace(exampleNamespace)); err != nil {
		return nil, err
	}
	for i := range registrations.Items {
		rows = append(rows, rowOf("A2PRegistration", &registrations.Items[i], registrations.Items[i].Status.Conditions))
	}
	return rows, nil
}

func rowOf(kind string, obj client.Object, conditions []metav1.Condition) row {
	r := row{kind: kind, name: obj.GetName(), ready: "Unknown"}
	if c := meta.FindStatusCondition(conditions, v1alpha1.ConditionReady); c != nil {
		r.ready, r.reason, r.message = string(c.Status), c.Reason, c.Message
	}
	return r
}

// waitForReady prints each change of an object's Ready condition until every object is
// Ready or ctx ends.
func (c *cluster) waitForReady(ctx context.Context, out io.Writer) (bool, error) {
	seen := map[string]row{}
	for {
		rows, err := c.rows(ctx)
		if err == nil {
			allReady := len(rows) > 0
			for _, r := range rows {
				if seen[r.kind+r.name] != r {
					seen[r.kind+r.name] = r
					fmt.Fprintf(out, "  %5.1fs  %-33s Ready=%-7s %-24s %s\n", time.Since(c.started).Seconds(),
						r.kind+"/"+r.name, r.ready, r.reason, r.message)
				}
				allReady = allReady && r.ready == "True"
			}
			if allReady {
				return true, nil
			}
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// printTable shows `kubectl get twilio -A`, with kubectl when it is installed.
func (c *cluster) printTable(ctx context.Context, out io.Writer, kubeconfig string) {
	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		fmt.Fprintln(out, "$ kubectl get twilio -A")
		cmd := exec.CommandContext(ctx, kubectl, "--kubeconfig", kubeconfig, "get", "twilio", "-A")
		cmd.Stdout, cmd.Stderr = out, out
		if cmd.Run() == nil {
			return
		}
	}
	rows, err := c.rows(ctx)
	if err != nil {
		fmt.Fprintln(out, err)
		return
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAMESPACE\tKIND\tNAME\tREADY\tREASON")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", exampleNamespace, r.kind, r.name, r.ready, r.reason)
	}
	_ = w.Flush()
}

// describeFailures prints every condition of the objects that are not Ready.
func (c *cluster) describeFailures(ctx context.Context) error {
	rows, err := c.rows(ctx)
	if err != nil {
		return err
	}
	var failing []string
	for _, r := range rows {
		if r.ready != "True" {
			failing = append(failing, fmt.Sprintf("%s/%s: Ready=%s %s: %s", r.kind, r.name, r.ready, r.reason, r.message))
		}
	}
	if len(failing) == 0 {
		return nil
	}
	return fmt.Errorf("not Ready:\n  %s", strings.Join(failing, "\n  "))
}
