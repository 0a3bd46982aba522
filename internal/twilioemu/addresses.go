package twilioemu

import (
	"net/url"
	"regexp"
	"slices"
)

// The 2010 API's Addresses: /2010-04-01/Accounts/{AccountSid}/Addresses.json (create,
// list) and …/Addresses/{Sid}.json (fetch). A customer profile's address document names
// them. Every create makes a new address, as Twilio's does.

var (
	addressCreateParams = []string{"CustomerName", "Street", "City", "Region", "PostalCode", "IsoCountry",
		"FriendlyName", "EmergencyEnabled", "AutoCorrectAddress", "StreetSecondary"}
	addressListParams = slices.Concat([]string{"CustomerName", "FriendlyName", "IsoCountry"}, pageParams)
	isoCountryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

// addressResource is api.v2010.account.address on the wire. The emulator validates no
// address against a postal database: validated and verified are false, as in the
// spec's create example.
type addressResource struct {
	AccountSid       string  `json:"account_sid"`
	City             string  `json:"city"`
	CustomerName     string  `json:"customer_name"`
	DateCreated      string  `json:"date_created"`
	DateUpdated      string  `json:"date_updated"`
	FriendlyName     *string `json:"friendly_name"`
	IsoCountry       string  `json:"iso_country"`
	PostalCode       string  `json:"postal_code"`
	Region           string  `json:"region"`
	Sid              string  `json:"sid"`
	Street           string  `json:"street"`
	URI              string  `json:"uri"`
	EmergencyEnabled bool    `json:"emergency_enabled"`
	Validated        bool    `json:"validated"`
	Verified         bool    `json:"verified"`
	StreetSecondary  *string `json:"street_secondary"`
}

func renderAddress(a Address) addressResource {
	return addressResource{AccountSid: a.AccountSid, City: a.City, CustomerName: a.CustomerName,
		DateCreated: v2010Time(a.DateCreated), DateUpdated: v2010Time(a.DateUpdated), FriendlyName: nullable(a.FriendlyName),
		IsoCountry: a.IsoCountry, PostalCode: a.PostalCode, Region: a.Region, Sid: a.Sid, Street: a.Street,
		URI:              "/2010-04-01/Accounts/" + a.AccountSid + "/Addresses/" + a.Sid + ".json",
		EmergencyEnabled: a.EmergencyEnabled, StreetSecondary: nullable(a.StreetSecondary)}
}

// createAddress needs CustomerName, Street, City, Region, PostalCode and IsoCountry (the
// spec's required ones, 20001), IsoCountry an ISO 3166-1 alpha-2 code (20001).
// AutoCorrectAddress is read and has no effect: nothing is corrected.
func (s *Server) createAddress(r *request) response {
	f := r.form()
	f.require("CustomerName", "Street", "City", "Region", "PostalCode", "IsoCountry")
	a := Address{AccountSid: r.account}
	for dst, name := range map[*string]string{&a.CustomerName: "CustomerName", &a.Street: "Street", &a.City: "City",
		&a.Region: "Region", &a.PostalCode: "PostalCode", &a.IsoCountry: "IsoCountry", &a.FriendlyName: "FriendlyName",
		&a.StreetSecondary: "StreetSecondary"} {
		set(dst, f.str(name))
	}
	set(&a.EmergencyEnabled, f.boolean("EmergencyEnabled"))
	f.boolean("AutoCorrectAddress")
	if a.IsoCountry != "" && !isoCountryPattern.MatchString(a.IsoCountry) {
		f.fail(invalid("IsoCountry", a.IsoCountry))
	}
	if f.err != nil {
		return fail(f.err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	now := s.st.now()
	a.Sid, a.DateCreated, a.DateUpdated = s.st.newSid("AD"), now, now
	s.st.addresses[a.Sid] = &a
	return created(renderAddress(a))
}

func (s *Server) fetchAddress(r *request) response {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	a, found := s.st.addresses[r.pathValue("Sid")]
	if !found || a.AccountSid != r.account {
		return fail(ErrNotFound)
	}
	return ok(renderAddress(*a))
}

// listAddresses lists the account's addresses, oldest first, with the spec's
// CustomerName, FriendlyName and IsoCountry filters (exact), in the 2010 envelope.
func (s *Server) listAddresses(r *request) response {
	f := r.form()
	filters := url.Values{}
	for _, name := range []string{"CustomerName", "FriendlyName", "IsoCountry"} {
		if v := f.str(name); v != nil {
			filters.Set(name, *v)
		}
	}
	q, err := parsePageQuery(f)
	if err != nil {
		return fail(err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	all := sorted(s.st, s.st.addresses, func(a *Address) string { return a.Sid }, func(a *Address) bool {
		return a.AccountSid == r.account &&
			(!filters.Has("CustomerName") || a.CustomerName == filters.Get("CustomerName")) &&
			(!filters.Has("FriendlyName") || a.FriendlyName == filters.Get("FriendlyName")) &&
			(!filters.Has("IsoCountry") || a.IsoCountry == filters.Get("IsoCountry"))
	})
	p := paginate(len(all), func(i int) uint64 { return s.st.order[all[i].Sid] }, q)
	out := []addressResource{}
	for _, a := range all[p.start:p.end] {
		out = append(out, renderAddress(a))
	}
	return ok(v2010List(r, "addresses", out, filters, q, p))
}
