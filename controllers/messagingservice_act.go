package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// serviceResult is what the executor leaves behind: the service as Twilio last
// answered, the pool's statuses after the writes, and the drift that remains.
type serviceResult struct {
	service *twilio.Service
	numbers []v1alpha1.PhoneNumberStatus
	drift   []v1alpha1.DriftEntry
	added   int
	removed int
}

// execute carries out a plan: the one place a MessagingService writes to Twilio. Each
// write is guarded as its kind needs: a create by the create-pending marker, every
// write to an existing service by its claim, and all of them by the write breaker.
func (run *msRun) execute(ctx context.Context, tw twilio.Client, p servicePlan) (serviceResult, error) {
	res := serviceResult{drift: p.drift}
	if err := run.breaker.allow(run.obj, p.writes()); err != nil {
		return res, err
	}
	var err error
	switch {
	case p.recreate != "":
		if res.service, err = run.recreateService(ctx, tw, p.recreate); err == nil {
			res.drift = run.keptByTwilio(res.service)
		}
	case p.create:
		if res.service, err = run.createService(ctx, tw); err == nil {
			res.drift = run.keptByTwilio(res.service)
		}
	case p.claim || p.adopt:
		err = run.claim(ctx, run.obj, "Messaging Service", p.target.SID)
		res.service = p.target
	default:
		res.service = p.target
	}
	if err != nil {
		return serviceResult{drift: p.drift}, err
	}
	if p.adopt {
		if err := run.adoptService(ctx, p.target.SID); err != nil {
			return res, err
		}
	}
	if p.update != nil {
		u, err := run.updateService(ctx, tw, res.service.SID, *p.update, p.drift)
		if err != nil {
			return res, err
		}
		res.service, res.drift = u.service, u.drift
	}
	if p.pool != nil {
		return run.applyPool(ctx, tw, res, p.pool, p.create)
	}
	return res, nil
}

// adoptService records the service an interrupted create made.
func (run *msRun) adoptService(ctx context.Context, sid string) error {
	if err := recordSID(ctx, run.Client, run.obj, sid); err != nil {
		return err
	}
	log.FromContext(ctx).Info("Recovered Messaging Service after an interrupted create", "sid", sid)
	run.events.normal(run.obj, reasonAdopted, actionCreate, "Recovered Messaging Service %s created before an interruption", sid)
	return nil
}

// recreateService forgets a service deleted outside the operator and creates a new one.
func (run *msRun) recreateService(ctx context.Context, tw twilio.Client, gone string) (*twilio.Service, error) {
	run.events.warning(run.obj, reasonRecreating, actionCreate,
		"Messaging Service %s was deleted outside the operator; creating a new one", gone)
	if err := patchMetadata(ctx, run.Client, run.obj, func(o client.Object) {
		deleteAnnotation(o, v1alpha1.SIDAnnotation)
	}); err != nil {
		return nil, err
	}
	if err := run.release(ctx, run.obj, gone); err != nil {
		return nil, err
	}
	run.obj.Status.SID, run.obj.Status.PhoneNumbers = "", nil
	return run.createService(ctx, tw)
}

// createService creates the service, crash-safely: the create-pending marker (on
// Twilio's clock) is written first, the claim and the SID right after Twilio answers.
func (run *msRun) createService(ctx context.Context, tw twilio.Client) (*twilio.Service, error) {
	markReconciling(run.obj, v1alpha1.ReasonCreating, "Creating the Messaging Service")
	twilioNow, err := tw.TwilioTime(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read Twilio's clock before a create: %w", err)
	}
	if err := markCreatePending(ctx, run.Client, run.obj, twilioNow); err != nil {
		return nil, err
	}
	svc, err := tw.CreateService(ctx, serviceParams(&run.obj.Spec))
	run.breaker.wrote(run.obj)
	if err != nil {
		if cls := twilio.ClassOf(err); cls == twilio.ClassUser || cls == twilio.ClassAuth {
			// Twilio refused: nothing was created, so no search is needed next time.
			if clearErr := clearCreatePending(ctx, run.Client, run.obj); clearErr != nil {
				log.FromContext(ctx).Error(clearErr, "Failed to clear the create-pending marker")
			}
		}
		return nil, fmt.Errorf("cannot create Messaging Service: %w", err)
	}
	log.FromContext(ctx).Info("Created Messaging Service", "sid", svc.SID, "accountSid", svc.AccountSID)
	run.events.normal(run.obj, reasonCreated, actionCreate, "Created Messaging Service %s", svc.SID)
	if err := run.claimCreated(ctx, run.obj, "Messaging Service", svc.SID); err != nil {
		return nil, err
	}
	if err := recordSID(ctx, run.Client, run.obj, svc.SID); err != nil {
		return nil, err
	}
	return svc, nil
}

// updated is a service after an update, and the drift that remains: fields Twilio kept
// its own value of, marked so they are not sent again at this generation.
type updated struct {
	service *twilio.Service
	drift   []v1alpha1.DriftEntry
}

// updateService sends the fields in drift and checks that they stuck.
func (run *msRun) updateService(ctx context.Context, tw twilio.Client, sid string, p twilio.ServiceParams,
	drift []v1alpha1.DriftEntry) (updated, error) {
	sent := sentFields(drift)
	markReconciling(run.obj, v1alpha1.ReasonUpdating, "Updating "+sent)
	svc, err := tw.UpdateService(ctx, sid, p)
	run.breaker.wrote(run.obj)
	if err != nil {
		return updated{}, fmt.Errorf("cannot update %s of Messaging Service %s: %w", sent, sid, err)
	}
	log.FromContext(ctx).Info("Updated Messaging Service", "sid", sid, "fields", sent)
	run.events.normal(run.obj, reasonUpdated, actionUpdate, "Updated %s of Messaging Service %s", sent, sid)
	return updated{service: svc, drift: run.keptByTwilio(svc)}, nil
}

// keptByTwilio compares what Twilio answered to a create or an update with the spec:
// what Twilio answers is what it holds, so a field it ignored or normalised differs
// still. It is remembered (KeptByTwilio) instead of being written at every resync.
func (run *msRun) keptByTwilio(svc *twilio.Service) []v1alpha1.DriftEntry {
	_, after := diffService(serviceParams(&run.obj.Spec), svc, nil)
	for i := range after {
		after[i].KeptByTwilio = true
	}
	if len(after) > 0 {
		run.events.warning(run.obj, reasonKeptTwilio, actionUpdate,
			"Twilio kept its own value of %s of Messaging Service %s; it is not sent again until the spec changes",
			driftFields(after), svc.SID)
	}
	return after
}

// sentFields names the fields an update sends: the drift Twilio did not keep.
func sentFields(drift []v1alpha1.DriftEntry) string {
	var send []v1alpha1.DriftEntry
	for _, d := range drift {
		if !d.KeptByTwilio {
			send = append(send, d)
		}
	}
	return driftFields(send)
}
