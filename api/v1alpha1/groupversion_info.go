// Package v1alpha1 contains the API of twilio-operator: the MessagingService and
// A2PRegistration custom resources of the messaging.twilio-operator.io group.
//
// The types carry only data and validation markers; what the operator does with them is
// documented on each field and in docs/.
//
// +kubebuilder:object:generate=true
// +groupName=messaging.twilio-operator.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: "messaging.twilio-operator.io", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds of this package with a runtime.Scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the kinds of this package to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes registers both kinds and their lists.
func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&MessagingService{}, &MessagingServiceList{},
		&A2PRegistration{}, &A2PRegistrationList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
