package server

import (
	"encoding/json"
	"reflect"
	"testing"
)

type azAnswer struct {
	Decision *bool `json:"decision"`
	Context  struct {
		Request struct {
			User struct {
				Key        string
				Attributes map[string]any
			}
			Tenant   string
			Action   string
			Resource struct {
				Type, Key  string
				Attributes map[string]any
			}
			Context map[string]any
		}
	}
}

// TestAuthZENMapping: subject.properties become user attributes, the name
// and email lifted out into the user object (and still attributes); resource.properties.tenant is the tenant and
// the rest the resource's attributes; the debug object is the context.
func TestAuthZENMapping(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	body := `{
	  "subject": {"type": "user", "id": "check@permit.io",
	              "properties": {"location": "England", "department": "Engineering", "first_name": "Check", "email": "check@permit.io"}},
	  "action": {"name": "publish"},
	  "resource": {"type": "document", "id": "draft", "properties": {"tenant": "default", "hasApproval": "true"}},
	  "context": {"ip": "10.0.0.1"}
	}`
	status, out, _ := do(t, s, req{path: "/access/v1/evaluation", body: body})
	if status != 200 {
		t.Fatalf("%d %s", status, out)
	}
	var a azAnswer
	if err := json.Unmarshal(out, &a); err != nil || a.Decision == nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !*a.Decision {
		t.Errorf("deny, want allow (ABAC): %s", out)
	}
	r := a.Context.Request
	if r.User.Key != "check@permit.io" || r.Tenant != "default" || r.Action != "publish" || r.Resource.Key != "draft" {
		t.Errorf("request: %+v", r)
	}
	// Lifted out into the user object, the name and email are still
	// attributes of the same name, as Permit keeps them.
	if r.User.Attributes["first_name"] != "Check" || r.User.Attributes["email"] != "check@permit.io" {
		t.Errorf("name and email are not attributes: %v", r.User.Attributes)
	}
	if r.User.Attributes["location"] != "England" {
		t.Errorf("user attributes: %v", r.User.Attributes)
	}
	if _, ok := r.Resource.Attributes["tenant"]; ok || r.Resource.Attributes["hasApproval"] != "true" {
		t.Errorf("resource attributes: %v", r.Resource.Attributes)
	}
	if r.Context["ip"] != "10.0.0.1" {
		t.Errorf("context: %v", r.Context)
	}

	// The same with a bool: the approved-documents set wants the string.
	status, out, _ = do(t, s, req{path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"check@permit.io","properties":{"location":"England","department":"Engineering"}},"action":{"name":"publish"},"resource":{"type":"document","properties":{"tenant":"default","hasApproval":true}}}`})
	if err := json.Unmarshal(out, &a); status != 200 || err != nil || *a.Decision {
		t.Errorf("bool approval: %d %s", status, out)
	}

	// No tenant, none assumed: RBAC has nothing to go on.
	_, out, _ = do(t, s, req{path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"john@smith.com"},"action":{"name":"create"},"resource":{"type":"document"}}`})
	if err := json.Unmarshal(out, &a); err != nil || *a.Decision {
		t.Errorf("no tenant: %s", out)
	}
}

func TestAuthZENEvaluations(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	body := `{
	  "subject": {"type": "user", "id": "jane@permit.io"},
	  "action": {"name": "update"},
	  "resource": {"type": "document", "id": "roadmap", "properties": {"tenant": "default"}},
	  "context": {"a": 1, "b": 1},
	  "evaluations": [
	    {},
	    {"action": {"name": "delete"}},
	    {"subject": {"type": "user", "id": "john@permit.io"}, "action": {"name": "read"},
	     "resource": {"type": "document", "properties": {"tenant": "awesome_inc"}}, "context": {"b": 2}}
	  ]
	}`
	status, out, _ := do(t, s, req{path: "/access/v1/evaluations", body: body})
	if status != 200 {
		t.Fatalf("%d %s", status, out)
	}
	var got struct{ Evaluations []azAnswer }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := []bool{true, false, true}
	if len(got.Evaluations) != len(want) {
		t.Fatalf("%s", out)
	}
	for i, w := range want {
		if *got.Evaluations[i].Decision != w {
			t.Errorf("evaluation %d: %v, want %v", i, *got.Evaluations[i].Decision, w)
		}
	}
	// Contexts merge key by key, the evaluation's own winning.
	if c := got.Evaluations[2].Context.Request.Context; !reflect.DeepEqual(c, map[string]any{"a": float64(1), "b": float64(2)}) {
		t.Errorf("merged context: %v", c)
	}

	refusals := map[string]int{
		`{"evaluations":[]}`: 400,
		`{"subject":{"type":"user","id":"j"},"evaluations":[{"action":{"name":"read"}}]}`:                                          400,
		`{"subject":{"type":"user","id":"j"},"action":{"name":"read"},"resource":{"type":"d"}}`:                                    422,
		`{"evaluations":[{"subject":{"id":"j"},"action":{"name":"read"},"resource":{"type":"d"}}]}`:                                422,
		`{"evaluations":[{"subject":{"type":"user","id":"j"},"action":{"name":"read"},"resource":{"type":"d","properties":[1]}}]}`: 422,
		`{"evaluations":`: 400,
		`[1]`:             422,
	}
	for b, want := range refusals {
		if status, out, _ := do(t, s, req{path: "/access/v1/evaluations", body: b}); status != want {
			t.Errorf("%s: %d (want %d) %s", b, status, want, out)
		}
	}
}

func TestAuthZENRefusals(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	refusals := map[string]int{
		`{"subject":`: 400,
		`null`:        422,
		`{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"d"}}`:                                                     422,
		`{"subject":{"type":"user","id":"j"},"action":{},"resource":{"type":"d"}}`:                                                         422,
		`{"subject":{"type":"user","id":"j"},"action":{"name":"read"},"resource":{"id":"x"}}`:                                              422,
		`{"subject":{"type":"user","id":"j"},"action":{"name":"read"},"resource":{"type":"d","id":5}}`:                                     422,
		`{"subject":{"type":"user","id":"j"},"action":{"name":"read"},"resource":{"type":"d","properties":{"tenant":5}}}`:                  422,
		`{"subject":{"type":"user","id":"j","properties":"x"},"action":{"name":"read"},"resource":{"type":"d"}}`:                           422,
		`{"subject":{"type":"user","id":"j"},"action":{"name":"read"},"resource":{"type":"d"},"context":[]}`:                               422,
		`{"subject":{"type":"user","id":"j"},"action":{"name":"read"},"resource":{"type":"d","id":null,"properties":null}}`:                200,
		`{"subject":{"type":"user","id":"j","properties":null},"action":{"name":"read","properties":{"m":"GET"}},"resource":{"type":"d"}}`: 200,
	}
	for b, want := range refusals {
		if status, out, _ := do(t, s, req{path: "/access/v1/evaluation", body: b}); status != want {
			t.Errorf("%s: %d (want %d) %s", b, status, want, out)
		}
	}
}
