package pull

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp/policy"
)

// indented is what encoding/json writes for v (HTML escaping off) as an
// entry of the file: indented by one space, at depth 2.
func indented(t testing.TB, v any) (string, bool) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("  ", " ")
	if err := enc.Encode(v); err != nil {
		return "", false
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}

// oddPolicy has users, instances and relationships with every kind of
// value an attribute can hold and strings that need escaping.
func oddPolicy() *policy.Policy {
	attrs := map[string]any{
		"s": "plain", "q": `with "quotes" and \ backslash`, "ctl": "tab\tnew\nline\x01", "html": "<a href='x'>&</a>",
		"uni": "日本語 é", "sep": "line\u2028para\u2029", "bad": "bad\xffutf8", "rep": "\ufffd",
		"n0": 0.0, "neg0": math.Copysign(0, -1), "int": 42.0, "frac": 0.1, "tiny": 1e-7, "small": 1e-6, "big": 1e21, "bigger": 1.5e300,
		"justbelow": 999999999999999999999.0, "negtiny": -3e-9,
		"t": true, "f": false, "null": nil,
		"empty_list": []any{}, "empty_map": map[string]any{}, "list": []any{1.0, "two", []any{}, map[string]any{"k": []any{nil}}},
		"nested":             map[string]any{"b": map[string]any{"c": map[string]any{}}, "a": []any{true}},
		"key with \"quote\"": 1.0, "ключ": "значение", "": "empty key",
	}
	return &policy.Policy{Version: 1,
		Users: map[string]*policy.User{
			"alice":      {Email: "alice@acme.io", FirstName: "Alice", LastName: "Smith", Attributes: attrs, Tenants: []string{"acme", "globex"}, Roles: []policy.RoleAssignment{{Role: "admin", Tenant: "acme"}, {Role: "editor", Resource: "document:d1"}, {Role: "viewer", Tenant: "globex", Resource: "document:d2"}}},
			"bob \"b\"":  {Email: "bob\n@x.io"},
			"empty":      {},
			"only-roles": {Roles: []policy.RoleAssignment{{Role: ""}}},
			"日本":         {FirstName: "名前", Attributes: map[string]any{"x": map[string]any(nil), "y": []any(nil)}},
			"a\u2028sep": {LastName: "x"},
		},
		ResourceInstances: map[string]*policy.Instance{
			"document:d1":  {Tenant: "acme", Attributes: attrs},
			"document:d2":  {},
			"document:d\"": {Tenant: "t\\"},
			"folder:f1":    {Attributes: map[string]any{"n": 1.0}},
			"folder:f2":    {Attributes: map[string]any{"int": int64(3)}}, // not a decoded value: written by encoding/json
		},
		Relationships: []policy.Relationship{
			{Subject: "folder:f1", Relation: "parent", Object: "document:d1"},
			{Subject: "folder:\"f\"", Relation: "parent", Object: "document:日本"},
			{},
		},
	}
}

// The file is what encoding/json writes for the whole policy, fast
// appenders or not, down to the byte.
func TestFastEncodeMatchesEncodingJSON(t *testing.T) {
	p := oddPolicy()
	got, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	want := encodingJSON(t, p)
	if string(got) != string(want) {
		t.Errorf("EncodeTo:\n%s\nencoding/json:\n%s", got, want)
	}
	// And the plain entries take the fast path.
	for _, k := range []string{"alice", "empty", "only-roles"} {
		if _, ok := appendUser(nil, p.Users[k], 2); !ok && k != "alice" {
			t.Errorf("user %q was left to encoding/json", k)
		}
	}
	if _, ok := appendInstance(nil, p.ResourceInstances["folder:f1"], 2); !ok {
		t.Error("a plain instance was left to encoding/json")
	}
	if _, ok := appendRelationship(nil, &p.Relationships[0], 2); !ok {
		t.Error("a plain relationship was left to encoding/json")
	}
}

// FuzzAppendUser holds the appenders to encoding/json: attributes decoded
// from any JSON, strings of any bytes.
func FuzzAppendUser(f *testing.F) {
	f.Add(`{"a":1,"b":[true,null,"x"],"c":{"d":{}}}`, "alice@x.io", "document:d1")
	f.Add(`{"n":1e-7,"m":-0,"big":123456789012345678901234,"s":"\u2028<>&"}`, "a\"b", "t\xff")
	f.Add(`[]`, "", "")
	f.Fuzz(func(t *testing.T, attrsJSON, s1, s2 string) {
		var attrs map[string]any
		if json.Unmarshal([]byte(attrsJSON), &attrs) != nil {
			attrs = map[string]any{"raw": attrsJSON}
		}
		check := func(what string, v any, b []byte, ok bool) {
			want, encOK := indented(t, v)
			if ok && (!encOK || string(b) != want) {
				t.Fatalf("%s: appended\n%s\nencoding/json (ok %v):\n%s", what, b, encOK, want)
			}
		}
		u := &policy.User{Email: s1, FirstName: s2, Attributes: attrs, Tenants: []string{s1}, Roles: []policy.RoleAssignment{{Role: s2, Tenant: s1, Resource: s2}}}
		b, ok := appendUser(nil, u, 2)
		check("user", u, b, ok)
		in := &policy.Instance{Tenant: s1, Attributes: attrs}
		b, ok = appendInstance(nil, in, 2)
		check("instance", in, b, ok)
		r := &policy.Relationship{Subject: s1, Relation: s2, Object: s1 + s2}
		b, ok = appendRelationship(nil, r, 2)
		check("relationship", r, b, ok)
		b, ok = appendString(nil, s1)
		check("string", s1, b, ok)
	})
}

// appendString writes any byte anywhere in a string as encoding/json does,
// or leaves the string to it.
func TestAppendStringEveryByte(t *testing.T) {
	fast := 0
	for c := range 256 {
		for pos := range 20 {
			b := []byte(strings.Repeat("a", 20))
			b[pos] = byte(c)
			got, ok := appendString(nil, string(b))
			want, _ := indented(t, string(b))
			if ok {
				fast++
				if string(got) != want {
					t.Fatalf("byte %#x at %d: %s, encoding/json %s", c, pos, got, want)
				}
			} else if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
				t.Errorf("byte %#x at %d was left to encoding/json", c, pos)
			}
		}
	}
	if fast == 0 {
		t.Error("nothing written fast")
	}
}

// encodingJSON is what encoding/json writes for p as a pulled file is
// written: indented by one space, HTML left unescaped.
func encodingJSON(t *testing.T, p *policy.Policy) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
