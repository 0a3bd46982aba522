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
// directly from the API server when its version is new. The parsed credentials are kept
// in memory per Secret, keyed by the Secret's UID and resourceVersion, and evicted as
// soon as the Secret changes or is deleted: a new Secret under the same name (a
// namespace deleted and created again) never inherits them.
//
// The one exception is deletion. A namespace deletion may delete a Secret before the
// objects that use it, and an object with deletionPolicy Delete still needs the
// credentials to delete its Twilio side. So each such object (by UID) keeps a copy of
// the credentials it last read, until it is finalized; no other object can use that
// copy, and it is used only while no Secret of that name exists.
type credentialStore struct {
	metadata client.Reader
	direct   client.Reader

	mu    sync.Mutex
	known map[types.NamespacedName]versionedCredentials
	// forDeletion is, per object UID, the credentials it last read, kept while its
	// deletionPolicy is Delete.
	forDeletion map[types.UID]twilio.Credentials
}

type versionedCredentials struct {
	uid             types.UID
	resourceVersion string
	credentials     twilio.Credentials
}

// secretVersion identifies one version of one Secret.
type secretVersion struct {
	uid             types.UID
	resourceVersion string
}

// newCredentialStore reads Secret versions from metadata, which must be the manager's
// cache itself, not its client: the client bypasses its cache for every Secret read
// (DisableFor, metadata included), which cost one or two API requests per reconcile.
func newCredentialStore(metadata, direct client.Reader) *credentialStore {
	return &credentialStore{metadata: metadata, direct: direct,
		known: map[types.NamespacedName]versionedCredentials{}, forDeletion: map[types.UID]twilio.Credentials{}}
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
	v, err := s.versionOf(ctx, key)
	return v.resourceVersion, err
}

func (s *credentialStore) versionOf(ctx context.Context, key types.NamespacedName) (secretVersion, error) {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := s.metadata.Get(ctx, key, m); err != nil {
		return secretVersion{}, client.IgnoreNotFound(err)
	}
	return secretVersion{uid: m.UID, resourceVersion: m.ResourceVersion}, nil
}

// get returns the credentials of the Secret at version, reading it only when that
// version is new.
func (s *credentialStore) get(ctx context.Context, key types.NamespacedName, v secretVersion) (twilio.Credentials, error) {
	s.mu.Lock()
	known, ok := s.known[key]
	s.mu.Unlock()
	if ok && v.resourceVersion != "" && known.uid == v.uid && known.resourceVersion == v.resourceVersion {
		return known.credentials, nil
	}
	secret := &corev1.Secret{}
	if err := s.direct.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			s.evict(key)
			return twilio.Credentials{}, &secretMissingError{stall(v1alpha1.ReasonCredentialsNotFound,
				"Secret %s not found: create it with the key %s and either %s or %s and %s",
				key, keyAccountSID, keyAuthToken, keyAPIKey, keyAPISecret)}
		}
		return twilio.Credentials{}, fmt.Errorf("cannot read Secret %s: %w", key, err)
	}
	creds, err := parseCredentials(key, secret.Data)
	if err != nil {
		s.evict(key)
		return twilio.Credentials{}, err
	}
	s.mu.Lock()
	s.known[key] = versionedCredentials{uid: secret.UID, resourceVersion: secret.ResourceVersion, credentials: creds}
	s.mu.Unlock()
	return creds, nil
}

// secretMissingError says the Secret does not exist at all (not merely lacks a key):
// the one case in which a deletion may use the credentials its object last read.
type secretMissingError struct{ error }

func (e *secretMissingError) Unwrap() error { return e.error }

// evict forgets the credentials of a Secret that changed or is gone.
func (s *credentialStore) evict(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.known, key)
}

// keepForDeletion records the credentials obj read, while its deletion would need them
// (deletionPolicy Delete), and drops them otherwise.
func (s *credentialStore) keepForDeletion(obj client.Object, deletes bool, creds twilio.Credentials) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if deletes {
		s.forDeletion[obj.GetUID()] = creds
	} else {
		delete(s.forDeletion, obj.GetUID())
	}
}

// keptForDeletion returns the credentials obj last read, for its deletion.
func (s *credentialStore) keptForDeletion(obj client.Object) (twilio.Credentials, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.forDeletion[obj.GetUID()]
	return c, ok
}

// forget drops what is kept for a finalized object.
func (s *credentialStore) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.forDeletion, uid)
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
