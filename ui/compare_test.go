package ui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pdpx/pdpx/pdp"
)

// compareScreen marks the ABAC denial and compares it with the same check
// sent with the missing attribute and the approval typed as a string: the
// attribute added and changed, the two outcomes, the codes and the
// condition leaves that flipped.
func compareScreen(t *testing.T, w, h int, dark bool) *harness {
	tg := storyTarget()
	tg.decide = func(c pdp.Check) pdp.Decision {
		d := storyDecision(c)
		if c.User.Attributes["department"] == "Engineering" {
			d = pdp.Decision{Outcome: pdp.Allow, Latency: 58_000, Debug: &pdp.Debug{
				RBAC: d.Debug.RBAC,
				ABAC: &pdp.Reason{Allow: true, Code: "allow", AllowingRules: []pdp.AllowingRule{{UserSet: "england_engineers", ResourceSet: "approved_documents"}},
					MatchingUsersets: []string{"england_engineers"}, MatchingResourcesets: []string{"approved_documents"}}},
				Trace: d.Trace}
			for _, l := range d.Trace.UserSets[0].Condition.Children {
				l.Result, l.Missing, l.Actual = true, false, c.User.Attributes[l.Path[len("user."):]]
			}
			for _, l := range d.Trace.ResourceSets[0].Condition.Children {
				l.Result, l.Actual = true, "true"
			}
		}
		return d
	}
	hs := newHarness(t, New(Options{Target: tg}), w, h, dark)
	before := mustCheck("check@permit.io", "publish", "document", map[string]any{"location": "England"})
	before.Resource.Attributes = map[string]any{"hasApproval": true}
	after := mustCheck("check@permit.io", "publish", "document", map[string]any{"location": "England", "department": "Engineering"})
	after.Resource.Attributes = map[string]any{"hasApproval": "true"}
	for _, c := range []pdp.Check{before, after} {
		hs.m.form.load(c)
		hs.key("enter")
	}
	hs.key("esc")
	hs.key("j")
	hs.key("m")
	hs.key("k")
	hs.key("m")
	return hs
}

func TestGoldenCompare(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {140, 40}} {
		for _, dark := range []bool{true, false} {
			theme := "light"
			if dark {
				theme = "dark"
			}
			name := "compare-" + itoa(sz.w) + "x" + itoa(sz.h) + "-" + theme
			t.Run(name, func(t *testing.T) {
				hs := compareScreen(t, sz.w, sz.h, dark)
				if hs.m.cmp == nil {
					t.Fatal("no compare view")
				}
				golden.RequireEqual(t, hs.view())
			})
		}
	}
}
