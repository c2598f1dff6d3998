package engine_test

// The generated environments live in this package's internal tree, so the
// pull tests and benchmarks that serve them from a stand-in Permit API are
// here: a pulled environment must decide every check as the one served.

import (
	"context"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/engine/internal/gen"
	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/permitapi/standin"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/pull"
)

const pullKey = "permit_key_generated"

func pullEnv(tb testing.TB, srv *standin.Server) (*pull.Pulled, []byte) {
	tb.Helper()
	c, err := permitapi.New(permitapi.Config{URL: srv.URL, Key: pullKey, Backoff: time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	got, err := pull.Run(context.Background(), c, pull.Options{Version: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	data, err := pull.Encode(got.Policy)
	if err != nil {
		tb.Fatal(err)
	}
	return got, data
}

// TestPullRoundTripGenerated serves a generated environment (sets,
// derivations three deep, instance roles, thousands of tuples) and pulls it
// back: the file loads, and a sample of checks, half of them starting from a
// role the user holds, is decided the same way by both.
func TestPullRoundTripGenerated(t *testing.T) {
	cfg := gen.Small()
	if testing.Short() {
		cfg = gen.Config{Users: 200, Tenants: 20, UserSets: 10, ResourceSets: 10, Instances: 1000, Relationships: 4000, Seed: 3}
	}
	env := gen.Generate(cfg)
	srv := standin.New(env.Policy, pullKey)
	defer srv.Close()
	got, data := pullEnv(t, srv)
	p, err := policy.Parse("pulled.json", data)
	if err != nil {
		t.Fatalf("the pulled file does not load:\n%v", err)
	}
	if len(got.NotKept) != 0 {
		t.Errorf("not kept: %q", got.NotKept)
	}
	if got.Requests != int64(srv.Pages(100)+3) {
		t.Errorf("%d requests for %d pages (and 3 to resolve the environment)", got.Requests, srv.Pages(100))
	}
	a, b := engine.New(env.Policy), engine.New(p)
	checks := append(standin.Checks(env.Policy, 20000, 11), env.RBAC, env.ABAC, env.ReBAC3Hop)
	allows, bad := 0, 0
	for _, c := range checks {
		da, db := a.Decide(c), b.Decide(c)
		if da.Outcome != db.Outcome {
			if bad++; bad <= 10 {
				t.Errorf("%s %s %s:%s @%s: original %v, pulled %v", c.User.Key, c.Action, c.Resource.Type, c.Resource.Key, c.Resource.Tenant, da.Outcome, db.Outcome)
			}
		}
		if da.Allowed() {
			allows++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d checks decided differently", bad, len(checks))
	}
	if allows < len(checks)/20 {
		t.Errorf("only %d of %d checks allowed: the sample compares almost nothing but denies", allows, len(checks))
	}
	t.Logf("%d checks, %d allowed, %d requests", len(checks), allows, got.Requests)
}
