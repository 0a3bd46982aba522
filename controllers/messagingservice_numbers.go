package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// numbers makes the sender pool exactly spec.phoneNumbers, when the spec sets it.
// created says the service was just created, so its pool is known to be empty; read
// says this sync reads the pool.
func (run *msRun) numbers(ctx context.Context, serviceSID string, created, read bool) error {
	desired := run.obj.Spec.PhoneNumbers
	if desired == nil {
		run.obj.Status.PhoneNumbers, run.obj.Status.AssociatedNumbers = nil, ""
		return nil
	}
	if !read && !created {
		return run.poolProblems() // this resync reads the service only
	}
	var pool []twilio.PoolNumber
	if !created {
		var err error
		if pool, err = run.tw.ListPoolNumbers(ctx, serviceSID); err != nil {
			return fmt.Errorf("cannot read the sender pool of Messaging Service %s: %w", serviceSID, err)
		}
	}
	statuses, extra := matchPool(desired, pool)
	if run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		run.setPoolStatus(statuses)
		if drift := poolDrift(statuses, pool, extra); drift != nil {
			run.obj.Status.Drift = append(run.obj.Status.Drift, *drift)
		}
		return nil
	}
	removed, added, err := run.applyPool(ctx, serviceSID, statuses, extra)
	if err != nil {
		run.setPoolStatus(statuses)
		return err
	}
	run.setPoolStatus(statuses)
	if !created && added+removed > 0 {
		log.FromContext(ctx).Info("Updated sender pool", "sid", serviceSID, "added", added, "removed", removed)
		run.events.Eventf(run.obj, nil, "Normal", "Updated", "Update",
			"Added %d and removed %d phone numbers in the sender pool of Messaging Service %s", added, removed, serviceSID)
	}
	return run.poolProblems()
}

// applyPool removes the extra numbers and adds the pending ones. It reports how many
// numbers it removed and added.
func (run *msRun) applyPool(ctx context.Context, serviceSID string, statuses []v1alpha1.PhoneNumberStatus,
	extra []twilio.PoolNumber) (removed, added int, err error) {
	// Removing first frees room in a pool that Twilio caps at 400 numbers.
	for _, n := range extra {
		if err := run.tw.RemovePoolNumber(ctx, serviceSID, n.SID); err != nil && !twilio.IsNotFound(err) {
			return removed, added, fmt.Errorf("cannot remove %s from the sender pool of Messaging Service %s: %w",
				n.PhoneNumber, serviceSID, err)
		}
		removed++
	}
	for i := range statuses {
		if statuses[i].State != v1alpha1.PhoneNumberPending {
			continue
		}
		ok, err := run.associate(ctx, serviceSID, &statuses[i], statuses)
		if err != nil {
			return removed, added, err
		}
		if ok {
			added++
		}
	}
	return removed, added, nil
}

// associate resolves one pending entry to its PN SID and adds it to the pool. Problems
// of that one number become its state; only errors that stop the whole sync are
// returned. It reports whether a number was added.
func (run *msRun) associate(ctx context.Context, serviceSID string, st *v1alpha1.PhoneNumberStatus,
	all []v1alpha1.PhoneNumberStatus) (bool, error) {
	account := run.tw.AccountSID()
	if st.SID == "" {
		n, err := run.tw.FindIncomingNumber(ctx, st.PhoneNumber)
		switch {
		case twilio.IsNotFound(err):
			st.State, st.Message = v1alpha1.PhoneNumberNotFound, "not a phone number of account "+account
			return false, nil
		case err != nil:
			return false, fmt.Errorf("cannot look up phone number %s: %w", st.PhoneNumber, err)
		}
		st.SID = n.SID
	}
	for _, other := range all {
		if other.SID == st.SID && other.State == v1alpha1.PhoneNumberAssociated {
			st.State = v1alpha1.PhoneNumberAssociated // listed twice, as E.164 and as PN SID
			return false, nil
		}
	}
	err := run.tw.AddPoolNumber(ctx, serviceSID, st.SID)
	switch {
	case err == nil:
		st.State, st.Message = v1alpha1.PhoneNumberAssociated, ""
		return true, nil
	case twilio.CodeOf(err) == twilio.CodeNumberInOtherService:
		st.State, st.Message = v1alpha1.PhoneNumberInUseElsewhere, "in another Messaging Service (Twilio error 21712)"
	case twilio.IsNotFound(err), twilio.CodeOf(err) == twilio.CodeInvalidPhoneNumberSID:
		// Twilio answers a PN SID the account does not own with 21421.
		st.State, st.Message = v1alpha1.PhoneNumberNotFound, "not a phone number of account "+account
	case twilio.ClassOf(err) == twilio.ClassUser:
		st.Message = err.Error()
	default:
		return false, fmt.Errorf("cannot add %s to the sender pool of Messaging Service %s: %w", st.PhoneNumber, serviceSID, err)
	}
	return false, nil
}

// matchPool gives each desired entry its state from the pool (Associated or Pending)
// and returns the pool numbers that no entry wants.
func matchPool(desired []string, pool []twilio.PoolNumber) ([]v1alpha1.PhoneNumberStatus, []twilio.PoolNumber) {
	bySID, byNumber := map[string]twilio.PoolNumber{}, map[string]twilio.PoolNumber{}
	for _, n := range pool {
		bySID[n.SID], byNumber[n.PhoneNumber] = n, n
	}
	statuses := make([]v1alpha1.PhoneNumberStatus, len(desired))
	wanted := map[string]bool{}
	for i, entry := range desired {
		statuses[i] = v1alpha1.PhoneNumberStatus{PhoneNumber: entry, State: v1alpha1.PhoneNumberPending}
		if isPhoneNumberSID(entry) {
			statuses[i].SID = entry
		}
		n, ok := byNumber[entry]
		if !ok {
			n, ok = bySID[entry]
		}
		if ok {
			statuses[i].SID, statuses[i].State = n.SID, v1alpha1.PhoneNumberAssociated
			wanted[n.SID] = true
		}
	}
	var extra []twilio.PoolNumber
	for _, n := range pool {
		if !wanted[n.SID] {
			extra = append(extra, n)
		}
	}
	return statuses, extra
}

func isPhoneNumberSID(entry string) bool { return strings.HasPrefix(entry, "PN") }

// poolDrift describes, for ObserveOnly, how the pool differs from the spec.
func poolDrift(statuses []v1alpha1.PhoneNumberStatus, pool []twilio.PoolNumber, extra []twilio.PoolNumber) *v1alpha1.DriftEntry {
	missing := false
	for _, st := range statuses {
		missing = missing || st.State != v1alpha1.PhoneNumberAssociated
	}
	if !missing && len(extra) == 0 {
		return nil
	}
	desired := make([]string, 0, len(statuses))
	for _, st := range statuses {
		desired = append(desired, st.PhoneNumber)
	}
	actual := make([]string, 0, len(pool))
	for _, n := range pool {
		actual = append(actual, n.PhoneNumber)
	}
	sort.Strings(desired)
	sort.Strings(actual)
	return &v1alpha1.DriftEntry{Field: "phoneNumbers", Desired: strings.Join(desired, ", "), Actual: strings.Join(actual, ", ")}
}

func (run *msRun) setPoolStatus(statuses []v1alpha1.PhoneNumberStatus) {
	run.obj.Status.PhoneNumbers = statuses
	run.obj.Status.AssociatedNumbers = fraction(statuses, func(st v1alpha1.PhoneNumberStatus) bool {
		return st.State == v1alpha1.PhoneNumberAssociated
	})
}

// poolProblems turns numbers that cannot be associated into a Stalled reason that names
// them; the other numbers are associated all the same.
func (run *msRun) poolProblems() error {
	var notFound, inUse, invalid []string
	for _, st := range run.obj.Status.PhoneNumbers {
		switch {
		case st.State == v1alpha1.PhoneNumberNotFound:
			notFound = append(notFound, st.PhoneNumber)
		case st.State == v1alpha1.PhoneNumberInUseElsewhere:
			inUse = append(inUse, st.PhoneNumber)
		case st.State == v1alpha1.PhoneNumberPending && st.Message != "":
			invalid = append(invalid, st.PhoneNumber+": "+st.Message)
		}
	}
	var reason string
	var msgs []string
	if len(invalid) > 0 {
		reason = v1alpha1.ReasonInvalidSpec
		msgs = append(msgs, "Twilio refused to add "+strings.Join(invalid, "; "))
	}
	if len(inUse) > 0 {
		reason = v1alpha1.ReasonPhoneNumberInUse
		msgs = append(msgs, fmt.Sprintf("%s already in another Messaging Service (Twilio error 21712): remove %s there first",
			numbersPhrase(inUse), pronoun(inUse)))
	}
	if len(notFound) > 0 {
		reason = v1alpha1.ReasonPhoneNumberNotFound
		msgs = append(msgs, fmt.Sprintf("%s not owned by account %s", numbersPhrase(notFound), run.tw.AccountSID()))
	}
	if reason == "" {
		return nil
	}
	return stall(reason, "%s", strings.Join(msgs, "; "))
}

// numbersPhrase is "phone number +1… is" or "phone numbers +1…, +1… are".
func numbersPhrase(numbers []string) string {
	if len(numbers) == 1 {
		return "phone number " + numbers[0] + " is"
	}
	return "phone numbers " + strings.Join(numbers, ", ") + " are"
}

func pronoun(numbers []string) string {
	if len(numbers) == 1 {
		return "it"
	}
	return "them"
}
