package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// badInput is one entry of the catalogue of runtime mistakes: what the user gets wrong,
// the exact condition it produces, and how many writes reach Twilio before the object
// stalls (admission mistakes are api/v1alpha1's TestInvalidObjectsAreRejected).
type badInput struct {
	opts []envOption
	// setup prepares Twilio (or the cluster) before the object is applied; requests it
	// makes are not counted.
	setup func(g Gomega, e *testEnv) string
	// object is what the user applies; given what setup returned.
	object func(e *testEnv, prepared string) client.Object
	// drive moves time (vetting) until the mistake shows.
	drive func(g Gomega, e *testEnv, obj client.Object)
	// condition is the condition that turns True: Stalled, unless the operator waits
	// for the user (Reconciling) because the mistake may be an ordering, not a typo.
	condition string
	reason    string
	message   func(e *testEnv, obj client.Object, prepared string) string
	// writes are the Twilio writes that succeed before the object stalls.
	writes int
	// afterwards checks more once the object has stalled and stayed quiet; prepared is
	// what setup returned.
	afterwards func(g Gomega, e *testEnv, obj client.Object, prepared string)
}

// reasonAlreadyManaged is the reason of an object whose sid annotation names a Twilio
// object another object already manages. It is the one place the adoption-guard cases
// name it.
const reasonAlreadyManaged = v1alpha1.ReasonAlreadyManaged

// hotLoopWindow is how long a stalled object is watched for retries after it stalled:
// longer than the first backoff of a transient failure (controllers/sync.go, failed():
// 1s, jittered by up to +10%), so a mistake taken for a transient failure is retried
// within it. A stalled object is only read again at the resync period, an hour in
// these tests.
const hotLoopWindow = 1500 * time.Millisecond

// maxRequestsAfterStall bounds the Twilio requests, of any kind and answered in any
// way (reads, refused writes), that the emulator serves in the hotLoopWindow after the
// object stalled. The stalled object makes none: a reconcile makes its Twilio calls
// before it writes the Stalled condition, and the events of its own writes cost no call.
// One is allowed for the objects the stall wakes: a registration's status wakes the
// MessagingServices it names, and one may read its pool once. A loop makes several
// (TestHotLoopCheckCatchesAResyncingStall).
const maxRequestsAfterStall = 1

const (
	unknownNumber   = "+15005550009"
	unknownNumber2  = "+15005550008"
	missingService  = "MG0000000000000000000000000000dead"
	missingBrand    = "BN0000000000000000000000000000dead"
	missingBundle   = "BU0000000000000000000000000000dead"
	credentialsHint = "create it with the key TWILIO_ACCOUNT_SID and either TWILIO_AUTH_TOKEN or TWILIO_API_KEY and TWILIO_API_SECRET"
)

func secretData(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// fixed returns a message that depends on nothing but the test's namespace ({ns}).
func fixed(message string) func(*testEnv, client.Object, string) string {
	return func(e *testEnv, _ client.Object, _ string) string { return strings.ReplaceAll(message, "{ns}", e.ns) }
}

func service(mods ...func(*v1alpha1.MessagingService)) func(*testEnv, string) client.Object {
	return func(e *testEnv, _ string) client.Object { return e.messagingService("bad", mods...) }
}

func registration(mods ...func(*v1alpha1.A2PRegistration)) func(*testEnv, string) client.Object {
	return func(e *testEnv, _ string) client.Object {
		a := e.registration("bad")
		for _, m := range mods {
			m(a)
		}
		return a
	}
}

func brandSID(g Gomega, e *testEnv) string {
	brands, err := e.emu.Brands(account)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(brands).To(HaveLen(1))
	return brands[0].Sid
}

// approveBrand waits for the brand and moves the emulator's clock past its vetting.
func approveBrand(g Gomega, e *testEnv, obj client.Object) {
	waitForCondition(g, obj.(object), v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay)
}

// verify brings a registration through brand and campaign vetting.
func verify(g Gomega, e *testEnv, obj client.Object) {
	approveBrand(g, e, obj)
	waitForCondition(g, obj.(object), v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	e.advance(g, campaignDelay)
}

// readySupport creates the MessagingService "support" the registrations refer to.
func readySupport(g Gomega, e *testEnv) string {
	return e.readyService(g, "support", number1).Status.SID
}

func TestBadInputCatalogue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	token := twilioemu.DefaultAuthToken
	tests := map[string]badInput{
		// Credentials.
		"no credentials Secret": {
			opts: []envOption{withSecret(nil)}, object: service(), reason: v1alpha1.ReasonCredentialsNotFound,
			message: fixed("Secret {ns}/twilio-credentials not found: " + credentialsHint),
		},
		"credentialsRef naming a missing Secret": {
			object: service(func(ms *v1alpha1.MessagingService) { ms.Spec.CredentialsRef.Name = "other-creds" }),
			reason: v1alpha1.ReasonCredentialsNotFound, message: fixed("Secret {ns}/other-creds not found: " + credentialsHint),
		},
		"a Secret without TWILIO_ACCOUNT_SID": {
			opts: []envOption{withSecret(secretData("TWILIO_AUTH_TOKEN", token))}, object: service(),
			reason: v1alpha1.ReasonCredentialsNotFound, message: fixed("Secret {ns}/twilio-credentials has no key TWILIO_ACCOUNT_SID"),
		},
		"a Secret with neither token nor API key": {
			opts: []envOption{withSecret(secretData("TWILIO_ACCOUNT_SID", account))}, object: service(),
			reason:  v1alpha1.ReasonCredentialsNotFound,
			message: fixed("Secret {ns}/twilio-credentials has neither TWILIO_AUTH_TOKEN nor TWILIO_API_KEY and TWILIO_API_SECRET"),
		},
		"an API key without its secret": {
			opts:   []envOption{withSecret(secretData("TWILIO_ACCOUNT_SID", account, "TWILIO_API_KEY", twilioemu.DefaultAPIKeySid))},
			object: service(), reason: v1alpha1.ReasonCredentialsNotFound,
			message: fixed("Secret {ns}/twilio-credentials has TWILIO_API_KEY but no TWILIO_API_SECRET"),
		},
		"a malformed account SID": {
			opts:   []envOption{withSecret(secretData("TWILIO_ACCOUNT_SID", "AC123", "TWILIO_AUTH_TOKEN", token))},
			object: service(), reason: v1alpha1.ReasonInvalidCredentials,
			message: fixed("Secret {ns}/twilio-credentials: the account SID must be AC followed by 32 hex digits"),
		},
		"a malformed API key": {
			opts: []envOption{withSecret(secretData("TWILIO_ACCOUNT_SID", account, "TWILIO_API_KEY", "key-1",
				"TWILIO_API_SECRET", twilioemu.DefaultAPIKeySecret))},
			object: service(), reason: v1alpha1.ReasonInvalidCredentials,
			message: fixed("Secret {ns}/twilio-credentials: the API key must be SK followed by 32 hex digits"),
		},
		"an auth token with characters Twilio never issues": {
			opts:   []envOption{withSecret(secretData("TWILIO_ACCOUNT_SID", account, "TWILIO_AUTH_TOKEN", token+"\n"))},
			object: service(), reason: v1alpha1.ReasonInvalidCredentials,
			message: fixed("Secret {ns}/twilio-credentials: the auth token must be alphanumeric"),
		},
		"a wrong auth token": {
			opts:   []envOption{withSecret(secretData("TWILIO_ACCOUNT_SID", account, "TWILIO_AUTH_TOKEN", "wrongtoken"))},
			object: service(), reason: v1alpha1.ReasonInvalidCredentials,
			message: fixed("Twilio rejected the credentials: cannot create Messaging Service: POST /v1/Services: twilio error 20003: Authenticate (HTTP 401)"),
		},
		"a wrong API secret": {
			opts: []envOption{withSecret(secretData("TWILIO_ACCOUNT_SID", account, "TWILIO_API_KEY", twilioemu.DefaultAPIKeySid,
				"TWILIO_API_SECRET", "wrongsecret"))},
			object: service(), reason: v1alpha1.ReasonInvalidCredentials,
			message: fixed("Twilio rejected the credentials: cannot create Messaging Service: POST /v1/Services: twilio error 20003: Authenticate (HTTP 401)"),
		},
		"the auth token of another account": {
			opts:   []envOption{withSecret(secretData("TWILIO_ACCOUNT_SID", account, "TWILIO_AUTH_TOKEN", twilioemu.SecondAuthToken))},
			object: service(), reason: v1alpha1.ReasonInvalidCredentials,
			message: fixed("Twilio rejected the credentials: cannot create Messaging Service: POST /v1/Services: twilio error 20003: Authenticate (HTTP 401)"),
		},

		// Phone numbers.
		"a number the account does not own": {
			object: service(withNumbers(number1, unknownNumber)), reason: v1alpha1.ReasonPhoneNumberNotFound,
			message: fixed("phone number " + unknownNumber + " is not owned by account " + account), writes: 2,
		},
		"two numbers the account does not own": {
			object: service(withNumbers(unknownNumber2, unknownNumber)), reason: v1alpha1.ReasonPhoneNumberNotFound,
			message: fixed("phone numbers " + unknownNumber2 + ", " + unknownNumber + " are not owned by account " + account), writes: 1,
		},
		"a number of another account": {
			object: service(withNumbers(otherNumber)), reason: v1alpha1.ReasonPhoneNumberNotFound,
			message: fixed("phone number " + otherNumber + " is not owned by account " + account), writes: 1,
		},
		"a PN SID of another account": {
			object: service(withNumbers(twilioemu.PhoneNumberSid(secondAccount, otherNumber))), reason: v1alpha1.ReasonPhoneNumberNotFound,
			message: fixed("phone number " + twilioemu.PhoneNumberSid(secondAccount, otherNumber) + " is not owned by account " + account), writes: 1,
		},
		"a PN SID that does not exist": {
			object: service(withNumbers("PN00000000000000000000000000000009")), reason: v1alpha1.ReasonPhoneNumberNotFound,
			message: fixed("phone number PN00000000000000000000000000000009 is not owned by account " + account), writes: 1,
		},
		"a number in another Messaging Service": {
			setup: inAnotherService(number1), object: service(withNumbers(number1)), reason: v1alpha1.ReasonPhoneNumberInUse,
			message: fixed("phone number " + number1 + " is already in another Messaging Service (Twilio error 21712): remove it there first"),
			writes:  1,
		},
		"a number in use and a number not owned": {
			setup: inAnotherService(number1), object: service(withNumbers(number1, unknownNumber)), reason: v1alpha1.ReasonPhoneNumberNotFound,
			message: fixed("phone number " + number1 + " is already in another Messaging Service (Twilio error 21712): remove it there first; " +
				"phone number " + unknownNumber + " is not owned by account " + account),
			writes: 1,
		},

		// Values Twilio refuses although they pass admission.
		"a status callback Twilio refuses": {
			object: service(func(ms *v1alpha1.MessagingService) {
				ms.Spec.StatusCallback = ptr.To[v1alpha1.URL]("https://status_hooks.example.com/twilio")
			}),
			reason: v1alpha1.ReasonInvalidSpec,
			message: fixed("Twilio rejected the request: cannot create Messaging Service: POST /v1/Services: twilio error 21609: " +
				"StatusCallback is not a valid URL: https://status_hooks.example.com/twilio (HTTP 400)"),
		},
		"an inbound request URL Twilio refuses": {
			object: service(func(ms *v1alpha1.MessagingService) {
				ms.Spec.InboundRequestURL = ptr.To[v1alpha1.URL]("https://in_bound.example.com/sms")
				ms.Spec.UseInboundWebhookOnNumber = ptr.To(false)
			}),
			reason: v1alpha1.ReasonInvalidSpec,
			message: fixed("Twilio rejected the request: cannot create Messaging Service: POST /v1/Services: twilio error 21502: " +
				"InboundRequestUrl is not a valid URL: https://in_bound.example.com/sms (HTTP 400)"),
		},
		"a fallback URL Twilio refuses": {
			object: service(func(ms *v1alpha1.MessagingService) {
				ms.Spec.FallbackURL = ptr.To[v1alpha1.URL]("https://fall_back.example.com/sms")
			}),
			reason: v1alpha1.ReasonInvalidSpec,
			message: fixed("Twilio rejected the request: cannot create Messaging Service: POST /v1/Services: twilio error 21502: " +
				"FallbackUrl is not a valid URL: https://fall_back.example.com/sms (HTTP 400)"),
		},
		"a URL Twilio refuses in an update": {
			setup: func(g Gomega, e *testEnv) string {
				ms := e.readyService(g, "bad")
				update(g, ms, func(ms *v1alpha1.MessagingService) {
					ms.Spec.StatusCallback = ptr.To[v1alpha1.URL]("https://status_hooks.example.com/twilio")
				})
				return ms.Status.SID
			},
			reason: v1alpha1.ReasonInvalidSpec,
			message: func(_ *testEnv, _ client.Object, sid string) string {
				return "Twilio rejected the request: cannot update statusCallback of Messaging Service " + sid +
					": POST /v1/Services/{Sid}: twilio error 21609: StatusCallback is not a valid URL: https://status_hooks.example.com/twilio (HTTP 400)"
			},
		},

		// Adoption.
		"an adopted SID that does not exist": {
			object:  service(func(ms *v1alpha1.MessagingService) { withAnnotation(v1alpha1.SIDAnnotation, missingService)(ms) }),
			reason:  v1alpha1.ReasonSidNotFound,
			message: fixed("Messaging Service " + missingService + " (annotation twilio-operator.io/sid) does not exist in account " + account),
		},
		"an adopted SID of another account": {
			setup: func(g Gomega, e *testEnv) string {
				svc, err := accountClient(e.emu, secondAccount, twilioemu.SecondAuthToken).CreateService(ctx,
					twilio.ServiceParams{FriendlyName: ptr.To("Theirs")})
				g.Expect(err).NotTo(HaveOccurred())
				return svc.SID
			},
			object: func(e *testEnv, sid string) client.Object {
				return e.messagingService("bad", func(ms *v1alpha1.MessagingService) { withAnnotation(v1alpha1.SIDAnnotation, sid)(ms) })
			},
			reason: v1alpha1.ReasonSidNotFound,
			message: func(_ *testEnv, _ client.Object, sid string) string {
				return "Messaging Service " + sid + " (annotation twilio-operator.io/sid) does not exist in account " + account
			},
		},
		"an adopted SID another MessagingService manages": {
			setup: func(g Gomega, e *testEnv) string { return e.readyService(g, "first").Status.SID },
			object: func(e *testEnv, sid string) client.Object {
				return e.messagingService("bad", func(ms *v1alpha1.MessagingService) { withAnnotation(v1alpha1.SIDAnnotation, sid)(ms) })
			},
			reason: reasonAlreadyManaged,
			message: func(_ *testEnv, _ client.Object, sid string) string {
				return "Messaging Service " + sid + " is managed by another object, so this one leaves it alone (it never changes " +
					"or deletes it): remove the twilio-operator.io/sid annotation to create a new one, or delete this object, " +
					"which deletes nothing in Twilio"
			},
			afterwards: ownerKeepsIt("first", serviceOf),
		},
		"an interrupted create that left two candidate services": {
			setup: func(g Gomega, e *testEnv) string {
				var sids []string
				for range 2 {
					svc, err := consoleClient(e.emu).CreateService(ctx, twilio.ServiceParams{FriendlyName: ptr.To("Support SMS bad")})
					g.Expect(err).NotTo(HaveOccurred())
					sids = append(sids, svc.SID)
				}
				return strings.Join(sids, ", ")
			},
			object: func(e *testEnv, _ string) client.Object {
				now, _ := e.emu.Now()
				return e.messagingService("bad", func(ms *v1alpha1.MessagingService) {
					withAnnotation(v1alpha1.CreatePendingAnnotation, now.Format(time.RFC3339))(ms)
				})
			},
			reason: v1alpha1.ReasonAmbiguousAdoption,
			message: func(_ *testEnv, _ client.Object, sids string) string {
				return `an interrupted create left several Messaging Services named "Support SMS bad" (` + sids +
					"): set the twilio-operator.io/sid annotation to the right one"
			},
		},
		"ObserveOnly without a SID to observe": {
			object:  service(func(ms *v1alpha1.MessagingService) { ms.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserveOnly }),
			reason:  v1alpha1.ReasonSidNotFound,
			message: fixed("managementPolicy is ObserveOnly: set the twilio-operator.io/sid annotation to the Messaging Service to observe"),
		},

		// A2P registrations.
		"a rejected customer profile bundle": {
			setup:  bundleStatus(twilioemu.BundleTwilioRejected, twilioemu.DefaultCustomerProfile),
			object: registration(), reason: v1alpha1.ReasonBundleRejected,
			message: fixed("TrustHub bundle " + twilioemu.DefaultCustomerProfile + " is twilio-rejected: fix and resubmit it in TrustHub"),
		},
		"a rejected A2P profile bundle": {
			setup:  bundleStatus(twilioemu.BundleTwilioRejected, twilioemu.DefaultTrustProduct),
			object: registration(), reason: v1alpha1.ReasonBundleRejected,
			message: fixed("TrustHub bundle " + twilioemu.DefaultTrustProduct + " is twilio-rejected: fix and resubmit it in TrustHub"),
		},
		"both bundles rejected": {
			setup:  bundleStatus(twilioemu.BundleTwilioRejected, twilioemu.DefaultCustomerProfile, twilioemu.DefaultTrustProduct),
			object: registration(), reason: v1alpha1.ReasonBundleRejected,
			message: fixed("TrustHub bundles " + twilioemu.DefaultCustomerProfile + ", " + twilioemu.DefaultTrustProduct +
				" are twilio-rejected: fix and resubmit them in TrustHub"),
		},
		"a customer profile bundle that does not exist": {
			object:  registration(func(a *v1alpha1.A2PRegistration) { a.Spec.Brand.CustomerProfileBundleSID = missingBundle }),
			reason:  v1alpha1.ReasonInvalidSpec,
			message: fixed("TrustHub Customer Profile bundle " + missingBundle + " does not exist in account " + account),
		},
		"an A2P bundle of another account": {
			object:  registration(func(a *v1alpha1.A2PRegistration) { a.Spec.Brand.A2PProfileBundleSID = twilioemu.SecondTrustProduct }),
			reason:  v1alpha1.ReasonInvalidSpec,
			message: fixed("TrustHub A2P Trust Product bundle " + twilioemu.SecondTrustProduct + " does not exist in account " + account),
		},
		"a brand that fails vetting": {
			setup: func(g Gomega, e *testEnv) string {
				g.Expect(e.emu.SetBundleOutcome(twilioemu.DefaultCustomerProfile, twilioemu.BrandFailed, twilioemu.RegistrationError{
					Code: 30794, Description: "Tax ID does not match the legal name", Fields: []string{"ein"}})).To(Succeed())
				return ""
			},
			object: registration(), drive: approveBrand, reason: v1alpha1.ReasonBrandFailed, writes: 1,
			message: func(e *testEnv, _ client.Object, _ string) string {
				return "brand registration " + brandSID(NewWithT(t), e) + " FAILED: 30794 Tax ID does not match the legal name (ein); " +
					"fix the bundles in TrustHub, then set the twilio-operator.io/resubmit-brand annotation to a new value to resubmit"
			},
		},
		"a brand the carriers suspend": {
			object: registration(),
			drive: func(g Gomega, e *testEnv, obj client.Object) {
				approveBrand(g, e, obj)
				g.Expect(e.emu.ForceBrandStatus(brandSID(g, e), twilioemu.BrandSuspended)).To(Succeed())
				update(g, obj.(*v1alpha1.A2PRegistration), withAnnotationT[*v1alpha1.A2PRegistration]("example.com/look", "now"))
			},
			reason: v1alpha1.ReasonBrandSuspended, writes: 1,
			message: func(e *testEnv, _ client.Object, _ string) string {
				return "brand registration " + brandSID(NewWithT(t), e) + " is SUSPENDED by the carriers: contact Twilio support"
			},
		},
		"an adopted brand SID that does not exist": {
			object:  registration(func(a *v1alpha1.A2PRegistration) { withAnnotation(v1alpha1.SIDAnnotation, missingBrand)(a) }),
			reason:  v1alpha1.ReasonSidNotFound,
			message: fixed("brand registration " + missingBrand + " (annotation twilio-operator.io/sid) does not exist in account " + account),
		},
		"an adopted brand of another account": {
			setup: func(g Gomega, e *testEnv) string {
				b, err := accountClient(e.emu, secondAccount, twilioemu.SecondAuthToken).CreateBrand(ctx, twilio.BrandParams{
					CustomerProfileBundleSID: twilioemu.SecondCustomerProfile, A2PProfileBundleSID: twilioemu.SecondTrustProduct, BrandType: "STANDARD"})
				g.Expect(err).NotTo(HaveOccurred())
				return b.SID
			},
			object: func(e *testEnv, sid string) client.Object {
				return registration(func(a *v1alpha1.A2PRegistration) { withAnnotation(v1alpha1.SIDAnnotation, sid)(a) })(e, sid)
			},
			reason: v1alpha1.ReasonSidNotFound,
			message: func(_ *testEnv, _ client.Object, sid string) string {
				return "brand registration " + sid + " (annotation twilio-operator.io/sid) does not exist in account " + account
			},
		},
		"an adopted brand SID another A2PRegistration manages": {
			setup: func(g Gomega, e *testEnv) string {
				first := e.registration("first")
				g.Expect(k8s.Create(ctx, first)).To(Succeed())
				approveBrand(g, e, first)
				waitForReady(g, first)
				return first.Status.Brand.SID
			},
			object: func(e *testEnv, sid string) client.Object {
				return registration(func(a *v1alpha1.A2PRegistration) { withAnnotation(v1alpha1.SIDAnnotation, sid)(a) })(e, sid)
			},
			reason: reasonAlreadyManaged,
			message: func(_ *testEnv, _ client.Object, sid string) string {
				return "brand registration " + sid + " is managed by another object, so this one leaves it alone (it never changes " +
					"or deletes it): remove the twilio-operator.io/sid annotation to create a new one, or delete this object, " +
					"which deletes nothing in Twilio"
			},
			afterwards: ownerKeepsIt("first", brandOf),
		},
		"an adopted brand registered on other bundles": {
			opts: []envOption{withSeed(func(s *twilioemu.Seed) {
				s.Accounts[0].Bundles = append(s.Accounts[0].Bundles,
					twilioemu.BundleSeed{Sid: "BU000000000000000000000000000c0009", Kind: twilioemu.CustomerProfile},
					twilioemu.BundleSeed{Sid: "BU000000000000000000000000000a0009", Kind: twilioemu.TrustProduct})
			})},
			setup: func(g Gomega, e *testEnv) string {
				b, err := consoleClient(e.emu).CreateBrand(ctx, twilio.BrandParams{BrandType: "STANDARD",
					CustomerProfileBundleSID: "BU000000000000000000000000000c0009", A2PProfileBundleSID: "BU000000000000000000000000000a0009"})
				g.Expect(err).NotTo(HaveOccurred())
				return b.SID
			},
			object: func(e *testEnv, sid string) client.Object {
				return registration(func(a *v1alpha1.A2PRegistration) { withAnnotation(v1alpha1.SIDAnnotation, sid)(a) })(e, sid)
			},
			reason: v1alpha1.ReasonInvalidSpec,
			message: func(_ *testEnv, _ client.Object, sid string) string {
				return "spec.brand does not match brand registration " + sid + " (brand.customerProfileBundleSid, brand.a2pProfileBundleSid): " +
					"a brand cannot change; correct spec.brand or register a new brand with a new A2PRegistration"
			},
		},
		"a campaign on a MessagingService that does not exist": {
			object: func(e *testEnv, _ string) client.Object { return e.registration("bad", "missing") },
			drive:  approveBrand, condition: v1alpha1.ConditionReconciling, reason: v1alpha1.ReasonMessagingServiceNotFound, writes: 1,
			message: fixed("MessagingService missing not found in namespace {ns}"),
		},
		"a campaign on a Messaging Service SID that does not exist": {
			object: registration(func(a *v1alpha1.A2PRegistration) {
				c := campaign("")
				c.MessagingServiceRef, c.MessagingServiceSID = nil, missingService
				a.Spec.Campaigns = []v1alpha1.CampaignSpec{c}
			}),
			drive: approveBrand, reason: v1alpha1.ReasonMessagingServiceNotFound, writes: 1,
			message: fixed("Messaging Service " + missingService + " does not exist in account " + account),
		},
		"a campaign use case Twilio does not offer": {
			setup: readySupport,
			object: func(e *testEnv, _ string) client.Object {
				a := e.registration("bad", "support")
				a.Spec.Campaigns[0].Usecase = "NOT_A_USECASE"
				return a
			},
			drive: approveBrand, reason: v1alpha1.ReasonUsecaseNotAllowed, writes: 1,
			message: func(e *testEnv, _ client.Object, sid string) string {
				brand := brandSID(NewWithT(t), e)
				list, err := consoleClient(e.emu).ListBrandUsecases(ctx, sid, brand)
				NewWithT(t).Expect(err).NotTo(HaveOccurred())
				var offered []string
				for _, u := range list {
					if u.PostApprovalRequired {
						offered = append(offered, u.Code+" (post-approval required)")
					} else {
						offered = append(offered, u.Code)
					}
				}
				return "Twilio does not offer use case NOT_A_USECASE to brand registration " + brand + " on Messaging Service " + sid +
					"; it offers " + strings.Join(offered, ", ") + ": change campaigns[0].usecase to one of them " +
					"(no campaign was registered, no vetting fee spent)"
			},
		},
		"a campaign that fails vetting": {
			setup: func(g Gomega, e *testEnv) string {
				g.Expect(e.emu.SetCampaignRules(twilioemu.CampaignRule{Substring: "lottery", Code: 30897,
					Description: "Disallowed content", Fields: []string{"MESSAGE_FLOW"}})).To(Succeed())
				return readySupport(g, e)
			},
			object: func(e *testEnv, _ string) client.Object {
				a := e.registration("bad", "support")
				a.Spec.Campaigns[0].MessageFlow += " Winners of our lottery get a prize."
				return a
			},
			drive: verify, reason: v1alpha1.ReasonCampaignFailed, writes: 2,
			message: func(e *testEnv, _ client.Object, sid string) string {
				campaigns, _ := e.emu.Campaigns(account)
				return "campaign " + campaigns[0].Sid + " on Messaging Service " + sid +
					" FAILED vetting: 30897 Disallowed content (MESSAGE_FLOW); fix campaigns[0] and the operator resubmits it"
			},
		},
		"two campaigns on one service, by reference and by SID": {
			setup: readySupport,
			object: func(e *testEnv, sid string) client.Object {
				a := e.registration("bad", "support")
				bySID := campaign("")
				bySID.MessagingServiceRef, bySID.MessagingServiceSID = nil, sid
				a.Spec.Campaigns = append(a.Spec.Campaigns, bySID)
				return a
			},
			drive: approveBrand, reason: v1alpha1.ReasonInvalidSpec, writes: 2,
			message: func(_ *testEnv, _ client.Object, sid string) string {
				return "campaigns[0] and campaigns[1] are both on Messaging Service " + sid + "; Twilio allows one campaign per service"
			},
		},
		"an immutable campaign field changed": {
			setup:  readySupport,
			object: func(e *testEnv, _ string) client.Object { return e.registration("bad", "support") },
			drive: func(g Gomega, e *testEnv, obj client.Object) {
				verify(g, e, obj)
				waitForReady(g, obj.(object))
				g.Expect(e.emu.ResetCounters()).To(Succeed())
				update(g, obj.(*v1alpha1.A2PRegistration), func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns[0].Usecase = "MIXED" })
			},
			reason: v1alpha1.ReasonImmutableFieldChanged,
			message: func(e *testEnv, _ client.Object, _ string) string {
				campaigns, _ := e.emu.Campaigns(account)
				return "campaigns[0].usecase cannot change on registered campaign " + campaigns[0].Sid + ": set recreateCampaignOnImmutableChange: true " +
					"to delete and register it again (a new vetting and its fee), or restore the old values"
			},
		},
		"an A2PRegistration ObserveOnly without a SID to observe": {
			object:  registration(func(a *v1alpha1.A2PRegistration) { a.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserveOnly }),
			reason:  v1alpha1.ReasonSidNotFound,
			message: fixed("managementPolicy is ObserveOnly: set the twilio-operator.io/sid annotation to the brand registration to observe"),
		},
		"an A2PRegistration without credentials": {
			opts: []envOption{withSecret(nil)}, object: registration(), reason: v1alpha1.ReasonCredentialsNotFound,
			message: fixed("Secret {ns}/twilio-credentials not found: " + credentialsHint),
		},
		"a Secret switched to another account": {
			setup: func(g Gomega, e *testEnv) string {
				ms := e.readyService(g, "bad")
				fixSecret(map[string]string{"TWILIO_ACCOUNT_SID": secondAccount, "TWILIO_AUTH_TOKEN": twilioemu.SecondAuthToken})(g, e, ms)
				return ms.Status.SID
			},
			reason: v1alpha1.ReasonInvalidCredentials,
			message: func(_ *testEnv, _ client.Object, sid string) string {
				return "the credentials are for account " + secondAccount + ", but Messaging Service " + sid + " is in account " + account +
					": restore the credentials, or remove the twilio-operator.io/sid annotation to create a new one in " + secondAccount
			},
		},
		"an A2PRegistration with a wrong auth token": {
			opts:   []envOption{withSecret(secretData("TWILIO_ACCOUNT_SID", account, "TWILIO_AUTH_TOKEN", "wrongtoken"))},
			object: registration(), reason: v1alpha1.ReasonInvalidCredentials,
			message: fixed("Twilio rejected the credentials: cannot read TrustHub Customer Profile bundle " + twilioemu.DefaultCustomerProfile +
				": GET /v1/CustomerProfiles/{Sid}: twilio error 20003: Authenticate (HTTP 401)"),
		},
	}
	if len(tests) < 40 {
		t.Fatalf("the catalogue must hold at least 40 bad inputs, has %d", len(tests))
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			e := startEnv(t, tc.opts...)
			var prepared string
			if tc.setup != nil {
				prepared = tc.setup(g, e)
			}
			g.Expect(e.emu.ResetCounters()).To(Succeed())
			var obj client.Object
			if tc.object != nil {
				obj = tc.object(e, prepared)
				g.Expect(k8s.Create(ctx, obj)).To(Succeed())
			} else {
				obj = e.messagingService("bad") // made by setup
			}
			if tc.drive != nil {
				tc.drive(g, e, obj)
			}
			condition := v1alpha1.ConditionStalled
			if tc.condition != "" {
				condition = tc.condition
			}
			cond := waitForCondition(g, obj.(object), condition, "True", tc.reason)
			g.Expect(cond.Message).To(Equal(tc.message(e, obj, prepared)))
			expectQuiet(g, e, tc.writes)
			if tc.afterwards != nil {
				tc.afterwards(g, e, obj, prepared)
			}
		})
	}
}

// expectQuiet checks, over the hotLoopWindow that follows the stall, that the object
// made exactly its writes before stalling and no more, and that Twilio saw at most
// maxRequestsAfterStall requests of any kind meanwhile: the object does not retry in a
// loop. TestHotLoopCheckCatchesAResyncingStall shows the check failing.
func expectQuiet(g Gomega, e *testEnv, writes int) {
	stalledAt := e.total()
	g.Consistently(func(g Gomega) {
		g.Expect(e.writes()).To(Equal(writes), "Twilio writes before the object stalled")
		g.Expect(e.total()-stalledAt).To(BeNumerically("<=", maxRequestsAfterStall),
			"Twilio requests after the object stalled: %v", e.requestsSince(stalledAt))
	}).WithTimeout(hotLoopWindow).WithPolling(100 * time.Millisecond).Should(Succeed())
}

// TestHotLoopCheckCatchesAResyncingStall runs expectQuiet on a stalled object that
// does retry: with a resync period of 300 ms it is read again several times in the
// window, and the check must fail.
func TestHotLoopCheckCatchesAResyncingStall(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t, withResync(300*time.Millisecond))
	ms := e.messagingService("bad", withNumbers(otherNumber))
	g.Expect(k8s.Create(context.Background(), ms)).To(Succeed())
	waitForCondition(g, ms, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonPhoneNumberNotFound)
	var failures []string
	recording := NewGomega(func(message string, _ ...int) { failures = append(failures, message) })
	expectQuiet(recording, e, 1)
	g.Expect(failures).To(ContainElement(ContainSubstring("Twilio requests after the object stalled")))
}

// requestsSince describes the requests after the first n the emulator served, for a
// failure message.
func (e *testEnv) requestsSince(n int) []string {
	requests, _ := e.emu.Requests()
	var out []string
	for _, r := range requests[min(n, len(requests)):] {
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	return out
}

// twilioObjectOf reads what an object manages in Twilio (a Messaging Service, a brand)
// from the emulator, as JSON to compare; false when the emulator no longer holds it.
type twilioObjectOf func(g Gomega, e *testEnv, sid string) (string, bool)

func serviceOf(g Gomega, e *testEnv, sid string) (string, bool) {
	services, err := e.emu.Services(account)
	g.Expect(err).NotTo(HaveOccurred())
	for _, s := range services {
		if s.Sid == sid {
			data, err := json.Marshal(s)
			g.Expect(err).NotTo(HaveOccurred())
			return string(data), true
		}
	}
	return "", false
}

func brandOf(g Gomega, e *testEnv, sid string) (string, bool) {
	brands, err := e.emu.Brands(account)
	g.Expect(err).NotTo(HaveOccurred())
	for _, b := range brands {
		if b.Sid == sid {
			data, err := json.Marshal(b)
			g.Expect(err).NotTo(HaveOccurred())
			return string(data), true
		}
	}
	return "", false
}

// ownerKeepsIt is the check of the adoption-guard cases, whose duplicate names the SID
// of what the object owner manages: the owner is still Ready with that SID, nothing
// wrote to its Twilio object, and deleting the duplicate (deletionPolicy Delete) leaves
// the Twilio object in place, unchanged.
func ownerKeepsIt(owner string, twilioObject twilioObjectOf) func(Gomega, *testEnv, client.Object, string) {
	return func(g Gomega, e *testEnv, duplicate client.Object, sid string) {
		var first object = e.messagingService(owner)
		if _, ok := duplicate.(*v1alpha1.A2PRegistration); ok {
			first = e.registration(owner)
		}
		ownerUntouched := func() {
			waitForReady(g, first)
			g.Expect(first.GetAnnotations()).To(HaveKeyWithValue(v1alpha1.SIDAnnotation, sid), "the owner keeps its SID")
			g.Expect(e.writesOn(sid)).To(BeEmpty(), "no write reached the owner's Twilio object")
		}
		ownerUntouched()
		before, ok := twilioObject(g, e, sid)
		g.Expect(ok).To(BeTrue(), "the owner's Twilio object exists")

		update(g, duplicate, func(o client.Object) {
			switch d := o.(type) {
			case *v1alpha1.MessagingService:
				d.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
			case *v1alpha1.A2PRegistration:
				d.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
			}
		})
		g.Expect(k8s.Delete(context.Background(), duplicate)).To(Succeed())
		waitForGone(g, duplicate)
		after, ok := twilioObject(g, e, sid)
		g.Expect(ok).To(BeTrue(), "deleting the duplicate must leave the owner's Twilio object")
		g.Expect(after).To(Equal(before), "the owner's Twilio object is unchanged")
		ownerUntouched()
	}
}

// writesOn lists the writes (anything but GET) since the counters were last reset whose
// path names sid.
func (e *testEnv) writesOn(sid string) []string {
	requests, err := e.emu.Requests()
	if err != nil {
		panic(err)
	}
	var out []string
	for _, r := range requests {
		if r.Method != http.MethodGet && strings.Contains(r.Path, sid) {
			out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
		}
	}
	return out
}

// inAnotherService puts a number in a Messaging Service of the Console's.
func inAnotherService(number string) func(Gomega, *testEnv) string {
	return func(g Gomega, e *testEnv) string {
		other, err := consoleClient(e.emu).CreateService(context.Background(), twilio.ServiceParams{FriendlyName: ptr.To("Other")})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(consoleClient(e.emu).AddPoolNumber(context.Background(), other.SID, twilioemu.PhoneNumberSid(account, number))).To(Succeed())
		return other.SID
	}
}

func bundleStatus(status twilioemu.BundleStatus, sids ...string) func(Gomega, *testEnv) string {
	return func(g Gomega, e *testEnv) string {
		for _, sid := range sids {
			g.Expect(e.emu.SetBundleStatus(sid, status)).To(Succeed())
		}
		return ""
	}
}

// accountClient acts on the emulator as another account.
func accountClient(emu *twilioemu.Server, sid, token string) twilio.Client {
	conn, err := twilio.NewConnector(twilio.Config{Transport: emu.Transport(), UserAgent: "console"})
	if err != nil {
		panic(err)
	}
	c, err := conn.Client(twilio.Credentials{AccountSID: sid, AuthToken: token})
	if err != nil {
		panic(err)
	}
	return c
}
