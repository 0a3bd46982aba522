package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilio"
)

// ensureBundle reads the bundle of role: the annotated one, the one an interrupted
// create made (searched by friendly name and policy, created at or after the marker,
// owned by no other object), or a new draft.
func (run *a2pRun) ensureBundle(ctx context.Context, tw twilio.Client, role bundleRole) (*twilio.Bundle, error) {
	if annotation(run.obj, role.sidAnnotation) == "" {
		// A create is decided on: the cache may lag behind the SID this operator recorded.
		if err := refresh(ctx, run.direct, run.obj); err != nil {
			return nil, err
		}
	}
	if sid := annotation(run.obj, role.sidAnnotation); sid != "" {
		if err := checkSID("BU", role.what, "the "+role.sidAnnotation+" annotation", sid); err != nil {
			return nil, err
		}
		b, err := tw.FetchBundle(ctx, role.kind, sid)
		if twilio.IsNotFound(err) {
			return nil, stall(v1alpha1.ReasonSidNotFound, "%s %s (annotation %s) does not exist in account %s",
				role.what, sid, role.sidAnnotation, tw.AccountSID())
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read %s %s: %w", role.what, sid, err)
		}
		return b, run.claim(ctx, run.obj, role.what, sid)
	}
	if annotation(run.obj, role.pendingNote) != "" {
		b, err := run.findBundle(ctx, tw, role)
		if err != nil || b != nil {
			return b, err
		}
	}
	return run.createBundle(ctx, tw, role)
}

// findBundle looks for the bundle an interrupted create may have made. TrustHub's
// lists show every bundle (unlike the brand list), so none found means none was made.
func (run *a2pRun) findBundle(ctx context.Context, tw twilio.Client, role bundleRole) (*twilio.Bundle, error) {
	since := pendingSince(run.obj, role.pendingNote)
	name := trustHubName(run.obj, role.nameSuffix)
	list, err := tw.ListBundles(ctx, role.kind, name, role.policy)
	if err != nil {
		return nil, fmt.Errorf("cannot search for a %s created before a restart: %w", role.what, err)
	}
	var matches []twilio.Bundle
	for _, b := range list {
		if b.FriendlyName != name || b.PolicySID != role.policy || b.DateCreated.Before(since) {
			continue
		}
		state, err := run.claimState(ctx, run.obj, b.SID)
		if err != nil {
			return nil, err
		}
		if state != claimTaken {
			matches = append(matches, b)
		}
	}
	found, err := onlyMatch(matches, func(b twilio.Bundle) string { return b.SID }, role.what+"s named "+name)
	if err != nil || found == nil {
		return nil, err
	}
	if err := run.claim(ctx, run.obj, role.what, found.SID); err != nil {
		return nil, err
	}
	if err := run.recordBundle(ctx, role, found.SID); err != nil {
		return nil, err
	}
	run.events.normal(run.obj, reasonAdopted, actionCreate, "Recovered %s %s made before an interruption", role.what, found.SID)
	return found, nil
}

// createBundle creates a draft bundle crash-safely: the marker on Twilio's clock
// first, the claim and the SID right after Twilio answers.
func (run *a2pRun) createBundle(ctx context.Context, tw twilio.Client, role bundleRole) (*twilio.Bundle, error) {
	markReconciling(run.obj, v1alpha1.ReasonCreating, "Creating the "+role.what)
	twilioNow, err := tw.TwilioTime(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read Twilio's clock before a create: %w", err)
	}
	err = patchMetadata(ctx, run.Client, run.obj, func(o client.Object) {
		controllerutil.AddFinalizer(o, finalizer)
		setAnnotation(o, role.pendingNote, twilioClockPrefix+twilioNow.UTC().Format(time.RFC3339))
	})
	if err != nil {
		return nil, err
	}
	b, err := tw.CreateBundle(ctx, role.kind, twilio.BundleParams{FriendlyName: trustHubName(run.obj, role.nameSuffix),
		Email: run.obj.Spec.TrustHub.Email, PolicySID: role.policy})
	if err != nil {
		if cls := twilio.ClassOf(err); cls == twilio.ClassUser || cls == twilio.ClassAuth {
			clearErr := patchMetadata(ctx, run.Client, run.obj, func(o client.Object) { deleteAnnotation(o, role.pendingNote) })
			if clearErr != nil {
				log.FromContext(ctx).Error(clearErr, "Failed to clear the create-pending marker", "annotation", role.pendingNote)
			}
		}
		return nil, fmt.Errorf("cannot create the %s: %w", role.what, err)
	}
	log.FromContext(ctx).Info("Created TrustHub bundle", "sid", b.SID, "kind", string(role.kind))
	run.events.normal(run.obj, reasonCreated, actionCreate, "Created %s %s", role.what, b.SID)
	if err := run.claimCreated(ctx, run.obj, role.what, b.SID); err != nil {
		return nil, err
	}
	return b, run.recordBundle(ctx, role, b.SID)
}

// recordBundle writes the bundle's SID annotation and removes its marker.
func (run *a2pRun) recordBundle(ctx context.Context, role bundleRole, sid string) error {
	return patchMetadata(ctx, run.Client, run.obj, func(o client.Object) {
		setAnnotation(o, role.sidAnnotation, sid)
		deleteAnnotation(o, role.pendingNote)
	})
}

// pendingSince is createPendingSince for the marker under key.
func pendingSince(obj *v1alpha1.A2PRegistration, key string) time.Time {
	probe := &v1alpha1.A2PRegistration{}
	setAnnotation(probe, v1alpha1.CreatePendingAnnotation, annotation(obj, key))
	return createPendingSince(probe)
}

// desiredContent is what the bundle of role must hold according to the spec, with the
// representatives' email and phone number read from their Secrets.
func (run *a2pRun) desiredContent(ctx context.Context, role bundleRole) (desiredContent, error) {
	spec := run.obj.Spec.TrustHub
	if role.kind == twilio.TrustProductKind {
		c := spec.Company
		attrs := map[string]any{"company_type": string(c.Type)}
		for k, v := range map[string]string{"stock_exchange": c.StockExchange, "stock_ticker": c.StockTicker,
			"brand_contact_email": c.BrandContactEmail} {
			if v != "" {
				attrs[k] = v
			}
		}
		profile, _ := trustHubBundleSIDs(run.obj)
		return desiredContent{endUsers: map[string]map[string]any{typeMessagingProfile: attrs},
			managedTypes: []string{typeMessagingProfile}, bundles: []string{profile}}, nil
	}
	b := spec.Business
	business := map[string]any{
		"business_name": b.Name, "business_identity": "direct_customer", "business_type": string(b.Type),
		"business_industry": b.Industry, "business_registration_identifier": b.RegistrationIDType,
		"business_registration_number": b.RegistrationNumber, "business_regions_of_operation": joinRegions(b.RegionsOfOperation),
		"website_url": string(b.WebsiteURL),
	}
	if len(b.SocialMediaProfileURLs) > 0 {
		urls := make([]string, len(b.SocialMediaProfileURLs))
		for i, u := range b.SocialMediaProfileURLs {
			urls[i] = string(u)
		}
		business["social_media_profile_urls"] = strings.Join(urls, ",")
	}
	want := desiredContent{endUsers: map[string]map[string]any{typeBusinessInformation: business},
		managedTypes: []string{typeBusinessInformation, typeRepresentative + "1", typeRepresentative + "2"},
		bundles:      []string{spec.PrimaryCustomerProfileSID}}
	for i, r := range spec.AuthorizedRepresentatives {
		field := fmt.Sprintf("spec.trustHub.authorizedRepresentatives[%d]", i)
		email, err := run.personalValue(ctx, r.Email, field+".email")
		if err != nil {
			return want, err
		}
		phone, err := run.personalValue(ctx, r.PhoneNumber, field+".phoneNumber")
		if err != nil {
			return want, err
		}
		want.endUsers[fmt.Sprintf("%s%d", typeRepresentative, i+1)] = map[string]any{
			"first_name": r.FirstName, "last_name": r.LastName, "business_title": r.BusinessTitle,
			"job_position": string(r.JobPosition), "email": email, "phone_number": phone,
		}
	}
	a := spec.Address
	want.address = &twilio.Address{FriendlyName: trustHubName(run.obj, "address"), CustomerName: b.Name,
		Street: a.Street, StreetSecondary: a.StreetSecondary, City: a.City, Region: a.Region, PostalCode: a.PostalCode,
		IsoCountry: a.ISOCountry}
	return want, nil
}

func joinRegions(regions []v1alpha1.BusinessRegion) string {
	parts := make([]string, len(regions))
	for i, r := range regions {
		parts[i] = string(r)
	}
	return strings.Join(parts, ",")
}

// personalValue is a representative's email or phone number: inline, or from a key of a
// Secret in the object's namespace, read from the API server (Secrets are not cached).
// Errors name the Secret and key, never the value.
func (run *a2pRun) personalValue(ctx context.Context, v v1alpha1.PersonalValue, field string) (string, error) {
	if v.SecretKeyRef == nil {
		return v.Value, nil
	}
	ref := v.SecretKeyRef
	secret := &corev1.Secret{}
	err := run.direct.Get(ctx, types.NamespacedName{Namespace: run.obj.Namespace, Name: ref.Name}, secret)
	switch {
	case apierrors.IsNotFound(err):
		return "", waiting(v1alpha1.ReasonSecretNotFound, "Secret %s (%s) not found in namespace %s", ref.Name, field, run.obj.Namespace)
	case err != nil:
		return "", fmt.Errorf("cannot read Secret %s (%s): %w", ref.Name, field, err)
	}
	value := strings.TrimSpace(string(secret.Data[ref.Key]))
	if value == "" {
		return "", waiting(v1alpha1.ReasonSecretNotFound, "Secret %s has no key %s (%s), or it is empty", ref.Name, ref.Key, field)
	}
	return value, nil
}

// bundleContent is what a bundle holds now.
type bundleContent struct {
	endUsers  map[string]*twilio.EndUser
	documents map[string]*twilio.SupportingDocument
	bundles   []string
	// assignment is the assignment of each object SID.
	assignment map[string]string
}

// readContent reads what is assigned to a bundle.
func (run *a2pRun) readContent(ctx context.Context, tw twilio.Client, role bundleRole, sid string) (bundleContent, error) {
	have := bundleContent{endUsers: map[string]*twilio.EndUser{}, documents: map[string]*twilio.SupportingDocument{},
		assignment: map[string]string{}}
	list, err := tw.ListAssignments(ctx, role.kind, sid)
	if err != nil {
		return have, fmt.Errorf("cannot read what %s %s holds: %w", role.what, sid, err)
	}
	for _, a := range list {
		have.assignment[a.ObjectSID] = a.SID
		switch {
		case strings.HasPrefix(a.ObjectSID, "IT"):
			u, err := tw.FetchEndUser(ctx, a.ObjectSID)
			if err != nil {
				return have, fmt.Errorf("cannot read end user %s of %s %s: %w", a.ObjectSID, role.what, sid, err)
			}
			have.endUsers[u.Type] = u
		case strings.HasPrefix(a.ObjectSID, "RD"):
			d, err := tw.FetchSupportingDocument(ctx, a.ObjectSID)
			if err != nil {
				return have, fmt.Errorf("cannot read supporting document %s of %s %s: %w", a.ObjectSID, role.what, sid, err)
			}
			have.documents[d.Type] = d
		case strings.HasPrefix(a.ObjectSID, "BU"):
			have.bundles = append(have.bundles, a.ObjectSID)
		}
	}
	return have, nil
}

// buildContent makes a draft (or rejected) bundle hold what want says: end users
// created or updated, the address and its document, the other bundles; what the
// operator put in and the spec no longer has is taken out.
func (run *a2pRun) buildContent(ctx context.Context, tw twilio.Client, role bundleRole, sid string, want desiredContent) error {
	have, err := run.readContent(ctx, tw, role, sid)
	if err != nil {
		return err
	}
	finder := &trustHubFinder{tw: tw}
	if err := run.buildEndUsers(ctx, finder, role, sid, want, have); err != nil {
		return err
	}
	if want.address != nil {
		if err := run.buildAddress(ctx, tw, finder, role, sid, *want.address, have); err != nil {
			return err
		}
	}
	return run.buildBundles(ctx, tw, role, sid, want, have)
}

// buildEndUsers creates, updates, assigns and takes out the bundle's end users.
func (run *a2pRun) buildEndUsers(ctx context.Context, finder *trustHubFinder, role bundleRole, sid string,
	want desiredContent, have bundleContent) error {
	tw := finder.tw
	for _, endUserType := range sortedKeys(want.endUsers) {
		attrs := want.endUsers[endUserType]
		u := have.endUsers[endUserType]
		if u == nil {
			var err error
			if u, err = run.endUserFor(ctx, finder, endUserType, attrs); err != nil {
				return err
			}
			if err := run.assign(ctx, tw, role, sid, u.SID); err != nil {
				return err
			}
		}
		if !sameAttributes(u.Attributes, attrs) {
			if _, err := tw.UpdateEndUser(ctx, u.SID, attrs); err != nil {
				return fmt.Errorf("cannot update end user %s (%s): %w", u.SID, endUserType, err)
			}
			run.events.normal(run.obj, reasonUpdated, actionUpdate, "Updated end user %s (%s) of %s %s", u.SID, endUserType, role.what, sid)
		}
	}
	for _, managed := range want.managedTypes {
		if u := have.endUsers[managed]; u != nil && want.endUsers[managed] == nil {
			if err := run.unassign(ctx, tw, role, sid, have.assignment[u.SID]); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildBundles assigns the other bundles the bundle must hold, and takes out those it
// must not (a primary profile the spec no longer names).
func (run *a2pRun) buildBundles(ctx context.Context, tw twilio.Client, role bundleRole, sid string, want desiredContent,
	have bundleContent) error {
	for _, bu := range want.bundles {
		if !slices.Contains(have.bundles, bu) {
			if err := run.assign(ctx, tw, role, sid, bu); err != nil {
				return err
			}
		}
	}
	for _, bu := range have.bundles {
		if !slices.Contains(want.bundles, bu) {
			if err := run.unassign(ctx, tw, role, sid, have.assignment[bu]); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildAddress makes the bundle's address document name an address with the spec's
// values. Twilio cannot edit a document's address here, so a changed address is a new
// address and a new document in place of the old one.
func (run *a2pRun) buildAddress(ctx context.Context, tw twilio.Client, finder *trustHubFinder, role bundleRole, sid string,
	want twilio.Address, have bundleContent) error {
	doc := have.documents[typeAddressDocument]
	st := run.trustHubStatus()
	if doc != nil {
		if current := addressSIDs(doc.Attributes); len(current) == 1 {
			a, err := tw.FetchAddress(ctx, current[0])
			if err != nil && !twilio.IsNotFound(err) {
				return fmt.Errorf("cannot read address %s: %w", current[0], err)
			}
			if err == nil && sameAddress(*a, want) {
				st.AddressSID = a.SID
				return nil
			}
		}
		if err := run.unassign(ctx, tw, role, sid, have.assignment[doc.SID]); err != nil {
			return err
		}
	}
	address, err := finder.address(ctx, want)
	if err != nil {
		return err
	}
	if address == nil {
		if address, err = tw.CreateAddress(ctx, want); err != nil {
			return fmt.Errorf("cannot create the address of %s %s: %w", role.what, sid, err)
		}
		run.events.normal(run.obj, reasonCreated, actionCreate, "Created address %s for %s %s", address.SID, role.what, sid)
	}
	st.AddressSID = address.SID
	name := trustHubName(run.obj, "address document")
	document, err := finder.document(ctx, name, address.SID)
	if err != nil {
		return err
	}
	if document == nil {
		document, err = tw.CreateSupportingDocument(ctx, name, typeAddressDocument, map[string]any{"address_sids": address.SID})
		if err != nil {
			return fmt.Errorf("cannot create the address document of %s %s: %w", role.what, sid, err)
		}
	}
	return run.assign(ctx, tw, role, sid, document.SID)
}

// endUserFor is the end user to put into a bundle: one an interrupted build created
// (same friendly name and type) or a new one.
func (run *a2pRun) endUserFor(ctx context.Context, finder *trustHubFinder, endUserType string, attrs map[string]any) (*twilio.EndUser, error) {
	name := trustHubName(run.obj, endUserNames[endUserType])
	u, err := finder.endUser(ctx, name, endUserType)
	if err != nil || u != nil {
		return u, err
	}
	u, err = finder.tw.CreateEndUser(ctx, name, endUserType, attrs)
	if err != nil {
		return nil, fmt.Errorf("cannot create end user %s: %w", endUserType, err)
	}
	u.Attributes = attrs // as sent: the create carried them
	return u, nil
}

func (run *a2pRun) assign(ctx context.Context, tw twilio.Client, role bundleRole, sid, object string) error {
	if _, err := tw.Assign(ctx, role.kind, sid, object); err != nil && twilio.CodeOf(err) != twilio.CodeConflictingState {
		// 20409 is an object assigned already (an earlier answer was lost), or a bundle no
		// longer a draft: the next read of the bundle tells.
		return fmt.Errorf("cannot assign %s to %s %s: %w", object, role.what, sid, err)
	}
	return nil
}

func (run *a2pRun) unassign(ctx context.Context, tw twilio.Client, role bundleRole, sid, assignment string) error {
	if err := tw.Unassign(ctx, role.kind, sid, assignment); err != nil && !twilio.IsNotFound(err) {
		return fmt.Errorf("cannot take assignment %s out of %s %s: %w", assignment, role.what, sid, err)
	}
	return nil
}

// trustHubFinder finds what an interrupted build created but did not assign, reading
// each of the account's lists at most once per sync, and only when something is to be
// created.
type trustHubFinder struct {
	tw        twilio.Client
	endUsers  []twilio.EndUser
	documents []twilio.SupportingDocument
	listed    map[string]bool
}

func (f *trustHubFinder) once(what string) bool {
	if f.listed == nil {
		f.listed = map[string]bool{}
	}
	first := !f.listed[what]
	f.listed[what] = true
	return first
}

func (f *trustHubFinder) endUser(ctx context.Context, name, endUserType string) (*twilio.EndUser, error) {
	if f.once("endUsers") {
		list, err := f.tw.ListEndUsers(ctx)
		if err != nil {
			return nil, fmt.Errorf("cannot search the end users: %w", err)
		}
		f.endUsers = list
	}
	for i := range f.endUsers {
		if u := &f.endUsers[i]; u.FriendlyName == name && u.Type == endUserType {
			return u, nil
		}
	}
	return nil, nil
}

func (f *trustHubFinder) document(ctx context.Context, name, addressSID string) (*twilio.SupportingDocument, error) {
	if f.once("documents") {
		list, err := f.tw.ListSupportingDocuments(ctx)
		if err != nil {
			return nil, fmt.Errorf("cannot search the supporting documents: %w", err)
		}
		f.documents = list
	}
	for i := range f.documents {
		d := &f.documents[i]
		if d.FriendlyName == name && d.Type == typeAddressDocument && slices.Equal(addressSIDs(d.Attributes), []string{addressSID}) {
			return d, nil
		}
	}
	return nil, nil
}

func (f *trustHubFinder) address(ctx context.Context, want twilio.Address) (*twilio.Address, error) {
	list, err := f.tw.ListAddresses(ctx, want.FriendlyName)
	if err != nil {
		return nil, fmt.Errorf("cannot search the addresses: %w", err)
	}
	for i := range list {
		if sameAddress(list[i], want) {
			return &list[i], nil
		}
	}
	return nil, nil
}

// addressSIDs reads a document's address_sids: one SID or a list.
func addressSIDs(attrs map[string]any) []string {
	switch v := attrs["address_sids"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, s := range v {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

func sameAddress(a, b twilio.Address) bool {
	return a.CustomerName == b.CustomerName && a.Street == b.Street && a.StreetSecondary == b.StreetSecondary &&
		a.City == b.City && a.Region == b.Region && a.PostalCode == b.PostalCode && a.IsoCountry == b.IsoCountry
}

// sameAttributes compares an end user's attributes with the desired ones, as strings.
func sameAttributes(have, want map[string]any) bool {
	if len(have) != len(want) {
		return false
	}
	for k, v := range want {
		if fmt.Sprint(have[k]) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// releaseTrustHub releases the claims of the bundles built for spec.trustHub when the
// object is deleted. The bundles stay in Twilio, whatever the deletion policy: the
// brand registered on them cannot be deleted, and TrustHub keeps their review.
func (run *a2pRun) releaseTrustHub(ctx context.Context) error {
	for _, role := range []bundleRole{profileRole, productRole} {
		sid := annotation(run.obj, role.sidAnnotation)
		if !validSID("BU", sid) {
			continue
		}
		if err := run.release(ctx, run.obj, sid); err != nil {
			return err
		}
		run.events.normal(run.obj, reasonOrphaned, actionDelete, "Left %s %s in TrustHub", role.what, sid)
	}
	return nil
}
