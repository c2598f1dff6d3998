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

// TestAuthZENHeaders: C-2-5 and C-5-4, X-Request-ID on every answer, errors
// too; the key refused with 401 and a challenge.
func TestAuthZENHeaders(t *testing.T) {
	s := azServer(t, "authzen-cert.yaml")
	ok := `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`
	const id = "bfe9eb29-ab87-4ca3-be83-a1d5d8305716"
	for _, tc := range []struct {
		name   string
		r      azReq
		status int
	}{
		{"evaluation", azReq{path: "/access/v1/evaluation", body: ok}, 200},
		{"evaluations", azReq{path: "/access/v1/evaluations", body: `{"evaluations":[` + ok + `]}`}, 200},
		{"search", azReq{path: "/access/v1/search/action", body: `{"subject":{"type":"user","id":"alice"},"resource":{"type":"record","id":"record-1"}}`}, 200},
		{"metadata", azReq{method: "GET", path: "/.well-known/authzen-configuration"}, 200},
		{"malformed", azReq{path: "/access/v1/evaluation", body: `{`}, 400},
		{"no key", azReq{path: "/access/v1/evaluation", body: ok, header: map[string]string{"Authorization": ""}}, 401},
		{"wrong key", azReq{path: "/access/v1/evaluation", body: ok, header: map[string]string{"Authorization": "Bearer nope"}}, 401},
		{"wrong scheme", azReq{path: "/access/v1/search/subject", body: ok, header: map[string]string{"Authorization": "Basic " + testToken}}, 401},
		{"wrong method", azReq{method: "GET", path: "/access/v1/evaluation"}, 405},
		{"Permit route", azReq{path: "/allowed", body: `{"user":{"key":"alice"},"action":"read","resource":{"type":"record"}}`}, 200},
		{"evaluations written in parts", azReq{path: "/access/v1/evaluations", body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"evaluations":[` + strings.Repeat(`{},`, 999) + `{}]}`}, 200},
	} {
		tc.r.header = mergeHeader(tc.r.header, "X-Request-ID", id)
		status, body, h := azDo(t, s, tc.r)
		if status != tc.status {
			t.Errorf("%s: HTTP %d, want %d: %s", tc.name, status, tc.status, body)
		}
		if got := h.Get("X-Request-ID"); got != id {
			t.Errorf("%s: X-Request-ID %q", tc.name, got)
		}
		if status == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without a Bearer challenge", tc.name)
		}
	}
	// C-2-5-2: no id, no failure, no id made up.
	status, _, h := azDo(t, s, azReq{path: "/access/v1/evaluation", body: ok})
	if status != 200 || h.Get("X-Request-ID") != "" {
		t.Errorf("without an id: %d %q", status, h.Get("X-Request-ID"))
	}
	// Permit's own routes keep Permit's statuses.
	if status, _, _ := azDo(t, s, azReq{path: "/allowed", body: `{}`, header: map[string]string{"Authorization": "Bearer nope"}}); status != 403 {
		t.Errorf("/allowed with a wrong key: %d, want Permit's 403", status)
	}
}

func mergeHeader(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		out[hk] = hv
	}
	return out
}

// TestAuthZENMetadata: C-6, every endpoint listed at the URL clients reach
// the server at: the Host, a proxy's forwarded headers, or --public-url.
func TestAuthZENMetadata(t *testing.T) {
	s := azServer(t, "authzen-cert.yaml")
	all := func(base string) map[string]string {
		return map[string]string{
			"policy_decision_point":       base,
			"access_evaluation_endpoint":  base + "/access/v1/evaluation",
			"access_evaluations_endpoint": base + "/access/v1/evaluations",
			"search_subject_endpoint":     base + "/access/v1/search/subject",
			"search_resource_endpoint":    base + "/access/v1/search/resource",
			"search_action_endpoint":      base + "/access/v1/search/action",
		}
	}
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"Host", map[string]string{"Host": "pdp.test:9000"}, "http://pdp.test:9000"},
		{"X-Forwarded", map[string]string{"Host": "127.0.0.1:7766", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "pdp.example.com"}, "https://pdp.example.com"},
		{"X-Forwarded-Port", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "pdp.example.com", "X-Forwarded-Port": "8443"}, "https://pdp.example.com:8443"},
		{"default port", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "pdp.example.com", "X-Forwarded-Port": "443"}, "https://pdp.example.com"},
		{"chain", map[string]string{"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "edge.example.com, inner:80"}, "https://edge.example.com"},
		{"prefix", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gw.example.com", "X-Forwarded-Prefix": "/pdp/"}, "https://gw.example.com/pdp"},
		{"Forwarded", map[string]string{"Forwarded": `for=192.0.2.60;proto=https;host="pdp.example.com:444", for=10.0.0.1`}, "https://pdp.example.com:444"},
		{"hostile host", map[string]string{"Host": "pdp.test", "X-Forwarded-Host": "evil.example/x?y"}, "http://pdp.test"},
		{"hostile scheme", map[string]string{"Host": "pdp.test", "X-Forwarded-Proto": "javascript"}, "http://pdp.test"},
	} {
		// No key: discovery comes before a client knows where to send one.
		status, body, h := azDo(t, s, azReq{method: "GET", path: "/.well-known/authzen-configuration", header: mergeHeader(tc.header, "Authorization", "")})
		var got map[string]string
		if status != 200 || h.Get("Content-Type") != "application/json" || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%s: %d %s", tc.name, status, body)
		}
		if want := all(tc.want); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, got, want)
		}
	}

	s, _ = newServer(t, Config{Token: testToken, PublicURL: "https://pdp.example.com/base/"})
	_, body, _ := azDo(t, s, azReq{method: "GET", path: "/.well-known/authzen-configuration", header: map[string]string{"X-Forwarded-Host": "other.example.com"}})
	var got map[string]string
	if json.Unmarshal(body, &got) != nil || !reflect.DeepEqual(got, all("https://pdp.example.com/base")) {
		t.Errorf("public URL: %s", body)
	}
	for _, bad := range []string{"pdp.example.com", "ftp://pdp.example.com", "https://user:pw@pdp.example.com", "https://pdp.example.com/?x=1", "https://"} {
		if _, err := New(Config{PublicURL: bad}); err == nil {
			t.Errorf("public URL %q accepted", bad)
		}
	}
}

// TestAuthZENSpecExamples runs the examples of the Authorization API 1.0
// (evaluation, evaluations with and without defaults, the three semantics,
// the three searches and paging) against a policy whose facts give the
// answers the examples show.
func TestAuthZENSpecExamples(t *testing.T) {
	s := azServer(t, "authzen-spec.yaml")
	alice := `"subject":{"type":"user","id":"alice@example.com"}`
	docs := `"evaluations":[{"resource":{"type":"document","id":"1"}},{"resource":{"type":"document","id":"2"}},{"resource":{"type":"document","id":"3"}}]`
	for _, tc := range []struct {
		name, path, body string
		decision         *bool
		decisions        []bool
	}{
		{name: "access evaluation request", path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"alice@example.com"},"resource":{"type":"account","id":"123"},"action":{"name":"can_read","properties":{"method":"GET"}},"context":{"time":"1985-10-26T01:22-07:00"}}`, decision: ptr(true)},
		{name: "action with properties", path: "/access/v1/evaluation", body: `{` + alice + `,"action":{"name":"extend-loan","properties":{"period":"2W"}},"resource":{"type":"book","id":"123","properties":{"library_record":{"title":"AuthZEN in Action","isbn":"978-0593383322"}}}}`, decision: ptr(true)},
		{name: "action with other properties", path: "/access/v1/evaluation", body: `{` + alice + `,"action":{"name":"extend-loan","properties":{"period":"1M"}},"resource":{"type":"book","id":"123"}}`, decision: ptr(false)},
		{name: "three requests, no defaults", path: "/access/v1/evaluations", body: `{"evaluations":[
			{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"document","id":"boxcarring.md"},"context":{"time":"2024-05-31T15:22-07:00"}},
			{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"document","id":"subject-search.md"},"context":{"time":"2024-05-31T15:22-07:00"}},
			{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"document","id":"resource-search.md"},"context":{"time":"2024-05-31T15:22-07:00"}}]}`, decisions: []bool{true, true, false}},
		{name: "default subject and context", path: "/access/v1/evaluations", body: `{` + alice + `,"context":{"time":"2024-05-31T15:22-07:00"},"evaluations":[
			{"action":{"name":"can_read"},"resource":{"type":"document","id":"boxcarring.md"}},
			{"action":{"name":"can_read"},"resource":{"type":"document","id":"subject-search.md"}},
			{"action":{"name":"can_read"},"resource":{"type":"document","id":"resource-search.md"}}]}`, decisions: []bool{true, true, false}},
		{name: "default action, overridden", path: "/access/v1/evaluations", body: `{` + alice + `,"context":{"time":"2024-05-31T15:22-07:00"},"action":{"name":"can_read"},"evaluations":[
			{"resource":{"type":"document","id":"boxcarring.md"}},
			{"resource":{"type":"document","id":"subject-search.md"}},
			{"action":{"name":"can_edit"},"resource":{"type":"document","id":"resource-search.md"}}]}`, decisions: []bool{true, true, true}},
		{name: "options example", path: "/access/v1/evaluations", body: `{"evaluations":[{"resource":{"type":"doc","id":"1"},"subject":{"type":"doc","id":"2"}}],"options":{"evaluations_semantic":"execute_all","another_option":"value"}}`, decisions: []bool{false}},
		{name: "execute_all", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"execute_all"},` + docs + `}`, decisions: []bool{true, false, true}},
		{name: "execute_all by default", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},` + docs + `}`, decisions: []bool{true, false, true}},
		{name: "deny_on_first_deny", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"deny_on_first_deny"},` + docs + `}`, decisions: []bool{true, false}},
		{name: "permit_on_first_permit", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"permit_on_first_permit"},` + docs + `}`, decisions: []bool{true}},
		{name: "deny_on_first_deny stops at an error", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"deny_on_first_deny"},"evaluations":[{"resource":{"type":"document","id":"1"}},{"resource":{"type":"document"}},{"resource":{"type":"document","id":"3"}}]}`, decisions: []bool{true, false}},
		{name: "permit_on_first_permit, none permits", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"permit_on_first_permit"},"evaluations":[{"resource":{"type":"document","id":"2"}},{"resource":{"type":"document","id":"4"}}]}`, decisions: []bool{false, false}},
	} {
		status, body, _ := azDo(t, s, azReq{path: tc.path, body: tc.body})
		if status != 200 {
			t.Errorf("%s: HTTP %d %s", tc.name, status, body)
			continue
		}
		if tc.decision != nil {
			if got := azDecision(t, body); got != *tc.decision {
				t.Errorf("%s: %v: %s", tc.name, got, body)
			}
		} else if got := azDecisions(t, body); !slices.Equal(got, tc.decisions) {
			t.Errorf("%s: %v, want %v: %s", tc.name, got, tc.decisions, body)
		}
	}
	if status, body, _ := azDo(t, s, azReq{path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"first_match"},` + docs + `}`}); status != 400 || !strings.Contains(string(body), "evaluations_semantic") {
		t.Errorf("an unknown semantic: %d %s", status, body)
	}

	for _, tc := range []struct {
		name, path, body, typ string
		want                  []string
	}{
		{"subject search", "/access/v1/search/subject", `{"subject":{"type":"user"},"action":{"name":"can_read"},"resource":{"type":"account","id":"123"},"context":{"time":"2024-10-26T01:22-07:00"}}`, "user", []string{"alice@example.com", "bob@example.com"}},
		{"resource search", "/access/v1/search/resource", `{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"account"}}`, "account", []string{"123", "456", "789"}},
		{"action search", "/access/v1/search/action", `{` + alice + `,"resource":{"type":"account","id":"123"},"context":{"time":"2024-10-26T01:22-07:00"}}`, "", []string{"can_read", "can_write"}},
		{"resource search, ReBAC", "/access/v1/search/resource", `{` + alice + `,"action":{"name":"read"},"resource":{"type":"document"}}`, "document", []string{"1", "3", "boxcarring.md", "subject-search.md"}},
	} {
		_, body, _ := azDo(t, s, azReq{path: tc.path, body: tc.body})
		if ids, _ := azResults(t, body, tc.typ); !slices.Equal(ids, tc.want) {
			t.Errorf("%s: %v, want %v: %s", tc.name, ids, tc.want, body)
		}
	}

	// The paging example: three accounts, two a page.
	first := `{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"account"},"page":{"limit":2}}`
	_, body, _ := azDo(t, s, azReq{path: "/access/v1/search/resource", body: first})
	ids, page := azResults(t, body, "account")
	tok, _ := page["next_token"].(string)
	if !slices.Equal(ids, []string{"123", "456"}) || tok == "" || page["count"] != 2.0 || page["total"] != 3.0 {
		t.Fatalf("initial response: %s", body)
	}
	second := `{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"account"},"page":{"limit":2,"token":"` + tok + `"}}`
	_, body, _ = azDo(t, s, azReq{path: "/access/v1/search/resource", body: second})
	ids, page = azResults(t, body, "account")
	if !slices.Equal(ids, []string{"789"}) || page["next_token"] != "" || page["count"] != 1.0 || page["total"] != 3.0 {
		t.Errorf("second response: %s", body)
	}
	// A search result, evaluated, is allowed (the search semantics).
	for _, id := range []string{"123", "456", "789"} {
		_, body, _ := azDo(t, s, azReq{path: "/access/v1/evaluation", body: `{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"account","id":"` + id + `"}}`})
		if !azDecision(t, body) {
			t.Errorf("account %s found but denied: %s", id, body)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// todoUsers are the Todo scenario's PIDs, by name.
var todoUsers = map[string]string{
	"rick":   "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
	"morty":  "CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
	"summer": "CiRmZDI2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
	"beth":   "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
	"jerry":  "CiRmZDQ2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
}

// TestAuthZENTodoInterop runs the AuthZEN interop "Todo" scenario's
// published decisions (authorization-api-1_0-02: 40 evaluations and 3
// batches) through /access/v1/evaluation(s), against the scenario written
// as a pdpx policy.
func TestAuthZENTodoInterop(t *testing.T) {
	s := azServer(t, "authzen-todo.yaml")
	const b2, b1, b3, b4, b5 = "7240d0db-8ff0-41ec-98b2-34a096273b92", "7240d0db-8ff0-41ec-98b2-34a096273b91", "7240d0db-8ff0-41ec-98b2-34a096273b93", "7240d0db-8ff0-41ec-98b2-34a096273b94", "7240d0db-8ff0-41ec-98b2-34a096273b95"
	type todo struct{ id, owner string }
	rickTodo := todo{b2, "rick@the-citadel.com"}
	own := map[string]todo{
		"rick": rickTodo, "morty": {b1, "morty@the-citadel.com"}, "summer": {b3, "summer@the-smiths.com"},
		"beth": {b4, "beth@the-smiths.com"}, "jerry": {b5, "jerry@the-smiths.com"},
	}
	emails := map[string]string{"rick": "rick@the-citadel.com", "morty": "morty@the-citadel.com", "summer": "summer@the-smiths.com", "beth": "beth@the-smiths.com", "jerry": "jerry@the-smiths.com"}
	// expected[user] = can_read_user beth, can_read_user self, can_read_todos,
	// can_create_todo, update rick's, update (other), delete rick's, delete (other):
	// for rick the "other" todo is morty's, for everyone else their own.
	expected := map[string][8]bool{
		"rick":   {true, true, true, true, true, true, true, true},
		"morty":  {true, true, true, true, false, true, false, true},
		"summer": {true, true, true, true, false, true, false, true},
		"beth":   {true, true, true, false, false, false, false, false},
		"jerry":  {true, true, true, false, false, false, false, false},
	}
	n := 0
	for _, who := range []string{"rick", "morty", "summer", "beth", "jerry"} {
		sub := `"subject":{"type":"user","id":"` + todoUsers[who] + `"}`
		other := own[who]
		if who == "rick" {
			other = own["morty"]
		}
		todoRes := func(td todo) string {
			return `"resource":{"type":"todo","id":"` + td.id + `","properties":{"ownerID":"` + td.owner + `"}}`
		}
		reqs := []string{
			`{` + sub + `,"action":{"name":"can_read_user"},"resource":{"type":"user","id":"beth@the-smiths.com"}}`,
			`{` + sub + `,"action":{"name":"can_read_user"},"resource":{"type":"user","id":"` + emails[who] + `"}}`,
			`{` + sub + `,"action":{"name":"can_read_todos"},"resource":{"type":"todo","id":"todo-1"}}`,
			`{` + sub + `,"action":{"name":"can_create_todo"},"resource":{"type":"todo","id":"todo-1"}}`,
			`{` + sub + `,"action":{"name":"can_update_todo"},` + todoRes(rickTodo) + `}`,
			`{` + sub + `,"action":{"name":"can_update_todo"},` + todoRes(other) + `}`,
			`{` + sub + `,"action":{"name":"can_delete_todo"},` + todoRes(rickTodo) + `}`,
			`{` + sub + `,"action":{"name":"can_delete_todo"},` + todoRes(other) + `}`,
		}
		for i, r := range reqs {
			n++
			status, body, _ := azDo(t, s, azReq{path: "/access/v1/evaluation", body: r})
			if status != 200 {
				t.Fatalf("%s: HTTP %d %s", r, status, body)
			}
			if got := azDecision(t, body); got != expected[who][i] {
				t.Errorf("%s #%d: %v, want %v: %s", who, i, got, expected[who][i], r)
			}
		}
	}
	if n != 40 {
		t.Fatalf("%d evaluations, the scenario has 40", n)
	}
	for _, tc := range []struct {
		who  string
		todo todo
		want []bool
	}{
		{"rick", own["jerry"], []bool{true, true}},
		{"morty", own["morty"], []bool{false, true}},
		{"jerry", own["jerry"], []bool{false, false}},
	} {
		body := `{"subject":{"type":"user","id":"` + todoUsers[tc.who] + `"},"action":{"name":"can_update_todo"},"evaluations":[
			{"resource":{"type":"todo","id":"` + b2 + `","properties":{"ownerID":"rick@the-citadel.com"}}},
			{"resource":{"type":"todo","id":"` + tc.todo.id + `","properties":{"ownerID":"` + tc.todo.owner + `"}}}]}`
		status, out, _ := azDo(t, s, azReq{path: "/access/v1/evaluations", body: body})
		if status != 200 {
			t.Fatalf("HTTP %d %s", status, out)
		}
		if got := azDecisions(t, out); !slices.Equal(got, tc.want) {
			t.Errorf("%s batch: %v, want %v", tc.who, got, tc.want)
		}
	}
	// The scenario names no tenant: without a default one, the Permit way
	// of writing it (roles in a tenant) denies what needs a role.
	bare, _ := newServer(t, Config{Policy: "testdata/authzen-todo.yaml", Poll: -1})
	_, body, _ := azDo(t, bare, azReq{path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"` + todoUsers["rick"] + `"},"action":{"name":"can_create_todo"},"resource":{"type":"todo","id":"todo-1"}}`})
	if azDecision(t, body) {
		t.Errorf("allowed with no tenant at all: %s", body)
	}
	// A tenant the request names wins over the default.
	_, body, _ = azDo(t, s, azReq{path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"` + todoUsers["rick"] + `"},"action":{"name":"can_create_todo"},"resource":{"type":"todo","id":"todo-1","properties":{"tenant":"elsewhere"}}}`})
	if azDecision(t, body) {
		t.Errorf("the default tenant replaced the request's own: %s", body)
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
