// Package controllers holds one reconciler per kind of the twilio-operator API and the
// small pieces they share: conditions, finalizer and deletion, credentials lookup,
// identity and adoption. It talks to Twilio only through the internal/twilio port.
package controllers

// The operator reads its own kinds and patches their metadata (finalizer, SID and
// create-pending annotations) and status; it never creates, updates or deletes them. It
// reads the credentials Secrets it is pointed at (never writes them) and records events.
// It writes the ConfigMaps spec.exportTo names (and deletes those it wrote that no
// longer are), labelled as its own, and never one it does not own (export.go).
// No /finalizers permission: that only guards blockOwnerDeletion owner references,
// which the operator never sets.
//
// +kubebuilder:rbac:groups=messaging.twilio-operator.io,resources=messagingservices;a2pregistrations,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=messaging.twilio-operator.io,resources=messagingservices/status;a2pregistrations/status,verbs=patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch;delete
