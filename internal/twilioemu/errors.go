package twilioemu

import (
	"errors"
	"fmt"
	"strconv"
)

// Error is a Twilio REST API error: the HTTP status and Twilio's code and message. It is
// what the emulator sends as {code, message, more_info, status}, and what the Go API
// and AdminClient return. Two Errors match with errors.Is when status and code agree,
// so a specific message still matches its sentinel below.
type Error struct {
	Status  int    `json:"status"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return "twilio error " + strconv.Itoa(e.Code) + " (HTTP " + strconv.Itoa(e.Status) + "): " + e.Message
}

// Is reports whether target is an *Error with the same status and code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status && t.Code == e.Code
}

// withf returns a copy of e with a specific message.
func (e *Error) withf(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	return &c
}

// MoreInfo is the documentation link Twilio sends with the error.
func (e *Error) MoreInfo() string {
	return "https://www.twilio.com/docs/errors/" + strconv.Itoa(e.Code)
}

// Every error the emulator can answer with, in one place, each with the source of its
// code, HTTP status and message. Messages are Twilio's where Twilio documents one. Where
// Twilio's behaviour is not documented, the emulator takes the stricter reading, and the
// comment says so. The errors[] entries of FAILED brands and campaigns (not HTTP errors)
// are listed at the end.
var (
	// ErrNotFound (404/20404): the object does not exist or belongs to another account;
	// Twilio never reveals which. The wire message names the requested path.
	ErrNotFound = &Error{Status: 404, Code: 20404, Message: "The requested resource was not found"}
	// ErrAuthenticate (401/20003): missing or wrong credentials, or a 2010 path naming
	// an account the credentials are not for.
	ErrAuthenticate = &Error{Status: 401, Code: 20003, Message: "Authenticate"}
	// ErrMethodNotAllowed (405/20004): the path exists, the method does not.
	ErrMethodNotAllowed = &Error{Status: 405, Code: 20004, Message: "Method not allowed"}
	// ErrTooManyRequests (429/20429): the account's concurrency limit is reached. Twilio
	// does not process the request, so it is always safe to retry.
	ErrTooManyRequests = &Error{Status: 429, Code: 20429, Message: "Too Many Requests"}
	// ErrInternal (500/20500) and ErrUnavailable (503/20503) are injected faults.
	ErrInternal    = &Error{Status: 500, Code: 20500, Message: "Internal Server Error"}
	ErrUnavailable = &Error{Status: 503, Code: 20503, Message: "Service Unavailable"}
	// ErrConflict (409/20409): "The request could not be completed due to a conflict
	// with the current state of the target resource. The resource is not in a state that
	// allows this modification" (https://www.twilio.com/docs/api/errors/20409). The
	// emulator answers it where Twilio refuses a write for the object's state without a
	// documented code of its own: editing a campaign that is in vetting (PENDING or
	// IN_PROGRESS) and resubmitting a brand that has a campaign. Nothing is changed, and
	// the same write can succeed once the state allows it.
	ErrConflict = &Error{Status: 409, Code: 20409, Message: "Conflict"}

	// ErrInvalidParameter (400/20001): a required parameter is missing ("Missing
	// required parameter X in the post body", Twilio's exact wording) or a value has the
	// wrong type or is outside its enum.
	ErrInvalidParameter = &Error{Status: 400, Code: 20001, Message: "Invalid parameter"}
	// ErrInvalidFriendlyName (400/20002): FriendlyName must be 1 to 64 characters.
	ErrInvalidFriendlyName = &Error{Status: 400, Code: 20002, Message: "Invalid FriendlyName"}
	// ErrInvalidCallbackURL (400/21502): InboundRequestUrl or FallbackUrl is not an
	// absolute http(s) URL.
	ErrInvalidCallbackURL = &Error{Status: 400, Code: 21502, Message: "Invalid callback url"}
	// ErrInvalidStatusCallback (400/21609): StatusCallback is not an absolute http(s) URL.
	ErrInvalidStatusCallback = &Error{Status: 400, Code: 21609, Message: "Invalid 'StatusCallback'"}
	// ErrInvalidUsecase (400/21713): a Messaging Service Usecase outside
	// notifications, marketing, verification, discussion, poll, undeclared.
	ErrInvalidUsecase = &Error{Status: 400, Code: 21713, Message: "Usecase is invalid"}

	// ErrInvalidPhoneNumberSid (400/21421): PhoneNumberSid is malformed or not a number
	// of this account. Twilio answers an unowned PN SID with 21421 ("Phone Number is
	// invalid"), not 404: the path (the service) exists, the argument is bad.
	ErrInvalidPhoneNumberSid = &Error{Status: 400, Code: 21421, Message: "PhoneNumberSid is invalid"}
	// ErrNumberInThisService (409/21710): the number is already in this service.
	// Adding is therefore idempotent for a caller that treats 21710 as success; Twilio's
	// error dictionary (https://www.twilio.com/docs/api/errors) lists 21710 as a
	// WARNING, "Phone Number Already Exists in Messaging Service". The status is 409, as
	// public client test fixtures of Twilio's answer record it (a Scala Twilio client's
	// MessagingPhoneNumberCreateTest: {"code": 21710, ..., "status": 409}).
	ErrNumberInThisService = &Error{Status: 409, Code: 21710,
		Message: "Phone Number or Short Code is already in the Messaging Service."}
	// ErrNumberInOtherService (409/21712): the number is in another service; it must be
	// removed there first (https://www.twilio.com/docs/api/errors/21712). 409 for the
	// same source as 21710.
	ErrNumberInOtherService = &Error{Status: 409, Code: 21712,
		Message: "Phone Number or Short Code is associated with another Messaging Service."}
	// ErrPoolFull (400/21714): a service holds at most 400 senders.
	ErrPoolFull = &Error{Status: 400, Code: 21714, Message: "Messaging Service Number Pool size limit reached"}

	// ErrBrandNotUpdatable (400/21725): only a FAILED brand can be resubmitted
	// (https://www.twilio.com/docs/api/errors/21725: "If Brand is IN_PROGRESS, wait for
	// it to exit IN_PROGRESS").
	ErrBrandNotUpdatable = &Error{Status: 400, Code: 21725, Message: "Brand can only be updated when in FAILED state"}
	// ErrBrandUpdateCount (400/21724): "Maximum number of brand update requests reached
	// on this brand. Contact support for help." (https://www.twilio.com/docs/api/errors/21724).
	// Twilio documents the cap as "up to three self-service brand updates or
	// resubmissions before you need Support assistance"
	// (https://www.twilio.com/docs/api/errors/60724); see maxBrandResubmissions.
	ErrBrandUpdateCount = &Error{Status: 400, Code: 21724, Message: "Brand update count exceeded"}
	// ErrBrandSuspended (400/21731): "Cannot perform operation on suspended brand"
	// (Twilio's error dictionary), answered to a resubmission of a SUSPENDED brand.
	ErrBrandSuspended = &Error{Status: 400, Code: 21731, Message: "Cannot perform operation on suspended brand"}
	// ErrBrandNotRegistered (400/21717): the campaign's brand does not exist in this
	// account, is not APPROVED, or does not allow the use case (SOLE_PROPRIETOR).
	ErrBrandNotRegistered = &Error{Status: 400, Code: 21717,
		Message: "Brand Registration SID for US A2P Campaign Use Case is Not Registered or Not Valid"}
	// ErrIncompatibleUsecase (400/21719): the Messaging Service's Usecase and the
	// campaign's A2P use case do not go together, on campaign create or on a service
	// update (https://www.twilio.com/docs/api/errors/21719); see usecases.go.
	ErrIncompatibleUsecase = &Error{Status: 400, Code: 21719, Message: "Incompatible Messaging Service/A2P Use Cases"}
	// ErrInvalidA2PUsecase (400/21720): UsAppToPersonUsecase is not an A2P use case.
	ErrInvalidA2PUsecase = &Error{Status: 400, Code: 21720, Message: "A2P Use Case is Invalid"}
	// ErrCampaignLength (400/21728): a campaign field is too short or too long, or
	// there are not 2 to 5 message samples.
	ErrCampaignLength = &Error{Status: 400, Code: 21728,
		Message: "Campaign registration failed due to length validation failures"}
	// ErrCampaignSuspended (400/21729): "The operation you're trying to perform on this
	// campaign is not allowed because the campaign is in a suspended state"
	// (https://www.twilio.com/docs/api/errors/21729), answered to an edit of a SUSPENDED
	// campaign.
	ErrCampaignSuspended = &Error{Status: 400, Code: 21729, Message: "Cannot perform operation on suspended campaign"}
	// ErrSoleProprietorCampaignExists (400/20001): a SOLE_PROPRIETOR brand already has a
	// campaign. "There can only be one SOLE_PROPRIETOR campaign created per
	// SOLE_PROPRIETOR brand" (the spec's brand_type); Twilio documents no code for
	// refusing a second, so, as for ErrCampaignExists, a generic 400 a client cannot
	// tell from a validation error: it finds the brand's campaign by listing.
	ErrSoleProprietorCampaignExists = &Error{Status: 400, Code: 20001,
		Message: "A SOLE_PROPRIETOR brand can register only one campaign"}
	// ErrCampaignExists (400/20001): the service already has a campaign. Twilio allows
	// one US A2P campaign per Messaging Service but documents no code for refusing a
	// second: its error dictionary has no 21718 (the 217xx block goes 21717, 21719…),
	// which the emulator used to answer. Until Twilio's answer is known the emulator
	// takes the strict reading: a generic, documented 400 (20001) that a client cannot
	// tell from a validation error, so a client must find an existing campaign by
	// listing the service's campaigns, never by reading the code of a refused create.
	ErrCampaignExists = &Error{Status: 400, Code: 20001, Message: "A US A2P campaign already exists for this Messaging Service"}

	// ErrUnknownAccount is returned by the Go and admin APIs when seeding into an
	// account that was never seeded.
	ErrUnknownAccount = &Error{Status: 404, Code: 20404, Message: "unknown account"}
	// ErrInvalidSeed is returned by the Go and admin APIs for a seed, status, fault or
	// quirk setting the emulator cannot use.
	ErrInvalidSeed = &Error{Status: 400, Code: 20001, Message: "invalid emulator setting"}
)

// The errors[] entries a FAILED brand or campaign reports (not HTTP errors: the
// registration was accepted, then vetting failed). A bundle's or rule's own entry
// overrides the defaults.
var (
	// bundleFailure (30793, "Brand Registration Failure: Validation problems with
	// connected bundles"): a brand's CustomerProfileBundleSid or A2PProfileBundleSid is
	// not a bundle of the right kind in this account, or is not twilio-approved. Twilio
	// documents 30793 as a brand registration failure whose causes include "We were
	// not able to find A2P bundle with the bundle SID provided"
	// (https://www.twilio.com/docs/api/errors/30793), so the brand is created and then
	// fails; the emulator no longer rejects the create. Fields names the bundle.
	bundleFailure = RegistrationError{Code: 30793,
		Description: "Brand Registration Failure: Validation problems with connected bundles"}
	// defaultBrandFailure (30799) is the errors[] of a FAILED brand whose bundle was
	// seeded without its own: TCR could not verify the business
	// (https://www.twilio.com/docs/api/errors/30799).
	defaultBrandFailure = []RegistrationError{{Code: 30799, Fields: []string{"business_registration_number"},
		Description: "Brand Registration Feedback: We were unable to verify the details of the registration data."}}
	// unverifiedBrandFailure (30991) is the errors[] entry of a campaign submitted while
	// its sole proprietor brand was not VERIFIED: "The Brand of this Campaign is in an
	// unverified status. Campaign registrations under unverified brands is not allowed"
	// (https://www.twilio.com/docs/api/errors/30991). The create is accepted and the
	// campaign fails once vetted, as the 30xxx registration failures do.
	unverifiedBrandFailure = RegistrationError{Code: 30991, Fields: []string{"BRAND"},
		Description: "Campaign Registration Failed: The Brand of this Campaign is in an unverified status."}
	// defaultCampaignFailure (30897, "Disallowed Content", field MESSAGE_FLOW) is the
	// errors[] entry of a campaign failed by a CampaignRule without its own, in the
	// shape of the spec's fetchFailedWithErrors example.
	defaultCampaignFailure = RegistrationError{Code: 30897, Fields: []string{"MESSAGE_FLOW"},
		Description: "The campaign submission has been reviewed and it was rejected due to Disallowed Content."}
)

// missing is Twilio's wording for a required parameter that was not sent.
func missing(name string) *Error {
	return ErrInvalidParameter.withf("Missing required parameter %s in the post body", name)
}

// invalid is the error for a parameter whose value cannot be used.
func invalid(name, value string) *Error {
	return ErrInvalidParameter.withf("Invalid %s: %q", name, value)
}

// asTwilio maps any error to the Twilio error sent on the wire. Anything that is not
// an *Error is a bug, answered like Twilio answers its own bugs.
func asTwilio(err error, path string) *Error {
	var e *Error
	if !errors.As(err, &e) {
		return ErrInternal
	}
	if e.Code == ErrNotFound.Code && e.Message == ErrNotFound.Message {
		// Twilio's exact wording names the requested path.
		return e.withf("The requested resource %s was not found", path)
	}
	return e
}
