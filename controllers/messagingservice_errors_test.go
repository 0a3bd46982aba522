package controllers_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// stallWindow is how long a stalled object is watched for retries that should not
// happen: terminal errors wait for a change or the slow resync, never a hot loop.
const stallWindow = 2 * time.Second

// expectNoHotLoop checks that a stalled object makes no Twilio request for a while.
func expectNoHotLoop(g Gomega, e *testEnv) {
	before := e.total()
	g.Consistently(e.total).WithTimeout(stallWindow).WithPolling(100 * time.Millisecond).Should(Equal(before))
}

func TestMessagingServiceStalledReasons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const unknownNumber = "+15005550009"

	tests := map[string]struct {
		opts        []envOption
		setup       func(g Gomega, e *testEnv)
		spec        func(*v1alpha1.MessagingService)
		wantReason  string
		wantMessage []string
		fix         func(g Gomega, e *testEnv, ms *v1alpha1.MessagingService)
	}{
		"a number the account does not own": {
			spec:        withNumbers(number1, unknownNumber),
			wantReason:  v1alpha1.ReasonPhoneNumberNotFound,
			wantMessage: []string{"phone number " + unknownNumber + " is not owned by account " + account},
			fix: func(g Gomega, _ *testEnv, ms *v1alpha1.MessagingService) {
				update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.PhoneNumbers = []string{number1, number2} })
			},
		},
		"a number of another account": {
			spec:        withNumbers(otherNumber),
			wantReason:  v1alpha1.ReasonPhoneNumberNotFound,
			wantMessage: []string{otherNumber},
			fix: func(g Gomega, _ *testEnv, ms *v1alpha1.MessagingService) {
				update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.PhoneNumbers = []string{number2} })
			},
		},
		"a PN SID of another account (21421)": {
			spec:        withNumbers(twilioemu.PhoneNumberSid(secondAccount, otherNumber), number1),
			wantReason:  v1alpha1.ReasonPhoneNumberNotFound,
			wantMessage: []string{twilioemu.PhoneNumberSid(secondAccount, otherNumber), "not owned by account " + account},
			fix: func(g Gomega, _ *testEnv, ms *v1alpha1.MessagingService) {
				update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.PhoneNumbers = []string{number1} })
			},
		},
		"a number in another Messaging Service (21712)": {
			opts: []envOption{withResync(time.Second)}, // the fix happens in Twilio: seen at resync
			setup: func(g Gomega, e *testEnv) {
				other, err := consoleClient(e.emu).CreateService(ctx, twilio.ServiceParams{FriendlyName: ptr.To("Other")})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(consoleClient(e.emu).AddPoolNumber(ctx, other.SID, twilioemu.PhoneNumberSid(account, number1))).To(Succeed())
			},
			spec:        withNumbers(number1, number2),
			wantReason:  v1alpha1.ReasonPhoneNumberInUse,
			wantMessage: []string{"phone number " + number1 + " is already in another Messaging Service", "21712"},
			fix: func(g Gomega, e *testEnv, _ *v1alpha1.MessagingService) {
				numbers, _ := e.emu.PhoneNumbers(account)
				for _, n := range numbers {
					if n.PhoneNumber == number1 {
						g.Expect(consoleClient(e.emu).RemovePoolNumber(ctx, n.ServiceSid, n.Sid)).To(Succeed())
					}
				}
			},
		},
		"no credentials Secret": {
			opts:        []envOption{withSecret(nil)},
			wantReason:  v1alpha1.ReasonCredentialsNotFound,
			wantMessage: []string{"Secret", "twilio-credentials", "not found"},
			fix: func(_ Gomega, e *testEnv, _ *v1alpha1.MessagingService) {
				e.createSecret(t, secretName, map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": twilioemu.DefaultAuthToken})
			},
		},
		"a Secret without the auth token": {
			opts:        []envOption{withSecret(map[string]string{"TWILIO_ACCOUNT_SID": account})},
			wantReason:  v1alpha1.ReasonCredentialsNotFound,
			wantMessage: []string{"TWILIO_AUTH_TOKEN"},
			fix:         fixSecret(map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": twilioemu.DefaultAuthToken}),
		},
		"a wrong auth token (401, 20003)": {
			opts:        []envOption{withSecret(map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": "wrongtoken"})},
			wantReason:  v1alpha1.ReasonInvalidCredentials,
			wantMessage: []string{"20003"},
			fix:         fixSecret(map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_API_KEY": twilioemu.DefaultAPIKeySid, "TWILIO_API_SECRET": twilioemu.DefaultAPIKeySecret}),
		},
		"a URL Twilio refuses (400)": {
			spec: func(ms *v1alpha1.MessagingService) {
				ms.Spec.StatusCallback = ptr.To[v1alpha1.URL]("https://status_hooks.example.com/twilio")
			},
			wantReason:  v1alpha1.ReasonInvalidSpec,
			wantMessage: []string{"StatusCallback", "21609"},
			fix: func(g Gomega, _ *testEnv, ms *v1alpha1.MessagingService) {
				update(g, ms, func(ms *v1alpha1.MessagingService) {
					ms.Spec.StatusCallback = ptr.To[v1alpha1.URL]("https://status-hooks.example.com/twilio")
				})
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			e := startEnv(t, tc.opts...)
			if tc.setup != nil {
				tc.setup(g, e)
			}
			ms := e.messagingService("stalled")
			if tc.spec != nil {
				tc.spec(ms)
			}
			g.Expect(k8s.Create(ctx, ms)).To(Succeed())
			cond := waitForCondition(g, ms, v1alpha1.ConditionStalled, "True", tc.wantReason)
			for _, m := range tc.wantMessage {
				g.Expect(cond.Message).To(ContainSubstring(m))
			}
			ready := meta.FindStatusCondition(ms.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Reason).To(Equal(tc.wantReason))
			g.Expect(meta.FindStatusCondition(ms.Status.Conditions, v1alpha1.ConditionReconciling)).To(BeNil(),
				"Reconciling and Stalled are never both True")
			if tc.opts == nil {
				expectNoHotLoop(g, e)
			}

			tc.fix(g, e, ms)
			waitForReady(g, ms)
			g.Expect(meta.FindStatusCondition(ms.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
			services, _ := e.emu.Services(account)
			g.Expect(services).To(ContainElement(HaveField("FriendlyName", ms.Spec.FriendlyName)))
			want := 1
			if tc.setup != nil {
				want++ // the other service the setup made
			}
			g.Expect(services).To(HaveLen(want), "no duplicate after recovery")
		})
	}
}

func fixSecret(data map[string]string) func(Gomega, *testEnv, *v1alpha1.MessagingService) {
	return func(g Gomega, e *testEnv, _ *v1alpha1.MessagingService) {
		secret := &corev1.Secret{}
		secret.Name, secret.Namespace = secretName, e.ns
		update(g, secret, func(s *corev1.Secret) {
			s.Data = nil
			s.StringData = data
		})
	}
}

func TestMessagingServiceConvergesThroughTransientFaults(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()

	// Every create fails with a 5xx until the fault is lifted: Retrying, never Stalled.
	g.Expect(e.emu.SetPathFaults("POST /v1/Services", twilioemu.Faults{ErrorRate: 1})).To(Succeed())
	first := e.messagingService("first", withNumbers(number1))
	g.Expect(k8s.Create(ctx, first)).To(Succeed())
	waitForCondition(g, first, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonRetrying)
	g.Expect(meta.FindStatusCondition(first.Status.Conditions, v1alpha1.ConditionStalled)).To(BeNil())
	g.Expect(e.emu.ClearFaults()).To(Succeed())
	waitForReady(g, first)

	// Latency, 5xx and an account concurrency limit of 1 (429/20429) with several
	// objects at once: all converge and none is ever Stalled. A reconcile fails when
	// any of its requests draws a 5xx, and each failure doubles the object's backoff
	// from a second (rateLimiter): five failures in a row are 31 seconds of waiting,
	// so the deadline allows for an unlucky run of them.
	converged := 4 * timeout
	g.Expect(e.emu.SetFaults(twilioemu.Faults{Latency: 20 * time.Millisecond, Jitter: 10 * time.Millisecond,
		ErrorRate: 0.2, ConcurrencyLimit: 1})).To(Succeed())
	// The operator learns the account's limit and stays under it, so on its own it may
	// never be refused; another client of the account, using the slot now and then as
	// other apps on a real account do, makes sure some of its requests are answered 429.
	stopOther := occupyConcurrencySlot(e.emu, 50*time.Millisecond)
	defer stopOther()
	var objs []*v1alpha1.MessagingService
	for _, n := range []string{"a", "b", "c", "d"} {
		ms := e.messagingService("busy-" + n)
		g.Expect(k8s.Create(ctx, ms)).To(Succeed())
		objs = append(objs, ms)
	}
	g.Eventually(func(g Gomega) {
		for _, ms := range objs {
			fetch(g, ms)
			g.Expect(meta.IsStatusConditionTrue(ms.Status.Conditions, v1alpha1.ConditionStalled)).To(BeFalse(),
				"%s is Stalled by a transient fault", ms.Name)
			g.Expect(meta.IsStatusConditionTrue(ms.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
		}
	}).WithTimeout(converged).WithPolling(20 * time.Millisecond).Should(Succeed())
	stopOther()
	requests, _ := e.emu.Requests()
	statuses := map[int]int{}
	for _, r := range requests {
		if r.UserAgent == otherClient {
			continue
		}
		statuses[r.Status]++
	}
	g.Expect(statuses[429]).To(BeNumerically(">", 0), "the concurrency limit refused some of the operator's requests")
	g.Expect(statuses[500]+statuses[503]).To(BeNumerically(">", 0), "the error rate produced 5xx")
	services, _ := e.emu.Services(account)
	g.Expect(services).To(HaveLen(5), "no fault led to a duplicate")
}

func TestMessagingServiceCreateIsCrashSafe(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	// Twilio commits the create, but the response never arrives.
	g.Expect(e.emu.SetPathFaults("POST /v1/Services", twilioemu.Faults{DropNextWrites: 1})).To(Succeed())
	ms := e.messagingService("crash", withNumbers(number1))
	g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
	waitForReady(g, ms)

	services, _ := e.emu.Services(account)
	g.Expect(services).To(HaveLen(1), "exactly one service despite the lost response")
	g.Expect(ms.Status.SID).To(Equal(services[0].Sid))
	g.Expect(e.count("POST /v1/Services")).To(Equal(1), "the lost create was found, not repeated")
	g.Expect(e.count("GET /v1/Services")).To(BeNumerically(">=", 1), "found by searching")
	g.Expect(ms.Annotations).NotTo(HaveKey(v1alpha1.CreatePendingAnnotation))
}

func TestMessagingServiceNoTwilioCallsForNoOpEvents(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	ms := e.messagingService("quiet", withNumbers(number1))
	g.Expect(k8s.Create(ctx, ms)).To(Succeed())
	waitForReady(g, ms)
	before := e.total()

	// A label, a status write by someone else, a no-op update: none changes the
	// generation, the annotations or the Secret.
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Labels = map[string]string{"team": "support"} })
	patch := client.MergeFrom(ms.DeepCopy())
	ms.Status.LastSyncTime = nil
	g.Expect(k8s.Status().Patch(ctx, ms, patch)).To(Succeed())
	update(g, ms, func(*v1alpha1.MessagingService) {})
	g.Consistently(e.total).WithTimeout(stallWindow).WithPolling(100 * time.Millisecond).Should(Equal(before))

	// An annotation is an input: it makes the operator read Twilio again.
	update(g, ms, withAnnotationT[*v1alpha1.MessagingService]("example.com/owner", "support"))
	g.Eventually(e.total).WithTimeout(timeout).Should(BeNumerically(">", before))
}

func withAnnotationT[T client.Object](key, value string) func(T) {
	return func(o T) { withAnnotation(key, value)(o) }
}

// otherClient is the User-Agent of occupyConcurrencySlot's requests.
const otherClient = "another-app"

// occupyConcurrencySlot reads the account's services every interval, as another app of
// the account would, until the returned function is called (which waits for it to stop).
func occupyConcurrencySlot(emu *twilioemu.Server, interval time.Duration) func() {
	done, stopped := make(chan struct{}), make(chan struct{})
	client := emu.HTTPClient()
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
			}
			req, err := http.NewRequest(http.MethodGet, "https://messaging.twilio.com/v1/Services", nil)
			if err != nil {
				panic(err)
			}
			req.SetBasicAuth(account, twilioemu.DefaultAuthToken)
			req.Header.Set("User-Agent", otherClient)
			if resp, err := client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		<-stopped
	}
}
