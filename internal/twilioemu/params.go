package twilioemu

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// request is an authenticated Twilio request on its way to a handler.
type request struct {
	*http.Request
	route   *route
	account string     // the authenticated account SID
	values  url.Values // the POST body, or the query string of GET and DELETE
}

// maxBody bounds a request body; Twilio's own limit is far above any real form.
const maxBody = 1 << 20

// parse reads the parameters: Twilio takes POST parameters from the form-encoded body
// (repeated keys for lists) and GET/DELETE parameters from the query string.
func (r *request) parse(w http.ResponseWriter) error {
	if r.Method != http.MethodPost {
		r.values = r.URL.Query()
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return ErrInvalidParameter.withf("Unable to parse the request body: %v", err)
	}
	r.values = r.PostForm
	return nil
}

// declare panics when a handler reads a parameter its route does not declare. The
// route table is what the OpenAPI conformance test checks, so it must be complete; a
// missing declaration is a bug in this package, caught by the first test that runs it.
func (r *request) declare(name string) {
	if !slices.Contains(r.route.params, name) {
		panic(fmt.Sprintf("twilioemu: %s reads parameter %q, which its route does not declare", r.route.key(), name))
	}
}

// pathValue is a path parameter. Go's mux matches whole segments, so "{Sid}.json"
// is registered as "{Sid}" and the suffix is checked and cut here.
func (r *request) pathValue(name string) string {
	v := r.PathValue(name)
	if suffix := r.route.suffixes[name]; suffix != "" {
		v = strings.TrimSuffix(v, suffix)
	}
	return v
}

// header is a header parameter (X-Twilio-Api-Version).
func (r *request) header(name string) string {
	r.declare(name)
	return r.Header.Get(name)
}

// base is the scheme and host the client used, for the absolute URLs in responses.
func (r *request) base() string {
	scheme := r.URL.Scheme
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return scheme + "://" + host
}

// form reads a request's parameters, keeping the first validation error so a handler
// can read everything and check once.
type form struct {
	r   *request
	err error
}

func (r *request) form() *form { return &form{r: r} }

func (f *form) fail(err error) {
	if f.err == nil {
		f.err = err
	}
}

// strs is every value of a repeated parameter, nil when absent.
func (f *form) strs(name string) []string {
	f.r.declare(name)
	return f.r.values[name]
}

// str is a parameter's first value, nil when absent.
func (f *form) str(name string) *string {
	if vs := f.strs(name); len(vs) > 0 {
		return &vs[0]
	}
	return nil
}

// require fails with Twilio's 20001 for the first parameter that was not sent.
func (f *form) require(names ...string) {
	for _, n := range names {
		if f.str(n) == nil {
			f.fail(missing(n))
			return
		}
	}
}

// boolean reads "true"/"false" in any case, as Twilio does.
func (f *form) boolean(name string) *bool {
	s := f.str(name)
	if s == nil {
		return nil
	}
	switch strings.ToLower(*s) {
	case "true":
		return ptr(true)
	case "false":
		return ptr(false)
	}
	f.fail(invalid(name, *s))
	return nil
}

// integer reads a decimal integer in [lo, hi].
func (f *form) integer(name string, lo, hi int) *int {
	s := f.str(name)
	if s == nil {
		return nil
	}
	n, err := strconv.Atoi(*s)
	if err != nil || n < lo || n > hi {
		f.fail(invalid(name, *s))
		return nil
	}
	return &n
}

// enum reads one of allowed; Twilio compares case-insensitively and stores the
// canonical spelling. A value outside the set fails with bad.
func (f *form) enum(name string, allowed []string, bad *Error) *string {
	s := f.str(name)
	if s == nil {
		return nil
	}
	for _, a := range allowed {
		if strings.EqualFold(a, *s) {
			return &a
		}
	}
	f.fail(bad.withf("%s is invalid: %q", name, *s))
	return nil
}

// link reads a URL parameter: empty clears it, anything else must be an absolute
// http or https URL with a host, or it fails with bad.
func (f *form) link(name string, bad *Error) *string {
	s := f.str(name)
	if s == nil || *s == "" || validURL(*s) {
		return s
	}
	f.fail(bad.withf("%s is not a valid URL: %s", name, *s))
	return nil
}

// length reads a string of lo to hi characters; outside that it fails with bad.
func (f *form) length(name string, lo, hi int, bad *Error) *string {
	s := f.str(name)
	if s != nil && !between(utf8.RuneCountInString(*s), lo, hi) {
		f.fail(bad.withf("%s must be between %d and %d characters", name, lo, hi))
	}
	return s
}

// sid reads a SID parameter that must match pattern; a malformed one fails with bad.
func (f *form) sid(name string, pattern *regexp.Regexp, bad *Error) *string {
	s := f.str(name)
	if s != nil && !pattern.MatchString(*s) {
		f.fail(bad.withf("%s is invalid: %q", name, *s))
	}
	return s
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(u.Host, " _")
}

func between(n, lo, hi int) bool { return n >= lo && n <= hi }

func ptr[T any](v T) *T { return &v }

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
