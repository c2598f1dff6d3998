package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// azReq is one AuthZEN request for azDo. Content-Type application/json
// and the test key are sent unless header names them ("" removes one).
type azReq struct {
	method, path, body string
	header             map[string]string
}

func azDo(t testing.TB, s http.Handler, r azReq) (int, []byte, http.Header) {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	hr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+testToken)
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
			continue
		}
		hr.Header.Set(k, v)
	}
	if h := r.header["Host"]; h != "" {
		hr.Host = h
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, hr)
	return w.Code, w.Body.Bytes(), w.Header()
}

// azServer serves a policy of testdata with the default tenant "default",
// as the scenarios' tenant-less requests need.
func azServer(t testing.TB, policyFile string) *Server {
	t.Helper()
	s, _ := newServer(t, Config{Policy: "testdata/" + policyFile, Token: testToken, DefaultTenant: "default", Poll: -1})
	return s
}

// azDecision reads a single decision answer: the boolean, and that context,
// when present, is an object.
func azDecision(t testing.TB, body []byte) bool {
	t.Helper()
	var a map[string]json.RawMessage
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	var d bool
	if err := json.Unmarshal(a["decision"], &d); err != nil {
		t.Fatalf("no boolean decision: %s", body)
	}
	if c, ok := a["context"]; ok && (len(c) == 0 || c[0] != '{') {
		t.Fatalf("context is not an object: %s", body)
	}
	if _, ok := a["evaluations"]; ok {
		t.Fatalf("a single answer with evaluations: %s", body)
	}
	return d
}

// azDecisions reads an evaluations answer: each item's decision, and
// that a top-level decision is absent.
func azDecisions(t testing.TB, body []byte) []bool {
	t.Helper()
	var a struct {
		Decision    json.RawMessage   `json:"decision"`
		Evaluations []json.RawMessage `json:"evaluations"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Evaluations == nil {
		t.Fatalf("no evaluations: %s", body)
	}
	if a.Decision != nil {
		t.Errorf("a batch answer with a top-level decision: %s", body)
	}
	out := make([]bool, len(a.Evaluations))
	for i, e := range a.Evaluations {
		out[i] = azDecision(t, e)
	}
	return out
}

// azResults reads a search answer: the results' ids (or names), the page
// object, and that every result is of the searched type.
func azResults(t testing.TB, body []byte, typ string) (ids []string, page map[string]any) {
	t.Helper()
	var a struct {
		Page    map[string]any   `json:"page"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Results == nil {
		t.Fatalf("no results array: %s", body)
	}
	if !strings.HasPrefix(strings.TrimSpace(string(body)), `{"page"`) {
		t.Errorf("page is not the first key: %s", body)
	}
	for _, r := range a.Results {
		if typ == "" {
			name, ok := r["name"].(string)
			if !ok {
				t.Fatalf("an action without a name: %s", body)
			}
			ids = append(ids, name)
			continue
		}
		id, ok := r["id"].(string)
		if !ok || r["type"] != typ {
			t.Fatalf("a result that is not a %s with an id: %s", typ, body)
		}
		ids = append(ids, id)
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, a.Page
}

// TestAuthZENCertification runs every test of the AuthZEN 1.0 certification
// scenario (Basic, Batch, Search and Discovery, Core and Properties) against
// its fixture written as a pdpx policy, by the scenario's test ids.
func TestAuthZENCertification(t *testing.T) {
	s := azServer(t, "authzen-cert.yaml")
	T, F := true, false
	const (
		eval   = "/access/v1/evaluation"
		evals  = "/access/v1/evaluations"
		subj   = "/access/v1/search/subject"
		res    = "/access/v1/search/resource"
		action = "/access/v1/search/action"
	)
	cases := []struct {
		id, path, body string
		status         int
		decision       *bool    // a single answer's decision
		decisions      []bool   // a batch answer's decisions, in order
		results        []string // a search's results (ids, or action names), exactly
		resultType     string   // the type every result must have ("" for actions)
	}{
		{id: "C-2-2-1 permit", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 200, decision: &T},
		{id: "C-2-2-2 deny", path: eval, body: `{"subject":{"type":"user","id":"bob"},"action":{"name":"write"},"resource":{"type":"record","id":"record-1"}}`, status: 200, decision: &F},
		{id: "C-2-2-3 context", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"context":{"time":"2025-06-27T18:03-07:00","ip":"192.168.1.1"}}`, status: 200, decision: &T},
		{id: "C-2-2-4 resource properties deny", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"write"},"resource":{"type":"record","id":"record-2","properties":{"status":"archived"}}}`, status: 200, decision: &F},
		{id: "C-2-2-5 subject properties permit", path: eval, body: `{"subject":{"type":"user","id":"bob","properties":{"role":"admin"}},"action":{"name":"write"},"resource":{"type":"record","id":"record-2","properties":{"status":"archived"}}}`, status: 200, decision: &T},
		{id: "C-2-2-6 action properties permit", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"delete","properties":{"soft":true}},"resource":{"type":"record","id":"record-1"}}`, status: 200, decision: &T},
		{id: "C-2-2-7 action properties deny", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"delete","properties":{"soft":false}},"resource":{"type":"record","id":"record-1"}}`, status: 200, decision: &F},
		{id: "C-2-2-8 additional properties", path: eval, body: `{"subject":{"type":"user","id":"alice","properties":{"department":"Sales","role":"manager"}},"action":{"name":"read","properties":{"method":"GET"}},"resource":{"type":"record","id":"record-1","properties":{"status":"active","owner":"bob"}}}`, status: 200, decision: &T},
		{id: "C-2-2-9 unknown fields", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"foo":"bar","futureField":{"nested":true}}`, status: 200, decision: &T},
		{id: "C-2-4-1 missing subject", path: eval, body: `{"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 400},
		{id: "C-2-4-1 missing action", path: eval, body: `{"subject":{"type":"user","id":"alice"},"resource":{"type":"record","id":"record-1"}}`, status: 400},
		{id: "C-2-4-1 missing resource", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"}}`, status: 400},
		{id: "C-2-4-2 subject.type", path: eval, body: `{"subject":{"id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 400},
		{id: "C-2-4-2 subject.id", path: eval, body: `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 400},
		{id: "C-2-4-2 action.name", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{},"resource":{"type":"record","id":"record-1"}}`, status: 400},
		{id: "C-2-4-2 resource.type", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"id":"record-1"}}`, status: 400},
		{id: "C-2-4-2 resource.id", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record"}}`, status: 400},
		{id: "C-2-4-4 malformed JSON", path: eval, body: `{"subject":{"type":"user",`, status: 400},
		{id: "C-2-4-5 empty body", path: eval, body: ``, status: 400},
		{id: "C-2-4-6 subject a string", path: eval, body: `{"subject":"alice","action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 400},
		{id: "C-2-4-6 action.name a number", path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":123},"resource":{"type":"record","id":"record-1"}}`, status: 400},

		{id: "C-3-2-1 batch structure", path: evals, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"evaluations":[{"resource":{"type":"record","id":"record-1"}},{"resource":{"type":"record","id":"record-2"}}]}`, status: 200, decisions: []bool{true, true}},
		{id: "C-3-2-2 batch fixture decisions", path: evals, body: `{"subject":{"type":"user","id":"bob"},"resource":{"type":"record","id":"record-1"},"evaluations":[{"action":{"name":"read"}},{"action":{"name":"write"}}]}`, status: 200, decisions: []bool{true, false}},
		{id: "C-3-2-3 batch resource properties", path: evals, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"write"},"evaluations":[{"resource":{"type":"record","id":"record-1","properties":{"status":"active"}}},{"resource":{"type":"record","id":"record-2","properties":{"status":"archived"}}}]}`, status: 200, decisions: []bool{true, false}},
		{id: "C-3-2-4 batch subject properties", path: evals, body: `{"action":{"name":"write"},"resource":{"type":"record","id":"record-2","properties":{"status":"archived"}},"evaluations":[{"subject":{"type":"user","id":"alice"}},{"subject":{"type":"user","id":"bob","properties":{"role":"admin"}}}]}`, status: 200, decisions: []bool{false, true}},
		{id: "C-3-2-5 no defaults", path: evals, body: `{"evaluations":[{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}},{"subject":{"type":"user","id":"bob"},"action":{"name":"write"},"resource":{"type":"record","id":"record-1"}}]}`, status: 200, decisions: []bool{true, false}},
		{id: "C-3-2-6 context inheritance", path: evals, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"context":{"time":"2025-06-27T18:03-07:00"},"evaluations":[{"resource":{"type":"record","id":"record-1"}},{"resource":{"type":"record","id":"record-2"},"context":{"time":"2025-06-27T19:00-07:00","source":"batch-override"}}]}`, status: 200, decisions: []bool{true, true}},
		{id: "C-3-2-7 whole-entity defaults", path: evals, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"write"},"resource":{"type":"record","id":"record-1","properties":{"status":"active"}},"evaluations":[{},{"resource":{"type":"record","id":"record-2","properties":{"status":"archived"}}}]}`, status: 200, decisions: []bool{true, false}},
		{id: "C-3-4-1 item missing a field", path: evals, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"options":{"evaluations_semantic":"execute_all"},"evaluations":[{"resource":{"type":"record","id":"record-1"}},{}]}`, status: 200, decisions: []bool{true, false}},
		{id: "C-3-4-2 no evaluations", path: evals, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 200, decision: &T},
		{id: "C-3-4-3 empty evaluations", path: evals, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"evaluations":[]}`, status: 200, decision: &T},
		{id: "C-3-4-3 empty evaluations, missing resource", path: evals, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"evaluations":[]}`, status: 400},

		{id: "C-4-2-1 subject search", path: subj, body: `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 200, results: []string{"alice", "bob"}, resultType: "user"},
		{id: "C-4-2-2 subject search, context", path: subj, body: `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"context":{"time":"2025-06-27T18:03-07:00","ip":"192.168.1.1"}}`, status: 200, results: []string{"alice", "bob"}, resultType: "user"},
		{id: "C-4-2-3 subject search ignores subject.id", path: subj, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 200, results: []string{"alice", "bob"}, resultType: "user"},
		{id: "C-4-2-4 subject search, resource properties (S4)", path: subj, body: `{"subject":{"type":"user"},"action":{"name":"write"},"resource":{"type":"record","id":"record-2","properties":{"status":"archived"}}}`, status: 200, results: []string{"bob"}, resultType: "user"},
		{id: "C-4-3-1 resource search", path: res, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record"}}`, status: 200, results: []string{"record-1", "record-2"}, resultType: "record"},
		{id: "C-4-3-2 resource search, context", path: res, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record"},"context":{"time":"2025-06-27T18:03-07:00","ip":"192.168.1.1"}}`, status: 200, results: []string{"record-1", "record-2"}, resultType: "record"},
		{id: "C-4-3-3 resource search ignores resource.id", path: res, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 200, results: []string{"record-1", "record-2"}, resultType: "record"},
		{id: "C-4-3-4 resource search, subject properties (S5)", path: res, body: `{"subject":{"type":"user","id":"bob","properties":{"role":"admin"}},"action":{"name":"write"},"resource":{"type":"record"}}`, status: 200, results: []string{"record-2"}, resultType: "record"},
		{id: "C-4-4-1 action search", path: action, body: `{"subject":{"type":"user","id":"alice"},"resource":{"type":"record","id":"record-1"}}`, status: 200, results: []string{"read", "write"}},
		{id: "C-4-4-2 action search, context", path: action, body: `{"subject":{"type":"user","id":"alice"},"resource":{"type":"record","id":"record-1"},"context":{"time":"2025-06-27T18:03-07:00","ip":"192.168.1.1"}}`, status: 200, results: []string{"read", "write"}},
		{id: "C-4-4-3 action search, properties (S6)", path: action, body: `{"subject":{"type":"user","id":"bob","properties":{"role":"admin"}},"resource":{"type":"record","id":"record-2","properties":{"status":"archived"}}}`, status: 200, results: []string{"read", "write"}},
		{id: "C-4-6-1 unknown subject", path: action, body: `{"subject":{"type":"user","id":"nonexistent-user"},"resource":{"type":"record","id":"record-1"}}`, status: 200, results: []string{}},
		{id: "C-4-6-2 unknown subject type", path: subj, body: `{"subject":{"type":"spaceship"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, status: 200, results: []string{}, resultType: "spaceship"},
		{id: "C-4-6 unknown resource type", path: res, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"spaceship"}}`, status: 200, results: []string{}, resultType: "spaceship"},
		{id: "C-4-6 unknown resource type, actions", path: action, body: `{"subject":{"type":"user","id":"alice"},"resource":{"type":"spaceship","id":"x"}}`, status: 200, results: []string{}},
		{id: "C-4-7-1 subject search without action", path: subj, body: `{"subject":{"type":"user"},"resource":{"type":"record","id":"record-1"}}`, status: 400},
		{id: "C-4-7-1 resource search without subject", path: res, body: `{"action":{"name":"read"},"resource":{"type":"record"}}`, status: 400},
		{id: "C-4-7-1 action search without resource", path: action, body: `{"subject":{"type":"user","id":"alice"}}`, status: 400},
		{id: "C-4-7-2 subject search, resource without id", path: subj, body: `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record"}}`, status: 400},
		{id: "C-4-7-2 resource search, subject without id", path: res, body: `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record"}}`, status: 400},
		{id: "C-4-7-2 action search, subject without id", path: action, body: `{"subject":{"type":"user"},"resource":{"type":"record","id":"record-1"}}`, status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			status, body, h := azDo(t, s, azReq{path: tc.path, body: tc.body})
			if status != tc.status {
				t.Fatalf("HTTP %d, want %d: %s", status, tc.status, body)
			}
			if status != 200 {
				// C-2-4: an error message string.
				if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || len(body) == 0 {
					t.Errorf("refusal as %q: %q", ct, body)
				}
				return
			}
			// C-5-2: every success is application/json.
			if ct := h.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			switch {
			case tc.decision != nil:
				if got := azDecision(t, body); got != *tc.decision {
					t.Errorf("decision %v, want %v: %s", got, *tc.decision, body)
				}
			case tc.decisions != nil:
				if got := azDecisions(t, body); !slices.Equal(got, tc.decisions) {
					t.Errorf("decisions %v, want %v: %s", got, tc.decisions, body)
				}
			case tc.results != nil:
				ids, _ := azResults(t, body, tc.resultType)
				if tc.resultType == "" && tc.path != action {
					t.Fatal("a search case without its result type")
				}
				if !slices.Equal(ids, tc.results) {
					t.Errorf("results %v, want %v: %s", ids, tc.results, body)
				}
			default:
				t.Fatal("a success case that checks nothing")
			}
		})
	}

	// C-3-4-1: the item that failed says why in its context.
	_, body, _ := azDo(t, s, azReq{path: evals, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"evaluations":[{"resource":{"type":"record","id":"record-1"}},{}]}`})
	var got struct {
		Evaluations []struct {
			Context struct {
				Error struct {
					Status  int
					Message string
				}
			}
		}
	}
	if err := json.Unmarshal(body, &got); err != nil || len(got.Evaluations) != 2 ||
		got.Evaluations[1].Context.Error.Status != 400 || !strings.Contains(got.Evaluations[1].Context.Error.Message, "evaluations[1]: resource is missing") {
		t.Errorf("item error: %s", body)
	}

	// C-2-4-3: a body not sent as JSON is a Bad Request.
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		status, body, _ := azDo(t, s, azReq{path: eval, body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`, header: map[string]string{"Content-Type": ct}})
		if status != 400 {
			t.Errorf("Content-Type %q: HTTP %d %s", ct, status, body)
		}
	}

	// C-2-6: the same request, the same decision.
	for range 5 {
		_, body, _ := azDo(t, s, azReq{path: eval, body: `{"subject":{"type":"user","id":"bob"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`})
		if !azDecision(t, body) {
			t.Fatalf("not idempotent: %s", body)
		}
	}
}

// TestAuthZENCertificationPaging: C-4-5, the page object with a limit, a
// token, and the end of the results.
func TestAuthZENCertificationPaging(t *testing.T) {
	s := azServer(t, "authzen-cert.yaml")
	req := `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"page":{"limit":1}}`
	_, body, _ := azDo(t, s, azReq{path: "/access/v1/search/subject", body: req})
	ids, page := azResults(t, body, "user")
	tok, _ := page["next_token"].(string)
	if !slices.Equal(ids, []string{"alice"}) || tok == "" || page["count"] != 1.0 || page["total"] != 2.0 {
		t.Fatalf("first page: %s", body)
	}
	req2 := `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"page":{"limit":1,"token":"` + tok + `"}}`
	_, body, _ = azDo(t, s, azReq{path: "/access/v1/search/subject", body: req2})
	ids, page = azResults(t, body, "user")
	if !slices.Equal(ids, []string{"bob"}) || page["next_token"] != "" || page["count"] != 1.0 {
		t.Fatalf("last page: %s", body)
	}
	// C-4-5-2 as the harness sends it: the token without the limit, which
	// is a changed request.
	status, body, _ := azDo(t, s, azReq{path: "/access/v1/search/subject", body: `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"record-2"},"page":{"limit":1,"token":"` + tok + `"}}`})
	if status != 400 || !strings.Contains(string(body), "page.token does not belong to this request") {
		t.Errorf("a token for another request: %d %s", status, body)
	}
	for _, bad := range []string{"x", "!!", "MTIz"} {
		status, _, _ := azDo(t, s, azReq{path: "/access/v1/search/subject", body: `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"page":{"limit":1,"token":"` + bad + `"}}`})
		if status != 400 {
			t.Errorf("token %q: %d", bad, status)
		}
	}
	// Without a page object everything comes in one page that ends.
	_, body, _ = azDo(t, s, azReq{path: "/access/v1/search/subject", body: `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`})
	if ids, page := azResults(t, body, "user"); len(ids) != 2 || page["next_token"] != "" {
		t.Errorf("one page: %s", body)
	}
}

// azContext is the debug object pdpx serve answers as a decision's context.
type azContext struct {
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
// and email lifted out into the user object (and still attributes);
// resource.properties.tenant is the tenant and the rest the resource's
// attributes; action.properties are context.action; the debug object is
// the context.
func TestAuthZENMapping(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	body := `{
	  "subject": {"type": "user", "id": "check@permit.io",
	              "properties": {"location": "England", "department": "Engineering", "first_name": "Check", "email": "check@permit.io"}},
	  "action": {"name": "publish", "properties": {"method": "POST"}},
	  "resource": {"type": "document", "id": "draft", "properties": {"tenant": "default", "hasApproval": "true"}},
	  "context": {"ip": "10.0.0.1"}
	}`
	status, out, _ := azDo(t, s, azReq{path: "/access/v1/evaluation", body: body})
	if status != 200 {
		t.Fatalf("%d %s", status, out)
	}
	var a azContext
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
	if r.User.Attributes["first_name"] != "Check" || r.User.Attributes["email"] != "check@permit.io" || r.User.Attributes["location"] != "England" {
		t.Errorf("user attributes: %v", r.User.Attributes)
	}
	if _, ok := r.Resource.Attributes["tenant"]; ok || r.Resource.Attributes["hasApproval"] != "true" {
		t.Errorf("resource attributes: %v", r.Resource.Attributes)
	}
	if !reflect.DeepEqual(r.Context, map[string]any{"ip": "10.0.0.1", "action": map[string]any{"method": "POST"}}) {
		t.Errorf("context: %v", r.Context)
	}

	// No tenant and no default: none assumed, RBAC has nothing to go on.
	_, out, _ = azDo(t, s, azReq{path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"john@smith.com"},"action":{"name":"create"},"resource":{"type":"document","id":""}}`})
	if azDecision(t, out) {
		t.Errorf("no tenant: %s", out)
	}
	// With --default-tenant the same request is decided in it.
	s, _ = newServer(t, Config{Token: testToken, DefaultTenant: "default"})
	_, out, _ = azDo(t, s, azReq{path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"john@smith.com"},"action":{"name":"create"},"resource":{"type":"document","id":""}}`})
	if !azDecision(t, out) {
		t.Errorf("default tenant: %s", out)
	}

	// --no-debug: no context at all.
	s, _ = newServer(t, Config{NoDebug: true})
	_, out, _ = azDo(t, s, azReq{path: "/access/v1/evaluation", body: body})
	if string(out) != `{"decision":true}` {
		t.Errorf("no debug: %s", out)
	}
}
