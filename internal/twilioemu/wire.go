package twilioemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// response is what a handler returns: a status and a JSON body, or an error that the
// adapter turns into Twilio's error body. Handlers never touch the ResponseWriter.
type response struct {
	status int
	body   any
	err    error
}

func ok(body any) response       { return response{status: http.StatusOK, body: body} }
func created(body any) response  { return response{status: http.StatusCreated, body: body} }
func accepted(body any) response { return response{status: http.StatusAccepted, body: body} }
func noContent() response        { return response{status: http.StatusNoContent} }
func fail(err error) response    { return response{err: err} }

// errorBody is Twilio's error envelope.
type errorBody struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// resolve turns an error response into its Twilio status and body.
func (resp response) resolve(path string) (int, any, *Error) {
	if resp.err == nil {
		return resp.status, resp.body, nil
	}
	e := asTwilio(resp.err, path)
	return e.Status, errorBody{Code: e.Code, Message: e.Message, MoreInfo: e.MoreInfo(), Status: e.Status}, e
}

// writeJSON writes status and body; 204 has no body.
func writeJSON(w http.ResponseWriter, status int, body any) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
	}
	if status == http.StatusNoContent || body == nil {
		w.WriteHeader(status)
		return
	}
	data, err := json.Marshal(body)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"code":20500,"message":"Internal Server Error",`+
			`"more_info":"https://www.twilio.com/docs/errors/20500","status":500}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// pageQuery is a list request's paging: PageSize (1–1000, default 50), Page (the page
// number Twilio echoes) and PageToken (where the page starts, from a previous page).
type pageQuery struct {
	size, number int
	token        string
	after        uint64 // PA token: items created after this sequence number
	before       uint64 // PB token: items created before this sequence number
}

// page is the window a pageQuery selects from a list, and the tokens around it.
type page struct {
	start, end int // item indexes [start, end)
	next, prev string
	total      int
}

// paginate selects q's window from n items whose creation sequences seq returns in
// ascending order. Page tokens name a sequence number, not an offset, so paging stays
// correct while objects are created and deleted between pages, as Twilio's do.
func paginate(n int, seq func(int) uint64, q pageQuery) page {
	start := min(q.number*q.size, n)
	switch {
	case q.after > 0:
		start = n
		for i := range n {
			if seq(i) > q.after {
				start = i
				break
			}
		}
	case q.before > 0:
		end := n
		for i := range n {
			if seq(i) >= q.before {
				end = i
				break
			}
		}
		start = max(0, end-q.size)
	}
	p := page{start: start, end: min(start+q.size, n), total: n}
	if p.end < n && p.end > p.start {
		p.next = "PA" + strconv.FormatUint(seq(p.end-1), 36)
	}
	if p.start > 0 && p.start < n {
		p.prev = "PB" + strconv.FormatUint(seq(p.start), 36)
	}
	return p
}

// parsePageQuery reads PageSize (at most 1000), Page and PageToken.
func parsePageQuery(f *form) (pageQuery, error) { return parsePageQueryUpTo(f, 1000) }

// parsePageQueryUpTo is parsePageQuery for a list whose spec allows at most maxSize
// per page (Conversations: 50).
func parsePageQueryUpTo(f *form, maxSize int) (pageQuery, error) {
	q := pageQuery{size: min(50, maxSize)}
	if v := f.integer("PageSize", 1, maxSize); v != nil {
		q.size = *v
	}
	if v := f.integer("Page", 0, 1<<20); v != nil {
		q.number = *v
	}
	if t := f.str("PageToken"); t != nil && *t != "" {
		q.token = *t
		n, err := strconv.ParseUint((*t)[min(2, len(*t)):], 36, 64)
		switch {
		case err != nil || n == 0:
			f.fail(invalid("PageToken", *t))
		case strings.HasPrefix(*t, "PA"):
			q.after = n
		case strings.HasPrefix(*t, "PB"):
			q.before = n
		default:
			f.fail(invalid("PageToken", *t))
		}
	}
	return q, f.err
}

// pageURL is the path and query of one page of a list, filters first, as Twilio
// writes them.
func pageURL(path string, filters url.Values, size, number int, token string) string {
	var b strings.Builder
	b.WriteString(path)
	b.WriteByte('?')
	for _, k := range sortedKeys(filters) {
		for _, v := range filters[k] {
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v) + "&")
		}
	}
	b.WriteString("PageSize=" + strconv.Itoa(size) + "&Page=" + strconv.Itoa(number))
	if token != "" {
		b.WriteString("&PageToken=" + url.QueryEscape(token))
	}
	return b.String()
}

// v1Meta is the meta object of a v1 list. Its URLs are absolute and use the scheme and
// host the request came to, so a client following next_page_url stays on the emulator.
// The list's filters are kept in every page URL, as the specs' examples show them
// (TrustHub's "…/CustomerProfiles?Status=draft&FriendlyName=…&PageSize=50&Page=0").
func v1Meta(r *request, key string, filters url.Values, q pageQuery, p page) map[string]any {
	base, path := r.base(), r.URL.Path
	meta := map[string]any{
		"key":               key,
		"page":              q.number,
		"page_size":         q.size,
		"first_page_url":    base + pageURL(path, filters, q.size, 0, ""),
		"url":               base + pageURL(path, filters, q.size, q.number, q.token),
		"next_page_url":     nil,
		"previous_page_url": nil,
	}
	if p.next != "" {
		meta["next_page_url"] = base + pageURL(path, filters, q.size, q.number+1, p.next)
	}
	if p.prev != "" {
		meta["previous_page_url"] = base + pageURL(path, filters, q.size, max(0, q.number-1), p.prev)
	}
	return meta
}

// v1List is a v1 list envelope: the items under key, plus meta.
func v1List[T any](r *request, key string, items []T, q pageQuery, p page) map[string]any {
	return v1FilteredList(r, key, items, nil, q, p)
}

// v1FilteredList is v1List for a list read with filters.
func v1FilteredList[T any](r *request, key string, items []T, filters url.Values, q pageQuery, p page) map[string]any {
	return map[string]any{key: items, "meta": v1Meta(r, key, filters, q, p)}
}

// v2010List is the 2010 API's list envelope: relative URIs, start and end indexes.
func v2010List[T any](r *request, key string, items []T, filters url.Values, q pageQuery, p page) map[string]any {
	path := r.URL.Path
	env := map[string]any{
		key:                 items,
		"page":              q.number,
		"page_size":         q.size,
		"start":             p.start,
		"end":               max(p.start, p.end-1),
		"uri":               pageURL(path, filters, q.size, q.number, q.token),
		"first_page_uri":    pageURL(path, filters, q.size, 0, ""),
		"next_page_uri":     nil,
		"previous_page_uri": nil,
	}
	if p.next != "" {
		env["next_page_uri"] = pageURL(path, filters, q.size, q.number+1, p.next)
	}
	if p.prev != "" {
		env["previous_page_uri"] = pageURL(path, filters, q.size, max(0, q.number-1), p.prev)
	}
	return env
}

// nullable is a JSON string that is null when empty, as Twilio sends unset fields.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
