package controllers

import (
	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// servicePlan is every Twilio write one sync of a MessagingService makes, decided from
// the spec, the status and the observation alone. Messaging Services cost nothing to
// create or change, so every write of the plan is free; the deletion, the only
// destructive one, is decided by the deletion policy (messagingservice_delete.go).
type servicePlan struct {
	// stall is why nothing may be written (the annotated service does not exist, or
	// another object owns it).
	stall error
	// recreate is the SID of a service this object managed that was deleted outside the
	// operator: it is forgotten and a new one created.
	recreate string
	// create makes a new service with the spec's fields.
	create bool
	// target is the existing service the writes go to (nil when one is created).
	target *twilio.Service
	// adopt records the service the crash-recovery search found.
	adopt bool
	// claim claims the service before any other write to it.
	claim bool
	// update puts back the fields in drift; nil when none is.
	update *twilio.ServiceParams
	// drift is every field where Twilio differs from the spec: those update puts back,
	// and those Twilio kept when they were last sent (KeptByTwilio), which are not sent
	// again at this generation.
	drift []v1alpha1.DriftEntry
	// pool is the plan of the sender pool; nil when the pool is not known this sync.
	pool *poolPlan
}

// poolPlan makes the sender pool exactly spec.phoneNumbers.
type poolPlan struct {
	// numbers has one status per spec entry, as the pool stands before the writes:
	// Associated, NotFound (the lookup found no such number), or Pending (to add).
	numbers []v1alpha1.PhoneNumberStatus
	// remove are the pool's numbers no entry wants; removing goes first, freeing room
	// in a pool Twilio caps at 400.
	remove []twilio.PoolNumber
	// drift reports the pool's difference from the spec (ObserveOnly).
	drift *v1alpha1.DriftEntry
}

// writes counts the Twilio writes of the plan, for the write breaker.
func (p servicePlan) writes() int {
	n := 0
	if p.create {
		n++
	}
	if p.update != nil {
		n++
	}
	if p.pool != nil {
		n += len(p.pool.remove)
		for _, st := range p.pool.numbers {
			if st.State == v1alpha1.PhoneNumberPending && st.SID != "" {
				n++
			}
		}
	}
	return n
}

// planService decides the sync's writes. It is pure: the same object and observation
// always give the same plan.
func planService(obj *v1alpha1.MessagingService, obs serviceObservation) servicePlan {
	var p servicePlan
	sid := annotation(obj, v1alpha1.SIDAnnotation)
	switch {
	case obs.claim == claimTaken:
		p.stall = errAlreadyManaged("Messaging Service", obs.service.SID, remedyAnnotated)
		return p
	case obs.gone && obj.Status.SID != sid:
		p.stall = stall(v1alpha1.ReasonSidNotFound, "Messaging Service %s (annotation %s) does not exist in account %s",
			sid, v1alpha1.SIDAnnotation, obj.Status.AccountSID)
		return p
	case obs.gone && obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly:
		p.stall = stall(v1alpha1.ReasonSidNotFound, "Messaging Service %s was deleted from account %s outside the operator",
			sid, obj.Status.AccountSID)
		return p
	case obs.gone:
		p.recreate, p.create = sid, true
	case obs.service == nil:
		p.create = true
	default:
		p.target = obs.service
		p.adopt = obs.recovered
		p.claim = obs.claim != claimMine
	}
	if obs.serviceRead && !p.create {
		p.update, p.drift = planServiceUpdate(obj, obs.service)
	}
	if obs.poolKnown {
		p.pool = planPool(obj.Spec.PhoneNumbers, obs.pool, obs.lookups)
	}
	return p
}

// planServiceUpdate is the update that puts back every field in drift, but those
// Twilio kept when the operator last sent them at this generation.
func planServiceUpdate(obj *v1alpha1.MessagingService, svc *twilio.Service) (*twilio.ServiceParams, []v1alpha1.DriftEntry) {
	update, drift := diffService(serviceParams(&obj.Spec), svc, keptByTwilio(obj, &obj.Status.CommonStatus))
	if update == (twilio.ServiceParams{}) {
		return nil, drift
	}
	return &update, drift
}

// keptByTwilio are the drift entries Twilio kept the last time the operator sent them,
// while the spec has not changed since: sending them again would only be refused or
// normalised again.
func keptByTwilio(obj conditioned, st *v1alpha1.CommonStatus) map[string]v1alpha1.DriftEntry {
	if st.ObservedGeneration != obj.GetGeneration() {
		return nil
	}
	kept := map[string]v1alpha1.DriftEntry{}
	for _, d := range st.Drift {
		if d.KeptByTwilio {
			kept[d.Field] = d
		}
	}
	return kept
}

// planPool matches the spec's entries with the pool: what is there, what to add (with
// the PN SIDs lookups resolved) and what to remove.
func planPool(desired []string, pool []twilio.PoolNumber, lookups map[string]string) *poolPlan {
	statuses, extra := matchPool(desired, pool)
	for i := range statuses {
		st := &statuses[i]
		if st.State != v1alpha1.PhoneNumberPending || st.SID != "" {
			continue
		}
		if sid, looked := lookups[st.PhoneNumber]; looked {
			if sid == "" {
				st.State = v1alpha1.PhoneNumberNotFound
			}
			st.SID = sid
		}
	}
	return &poolPlan{numbers: statuses, remove: extra, drift: poolDrift(statuses, pool, extra)}
}
