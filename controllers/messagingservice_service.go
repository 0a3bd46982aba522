package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// sidIndex indexes MessagingServices by the SID they manage, so that no two objects
// adopt the same Twilio service.
const sidIndex = "metadata.annotations.sid"

// service makes the Messaging Service exist and match the spec. It returns the service
// (only its SID when read is false) and whether it was created by this call.
func (run *msRun) service(ctx context.Context, read bool) (*twilio.Service, bool, error) {
	sid := annotation(run.obj, v1alpha1.SIDAnnotation)
	if sid == "" {
		return run.createOrRecover(ctx)
	}
	if !read {
		return &twilio.Service{SID: sid}, false, nil
	}
	svc, err := run.tw.FetchService(ctx, sid)
	if twilio.IsNotFound(err) {
		return run.serviceGone(ctx, sid)
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read Messaging Service %s: %w", sid, err)
	}
	if err := run.checkNotClaimed(ctx, sid); err != nil {
		return nil, false, err
	}
	run.observedService(svc)
	return run.update(ctx, svc)
}

// serviceGone handles a 404 for the annotated SID. A SID this object never saw is a
// failed adoption; a service it managed was deleted outside the operator and is
// recreated, unless the object only observes.
func (run *msRun) serviceGone(ctx context.Context, sid string) (*twilio.Service, bool, error) {
	account := run.tw.AccountSID()
	if run.obj.Status.SID != sid {
		return nil, false, stall(v1alpha1.ReasonSidNotFound,
			"Messaging Service %s (annotation %s) does not exist in account %s", sid, v1alpha1.SIDAnnotation, account)
	}
	if run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		return nil, false, stall(v1alpha1.ReasonSidNotFound,
			"Messaging Service %s was deleted from account %s outside the operator", sid, account)
	}
	run.events.Eventf(run.obj, nil, "Warning", "Recreating", "Create",
		"Messaging Service %s was deleted outside the operator; creating a new one", sid)
	if err := patchMetadata(ctx, run.Client, run.obj, func(o client.Object) {
		deleteAnnotation(o, v1alpha1.SIDAnnotation)
	}); err != nil {
		return nil, false, err
	}
	run.obj.Status.SID, run.obj.Status.PhoneNumbers = "", nil
	return run.createOrRecover(ctx)
}

// createOrRecover creates the service, unless an earlier create may have happened (the
// create-pending marker is set), in which case Twilio is searched first.
func (run *msRun) createOrRecover(ctx context.Context) (*twilio.Service, bool, error) {
	if run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		return nil, false, stall(v1alpha1.ReasonSidNotFound,
			"managementPolicy is ObserveOnly: set the %s annotation to the Messaging Service to observe", v1alpha1.SIDAnnotation)
	}
	if err := run.refresh(ctx); err != nil {
		return nil, false, err
	}
	if annotation(run.obj, v1alpha1.SIDAnnotation) != "" {
		return run.service(ctx, true) // the cache lagged behind the SID we recorded
	}
	if annotation(run.obj, v1alpha1.CreatePendingAnnotation) != "" {
		svc, err := run.findCreated(ctx)
		if err != nil || svc != nil {
			if svc != nil {
				err = run.adopt(ctx, svc)
			}
			if err != nil {
				return nil, false, err
			}
			return run.update(ctx, svc)
		}
	}
	return run.create(ctx)
}

// refresh replaces the object with the API server's latest version before a create
// decision, so that decision never rests on a cache lagging behind our own last write.
func (run *msRun) refresh(ctx context.Context) error {
	latest := &v1alpha1.MessagingService{}
	if err := run.direct.Get(ctx, client.ObjectKeyFromObject(run.obj), latest); err != nil {
		return err
	}
	if latest.ResourceVersion != run.obj.ResourceVersion {
		run.obj.ObjectMeta, run.obj.Spec = latest.ObjectMeta, latest.Spec
	}
	return nil
}

func (run *msRun) create(ctx context.Context) (*twilio.Service, bool, error) {
	markReconciling(run.obj, v1alpha1.ReasonCreating, "Creating the Messaging Service")
	twilioNow, err := run.tw.TwilioTime(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("cannot read Twilio's clock before a create: %w", err)
	}
	if err := markCreatePending(ctx, run.Client, run.obj, twilioNow); err != nil {
		return nil, false, err
	}
	svc, err := run.tw.CreateService(ctx, serviceParams(&run.obj.Spec))
	if err != nil {
		if cls := twilio.ClassOf(err); cls == twilio.ClassUser || cls == twilio.ClassAuth {
			// Twilio refused: nothing was created, so no search is needed next time.
			if clearErr := clearCreatePending(ctx, run.Client, run.obj); clearErr != nil {
				log.FromContext(ctx).Error(clearErr, "Failed to clear the create-pending marker")
			}
		}
		return nil, false, fmt.Errorf("cannot create Messaging Service: %w", err)
	}
	log.FromContext(ctx).Info("Created Messaging Service", "sid", svc.SID, "accountSid", svc.AccountSID)
	run.events.Eventf(run.obj, nil, "Normal", "Created", "Create", "Created Messaging Service %s", svc.SID)
	if err := recordSID(ctx, run.Client, run.obj, svc.SID); err != nil {
		return nil, false, err
	}
	run.observedService(svc)
	return svc, true, nil
}

// findCreated looks for the service an interrupted create may have made: same
// friendlyName, created at or after the marker, and not managed by another object.
func (run *msRun) findCreated(ctx context.Context) (*twilio.Service, error) {
	since := createPendingSince(run.obj)
	all, err := run.tw.ListServices(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot search for a Messaging Service created before a restart: %w", err)
	}
	var matches []twilio.Service
	for _, s := range all {
		if s.FriendlyName == run.obj.Spec.FriendlyName && !s.DateCreated.Before(since) && run.checkNotClaimed(ctx, s.SID) == nil {
			matches = append(matches, s)
		}
	}
	return onlyMatch(matches, func(s twilio.Service) string { return s.SID },
		fmt.Sprintf("Messaging Services named %q", run.obj.Spec.FriendlyName))
}

func (run *msRun) adopt(ctx context.Context, svc *twilio.Service) error {
	if err := recordSID(ctx, run.Client, run.obj, svc.SID); err != nil {
		return err
	}
	log.FromContext(ctx).Info("Recovered Messaging Service after an interrupted create", "sid", svc.SID)
	run.events.Eventf(run.obj, nil, "Normal", "Adopted", "Create",
		"Recovered Messaging Service %s created before an interruption", svc.SID)
	run.observedService(svc)
	return nil
}

// checkNotClaimed fails when another MessagingService already manages sid.
func (run *msRun) checkNotClaimed(ctx context.Context, sid string) error {
	list := &v1alpha1.MessagingServiceList{}
	if err := run.List(ctx, list, client.MatchingFields{sidIndex: sid}); err != nil {
		return err
	}
	for _, other := range list.Items {
		if other.UID != run.obj.UID {
			return stall(v1alpha1.ReasonAmbiguousAdoption,
				"Messaging Service %s is already managed by MessagingService %s/%s", sid, other.Namespace, other.Name)
		}
	}
	return nil
}

// update puts back every field the spec sets; in ObserveOnly it only reports drift.
func (run *msRun) update(ctx context.Context, svc *twilio.Service) (*twilio.Service, bool, error) {
	changes, drift := diffService(serviceParams(&run.obj.Spec), svc)
	run.obj.Status.Drift = drift
	if len(drift) == 0 || run.obj.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserveOnly {
		return svc, false, nil
	}
	markReconciling(run.obj, v1alpha1.ReasonUpdating, "Updating "+driftFields(drift))
	updated, err := run.tw.UpdateService(ctx, svc.SID, changes)
	if err != nil {
		return nil, false, fmt.Errorf("cannot update %s of Messaging Service %s: %w", driftFields(drift), svc.SID, err)
	}
	log.FromContext(ctx).Info("Updated Messaging Service", "sid", svc.SID, "fields", driftFields(drift))
	run.events.Eventf(run.obj, nil, "Normal", "Updated", "Update", "Updated %s of Messaging Service %s", driftFields(drift), svc.SID)
	run.obj.Status.Drift = nil
	run.observedService(updated)
	return updated, false, nil
}

// observedService copies what Twilio reports into status.
func (run *msRun) observedService(svc *twilio.Service) {
	run.obj.Status.AccountSID = svc.AccountSID
	run.obj.Status.UsAppToPersonRegistered = svc.UsAppToPersonRegistered
}
