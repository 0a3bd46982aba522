package controllers

import (
	"fmt"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// report writes what a sync observed and did into the status (in memory: the loop
// writes the status once, at the end).
func (run *msRun) report(obs serviceObservation, p servicePlan, res serviceResult) {
	if res.service != nil {
		// The sync wrote, or may write, to this service: the object owns it.
		run.obj.Status.SID = res.service.SID
	}
	if res.service != nil && (obs.serviceRead || p.create || p.update != nil) {
		run.observedService(res.service)
		run.obj.Status.Drift = res.drift
	}
	if run.obj.Spec.PhoneNumbers == nil || res.numbers != nil {
		run.setPoolStatus(res.numbers)
	}
}

// reportObserved is the report of an ObserveOnly sync: the plan's writes are not made,
// they are the drift.
func (run *msRun) reportObserved(obs serviceObservation, p servicePlan) error {
	if obs.service != nil && obs.serviceRead {
		run.obj.Status.SID = obs.service.SID
		run.observedService(obs.service)
	}
	drift := p.drift
	if p.pool != nil {
		run.setPoolStatus(p.pool.numbers)
		if p.pool.drift != nil {
			drift = append(drift, *p.pool.drift)
		}
	}
	run.obj.Status.Drift = drift
	run.obj.Status.LastSyncTime = run.now()
	if len(drift) > 0 {
		markNotReady(run.obj, v1alpha1.ReasonDriftDetected, fmt.Sprintf(
			"Twilio differs from the spec in %s; managementPolicy is ObserveOnly, so nothing is changed", driftFields(drift)))
		return nil
	}
	markReady(run.obj, v1alpha1.ReasonAvailable, "Messaging Service "+obs.service.SID+" matches the spec")
	return nil
}

// readiness is the outcome of a sync that wrote what it planned: Stalled for numbers
// that cannot join the pool, else Ready (with the fields Twilio keeps as it will named).
func (run *msRun) readiness(sid string) error {
	run.obj.Status.LastSyncTime = run.now()
	if err := run.poolProblems(run.obj.Status.AccountSID); err != nil {
		return err
	}
	msg := "Messaging Service " + sid + " matches the spec"
	if kept := run.obj.Status.Drift; len(kept) > 0 {
		msg += fmt.Sprintf(" but for %s, whose value Twilio keeps as it is (status.drift)", driftFields(kept))
	}
	markReady(run.obj, v1alpha1.ReasonAvailable, msg)
	return nil
}

// observedService copies what Twilio reports into status.
func (run *msRun) observedService(svc *twilio.Service) {
	run.obj.Status.AccountSID = svc.AccountSID
	run.obj.Status.UsAppToPersonRegistered = svc.UsAppToPersonRegistered
}
