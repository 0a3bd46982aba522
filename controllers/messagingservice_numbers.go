package controllers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// applyPool removes the numbers no entry wants, then adds the pending ones. Problems of
// one number (not the account's, in another service) become its state; only errors
// that stop the whole sync are returned.
func (run *msRun) applyPool(ctx context.Context, tw twilio.Client, res serviceResult, p *poolPlan, created bool) (serviceResult, error) {
	serviceSID := res.service.SID
	res.numbers = slices.Clone(p.numbers)
	for _, n := range p.remove {
		err := tw.RemovePoolNumber(ctx, serviceSID, n.SID)
		run.breaker.wrote(run.obj)
		if err != nil && !twilio.IsNotFound(err) {
			return res, fmt.Errorf("cannot remove %s from the sender pool of Messaging Service %s: %w", n.PhoneNumber, serviceSID, err)
		}
		res.removed++
	}
	first := map[string]int{} // PN SID → the entry that adds it: one listed twice is added once
	for i := range res.numbers {
		st := &res.numbers[i]
		if st.State != v1alpha1.PhoneNumberPending || st.SID == "" {
			continue
		}
		if j, ok := first[st.SID]; ok {
			st.State, st.Message = res.numbers[j].State, res.numbers[j].Message
			continue
		}
		first[st.SID] = i
		added, err := run.addNumber(ctx, tw, serviceSID, st)
		if err != nil {
			return res, err
		}
		if added {
			res.added++
		}
	}
	if !created && res.added+res.removed > 0 {
		log.FromContext(ctx).Info("Updated sender pool", "sid", serviceSID, "added", res.added, "removed", res.removed)
		run.events.normal(run.obj, reasonUpdated, actionUpdate,
			"Added %d and removed %d phone numbers in the sender pool of Messaging Service %s", res.added, res.removed, serviceSID)
	}
	return res, nil
}

// addNumber adds one number to the pool and sets its state. It reports whether the
// number was added.
func (run *msRun) addNumber(ctx context.Context, tw twilio.Client, serviceSID string, st *v1alpha1.PhoneNumberStatus) (bool, error) {
	err := tw.AddPoolNumber(ctx, serviceSID, st.SID)
	run.breaker.wrote(run.obj)
	switch {
	case err == nil:
		st.State, st.Message = v1alpha1.PhoneNumberAssociated, ""
		return true, nil
	case twilio.CodeOf(err) == twilio.CodeNumberInOtherService:
		st.State, st.Message = v1alpha1.PhoneNumberInUseElsewhere, "in another Messaging Service (Twilio error 21712)"
	case twilio.IsNotFound(err), twilio.CodeOf(err) == twilio.CodeInvalidPhoneNumberSID:
		// Twilio answers a PN SID the account does not own with 21421.
		st.State, st.Message = v1alpha1.PhoneNumberNotFound, "not a phone number of account "+tw.AccountSID()
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

// setPoolStatus records the pool's statuses; nil (the spec leaves the pool unmanaged)
// clears them.
func (run *msRun) setPoolStatus(statuses []v1alpha1.PhoneNumberStatus) {
	if run.obj.Spec.PhoneNumbers == nil {
		run.obj.Status.PhoneNumbers, run.obj.Status.AssociatedNumbers = nil, ""
		return
	}
	// A number's inbound route is the account's, read apart from the pool: a number
	// still associated keeps the route last seen until the next check.
	routes := map[string]v1alpha1.PhoneNumberStatus{}
	for _, old := range run.obj.Status.PhoneNumbers {
		if old.State == v1alpha1.PhoneNumberAssociated && old.InboundRoute != "" {
			routes[old.SID] = old
		}
	}
	for i := range statuses {
		if old, ok := routes[statuses[i].SID]; ok && statuses[i].State == v1alpha1.PhoneNumberAssociated && statuses[i].Message == "" {
			statuses[i].InboundRoute, statuses[i].Message = old.InboundRoute, old.Message
		}
	}
	run.obj.Status.PhoneNumbers = statuses
	run.obj.Status.AssociatedNumbers = fraction(statuses, func(st v1alpha1.PhoneNumberStatus) bool {
		return st.State == v1alpha1.PhoneNumberAssociated
	})
}

// poolProblems turns numbers that cannot be associated into a Stalled reason that names
// them; the other numbers are associated all the same.
func (run *msRun) poolProblems(account string) error {
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
		msgs = append(msgs, fmt.Sprintf("%s not owned by account %s", numbersPhrase(notFound), account))
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
