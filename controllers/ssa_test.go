package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// TestServerSideApplyEmptiesThePool: a user who applies phoneNumbers: [] with
// server-side apply (kubectl apply --server-side, Helm 4, Flux) gets an empty pool in
// Twilio, not an unmanaged one.
func TestServerSideApplyEmptiesThePool(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	apply := func(numbers []any) *v1alpha1.MessagingService {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": v1alpha1.GroupVersion.String(), "kind": "MessagingService",
			"metadata": map[string]any{"name": "support", "namespace": e.ns},
			"spec":     map[string]any{"friendlyName": "Support SMS", "phoneNumbers": numbers},
		}}
		g.Expect(k8s.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("user"))).To(Succeed())
		ms := &v1alpha1.MessagingService{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(u), ms)).To(Succeed())
		return ms
	}
	ms := apply([]any{number1, number2})
	waitForReady(g, ms)
	pool, _ := e.emu.PoolNumbers(ms.Status.SID)
	g.Expect(pool).To(HaveLen(2))

	ms = apply([]any{})
	g.Expect(ms.Spec.PhoneNumbers).NotTo(BeNil(), "[] is stored as a list, not dropped")
	waitForReady(g, ms)
	pool, _ = e.emu.PoolNumbers(ms.Status.SID)
	g.Expect(pool).To(BeEmpty(), "[] empties the pool")
	g.Expect(ms.Status.AssociatedNumbers).To(Equal("0/0"))
}
