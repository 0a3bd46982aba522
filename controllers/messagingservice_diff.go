package controllers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// serviceParams is every field the spec sets, in Twilio's terms. Fields the spec omits
// stay nil: they are never sent, so Twilio's value stands.
func serviceParams(spec *v1alpha1.MessagingServiceSpec) twilio.ServiceParams {
	var validity *int
	if spec.ValidityPeriod != nil {
		v := int(*spec.ValidityPeriod)
		validity = &v
	}
	return twilio.ServiceParams{
		FriendlyName:              &spec.FriendlyName,
		InboundRequestURL:         (*string)(spec.InboundRequestURL),
		InboundMethod:             (*string)(spec.InboundMethod),
		FallbackURL:               (*string)(spec.FallbackURL),
		FallbackMethod:            (*string)(spec.FallbackMethod),
		StatusCallback:            (*string)(spec.StatusCallback),
		StickySender:              spec.StickySender,
		MmsConverter:              spec.MmsConverter,
		SmartEncoding:             spec.SmartEncoding,
		ScanMessageContent:        spec.ScanMessageContent,
		FallbackToLongCode:        spec.FallbackToLongCode,
		AreaCodeGeomatch:          spec.AreaCodeGeomatch,
		ValidityPeriod:            validity,
		SynchronousValidation:     spec.SynchronousValidation,
		Usecase:                   spec.Usecase,
		UseInboundWebhookOnNumber: spec.UseInboundWebhookOnNumber,
	}
}

// diffService compares the fields want sets with what Twilio holds. It returns the
// update that puts them back and one drift entry per differing field. A difference
// that kept holds unchanged (Twilio kept its value when it was last sent, at this
// generation) is reported with KeptByTwilio and left out of the update.
func diffService(want twilio.ServiceParams, have *twilio.Service, kept map[string]v1alpha1.DriftEntry) (twilio.ServiceParams, []v1alpha1.DriftEntry) {
	var u twilio.ServiceParams
	d := &drifts{kept: kept}
	diffField(d, "friendlyName", want.FriendlyName, have.FriendlyName, &u.FriendlyName)
	diffField(d, "useInboundWebhookOnNumber", want.UseInboundWebhookOnNumber, have.UseInboundWebhookOnNumber, &u.UseInboundWebhookOnNumber)
	diffField(d, "inboundRequestUrl", want.InboundRequestURL, have.InboundRequestURL, &u.InboundRequestURL)
	diffField(d, "inboundMethod", want.InboundMethod, have.InboundMethod, &u.InboundMethod)
	diffField(d, "fallbackUrl", want.FallbackURL, have.FallbackURL, &u.FallbackURL)
	diffField(d, "fallbackMethod", want.FallbackMethod, have.FallbackMethod, &u.FallbackMethod)
	diffField(d, "statusCallback", want.StatusCallback, have.StatusCallback, &u.StatusCallback)
	diffField(d, "stickySender", want.StickySender, have.StickySender, &u.StickySender)
	diffField(d, "mmsConverter", want.MmsConverter, have.MmsConverter, &u.MmsConverter)
	diffField(d, "smartEncoding", want.SmartEncoding, have.SmartEncoding, &u.SmartEncoding)
	diffField(d, "scanMessageContent", want.ScanMessageContent, have.ScanMessageContent, &u.ScanMessageContent)
	diffField(d, "fallbackToLongCode", want.FallbackToLongCode, have.FallbackToLongCode, &u.FallbackToLongCode)
	diffField(d, "areaCodeGeomatch", want.AreaCodeGeomatch, have.AreaCodeGeomatch, &u.AreaCodeGeomatch)
	diffField(d, "validityPeriod", want.ValidityPeriod, have.ValidityPeriod, &u.ValidityPeriod)
	diffField(d, "synchronousValidation", want.SynchronousValidation, have.SynchronousValidation, &u.SynchronousValidation)
	diffField(d, "usecase", want.Usecase, have.Usecase, &u.Usecase)
	return u, d.entries
}

// drifts collects drift entries; kept are the entries Twilio kept the last time they
// were sent (see diffService).
type drifts struct {
	entries []v1alpha1.DriftEntry
	kept    map[string]v1alpha1.DriftEntry
}

// add records one drift entry and reports whether the field is to be written.
func (d *drifts) add(e v1alpha1.DriftEntry) bool {
	e.Desired, e.Actual = redact(e.Desired), redact(e.Actual)
	if k, ok := d.kept[e.Field]; ok && k.Desired == e.Desired && k.Actual == e.Actual {
		e.KeptByTwilio = true
	}
	d.entries = append(d.entries, e)
	return !e.KeptByTwilio
}

// diffField records one field that differs: unset (nil) is unmanaged and never differs.
// When set is not nil, it receives want, building the update that puts the field back.
func diffField[T comparable](d *drifts, name string, want *T, have T, set **T) {
	if want == nil || *want == have {
		return
	}
	if d.add(v1alpha1.DriftEntry{Field: name, Desired: fmt.Sprint(*want), Actual: fmt.Sprint(have)}) && set != nil {
		*set = want
	}
}

// diffList is diffField for lists: nil is unmanaged; order matters.
func diffList(d *drifts, name string, want, have []string) {
	if want == nil || slices.Equal(want, have) {
		return
	}
	d.add(v1alpha1.DriftEntry{Field: name, Desired: strings.Join(want, " | "), Actual: strings.Join(have, " | ")})
}

// driftFields lists the fields of drift entries for messages: "friendlyName, usecase".
func driftFields(drift []v1alpha1.DriftEntry) string {
	names := make([]string, 0, len(drift))
	for _, d := range drift {
		names = append(names, d.Field)
	}
	return strings.Join(names, ", ")
}
