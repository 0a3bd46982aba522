package twilio

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// callTransport sends the requests of one port call. twilio-go builds its requests
// without a context, so the call's context is attached here: cancelling a reconcile
// cancels its Twilio request. It also redirects to --twilio-api-url, waits for the
// account's limiter, retries what Twilio refused with 429, notes Twilio's clock from
// the Date header and records metrics.
type callTransport struct {
	ctx     context.Context
	base    http.RoundTripper
	baseURL *url.URL
	limiter *accountLimiter
	clock   *twilioClock
	metrics *metrics
}

// maxThrottledRetries is how many times a request answered 429 is sent again before
// the 429 is returned (and the reconcile backs off instead).
const maxThrottledRetries = 5

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	endpoint := endpointOf(req.URL.Path)
	// Twilio answers 429 (20429) before processing a request, so sending it again, a
	// write included, cannot apply it twice. Retrying here, after a short backoff,
	// keeps the refusal out of the reconcile: no Retrying status, no event, and no
	// search for a Messaging Service whose create may have happened.
	retryable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 0; ; attempt++ {
		resp, err := t.send(req, endpoint, attempt)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || !retryable || attempt == maxThrottledRetries {
			return resp, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if err := sleep(t.ctx, throttledBackoff(attempt)); err != nil {
			return nil, err
		}
	}
}

// send sends one attempt of req through the account's limiter.
func (t *callTransport) send(req *http.Request, endpoint string, attempt int) (*http.Response, error) {
	release, err := t.limiter.acquire(t.ctx, isRegistrationWrite(req.Method, endpoint))
	if err != nil {
		return nil, err
	}
	out := req.Clone(t.ctx)
	if attempt > 0 && req.GetBody != nil {
		if out.Body, err = req.GetBody(); err != nil {
			release(false)
			return nil, err
		}
	}
	if isCampaignEndpoint(endpoint) {
		// Every campaign request asks for the v2 shape, which carries the privacy and
		// terms URLs. twilio-go sends the header only where its parameters have one set,
		// and its list never does: set here, it is on every campaign request.
		out.Header.Set(APIVersionHeader, CampaignAPIVersion)
	}
	if t.baseURL != nil {
		redirect(out, t.baseURL)
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(out)
	status := 0
	if err == nil {
		status = resp.StatusCode
		t.clock.observe(resp)
	}
	release(status == http.StatusTooManyRequests)
	t.metrics.observe(req.Method, endpoint, status, time.Since(start))
	return resp, err
}

// redirect sends req to base instead of Twilio's host, keeping its path (escapes
// included: a path parameter escaped by the port stays one segment) under base's path.
func redirect(req *http.Request, base *url.URL) {
	escaped := strings.TrimSuffix(base.EscapedPath(), "/") + req.URL.EscapedPath()
	path, err := url.PathUnescape(escaped)
	if err != nil {
		path = escaped
	}
	req.URL.Scheme, req.URL.Host = base.Scheme, base.Host
	req.URL.Path, req.URL.RawPath = path, escaped
	if path == escaped {
		req.URL.RawPath = ""
	}
	req.Host = ""
}

// throttledBackoff is the wait before retry attempt+1 of a request answered 429: 100ms
// doubling to 1.6s, jittered so that refused requests do not return together.
func throttledBackoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 4)
	return d/2 + time.Duration(rand.Int64N(int64(d))) //nolint:gosec // jitter, not security
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
