package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// serviceObservation is what one sync learned of the Twilio side of a MessagingService:
// reads only. Nothing in it was written.
type serviceObservation struct {
	// service is the Messaging Service to manage: the annotated one, or the one the
	// crash-recovery search found; nil when there is none yet. When the sync did not read
	// it (a resync that reads the pool), it holds only the SID.
	service *twilio.Service
	// serviceRead says service was read from Twilio this sync.
	serviceRead bool
	// recovered says service was found by the search after an interrupted create.
	recovered bool
	// gone says the annotated service does not exist in Twilio (404).
	gone bool
	// claim says who owns the service (ObserveOnly objects do not look).
	claim claimState
	// pool is the sender pool; poolKnown says it is known: read this sync, or empty
	// because the service is yet to be created.
	pool      []twilio.PoolNumber
	poolKnown bool
	// lookups are the PN SIDs of the E.164 numbers the pool lacks, as the account's
	// numbers resolve them: "" for a number the account does not own.
	lookups map[string]string
}

// observe reads what the sync needs to decide: the service (by SID, or by the
// crash-recovery search), its owner, its pool and the numbers to add.
func (run *msRun) observe(ctx context.Context, tw twilio.Client, scope readScope) (serviceObservation, error) {
	obs, err := run.observeService(ctx, tw, scope)
	if err != nil {
		return obs, err
	}
	if obs.service != nil && !run.observeOnly() {
		if obs.claim, err = run.claimState(ctx, run.obj, obs.service.SID); err != nil || obs.claim == claimTaken {
			return obs, err
		}
	}
	if obs.gone && !recreatesService(run.obj, annotation(run.obj, v1alpha1.SIDAnnotation)) {
		return obs, nil
	}
	return obs, run.observePool(ctx, tw, &obs, scope)
}

// observeService reads the service by its SID, when this sync reads it, or searches
// for the one an interrupted create may have made.
func (run *msRun) observeService(ctx context.Context, tw twilio.Client, scope readScope) (serviceObservation, error) {
	var obs serviceObservation
	sid, err := run.serviceSID(ctx)
	switch {
	case err != nil:
		return obs, err
	case sid == "" && annotation(run.obj, v1alpha1.CreatePendingAnnotation) != "":
		if obs.service, err = run.findCreated(ctx, tw); err != nil {
			return obs, err
		}
		obs.recovered, obs.serviceRead = obs.service != nil, obs.service != nil
	case sid != "" && scope.service:
		svc, err := tw.FetchService(ctx, sid)
		switch {
		case twilio.IsNotFound(err):
			obs.gone = true
		case err != nil:
			return obs, fmt.Errorf("cannot read Messaging Service %s: %w", sid, err)
		default:
			obs.service, obs.serviceRead = svc, true
		}
	case sid != "":
		obs.service = &twilio.Service{SID: sid}
	}
	return obs, nil
}

// serviceSID is the SID the object manages, checked before it goes into any request
// path. An object without one is read again from the API server first: a create is
// decided on, and the cache may lag behind the SID this operator recorded.
func (run *msRun) serviceSID(ctx context.Context) (string, error) {
	if annotation(run.obj, v1alpha1.SIDAnnotation) == "" {
		if run.observeOnly() {
			return "", stall(v1alpha1.ReasonSidNotFound,
				"managementPolicy is ObserveOnly: set the %s annotation to the Messaging Service to observe", v1alpha1.SIDAnnotation)
		}
		if err := refresh(ctx, run.direct, run.obj); err != nil {
			return "", err
		}
	}
	sid := annotation(run.obj, v1alpha1.SIDAnnotation)
	if sid == "" {
		return "", nil
	}
	return sid, checkSID("MG", "Messaging Service", "the "+v1alpha1.SIDAnnotation+" annotation", sid)
}

// recreatesService says whether a service gone from Twilio is created again: only one
// this object managed (its status has the SID), and only when it may write.
func recreatesService(obj *v1alpha1.MessagingService, sid string) bool {
	return obj.Status.SID == sid && obj.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserveOnly
}

// observePool reads the pool, when this sync reads it and the spec manages it, and
// resolves the E.164 numbers it lacks.
func (run *msRun) observePool(ctx context.Context, tw twilio.Client, obs *serviceObservation, scope readScope) error {
	desired := run.obj.Spec.PhoneNumbers
	if desired == nil {
		return nil
	}
	switch {
	case obs.service == nil || obs.gone:
		obs.poolKnown = true // to be created: its pool is empty
	case scope.pool || obs.recovered:
		pool, err := tw.ListPoolNumbers(ctx, obs.service.SID)
		if err != nil {
			return fmt.Errorf("cannot read the sender pool of Messaging Service %s: %w", obs.service.SID, err)
		}
		obs.pool, obs.poolKnown = pool, true
	default:
		return nil
	}
	if run.observeOnly() {
		return nil
	}
	statuses, _ := matchPool(desired, obs.pool)
	for _, st := range statuses {
		if st.State != v1alpha1.PhoneNumberPending || st.SID != "" {
			continue
		}
		if obs.lookups == nil {
			obs.lookups = map[string]string{}
		}
		n, err := tw.FindIncomingNumber(ctx, st.PhoneNumber)
		switch {
		case twilio.IsNotFound(err):
			obs.lookups[st.PhoneNumber] = ""
		case err != nil:
			return fmt.Errorf("cannot look up phone number %s: %w", st.PhoneNumber, err)
		default:
			obs.lookups[st.PhoneNumber] = n.SID
		}
	}
	return nil
}

// findCreated looks for the service an interrupted create may have made: same
// friendlyName, created at or after the marker on Twilio's clock, and owned by no other
// object. Several matches are AmbiguousAdoption: the operator never guesses.
func (run *msRun) findCreated(ctx context.Context, tw twilio.Client) (*twilio.Service, error) {
	since := createPendingSince(run.obj)
	all, err := tw.ListServices(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot search for a Messaging Service created before a restart: %w", err)
	}
	var matches []twilio.Service
	for _, s := range all {
		if s.FriendlyName != run.obj.Spec.FriendlyName || s.DateCreated.Before(since) {
			continue
		}
		state, err := run.claimState(ctx, run.obj, s.SID)
		if err != nil {
			return nil, err
		}
		if state != claimTaken {
			matches = append(matches, s)
		}
	}
	return onlyMatch(matches, func(s twilio.Service) string { return s.SID },
		fmt.Sprintf("Messaging Services named %q", run.obj.Spec.FriendlyName))
}

// refresh replaces obj's metadata and spec with the API server's latest version before
// a create decision, so that decision never rests on a cache lagging behind the
// operator's own last write.
func refresh(ctx context.Context, direct client.Reader, obj conditioned) error {
	latest := obj.DeepCopyObject().(conditioned)
	if err := direct.Get(ctx, client.ObjectKeyFromObject(obj), latest); err != nil {
		return err
	}
	if latest.GetResourceVersion() == obj.GetResourceVersion() {
		return nil
	}
	switch o := obj.(type) {
	case *v1alpha1.MessagingService:
		l := latest.(*v1alpha1.MessagingService)
		o.ObjectMeta, o.Spec = l.ObjectMeta, l.Spec
	case *v1alpha1.A2PRegistration:
		l := latest.(*v1alpha1.A2PRegistration)
		o.ObjectMeta, o.Spec = l.ObjectMeta, l.Spec
	}
	return nil
}
