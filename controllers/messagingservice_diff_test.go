package controllers

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

func TestDiffService(t *testing.T) {
	twilioSide := twilio.Service{
		SID: "MG1", FriendlyName: "Support", UseInboundWebhookOnNumber: true, StatusCallback: "https://a.example/s",
		StickySender: true, ValidityPeriod: 36000, Usecase: "discussion", ScanMessageContent: "inherit",
	}
	tests := map[string]struct {
		spec       v1alpha1.MessagingServiceSpec
		wantUpdate twilio.ServiceParams
		wantDrift  []v1alpha1.DriftEntry
	}{
		"fields the spec omits never differ": {
			spec: v1alpha1.MessagingServiceSpec{FriendlyName: "Support", UseInboundWebhookOnNumber: ptr.To(true)},
		},
		"equal values do not differ": {
			spec: v1alpha1.MessagingServiceSpec{FriendlyName: "Support", StickySender: ptr.To(true),
				ValidityPeriod: ptr.To[int32](36000), StatusCallback: ptr.To[v1alpha1.URL]("https://a.example/s")},
		},
		"a changed friendlyName is sent alone": {
			spec:       v1alpha1.MessagingServiceSpec{FriendlyName: "Support (Flex)"},
			wantUpdate: twilio.ServiceParams{FriendlyName: ptr.To("Support (Flex)")},
			wantDrift:  []v1alpha1.DriftEntry{{Field: "friendlyName", Desired: "Support (Flex)", Actual: "Support"}},
		},
		"a bool set to false is enforced against true": {
			spec:       v1alpha1.MessagingServiceSpec{FriendlyName: "Support", StickySender: ptr.To(false), UseInboundWebhookOnNumber: ptr.To(false)},
			wantUpdate: twilio.ServiceParams{StickySender: ptr.To(false), UseInboundWebhookOnNumber: ptr.To(false)},
			wantDrift: []v1alpha1.DriftEntry{
				{Field: "useInboundWebhookOnNumber", Desired: "false", Actual: "true"},
				{Field: "stickySender", Desired: "false", Actual: "true"},
			},
		},
		"a URL, an enum and a number set in the spec are put back": {
			spec: v1alpha1.MessagingServiceSpec{FriendlyName: "Support", InboundRequestURL: ptr.To[v1alpha1.URL]("https://b.example/in"),
				ScanMessageContent: ptr.To("disable"), ValidityPeriod: ptr.To[int32](600)},
			wantUpdate: twilio.ServiceParams{InboundRequestURL: ptr.To("https://b.example/in"), ScanMessageContent: ptr.To("disable"), ValidityPeriod: ptr.To(600)},
			wantDrift: []v1alpha1.DriftEntry{
				{Field: "inboundRequestUrl", Desired: "https://b.example/in", Actual: ""},
				{Field: "scanMessageContent", Desired: "disable", Actual: "inherit"},
				{Field: "validityPeriod", Desired: "600", Actual: "36000"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			update, drift := diffService(serviceParams(&tc.spec), &twilioSide, nil)
			if d := cmp.Diff(tc.wantUpdate, update); d != "" {
				t.Errorf("update (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantDrift, drift); d != "" {
				t.Errorf("drift (-want +got):\n%s", d)
			}
		})
	}
}

func TestServiceParamsSendOnlyWhatTheSpecSets(t *testing.T) {
	p := serviceParams(&v1alpha1.MessagingServiceSpec{FriendlyName: "Support", UseInboundWebhookOnNumber: ptr.To(true)})
	want := twilio.ServiceParams{FriendlyName: ptr.To("Support"), UseInboundWebhookOnNumber: ptr.To(true)}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("params (-want +got):\n%s", d)
	}
}

func TestMatchPool(t *testing.T) {
	const pnA, pnB, pnC = "PN0000000000000000000000000000000a", "PN0000000000000000000000000000000b", "PN0000000000000000000000000000000c"
	pool := []twilio.PoolNumber{{SID: pnA, PhoneNumber: "+15550000001"}, {SID: pnB, PhoneNumber: "+15550000002"}}
	tests := map[string]struct {
		desired   []string
		want      []v1alpha1.PhoneNumberStatus
		wantExtra []twilio.PoolNumber
	}{
		"an E.164 number in the pool is associated": {
			desired:   []string{"+15550000001"},
			want:      []v1alpha1.PhoneNumberStatus{{PhoneNumber: "+15550000001", SID: pnA, State: v1alpha1.PhoneNumberAssociated}},
			wantExtra: []twilio.PoolNumber{pool[1]},
		},
		"a PN SID in the pool is associated": {
			desired:   []string{pnB},
			want:      []v1alpha1.PhoneNumberStatus{{PhoneNumber: pnB, SID: pnB, State: v1alpha1.PhoneNumberAssociated}},
			wantExtra: []twilio.PoolNumber{pool[0]},
		},
		"numbers not in the pool are pending, PN SIDs already resolved": {
			desired: []string{"+15550000009", pnC, "+15550000001", pnB},
			want: []v1alpha1.PhoneNumberStatus{
				{PhoneNumber: "+15550000009", State: v1alpha1.PhoneNumberPending},
				{PhoneNumber: pnC, SID: pnC, State: v1alpha1.PhoneNumberPending},
				{PhoneNumber: "+15550000001", SID: pnA, State: v1alpha1.PhoneNumberAssociated},
				{PhoneNumber: pnB, SID: pnB, State: v1alpha1.PhoneNumberAssociated},
			},
		},
		"an empty list makes every pool number extra": {
			desired:   []string{},
			want:      []v1alpha1.PhoneNumberStatus{},
			wantExtra: pool,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, extra := matchPool(tc.desired, pool)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("statuses (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantExtra, extra); d != "" {
				t.Errorf("extra (-want +got):\n%s", d)
			}
		})
	}
}
