package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/twilio-operator/twilio-operator/internal/redact"
)

// Class says what a controller should do about an error.
type Class int

const (
	// ClassTransient errors (429/20429, 5xx, network, timeouts) go away by themselves:
	// retry with backoff.
	ClassTransient Class = iota
	// ClassNotFound (404/20404): the object does not exist.
	ClassNotFound
	// ClassConflict (21710): the number is already in this service, which is success.
	ClassConflict
	// ClassUser errors (400 and 21xxx input errors) need a change of the spec.
	ClassUser
	// ClassAuth errors (401/20003, 403/20403, malformed credentials) need a change of
	// the credentials.
	ClassAuth
)

func (c Class) String() string {
	switch c {
	case ClassTransient:
		return "transient"
	case ClassNotFound:
		return "not found"
	case ClassConflict:
		return "conflict"
	case ClassUser:
		return "user error"
	case ClassAuth:
		return "auth"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Twilio error codes the operator acts on.
const (
	CodeAuthenticate          = 20003 // wrong account SID, auth token or API key
	CodeNotFound              = 20404
	CodeForbidden             = 20403
	CodeConflictingState      = 20409 // the object's state allows no such change now (a campaign in vetting)
	CodeTooManyRequests       = 20429
	CodeInvalidUsername       = 21222 // twilio-go: credentials with illegal characters
	CodeInvalidPassword       = 21224
	CodeInvalidPhoneNumberSID = 21421 // PN SID malformed or not a number of the account
	CodeNumberInThisService   = 21710 // phone number already in this Messaging Service
	CodeNumberInOtherService  = 21712 // phone number already in another Messaging Service
	CodeBrandNotApproved      = 21717 // campaign needs an APPROVED brand
	CodeBrandNotResubmittable = 21725 // only a FAILED brand can be resubmitted
	CodeRetryLater            = 21730 // Twilio asks to retry the operation later
)

// Error is every error the port returns: what Twilio said, and its class.
type Error struct {
	Class Class
	// Op is the request, as method and path template: "POST /v1/Services".
	Op string
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Code is Twilio's error code, 0 when Twilio gave none.
	Code    int
	Message string
}

// Error says what failed with Twilio's code and message, which are what users search for.
// It never contains a credential: a URL Twilio's message repeats loses its user
// information.
func (e *Error) Error() string {
	msg := redact.URLs(e.Message)
	if e.Code != 0 {
		return fmt.Sprintf("%s: twilio error %d: %s (HTTP %d)", e.Op, e.Code, msg, e.Status)
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s: HTTP %d: %s", e.Op, e.Status, msg)
	}
	return fmt.Sprintf("%s: %s", e.Op, msg)
}

// ClassOf returns the class of err; errors that are not *Error are transient.
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ClassTransient
}

// CodeOf returns Twilio's error code of err, or 0.
func CodeOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// IsNotFound reports whether err says the Twilio object does not exist.
func IsNotFound(err error) bool { return err != nil && ClassOf(err) == ClassNotFound }

// classify turns what twilio-go returned for op into an *Error.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var classified *Error
	if errors.As(err, &classified) {
		return classified
	}
	var rest *twclient.TwilioRestError
	if errors.As(err, &rest) {
		return &Error{Class: classOfREST(rest.Status, rest.Code), Op: op, Status: rest.Status, Code: rest.Code, Message: rest.Message}
	}
	var restV1 *twclient.RestErrorV1
	if errors.As(err, &restV1) {
		return &Error{Class: classOfREST(restV1.HttpStatusCode, restV1.Code), Op: op,
			Status: restV1.HttpStatusCode, Code: restV1.Code, Message: restV1.Message}
	}
	return &Error{Class: ClassTransient, Op: op, Message: transportMessage(err)}
}

func classOfREST(status, code int) Class {
	switch {
	case code == CodeNumberInThisService:
		return ClassConflict
	case status == http.StatusUnauthorized, code == CodeAuthenticate, code == CodeForbidden,
		code == CodeInvalidUsername, code == CodeInvalidPassword:
		return ClassAuth
	case status == http.StatusNotFound, code == CodeNotFound:
		return ClassNotFound
	case status == http.StatusTooManyRequests, code == CodeTooManyRequests, code == CodeRetryLater,
		status >= http.StatusInternalServerError:
		return ClassTransient
	case status == http.StatusForbidden:
		return ClassAuth
	}
	return ClassUser
}

// transportMessage describes a failure without a response. A *url.Error carries the full
// request URL, which may hold userinfo from --twilio-api-url, so only its cause is kept.
func transportMessage(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "request timed out"
	case errors.Is(err, context.Canceled):
		return "request cancelled"
	}
	return err.Error()
}
