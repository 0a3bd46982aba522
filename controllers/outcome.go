package controllers

import (
	"errors"
	"fmt"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// stalledError is a failure only the user can fix. It carries the condition reason;
// its message names what to fix.
type stalledError struct {
	reason string
	err    error
}

func (e *stalledError) Error() string { return e.err.Error() }
func (e *stalledError) Unwrap() error { return e.err }

// stall returns a stalledError with a formatted message (fmt.Errorf rules, %w allowed).
func stall(reason, format string, args ...any) error {
	return &stalledError{reason: reason, err: fmt.Errorf(format, args...)}
}

// waitingError is progress that depends on something outside the operator's control
// (vetting, another object becoming ready): Reconciling with its reason, and a poll.
// readyReason, when set, is the Ready condition's reason (AwaitingVetting).
type waitingError struct {
	reason      string
	readyReason string
	err         error
}

func (e *waitingError) Error() string { return e.err.Error() }

// waiting returns a waitingError with a formatted message.
func waiting(reason, format string, args ...any) error {
	return &waitingError{reason: reason, err: fmt.Errorf(format, args...)}
}

// awaitingVetting is waiting for the carriers: Ready says AwaitingVetting.
func awaitingVetting(reason, format string, args ...any) error {
	return &waitingError{reason: reason, readyReason: v1alpha1.ReasonAwaitingVetting, err: fmt.Errorf(format, args...)}
}

// outcome is what a failed step means for conditions and retries.
type outcome struct {
	stalled     bool
	waiting     bool
	transient   bool
	reason      string
	readyReason string
	message     string
}

// outcomeOf classifies the error of a reconcile in one place. Twilio user and auth
// errors that a step did not give a more specific reason become InvalidSpec and
// InvalidCredentials; everything else is transient and retried with backoff.
func outcomeOf(err error) outcome {
	var se *stalledError
	if errors.As(err, &se) {
		return outcome{stalled: true, reason: se.reason, message: se.Error()}
	}
	var we *waitingError
	if errors.As(err, &we) {
		return outcome{waiting: true, reason: we.reason, readyReason: we.readyReason, message: we.Error()}
	}
	switch twilio.ClassOf(err) {
	case twilio.ClassAuth:
		return outcome{stalled: true, reason: v1alpha1.ReasonInvalidCredentials,
			message: "Twilio rejected the credentials: " + err.Error()}
	case twilio.ClassUser:
		return outcome{stalled: true, reason: v1alpha1.ReasonInvalidSpec, message: "Twilio rejected the request: " + err.Error()}
	}
	return outcome{transient: true, reason: v1alpha1.ReasonRetrying, message: err.Error()}
}
