package twilioemu_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// The conformance test holds the emulator to Twilio's published OpenAPI specs: every
// route it serves is an operation of a spec with the same method, every parameter a
// route reads is declared by that operation, and every response body of every route
// has exactly the properties of the operation's response schema, with values of the
// declared types, formats, patterns and enums.

// specFiles are the specs the routes come from. A route is looked up in them in this
// order, so a path two specs share (messaging's and conversations' /v1/Services, on
// different hosts) is messaging's: conversations comes last, and the emulator serves
// none of its paths that messaging also has.
var specFiles = []string{"twilio_messaging_v1.json", "twilio_trusthub_v1.json", "twilio_api_v2010.json",
	"twilio_conversations_v1.json"}

// specDir is the repository's vendored copy of Twilio's specs, third_party/twilio-oai
// (its README gives their version and licence), or $TWILIO_OAI_DIR to check the
// emulator against another copy.
func specDir(t *testing.T) string {
	if dir := os.Getenv("TWILIO_OAI_DIR"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "third_party", "twilio-oai")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// spec is one OpenAPI document.
type spec struct {
	name string
	doc  map[string]any
}

func loadSpecs(t *testing.T) []spec {
	dir := specDir(t)
	var specs []spec
	for _, name := range specFiles {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("the vendored OpenAPI specs are missing: %v", err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		specs = append(specs, spec{name: name, doc: doc})
	}
	return specs
}

// operation finds a route's operation; the spec it is in resolves its $refs.
func operation(specs []spec, method, path string) (spec, map[string]any) {
	for _, s := range specs {
		if item, ok := obj(s.doc["paths"])[path]; ok {
			if op := obj(obj(item)[strings.ToLower(method)]); op != nil {
				return s, op
			}
		}
	}
	return spec{}, nil
}

// declaredParams are an operation's parameter names: path, query and header
// parameters, and the properties of its form body.
func declaredParams(s spec, op map[string]any) []string {
	var names []string
	for _, p := range list(op["parameters"]) {
		names = append(names, fmt.Sprint(s.resolve(obj(p))["name"]))
	}
	for _, content := range obj(obj(op["requestBody"])["content"]) {
		for name := range obj(s.resolve(obj(obj(content)["schema"]))["properties"]) {
			names = append(names, name)
		}
	}
	return names
}

func TestRoutesAndParametersAreTwilios(t *testing.T) {
	specs := loadSpecs(t)
	for _, rt := range twilioemu.Routes() {
		s, op := operation(specs, rt.Method, rt.Path)
		if op == nil {
			t.Errorf("%s %s is not an operation of Twilio's specs", rt.Method, rt.Path)
			continue
		}
		declared := declaredParams(s, op)
		for _, p := range rt.Params {
			if !slices.Contains(declared, p) {
				t.Errorf("%s %s reads %q, which %s does not declare (it declares %v)", rt.Method, rt.Path, p, s.name, declared)
			}
		}
	}
}

func TestResponsesMatchTwiliosSchemas(t *testing.T) {
	specs := loadSpecs(t)
	emu := newEmu(t)
	ex := &exerciser{t: t, emu: emu, hc: emu.HTTPClient(), specs: specs, seen: map[string]int{}}
	ex.run()
	for _, rt := range twilioemu.Routes() {
		if key := rt.Method + " " + rt.Path; ex.seen[key] == 0 {
			t.Errorf("%s was never exercised with a successful response", key)
		}
	}
}

// resolve follows a $ref within the spec.
func (s spec) resolve(schema map[string]any) map[string]any {
	for schema != nil {
		ref, ok := schema["$ref"].(string)
		if !ok {
			return schema
		}
		var node any = s.doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			node = obj(node)[part]
		}
		schema = obj(node)
	}
	return nil
}

// validate lists how value breaks schema; at is the JSON path for messages.
func (s spec) validate(at string, schema map[string]any, value any) []string {
	schema = s.resolve(schema)
	if value == nil {
		if schema["nullable"] == true || len(schema) == 0 {
			return nil
		}
		return []string{at + ": null is not allowed"}
	}
	if alts := list(schema["oneOf"]); alts != nil {
		matches := 0
		for _, alt := range alts {
			if len(s.validate(at, obj(alt), value)) == 0 {
				matches++
			}
		}
		if matches != 1 {
			return []string{fmt.Sprintf("%s: matches %d of the oneOf schemas, want exactly 1", at, matches)}
		}
		return nil
	}
	switch schema["type"] {
	case "object":
		return s.validateObject(at, schema, value)
	case "array":
		items, ok := value.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v is not an array", at, value)}
		}
		var problems []string
		for i, item := range items {
			if itemSchema := obj(schema["items"]); len(itemSchema) > 0 {
				problems = append(problems, s.validate(fmt.Sprintf("%s[%d]", at, i), itemSchema, item)...)
			}
		}
		return problems
	case "string":
		return validateString(at, schema, value)
	case "integer":
		if n, ok := value.(json.Number); !ok || strings.ContainsAny(n.String(), ".eE") {
			return []string{fmt.Sprintf("%s: %v is not an integer", at, value)}
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			return []string{fmt.Sprintf("%s: %v is not a boolean", at, value)}
		}
	}
	return nil
}

func (s spec) validateObject(at string, schema map[string]any, value any) []string {
	m, ok := value.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: %v is not an object", at, value)}
	}
	props := obj(schema["properties"])
	if props == nil {
		if schema["format"] == "uri-map" {
			for k, v := range m {
				if str, _ := v.(string); !absoluteURL(str) {
					return []string{fmt.Sprintf("%s.%s: %v is not an absolute URL", at, k, v)}
				}
			}
		}
		return nil
	}
	var problems []string
	for name, sub := range props {
		v, present := m[name]
		if !present {
			problems = append(problems, fmt.Sprintf("%s.%s: missing", at, name))
			continue
		}
		problems = append(problems, s.validate(at+"."+name, obj(sub), v)...)
	}
	for name := range m {
		if _, declared := props[name]; !declared {
			problems = append(problems, fmt.Sprintf("%s.%s: not a property of the schema", at, name))
		}
	}
	return problems
}

func validateString(at string, schema map[string]any, value any) []string {
	str, ok := value.(string)
	if !ok {
		return []string{fmt.Sprintf("%s: %v is not a string", at, value)}
	}
	if enum := list(schema["enum"]); enum != nil && !slices.Contains(enum, any(str)) {
		return []string{fmt.Sprintf("%s: %q is not one of %v", at, str, enum)}
	}
	if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
		return []string{fmt.Sprintf("%s: %q does not match %s", at, str, p)}
	}
	var err error
	switch schema["format"] {
	case "date-time":
		_, err = time.Parse("2006-01-02T15:04:05Z", str)
	case "date-time-rfc-2822":
		_, err = time.Parse(time.RFC1123Z, str)
	case "phone-number":
		if !regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`).MatchString(str) {
			err = fmt.Errorf("not E.164")
		}
	case "uri":
		_, err = url.Parse(str)
		if strings.HasSuffix(at, "url") && !absoluteURL(str) {
			err = fmt.Errorf("not an absolute URL")
		}
	}
	if err != nil {
		return []string{fmt.Sprintf("%s: %q is not a %v: %v", at, str, schema["format"], err)}
	}
	return nil
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}
