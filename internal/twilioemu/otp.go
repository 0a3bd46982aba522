package twilioemu

import (
	"slices"
	"time"
)

// Sole Proprietor brands and their OTP. A SOLE_PROPRIETOR brand becomes APPROVED with
// identity_status UNVERIFIED: "Twilio sends the verification request to the mobile
// number registered with the Brand after the Brand reaches APPROVED. The Brand remains
// UNVERIFIED until the mobile number owner completes the verification step. The OTP is
// valid for 24 hours" (https://www.twilio.com/docs/api/errors/30752). The owner's reply
// is the admin API's CompleteBrandOTP (identity_status VERIFIED) or RejectBrandOTP;
// an OTP nobody confirms expires after Delays.OTPExpiry, and the brand reports 30752.
// POST /v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp sends a new OTP
// ("request a fresh OTP from Console or by creating a Brand Registration OTP through
// the API", the same page), restarting the expiry.

const identityUnverified = "UNVERIFIED"

// otpFailure (30752, "Brand Registration Failure: Invalid or expired OTP") is the
// errors[] entry of a sole proprietor brand whose OTP expired or was not confirmed.
var otpFailure = RegistrationError{Code: 30752, Fields: []string{"mobile_phone_number"},
	Description: "Brand Registration Failure: Invalid or expired OTP"}

// BrandOTP is a Sole Proprietor brand's OTP: sent to SentTo (the mobile_phone_number of
// the sole_proprietor_information end user of its trust product; "" when the bundle was
// seeded without one), Sends times, the last at SentAt, valid until ExpiresAt (zero:
// it does not expire). Once confirmed, Verified and VerifiedAt; when it expired or was
// refused, Failed.
type BrandOTP struct {
	SentTo     string    `json:"sentTo,omitempty"`
	Sends      int       `json:"sends"`
	SentAt     time.Time `json:"sentAt"`
	ExpiresAt  time.Time `json:"expiresAt,omitzero"`
	Verified   bool      `json:"verified,omitempty"`
	VerifiedAt time.Time `json:"verifiedAt,omitzero"`
	Failed     bool      `json:"failed,omitempty"`
}

// otpResource is messaging.v1.brand_registrations.brand_registration_otp on the wire.
type otpResource struct {
	AccountSid           string `json:"account_sid"`
	BrandRegistrationSid string `json:"brand_registration_sid"`
}

// approveSoleProprietor sends the OTP of a sole proprietor brand that becomes APPROVED
// at at, unless it was confirmed before (a brand forced back to APPROVED stays
// VERIFIED). Callers hold mu.
func (st *store) approveSoleProprietor(b *Brand, at time.Time) {
	if b.OTP.Verified {
		b.IdentityStatus = "VERIFIED"
		return
	}
	b.IdentityStatus = identityUnverified
	st.sendOTP(b, at)
}

// sendOTP sends a new OTP at at. Callers hold mu.
func (st *store) sendOTP(b *Brand, at time.Time) {
	o := &b.OTP
	o.SentTo, o.Sends, o.SentAt, o.Failed, o.ExpiresAt = st.otpNumber(b), o.Sends+1, at, false, time.Time{}
	if st.delays.OTPExpiry > 0 {
		o.ExpiresAt = at.Add(st.delays.OTPExpiry)
	}
	b.Errors = slices.DeleteFunc(b.Errors, func(e RegistrationError) bool { return e.Code == otpFailure.Code })
}

// expireOTP fails an OTP that nobody confirmed before it expired. Callers hold mu.
func (st *store) expireOTP(b *Brand, now time.Time) {
	o := b.OTP
	if o.Sends == 0 || o.Verified || o.Failed || o.ExpiresAt.IsZero() || now.Before(o.ExpiresAt) {
		return
	}
	st.failOTP(b, o.ExpiresAt)
}

// failOTP records an OTP that expired or was refused: the brand stays APPROVED and
// UNVERIFIED, and reports 30752. Callers hold mu.
func (st *store) failOTP(b *Brand, at time.Time) {
	b.OTP.Failed, b.DateUpdated = true, at
	b.Errors = append(slices.DeleteFunc(b.Errors, func(e RegistrationError) bool { return e.Code == otpFailure.Code }),
		otpFailure)
}

// otpNumber is the mobile number the OTP goes to: the mobile_phone_number of the
// sole_proprietor_information end user assigned to the brand's trust product.
// Callers hold mu.
func (st *store) otpNumber(b *Brand) string {
	for _, sid := range st.assignedObjects(b.A2PProfileBundleSid) {
		if u, ok := st.endUsers[sid]; ok && u.Type == "sole_proprietor_information" {
			n, _ := u.Attributes["mobile_phone_number"].(string)
			return n
		}
	}
	return ""
}

// verified reports whether brand may run campaigns as far as its identity goes: a
// standard brand always, a sole proprietor once its OTP was confirmed by time at.
func (b *Brand) verified(at time.Time) bool {
	if b.BrandType != soleProprietor {
		return true
	}
	return b.OTP.Verified && !b.OTP.VerifiedAt.After(at)
}

// resendOTP is POST …/SmsOtp: a new OTP for an APPROVED, UNVERIFIED sole proprietor
// brand, 201 with the spec's {account_sid, brand_registration_sid}. The strict
// readings, since Twilio documents no codes for them: a brand that is not a sole
// proprietor's is 400/20001 (the path is "Brand Registration Sid of Sole Proprietor
// Brand"); one that is not APPROVED (Twilio sends the OTP "after the Brand reaches
// APPROVED") or is already VERIFIED is 409/20409.
func (s *Server) resendOTP(r *request) response {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b, err := s.st.brandRef(r.account, r.pathValue("BrandRegistrationSid"))
	switch {
	case err != nil:
		return fail(err)
	case b.BrandType != soleProprietor:
		return fail(ErrInvalidParameter.withf("Brand %s is a %s brand; only a SOLE_PROPRIETOR brand has an OTP",
			b.Sid, b.BrandType))
	case b.Status != BrandApproved:
		return fail(ErrConflict.withf("Brand %s is %s: its OTP is sent once it is APPROVED", b.Sid, b.Status))
	case b.OTP.Verified:
		return fail(ErrConflict.withf("Brand %s is already VERIFIED", b.Sid))
	}
	now := s.st.now()
	s.st.sendOTP(b, now)
	b.DateUpdated = now
	return created(otpResource{AccountSid: b.AccountSid, BrandRegistrationSid: b.Sid})
}

// CompleteBrandOTP is the sole proprietor replying YES to its OTP: the brand's
// identity_status becomes VERIFIED. The brand must be APPROVED and its OTP neither
// confirmed, expired nor refused (ErrConflict: send a new one first).
func (s *Server) CompleteBrandOTP(brandSid string) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b, err := s.pendingOTP(brandSid)
	if err != nil {
		return err
	}
	now := s.st.now()
	b.OTP.Verified, b.OTP.VerifiedAt, b.IdentityStatus, b.DateUpdated = true, now, "VERIFIED", now
	return nil
}

// RejectBrandOTP is the sole proprietor not confirming its OTP (a wrong or no reply):
// the brand reports 30752 now and stays UNVERIFIED until a new OTP is confirmed.
func (s *Server) RejectBrandOTP(brandSid string) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b, err := s.pendingOTP(brandSid)
	if err != nil {
		return err
	}
	s.st.failOTP(b, s.st.now())
	return nil
}

// pendingOTP finds a brand whose OTP awaits its owner's reply. Callers hold mu.
func (s *Server) pendingOTP(sid string) (*Brand, error) {
	b, err := s.st.brandRef("", sid)
	switch {
	case err != nil:
		return nil, ErrNotFound.withf("unknown brand %s", sid)
	case b.OTP.Sends == 0 || b.Status != BrandApproved:
		return nil, ErrConflict.withf("brand %s (%s %s) has no OTP to answer", sid, b.BrandType, b.Status)
	case b.OTP.Verified:
		return nil, ErrConflict.withf("brand %s is already VERIFIED", sid)
	case b.OTP.Failed:
		return nil, ErrConflict.withf("the OTP of brand %s expired or was refused; send a new one (POST …/SmsOtp)", sid)
	}
	return b, nil
}

// maxSoleProprietorNumbers is how many numbers the Messaging Service of a sole
// proprietor campaign holds: "One campaign allowed per Brand, with a maximum of 1
// associated Telephone Number" (https://www.twilio.com/blog/sole-proprietor-api-and-console-experience-for-10dlc-registration).
const maxSoleProprietorNumbers = 1

// soleProprietorLimits refuses campaign c of a sole proprietor brand b when the brand
// has a campaign already (ErrSoleProprietorCampaignExists) or the service holds more
// numbers than such a campaign may (21714, the pool-limit code, with the sole
// proprietor's limit of one: Twilio documents no code of its own). Callers hold mu.
func (st *store) soleProprietorLimits(b *Brand, c Campaign) error {
	if b.BrandType != soleProprietor {
		return nil
	}
	if qe := st.campaignOfBrand(b.Sid); qe != "" {
		return ErrSoleProprietorCampaignExists.withf("SOLE_PROPRIETOR brand %s already has campaign %s", b.Sid, qe)
	}
	if n := st.poolSize(c.MessagingServiceSid); n > maxSoleProprietorNumbers {
		return ErrPoolFull.withf("Messaging Service %s holds %d numbers; the service of a SOLE_PROPRIETOR campaign "+
			"holds at most %d", c.MessagingServiceSid, n, maxSoleProprietorNumbers)
	}
	return nil
}

// soleProprietorPoolFull reports the 21714 a service answers to one number more than
// its sole proprietor campaign allows, nil when the number fits. Callers hold mu.
func (st *store) soleProprietorPoolFull(serviceSid string) error {
	qe, ok := st.campaignOf[serviceSid]
	if !ok {
		return nil
	}
	if b, ok := st.brands[st.campaigns[qe].BrandRegistrationSid]; ok && b.BrandType == soleProprietor &&
		st.poolSize(serviceSid) >= maxSoleProprietorNumbers {
		return ErrPoolFull.withf("Messaging Service %s has SOLE_PROPRIETOR campaign %s, whose service holds at most %d number",
			serviceSid, qe, maxSoleProprietorNumbers)
	}
	return nil
}
