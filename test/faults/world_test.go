package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/testbed"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const account = twilioemu.DefaultAccountSid

// world is one scenario's processes and objects.
type world struct {
	t     *testing.T
	ns    string
	dir   string
	token string // the account's auth token: it must never leak
	emu   *testbed.Emulator

	mu        sync.Mutex
	operators []*testbed.Operator // every operator process ever started, killed or not
	scrapes   []string            // metrics scraped from them, searched for leaks
	kills     []time.Time         // when the killer SIGKILLed an operator
}

// numberOf is the phone number of MessagingService i.
func numberOf(i int) string { return fmt.Sprintf("+1555100%04d", i) }

// bundlesOf are the TrustHub bundles of A2PRegistration j.
func bundlesOf(j int) (customerProfile, trustProduct string) {
	return fmt.Sprintf("BU%032x", 0xfc0000+j), fmt.Sprintf("BU%032x", 0xfa0000+j)
}

// newWorld starts an emulator with numbers for services and bundles for registrations,
// in a namespace of its own with a credentials Secret.
func newWorld(t *testing.T, services, registrations int, seed uint64, emulatorFlags ...string) *world {
	g := NewWithT(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "faults-"}}
	g.Expect(k8s.Create(ctx, ns)).To(Succeed())
	w := &world{t: t, ns: ns.Name, dir: t.TempDir(), token: fmt.Sprintf("FaultCanaryToken%d", seed)}

	s := twilioemu.DefaultSeed()
	s.Accounts[0].AuthToken = w.token
	for i := range services {
		s.Accounts[0].PhoneNumbers = append(s.Accounts[0].PhoneNumbers, twilioemu.PhoneNumberSeed{PhoneNumber: numberOf(i)})
	}
	for j := range registrations {
		cp, tp := bundlesOf(j)
		s.Accounts[0].Bundles = append(s.Accounts[0].Bundles,
			twilioemu.BundleSeed{Sid: cp, Kind: twilioemu.CustomerProfile}, twilioemu.BundleSeed{Sid: tp, Kind: twilioemu.TrustProduct})
	}
	var err error
	w.emu, err = testbed.StartEmulator(ctx, bins.Emulator, w.dir, s, append([]string{"--rand-seed", fmt.Sprint(seed)}, emulatorFlags...)...)
	g.Expect(err).NotTo(HaveOccurred())
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "twilio-credentials", Namespace: w.ns},
		StringData: map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": w.token}}
	g.Expect(k8s.Create(ctx, secret)).To(Succeed())
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, o := range w.operators {
			_ = o.Stop(10 * time.Second)
		}
		_ = w.emu.Stop(5 * time.Second)
		if t.Failed() { // t.TempDir is removed after the test: keep the evidence elsewhere
			kept := filepath.Join(os.TempDir(), "twilio-operator-"+w.ns)
			if os.Rename(w.dir, kept) == nil {
				t.Logf("logs kept in %s", kept)
			}
		}
		_ = k8s.Delete(context.Background(), ns)
	})
	return w
}

// startOperator starts one more operator process.
func (w *world) startOperator(name string, kubeconfig string, args ...string) *testbed.Operator {
	w.t.Helper()
	op, err := testbed.StartOperator(context.Background(), testbed.OperatorConfig{
		Binary: bins.Manager, Kubeconfig: kubeconfig, TwilioURL: w.emu.URL, Name: name, Dir: w.dir, Args: args,
	})
	NewWithT(w.t).Expect(err).NotTo(HaveOccurred())
	w.mu.Lock()
	w.operators = append(w.operators, op)
	w.mu.Unlock()
	return op
}

// scrape keeps the operator's current metrics for the leak search.
func (w *world) scrape(op *testbed.Operator) {
	if m, err := op.Metrics(); err == nil {
		w.mu.Lock()
		w.scrapes = append(w.scrapes, m)
		w.mu.Unlock()
	}
}

// killer SIGKILLs the running operator at random moments and starts a new one, kills
// times, then leaves the last one running. It returns the number of kills.
func (w *world) killer(ctx context.Context, rng *rand.Rand, kills int, start func(i int) *testbed.Operator, op *testbed.Operator) (*testbed.Operator, int) {
	done := 0
	for done < kills {
		wait := time.Duration(200+rng.IntN(2300)) * time.Millisecond
		select {
		case <-ctx.Done():
			return op, done
		case <-time.After(wait): // chaos, not an assertion: the moment of the next crash
		}
		w.scrape(op)
		w.mu.Lock()
		w.kills = append(w.kills, time.Now())
		w.mu.Unlock()
		op.Kill()
		done++
		op = start(done)
	}
	return op, done
}

// messagingService i: one number, Delete or Orphan by parity.
func (w *world) messagingService(i int) *v1alpha1.MessagingService {
	policy := v1alpha1.DeletionPolicyDelete
	if i%2 == 1 {
		policy = v1alpha1.DeletionPolicyOrphan
	}
	return &v1alpha1.MessagingService{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc-%03d", i), Namespace: w.ns},
		Spec: v1alpha1.MessagingServiceSpec{FriendlyName: fmt.Sprintf("Faults %s svc %03d", w.ns, i),
			PhoneNumbers: []string{numberOf(i)}, DeletionPolicy: policy},
	}
}

// registration j: its own bundles, one campaign on svc-j, Delete or Orphan by parity.
func (w *world) registration(j int) *v1alpha1.A2PRegistration {
	cp, tp := bundlesOf(j)
	policy := v1alpha1.DeletionPolicyDelete
	if j%2 == 1 {
		policy = v1alpha1.DeletionPolicyOrphan
	}
	return &v1alpha1.A2PRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("a2p-%03d", j), Namespace: w.ns},
		Spec: v1alpha1.A2PRegistrationSpec{
			DeletionPolicy: policy,
			Brand:          v1alpha1.BrandSpec{CustomerProfileBundleSID: cp, A2PProfileBundleSID: tp},
			Campaigns: []v1alpha1.CampaignSpec{{
				MessagingServiceRef: &v1alpha1.LocalObjectReference{Name: fmt.Sprintf("svc-%03d", j)},
				Usecase:             "CUSTOMER_CARE",
				Description:         "Acme support agents answer customer questions about existing orders by SMS.",
				MessageFlow:         "Customers opt in by texting our support number or ticking the SMS box on acme.example/support.",
				MessageSamples: []string{"Hi Sam, this is Acme support. Your replacement part ships today.",
					"Acme: your ticket 4821 is resolved. Reply HELP for help, STOP to opt out."},
			}},
		},
	}
}

// readiness counts the objects of the world that are Ready. Whether any was ever
// Stalled is the stall recorder's to say (stalls_test.go): a poll sees one moment.
func (w *world) readiness(g Gomega) (ready, total int) {
	ctx := context.Background()
	services := &v1alpha1.MessagingServiceList{}
	g.Expect(k8s.List(ctx, services, client.InNamespace(w.ns))).To(Succeed())
	registrations := &v1alpha1.A2PRegistrationList{}
	g.Expect(k8s.List(ctx, registrations, client.InNamespace(w.ns))).To(Succeed())
	check := func(conditions []metav1.Condition) {
		total++
		if meta.IsStatusConditionTrue(conditions, v1alpha1.ConditionReady) {
			ready++
		}
	}
	for _, s := range services.Items {
		check(s.Status.Conditions)
	}
	for _, r := range registrations.Items {
		check(r.Status.Conditions)
	}
	return ready, total
}

// evidence is everything the operator produced that a secret could leak into: logs of
// every process, events, object statuses and metrics.
func (w *world) evidence(g Gomega) string {
	w.mu.Lock()
	operators := append([]*testbed.Operator(nil), w.operators...)
	w.mu.Unlock()
	var out []byte
	for _, o := range operators {
		w.scrape(o) // the live ones: killed ones were scraped before their kill
		data, err := os.ReadFile(o.LogPath)
		g.Expect(err).NotTo(HaveOccurred())
		out = append(out, data...)
	}
	w.mu.Lock()
	for _, s := range w.scrapes {
		out = append(out, s...)
	}
	w.mu.Unlock()
	emuLog, err := os.ReadFile(filepath.Join(w.dir, "emulator.log"))
	g.Expect(err).NotTo(HaveOccurred())
	out = append(out, emuLog...)
	return string(out) + objectsAndEvents(g, w.ns)
}

// objectsAndEvents renders the namespace's objects (with their status) and events.
func objectsAndEvents(g Gomega, ns string) string {
	ctx := context.Background()
	var out []byte
	for _, list := range []client.ObjectList{&v1alpha1.MessagingServiceList{}, &v1alpha1.A2PRegistrationList{}, &eventsv1.EventList{}} {
		g.Expect(k8s.List(ctx, list, client.InNamespace(ns))).To(Succeed())
		data, err := json.Marshal(list)
		g.Expect(err).NotTo(HaveOccurred())
		out = append(out, data...)
	}
	return string(out)
}
