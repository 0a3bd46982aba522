package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

const (
	routeSendOTP      = "POST /v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp"
	routeListUsecases = "GET /v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases"
	otpExpiry         = 24 * time.Hour // twilioemu.DefaultDelays().OTPExpiry, Twilio's
)

// soleProprietorRegistration is a SOLE_PROPRIETOR registration, ada, on the emulator's
// seeded sole proprietor bundles, with its one campaign on the MessagingService solo.
func (e *testEnv) soleProprietorRegistration() *v1alpha1.A2PRegistration {
	a := e.registration("ada", "solo")
	a.Spec.Brand = v1alpha1.BrandSpec{
		CustomerProfileBundleSID: twilioemu.DefaultStarterProfile,
		A2PProfileBundleSID:      twilioemu.DefaultSoleProprietorTrustProduct,
		BrandType:                v1alpha1.BrandTypeSoleProprietor,
	}
	a.Spec.Campaigns[0].Usecase = "SOLE_PROPRIETOR"
	return a
}

// awaitingOTP creates a registration and waits until its brand is APPROVED and waits
// for its owner's answer to the OTP.
func (e *testEnv) awaitingOTP(g Gomega, a *v1alpha1.A2PRegistration) metav1.Condition {
	g.Expect(k8s.Create(context.Background(), a)).To(Succeed())
	waitForCondition(g, a, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay)
	return waitForCondition(g, a, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingOTPVerification)
}

func TestSoleProprietorWaitsForItsOTPThenRegistersItsCampaign(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.readyService(g, "solo", number1)
	a2p := e.soleProprietorRegistration()
	// An annotation applied with the object, before there is any OTP: Twilio sends the
	// first OTP itself at approval, so it must not send a second one.
	withAnnotation(v1alpha1.ResendOTPAnnotation, "from-the-start")(a2p)

	cond := e.awaitingOTP(g, a2p)
	brands, _ := e.emu.Brands(account)
	g.Expect(brands).To(HaveLen(1))
	brand := brands[0]
	g.Expect(brand.IdentityStatus).To(Equal("UNVERIFIED"))
	sentAt := brand.OTP.SentAt.UTC()
	g.Expect(cond.Message).To(Equal("SOLE_PROPRIETOR brand registration " + brand.Sid + " is APPROVED and its identity is UNVERIFIED: " +
		"the owner of the mobile number on the Sole Proprietor profile (trust product " + twilioemu.DefaultSoleProprietorTrustProduct +
		") must reply YES to Twilio's OTP text by " + sentAt.Add(otpExpiry).Format(time.RFC3339) +
		" (Twilio's OTP is valid for 24 hours; it was sent at " + sentAt.Format(time.RFC3339) + "); its campaign waits until then. " +
		"If the OTP expires, set the twilio-operator.io/resend-otp annotation to a new value to send a new one"))
	g.Expect(meta.IsStatusConditionTrue(a2p.Status.Conditions, v1alpha1.ConditionBrandApproved)).To(BeTrue())
	g.Expect(meta.FindStatusCondition(a2p.Status.Conditions, v1alpha1.ConditionCampaignsVerified).Reason).
		To(Equal(v1alpha1.ReasonAwaitingOTPVerification))
	g.Expect(a2p.Status.Brand.IdentityStatus).To(Equal("UNVERIFIED"))
	g.Expect(a2p.Status.Brand.OTPResentFor).To(Equal("from-the-start"), "the value is recorded as handled")
	// The operator keeps polling the brand, and registers nothing meanwhile.
	polled := e.count(routeFetchBrand)
	g.Eventually(func() int { return e.count(routeFetchBrand) }).WithTimeout(timeout).Should(BeNumerically(">", polled+2))
	g.Expect(e.count(routeCreateCampaign)).To(BeZero(), "no campaign for an unverified Sole Proprietor brand")
	g.Expect(e.count(routeListUsecases)).To(BeZero(), "nothing is checked for a campaign that waits")
	g.Expect(e.count(routeSendOTP)).To(BeZero(), "an annotation value seen before the OTP sends nothing")

	// The sole proprietor replies YES: the campaign follows, then Ready.
	g.Expect(e.emu.CompleteBrandOTP(brand.Sid)).To(Succeed())
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	g.Expect(a2p.Status.Brand.IdentityStatus).To(Equal("VERIFIED"))
	campaigns, _ := e.emu.Campaigns(account)
	g.Expect(campaigns).To(HaveLen(1))
	g.Expect(campaigns[0].UsAppToPersonUsecase).To(Equal("SOLE_PROPRIETOR"))
	g.Expect(campaigns[0].BrandRegistrationSid).To(Equal(brand.Sid))
	e.advance(g, campaignDelay)
	waitForReady(g, a2p)
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1))
	g.Expect(e.count(routeListUsecases)).To(Equal(1), "the use cases are read once, before the one create")
	g.Expect(e.count(routeSendOTP)).To(BeZero())
	g.Expect(a2p.Status.Campaigns[0].PostApprovalRequired).To(BeFalse())
	for _, c := range a2p.Status.Conditions {
		g.Expect(c.Message).NotTo(ContainSubstring("+1"), "no phone number in the status")
	}
}

func TestSoleProprietorResendsItsOTPOncePerAnnotationValue(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.readyService(g, "solo", number1)
	a2p := e.soleProprietorRegistration()
	e.awaitingOTP(g, a2p)
	brands, _ := e.emu.Brands(account)
	sid := brands[0].Sid
	g.Expect(brands[0].OTP.Sends).To(Equal(1), "Twilio's own OTP at approval")

	resend := func(value string, sends int) {
		update(g, a2p, withAnnotationT[*v1alpha1.A2PRegistration](v1alpha1.ResendOTPAnnotation, value))
		g.Eventually(func(g Gomega) {
			fetch(g, a2p)
			g.Expect(a2p.Status.Brand.OTPResentFor).To(Equal(value))
		}).WithTimeout(timeout).Should(Succeed())
		g.Expect(e.count(routeSendOTP)).To(Equal(sends))
		brands, _ := e.emu.Brands(account)
		g.Expect(brands[0].OTP.Sends).To(Equal(1 + sends))
		waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingOTPVerification)
	}
	resend("lost-my-phone", 1)
	// Anything else that makes the operator look, and the polls, send nothing more.
	update(g, a2p, withAnnotationT[*v1alpha1.A2PRegistration]("example.com/touched", "yes"))
	polled := e.count(routeFetchBrand)
	g.Eventually(func() int { return e.count(routeFetchBrand) }).WithTimeout(timeout).Should(BeNumerically(">", polled+2))
	g.Consistently(func() int { return e.count(routeSendOTP) }).WithTimeout(time.Second).Should(Equal(1),
		"one request per annotation value")
	resend("again", 2)

	g.Expect(e.emu.CompleteBrandOTP(sid)).To(Succeed())
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	// A value once the brand is verified has no OTP to send: recorded, nothing sent.
	update(g, a2p, withAnnotationT[*v1alpha1.A2PRegistration](v1alpha1.ResendOTPAnnotation, "too-late"))
	g.Eventually(func(g Gomega) {
		fetch(g, a2p)
		g.Expect(a2p.Status.Brand.OTPResentFor).To(Equal("too-late"))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(e.count(routeSendOTP)).To(Equal(2))
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1))
}

func TestSoleProprietorExpiredOTPStallsUntilResent(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.readyService(g, "solo", number1)
	a2p := e.soleProprietorRegistration()
	e.awaitingOTP(g, a2p)
	brands, _ := e.emu.Brands(account)
	sid := brands[0].Sid

	// Nobody answers for 24 hours: Twilio reports 30752.
	e.advance(g, otpExpiry)
	cond := waitForCondition(g, a2p, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonOTPVerificationFailed)
	g.Expect(cond.Message).To(Equal("the OTP of SOLE_PROPRIETOR brand registration " + sid + " expired or was not confirmed " +
		"(30752 Brand Registration Failure: Invalid or expired OTP (mobile_phone_number)): set the twilio-operator.io/resend-otp " +
		"annotation to a new value to text a new OTP to the mobile number on the Sole Proprietor profile (trust product " +
		twilioemu.DefaultSoleProprietorTrustProduct + "), whose owner must then reply YES within 24 hours; its campaign waits"))
	g.Expect(a2p.Status.Brand.Errors).To(ConsistOf(v1alpha1.RegistrationError{Code: 30752,
		Description: "Brand Registration Failure: Invalid or expired OTP", Fields: []string{"mobile_phone_number"}}))
	g.Expect(e.count(routeCreateCampaign)).To(BeZero())
	g.Expect(e.count(routeSendOTP)).To(BeZero(), "a failed OTP is not resent unasked")
	expectNoHotLoop(g, e)

	// The user asks for a new OTP: one request, and the registration waits again.
	update(g, a2p, withAnnotationT[*v1alpha1.A2PRegistration](v1alpha1.ResendOTPAnnotation, "1"))
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingOTPVerification)
	g.Expect(e.count(routeSendOTP)).To(Equal(1))
	g.Expect(a2p.Status.Brand.Errors).To(BeEmpty(), "the new OTP clears Twilio's 30752")

	g.Expect(e.emu.CompleteBrandOTP(sid)).To(Succeed())
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	e.advance(g, campaignDelay)
	waitForReady(g, a2p)
	g.Expect(e.count(routeSendOTP)).To(Equal(1))
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1))
}

func TestSoleProprietorRefusedOTPHasItsReason(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	e.readyService(g, "solo", number1)
	a2p := e.soleProprietorRegistration()
	e.awaitingOTP(g, a2p)
	brands, _ := e.emu.Brands(account)
	g.Expect(e.emu.RejectBrandOTP(brands[0].Sid)).To(Succeed())
	cond := waitForCondition(g, a2p, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonOTPVerificationFailed)
	g.Expect(cond.Message).To(ContainSubstring("30752"))
	g.Expect(e.count(routeCreateCampaign)).To(BeZero())
}

func TestSoleProprietorServiceWithTwoNumbersRegistersNoCampaign(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ms := e.readyService(g, "solo", number1, number2)
	a2p := e.soleProprietorRegistration()
	e.awaitingOTP(g, a2p)
	brands, _ := e.emu.Brands(account)
	g.Expect(e.emu.CompleteBrandOTP(brands[0].Sid)).To(Succeed())

	cond := waitForCondition(g, a2p, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonSoleProprietorLimit)
	g.Expect(cond.Message).To(Equal("Messaging Service " + ms.Status.SID + " holds 2 numbers, and Twilio allows the service of a " +
		"SOLE_PROPRIETOR campaign 1: remove all but one from its sender pool (spec.phoneNumbers of its MessagingService), " +
		"and campaigns[0] is registered; no campaign was registered"))
	g.Expect(e.count(routeCreateCampaign)).To(BeZero(), "no fee on a campaign Twilio would refuse")
	g.Expect(e.count(routeListUsecases)).To(BeZero())
	expectNoHotLoop(g, e)

	// One number less, and the campaign is registered.
	update(g, ms, func(ms *v1alpha1.MessagingService) { ms.Spec.PhoneNumbers = []string{number1} })
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1))
}

func TestUsecaseNotOfferedRegistersNoCampaign(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	e := startEnv(t)
	ms := e.readyService(g, "support", number1)
	g.Expect(e.emu.SetBundleUsecases(twilioemu.DefaultTrustProduct, "", "CUSTOMER_CARE", "MARKETING")).To(Succeed())
	a2p := e.registration("acme", "support")
	g.Expect(k8s.Create(context.Background(), a2p)).To(Succeed())
	waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingBrandApproval)
	e.advance(g, brandDelay)

	cond := waitForCondition(g, a2p, v1alpha1.ConditionStalled, "True", v1alpha1.ReasonUsecaseNotAllowed)
	prefix := "Twilio does not offer use case CUSTOMER_CARE to brand registration " + a2p.Status.Brand.SID +
		" on Messaging Service " + ms.Status.SID + "; it offers "
	g.Expect(cond.Message).To(HavePrefix(prefix))
	g.Expect(cond.Message).To(HaveSuffix(": change campaigns[0].usecase to one of them (no campaign was registered, no vetting fee spent)"))
	offered := strings.Split(strings.TrimSuffix(strings.TrimPrefix(cond.Message, prefix),
		": change campaigns[0].usecase to one of them (no campaign was registered, no vetting fee spent)"), ", ")
	g.Expect(offered).To(ContainElements("2FA", "ACCOUNT_NOTIFICATION", "AGENTS_FRANCHISES (post-approval required)", "LOW_VOLUME"))
	g.Expect(offered).NotTo(ContainElement(HavePrefix("CUSTOMER_CARE")))
	g.Expect(offered).NotTo(ContainElement(HavePrefix("MARKETING")))
	g.Expect(meta.FindStatusCondition(a2p.Status.Conditions, v1alpha1.ConditionCampaignsVerified).Reason).
		To(Equal(v1alpha1.ReasonUsecaseNotAllowed))
	g.Expect(e.count(routeCreateCampaign)).To(BeZero(), "zero campaign creates")
	g.Expect(e.count(routeListUsecases)).To(Equal(1))
	expectNoHotLoop(g, e)

	// A use case Twilio offers, one that needs post-approval: registered, and the status
	// says so.
	update(g, a2p, func(a *v1alpha1.A2PRegistration) { a.Spec.Campaigns[0].Usecase = "AGENTS_FRANCHISES" })
	cond = waitForCondition(g, a2p, v1alpha1.ConditionReconciling, "True", v1alpha1.ReasonAwaitingCampaignVetting)
	g.Expect(cond.Message).To(HaveSuffix("; its use case needs post-approval: after vetting, the carriers approve the campaign " +
		"before it carries traffic"))
	g.Expect(a2p.Status.Campaigns[0].PostApprovalRequired).To(BeTrue())
	g.Expect(e.count(routeCreateCampaign)).To(Equal(1))
	campaigns, _ := e.emu.Campaigns(account)
	g.Expect(campaigns).To(HaveLen(1))
	g.Expect(campaigns[0].UsAppToPersonUsecase).To(Equal("AGENTS_FRANCHISES"))
}
