package twilioemu

import (
	"net/url"
	"regexp"
	"slices"
)

// TrustHub entity assignments: /v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments
// and /v1/TrustProducts/{TrustProductSid}/EntityAssignments (create, list with the
// ObjectType filter, delete …/{Sid}): what puts end users, supporting documents and
// other bundles into a bundle.

var (
	assignmentCreateParams = []string{"ObjectSid"}
	assignmentListParams   = slices.Concat([]string{"ObjectType"}, pageParams)
	objectSidPattern       = regexp.MustCompile(`^[a-zA-Z]{2}[0-9a-fA-F]{32}$`)
)

// assignmentResource is trusthub.v1.customer_profile.customer_profile_entity_assignment
// (customer_profile_sid) and trusthub.v1.trust_product.trust_product_entity_assignment
// (trust_product_sid) on the wire.
type assignmentResource struct {
	Sid                string  `json:"sid"`
	CustomerProfileSid *string `json:"customer_profile_sid,omitempty"`
	TrustProductSid    *string `json:"trust_product_sid,omitempty"`
	AccountSid         string  `json:"account_sid"`
	ObjectSid          string  `json:"object_sid"`
	DateCreated        string  `json:"date_created"`
	URL                string  `json:"url"`
}

func renderAssignment(base string, kind BundleKind, a EntityAssignment) assignmentResource {
	res := assignmentResource{Sid: a.Sid, AccountSid: a.AccountSid, ObjectSid: a.ObjectSid,
		DateCreated: v1Time(a.DateCreated), URL: base + collection(kind) + a.BundleSid + "/EntityAssignments/" + a.Sid}
	if kind == TrustProduct {
		res.TrustProductSid = &a.BundleSid
	} else {
		res.CustomerProfileSid = &a.BundleSid
	}
	return res
}

// bundleOfPath is the bundle SID of an assignment or evaluation path.
func bundleOfPath(r *request, kind BundleKind) string {
	if kind == TrustProduct {
		return r.pathValue("TrustProductSid")
	}
	return r.pathValue("CustomerProfileSid")
}

func (s *Server) assignToCustomerProfile(r *request) response { return s.assign(r, CustomerProfile) }
func (s *Server) assignToTrustProduct(r *request) response    { return s.assign(r, TrustProduct) }

// assign puts an object into a bundle. The object must be one of the account's end
// users (IT), supporting documents (RD) or customer profiles (BU, never the bundle
// itself): 400/20001 otherwise, as for any parameter naming nothing usable. The strict
// readings where Twilio documents no rule, each 409/20409: a bundle takes assignments
// only while it is a draft or twilio-rejected (in review or approved, its content is
// fixed), and an object is assigned to a bundle once (a client that lost the answer to
// an assignment lists the bundle's assignments to find it).
func (s *Server) assign(r *request, kind BundleKind) response {
	f := r.form()
	f.require("ObjectSid")
	object := f.sid("ObjectSid", objectSidPattern, ErrInvalidParameter)
	if f.err != nil {
		return fail(f.err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b, err := s.st.bundleRef(r.account, bundleOfPath(r, kind), kind)
	if err != nil {
		return fail(err)
	}
	if !s.st.assignable(r.account, b.Sid, *object) {
		return fail(invalid("ObjectSid", *object).withf("ObjectSid %s is not an end user, supporting document or "+
			"customer profile of this account", *object))
	}
	if err := editable(b); err != nil {
		return fail(err)
	}
	if slices.Contains(s.st.assignedObjects(b.Sid), *object) {
		return fail(ErrConflict.withf("%s is already assigned to bundle %s", *object, b.Sid))
	}
	now := s.st.now()
	a := EntityAssignment{Sid: s.st.newSid("BV"), AccountSid: r.account, BundleSid: b.Sid, ObjectSid: *object,
		DateCreated: now}
	s.st.assignments[a.Sid] = &a
	b.DateUpdated = now
	return created(renderAssignment(r.base(), kind, a))
}

// editable refuses a change to the content of a bundle in review or approved.
func editable(b *Bundle) error {
	if b.Status != BundleDraft && b.Status != BundleTwilioRejected {
		return ErrConflict.withf("Bundle %s is %s: its entity assignments change only while it is draft or "+
			"twilio-rejected", b.Sid, b.Status)
	}
	return nil
}

// assignable reports whether object can go into bundle. Callers hold mu.
func (st *store) assignable(account, bundle, object string) bool {
	if u, ok := st.endUsers[object]; ok {
		return u.AccountSid == account
	}
	if d, ok := st.documents[object]; ok {
		return d.AccountSid == account
	}
	o, ok := st.bundles[object]
	return ok && object != bundle && o.AccountSid == account && o.Kind == CustomerProfile
}

func (s *Server) listCustomerProfileAssignments(r *request) response {
	return s.listAssignments(r, CustomerProfile)
}
func (s *Server) listTrustProductAssignments(r *request) response {
	return s.listAssignments(r, TrustProduct)
}

// listAssignments lists a bundle's assignments, oldest first; ObjectType keeps those
// whose object is an end user or supporting document of that type (the spec: "A string
// to filter the results by (EndUserType or SupportingDocumentType) machine-name").
func (s *Server) listAssignments(r *request, kind BundleKind) response {
	f := r.form()
	objectType := f.str("ObjectType")
	q, err := parsePageQuery(f)
	if err != nil {
		return fail(err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b, err := s.st.bundleRef(r.account, bundleOfPath(r, kind), kind)
	if err != nil {
		return fail(err)
	}
	filters := url.Values{}
	if objectType != nil {
		filters.Set("ObjectType", *objectType)
	}
	all := sorted(s.st, s.st.assignments, func(a *EntityAssignment) string { return a.Sid }, func(a *EntityAssignment) bool {
		return a.BundleSid == b.Sid && (objectType == nil || s.st.objectType(a.ObjectSid) == *objectType)
	})
	p := paginate(len(all), func(i int) uint64 { return s.st.order[all[i].Sid] }, q)
	out := []assignmentResource{}
	for _, a := range all[p.start:p.end] {
		out = append(out, renderAssignment(r.base(), kind, a))
	}
	return ok(v1FilteredList(r, "results", out, filters, q, p))
}

// objectType is an assigned object's end user or document type, "" for a bundle.
// Callers hold mu.
func (st *store) objectType(sid string) string {
	if u, ok := st.endUsers[sid]; ok {
		return u.Type
	}
	if d, ok := st.documents[sid]; ok {
		return d.Type
	}
	return ""
}

func (s *Server) unassignFromCustomerProfile(r *request) response {
	return s.unassign(r, CustomerProfile)
}
func (s *Server) unassignFromTrustProduct(r *request) response { return s.unassign(r, TrustProduct) }

// unassign removes an assignment (204), under the rule of assign: only from a draft or
// twilio-rejected bundle.
func (s *Server) unassign(r *request, kind BundleKind) response {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b, err := s.st.bundleRef(r.account, bundleOfPath(r, kind), kind)
	if err != nil {
		return fail(err)
	}
	a, found := s.st.assignments[r.pathValue("Sid")]
	if !found || a.BundleSid != b.Sid {
		return fail(ErrNotFound)
	}
	if err := editable(b); err != nil {
		return fail(err)
	}
	delete(s.st.assignments, a.Sid)
	b.DateUpdated = s.st.now()
	return noContent()
}

// assignedObjects are the SIDs assigned to a bundle, oldest assignment first. Callers
// hold mu.
func (st *store) assignedObjects(bundle string) []string {
	var out []string
	for _, a := range sorted(st, st.assignments, func(a *EntityAssignment) string { return a.Sid },
		func(a *EntityAssignment) bool { return a.BundleSid == bundle }) {
		out = append(out, a.ObjectSid)
	}
	return out
}

// lockingBundle is a bundle in review or approved that object is assigned to, "" if
// none. Callers hold mu.
func (st *store) lockingBundle(object string) string {
	for _, a := range st.assignments {
		if b, ok := st.bundles[a.BundleSid]; ok && a.ObjectSid == object && editable(b) != nil {
			return b.Sid
		}
	}
	return ""
}
