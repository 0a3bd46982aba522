package controllers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// TestDeletionAfterItsSecret: a namespace deletion may delete the credentials Secret
// before the objects that use it. An object with deletionPolicy Delete still deletes
// its service, with the credentials it last read itself.
func TestDeletionAfterItsSecret(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	ms := e.readyService(g, "support", number1)
	e.deleteSecret(g, secretName)

	g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
	waitForGone(g, ms)
	_, err := e.emu.Service(ms.Status.SID)
	g.Expect(err).To(HaveOccurred(), "the service was deleted with the object's own last credentials")
}

// TestCredentialsDoNotOutliveTheirSecret: credentials read from a Secret are never
// used once the Secret is gone and another took its name (a new UID, as a namespace
// deleted and created again gives), nor by another object than the one that read them.
func TestCredentialsDoNotOutliveTheirSecret(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	ms := e.readyService(g, "support", number1)
	e.deleteSecret(g, secretName)

	// Another object, created after the Secret went, never gets the credentials the
	// first one read. Its interrupted create names a service made in the Console; with
	// borrowed credentials its deletion would have found and deleted that service.
	console, err := consoleClient(e.emu).CreateService(ctx, twilio.ServiceParams{FriendlyName: ptr.To("Late SMS")})
	g.Expect(err).NotTo(HaveOccurred())
	now, _ := e.emu.Now()
	late := e.messagingService("late", func(ms *v1alpha1.MessagingService) {
		ms.Spec.FriendlyName = "Late SMS"
		ms.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
		withAnnotation(v1alpha1.CreatePendingAnnotation, "twilio="+now.Format(time.RFC3339))(ms)
	})
	g.Expect(k8s.Create(ctx, late)).To(Succeed())
	waitForCondition(g, late, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonCredentialsNotFound)
	g.Expect(k8s.Delete(ctx, late)).To(Succeed())
	g.Eventually(func(g Gomega) {
		fetch(g, late)
		g.Expect(conditionOf(late, v1alpha1.ConditionStalled)).To(Equal("True " + v1alpha1.ReasonCredentialsNotFound))
	}).WithTimeout(timeout).Should(Succeed())
	update(g, late, func(ms *v1alpha1.MessagingService) { ms.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan })
	waitForGone(g, late)
	_, err = e.emu.Service(console.SID)
	g.Expect(err).NotTo(HaveOccurred(), "the Console's service is untouched")

	// A new Secret under the same name, for another account: the first object's
	// deletion uses it, not the credentials it read from the old one, and so deletes
	// nothing in the first account.
	e.createSecret(t, secretName, map[string]string{
		"TWILIO_ACCOUNT_SID": secondAccount, "TWILIO_AUTH_TOKEN": twilioemu.SecondAuthToken})
	g.Expect(k8s.Delete(ctx, ms)).To(Succeed())
	waitForGone(g, ms)
	_, err = e.emu.Service(ms.Status.SID)
	g.Expect(err).NotTo(HaveOccurred(), "the first account's service is untouched")
	requests, _ := e.emu.Requests()
	for _, r := range requests {
		if r.Method == http.MethodDelete {
			g.Expect(r.Account).To(Equal(secondAccount), "no delete was sent with the old Secret's credentials")
		}
	}
}

func (e *testEnv) deleteSecret(g Gomega, name string) {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns}}
	g.Expect(k8s.Delete(context.Background(), secret)).To(Succeed())
	waitForGone(g, secret)
}
