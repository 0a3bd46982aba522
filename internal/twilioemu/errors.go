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

// Every error the emulator can answer with, in one place. Messages are Twilio's where
// Twilio documents one. Where Twilio does not document the code for a rule, the choice
// is explained beside it.
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
	// ErrNumberInThisService (400/21710): the number is already in this service.
	// Adding is therefore idempotent for a caller that treats 21710 as success.
	ErrNumberInThisService = &Error{Status: 400, Code: 21710,
		Message: "Phone Number or Short Code is already in the Messaging Service."}
	// ErrNumberInOtherService (400/21712): the number is in another service; it must be
	// removed there first.
	ErrNumberInOtherService = &Error{Status: 400, Code: 21712,
		Message: "Phone Number or Short Code is associated with another Messaging Service."}
	// ErrPoolFull (400/21714): a service holds at most 400 senders.
	ErrPoolFull = &Error{Status: 400, Code: 21714, Message: "Messaging Service Number Pool size limit reached"}

	// ErrBundle (400/30793): a brand's CustomerProfileBundleSid or A2PProfileBundleSid
	// is not a bundle of the right kind in this account, or is not twilio-approved.
	// 30793 is Twilio's "Validation problems with connected bundles"; Twilio documents
	// it as a brand failure, the emulator rejects synchronously so no brand (and fee)
	// exists for a bundle that cannot pass.
	ErrBundle = &Error{Status: 400, Code: 30793, Message: "Brand Registration Failure: Validation problems with connected bundles"}
	// ErrBrandNotUpdatable (400/21725): only a FAILED brand can be resubmitted.
	ErrBrandNotUpdatable = &Error{Status: 400, Code: 21725, Message: "Brand can only be updated when in FAILED state"}
	// ErrBrandNotRegistered (400/21717): the campaign's brand does not exist in this
	// account, is not APPROVED, or does not allow the use case (SOLE_PROPRIETOR).
	ErrBrandNotRegistered = &Error{Status: 400, Code: 21717,
		Message: "Brand Registration SID for US A2P Campaign Use Case is Not Registered or Not Valid"}
	// ErrInvalidA2PUsecase (400/21720): UsAppToPersonUsecase is not an A2P use case.
	ErrInvalidA2PUsecase = &Error{Status: 400, Code: 21720, Message: "A2P Use Case is Invalid"}
	// ErrCampaignLength (400/21728): a campaign field is too short or too long, or
	// there are not 2 to 5 message samples.
	ErrCampaignLength = &Error{Status: 400, Code: 21728,
		Message: "Campaign registration failed due to length validation failures"}
	// ErrCampaignExists (400/21718): the service already has a campaign. Twilio allows
	// one US A2P campaign per Messaging Service but does not document the code of the
	// rejection; 21718 sits in the US A2P 217xx block beside 21717. Callers should
	// treat any rejection of a second create as "list the service's campaign and adopt
	// it", which is what this code is for.
	ErrCampaignExists = &Error{Status: 400, Code: 21718, Message: "A US A2P campaign already exists for this Messaging Service"}

	// ErrUnknownAccount is returned by the Go and admin APIs when seeding into an
	// account that was never seeded.
	ErrUnknownAccount = &Error{Status: 404, Code: 20404, Message: "unknown account"}
	// ErrInvalidSeed is returned by the Go and admin APIs for a seed, status or fault
	// setting the emulator cannot use.
	ErrInvalidSeed = &Error{Status: 400, Code: 20001, Message: "invalid emulator setting"}
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
