package verify

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/internal/testpdp"
	"github.com/pdpx/pdpx/pdp/paired"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/server"
)

func demo(t testing.TB) *policy.Policy { return testpdp.Demo(t) }

func serve(t testing.TB, p *policy.Policy) pdp.Target { return testpdp.Serve(t, p) }

func client(t testing.TB, h http.Handler) pdp.Target { return testpdp.Client(t, h) }

func TestGenerateCoversTheDemo(t *testing.T) {
	e := engine.New(demo(t))
	checks := Generate(e, 0, 1)
	has := func(user, action, ref, tenant string) bool {
		for _, c := range checks {
			if c.User.Key == user && c.Action == action && c.Resource.Ref() == ref && c.Resource.Tenant == tenant {
				return true
			}
		}
		return false
	}
	for _, want := range [][4]string{
		{"john@permit.io", "read", "document", "awesome_inc"},       // a tenant role
		{"jane@permit.io", "update", "document:roadmap", "default"}, // an instance reached through a relationship
		{ProbeUser, "publish", "document", "default"},               // the ABAC rule
	} {
		if !has(want[0], want[1], want[2], want[3]) {
			t.Errorf("no check %v among %d", want, len(checks))
		}
	}
	seen := map[string]bool{}
	for _, c := range checks {
		if k := string(c.Body()); seen[k] {
			t.Errorf("check twice: %s", k)
		} else {
			seen[k] = true
		}
	}
	// The ABAC probe sends what the rule's sets compare with: it is allowed.
	for _, c := range checks {
		if c.User.Key == ProbeUser && c.Action == "publish" && !e.Allowed(&c) {
			t.Errorf("the probe for the rule is denied: %s", c.Body())
		}
	}
	// A sample is a subset, the same for the same seed.
	a, b := Generate(e, 10, 7), Generate(e, 10, 7)
	if len(a) != 10 || string(a[3].Body()) != string(b[3].Body()) {
		t.Errorf("sample %d, not repeatable", len(a))
	}
}

// Against pdpx serve on the same file: full agreement. Against one with a
// permission removed: exactly the checks whose decision that changes.
func TestRunFindsExactlyTheChangedChecks(t *testing.T) {
	for name, p := range map[string]*policy.Policy{"demo": demo(t)} {
		t.Run(name, func(t *testing.T) {
			snap := paired.Snapshot{Engine: engine.New(p), Name: "snap.json"}
			checks := Generate(snap.Engine, 3000, 1)
			rep, err := Run(context.Background(), serve(t, p), snap, checks, Options{})
			if err != nil || rep.Agreed != len(checks) || len(rep.Disagreements)+len(rep.Errors) != 0 {
				t.Fatalf("same policy: %v, %d of %d agree, %+v", err, rep.Agreed, len(checks), rep.Disagreements)
			}
			if want := (len(checks) + 99) / 100; rep.Requests != want {
				t.Errorf("%d requests, want %d", rep.Requests, want)
			}

			changed := clonePolicy(t, p)
			var role string
			for k, r := range changed.Roles {
				if len(r.Permissions) > 0 && (role == "" || k < role) {
					role = k
				}
			}
			changed.Roles[role].Permissions = changed.Roles[role].Permissions[1:]
			want := map[string]bool{}
			ce := engine.New(changed)
			for _, c := range checks {
				if a, _ := pdp.Compare(ce.Evaluate(c), snap.Engine.Evaluate(c)); !a.Agrees() {
					want[string(c.Body())] = true
				}
			}
			if len(want) == 0 {
				t.Fatal("the change changes nothing: a useless test")
			}
			rep, err = Run(context.Background(), serve(t, changed), snap, checks, Options{})
			if err != nil || len(rep.Errors) != 0 {
				t.Fatalf("%v %+v", err, rep.Errors)
			}
			got := map[string]bool{}
			for _, r := range rep.Disagreements {
				got[string(r.Check.Body())] = true
			}
			if len(got) != len(want) {
				t.Errorf("%d disagreements, want %d", len(got), len(want))
			}
			for k := range want {
				if !got[k] {
					t.Errorf("missed %s", k)
				}
			}
			if rep.Agreed+len(rep.Disagreements) != len(checks) {
				t.Errorf("%d + %d of %d", rep.Agreed, len(rep.Disagreements), len(checks))
			}
		})
	}
}

func clonePolicy(t *testing.T, p *policy.Policy) *policy.Policy {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := policy.Parse("clone.json", b)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// A rate-limited PDP is waited for (its Retry-After), then asked again; a
// PDP that keeps failing leaves its checks as errors, never as agreements.
func TestRunRateLimitsAndErrors(t *testing.T) {
	p := demo(t)
	var calls atomic.Int32
	real, err := server.New(server.Config{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	limited := client(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		real.ServeHTTP(w, r)
	}))
	var waits []time.Duration
	opts := Options{Batch: 20, sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	snap := paired.Snapshot{Engine: engine.New(p), Name: "demo"}
	checks := Generate(snap.Engine, 0, 1)
	rep, err := Run(context.Background(), limited, snap, checks, opts)
	if err != nil || rep.Agreed != len(checks) {
		t.Fatalf("%v: %d of %d agree, errors %d", err, rep.Agreed, len(checks), len(rep.Errors))
	}
	batches := (len(checks) + 19) / 20
	if rep.Requests != 2*batches || len(waits) != batches || waits[0] != 7*time.Second {
		t.Errorf("%d requests for %d batches, waits %v", rep.Requests, batches, waits)
	}

	down := client(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }))
	waits = nil
	rep, err = Run(context.Background(), down, snap, checks[:5], opts)
	if err != nil || rep.Agreed != 0 || len(rep.Errors) != 5 || len(rep.Disagreements) != 0 {
		t.Fatalf("%v %+v", err, rep)
	}
	if len(waits) != 5 || waits[1] != 2*waits[0] {
		t.Errorf("backoff %v", waits)
	}
	for _, r := range rep.Errors {
		if r.Remote.Outcome != pdp.Error || r.Agreement != nil {
			t.Errorf("%+v", r)
		}
	}
}

// BenchmarkVerify10k: pdpx verify of 10,000 checks against pdpx serve on
// the same policy, next to the same bulk requests alone.
func BenchmarkVerify10k(b *testing.B) {
	p := demo(b)
	remote := serve(b, p)
	snap := paired.Snapshot{Engine: engine.New(p), Name: "demo"}
	base := Generate(snap.Engine, 0, 1)
	checks := make([]pdp.Check, 0, 10000)
	for i := 0; len(checks) < cap(checks); i++ {
		c := base[i%len(base)]
		if c.Resource.Key == "" && i >= len(base) {
			c.Resource.Key = "k" + strconv.Itoa(i)
		}
		checks = append(checks, c)
	}
	ctx := context.Background()
	b.Run("baseline=bulk-requests", func(b *testing.B) {
		for b.Loop() {
			for lo := 0; lo < len(checks); lo += 100 {
				if _, err := remote.Bulk(ctx, checks[lo:lo+100]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if rep, err := Run(ctx, remote, snap, checks, Options{}); err != nil || len(rep.Errors) > 0 {
				b.Fatal(err, rep.Errors)
			}
		}
	})
}
