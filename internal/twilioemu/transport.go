package twilioemu

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
)

// Transport returns an http.RoundTripper that serves every request in-process through
// the emulator, whatever host it names (messaging.twilio.com, api.twilio.com,
// trusthub.twilio.com…), like fake-gcs-server's mux transport. A client built on it
// needs no listener and no URL rewriting. A dropped write (Faults.DropRate,
// DropNextWrites) comes back as a transport error wrapping io.ErrUnexpectedEOF.
func (s *Server) Transport() http.RoundTripper { return muxTransport{s} }

// HTTPClient returns an *http.Client using Transport.
func (s *Server) HTTPClient() *http.Client { return &http.Client{Transport: s.Transport()} }

type muxTransport struct{ s *Server }

// RoundTrip serves req through the emulator's handler.
func (t muxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close() // a RoundTripper always closes the request body
	}
	in := req.Clone(req.Context())
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "in-process:0"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := &recorder{ResponseRecorder: httptest.NewRecorder()}
	t.s.ServeHTTP(rec, in)
	if err := req.Context().Err(); err != nil {
		return nil, err // the client gave up (timeout, cancellation) while the emulator was slow
	}
	if rec.aborted {
		return nil, fmt.Errorf("twilioemu: %s %s: connection closed after the write was committed: %w",
			req.Method, req.URL.Path, io.ErrUnexpectedEOF)
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// recorder is an httptest.ResponseRecorder that can be aborted (see dropConnection).
type recorder struct {
	*httptest.ResponseRecorder
	aborted bool
}

func (r *recorder) abort() { r.aborted = true }

// RedirectTransport sends every request to base (scheme, host and an optional path
// prefix) instead of the host it names, keeping path and query. It points an unchanged
// twilio-go client at an emulator listening on base; next is the transport to use
// (nil for http.DefaultTransport).
func RedirectTransport(base string, next http.RoundTripper) (http.RoundTripper, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("twilioemu: base URL %q must be absolute", base)
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return redirect{base: u, next: next}, nil
}

type redirect struct {
	base *url.URL
	next http.RoundTripper
}

// RoundTrip rewrites the request's scheme, host and path prefix, then sends it.
func (t redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = t.base.Scheme, t.base.Host, t.base.Host
	if prefix := strings.TrimSuffix(t.base.Path, "/"); prefix != "" && !strings.HasPrefix(out.URL.Path, prefix+"/") {
		out.URL.Path = prefix + out.URL.Path
	}
	return t.next.RoundTrip(out)
}
