package twilio

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// callTransport sends the requests of one port call. twilio-go builds its requests
// without a context, so the call's context is attached here: cancelling a reconcile
// cancels its Twilio request. It also redirects to --twilio-api-url, waits for the
// account's limiter and records metrics.
type callTransport struct {
	ctx     context.Context
	base    http.RoundTripper
	baseURL *url.URL
	limiter *accountLimiter
	metrics *metrics
}

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	endpoint := endpointOf(req.URL.Path)
	release, err := t.limiter.acquire(t.ctx, isRegistrationWrite(req.Method, endpoint))
	if err != nil {
		return nil, err
	}
	defer release()

	out := req.Clone(t.ctx)
	if t.baseURL != nil {
		out.URL.Scheme = t.baseURL.Scheme
		out.URL.Host = t.baseURL.Host
		out.URL.Path = strings.TrimSuffix(t.baseURL.Path, "/") + out.URL.Path
		out.URL.RawPath = ""
		out.Host = ""
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(out)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	t.metrics.observe(req.Method, endpoint, status, time.Since(start))
	return resp, err
}
