package controllers

import (
	"testing"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// FuzzDiffService checks the spec-to-Twilio diff on arbitrary specs and Twilio states:
// a service that holds what the spec sets shows no drift; from any state, one update
// puts every set field back; and a field the spec omits is never sent or reported.
func FuzzDiffService(f *testing.F) {
	f.Add("Support", uint16(0xffff), uint16(0), "https://a.example/s", "https://b.example/s", "discussion", "poll", int32(600), 36000)
	f.Add("", uint16(0), uint16(0xffff), "", "x", "", "", int32(0), 0)
	f.Fuzz(func(t *testing.T, name string, set, bits uint16, wantURL, haveURL, wantUsecase, haveUsecase string, validity int32, haveValidity int) {
		spec := fuzzSpec(name, set, bits, wantURL, wantUsecase, validity)
		want := serviceParams(&spec)

		matching := apply(twilio.Service{}, want)
		if update, drift := diffService(want, &matching, nil); update != (twilio.ServiceParams{}) || drift != nil {
			t.Fatalf("a service that holds the spec drifts: %+v %+v", update, drift)
		}

		have := twilio.Service{FriendlyName: name + "x", StatusCallback: haveURL, Usecase: haveUsecase,
			ValidityPeriod: haveValidity, StickySender: bits&1 == 0, SmartEncoding: bits&2 == 0}
		update, drift := diffService(want, &have, nil)
		fixed := apply(have, update)
		if again, rest := diffService(want, &fixed, nil); again != (twilio.ServiceParams{}) || rest != nil {
			t.Fatalf("one update does not converge: %+v then %+v", update, again)
		}
		if apply(fixed, want) != fixed {
			t.Fatalf("after the update, Twilio still differs from the spec: %+v vs %+v", fixed, want)
		}
		if len(drift) != countSet(update) {
			t.Fatalf("drift %v does not match the update %+v", drift, update)
		}
		if spec.StatusCallback == nil && update.StatusCallback != nil || spec.Usecase == nil && update.Usecase != nil ||
			spec.ValidityPeriod == nil && update.ValidityPeriod != nil || spec.StickySender == nil && update.StickySender != nil {
			t.Fatalf("an omitted field is sent: spec %+v update %+v", spec, update)
		}
	})
}

// fuzzSpec sets the optional fields whose bit is set in set, with values from bits.
func fuzzSpec(name string, set, bits uint16, url, usecase string, validity int32) v1alpha1.MessagingServiceSpec {
	spec := v1alpha1.MessagingServiceSpec{FriendlyName: name}
	flag := func(i uint) *bool {
		if set&(1<<i) == 0 {
			return nil
		}
		v := bits&(1<<i) != 0
		return &v
	}
	spec.UseInboundWebhookOnNumber, spec.StickySender, spec.MmsConverter = flag(0), flag(1), flag(2)
	spec.SmartEncoding, spec.FallbackToLongCode, spec.AreaCodeGeomatch, spec.SynchronousValidation = flag(3), flag(4), flag(5), flag(6)
	if set&(1<<7) != 0 {
		u := v1alpha1.URL(url)
		spec.StatusCallback, spec.InboundRequestURL, spec.FallbackURL = &u, &u, &u
	}
	if set&(1<<8) != 0 {
		spec.Usecase, spec.ScanMessageContent = &usecase, &usecase
	}
	if set&(1<<9) != 0 {
		spec.ValidityPeriod = &validity
	}
	if set&(1<<10) != 0 {
		m := v1alpha1.HTTPMethod(usecase)
		spec.InboundMethod, spec.FallbackMethod = &m, &m
	}
	return spec
}

// apply is what Twilio does with an update: every field sent replaces its value.
func apply(s twilio.Service, p twilio.ServiceParams) twilio.Service {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setBool := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.FriendlyName, p.FriendlyName)
	set(&s.InboundRequestURL, p.InboundRequestURL)
	set(&s.InboundMethod, p.InboundMethod)
	set(&s.FallbackURL, p.FallbackURL)
	set(&s.FallbackMethod, p.FallbackMethod)
	set(&s.StatusCallback, p.StatusCallback)
	set(&s.ScanMessageContent, p.ScanMessageContent)
	set(&s.Usecase, p.Usecase)
	setBool(&s.StickySender, p.StickySender)
	setBool(&s.MmsConverter, p.MmsConverter)
	setBool(&s.SmartEncoding, p.SmartEncoding)
	setBool(&s.FallbackToLongCode, p.FallbackToLongCode)
	setBool(&s.AreaCodeGeomatch, p.AreaCodeGeomatch)
	setBool(&s.SynchronousValidation, p.SynchronousValidation)
	setBool(&s.UseInboundWebhookOnNumber, p.UseInboundWebhookOnNumber)
	if p.ValidityPeriod != nil {
		s.ValidityPeriod = *p.ValidityPeriod
	}
	return s
}

func countSet(p twilio.ServiceParams) int {
	n := 0
	for _, set := range []bool{p.FriendlyName != nil, p.InboundRequestURL != nil, p.InboundMethod != nil, p.FallbackURL != nil,
		p.FallbackMethod != nil, p.StatusCallback != nil, p.StickySender != nil, p.MmsConverter != nil, p.SmartEncoding != nil,
		p.ScanMessageContent != nil, p.FallbackToLongCode != nil, p.AreaCodeGeomatch != nil, p.ValidityPeriod != nil,
		p.SynchronousValidation != nil, p.Usecase != nil, p.UseInboundWebhookOnNumber != nil} {
		if set {
			n++
		}
	}
	return n
}
