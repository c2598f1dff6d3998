package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/permit"
	"github.com/pdpx/pdpx/pdp/policy"
)

// TestPermitClientMatchesEngine: pdpx's own client (what `pdpx --pdp URL`
// uses) gets from pdpx serve the decisions the embedded engine makes, with
// the same reasons.
func TestPermitClientMatchesEngine(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	ts := httptest.NewServer(s)
	defer ts.Close()
	c, err := permit.New(ts.URL, testToken)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng := engine.New(policy.Demo())
	var checks []pdp.Check
	for _, st := range story {
		checks = append(checks, st.check)
		got, want := c.Check(ctx, st.check), eng.Decide(st.check)
		if got.Outcome != want.Outcome || want.Allowed() != st.allow {
			t.Errorf("%s: client %v (%v), engine %v", st.name, got.Outcome, got.Err, want.Outcome)
			continue
		}
		if !sameReasons(got.Debug, want.Debug) {
			t.Errorf("%s: reasons differ:\nclient %+v\nengine %+v", st.name, got.Debug, want.Debug)
		}
	}
	ds, err := c.Bulk(ctx, checks)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		if d.Outcome != eng.Decide(checks[i]).Outcome {
			t.Errorf("bulk %d (%s): %v", i, story[i].name, d.Outcome)
		}
	}

	tds, err := c.AllTenants(ctx, story[1].check)
	if err != nil || len(tds) != 1 || tds[0].Tenant != "awesome_inc" || !tds[0].Decision.Allowed() {
		t.Errorf("all tenants: %v %+v", err, tds)
	}

	q := pdp.PermissionsQuery{User: pdp.User{Key: "jane@permit.io"}}
	perms, err := c.UserPermissions(ctx, q)
	if err != nil || !reflect.DeepEqual(perms, roundTrip(t, eng.UserPermissions(q))) {
		t.Errorf("user permissions: %v\n got %+v\nwant %+v", err, perms, eng.UserPermissions(q))
	}
	aq := pdp.AuthorizedUsersQuery{Action: "update", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}}
	au, err := c.AuthorizedUsers(ctx, aq)
	if err != nil || !reflect.DeepEqual(au, roundTrip(t, eng.AuthorizedUsers(aq))) {
		t.Errorf("authorized users: %v %+v", err, au)
	}
	if err := c.Health(ctx); err != nil {
		t.Errorf("health: %v", err)
	}

	wrong, _ := permit.New(ts.URL, "not-the-key")
	d := wrong.Check(ctx, story[0].check)
	if d.Outcome != pdp.Error || pdp.ErrorKindOf(d.Err) != pdp.ErrorAuth || d.Status != 403 {
		t.Errorf("wrong key: %v %v %d", d.Outcome, d.Err, d.Status)
	}
}

// sameReasons compares what a client can see of two debug objects: each
// model's verdict and code.
func sameReasons(a, b *pdp.Debug) bool {
	if a == nil || b == nil {
		return a == b
	}
	same := func(x, y *pdp.Reason) bool {
		if x == nil || y == nil {
			return x == y
		}
		return x.Allow == y.Allow && x.Code == y.Code && x.Reason == y.Reason
	}
	return same(a.RBAC, b.RBAC) && same(a.ABAC, b.ABAC) && same(a.ReBAC, b.ReBAC)
}

// demoWith is the demo policy's text with john@smith.com's admin role in
// default replaced by role.
func demoWith(t *testing.T, role string) []byte {
	t.Helper()
	const from = "roles: [{role: admin, tenant: default}]"
	if !bytes.Contains(policy.DemoSource, []byte(from)) {
		t.Fatal("the demo policy changed: update demoWith")
	}
	return bytes.Replace(policy.DemoSource, []byte(from), []byte("roles: [{role: "+role+", tenant: default}]"), 1)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReloadOnChange: a valid change is served on the next poll; a file
// that no longer validates is logged with its problems and the last good
// policy keeps answering; fixing it is picked up again.
func TestReloadOnChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.yaml")
	if err := os.WriteFile(path, demoWith(t, "admin"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, lb := newServer(t, Config{Policy: path, Poll: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Watch(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	allows := func() bool {
		_, body, _ := do(t, s, req{path: "/allowed", body: johnCreates})
		ok, _ := decision(t, body)
		return ok
	}
	if !allows() {
		t.Fatal("admin cannot create")
	}

	if err := os.WriteFile(path, demoWith(t, "viewer"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the viewer policy", func() bool { return !allows() })
	waitFor(t, "the reload report", func() bool { return strings.Contains(lb.String(), "policy reloaded") })

	broken := bytes.Replace(demoWith(t, "admin"), []byte("role: admin, tenant: default"), []byte("role: admn, tenant: default"), 1)
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the problem report", func() bool { return strings.Contains(lb.String(), "policy problem") })
	if allows() {
		t.Fatal("a broken file replaced the last good policy")
	}
	if log := lb.String(); !strings.Contains(log, "admn") || !strings.Contains(log, "env.yaml:") {
		t.Errorf("the problem is not reported with its position:\n%s", log)
	}
	// Reported once, not every poll.
	time.Sleep(50 * time.Millisecond)
	if n := strings.Count(lb.String(), "still serving the last good policy"); n != 1 {
		t.Errorf("reported %d times:\n%s", n, lb.String())
	}

	if err := os.WriteFile(path, demoWith(t, "admin"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the fixed policy", allows)

	// A vanished file keeps the last good policy too.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the unreadable report", func() bool { return strings.Contains(lb.String(), "unreadable") })
	if !allows() {
		t.Error("a removed file changed the decisions")
	}
}

func TestReloadUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.yaml")
	if err := os.WriteFile(path, policy.DemoSource, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := newServer(t, Config{Policy: path})
	if ok, err := s.Reload(); ok || err != ErrUnchanged {
		t.Errorf("same content: %v %v", ok, err)
	}
	demo, _ := newServer(t, Config{})
	if ok, err := demo.Reload(); ok || err != ErrUnchanged {
		t.Errorf("demo: %v %v", ok, err)
	}
}

func TestNewRefusesABrokenPolicy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.yaml")
	if err := os.WriteFile(path, []byte("version: 1\nresources:\n  document: {actions: [read], relatoins: {}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{Policy: path})
	var probs policy.Problems
	if !errors.As(err, &probs) || !strings.Contains(err.Error(), "relatoins") {
		t.Fatalf("got %v", err)
	}
	if _, err := New(Config{Policy: filepath.Join(t.TempDir(), "missing.yaml")}); err == nil {
		t.Fatal("a missing file was accepted")
	}
}

// TestGracefulShutdown: once the context is done, new connections are
// refused but a request in flight is answered, and Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	waitFor(t, "the server", func() bool {
		resp, err := http.Get(url + "/healthy")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})

	// A request whose body is still arriving when shutdown starts.
	pr, pw := io.Pipe()
	type result struct {
		status int
		body   []byte
		err    error
	}
	answered := make(chan result, 1)
	go func() {
		r, _ := http.NewRequest(http.MethodPost, url+"/allowed", pr)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			answered <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- result{resp.StatusCode, b, err}
	}()
	half := len(johnCreates) / 2
	if _, err := pw.Write([]byte(johnCreates[:half])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server start reading it
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := pw.Write([]byte(johnCreates[half:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-answered
	if r.err != nil || r.status != 200 {
		t.Fatalf("the request in flight: %d %v %s", r.status, r.err, r.body)
	}
	if ok, _ := decision(t, r.body); !ok {
		t.Errorf("in flight: %s", r.body)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Get(url + "/healthy"); err == nil {
		t.Error("a new connection was accepted after shutdown")
	}
}
