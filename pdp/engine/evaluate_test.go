package engine

import (
	"reflect"
	"sync"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// Evaluate is Decide without the JSON bodies: the same outcome, debug
// object and trace, for allowed and denied checks of every model.
func TestEvaluateIsDecideWithoutBodies(t *testing.T) {
	e := rebacFixture()
	checks := []pdp.Check{
		chk("admin@x", "read", "document:roadmap", "default"),
		chk("alice", "publish", "document:roadmap", "acme"),
		chk("jane", "update", "document:roadmap", "default"),
		chk("dora", "read", "document:roadmap", "default"),
		chk("sue", "share", "document:roadmap", "default"),
		chk("noroles", "delete", "document:roadmap", "default"),
		chk("nobody", "read", "document", ""),
		chk("multi", "publish", "document:roadmap", "default"),
	}
	for _, c := range checks {
		d, ev := e.Decide(c), e.Evaluate(c)
		if ev.Request != nil || ev.Response != nil {
			t.Errorf("%s: Evaluate wrote bodies", c)
		}
		if ev.Outcome != d.Outcome || !reflect.DeepEqual(ev.Debug, d.Debug) || !reflect.DeepEqual(ev.Trace, d.Trace) {
			t.Errorf("%s: Evaluate differs from Decide:\n%s\n%s", c, mustJSON(t, ev.Debug), mustJSON(t, d.Debug))
		}
		if ev.Latency <= 0 {
			t.Errorf("%s: latency %v", c, ev.Latency)
		}
		if string(d.Response) != string(ResponseBody(d.Allowed(), ev.Debug)) {
			t.Errorf("%s: response from Evaluate's debug differs", c)
		}
	}
}

// The decision's parts share one allocation; they must still be
// independent values a caller can change without touching another
// decision or another part.
func TestDecisionsDoNotShareState(t *testing.T) {
	c := chk("multi", "publish", "document:roadmap", "default")
	a, b := fixtureEngine.Evaluate(c), fixtureEngine.Evaluate(c)
	a.Trace.Roles[0] = "changed"
	a.Trace.Roles = append(a.Trace.Roles, "more")
	a.Trace.UserSets = append(a.Trace.UserSets, pdp.SetTrace{Key: "extra"})
	a.Trace.UserSets[0].Condition.Children[0].Path = "changed"
	a.Trace.UserSets[0].Condition.Children = append(a.Trace.UserSets[0].Condition.Children, nil)
	a.Debug.Request.User.Attributes["x"] = 1
	if _, ok := b.Debug.Request.User.Attributes["x"]; ok || b.Trace.Roles[0] != "viewer" || b.Trace.UserSets[0].Condition.Children[0].Path != "user.department" {
		t.Errorf("changing one decision changed another: %s", mustJSON(t, b.Trace))
	}
	if len(a.Trace.ResourceSets) == 0 || a.Trace.ResourceSets[0].Key != "approved_documents" {
		t.Errorf("appending to the user sets changed the resource sets: %s", mustJSON(t, a.Trace.ResourceSets))
	}
	if d := fixtureEngine.Evaluate(c); d.Trace.Roles[0] != "viewer" || d.Trace.UserSets[0].Condition.Children[0].Path != "user.department" {
		t.Errorf("a later decision sees the change: %s", mustJSON(t, d.Trace))
	}
}

// supportLink's constants are pdp.SupportLink's links.
func TestSupportLinks(t *testing.T) {
	for _, code := range []string{
		"no_such_resource", "no_such_action", "no_such_tenant", "user_not_synced", "no_user_roles",
		"no_role_in_tenant", "no_permission", "disabled", "no_matching_usersets", "no_matching_resourcesets",
		"no_matching_rules", "some_new_code",
	} {
		if got, want := supportLink(code), pdp.SupportLink(code); got != want {
			t.Errorf("%s: %q, want %q", code, got, want)
		}
	}
}

// The allocation budget: a decision with its debug object and trace costs at
// most 10× the 0–2 allocations of the decision alone. The ABAC and ReBAC
// samples are held to the same ceiling so that a regression shows.
func TestEvaluateAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the small generated environment")
	}
	if raceEnabled {
		t.Skip("the race detector drops pooled buffers at random")
	}
	b := smallEnv()
	for _, tc := range []struct {
		model string
		c     pdp.Check
		max   float64
	}{{"rbac", b.env.RBAC, 20}, {"abac", b.env.ABAC, 20}, {"rebac", b.env.ReBAC3Hop, 20}} {
		b.e.Evaluate(tc.c) // fill the pools
		if n := testing.AllocsPerRun(200, func() { b.e.Evaluate(tc.c) }); n > tc.max {
			t.Errorf("%s: %.0f allocations, want at most %.0f", tc.model, n, tc.max)
		}
	}
}

// The pooled buffers (reasons, chain walks) are per call and the shared
// merges safe to make at once: decisions made at once are the decisions
// made one by one.
func TestConcurrentDecisions(t *testing.T) {
	e := rebacFixture()
	checks := []pdp.Check{
		chk("dora", "read", "document:roadmap", "default"),
		chk("jane", "update", "document:roadmap", "default"),
		chk("wanda", "update", "document:roadmap", "default"),
		chk("noroles", "delete", "document:roadmap", "default"),
		chk("alice", "publish", "document:roadmap", "acme"),
	}
	want := make([]pdp.Decision, len(checks))
	for i, c := range checks {
		want[i] = e.Evaluate(c)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 200 {
				i := (g + n) % len(checks)
				d := e.Evaluate(checks[i])
				if !reflect.DeepEqual(d.Debug, want[i].Debug) || !reflect.DeepEqual(d.Trace, want[i].Trace) {
					t.Errorf("%s: concurrent decision differs", checks[i])
					return
				}
				// EvaluateDebug makes its shared merges on first use,
				// possibly in several goroutines at once.
				if d := e.EvaluateDebug(&checks[i]); !reflect.DeepEqual(d.Debug, want[i].Debug) {
					t.Errorf("%s: concurrent EvaluateDebug differs", checks[i])
					return
				}
			}
		})
	}
	wg.Wait()
}
