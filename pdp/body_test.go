package pdp

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeCheckSDKVariants(t *testing.T) {
	cases := map[string]struct {
		body string
		want Check
	}{
		"go sdk": {
			`{"user":{"key":"john","attributes":{}},"action":"read","resource":{"type":"document","tenant":"default","attributes":{},"context":{}}}`,
			Check{User: User{Key: "john"}, Action: "read", Resource: Resource{Type: "document", Tenant: "default"}},
		},
		"python nulls and context tenant": {
			`{"user":{"key":"john","first_name":null,"attributes":null},"action":"read","resource":{"type":"document","key":null,"tenant":"acme","attributes":null,"context":{"tenant":"acme"}},"context":null}`,
			Check{User: User{Key: "john"}, Action: "read", Resource: Resource{Type: "document", Tenant: "acme", Context: map[string]any{"tenant": "acme"}}},
		},
		"node camelCase": {
			`{"user":{"key":"j","firstName":"John","lastName":"Smith","email":"j@x.io"},"action":"read","resource":{"type":"doc","key":"d1"}}`,
			Check{User: User{Key: "j", FirstName: "John", LastName: "Smith", Email: "j@x.io"}, Action: "read", Resource: Resource{Type: "doc", Key: "d1"}},
		},
		"no tenant is kept as none": {
			`{"user":{"key":"j"},"action":"read","resource":{"type":"doc"}}`,
			Check{User: User{Key: "j"}, Action: "read", Resource: Resource{Type: "doc"}},
		},
		"jit tenant attributes and unknown keys": {
			`{"user":{"key":"j","extra":1},"action":"read","resource":{"type":"doc","tenant":"t"},"tenant":{"key":"t","attributes":{"plan":"pro"}},"sdk":"x"}`,
			Check{User: User{Key: "j"}, Action: "read", Resource: Resource{Type: "doc", Tenant: "t"}, TenantAttributes: map[string]any{"plan": "pro"}},
		},
		"empty strings are a check like any other": {
			`{"user":{"key":""},"action":"","resource":{"type":""}}`,
			Check{},
		},
		"empty key means none": {
			`{"user":{"key":"j"},"action":"read","resource":{"type":"doc","key":""}}`,
			Check{User: User{Key: "j"}, Action: "read", Resource: Resource{Type: "doc"}},
		},
	}
	for name, c := range cases {
		got, err := DecodeCheck([]byte(c.body))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", name, got, c.want)
		}
	}
}

func TestDecodeCheckRefusals(t *testing.T) {
	cases := map[string]int{
		`{"user":`: 400,
		`not json`: 400,
		`[]`:       422,
		`{"action":"read","resource":{"type":"d"}}`:                                  422,
		`{"user":"john","action":"read","resource":{"type":"d"}}`:                    422,
		`{"user":{"key":"j"},"resource":{"type":"d"}}`:                               422,
		`{"user":{"key":"j"},"action":"read"}`:                                       422,
		`{"user":{"key":"j"},"action":"read","resource":{}}`:                         422,
		`{"user":{"key":"j"},"action":"read","resource":"document"}`:                 422,
		`{"user":{"key":"j"},"action":5,"resource":{"type":"d"}}`:                    422,
		`{"user":{"key":"j","attributes":[1]},"action":"r","resource":{"type":"d"}}`: 422,
	}
	for body, status := range cases {
		_, err := DecodeCheck([]byte(body))
		var be *BodyError
		if !errors.As(err, &be) {
			t.Errorf("%s: want a BodyError, got %v", body, err)
			continue
		}
		if be.Status != status {
			t.Errorf("%s: status %d, want %d (%s)", body, be.Status, status, be.Msg)
		}
	}
}

func TestBodyRoundTrip(t *testing.T) {
	c := Check{
		User:             User{Key: "u", Email: "u@x.io", Attributes: map[string]any{"a": 1.0}},
		Action:           "read",
		Resource:         Resource{Type: "doc", Key: "d1", Tenant: "t", Attributes: map[string]any{"hasApproval": "true"}},
		Context:          map[string]any{"ip": "1.2.3.4"},
		TenantAttributes: map[string]any{"plan": "pro"},
	}
	got, err := DecodeCheck(c.Body())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, c)
	}
	var generic map[string]any
	if err := json.Unmarshal(c.Body(), &generic); err != nil {
		t.Fatal(err)
	}
	if _, ok := generic["tenant"]; !ok {
		t.Fatal("JIT tenant attributes are not sent as a top-level tenant object")
	}
}

func TestDecodeChecksBulk(t *testing.T) {
	cs := []Check{{User: User{Key: "a"}, Action: "r", Resource: Resource{Type: "d"}}, {User: User{Key: "b"}, Action: "w", Resource: Resource{Type: "d", Key: "1"}}}
	got, err := DecodeChecks(BulkBody(cs))
	if err != nil || !reflect.DeepEqual(got, cs) {
		t.Fatalf("got %#v, %v", got, err)
	}
	if _, err := DecodeChecks([]byte(`{"user":{}}`)); err == nil {
		t.Fatal("a bulk body that is not an array was accepted")
	}
	if got, err := DecodeChecks([]byte(`[]`)); err != nil || len(got) != 0 {
		t.Fatalf("empty bulk: %v %v", got, err)
	}
}

func TestNewCheckAndParseResource(t *testing.T) {
	c, err := NewCheck("john", "read", "document:d1", "", false)
	if err != nil || c.Resource.Tenant != DefaultTenant || c.Resource.Key != "d1" {
		t.Fatalf("got %+v %v", c, err)
	}
	c, err = NewCheck("john", "read", "document", "", true)
	if err != nil || c.Resource.Tenant != "" {
		t.Fatalf("no-default tenant: got %+v %v", c, err)
	}
	for _, bad := range []string{"a:b:c", ":k", ""} {
		if _, _, err := ParseResource(bad); err == nil {
			t.Errorf("ParseResource(%q) accepted", bad)
		}
	}
	if _, err := NewCheck("", "read", "doc", "", false); err == nil {
		t.Error("empty user accepted")
	}
	if _, err := NewCheck("u", " ", "doc", "", false); err == nil {
		t.Error("empty action accepted")
	}
}

func TestOutcomeZeroIsError(t *testing.T) {
	var d Decision
	if d.Outcome != Error || d.Allowed() {
		t.Fatal("a zero Decision must be an error, not an allow or deny")
	}
	if Allow.ExitCode() != 0 || Deny.ExitCode() != 1 || Error.ExitCode() != 2 {
		t.Fatal("exit codes must be 0 allow, 1 deny, 2 error")
	}
	b, _ := json.Marshal(struct{ O Outcome }{Deny})
	if string(b) != `{"O":"deny"}` {
		t.Fatalf("got %s", b)
	}
}

func TestAllowingRoleDecodesBothShapes(t *testing.T) {
	var r Reason
	if err := json.Unmarshal([]byte(`{"allow":true,"code":"allow","allowing_roles":["admin",{"role":"editor","resource":"document:d1"}]}`), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.AllowingRoles) != 2 || r.AllowingRoles[0].Role != "admin" || r.AllowingRoles[1].Resource != "document:d1" {
		t.Fatalf("got %+v", r.AllowingRoles)
	}
}

func TestAllowingRoleRoundTrip(t *testing.T) {
	in := Reason{Allow: true, Code: "allow", AllowingRoles: []AllowingRole{{Role: "admin"}, {Role: "editor", Resource: "document:d1", Sources: []string{"folder:f#editor --parent--> document:d1#editor"}}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"allowing_roles":["admin",{"role":"editor"`; !strings.Contains(string(b), want) {
		t.Fatalf("got %s, want it to contain %s", b, want)
	}
	var out Reason
	if err := json.Unmarshal(b, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: %+v %v", out, err)
	}
}

// TestShapeMessages: a body of the wrong shape is told what is wrong in
// words that are true: the kind it has, with its article, the field of the
// wrong type, and a number too large for a float64 as what it is, not as
// JSON that does not parse.
func TestShapeMessages(t *testing.T) {
	for body, want := range map[string]string{
		`{"user": [1], "action": "read", "resource": {"type": "doc"}}`:                                    `user must be an object with a key, not an array: send "user": {"key": "..."}`,
		`{"user": {"key": 1}, "action": "read", "resource": {"type": "doc"}}`:                             `user.key must be a string, not a number`,
		`{"user": {"key": "u"}, "action": "read", "resource": {"type": 3}}`:                               `resource.type must be a string, not a number`,
		`{"user": {"key": "u"}, "action": "read", "resource": "doc"}`:                                     `resource must be an object with a type, not a string`,
		`{"user": {"key": "u", "attributes": []}, "action": "read", "resource": {"type": "doc"}}`:         `user.attributes must be an object, not an array`,
		`{"user": {"key": "u", "attributes": {"x": 1e400}}, "action": "read", "resource": {"type": "d"}}`: `user.attributes holds the number 1e400, which is too large for a float64 (the largest is about 1.8e308)`,
		`{"user": {"key": "u"}, "action": "read", "resource": {"type": "d"}, "context": {"n": -1e999}}`:   `context holds the number -1e999, which is too large for a float64 (the largest is about 1.8e308)`,
	} {
		_, err := DecodeCheck([]byte(body))
		if err == nil || err.Error() != want {
			t.Errorf("%s:\n got %v\nwant %s", body, err, want)
		}
	}
	if got := JSONKind([]byte(" 1e400")); got != "a number" {
		t.Errorf("JSONKind(1e400) = %q", got)
	}
}
