package twilioemu

import (
	"encoding/json"
	"maps"
	"slices"
)

// TrustHub end users (/v1/EndUsers: create, list, fetch, update) and supporting
// documents (/v1/SupportingDocuments: create, list, fetch). Every create makes a new
// object, as Twilio's does; EndUsers and SupportingDocuments have no list filters in
// the spec, so a client finds one it created by listing them all, or through the
// entity assignments of the bundle it put it in.

var (
	entityCreateParams = []string{"FriendlyName", "Type", "Attributes"}
	entityUpdateParams = []string{"FriendlyName", "Attributes"}
	// documentTypes are the supporting document types the emulator models: the address
	// document of the A2P customer profiles.
	documentTypes = []string{"customer_profile_address"}
)

// endUserResource is trusthub.v1.end_user on the wire.
type endUserResource struct {
	Sid          string         `json:"sid"`
	AccountSid   string         `json:"account_sid"`
	FriendlyName string         `json:"friendly_name"`
	Type         string         `json:"type"`
	Attributes   map[string]any `json:"attributes"`
	DateCreated  string         `json:"date_created"`
	DateUpdated  string         `json:"date_updated"`
	URL          string         `json:"url"`
}

// documentResource is trusthub.v1.supporting_document on the wire.
type documentResource struct {
	Sid          string         `json:"sid"`
	AccountSid   string         `json:"account_sid"`
	FriendlyName string         `json:"friendly_name"`
	MimeType     *string        `json:"mime_type"`
	Status       string         `json:"status"`
	Type         string         `json:"type"`
	Attributes   map[string]any `json:"attributes"`
	DateCreated  string         `json:"date_created"`
	DateUpdated  string         `json:"date_updated"`
	URL          string         `json:"url"`
}

func renderEndUser(base string, u EndUser) endUserResource {
	return endUserResource{Sid: u.Sid, AccountSid: u.AccountSid, FriendlyName: u.FriendlyName, Type: u.Type,
		Attributes: u.Attributes, DateCreated: v1Time(u.DateCreated), DateUpdated: v1Time(u.DateUpdated),
		URL: base + "/v1/EndUsers/" + u.Sid}
}

func renderDocument(base string, d SupportingDocument) documentResource {
	return documentResource{Sid: d.Sid, AccountSid: d.AccountSid, FriendlyName: d.FriendlyName, Status: d.Status,
		Type: d.Type, Attributes: d.Attributes, DateCreated: v1Time(d.DateCreated), DateUpdated: v1Time(d.DateUpdated),
		URL: base + "/v1/SupportingDocuments/" + d.Sid}
}

// attributes reads the Attributes parameter: a JSON object, as twilio-go sends it
// (json.Marshal of the value given). Anything else is 400/20001, among them a JSON
// string holding an object: the double encoding some clients send, which would leave
// every field missing on Twilio.
func attributes(f *form) map[string]any {
	s := f.str("Attributes")
	if s == nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(*s), &m); err != nil || m == nil {
		f.fail(invalid("Attributes", *s).withf("Attributes must be a JSON object, not %s", *s))
		return nil
	}
	return m
}

// createEndUser creates an end user of one of the types the A2P policies name (see
// endUserTypes); another Type is 400/20001, the strict reading of Twilio checking it
// against its EndUserTypes.
func (s *Server) createEndUser(r *request) response {
	f := r.form()
	f.require("FriendlyName", "Type")
	u := EndUser{AccountSid: r.account, Attributes: map[string]any{}}
	set(&u.FriendlyName, f.length("FriendlyName", 1, 64, ErrInvalidFriendlyName))
	set(&u.Type, f.enum("Type", endUserTypes(), ErrInvalidParameter))
	if a := attributes(f); a != nil {
		u.Attributes = a
	}
	if f.err != nil {
		return fail(f.err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	now := s.st.now()
	u.Sid, u.DateCreated, u.DateUpdated = s.st.newSid("IT"), now, now
	s.st.endUsers[u.Sid] = &u
	return created(renderEndUser(r.base(), u.clone()))
}

func (s *Server) fetchEndUser(r *request) response {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	u, found := s.st.endUsers[r.pathValue("Sid")]
	if !found || u.AccountSid != r.account {
		return fail(ErrNotFound)
	}
	return ok(renderEndUser(r.base(), u.clone()))
}

// updateEndUser changes the name and replaces the attributes (the spec's update takes
// the whole set). The strict reading of Twilio's review: an end user of a bundle that is
// submitted or approved cannot change (409/20409) until the bundle is rejected.
func (s *Server) updateEndUser(r *request) response {
	f := r.form()
	name := f.length("FriendlyName", 1, 64, ErrInvalidFriendlyName)
	attrs := attributes(f)
	if f.err != nil {
		return fail(f.err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	u, found := s.st.endUsers[r.pathValue("Sid")]
	if !found || u.AccountSid != r.account {
		return fail(ErrNotFound)
	}
	if bu := s.st.lockingBundle(u.Sid); bu != "" {
		return fail(ErrConflict.withf("End user %s is in bundle %s, which is in review or approved", u.Sid, bu))
	}
	set(&u.FriendlyName, name)
	if attrs != nil {
		u.Attributes = attrs
	}
	u.DateUpdated = s.st.now()
	return ok(renderEndUser(r.base(), u.clone()))
}

func (s *Server) listEndUsers(r *request) response {
	return listOfAccount(s, r, s.st.endUsers, func(u *EndUser) (string, string) { return u.Sid, u.AccountSid },
		func(u EndUser) endUserResource { return renderEndUser(r.base(), u.clone()) })
}

// listOfAccount is a v1 list of the account's objects of m, oldest first, under the
// TrustHub lists' key "results". The store's lock is held while render runs.
func listOfAccount[T, R any](s *Server, r *request, m map[string]*T, ids func(*T) (sid, account string),
	render func(T) R) response {
	q, err := parsePageQuery(r.form())
	if err != nil {
		return fail(err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	all := sorted(s.st, m, func(v *T) string { sid, _ := ids(v); return sid },
		func(v *T) bool { _, account := ids(v); return account == r.account })
	p := paginate(len(all), func(i int) uint64 { sid, _ := ids(&all[i]); return s.st.order[sid] }, q)
	out := []R{}
	for _, v := range all[p.start:p.end] {
		out = append(out, render(v))
	}
	return ok(v1List(r, "results", out, q, p))
}

// createDocument creates a supporting document: of type customer_profile_address, the
// only one the A2P policies ask for (400/20001 for another), naming its addresses in
// Attributes.address_sids (one SID or a list). The addresses are checked when a bundle
// holding the document is evaluated, as the spec's evaluation example reports a missing
// address (22219). A new document is DRAFT, as in the spec's create example.
func (s *Server) createDocument(r *request) response {
	f := r.form()
	f.require("FriendlyName", "Type")
	d := SupportingDocument{AccountSid: r.account, Status: "DRAFT", Attributes: map[string]any{}}
	set(&d.FriendlyName, f.length("FriendlyName", 1, 64, ErrInvalidFriendlyName))
	set(&d.Type, f.enum("Type", documentTypes, ErrInvalidParameter))
	if a := attributes(f); a != nil {
		d.Attributes = a
	}
	if f.err != nil {
		return fail(f.err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	now := s.st.now()
	d.Sid, d.DateCreated, d.DateUpdated = s.st.newSid("RD"), now, now
	s.st.documents[d.Sid] = &d
	return created(renderDocument(r.base(), d.clone()))
}

func (s *Server) fetchDocument(r *request) response {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	d, found := s.st.documents[r.pathValue("Sid")]
	if !found || d.AccountSid != r.account {
		return fail(ErrNotFound)
	}
	return ok(renderDocument(r.base(), d.clone()))
}

func (s *Server) listDocuments(r *request) response {
	return listOfAccount(s, r, s.st.documents, func(d *SupportingDocument) (string, string) { return d.Sid, d.AccountSid },
		func(d SupportingDocument) documentResource { return renderDocument(r.base(), d.clone()) })
}

// addressesOf is the account's addresses among v, an address_sids attribute (one SID
// or a list of them). Callers hold mu.
func (st *store) addressesOf(account string, v any) []string {
	var sids []string
	switch t := v.(type) {
	case string:
		sids = []string{t}
	case []any:
		for _, s := range t {
			if str, ok := s.(string); ok {
				sids = append(sids, str)
			}
		}
	}
	return slices.DeleteFunc(sids, func(sid string) bool {
		a, ok := st.addresses[sid]
		return !ok || a.AccountSid != account
	})
}

// clone is a deep copy (attributes are JSON values: maps, lists and scalars).
func (u EndUser) clone() EndUser {
	u.Attributes = cloneJSON(u.Attributes)
	return u
}

func (d SupportingDocument) clone() SupportingDocument {
	d.Attributes = cloneJSON(d.Attributes)
	return d
}

func cloneJSON(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	data, _ := json.Marshal(m)
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		return maps.Clone(m)
	}
	return out
}
