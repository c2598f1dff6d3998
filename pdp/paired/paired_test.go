package paired

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/pdp/internal/testpdp"
	"github.com/pdpx/pdpx/pdp/permit"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/server"
)

func standIn(t *testing.T, p *policy.Policy) pdp.Target { return testpdp.Serve(t, p) }

func client(t *testing.T, h http.Handler) pdp.Target { return testpdp.Client(t, h) }

func snapshot() Snapshot {
	return Snapshot{Engine: engine.New(policy.Demo()), Name: "prod.json", Environment: "web · production"}
}

func chk(t *testing.T, user, action, resource string, attrs map[string]any) pdp.Check {
	t.Helper()
	c, err := pdp.NewCheck(user, action, resource, "", false)
	if err != nil {
		t.Fatal(err)
	}
	c.Resource.Attributes = attrs
	return c
}

// The demo story against PDPs that decide from the snapshot's policy, from
// one with a role permission changed and from one with a condition value
// changed: the agreement says which.
func TestPairedAgreement(t *testing.T) {
	lessViewer := demo(t)
	lessViewer.Roles["viewer"].Permissions = []string{"folder:read"} // viewers no longer read documents
	otherValue := demo(t)
	otherValue.ResourceSets["approved_documents"].Conditions.AllOf[0].Value = "yes"

	readAsViewer := chk(t, "john@permit.io", "read", "document", nil)
	readAsViewer.Resource.Tenant = "awesome_inc"
	publish := chk(t, "check@permit.io", "publish", "document", map[string]any{"hasApproval": "true"})
	publish.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}

	tests := []struct {
		name        string
		remote      *policy.Policy
		check       pdp.Check
		outcome     pdp.Outcome
		sameOutcome bool
		codes       []pdp.CodeDiff
	}{
		{"same policy, allow", demo(t), readAsViewer, pdp.Allow, true, nil},
		{"same policy, deny", demo(t), chk(t, "jane@permit.io", "delete", "document:roadmap", nil), pdp.Deny, true, nil},
		{"a role permission differs", lessViewer, readAsViewer, pdp.Deny, false,
			[]pdp.CodeDiff{{Model: "rbac", Remote: "no_permission", Snapshot: "allow"}, {Model: "abac", Remote: "no_matching_rules", Snapshot: ""}, {Model: "rebac", Remote: "no_permission", Snapshot: ""}}},
		{"a condition value differs", otherValue, publish, pdp.Deny, false,
			[]pdp.CodeDiff{{Model: "rbac", Remote: "user_not_synced", Snapshot: ""}, {Model: "abac", Remote: "no_matching_rules", Snapshot: "allow"}, {Model: "rebac", Remote: "user_not_synced", Snapshot: ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt := New(standIn(t, tt.remote), snapshot())
			d := pt.Check(context.Background(), tt.check)
			if d.Outcome != tt.outcome || d.Shadow == nil || d.Agreement == nil {
				t.Fatalf("outcome %v (want %v), shadow %v, agreement %v, err %v", d.Outcome, tt.outcome, d.Shadow != nil, d.Agreement, d.Err)
			}
			a := *d.Agreement
			if a.SameOutcome != tt.sameOutcome || !a.CodesCompared || !slices.Equal(a.Codes, tt.codes) {
				t.Errorf("agreement %+v, want same outcome %v and codes %+v", a, tt.sameOutcome, tt.codes)
			}
			if a.Agrees() != (tt.sameOutcome && len(tt.codes) == 0) {
				t.Errorf("Agrees %v", a.Agrees())
			}
			if d.Shadow.Trace == nil {
				t.Error("the snapshot's decision has no trace to explain with")
			}
		})
	}
}

// An error from the PDP stays an error: no shadow, no agreement, however
// the snapshot would have decided.
func TestPairedErrorStaysAnError(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"500":          func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
		"429":          func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Retry-After", "3"); w.WriteHeader(429) },
		"not JSON":     func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) },
		"unauthorized": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) },
	} {
		t.Run(name, func(t *testing.T) {
			pt := New(client(t, h), snapshot())
			d := pt.Check(context.Background(), chk(t, "john@smith.com", "create", "document", nil))
			if d.Outcome != pdp.Error || d.Shadow != nil || d.Agreement != nil {
				t.Errorf("outcome %v, shadow %v, agreement %v", d.Outcome, d.Shadow, d.Agreement)
			}
			ds, err := pt.Bulk(context.Background(), []pdp.Check{chk(t, "john@smith.com", "create", "document", nil)})
			if err == nil && (len(ds) != 1 || ds[0].Outcome != pdp.Error || ds[0].Shadow != nil) {
				t.Errorf("bulk %+v", ds)
			}
		})
	}
}

// Without PDP_DEBUG the remote sends no debug object: only the outcomes
// are compared, and the agreement says so.
func TestPairedWithoutDebug(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"allow":true,"result":true}`)) })
	d := New(client(t, h), snapshot()).Check(context.Background(), chk(t, "john@smith.com", "create", "document", nil))
	if d.Agreement == nil || !d.Agreement.SameOutcome || d.Agreement.CodesCompared || !d.Agreement.Agrees() {
		t.Errorf("agreement %+v", d.Agreement)
	}
}

func TestPairedBulk(t *testing.T) {
	lessViewer := demo(t)
	lessViewer.Roles["viewer"].Permissions = []string{"folder:read"}
	a := chk(t, "john@smith.com", "create", "document", nil)
	b := chk(t, "john@permit.io", "read", "document", nil)
	b.Resource.Tenant = "awesome_inc"
	ds, err := New(standIn(t, lessViewer), snapshot()).Bulk(context.Background(), []pdp.Check{a, b})
	if err != nil || len(ds) != 2 {
		t.Fatalf("%v %d", err, len(ds))
	}
	if !ds[0].Agreement.Agrees() || ds[1].Agreement.SameOutcome || ds[1].Outcome != pdp.Deny {
		t.Errorf("agreements %+v %+v", ds[0].Agreement, ds[1].Agreement)
	}
}

// The snapshot's flips for a remote denial, tried on the remote in one bulk
// request: one the remote allows, one it does not (its policy differs),
// and a role to assign, which no check can try.
func TestVerifyFlips(t *testing.T) {
	remote := demo(t)
	remote.Roles["viewer"].Permissions = []string{"folder:read"} // retrying in awesome_inc (viewer there) no longer works
	var bulks int
	pt := New(standIn(t, remote), snapshot())
	c := chk(t, "john@permit.io", "read", "document", nil)
	d := pt.Check(context.Background(), c)
	if d.Outcome != pdp.Deny || d.Shadow == nil {
		t.Fatalf("%+v", d)
	}
	flips := explain.Explain(*d.Shadow, c, pt.Snapshot().Engine).Flips
	counting := &countingTarget{Target: pt.Remote(), bulks: &bulks}
	got := VerifyFlips(context.Background(), counting, c, flips)
	if bulks != 1 {
		t.Errorf("%d bulk requests, want 1", bulks)
	}
	statuses := map[FlipStatus]int{}
	for _, f := range got {
		statuses[f.Status]++
		if f.Change == "tenant" && f.Status != Refuted {
			t.Errorf("retry in awesome_inc: %s, want refuted (the remote's viewer cannot read documents)", f.Status)
		}
		if f.Cost == explain.CostRole && f.Status != EnvironmentChange {
			t.Errorf("a role flip: %s", f.Status)
		}
	}
	if statuses[Refuted] == 0 || statuses[EnvironmentChange] == 0 {
		t.Errorf("statuses %v of %+v", statuses, got)
	}

	// On a remote whose policy is the snapshot's, the same flip holds.
	for _, f := range VerifyFlips(context.Background(), New(standIn(t, demo(t)), snapshot()).Remote(), c, flips) {
		if f.Change == "tenant" && f.Status != Verified {
			t.Errorf("retry in awesome_inc on the same policy: %s", f.Status)
		}
	}

	// A remote that fails leaves every flip it was asked about unverifiable.
	failing := client(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }))
	for _, f := range VerifyFlips(context.Background(), failing, c, flips) {
		if f.Cost != explain.CostRole && (f.Status != Unverifiable || f.Err == "") {
			t.Errorf("flip %q on a failing PDP: %s %q", f.Summary, f.Status, f.Err)
		}
	}
}

type countingTarget struct {
	pdp.Target
	bulks *int
}

func (c *countingTarget) Bulk(ctx context.Context, cs []pdp.Check) ([]pdp.Decision, error) {
	*c.bulks++
	return c.Target.Bulk(ctx, cs)
}

func TestLabel(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	s := Snapshot{Name: "prod.json", Environment: "web · production", PulledAt: now.Add(-2*time.Hour - 5*time.Minute)}
	if got := s.Label(now); got != "prod.json · web · production · pulled 2 h ago" {
		t.Errorf("%q", got)
	}
	if got := (Snapshot{Name: "x.json"}).Label(now); got != "x.json" {
		t.Errorf("%q", got)
	}
}

func demo(t *testing.T) *policy.Policy { return testpdp.Demo(t) }

// BenchmarkPairedCheck: what deciding on the snapshot adds to a remote
// check as the caller sees it, against an in-process stand-in PDP.
func BenchmarkPairedCheck(b *testing.B) {
	p, _ := policy.Parse(policy.DemoName, policy.DemoSource)
	body, _ := json.Marshal(p)
	path := filepath.Join(b.TempDir(), "p.json")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		b.Fatal(err)
	}
	s, err := server.New(server.Config{Policy: path, Poll: -1})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	remote, err := permit.New(srv.URL, "k")
	if err != nil {
		b.Fatal(err)
	}
	c, _ := pdp.NewCheck("check@permit.io", "publish", "document", "", false)
	c.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
	c.Resource.Attributes = map[string]any{"hasApproval": true}
	pt := New(remote, Snapshot{Engine: engine.New(policy.Demo()), Name: "demo"})
	ctx := context.Background()
	b.Run("baseline=remote", func(b *testing.B) {
		for b.Loop() {
			remote.Check(ctx, c)
		}
	})
	b.Run("paired", func(b *testing.B) {
		for b.Loop() {
			pt.Check(ctx, c)
		}
	})
}

// TestAdvice: a disagreement with a snapshot pulled within FreshFor may be
// the engines' difference and is worth reporting; with an older one, or
// one whose file does not say when, the environment has most likely
// changed and a pull is the fix.
func TestAdvice(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		pulled time.Time
		fresh  bool
	}{
		{now.Add(-time.Minute), true},
		{now.Add(-FreshFor), true},
		{now.Add(-FreshFor - time.Second), false},
		{time.Time{}, false},
	} {
		got := Snapshot{Name: "prod.json", PulledAt: tt.pulled}.Advice(now)
		if !strings.Contains(got, "pdpx pull -o prod.json") {
			t.Errorf("pulled %v: the advice names no pull of the file: %q", tt.pulled, got)
		}
		if fresh := strings.Contains(got, "report the check"); fresh != tt.fresh {
			t.Errorf("pulled %v: advice %q, want fresh=%v", tt.pulled, got, tt.fresh)
		}
	}
}
