package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The JSON fast path must load exactly what the positioned path loads, and
// must hand every file with a problem to the positioned path.
func TestJSONFastPathAgreesWithPositionedPath(t *testing.T) {
	sources := map[string][]byte{"demo": DemoSource}
	for _, f := range []string{"spec-example.yaml", "conditions.yaml", "anchors.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		sources[f] = b
	}
	for name, src := range sources {
		slow, err := parseSlow(name, src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		js, err := json.Marshal(slow)
		if err != nil {
			t.Fatal(err)
		}
		fast := parseJSONFast(js)
		if fast == nil {
			t.Fatalf("%s: the fast path refused a valid file", name)
		}
		slowJSON, err := parseSlow(name+".json", js)
		if err != nil {
			t.Fatalf("%s as JSON: %v", name, err)
		}
		if !reflect.DeepEqual(fast, slowJSON) {
			t.Fatalf("%s: fast and positioned paths disagree", name)
		}
	}
}

func TestJSONFastPathRefusesProblems(t *testing.T) {
	for _, src := range []string{
		`{"resources": {}}`,               // no version
		`{"version": 2}`,                  // unsupported
		`{"version": 1, "resourcez": {}}`, // unknown key
		`{"version": 1, "roles": {"r": {"permissions": ["document:read"]}}}`, // unknown type
		`{"version": 1, "user_sets": {"s": {"conditions": {"allOf": [null]}}}}`,
		`{"version": 1} trailing`,
		`{"version": 1, "tenants": {"t": {"attributes": [1]}}}`,
	} {
		if p := parseJSONFast([]byte(src)); p != nil {
			t.Errorf("fast path accepted %s", src)
		}
		_, err := Parse("x.json", []byte(src))
		if err == nil {
			t.Errorf("Parse accepted %s", src)
			continue
		}
		if !strings.Contains(err.Error(), "x.json:") {
			t.Errorf("%s: problem without position: %v", src, err)
		}
	}
}

// A null entry is read by the positioned path as an empty one; the fast
// path leaves it to that path rather than hand the engine a nil.
func TestJSONNullEntryIsEmpty(t *testing.T) {
	src := []byte(`{"version": 1, "resources": {"document": null}, "tenants": {"t": null}}`)
	if parseJSONFast(src) != nil {
		t.Fatal("fast path accepted a null entry")
	}
	p, err := Parse("x.json", src)
	if err != nil {
		t.Fatal(err)
	}
	if p.Resources["document"] == nil || p.Tenants["t"] == nil {
		t.Fatal("a null entry became nil")
	}
}
