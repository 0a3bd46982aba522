package twilioemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
)

// Quirks make the emulator behave the way Twilio does where Twilio departs from what its
// spec promises, so that a test can prove the operator copes: a field Twilio accepts but
// does not keep, a value Twilio stores in another form, a list that leaves objects out.
// The zero value is a Twilio that keeps its word. Quirks are part of the state (Reset
// returns to the seed's) and are set with SetQuirks or PUT /__emulator/quirks.
type Quirks struct {
	// Fields change how named fields of a write are taken, in order.
	Fields []FieldQuirk `json:"fields,omitempty"`
	// BrandListOmitsVetted makes GET /v1/a2p/BrandRegistrations leave out the brands
	// whose identity_status is VETTED_VERIFIED (the secondary-vetted ones), which
	// fetching by SID still returns: "The .list method does not include brands that are
	// in VETTED_VERIFIED identity_status. All other brands are properly included"
	// (https://github.com/twilio/twilio-ruby/issues/688, open). Approved standard brands
	// are secondary-vetted unless registered with SkipAutomaticSecVet or Mock.
	BrandListOmitsVetted bool `json:"brandListOmitsVetted,omitempty"`
}

// QuirkMode is what a FieldQuirk does to its field.
type QuirkMode string

// The modes of a FieldQuirk.
const (
	// QuirkIgnore drops the field before the request is processed: Twilio answers as if
	// it had not been sent, and keeps nothing of it. Fields the spec calls "Reserved."
	// or "[OBSOLETE]" (ScanMessageContent, SynchronousValidation and FallbackToLongCode
	// on POST /v1/Services and /v1/Services/{Sid}) are the likely ones.
	QuirkIgnore QuirkMode = "ignore"
	// QuirkNormalise rewrites every value of the field with Normalise before the request
	// is processed, as Twilio storing another spelling than the one sent.
	QuirkNormalise QuirkMode = "normalise"
)

// The functions of QuirkNormalise.
const (
	NormaliseUpper = "upper" // upper-case, e.g. keywords: "stop" is kept as "STOP"
	NormaliseLower = "lower" // lower-case, e.g. enums: "ENABLE" is kept as "enable"
	NormaliseTrim  = "trim"  // leading and trailing white space removed
)

var normalisers = map[string]func(string) string{
	NormaliseUpper: strings.ToUpper,
	NormaliseLower: strings.ToLower,
	NormaliseTrim:  strings.TrimSpace,
}

// FieldQuirk changes how one field of one route's requests is taken:
// {"route": "POST /v1/Services/{Sid}", "field": "ScanMessageContent", "mode": "ignore"}
// or {"route": "POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p",
// "field": "OptOutKeywords", "mode": "normalise", "normalise": "upper"}.
type FieldQuirk struct {
	// Route is the route's key as counters name it: "METHOD path template".
	Route string `json:"route"`
	// Field is a parameter the route reads (see Routes).
	Field string `json:"field"`
	// Mode is ignore or normalise.
	Mode QuirkMode `json:"mode"`
	// Normalise names the function of mode normalise: upper, lower or trim.
	Normalise string `json:"normalise,omitempty"`
}

// Validate reports a quirk the emulator cannot apply: an unknown route, a field the
// route does not read, an unknown mode or function.
func (q Quirks) Validate() error {
	routes := map[string][]string{}
	for _, rt := range Routes() {
		routes[rt.Method+" "+rt.Path] = rt.Params
	}
	for _, f := range q.Fields {
		params, ok := routes[f.Route]
		switch {
		case !ok:
			return fmt.Errorf("quirk: no route %q; name one as \"POST /v1/Services/{Sid}\"", f.Route)
		case !slices.Contains(params, f.Field):
			return fmt.Errorf("quirk: %s reads no field %q (it reads %v)", f.Route, f.Field, params)
		case f.Field == apiVersionHeader:
			return fmt.Errorf("quirk: %s is a header, not a field of the request", f.Field)
		case f.Mode == QuirkIgnore && f.Normalise != "":
			return fmt.Errorf("quirk: mode ignore takes no normalise function")
		case f.Mode == QuirkNormalise && normalisers[f.Normalise] == nil:
			return fmt.Errorf("quirk: normalise must be upper, lower or trim, not %q", f.Normalise)
		case f.Mode != QuirkIgnore && f.Mode != QuirkNormalise:
			return fmt.Errorf("quirk: mode must be ignore or normalise, not %q", f.Mode)
		}
	}
	return nil
}

// clone is a deep copy.
func (q Quirks) clone() Quirks {
	q.Fields = slices.Clone(q.Fields)
	return q
}

// applyFields rewrites values, the parameters of a request to route, with the field
// quirks of that route.
func (q Quirks) applyFields(route string, values url.Values) {
	for _, f := range q.Fields {
		if f.Route != route {
			continue
		}
		switch f.Mode {
		case QuirkIgnore:
			values.Del(f.Field)
		case QuirkNormalise:
			norm := normalisers[f.Normalise]
			for i, v := range values[f.Field] {
				values[f.Field][i] = norm(v)
			}
		}
	}
}

// LoadQuirks reads a quirks file (the JSON form of Quirks) and validates it.
func LoadQuirks(path string) (Quirks, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the path is the operator's own flag
	if err != nil {
		return Quirks{}, fmt.Errorf("cannot read quirks file: %w", err)
	}
	var q Quirks
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt key would otherwise set no quirk, silently
	if err := dec.Decode(&q); err != nil {
		return Quirks{}, fmt.Errorf("cannot parse quirks file %s: %w", path, err)
	}
	return q, q.Validate()
}

// SetQuirks replaces the quirks.
func (s *Server) SetQuirks(q Quirks) error {
	if err := q.Validate(); err != nil {
		return ErrInvalidSeed.withf("%v", err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.quirks = q.clone()
	return nil
}

// Quirks are the quirks in force.
func (s *Server) Quirks() (Quirks, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.quirks.clone(), nil
}

// quirksNow is a copy of the quirks, for a request on its way to its handler.
func (st *store) quirksNow() Quirks {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.quirks.clone()
}
