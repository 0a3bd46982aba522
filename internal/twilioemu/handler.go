package twilioemu

import (
	"net/http"
	"strings"
	"time"
)

// twilioHandler is the one adapter between net/http and the handlers: authenticate,
// apply faults, parse, call the handler, write its response (or drop it), record.
func (s *Server) twilioHandler(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		start := time.Now()
		r := &request{Request: hr, route: rt}
		resp, drop := s.serveTwilio(w, r)
		status, body, terr := resp.resolve(hr.URL.Path)
		rec := RequestRecord{Time: start, Method: hr.Method, Route: rt.key(), Template: rt.path,
			Path: hr.URL.Path, Account: r.account, Status: status, UserAgent: hr.UserAgent(), Dropped: drop}
		if rt.method == "" {
			rec.Route = hr.Method + " (unmatched)"
		}
		if terr != nil {
			rec.Code = terr.Code
		}
		// Record before answering, so a client that has its answer also finds it counted.
		rec.Duration = time.Since(start)
		s.log.add(rec)
		if s.logger != nil {
			s.logger.Info("Served Twilio request", "method", rec.Method, "path", rec.Path, "status", rec.Status,
				"twilioCode", rec.Code, "accountSid", rec.Account, "duration", rec.Duration, "dropped", rec.Dropped)
		}
		if drop {
			dropConnection(w)
			return
		}
		// Twilio stamps every response with its own clock; the operator's crash
		// recovery reads Twilio's time from it, never its own.
		now, _ := s.Now()
		w.Header().Set("Date", now.Format(http.TimeFormat))
		writeJSON(w, status, body)
	})
}

// serveTwilio runs a request through authentication, faults and its handler. drop is
// true when the handler committed a write whose response must not reach the client.
func (s *Server) serveTwilio(w http.ResponseWriter, r *request) (resp response, drop bool) {
	account, err := s.authenticate(r)
	if err != nil {
		return fail(err), false
	}
	r.account = account
	release, ok := s.faults.acquire(account)
	if !ok {
		return fail(ErrTooManyRequests), false
	}
	defer release()
	if err := s.faults.before(r.route, account); err != nil {
		return fail(err), false
	}
	for name, suffix := range r.route.suffixes {
		if !strings.HasSuffix(r.PathValue(name), suffix) {
			return fail(ErrNotFound), false // the 2010 API without .json answers XML, which we do not serve
		}
	}
	if err := r.parse(w); err != nil {
		return fail(err), false
	}
	s.st.quirksNow().applyFields(r.route.key(), r.values)
	resp = r.route.handle(r)
	return resp, r.route.write() && resp.err == nil && s.faults.dropAfter(r.route, account)
}

// authenticate checks HTTP Basic credentials on every Twilio route: an account SID and
// its auth token, or an API key SID and its secret (acting as the key's account).
//
// On 2010 paths the {AccountSid} in the path must be the authenticated account. Twilio
// authorizes the credentials against the account the URL names, so another account's
// SID is an authentication failure (401/20003), not a 404: Twilio does not reveal
// whether that account exists. (Subaccounts, which a parent may address, are not
// emulated.)
func (s *Server) authenticate(r *request) (string, error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", ErrAuthenticate
	}
	account, ok := s.st.authenticate(user, pass)
	if !ok {
		return "", ErrAuthenticate
	}
	if r.route.method != "" && strings.Contains(r.route.path, "{AccountSid}") && r.PathValue("AccountSid") != account {
		return "", ErrAuthenticate
	}
	return account, nil
}

// aborter is implemented by the in-process transport's recorder: it turns a dropped
// response into a transport error for the client.
type aborter interface{ abort() }

// dropConnection closes the client's connection without a response: the write is
// committed, but the client cannot know. Over HTTP/1 the connection is hijacked and
// closed; elsewhere the handler aborts, which net/http turns into a reset stream.
func dropConnection(w http.ResponseWriter) {
	if a, ok := w.(aborter); ok {
		a.abort()
		return
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
