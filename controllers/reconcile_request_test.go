package controllers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// TestReconcileRequestedAt: a new value of the reconcile-requested-at annotation syncs a
// Ready object at once (the resync period is an hour), reading both the service and its
// pool, so drift made in the Console meanwhile is put back; the value is recorded in
// status.lastHandledReconcileAt. After a restart, a value already handled costs nothing,
// and a value set while no operator ran is acted on.
func TestReconcileRequestedAt(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ms := e.readyService(g, "now", number1)
	sid := ms.Status.SID
	_, err := consoleClient(e.emu).UpdateService(context.Background(), sid, twilio.ServiceParams{FriendlyName: ptr.To("Renamed in the Console")})
	g.Expect(err).NotTo(HaveOccurred())

	request := func(value string) []twilioemu.RequestRecord {
		before, err := e.emu.Requests()
		g.Expect(err).NotTo(HaveOccurred())
		update(g, ms, func(ms *v1alpha1.MessagingService) {
			ms.Annotations[v1alpha1.ReconcileRequestedAtAnnotation] = value // beside the sid annotation
		})
		g.Eventually(func(g Gomega) {
			fetch(g, ms)
			g.Expect(ms.Status.LastHandledReconcileAt).To(Equal(value))
		}).WithTimeout(timeout).Should(Succeed())
		waitForReady(g, ms)
		after, err := e.emu.Requests()
		g.Expect(err).NotTo(HaveOccurred())
		return after[len(before):]
	}

	requests := request("2026-12-02T03:00:00Z")
	g.Expect(requestRoutes(requests)).To(ContainElements(
		"GET /v1/Services/"+sid, "GET /v1/Services/"+sid+"/PhoneNumbers"), "a full sync: the service and its pool")
	g.Expect(requestRoutes(requests)).To(ContainElement("POST /v1/Services/"+sid), "the Console drift is put back")
	svc, err := e.emu.Service(sid)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(svc.FriendlyName).To(Equal(ms.Spec.FriendlyName))

	// A second request syncs again, and finds nothing to write.
	requests = request("2026-12-02T03:05:00Z")
	g.Expect(requestRoutes(requests)).To(ContainElements("GET /v1/Services/"+sid, "GET /v1/Services/"+sid+"/PhoneNumbers"))
	for _, r := range requests {
		g.Expect(r.Method).To(Equal(http.MethodGet), "nothing drifted: %s %s", r.Method, r.Path)
	}

	// A restart resumes from the status: the handled value is not a new request.
	e.stopOperator()
	before := e.total()
	e.startOperator(t)
	g.Eventually(readyObjects(g, e, "MessagingService")).WithTimeout(timeout).Should(Equal(1.0))
	g.Expect(e.total()).To(Equal(before), "the handled value costs no Twilio request after a restart")

	// A value set while no operator ran is still acted on.
	e.stopOperator()
	update(g, ms, func(ms *v1alpha1.MessagingService) {
		ms.Annotations[v1alpha1.ReconcileRequestedAtAnnotation] = "2026-12-02T03:10:00Z"
	})
	before = e.total()
	e.startOperator(t)
	g.Eventually(func(g Gomega) {
		fetch(g, ms)
		g.Expect(ms.Status.LastHandledReconcileAt).To(Equal("2026-12-02T03:10:00Z"))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(e.total()).To(BeNumerically(">", before))
}

// requestRoutes lists requests as "METHOD path".
func requestRoutes(requests []twilioemu.RequestRecord) []string {
	out := make([]string, 0, len(requests))
	for _, r := range requests {
		out = append(out, r.Method+" "+strings.TrimSuffix(r.Path, "/"))
	}
	return out
}
