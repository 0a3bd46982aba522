package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// Sole Proprietor brands and the use case check: what a campaign needs from Twilio
// beyond an APPROVED brand before its vetting fee is spent.

// otpValidity is how long Twilio's OTP for a Sole Proprietor brand is valid after it is
// sent: "The OTP is valid for 24 hours" (https://www.twilio.com/docs/api/errors/30752).
const otpValidity = 24 * time.Hour

// codeOTPFailed is Twilio's "Brand Registration Failure: Invalid or expired OTP", in
// the errors of a Sole Proprietor brand whose OTP expired or was not confirmed.
const codeOTPFailed = 30752

// maxSoleProprietorNumbers is how many numbers the Messaging Service of a Sole
// Proprietor campaign may hold: "One campaign allowed per Brand, with a maximum of 1
// associated Telephone Number" (Twilio's Sole Proprietor API announcement).
const maxSoleProprietorNumbers = 1

// soleProprietor says the registration's brand is a SOLE_PROPRIETOR brand that has an
// OTP: a mock one is sent none ("a one-time password (OTP) email will not be sent
// during mock Brand creation", Twilio's mock brand guide).
func soleProprietor(obj *v1alpha1.A2PRegistration) bool {
	return obj.Spec.Brand.BrandType == v1alpha1.BrandTypeSoleProprietor && !obj.Spec.Brand.Mock
}

// identityPending says the brand is an APPROVED Sole Proprietor brand whose identity
// its owner has not confirmed yet: Twilio registers no campaign for it.
func identityPending(obj *v1alpha1.A2PRegistration, b *twilio.Brand) bool {
	return soleProprietor(obj) && b.Status == twilio.BrandApproved &&
		b.IdentityStatus != twilio.IdentityVerified && b.IdentityStatus != twilio.IdentityVettedVerified
}

// identityProblem is why the campaigns of an APPROVED Sole Proprietor brand wait: the
// OTP is out (AwaitingOTPVerification), or it expired or was refused
// (OTPVerificationFailed, until the resend-otp annotation sends a new one). The
// messages name who must answer without the number itself, which is personal data.
func identityProblem(obj *v1alpha1.A2PRegistration, b *twilio.Brand) error {
	if !identityPending(obj, b) {
		return nil
	}
	if failed := otpErrors(b.Errors); len(failed) > 0 {
		return stall(v1alpha1.ReasonOTPVerificationFailed, "the OTP of SOLE_PROPRIETOR brand registration %s expired or was not "+
			"confirmed (%s): set the %s annotation to a new value to text a new OTP to the mobile number on the Sole Proprietor "+
			"profile (trust product %s), whose owner must then reply YES within 24 hours; its campaign waits",
			b.SID, describeErrors(failed, ""), v1alpha1.ResendOTPAnnotation, obj.Spec.Brand.A2PProfileBundleSID)
	}
	by := "within 24 hours of Twilio sending it"
	if !b.DateUpdated.IsZero() {
		by = fmt.Sprintf("by %s (Twilio's OTP is valid for 24 hours; it was sent at %s)",
			b.DateUpdated.Add(otpValidity).UTC().Format(time.RFC3339), b.DateUpdated.UTC().Format(time.RFC3339))
	}
	return waiting(v1alpha1.ReasonAwaitingOTPVerification, "SOLE_PROPRIETOR brand registration %s is APPROVED and its identity is %s: "+
		"the owner of the mobile number on the Sole Proprietor profile (trust product %s) must reply YES to Twilio's OTP text %s; "+
		"its campaign waits until then. If the OTP expires, set the %s annotation to a new value to send a new one",
		b.SID, orUnknown(b.IdentityStatus), obj.Spec.Brand.A2PProfileBundleSID, by, v1alpha1.ResendOTPAnnotation)
}

func otpErrors(errs []twilio.RegistrationError) []twilio.RegistrationError {
	var out []twilio.RegistrationError
	for _, e := range errs {
		if e.Code == codeOTPFailed {
			out = append(out, e)
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "not reported"
	}
	return s
}

func otpResentFor(obj *v1alpha1.A2PRegistration) string {
	if obj.Status.Brand == nil {
		return ""
	}
	return obj.Status.Brand.OTPResentFor
}

// planOTP decides what a new value of the resend-otp annotation does: it sends the
// OTP of a brand waiting for one (once per value); a value that comes when there is no
// OTP to send (the brand is not APPROVED yet, and Twilio sends the first OTP itself
// at approval; or it is verified already) is only recorded, so it never sends one
// later, unasked.
func (p *registrationPlan) planOTP(obj *v1alpha1.A2PRegistration, b *twilio.Brand) {
	v := newAnnotationValue(obj, v1alpha1.ResendOTPAnnotation, otpResentFor(obj))
	if v == "" || obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		return
	}
	p.resendOTP, p.sendOTP = v, identityPending(obj, b)
}

// recordOTPValue records a resend-otp value that came when there was no OTP to send,
// so it never sends one later, unasked.
func (run *a2pRun) recordOTPValue(value string) {
	if value != "" {
		run.brandStatus().OTPResentFor = value
	}
}

// sendOTP sends a new OTP for the brand, once per value of the resend-otp annotation,
// and returns the brand as Twilio reports it afterwards. The value is recorded as
// soon as Twilio took the request, so a later failure never sends a second text.
func (run *a2pRun) sendOTP(ctx context.Context, tw twilio.Client, b *twilio.Brand, value string) (*twilio.Brand, error) {
	err := tw.SendBrandOTP(ctx, b.SID)
	run.breaker.wrote(run.obj)
	if cls := twilio.ClassOf(err); err != nil && (cls == twilio.ClassTransient || cls == twilio.ClassAuth) {
		// Not sent (or not known to be): retried with backoff, the value not yet spent.
		return b, fmt.Errorf("cannot send a new OTP for brand registration %s: %w", b.SID, err)
	}
	run.brandStatus().OTPResentFor = value
	if err != nil {
		// Twilio refused (the brand was verified meanwhile, or is no longer APPROVED):
		// the value is spent; the brand as it is now says what follows.
		run.events.warning(run.obj, reasonOTPRefused, actionUpdate,
			"Twilio refused to send a new OTP for brand registration %s: %s", b.SID, err.Error())
	} else {
		run.events.normal(run.obj, reasonOTPSent, actionUpdate,
			"Twilio sent a new OTP for brand registration %s to the mobile number on the Sole Proprietor profile (%s %q)",
			b.SID, v1alpha1.ResendOTPAnnotation, value)
	}
	fresh, ferr := tw.FetchBrand(ctx, b.SID)
	if ferr != nil {
		return b, fmt.Errorf("cannot read brand registration %s after sending its OTP: %w", b.SID, ferr)
	}
	return fresh, nil
}

// observeCampaignNeeds reads what registering a campaign on a service needs to know
// before its fee is spent: for a Sole Proprietor brand, how many numbers the service
// holds; and which use cases Twilio offers the brand there. Only a campaign about to
// be registered is checked (none on the service yet, or a recreate for a new use
// case), and each (service, brand) list is read at most once per sync.
func (run *a2pRun) observeCampaignNeeds(ctx context.Context, tw twilio.Client, obs *registrationObservation, c *campaignObservation, i int) error {
	spec := &run.obj.Spec.Campaigns[i]
	registering := c.live == nil || (run.obj.Spec.RecreateCampaignOnImmutableChange && c.live.Usecase != spec.Usecase)
	if !c.read || !registering || run.observeOnly() || identityPending(run.obj, obs.brand) {
		return nil
	}
	if c.live == nil && run.obj.Spec.Brand.BrandType == v1alpha1.BrandTypeSoleProprietor {
		numbers, err := tw.ListPoolNumbers(ctx, c.target.sid)
		if err != nil {
			return fmt.Errorf("cannot read the numbers of Messaging Service %s: %w", c.target.sid, err)
		}
		c.poolSize, c.poolRead = len(numbers), true
		if c.poolSize > maxSoleProprietorNumbers {
			return nil // the limit stops the campaign: its use cases need no read
		}
	}
	key := c.target.sid + "/" + obs.brand.SID
	if list, ok := obs.usecases[key]; ok {
		c.usecases, c.usecasesRead = list, true
		return nil
	}
	list, err := tw.ListBrandUsecases(ctx, c.target.sid, obs.brand.SID)
	if err != nil {
		return fmt.Errorf("cannot read the use cases Twilio offers brand %s on Messaging Service %s: %w", obs.brand.SID, c.target.sid, err)
	}
	if obs.usecases == nil {
		obs.usecases = map[string][]twilio.Usecase{}
	}
	obs.usecases[key] = list
	c.usecases, c.usecasesRead = list, true
	return nil
}

// soleProprietorLimit stops the campaign of a Sole Proprietor brand whose service
// holds more numbers than Twilio allows such a campaign; admission checks the other
// limits (one campaign, use case SOLE_PROPRIETOR), which the spec shows.
func soleProprietorLimit(prefix string, c campaignObservation) error {
	if !c.poolRead || c.poolSize <= maxSoleProprietorNumbers {
		return nil
	}
	return stall(v1alpha1.ReasonSoleProprietorLimit, "Messaging Service %s holds %d numbers, and Twilio allows the service of a "+
		"SOLE_PROPRIETOR campaign %d: remove all but one from its sender pool (spec.phoneNumbers of its MessagingService), "+
		"and %s is registered; no campaign was registered", c.target.sid, c.poolSize, maxSoleProprietorNumbers, prefix)
}

// offeredUsecase finds the campaign's use case among those Twilio offers the brand on
// the service. One it does not offer is UsecaseNotAllowed, naming those it does, and
// no fee is spent on a campaign Twilio would refuse or fail. An empty list, which
// Twilio answers while it sees an issue with the brand registration, is waited for.
func offeredUsecase(prefix, usecase, brandSID string, c campaignObservation) (twilio.Usecase, error) {
	if !c.usecasesRead {
		return twilio.Usecase{}, nil
	}
	if i := slices.IndexFunc(c.usecases, func(u twilio.Usecase) bool { return u.Code == usecase }); i >= 0 {
		return c.usecases[i], nil
	}
	if len(c.usecases) == 0 {
		return twilio.Usecase{}, awaitingVetting(v1alpha1.ReasonAwaitingBrandApproval, "Twilio offers brand registration %s no "+
			"campaign use case on Messaging Service %s yet (an empty list, which Twilio answers while it sees an issue with the "+
			"brand registration): %s is registered once it offers %s", brandSID, c.target.sid, prefix, usecase)
	}
	return twilio.Usecase{}, stall(v1alpha1.ReasonUsecaseNotAllowed, "Twilio does not offer use case %s to brand registration %s "+
		"on Messaging Service %s; it offers %s: change %s.usecase to one of them (no campaign was registered, no vetting fee spent)",
		usecase, brandSID, c.target.sid, describeUsecases(c.usecases), prefix)
}

// describeUsecases lists use case codes, marking those that need post-approval.
func describeUsecases(list []twilio.Usecase) string {
	codes := make([]string, 0, len(list))
	for _, u := range list {
		if u.PostApprovalRequired {
			codes = append(codes, u.Code+" (post-approval required)")
		} else {
			codes = append(codes, u.Code)
		}
	}
	return strings.Join(codes, ", ")
}

// postApprovalNote is what a campaign's vetting message adds when its use case needs
// post-approval.
func postApprovalNote(st v1alpha1.CampaignStatus) string {
	if !st.PostApprovalRequired {
		return ""
	}
	return "; its use case needs post-approval: after vetting, the carriers approve the campaign before it carries traffic"
}
