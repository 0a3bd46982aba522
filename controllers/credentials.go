package controllers

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// Keys of the credentials Secret: the names Twilio's own tools use, so
// `kubectl create secret generic --from-env-file=.env` works. They are key names, not
// credentials.
//
//nolint:gosec // G101: names of Secret keys
const (
	keyAccountSID = "TWILIO_ACCOUNT_SID"
	keyAuthToken  = "TWILIO_AUTH_TOKEN"
	keyAPIKey     = "TWILIO_API_KEY"
	keyAPISecret  = "TWILIO_API_SECRET"
)

// credentialsIndex indexes both kinds by the name of their credentials Secret, so a
// change of a Secret wakes exactly the objects that use it.
const credentialsIndex = "spec.credentialsRef.name"

// credentialStore reads Twilio credentials from Secrets in the object's own namespace.
//
// The operator never caches Secret data in an informer: it watches Secrets as metadata
// only (cheap, and enough to notice a rotation) and reads the data of a referenced Secret
// directly from the API server when its resourceVersion is new. The parsed credentials
// are kept in memory per Secret and version.
type credentialStore struct {
	metadata client.Reader
	direct   client.Reader

	mu    sync.Mutex
	known map[types.NamespacedName]versionedCredentials
}

type versionedCredentials struct {
	resourceVersion string
	credentials     twilio.Credentials
}

// newCredentialStore reads Secret versions from metadata, which must be the manager's
// cache itself, not its client: the client bypasses its cache for every Secret read
// (DisableFor, metadata included), which cost one or two API requests per reconcile.
func newCredentialStore(metadata, direct client.Reader) *credentialStore {
	return &credentialStore{metadata: metadata, direct: direct, known: map[types.NamespacedName]versionedCredentials{}}
}

// secretKey is the Secret an object's credentialsRef names, always in its own namespace:
// no field can point the operator at another namespace's Secret.
func secretKey(obj client.Object, name string) types.NamespacedName {
	if name == "" {
		name = "twilio-credentials"
	}
	return types.NamespacedName{Namespace: obj.GetNamespace(), Name: name}
}

// version returns the Secret's resourceVersion from the metadata cache, "" when it does
// not exist. It is part of a reconcile's inputs and costs no API call.
func (s *credentialStore) version(ctx context.Context, key types.NamespacedName) (string, error) {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := s.metadata.Get(ctx, key, m); err != nil {
		return "", client.IgnoreNotFound(err)
	}
	return m.ResourceVersion, nil
}

// get returns the credentials of the Secret at resourceVersion, reading it only when that
// version is new.
func (s *credentialStore) get(ctx context.Context, key types.NamespacedName, resourceVersion string) (twilio.Credentials, error) {
	s.mu.Lock()
	known, ok := s.known[key]
	s.mu.Unlock()
	if ok && resourceVersion != "" && known.resourceVersion == resourceVersion {
		return known.credentials, nil
	}
	secret := &corev1.Secret{}
	if err := s.direct.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return twilio.Credentials{}, stall(v1alpha1.ReasonCredentialsNotFound,
				"Secret %s not found: create it with the key %s and either %s or %s and %s",
				key, keyAccountSID, keyAuthToken, keyAPIKey, keyAPISecret)
		}
		return twilio.Credentials{}, fmt.Errorf("cannot read Secret %s: %w", key, err)
	}
	creds, err := parseCredentials(key, secret.Data)
	if err != nil {
		return twilio.Credentials{}, err
	}
	s.mu.Lock()
	s.known[key] = versionedCredentials{resourceVersion: secret.ResourceVersion, credentials: creds}
	s.mu.Unlock()
	return creds, nil
}

// lastKnown returns the credentials last read from a Secret, whatever its version. It
// lets a deletion finish when the Secret was deleted first, as in a namespace deletion.
func (s *credentialStore) lastKnown(key types.NamespacedName) (twilio.Credentials, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	known, ok := s.known[key]
	return known.credentials, ok
}

// parseCredentials reads the keys of a credentials Secret. Messages name keys, never
// values.
func parseCredentials(key types.NamespacedName, data map[string][]byte) (twilio.Credentials, error) {
	creds := twilio.Credentials{
		AccountSID: string(data[keyAccountSID]),
		AuthToken:  string(data[keyAuthToken]),
		APIKey:     string(data[keyAPIKey]),
		APISecret:  string(data[keyAPISecret]),
	}
	switch {
	case creds.AccountSID == "":
		return creds, stall(v1alpha1.ReasonCredentialsNotFound, "Secret %s has no key %s", key, keyAccountSID)
	case creds.AuthToken == "" && creds.APIKey == "":
		return creds, stall(v1alpha1.ReasonCredentialsNotFound,
			"Secret %s has neither %s nor %s and %s", key, keyAuthToken, keyAPIKey, keyAPISecret)
	case creds.APIKey != "" && creds.APISecret == "":
		return creds, stall(v1alpha1.ReasonCredentialsNotFound, "Secret %s has %s but no %s", key, keyAPIKey, keyAPISecret)
	}
	if err := creds.Validate(); err != nil {
		return creds, stall(v1alpha1.ReasonInvalidCredentials, "Secret %s: %w", key, err)
	}
	return creds, nil
}
