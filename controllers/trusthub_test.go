package controllers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const (
	routeCreateProfile      = "POST /v1/CustomerProfiles"
	routeSubmitProfile      = "POST /v1/CustomerProfiles/{Sid}"
	routeCreateTrustProduct = "POST /v1/TrustProducts"
	routeSubmitTrustProduct = "POST /v1/TrustProducts/{Sid}"
	// bundleDelay is a submitted bundle's review, pending-review to its outcome
	// (twilioemu.DefaultDelays: BundleReview and BundleApproval).
	bundleDelay = 30*time.Second + 2*time.Minute

	repEmail = "sam.lee@acme-plumbing.example"
	repPhone = "+15017122669"
)

// trustHubRegistration is an A2PRegistration that declares its business for the default
// account's ISV primary profile; its representative's email and phone are in the
// Secret acme-rep.
func (e *testEnv) trustHubRegistration(name string) *v1alpha1.A2PRegistration {
	return &v1alpha1.A2PRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns},
		Spec: v1alpha1.A2PRegistrationSpec{TrustHub: &v1alpha1.TrustHubSpec{
			PrimaryCustomerProfileSID: twilioemu.DefaultPrimaryProfile,
			Email:                     "compliance@isv.example",
			Business: v1alpha1.TrustHubBusiness{
				Name: "Acme Plumbing LLC", Type: "Limited Liability Corporation", Industry: "CONSUMER",
				RegistrationIDType: "EIN", RegistrationNumber: "123456789",
				RegionsOfOperation: []v1alpha1.BusinessRegion{"USA_AND_CANADA"}, WebsiteURL: "https://acme-plumbing.example",
			},
			AuthorizedRepresentatives: []v1alpha1.AuthorizedRepresentative{{
				FirstName: "Sam", LastName: "Lee", BusinessTitle: "Owner", JobPosition: "CEO",
				Email:       v1alpha1.PersonalValue{SecretKeyRef: &v1alpha1.SecretKeySelector{Name: "acme-rep", Key: "email"}},
				PhoneNumber: v1alpha1.PersonalValue{SecretKeyRef: &v1alpha1.SecretKeySelector{Name: "acme-rep", Key: "phone"}},
			}},
			Address: v1alpha1.TrustHubAddress{Street: "1 Main St", City: "Springfield", Region: "IL", PostalCode: "62701",
				ISOCountry: "US"},
			Company: v1alpha1.TrustHubCompany{Type: "private"},
		}},
	}
}

func (e *testEnv) repSecret(t *testing.T) {
	e.createSecret(t, "acme-rep", map[string]string{"email": repEmail, "phone": repPhone})
}

// built are the bundles the operator built for the registration "acme", by kind.
func (e *testEnv) built(g Gomega) (profiles, products []twilioemu.Bundle) {
	const name = "acme"
	th, err := e.emu.TrustHub(account)
	g.Expect(err).NotTo(HaveOccurred())
	for _, b := range th.Bundles {
		switch b.FriendlyName {
		case e.ns + "/" + name + " customer profile":
			profiles = append(profiles, b)
		case e.ns + "/" + name + " A2P trust product":
			products = append(products, b)
		}
	}
	return profiles, products
}

// waitForBundleApproval waits until obj is Reconciling, reason AwaitingBundleApproval,
// with a message with text.
func waitForBundleApproval(g Gomega, obj object, text string) {
	const reason = v1alpha1.ReasonAwaitingBundleApproval
	g.Eventually(func(g Gomega) {
		fetch(g, obj)
		c := meta.FindStatusCondition(obj.GetConditions(), v1alpha1.ConditionReconciling)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(reason), c.Message)
		g.Expect(c.Message).To(ContainSubstring(text))
	}).WithTimeout(timeout).WithPolling(50 * time.Millisecond).Should(Succeed())
}

func TestTrustHubBusinessBecomesApprovedBrand(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ctx := context.Background()
	e.repSecret(t)
	// Twilio commits the profile, the trust product and the brand, but none of the
	// answers arrives.
	for _, route := range []string{routeCreateProfile, routeCreateTrustProduct, routeCreateBrand} {
		g.Expect(e.emu.SetPathFaults(route, twilioemu.Faults{DropNextWrites: 1})).To(Succeed())
	}
	a2p := e.trustHubRegistration("acme")
	g.Expect(k8s.Create(ctx, a2p)).To(Succeed())

	waitForBundleApproval(g, a2p, "Secondary Customer Profile")
	profiles, products := e.built(g)
	g.Expect(profiles).To(HaveLen(1), "one profile, though the answer to its create was lost")
	g.Expect(profiles[0].Status).To(Equal(twilioemu.BundlePendingReview))
	g.Expect(products).To(BeEmpty(), "the trust product waits for the approved profile")
	g.Expect(a2p.Status.TrustHub.CustomerProfile.SID).To(Equal(profiles[0].Sid))
	g.Expect(a2p.Annotations).To(HaveKeyWithValue(v1alpha1.CustomerProfileSIDAnnotation, profiles[0].Sid))
	g.Expect(a2p.Annotations).NotTo(HaveKey(v1alpha1.CustomerProfileCreatePendingAnnotation))

	e.advance(g, bundleDelay)
	waitForBundleApproval(g, a2p, "A2P trust product")
	e.advance(g, bundleDelay)
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay)
	waitForReady(g, a2p)

	profiles, products = e.built(g)
	g.Expect(profiles).To(HaveLen(1))
	g.Expect(products).To(HaveLen(1), "one trust product, though the answer to its create was lost")
	g.Expect(profiles[0].Status).To(Equal(twilioemu.BundleTwilioApproved))
	g.Expect(products[0].Status).To(Equal(twilioemu.BundleTwilioApproved))
	brands, _ := e.emu.Brands(account)
	g.Expect(brands).To(HaveLen(1), "one brand: one registration fee")
	g.Expect(brands[0].CustomerProfileBundleSid).To(Equal(profiles[0].Sid))
	g.Expect(brands[0].A2PProfileBundleSid).To(Equal(products[0].Sid))
	g.Expect(a2p.Status.Brand.Status).To(Equal("APPROVED"))
	g.Expect(a2p.Status.TrustHub.CustomerProfile).To(HaveField("Status", "twilio-approved"))
	g.Expect(a2p.Status.TrustHub.TrustProduct).To(HaveField("SID", products[0].Sid))
	g.Expect(a2p.Status.TrustHub.TrustProduct).To(HaveField("Status", "twilio-approved"))
	g.Expect(e.count(routeCreateProfile)).To(Equal(1))
	g.Expect(e.count(routeCreateTrustProduct)).To(Equal(1))
	g.Expect(e.count(routeSubmitProfile)).To(Equal(1), "each bundle is submitted once")
	g.Expect(e.count(routeSubmitTrustProduct)).To(Equal(1))

	th, _ := e.emu.TrustHub(account)
	types := map[string]int{}
	for _, u := range th.EndUsers {
		types[u.Type]++
	}
	g.Expect(types).To(Equal(map[string]int{"customer_profile_business_information": 1, "authorized_representative_1": 1,
		"us_a2p_messaging_profile_information": 1}))
	g.Expect(th.Addresses).To(HaveLen(1))
	g.Expect(th.Documents).To(HaveLen(1))
	assigned := map[string][]string{}
	for _, a := range th.Assignments {
		assigned[a.BundleSid] = append(assigned[a.BundleSid], a.ObjectSid)
	}
	g.Expect(assigned[profiles[0].Sid]).To(HaveLen(4), "business, representative, address document, primary profile")
	g.Expect(assigned[profiles[0].Sid]).To(ContainElement(twilioemu.DefaultPrimaryProfile))
	g.Expect(assigned[products[0].Sid]).To(ConsistOf(HavePrefix("IT"), profiles[0].Sid))
	for _, u := range th.EndUsers {
		if u.Type == "authorized_representative_1" {
			g.Expect(u.Attributes).To(HaveKeyWithValue("email", repEmail), "the Secret's values reach Twilio")
			g.Expect(u.Attributes).To(HaveKeyWithValue("phone_number", repPhone))
		}
	}

	// The representative's personal data is nowhere but in Twilio and the Secret.
	status, err := json.Marshal(a2p.Status)
	g.Expect(err).NotTo(HaveOccurred())
	events := &eventsv1.EventList{}
	g.Expect(k8s.List(ctx, events, client.InNamespace(e.ns))).To(Succeed())
	notes, _ := json.Marshal(events.Items)
	for _, where := range []string{string(status), string(notes), e.logs.String()} {
		g.Expect(where).NotTo(Or(ContainSubstring(repEmail), ContainSubstring(repPhone)))
	}
}

func TestTrustHubNonCompliantProfileIsNotSubmitted(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.repSecret(t)
	a2p := e.trustHubRegistration("acme")
	a2p.Spec.TrustHub.Business.Industry = "SPACE_TRAVEL" // not one of Twilio's industries
	g.Expect(k8s.Create(context.Background(), a2p)).To(Succeed())

	cond := waitForCondition(g, a2p, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonBundleNotCompliant)
	g.Expect(cond.Message).To(ContainSubstring("spec.trustHub.business.industry"))
	g.Expect(cond.Message).To(ContainSubstring("business_industry"))
	g.Expect(a2p.Status.TrustHub.CustomerProfile.NonCompliant).To(ConsistOf(
		"spec.trustHub.business.industry (customer_profile_business_information.business_industry)"))
	stalledAt := e.total()
	g.Consistently(func(g Gomega) {
		g.Expect(e.count(routeSubmitProfile)).To(BeZero(), "a non-compliant profile is not submitted")
		g.Expect(e.total()-stalledAt).To(BeNumerically("<=", 2), "a stalled profile is not evaluated again in a loop")
	}).WithTimeout(time.Second).Should(Succeed())
	g.Expect(e.count(routeCreateTrustProduct)).To(BeZero())
	g.Expect(e.count(routeCreateBrand)).To(BeZero())
	profiles, _ := e.built(g)
	g.Expect(profiles).To(ConsistOf(HaveField("Status", twilioemu.BundleDraft)))

	// Fixed in the spec: the draft's end user is updated, evaluated again, and submitted.
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.TrustHub.Business.Industry = "CONSUMER" })
	waitForBundleApproval(g, a2p, "pending-review")
	g.Expect(e.count(routeSubmitProfile)).To(Equal(1))
	g.Expect(a2p.Status.TrustHub.CustomerProfile.NonCompliant).To(BeEmpty())
	profiles, _ = e.built(g)
	g.Expect(profiles).To(HaveLen(1), "the same profile, corrected")
}

func TestTrustHubRejectedProfileIsResubmittedOncePerChange(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.repSecret(t)
	a2p := e.trustHubRegistration("acme")
	g.Expect(k8s.Create(context.Background(), a2p)).To(Succeed())
	waitForBundleApproval(g, a2p, "pending-review")
	profiles, _ := e.built(g)
	g.Expect(profiles).To(HaveLen(1))
	g.Expect(e.emu.SetBundleReviewOutcome(profiles[0].Sid, twilioemu.BundleTwilioRejected, 18601)).To(Succeed())
	e.advance(g, bundleDelay)

	cond := waitForCondition(g, a2p, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonBundleRejected)
	g.Expect(cond.Message).To(ContainSubstring("18601"))
	g.Expect(a2p.Status.TrustHub.CustomerProfile.Errors).To(ConsistOf(HaveField("Code", int32(18601))))
	g.Consistently(func() int { return e.count(routeSubmitProfile) }).WithTimeout(time.Second).Should(Equal(1),
		"a rejected profile is not resubmitted unchanged")

	// A changed declaration is the user asking: the profile is corrected and resubmitted once.
	g.Expect(e.emu.SetBundleReviewOutcome(profiles[0].Sid, twilioemu.BundleTwilioApproved)).To(Succeed())
	update(g, a2p, func(a *v1alpha1.A2PRegistration) {
		a.Spec.TrustHub.Business.WebsiteURL = "https://www.acme-plumbing.example"
	})
	waitForBundleApproval(g, a2p, "pending-review")
	g.Consistently(func() int { return e.count(routeSubmitProfile) }).WithTimeout(time.Second).Should(Equal(2))

	// In review, Twilio allows no edit: a further change is reported, not sent.
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.TrustHub.Business.Name = "Acme Plumbing & Heating LLC" })
	g.Eventually(func(g Gomega) {
		fetch(g, a2p)
		g.Expect(a2p.Status.ObservedGeneration).To(Equal(a2p.Generation))
		g.Expect(a2p.Status.TrustHub.Refusal).To(ContainSubstring("Twilio allows no edit"))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(e.count(routeSubmitProfile)).To(Equal(2))
	th, _ := e.emu.TrustHub(account)
	for _, u := range th.EndUsers {
		if u.Type == "customer_profile_business_information" {
			g.Expect(u.Attributes).To(HaveKeyWithValue("business_name", "Acme Plumbing LLC"))
		}
	}
	g.Expect(strings.Count(e.logs.String(), repEmail)).To(BeZero())
}
