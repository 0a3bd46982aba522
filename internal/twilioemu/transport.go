package twilioemu

import (
	"bytes"
	"context"
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

// RoundTrip serves req through the emulator's handler. The request is processed to the
// end even when the client gives up first (a timeout, a cancellation): Twilio processes
// what it received, so a write may be committed while its client has stopped waiting.
func (t muxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close() // a RoundTripper always closes the request body
		if err != nil {
			return nil, err
		}
	}
	in := req.Clone(context.WithoutCancel(req.Context()))
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "in-process:0"
	in.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{ResponseRecorder: httptest.NewRecorder()}
	served := make(chan struct{})
	go func() {
		defer close(served)
		t.s.ServeHTTP(rec, in)
	}()
	select {
	case <-served:
	case <-req.Context().Done():
		return nil, req.Context().Err() // the client gave up while the emulator was slow
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
