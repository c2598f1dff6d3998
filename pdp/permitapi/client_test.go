package permitapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/permitapi/standin"
	"github.com/pdpx/pdpx/pdp/policy"
)

const key = "permit_key_client_test_secret"

// env is a policy with many users and tuples, to page through.
func env(users, tuples int) *policy.Policy {
	p := &policy.Policy{Version: 1,
		Resources: map[string]*policy.Resource{"doc": {Actions: []string{"read"}, Relations: map[string]string{"parent": "doc"}}},
		Tenants:   map[string]*policy.Tenant{"default": {}},
		Users:     map[string]*policy.User{},
	}
	for i := range users {
		p.Users[fmt.Sprintf("u%04d", i)] = &policy.User{Email: fmt.Sprintf("u%d@x.io", i)}
	}
	for i := range tuples {
		p.Relationships = append(p.Relationships, policy.Relationship{Subject: fmt.Sprintf("doc:d%d", i+1), Relation: "parent", Object: fmt.Sprintf("doc:d%d", i)})
	}
	return p
}

func newClient(t *testing.T, url string, mod func(*permitapi.Config)) *permitapi.Client {
	t.Helper()
	cfg := permitapi.Config{URL: url, Key: key, KeySource: "the key in $PERMIT_API_KEY", Backoff: time.Millisecond, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := permitapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fetch(t *testing.T, c *permitapi.Client) (*permitapi.Snapshot, error) {
	t.Helper()
	ctx := context.Background()
	tg, err := c.Resolve(ctx, "", "")
	if err != nil {
		return nil, err
	}
	return c.Fetch(ctx, tg, nil)
}

// Many pages: every item arrives once, with one request per page and the
// requests in flight never above the bound.
func TestPagingToTheEnd(t *testing.T) {
	srv := standin.New(env(250, 1003), key)
	defer srv.Close()
	var inFlight, peak atomic.Int64
	srv.Fault = func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond) // let requests overlap
		inFlight.Add(-1)
		return false
	}
	c := newClient(t, srv.URL, func(c *permitapi.Config) { c.PerPage = 10; c.Concurrency = 3 })
	var pages atomic.Int64
	tg, err := c.Resolve(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := c.Fetch(context.Background(), tg, func(permitapi.Progress) { pages.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Users) != 250 || len(snap.Tuples) != 1003 {
		t.Errorf("%d users, %d tuples", len(snap.Users), len(snap.Tuples))
	}
	seen := map[string]bool{}
	for _, u := range snap.Users {
		if seen[u.Key] {
			t.Errorf("user %s twice", u.Key)
		}
		seen[u.Key] = true
	}
	if want := int64(srv.Pages(10) + 3); c.Requests() != want {
		t.Errorf("%d requests, want %d (pages and 3 to resolve)", c.Requests(), want)
	}
	if peak.Load() > 3 {
		t.Errorf("%d requests in flight at once, bound 3", peak.Load())
	}
	if peak.Load() < 2 {
		t.Errorf("pages were fetched one at a time (peak %d)", peak.Load())
	}
	if srv.PathRequests()["/v2/facts/"+standin.ProjectID+"/"+standin.EnvID+"/relationship_tuples"] != 101 {
		t.Errorf("tuple pages: %v", srv.PathRequests())
	}
}

// A list that shifts while it is paged (an item pushed onto the next page)
// is deduplicated by id.
func TestShiftingListIsDeduplicated(t *testing.T) {
	srv := standin.New(env(30, 0), key)
	defer srv.Close()
	c := newClient(t, srv.URL, func(c *permitapi.Config) { c.PerPage = 10; c.Concurrency = 1 })
	srv.Fault = func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		// Page 2 of users repeats page 1's last item, as when an item is
		// inserted at the front during paging.
		if strings.HasSuffix(r.URL.Path, "/users") && r.URL.Query().Get("page") == "2" {
			q := r.URL.Query()
			q.Set("page", "1")
			r.URL.RawQuery = q.Encode()
		}
		return false
	}
	snap, err := fetch(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Users) != 20 {
		t.Errorf("%d users: a repeated page must add nothing", len(snap.Users))
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	srv := standin.New(env(3, 3), key)
	defer srv.Close()
	var limited atomic.Int64
	srv.Fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if strings.HasSuffix(r.URL.Path, "/tenants") && limited.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	c := newClient(t, srv.URL, nil)
	start := time.Now()
	snap, err := fetch(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %v, Retry-After said 1s", el)
	}
	if len(snap.Tenants) != 1 || c.Retries() != 1 {
		t.Errorf("%d tenants, %d retries", len(snap.Tenants), c.Retries())
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	srv := standin.New(env(3, 3), key)
	defer srv.Close()
	var fails atomic.Int64
	srv.Fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if strings.HasSuffix(r.URL.Path, "/users") && fails.Add(1) <= 2 {
			http.Error(w, "upstream", http.StatusInternalServerError)
			return true
		}
		return false
	}
	c := newClient(t, srv.URL, nil)
	snap, err := fetch(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Users) != 3 || c.Retries() != 2 {
		t.Errorf("%d users, %d retries", len(snap.Users), c.Retries())
	}
}

// 429 forever ends after the bounded retries, with a message.
func TestRetriesAreBounded(t *testing.T) {
	srv := standin.New(env(1, 1), key)
	defer srv.Close()
	srv.Fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if strings.HasSuffix(r.URL.Path, "/roles") {
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	c := newClient(t, srv.URL, func(c *permitapi.Config) { c.Retries = 2 })
	_, err := fetch(t, c)
	if err == nil || !strings.Contains(err.Error(), "429 Too Many Requests after 3 tries") || permitapi.StatusOf(err) != 429 {
		t.Errorf("err = %v", err)
	}
	if got := srv.PathRequests()["/v2/schema/"+standin.ProjectID+"/"+standin.EnvID+"/roles"]; got != 3 {
		t.Errorf("%d requests for roles, want 3", got)
	}
}

func TestAuthErrorsNameTheKeyNeverItsValue(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(*standin.Server, *permitapi.Config)
		proj   string
		envArg string
		status int
		want   []string
	}{
		{"401", func(_ *standin.Server, c *permitapi.Config) { c.Key = "permit_key_revoked" }, "", "", 401,
			[]string{"Permit refused the key in $PERMIT_API_KEY (401 Unauthorized)", "Settings → API Keys"}},
		{"403", func(s *standin.Server, _ *permitapi.Config) { s.KeyEnv = standin.OtherEnvID }, "", "", 403,
			[]string{"the key in $PERMIT_API_KEY may not read environment web/staging (403 Forbidden)", "--project and --env"}},
		{"404", func(s *standin.Server, _ *permitapi.Config) { s.Level = standin.OrgKey }, "web", "prod", 404,
			[]string{`Permit has no environment "prod" of project "web" (404 Not Found)`, "check --project and --env"}},
		{"project key needs --env", func(s *standin.Server, _ *permitapi.Config) { s.Level = standin.ProjectKey }, "", "", 0,
			[]string{"is a project key: name the environment to pull with --env"}},
		{"org key needs both", func(s *standin.Server, _ *permitapi.Config) { s.Level = standin.OrgKey }, "", "production", 0,
			[]string{"is an organization key: name the project and environment"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A stand-in of its own: the one before may still be answering
			// requests its failed pull had in flight.
			srv := standin.New(env(1, 1), key)
			defer srv.Close()
			cfg := permitapi.Config{URL: srv.URL, Key: key, KeySource: "the key in $PERMIT_API_KEY", Backoff: time.Millisecond}
			tc.setup(srv, &cfg)
			c, err := permitapi.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			tg, err := c.Resolve(context.Background(), tc.proj, tc.envArg)
			if err == nil {
				_, err = c.Fetch(context.Background(), tg, nil)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v\nlacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), cfg.Key) {
				t.Errorf("the key's value is in %v", err)
			}
			if permitapi.StatusOf(err) != tc.status {
				t.Errorf("status %d, want %d", permitapi.StatusOf(err), tc.status)
			}
		})
	}
}

// An organization or project key reads the environment the flags name.
func TestBroaderKeysWithProjectAndEnv(t *testing.T) {
	srv := standin.New(env(2, 2), key)
	defer srv.Close()
	for _, lvl := range []standin.Level{standin.OrgKey, standin.ProjectKey} {
		srv.Level = lvl
		c := newClient(t, srv.URL, nil)
		tg, err := c.Resolve(context.Background(), "web", "production")
		if err != nil {
			t.Fatal(err)
		}
		if tg.Environment.ID != standin.EnvID || tg.Label() != "web/production" {
			t.Errorf("level %d: %+v", lvl, tg)
		}
		snap, err := c.Fetch(context.Background(), tg, nil)
		if err != nil || len(snap.Users) != 2 {
			t.Errorf("level %d: %v", lvl, err)
		}
	}
}

// An environment key that may not read project names still pulls, by id.
func TestEnvKeyWithoutNames(t *testing.T) {
	srv := standin.New(env(2, 2), key)
	defer srv.Close()
	srv.NamesForbidden = true
	c := newClient(t, srv.URL, nil)
	tg, err := c.Resolve(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if tg.Label() != standin.ProjectID+"/"+standin.EnvID {
		t.Errorf("label %q", tg.Label())
	}
}

func TestTimeout(t *testing.T) {
	srv := standin.New(env(1, 1), key)
	defer srv.Close()
	srv.Fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if strings.HasSuffix(r.URL.Path, "/tenants") {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return true
		}
		return false
	}
	c := newClient(t, srv.URL, func(c *permitapi.Config) { c.Timeout = 50 * time.Millisecond; c.Retries = 1 })
	start := time.Now()
	_, err := fetch(t, c)
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") || !strings.Contains(err.Error(), "gave up after 2 tries") {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("the timeout did not stop the pull: %v", time.Since(start))
	}
}

// Cancelling the context (Ctrl-C) ends the pull at once with an error.
func TestInterrupted(t *testing.T) {
	srv := standin.New(env(1, 1), key)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	srv.Fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if strings.HasSuffix(r.URL.Path, "/tenants") {
			cancel()
			<-r.Context().Done()
			return true
		}
		return false
	}
	c := newClient(t, srv.URL, nil)
	tg, err := c.Resolve(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fetch(ctx, tg, nil)
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  permitapi.Config
		want string
	}{
		{permitapi.Config{Key: "k", PerPage: 101}, "at most 100"},
		{permitapi.Config{}, "no API key"},
		{permitapi.Config{Key: "k", URL: "ftp://x"}, "not an http(s) URL"},
	} {
		if _, err := permitapi.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", tc.cfg, err)
		}
	}
}

// Remote text in errors is cleaned: no escape sequences, no echoed key.
func TestHostileErrorBody(t *testing.T) {
	srv := standin.New(env(1, 1), key)
	defer srv.Close()
	srv.Fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"message":"bad key %s \u001b]52;c;aGk=\u0007\u001b[2J"}`, key)
		return true
	}
	c := newClient(t, srv.URL, nil)
	_, err := fetch(t, c)
	if err == nil || strings.Contains(err.Error(), "\x1b") || strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "[API key]") {
		t.Errorf("err = %q", err)
	}
}

// The tuples' pages queue behind the other lists': no tuple is asked for
// before every other list's first page has been answered (and a counted
// list's other pages launched), so that a pull maps the other lists while
// the tuples are still read. Every list is still read to its end, and told
// of once.
func TestTuplesQueueBehindTheOtherLists(t *testing.T) {
	srv := standin.New(env(120, 400), key)
	defer srv.Close()
	var mu sync.Mutex
	var order []string
	srv.Fault = func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		mu.Lock()
		order = append(order, r.URL.Path+"?"+r.URL.Query().Get("page"))
		mu.Unlock()
		return false
	}
	c := newClient(t, srv.URL, func(c *permitapi.Config) { c.PerPage = 10; c.Concurrency = 2 })
	tg, err := c.Resolve(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]int{}
	snap, err := c.FetchWith(context.Background(), tg, nil, permitapi.FetchOptions{Listed: func(kind string, _ *permitapi.Snapshot) {
		mu.Lock()
		listed[kind]++
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Users) != 120 || len(snap.Tuples) != 400 {
		t.Errorf("%d users, %d tuples", len(snap.Users), len(snap.Tuples))
	}
	for _, k := range permitapi.Kinds {
		if listed[k] != 1 {
			t.Errorf("list %q told of %d times", k, listed[k])
		}
	}
	firstTuple := slices.IndexFunc(order, func(s string) bool { return strings.Contains(s, "/relationship_tuples?") })
	if firstTuple < 0 {
		t.Fatalf("no tuple was asked for: %v", order)
	}
	for _, path := range srv.ListPaths() {
		if strings.Contains(path, "relationship_tuples") {
			continue
		}
		kind, rest, _ := strings.Cut(path, "/")
		if !slices.ContainsFunc(order[:firstTuple], func(s string) bool {
			return strings.HasPrefix(s, "/v2/"+kind+"/") && strings.HasSuffix(s, "/"+rest+"?1")
		}) {
			t.Errorf("the first page of %s was not asked for before the first tuple page: %v", path, order)
		}
	}
}

// Pages fetched side by side reuse their connections: a pull of thousands
// of pages does not open a connection for each (nor leave each socket
// waiting to close).
func TestConnectionsAreReused(t *testing.T) {
	srv := standin.New(env(1000, 5000), key)
	defer srv.Close()
	var mu sync.Mutex
	conns := map[string]bool{}
	srv.Fault = func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		return false
	}
	c := newClient(t, srv.URL, func(c *permitapi.Config) { c.PerPage = 10; c.Concurrency = 4 })
	if _, err := fetch(t, c); err != nil {
		t.Fatal(err)
	}
	// Two more than the bound: a dial can finish after another request
	// freed its connection.
	if len(conns) > 6 {
		t.Errorf("%d connections for %d requests, 4 at a time", len(conns), c.Requests())
	}
}
