package controllers_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/prometheus/common/expfmt"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// kstatusOf computes what Helm 4 --wait, Flux and kpt see for obj.
func kstatusOf(g Gomega, obj client.Object) status.Status {
	fetch(g, obj)
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	g.Expect(err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: content})
	g.Expect(err).NotTo(HaveOccurred())
	return res.Status
}

func TestMessagingServiceKstatus(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()

	g.Expect(e.emu.SetPathFaults("POST /v1/Services", twilioemu.Faults{ErrorRate: 1})).To(Succeed())
	converging := e.messagingService("converging")
	g.Expect(k8s.Create(ctx, converging)).To(Succeed())
	waitForCondition(g, converging, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonRetrying)
	g.Expect(kstatusOf(g, converging)).To(Equal(status.InProgressStatus))

	g.Expect(e.emu.ClearFaults()).To(Succeed())
	waitForReady(g, converging)
	g.Expect(kstatusOf(g, converging)).To(Equal(status.CurrentStatus))

	stalled := e.messagingService("stalled", withNumbers("+15005550009"))
	g.Expect(k8s.Create(ctx, stalled)).To(Succeed())
	waitForCondition(g, stalled, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonPhoneNumberNotFound)
	g.Expect(kstatusOf(g, stalled)).To(Equal(status.FailedStatus))

	// A new generation not yet reconciled is InProgress, whatever the conditions say.
	update(g, converging, func(ms *v1alpha1.MessagingService) { ms.Spec.FriendlyName = "Renamed" })
	g.Expect(converging.Generation).To(BeNumerically(">", converging.Status.ObservedGeneration))
}

// TestSecretsNeverLeak runs the operator through success, bad credentials and faults
// with distinctive secrets, then searches everything it produced for them.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	const (
		token     = "LeakCanaryToken7f3c9e1d"
		keySecret = "LeakCanaryKeySecret42aa"
		wrong     = "LeakCanaryWrongToken99"
		apiKey    = "SK0000000000000000000000000000beef"
	)
	g := NewWithT(t)
	e := startEnv(t,
		withSeed(func(s *twilioemu.Seed) {
			s.Accounts[0].AuthToken = token
			s.Accounts[0].APIKeys = append(s.Accounts[0].APIKeys, twilioemu.APIKeySeed{Sid: apiKey, Secret: keySecret})
		}),
		withSecret(map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token}))
	ctx := context.Background()
	e.createSecret(t, "api-key", map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_API_KEY": apiKey, "TWILIO_API_SECRET": keySecret})
	e.createSecret(t, "wrong", map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": wrong})

	withCreds := func(name string) func(*v1alpha1.MessagingService) {
		return func(ms *v1alpha1.MessagingService) { ms.Spec.CredentialsRef.Name = name }
	}
	ok := e.messagingService("token", withNumbers(number1))
	key := e.messagingService("key", withNumbers(number2), withCreds("api-key"))
	bad := e.messagingService("bad", withCreds("wrong"))
	for _, ms := range []*v1alpha1.MessagingService{ok, key, bad} {
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	}
	waitForReady(g, ok)
	waitForReady(g, key)
	waitForCondition(g, bad, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonInvalidCredentials)

	// Faults: 5xx, dropped responses and a number in use, all with the secrets in play.
	// The first create's answer is always lost, so the object is Retrying at least once
	// whatever the random faults do.
	g.Expect(e.emu.SetFaults(twilioemu.Faults{ErrorRate: 0.5, DropRate: 0.5})).To(Succeed())
	g.Expect(e.emu.SetPathFaults("POST /v1/Services", twilioemu.Faults{DropNextWrites: 1})).To(Succeed())
	faulty := e.messagingService("faulty", withNumbers(number3), withCreds("api-key"))
	g.Expect(k8s.Create(ctx, faulty)).To(Succeed())
	waitForCondition(g, faulty, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonRetrying)
	g.Expect(e.emu.ClearFaults()).To(Succeed())
	waitForReady(g, faulty)
	g.Expect(k8s.Delete(ctx, key)).To(Succeed())
	waitForGone(g, key)

	var evidence strings.Builder
	evidence.WriteString(e.logs.String())
	events := &eventsv1.EventList{}
	g.Expect(k8s.List(ctx, events, client.InNamespace(e.ns))).To(Succeed())
	g.Expect(events.Items).NotTo(BeEmpty())
	objects := &v1alpha1.MessagingServiceList{}
	g.Expect(k8s.List(ctx, objects, client.InNamespace(e.ns))).To(Succeed())
	for _, v := range []any{events, objects} {
		data, err := json.Marshal(v)
		g.Expect(err).NotTo(HaveOccurred())
		evidence.Write(data)
	}
	families, err := e.registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(families).NotTo(BeEmpty())
	for _, f := range families {
		_, err := expfmt.MetricFamilyToText(&evidence, f)
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Expect(evidence.String()).To(ContainSubstring("twilio_requests_total"), "the metrics were searched")
	g.Expect(evidence.String()).To(ContainSubstring("InvalidCredentials"), "the failures were searched")
	basic := func(user, pass string) string { return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)) }
	for _, secret := range []string{token, keySecret, wrong, basic(account, token), basic(apiKey, keySecret), basic(account, wrong)} {
		g.Expect(evidence.String()).NotTo(ContainSubstring(secret))
		g.Expect(evidence.String()).NotTo(ContainSubstring(strings.ToLower(secret)))
	}
}
