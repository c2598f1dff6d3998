package azclient

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/authzen"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/server"
)

const key = "az-test-key-9d2e"

// serve starts pdpx serve's handler on the demo policy (or cfg's) and
// returns its URL.
func serve(t *testing.T, cfg server.Config) string {
	t.Helper()
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

func client(t *testing.T, url string, opts ...Option) *Client {
	t.Helper()
	c, err := New(url, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// demoChecks are checks over every model of the demo policy, with JIT
// attributes, instances, tenants and context.
func demoChecks() []pdp.Check {
	return []pdp.Check{
		{User: pdp.User{Key: "john@smith.com"}, Action: "create", Resource: pdp.Resource{Type: "document", Tenant: "default"}},
		{User: pdp.User{Key: "john@permit.io"}, Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "default"}},
		{User: pdp.User{Key: "john@permit.io"}, Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "awesome_inc"}},
		{User: pdp.User{Key: "check@permit.io", Attributes: map[string]any{"location": "England", "department": "Engineering"}}, Action: "publish",
			Resource: pdp.Resource{Type: "document", Tenant: "default", Attributes: map[string]any{"hasApproval": "true"}}},
		{User: pdp.User{Key: "check@permit.io", Attributes: map[string]any{"location": "England", "department": "Engineering"}}, Action: "publish",
			Resource: pdp.Resource{Type: "document", Tenant: "default", Attributes: map[string]any{"hasApproval": true}}},
		{User: pdp.User{Key: "jane@permit.io"}, Action: "update", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}},
		{User: pdp.User{Key: "jane@permit.io"}, Action: "delete", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}, Context: map[string]any{"ip": "10.0.0.1"}},
		{User: pdp.User{Key: "nobody"}, Action: "read", Resource: pdp.Resource{Type: "document"}},
	}
}

// TestRoundTripThroughServe: checks sent as AuthZEN to pdpx serve are
// decided as the engine decides them, one by one and in a batch, with
// Permit's debug object read back from the context.
func TestRoundTripThroughServe(t *testing.T) {
	url := serve(t, server.Config{Token: key})
	c := client(t, url)
	eng := engine.New(policy.Demo())
	ctx := context.Background()

	ep, err := c.Discover(ctx)
	if err != nil || !ep.FromMetadata || ep.Evaluations != url+authzen.PathEvaluations || ep.SearchAction != url+authzen.PathSearchAction || ep.Note != "" {
		t.Fatalf("discovery: %+v %v", ep, err)
	}
	cs := demoChecks()
	allows := 0
	for _, ch := range cs {
		want := eng.Decide(ch)
		got := c.Check(ctx, ch)
		if got.Outcome != want.Outcome {
			t.Errorf("%s: %v (%v), engine %v", ch, got.Outcome, got.Err, want.Outcome)
		}
		if got.Debug == nil || got.Debug.Request == nil || got.Debug.Request.User.Key != ch.User.Key {
			t.Errorf("%s: no debug object read from the context: %s", ch, got.Response)
		}
		if got.Status != 200 || !json.Valid(got.Request) || got.Target != "authzen: "+strings.TrimPrefix(url, "http://") {
			t.Errorf("%s: %+v", ch, got)
		}
		if got.Outcome == pdp.Allow {
			allows++
		}
	}
	if allows == 0 || allows == len(cs) {
		t.Fatalf("%d of %d allowed: the checks do not tell allow from deny", allows, len(cs))
	}

	ds, err := c.Bulk(ctx, cs)
	if err != nil || len(ds) != len(cs) {
		t.Fatalf("bulk: %v", err)
	}
	for i, d := range ds {
		if want := eng.Decide(cs[i]).Outcome; d.Outcome != want {
			t.Errorf("bulk %d %s: %v, engine %v", i, cs[i], d.Outcome, want)
		}
		single, _ := authzen.FromCheck(cs[i]).Body()
		if string(d.Request) != string(single) {
			t.Errorf("bulk %d: request %s, want the check's own %s", i, d.Request, single)
		}
	}

	// More checks than one batch carries: several requests, one order.
	var many []pdp.Check
	for i := range 2*BatchSize + 7 {
		many = append(many, cs[i%len(cs)])
	}
	ds, err = c.Bulk(ctx, many)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		if d.Outcome != eng.Decide(many[i]).Outcome {
			t.Fatalf("bulk of %d, item %d: %v", len(many), i, d.Outcome)
		}
	}
	if err := c.Health(ctx); err != nil {
		t.Errorf("health: %v", err)
	}
}

// TestSearchesThroughServe: who (subject search) and permissions (action
// search) through pdpx serve agree with the engine's decisions.
func TestSearchesThroughServe(t *testing.T) {
	url := serve(t, server.Config{Token: key})
	c := client(t, url)
	ctx := context.Background()
	eng := engine.New(policy.Demo())

	au, err := c.AuthorizedUsers(ctx, pdp.AuthorizedUsersQuery{Action: "update", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for u := range au.Users {
		who = append(who, u)
	}
	slices.Sort(who)
	var want []string
	for _, u := range eng.Users() {
		if eng.Allowed(&pdp.Check{User: pdp.User{Key: u}, Action: "update", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}}) {
			want = append(want, u)
		}
	}
	if len(want) == 0 || !slices.Equal(who, want) || au.Resource != "document:roadmap" || au.Tenant != "default" {
		t.Errorf("who: %v (%+v), want %v", who, au, want)
	}

	ps, err := c.UserPermissions(ctx, pdp.PermissionsQuery{User: pdp.User{Key: "jane@permit.io"}, Tenants: []string{"default"},
		Resources: []string{"document:roadmap"}, ResourceTypes: []string{"document"}})
	if err != nil {
		t.Fatal(err)
	}
	for key, res := range map[string]pdp.Resource{
		"document:roadmap": {Type: "document", Key: "roadmap", Tenant: "default"},
		"__tenant:default": {Type: "document", Tenant: "default"},
	} {
		var want []string
		for _, a := range eng.ActionsOf("document") {
			if eng.Allowed(&pdp.Check{User: pdp.User{Key: "jane@permit.io"}, Action: a, Resource: res}) {
				want = append(want, "document:"+a)
			}
		}
		if got := ps[key].Permissions; !slices.Equal(got, orNone(want)) {
			t.Errorf("%s: %v, want %v", key, got, want)
		}
	}
	if ps["document:roadmap"].Resource == nil || ps["__tenant:default"].Tenant == nil || len(ps["document:roadmap"].Permissions) == 0 {
		t.Errorf("entries: %+v", ps)
	}
	if _, err := c.UserPermissions(ctx, pdp.PermissionsQuery{User: pdp.User{Key: "jane@permit.io"}}); pdp.ErrorKindOf(err) != pdp.ErrorNotSupported {
		t.Errorf("permissions with nothing to ask about: %v", err)
	}
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// standIn is an AuthZEN PDP that answers what the test says, counting
// the requests to each path.
type standIn struct {
	t     *testing.T
	url   string
	mu    sync.Mutex
	hits  map[string]int
	last  map[string][]byte
	auth  []string
	route func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newStandIn(t *testing.T, route func(w http.ResponseWriter, r *http.Request, body []byte)) *standIn {
	s := &standIn{t: t, hits: map[string]int{}, last: map[string][]byte{}, route: route}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.last[r.URL.Path] = body
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		s.route(w, r, body)
	}))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

func (s *standIn) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

var check = pdp.Check{User: pdp.User{Key: "alice"}, Action: "read", Resource: pdp.Resource{Type: "record", Key: "r1", Tenant: "t1"}}

// TestNoMetadata: a PDP without metadata is asked at the default paths,
// and batches fall back to one evaluation at a time when it has none.
func TestNoMetadata(t *testing.T) {
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.URL.Path {
		case authzen.PathEvaluation:
			var req authzen.Request
			_ = json.Unmarshal(body, &req)
			writeJSON(w, 200, `{"decision":`+map[bool]string{true: "true", false: "false"}[req.Resource.ID == "r1"]+`}`)
		default:
			http.NotFound(w, r)
		}
	})
	c := client(t, s.url)
	ctx := context.Background()
	if d := c.Check(ctx, check); d.Outcome != pdp.Allow || d.Debug != nil || d.Reasons != nil {
		t.Fatalf("%+v", d)
	}
	other := check
	other.Resource.Key = "r2"
	ds, err := c.Bulk(ctx, []pdp.Check{check, other, check})
	if err != nil {
		t.Fatal(err)
	}
	if got := []pdp.Outcome{ds[0].Outcome, ds[1].Outcome, ds[2].Outcome}; !slices.Equal(got, []pdp.Outcome{pdp.Allow, pdp.Deny, pdp.Allow}) {
		t.Errorf("%v", got)
	}
	if s.count(authzen.PathEvaluations) != 1 || s.count(authzen.PathEvaluation) != 4 {
		t.Errorf("hits: %v", s.hits)
	}
	// Learned: the next batch goes straight to single evaluations.
	if _, err := c.Bulk(ctx, []pdp.Check{check}); err != nil || s.count(authzen.PathEvaluations) != 1 {
		t.Errorf("asked the missing batch API again: %v %v", err, s.hits)
	}
	if s.count(authzen.PathMetadata) != 1 {
		t.Errorf("metadata asked %d times", s.count(authzen.PathMetadata))
	}
	// Searches are tried at their default path, and their absence is said.
	_, err = c.AuthorizedUsers(ctx, pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "record", Key: "r1"}})
	if pdp.ErrorKindOf(err) != pdp.ErrorNotSupported || !strings.Contains(err.Error(), "/access/v1/search/subject") {
		t.Errorf("subject search on a PDP without one: %v", err)
	}
}

// TestMetadata: the metadata's endpoints are used, what it leaves out is
// not offered, and metadata for another PDP, or endpoints on another
// host, are not used: the key goes to the PDP's own origin only.
func TestMetadata(t *testing.T) {
	var meta atomic.Value
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.URL.Path {
		case "/.well-known/authzen-configuration/pdp":
			writeJSON(w, 200, meta.Load().(string))
		case "/pdp/custom/eval", "/pdp/access/v1/evaluation":
			writeJSON(w, 200, `{"decision":true}`)
		default:
			http.NotFound(w, r)
		}
	})
	base := s.url + "/pdp"
	meta.Store(`{"policy_decision_point":"` + base + `","access_evaluation_endpoint":"` + base + `/custom/eval","search_action_endpoint":"` + base + `/custom/actions"}`)
	c := client(t, base)
	ctx := context.Background()
	ep, err := c.Discover(ctx)
	if err != nil || ep.Evaluation != base+"/custom/eval" || ep.Evaluations != "" || ep.SearchSubject != "" || ep.SearchAction != base+"/custom/actions" || !ep.FromMetadata {
		t.Fatalf("%+v %v", ep, err)
	}
	if d := c.Check(ctx, check); d.Outcome != pdp.Allow {
		t.Fatalf("%+v", d)
	}
	// No evaluations API in the metadata: Bulk asks one by one, at once.
	if ds, err := c.Bulk(ctx, []pdp.Check{check, check}); err != nil || ds[1].Outcome != pdp.Allow || s.count("/pdp/access/v1/evaluations") != 0 {
		t.Errorf("bulk: %v %v", err, s.hits)
	}
	if _, err := c.AuthorizedUsers(ctx, pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "record", Key: "r1"}}); pdp.ErrorKindOf(err) != pdp.ErrorNotSupported || !strings.Contains(err.Error(), "search_subject_endpoint") {
		t.Errorf("a search the metadata does not list: %v", err)
	}

	for _, tc := range []struct{ meta, note string }{
		{`{"policy_decision_point":"https://elsewhere.example.com","access_evaluation_endpoint":"https://elsewhere.example.com/access/v1/evaluation"}`, "names another PDP"},
		{`{"policy_decision_point":"` + base + `","access_evaluation_endpoint":"https://elsewhere.example.com/steal"}`, "on another host"},
		{`<html>oops</html>`, "HTML"},
	} {
		meta.Store(tc.meta)
		c := client(t, base)
		ep, err := c.Discover(ctx)
		if err != nil || !strings.Contains(ep.Note, tc.note) || ep.Evaluation != base+authzen.PathEvaluation {
			t.Errorf("%s: %+v %v", tc.meta, ep, err)
		}
		if d := c.Check(ctx, check); d.Outcome != pdp.Allow {
			t.Errorf("%s: %+v", tc.meta, d)
		}
	}
	for _, a := range s.auth {
		if a != "Bearer "+key {
			t.Errorf("sent Authorization %q", a)
		}
	}
}

// TestBatchItemsAndShapes: an item whose context holds an error is an Error
// of its own; a batch answer of the wrong count or shape fails the batch.
func TestBatchItemsAndShapes(t *testing.T) {
	var answer atomic.Value
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.URL.Path {
		case authzen.PathEvaluations:
			writeJSON(w, 200, answer.Load().(string))
		default:
			http.NotFound(w, r)
		}
	})
	c := client(t, s.url)
	ctx := context.Background()
	cs := []pdp.Check{check, check, check}

	answer.Store(`{"evaluations":[{"decision":true},{"decision":false,"context":{"error":{"status":400,"message":"subject.id is missing"}}},{"decision":false,"context":{"reason_user":{"en-403":"Insufficient privileges"}}}]}`)
	ds, err := c.Bulk(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].Outcome != pdp.Allow || ds[1].Outcome != pdp.Error || ds[2].Outcome != pdp.Deny {
		t.Fatalf("%v %v %v", ds[0].Outcome, ds[1].Outcome, ds[2].Outcome)
	}
	if !strings.Contains(ds[1].ErrorText(), "could not evaluate check 2 of 3 (status 400): subject.id is missing") || pdp.ErrorKindOf(ds[1].Err) != pdp.ErrorBadRequest {
		t.Errorf("item error: %v", ds[1].Err)
	}
	if !reflect.DeepEqual(ds[2].Reasons, []string{"reason_user: en-403: Insufficient privileges"}) || string(ds[2].Response) != `{"decision":false,"context":{"reason_user":{"en-403":"Insufficient privileges"}}}` {
		t.Errorf("reasons %q, response %s", ds[2].Reasons, ds[2].Response)
	}
	var sent authzen.EvaluationsRequest
	if err := json.Unmarshal(s.last[authzen.PathEvaluations], &sent); err != nil || len(sent.Evaluations) != 3 || sent.Options == nil || sent.Options.EvaluationsSemantic != authzen.ExecuteAll {
		t.Errorf("sent %s", s.last[authzen.PathEvaluations])
	}

	for _, bad := range []string{`{"evaluations":[{"decision":true}]}`, `{"decision":true}`, `{"evaluations":{}}`, `[]`} {
		answer.Store(bad)
		ds, err := c.Bulk(ctx, cs)
		if pdp.ErrorKindOf(err) != pdp.ErrorBadResponse {
			t.Errorf("%s: %v", bad, err)
		}
		for i, d := range ds {
			if d.Outcome != pdp.Error || d.Err == nil {
				t.Errorf("%s: decision %d is %v", bad, i, d.Outcome)
			}
		}
	}
}

// TestSearchPaging: a search follows next_token to the last page, and a
// PDP that hands out the same token twice is an error, not a loop.
func TestSearchPaging(t *testing.T) {
	var repeat atomic.Bool
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.URL.Path != authzen.PathSearchSubject {
			http.NotFound(w, r)
			return
		}
		var req authzen.SearchRequest
		_ = json.Unmarshal(body, &req)
		tok := ""
		if req.Page != nil {
			tok = req.Page.Token
		}
		switch {
		case repeat.Load():
			writeJSON(w, 200, `{"page":{"next_token":"again"},"results":[{"type":"user","id":"x"}]}`)
		case tok == "":
			writeJSON(w, 200, `{"page":{"next_token":"p2","count":2,"total":3},"results":[{"type":"user","id":"a"},{"type":"user","id":"b"}]}`)
		case tok == "p2" && req.Action.Name == "read" && req.Resource.ID == "r1":
			writeJSON(w, 200, `{"page":{"next_token":"","count":1,"total":3},"results":[{"type":"user","id":"c"}]}`)
		default:
			http.Error(w, "page.token does not belong to this request", 400)
		}
	})
	c := client(t, s.url)
	q := pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "record", Key: "r1"}}
	au, err := c.AuthorizedUsers(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(au.Users) != 3 || au.Users["c"] == nil {
		t.Errorf("%+v", au.Users)
	}
	repeat.Store(true)
	if _, err := c.AuthorizedUsers(context.Background(), q); pdp.ErrorKindOf(err) != pdp.ErrorBadResponse || !strings.Contains(err.Error(), "the same page token twice") {
		t.Errorf("a repeated token: %v", err)
	}
}

func TestNew(t *testing.T) {
	for _, bad := range []string{"", "localhost:8080", "ftp://pdp", "http://user:pw@pdp", "http://pdp/?k=1", "http://"} {
		if _, err := New(bad, ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	c, err := New("HTTP://PDP.example.com:8080/base/", "Bearer "+key)
	if err != nil || c.URL() != "http://pdp.example.com:8080/base" || c.token != key || c.metadataURL() != "http://pdp.example.com:8080/.well-known/authzen-configuration/base" {
		t.Errorf("%v %q %q %q", err, c.URL(), c.token, c.metadataURL())
	}
	if info := c.Describe(); info.Kind != pdp.KindAuthZEN || strings.Contains(info.Name+info.URL, key) {
		t.Errorf("%+v", info)
	}
}
