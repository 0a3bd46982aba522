package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

func TestCreatePendingSince(t *testing.T) {
	at := time.Now().UTC().Truncate(time.Second)
	cases := map[string]struct {
		marker string
		want   time.Time
	}{
		"a marker on Twilio's clock allows for Twilio's servers disagreeing": {
			marker: "twilio=" + at.Format(time.RFC3339), want: at.Add(-twilioClockSlack)},
		"a marker an earlier operator wrote on the cluster's clock allows a day": {
			marker: at.Format(time.RFC3339), want: at.Add(-24 * time.Hour)},
		"an unreadable marker on Twilio's clock searches all time": {marker: "twilio=yesterday", want: time.Time{}},
		"an unreadable marker searches all time":                   {marker: "soon", want: time.Time{}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			obj := &v1alpha1.MessagingService{ObjectMeta: metav1.ObjectMeta{
				Annotations: map[string]string{v1alpha1.CreatePendingAnnotation: c.marker}}}
			if got := createPendingSince(obj); !got.Equal(c.want) {
				t.Errorf("createPendingSince(%q) = %v, want %v", c.marker, got, c.want)
			}
		})
	}
}
