package twilioemu

import (
	"strings"
	"time"
)

// A Messaging Service's sender pool: /v1/Services/{ServiceSid}/PhoneNumbers.

// maxPoolSize is how many senders a Messaging Service holds (21714 beyond).
const maxPoolSize = 400

// servicePhoneNumberResource is messaging.v1.service.phone_number on the wire.
type servicePhoneNumberResource struct {
	Sid          string   `json:"sid"`
	AccountSid   string   `json:"account_sid"`
	ServiceSid   string   `json:"service_sid"`
	DateCreated  string   `json:"date_created"`
	DateUpdated  string   `json:"date_updated"`
	PhoneNumber  string   `json:"phone_number"`
	CountryCode  string   `json:"country_code"`
	Capabilities []string `json:"capabilities"`
	URL          string   `json:"url"`
}

func renderPoolNumber(base string, n PhoneNumber) servicePhoneNumberResource {
	caps := []string{}
	for _, c := range []struct {
		on   bool
		name string
	}{{n.Capabilities.MMS, "MMS"}, {n.Capabilities.SMS, "SMS"}, {n.Capabilities.Voice, "Voice"}} {
		if c.on {
			caps = append(caps, c.name)
		}
	}
	return servicePhoneNumberResource{Sid: n.Sid, AccountSid: n.AccountSid, ServiceSid: n.ServiceSid,
		DateCreated: v1Time(n.AddedAt), DateUpdated: v1Time(n.AddedAt), PhoneNumber: n.PhoneNumber,
		CountryCode: countryCode(n.PhoneNumber), Capabilities: caps,
		URL: base + "/v1/Services/" + n.ServiceSid + "/PhoneNumbers/" + n.Sid}
}

// countryCode is the ISO country of a few E.164 prefixes; enough for the numbers tests use.
func countryCode(e164 string) string {
	for _, c := range []struct{ prefix, iso string }{{"+1", "US"}, {"+44", "GB"}, {"+61", "AU"}, {"+49", "DE"}} {
		if strings.HasPrefix(e164, c.prefix) {
			return c.iso
		}
	}
	return ""
}

func (s *Server) addPhoneNumber(r *request) response {
	f := r.form()
	f.require("PhoneNumberSid")
	pn := f.sid("PhoneNumberSid", pnPattern, ErrInvalidPhoneNumberSid)
	if f.err != nil {
		return fail(f.err)
	}
	n, err := s.st.addToPool(r.account, r.pathValue("ServiceSid"), *pn)
	if err != nil {
		return fail(err)
	}
	return created(renderPoolNumber(r.base(), n))
}

func (s *Server) fetchPhoneNumber(r *request) response {
	n, err := s.st.poolNumber(r.account, r.pathValue("ServiceSid"), r.pathValue("Sid"))
	if err != nil {
		return fail(err)
	}
	return ok(renderPoolNumber(r.base(), n))
}

func (s *Server) removePhoneNumber(r *request) response {
	if err := s.st.removeFromPool(r.account, r.pathValue("ServiceSid"), r.pathValue("Sid")); err != nil {
		return fail(err)
	}
	return noContent()
}

func (s *Server) listPhoneNumbers(r *request) response {
	q, err := parsePageQuery(r.form())
	if err != nil {
		return fail(err)
	}
	items, p, err := s.st.listPool(r.account, r.pathValue("ServiceSid"), q)
	if err != nil {
		return fail(err)
	}
	out := make([]servicePhoneNumberResource, len(items))
	for i, n := range items {
		out[i] = renderPoolNumber(r.base(), n)
	}
	return ok(v1List(r, "phone_numbers", out, q, p))
}

// addToPool puts one of the account's numbers into a service's sender pool. The
// number must belong to the account (21421), be in no pool (21710 for this one, 21712
// for another), and the pool must have room (21714).
func (st *store) addToPool(account, serviceSid, pnSid string) (PhoneNumber, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := st.serviceRef(account, serviceSid); err != nil {
		return PhoneNumber{}, err
	}
	n, ok := st.numbers[pnSid]
	switch {
	case !ok || n.AccountSid != account:
		return PhoneNumber{}, ErrInvalidPhoneNumberSid.withf("Phone Number %s is not a number of this account", pnSid)
	case n.ServiceSid == serviceSid:
		return PhoneNumber{}, ErrNumberInThisService
	case n.ServiceSid != "":
		return PhoneNumber{}, ErrNumberInOtherService
	case st.poolSize(serviceSid) >= maxPoolSize:
		return PhoneNumber{}, ErrPoolFull
	}
	if err := st.soleProprietorPoolFull(serviceSid); err != nil {
		return PhoneNumber{}, err
	}
	n.ServiceSid, n.AddedAt = serviceSid, st.now()
	return *n, nil
}

func (st *store) poolSize(serviceSid string) int {
	size := 0
	for _, n := range st.numbers {
		if n.ServiceSid == serviceSid {
			size++
		}
	}
	return size
}

// poolRef finds a number in a service's pool. Callers hold mu.
func (st *store) poolRef(account, serviceSid, pnSid string) (*PhoneNumber, error) {
	if _, err := st.serviceRef(account, serviceSid); err != nil {
		return nil, err
	}
	n, ok := st.numbers[pnSid]
	if !ok || n.ServiceSid != serviceSid {
		return nil, ErrNotFound
	}
	return n, nil
}

func (st *store) poolNumber(account, serviceSid, pnSid string) (PhoneNumber, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	n, err := st.poolRef(account, serviceSid, pnSid)
	if err != nil {
		return PhoneNumber{}, err
	}
	return *n, nil
}

// removeFromPool takes a number out of a pool; the number stays in the account.
func (st *store) removeFromPool(account, serviceSid, pnSid string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	n, err := st.poolRef(account, serviceSid, pnSid)
	if err != nil {
		return err
	}
	n.ServiceSid, n.AddedAt = "", time.Time{}
	return nil
}

// listPool lists a service's senders, oldest number first.
func (st *store) listPool(account, serviceSid string, q pageQuery) ([]PhoneNumber, page, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := st.serviceRef(account, serviceSid); err != nil {
		return nil, page{}, err
	}
	all := st.poolOf(serviceSid)
	p := paginate(len(all), func(i int) uint64 { return st.order[all[i].Sid] }, q)
	return all[p.start:p.end], p, nil
}

// poolOf is a service's senders, oldest number first. Callers hold mu.
func (st *store) poolOf(serviceSid string) []PhoneNumber {
	return sorted(st, st.numbers, func(n *PhoneNumber) string { return n.Sid },
		func(n *PhoneNumber) bool { return n.ServiceSid == serviceSid })
}
