package controllers

import (
	"reflect"
	"strings"
	"testing"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// Every spec field that stands for a Twilio field must reach Twilio's parameters and
// the diff: a field added to the API but forgotten in either would be accepted and then
// silently never sent, or never put back. These tests find the fields by reflection, so
// a new field fails them until it is carried through.

// notTwilioFields are spec fields with no Twilio field of their own.
var notTwilioFields = map[string]bool{
	"credentialsRef": true, "deletionPolicy": true, "managementPolicy": true,
	"phoneNumbers":        true,                              // the sender pool: its own requests, see messagingservice_numbers.go
	"messagingServiceRef": true, "messagingServiceSid": true, // where the campaign goes, not what it says
	"exportTo": true, // a ConfigMap in the cluster, see export.go
}

func TestEveryServiceFieldReachesTwilioAndTheDiff(t *testing.T) {
	for _, field := range jsonFields(reflect.TypeFor[v1alpha1.MessagingServiceSpec]()) {
		if notTwilioFields[field.json] {
			continue
		}
		t.Run(field.json, func(t *testing.T) {
			var spec v1alpha1.MessagingServiceSpec
			setSample(t, reflect.ValueOf(&spec).Elem().FieldByName(field.goName))
			params := serviceParams(&spec)
			if sent := nonZeroFields(params); !containsFold(sent, field.goName) {
				t.Errorf("spec.%s does not reach Twilio's parameters (set: %v)", field.json, sent)
			}
			_, drift := diffService(params, &twilio.Service{}, nil)
			if !hasDrift(drift, field.json) {
				t.Errorf("spec.%s is not compared with Twilio's value (drift: %v)", field.json, drift)
			}
		})
	}
}

func TestEveryCampaignFieldReachesTwilioAndTheDiff(t *testing.T) {
	for _, field := range jsonFields(reflect.TypeFor[v1alpha1.CampaignSpec]()) {
		if notTwilioFields[field.json] {
			continue
		}
		t.Run(field.json, func(t *testing.T) {
			var spec v1alpha1.CampaignSpec
			setSample(t, reflect.ValueOf(&spec).Elem().FieldByName(field.goName))
			if sent := nonZeroFields(campaignParams(&spec, "BN00000000000000000000000000000001")); !containsFold(sent, field.goName) {
				t.Errorf("campaigns[].%s does not reach Twilio's create parameters (set: %v)", field.json, sent)
			}
			empty := ""
			updatable, immutable := diffCampaign("campaigns[0]", &spec, &twilio.Campaign{PrivacyPolicyURL: &empty, TermsAndConditionsURL: &empty}, nil)
			if !hasDrift(append(updatable, immutable...), "campaigns[0]."+field.json) {
				t.Errorf("campaigns[].%s is not compared with Twilio's value", field.json)
			}
		})
	}
}

type specField struct{ json, goName string }

func jsonFields(t reflect.Type) []specField {
	var out []specField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, specField{json: name, goName: f.Name})
		}
	}
	return out
}

// setSample gives v a value that is not its zero value and differs from what an empty
// Twilio object holds.
func setSample(t *testing.T, v reflect.Value) {
	t.Helper()
	if v.Kind() == reflect.Pointer {
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("https://sample.example/value")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int32, reflect.Int:
		v.SetInt(7)
	case reflect.Slice:
		v.Set(reflect.ValueOf([]string{"SAMPLE", "VALUE"}))
	default:
		t.Fatalf("no sample value for a %s", v.Kind())
	}
}

// nonZeroFields names the fields of a parameter struct that are set.
func nonZeroFields(params any) []string {
	v := reflect.ValueOf(params)
	var out []string
	for i := range v.NumField() {
		if !v.Field(i).IsZero() {
			out = append(out, v.Type().Field(i).Name)
		}
	}
	return out
}

// containsFold says whether names holds goName, ignoring case: the port's names differ
// from the API's in the case of initialisms (InboundRequestURL for InboundRequestUrl).
func containsFold(names []string, goName string) bool {
	for _, n := range names {
		if strings.EqualFold(n, goName) {
			return true
		}
	}
	return false
}

func hasDrift(drift []v1alpha1.DriftEntry, field string) bool {
	for _, d := range drift {
		if d.Field == field {
			return true
		}
	}
	return false
}
