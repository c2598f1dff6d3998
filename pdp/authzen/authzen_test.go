package authzen

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// TestRoundTrip: a check sent as AuthZEN (FromCheck) and read back
// (Mapping.Check) is the same check, for every part that has an AuthZEN
// field: the client and pdpx serve agree on the mapping in both directions.
func TestRoundTrip(t *testing.T) {
	checks := []pdp.Check{
		{User: pdp.User{Key: "alice"}, Action: "read", Resource: pdp.Resource{Type: "document", Key: "d1", Tenant: "acme"}},
		{User: pdp.User{Key: "bob"}, Action: "create", Resource: pdp.Resource{Type: "document"}},
		{
			User:     pdp.User{Key: "check@permit.io", Email: "check@permit.io", FirstName: "Check", LastName: "Permit", Attributes: map[string]any{"location": "England", "clearance": float64(3), "tags": []any{"a", "b"}}},
			Action:   "publish",
			Resource: pdp.Resource{Type: "document", Key: "draft", Tenant: "default", Attributes: map[string]any{"hasApproval": "true", "meta": map[string]any{"v": float64(1)}}},
			Context:  map[string]any{"ip": "10.0.0.1", "action": map[string]any{"soft": true}},
		},
	}
	for _, c := range checks {
		body, err := FromCheck(c).Body()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Mapping{}.DecodeEvaluation(body)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("round trip of %s:\n got %#v\nwant %#v", body, got, c)
		}
	}
}

// TestFromCheckShape: the request a PEP sends, field by field.
func TestFromCheckShape(t *testing.T) {
	c := pdp.Check{
		User:     pdp.User{Key: "u", Email: "u@x.io", Attributes: map[string]any{"dept": "eng"}},
		Action:   "delete",
		Resource: pdp.Resource{Type: "record", Key: "r1", Tenant: "t1", Attributes: map[string]any{"status": "archived"}},
		Context:  map[string]any{"action": map[string]any{"soft": true}, "time": "now"},
	}
	body, _ := FromCheck(c).Body()
	want := `{"subject":{"type":"user","id":"u","properties":{"dept":"eng","email":"u@x.io"}},"action":{"name":"delete","properties":{"soft":true}},"resource":{"type":"record","id":"r1","properties":{"status":"archived","tenant":"t1"}},"context":{"time":"now"}}`
	if string(body) != want {
		t.Errorf("got  %s\nwant %s", body, want)
	}
	// The check's own maps are not changed by the move of context.action.
	if _, ok := c.Context["action"]; !ok {
		t.Error("FromCheck changed the check's context")
	}
	// No key: an empty id, a check on the type.
	body, _ = FromCheck(pdp.Check{User: pdp.User{Key: "u"}, Action: "create", Resource: pdp.Resource{Type: "document"}}).Body()
	if !strings.Contains(string(body), `"resource":{"type":"document","id":""}`) {
		t.Errorf("type check: %s", body)
	}
}

// TestCheckMapping: the AuthZEN → check table of the README, row by row.
func TestCheckMapping(t *testing.T) {
	body := `{
	  "subject": {"type": "identity", "id": "alice@acme.io", "properties": {"email": "alice@acme.io", "first_name": "Alice", "last_name": 7, "dept": "eng"}},
	  "action": {"name": "extend-loan", "properties": {"period": "2W"}},
	  "resource": {"type": "book", "id": "123", "properties": {"tenant": "library", "library_record": {"isbn": "978"}}},
	  "context": {"time": "1985-10-26T01:22-07:00", "action": {"channel": "web", "period": "1W"}}
	}`
	got, err := Mapping{DefaultTenant: "ignored"}.DecodeEvaluation([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := pdp.Check{
		User:     pdp.User{Key: "alice@acme.io", Email: "alice@acme.io", FirstName: "Alice", Attributes: map[string]any{"dept": "eng", "last_name": float64(7)}},
		Action:   "extend-loan",
		Resource: pdp.Resource{Type: "book", Key: "123", Tenant: "library", Attributes: map[string]any{"library_record": map[string]any{"isbn": "978"}}},
		// action.properties win over the context's own context.action.
		Context: map[string]any{"time": "1985-10-26T01:22-07:00", "action": map[string]any{"channel": "web", "period": "2W"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
	// The default tenant fills only a request that names none.
	for _, tc := range []struct{ props, want string }{
		{``, "acme"}, {`,"properties":{}`, "acme"}, {`,"properties":{"tenant":null}`, "acme"},
		{`,"properties":{"tenant":""}`, "acme"}, {`,"properties":{"tenant":"globex"}`, "globex"},
	} {
		b := `{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"doc","id":"1"` + tc.props + `}}`
		c, err := Mapping{DefaultTenant: "acme"}.DecodeEvaluation([]byte(b))
		if err != nil || c.Resource.Tenant != tc.want {
			t.Errorf("%s: tenant %q %v, want %q", tc.props, c.Resource.Tenant, err, tc.want)
		}
	}
	// Without a default, no tenant at all, as Permit's PDP.
	c, _ := Mapping{}.DecodeEvaluation([]byte(`{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"doc","id":"1"}}`))
	if c.Resource.Tenant != "" {
		t.Errorf("tenant %q without a default", c.Resource.Tenant)
	}
}

func TestBadRequests(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{``, "the body is empty"},
		{`{"subject":`, "not valid JSON"},
		{"{\n \"subject\": {\n  \"type\": \"user\",,\n", "line 3"},
		{`[1]`, "must be a JSON object, not an array"},
		{`null`, "must be a JSON object, not null"},
		{`{"action":{"name":"read"},"resource":{"type":"r","id":"1"}}`, "subject is missing"},
		{`{"subject":"alice","action":{"name":"read"},"resource":{"type":"r","id":"1"}}`, "subject must be an object"},
		{`{"subject":{"id":"a"},"action":{"name":"read"},"resource":{"type":"r","id":"1"}}`, "subject.type is missing"},
		{`{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"r","id":"1"}}`, "subject.id is missing"},
		{`{"subject":{"type":"user","id":""},"action":{"name":"read"},"resource":{"type":"r","id":"1"}}`, "subject.id is empty"},
		{`{"subject":{"type":"user","id":5},"action":{"name":"read"},"resource":{"type":"r","id":"1"}}`, "subject.id must be a string, not a number"},
		{`{"subject":{"type":"user","id":"a"},"resource":{"type":"r","id":"1"}}`, "action is missing"},
		{`{"subject":{"type":"user","id":"a"},"action":{},"resource":{"type":"r","id":"1"}}`, "action.name is missing"},
		{`{"subject":{"type":"user","id":"a"},"action":{"name":123},"resource":{"type":"r","id":"1"}}`, "action.name must be a string, not a number"},
		{`{"subject":{"type":"user","id":"a"},"action":{"name":"read"}}`, "resource is missing"},
		{`{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"id":"1"}}`, "resource.type is missing"},
		{`{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"r"}}`, "resource.id is missing"},
		{`{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"r","id":1}}`, "resource.id must be a string"},
		{`{"subject":{"type":"user","id":"a","properties":[1]},"action":{"name":"read"},"resource":{"type":"r","id":"1"}}`, "subject.properties must be an object, not an array"},
		{`{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"r","id":"1","properties":{"tenant":5}}}`, "resource.properties.tenant must be a string"},
		{`{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"r","id":"1"},"context":"x"}`, "context must be an object"},
		{`{"subject":{"type":"user","id":"a"},"action":{"name":"read","properties":{"x":1}},"resource":{"type":"r","id":"1"},"context":{"action":"x"}}`, "context.action is string"},
	} {
		_, err := Mapping{}.DecodeEvaluation([]byte(tc.body))
		var br *BadRequest
		if !errors.As(err, &br) || !strings.Contains(br.Msg, tc.want) {
			t.Errorf("%s: %v, want a BadRequest saying %q", tc.body, err, tc.want)
		}
	}
}

func TestDecodeEvaluations(t *testing.T) {
	b, err := DecodeEvaluations([]byte(`{
	  "subject": {"type": "user", "id": "alice"},
	  "context": {"time": "t0", "a": 1},
	  "evaluations": [
	    {"action": {"name": "read"}, "resource": {"type": "r", "id": "1"}},
	    {"action": {"name": "edit", "properties": {"soft": true}}, "resource": {"type": "r", "id": "2"}, "context": {"b": 2}},
	    {"subject": null, "action": {"name": "read"}, "resource": {"type": "r", "id": "3"}},
	    7,
	    {"subject": {"type": "user", "id": "bob"}, "action": {"name": "read"}},
	    {"subject": {"type": "user"}, "action": {"name": "read"}, "resource": {"type": "r", "id": "3"}}
	  ],
	  "options": {"evaluations_semantic": "deny_on_first_deny", "another_option": "value"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if b.Single || b.Semantic != DenyOnFirstDeny {
		t.Fatalf("%+v", b)
	}
	check := Mapping{DefaultTenant: "acme"}.Checker(&b)
	var cs []pdp.Check
	var errs []string
	b.Each(func(i int, p Parts, err error) bool {
		var c pdp.Check
		if err == nil {
			c, err = check(i, p)
		}
		cs = append(cs, c)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		errs = append(errs, msg)
		return true
	})
	if len(cs) != 6 {
		t.Fatalf("%d items", len(cs))
	}
	if cs[0].User.Key != "alice" || cs[2].User.Key != "alice" || cs[0].Resource.Tenant != "acme" {
		t.Errorf("defaults not applied: %+v", cs)
	}
	// The item's context replaces the default whole; its action's
	// properties are context.action.
	if !reflect.DeepEqual(cs[1].Context, map[string]any{"b": float64(2), "action": map[string]any{"soft": true}}) || !reflect.DeepEqual(cs[0].Context, map[string]any{"time": "t0", "a": float64(1)}) {
		t.Errorf("contexts: %v %v", cs[0].Context, cs[1].Context)
	}
	for i, want := range []string{"", "", "", "evaluations[3] must be an object", "evaluations[4]: resource is missing, and the request gives no default", "evaluations[5]: subject.id is missing"} {
		if !strings.HasPrefix(errs[i], want) || (want == "") != (errs[i] == "") {
			t.Errorf("item %d: %q, want %q", i, errs[i], want)
		}
	}
	// Each stops when told to.
	n := 0
	b.Each(func(int, Parts, error) bool { n++; return n < 2 })
	if n != 2 {
		t.Errorf("Each went on to %d items", n)
	}

	for body, single := range map[string]bool{
		`{"subject":{"type":"user","id":"a"},"action":{"name":"r"},"resource":{"type":"t","id":"1"}}`:                    true,
		`{"subject":{"type":"user","id":"a"},"action":{"name":"r"},"resource":{"type":"t","id":"1"},"evaluations":[ ]}`:  true,
		`{"subject":{"type":"user","id":"a"},"action":{"name":"r"},"resource":{"type":"t","id":"1"},"evaluations":null}`: true,
		`{"evaluations":[{}]}`: false,
	} {
		b, err := DecodeEvaluations([]byte(body))
		if err != nil || b.Single != single {
			t.Errorf("%s: single %v %v", body, b.Single, err)
		}
	}
	for _, body := range []string{
		`{"evaluations":{}}`,
		`{"evaluations":"x"}`,
		`{"evaluations":[{}],"options":[]}`,
		`{"evaluations":[{}],"options":{"evaluations_semantic":"first"}}`,
		`{"evaluations":[{}],"options":{"evaluations_semantic":1}}`,
		`{"evaluations":[{}],"subject":"alice"}`,
		`{"evaluations":[{}],"context":[1]}`,
		`[]`,
	} {
		if _, err := DecodeEvaluations([]byte(body)); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
}

func TestDecodeSearch(t *testing.T) {
	m := Mapping{DefaultTenant: "acme"}
	s, err := m.DecodeSearch(SearchSubject, []byte(`{"subject":{"type":"user","id":"ignored","properties":{"x":1}},"action":{"name":"read"},"resource":{"type":"record","id":"r1","properties":{"status":"archived"}},"page":{"limit":2,"token":"abc"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Type != "user" || s.Check.User.Key != "" || s.Check.Action != "read" || s.Check.Resource.Key != "r1" ||
		s.Check.Resource.Tenant != "acme" || s.Check.Resource.Attributes["status"] != "archived" || s.Limit != 2 || s.Token != "abc" {
		t.Errorf("%+v", s)
	}
	// The fingerprint leaves the token out and keeps the rest.
	s2, _ := m.DecodeSearch(SearchSubject, []byte(`{"page":{"token":"other","limit":2},"resource":{"type":"record","id":"r1","properties":{"status":"archived"}},"action":{"name":"read"},"subject":{"type":"user","id":"ignored","properties":{"x":1}}}`))
	s3, _ := m.DecodeSearch(SearchSubject, []byte(`{"subject":{"type":"user","id":"ignored","properties":{"x":1}},"action":{"name":"read"},"resource":{"type":"record","id":"r1","properties":{"status":"archived"}},"page":{"limit":3}}`))
	if s.Fingerprint != s2.Fingerprint || s.Fingerprint == s3.Fingerprint {
		t.Errorf("fingerprints:\n%s\n%s\n%s", s.Fingerprint, s2.Fingerprint, s3.Fingerprint)
	}

	s, err = m.DecodeSearch(SearchResource, []byte(`{"subject":{"type":"user","id":"bob","properties":{"role":"admin"}},"action":{"name":"write"},"resource":{"type":"record","id":"ignored","properties":{"tenant":"t2","status":"x"}}}`))
	if err != nil || s.Type != "record" || s.Check.Resource.Key != "" || s.Check.Resource.Tenant != "t2" || s.Check.Resource.Attributes != nil || s.Check.User.Attributes["role"] != "admin" {
		t.Errorf("resource search: %+v %v", s, err)
	}
	s, err = m.DecodeSearch(SearchAction, []byte(`{"subject":{"type":"user","id":"alice"},"resource":{"type":"record","id":"r1"},"action":{"name":"ignored"}}`))
	if err != nil || s.Check.Action != "" || s.Check.Resource.Key != "r1" {
		t.Errorf("action search: %+v %v", s, err)
	}

	for _, tc := range []struct {
		kind SearchKind
		body string
	}{
		{SearchSubject, `{"subject":{"type":"user"},"resource":{"type":"record","id":"record-1"}}`},
		{SearchResource, `{"action":{"name":"read"},"resource":{"type":"record"}}`},
		{SearchAction, `{"subject":{"type":"user","id":"alice"}}`},
		{SearchSubject, `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record"}}`},
		{SearchResource, `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record"}}`},
		{SearchAction, `{"subject":{"type":"user"},"resource":{"type":"record","id":"record-1"}}`},
		{SearchSubject, `{"subject":{},"action":{"name":"read"},"resource":{"type":"record","id":"1"}}`},
		{SearchResource, `{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"record"},"page":{"limit":-1}}`},
		{SearchResource, `{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"record"},"page":{"limit":1.5}}`},
		{SearchResource, `{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"record"},"page":{"token":5}}`},
		{SearchResource, `{"subject":{"type":"user","id":"a"},"action":{"name":"read"},"resource":{"type":"record"},"page":"x"}`},
	} {
		if _, err := m.DecodeSearch(tc.kind, []byte(tc.body)); err == nil {
			t.Errorf("%s search %s: accepted", tc.kind, tc.body)
		}
	}
}

func TestReadDecision(t *testing.T) {
	for _, tc := range []struct {
		body    string
		outcome pdp.Outcome
		problem string
		reasons []string
		debug   bool
		status  int
		message string
	}{
		{body: `{"decision":true}`, outcome: pdp.Allow},
		{body: `{"decision":false,"context":null}`, outcome: pdp.Deny},
		{body: `{"decision":"true"}`, problem: `"decision": "true" (a string), not true or false`},
		{body: `{"allow":true}`, problem: `JSON without a boolean "decision"`},
		{body: `[true]`, problem: "with an array where a decision object belongs"},
		{body: `{"decision":false,"context":{"error":{"status":404,"message":"Resource not found"}}}`, outcome: pdp.Error, status: 404, message: "Resource not found"},
		{body: `{"decision":false,"context":{"error":"boom\u001b[2J"}}`, outcome: pdp.Error, message: "boom" + pdp.Removed},
		{body: `{"decision":false,"context":{"reason_admin":{"403":"Request failed policy C076E82F"},"reason_user":{"403":"Insufficient privileges"}}}`, outcome: pdp.Deny,
			reasons: []string{"reason_admin: 403: Request failed policy C076E82F", "reason_user: 403: Insufficient privileges"}},
		{body: `{"decision":false,"context":{"reason":"Subject is a viewer\n of the resource\u001b]0;x\u0007"}}`, outcome: pdp.Deny, reasons: []string{"reason: Subject is a viewer of the resource" + pdp.Removed}},
		{body: `{"decision":false,"context":{"acr_values":"urn:loa:3","amr":["mfa","hwk"]}}`, outcome: pdp.Deny, reasons: []string{`acr_values: urn:loa:3`, `amr: ["mfa","hwk"]`}},
		{body: `{"decision":true,"context":{"rbac":{"allow":true,"code":"allow","reason":"ok\u001b[31m"},"request":{"user":{"key":"a"},"action":"r","resource":{"type":"t"}}}}`, outcome: pdp.Allow, debug: true},
		{body: `{"decision":true,"context":"fine"}`, outcome: pdp.Allow, reasons: []string{`context: "fine"`}},
	} {
		a, problem := ReadDecision(json.RawMessage(tc.body))
		if problem != tc.problem {
			t.Errorf("%s: problem %q, want %q", tc.body, problem, tc.problem)
			continue
		}
		if problem != "" {
			continue
		}
		if a.Outcome != tc.outcome || !reflect.DeepEqual(a.Reasons, tc.reasons) || (a.Debug != nil) != tc.debug || a.Status != tc.status || a.Message != tc.message {
			t.Errorf("%s: %+v", tc.body, a)
		}
		if a.Debug != nil && (a.Debug.RBAC.Reason != "ok"+pdp.Removed || a.Debug.Request.User.Key != "a") {
			t.Errorf("debug not read or not cleaned: %+v", a.Debug.RBAC)
		}
	}
}
