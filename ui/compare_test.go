package ui

import (
	"strings"
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

// The side-by-side view takes the compare view's keys: y copies the check
// as sent to the second target, esc closes it and the panes are back.
func TestSideBySideKeysCopyTheSecondTargetAndClose(t *testing.T) {
	hs := sideScreen(t, 140, 40, true)
	hs.m.status = "" // the disagreement, which hides the footer's keys
	if f := plain(hs.view()); !strings.Contains(f, "esc close compare") {
		t.Errorf("the footer lacks the view's keys:\n%s", f)
	}
	hs.key("y")
	if d := dialogAs[*codeDialog](hs); d.target.Kind != pdp.KindPDP || d.target.URL != "http://localhost:7766" {
		t.Fatalf("copying for %+v, want the second target", d.target)
	}
	hs.key("esc") // the chooser
	hs.key("esc") // the view
	if hs.m.cmp != nil || !strings.Contains(plain(hs.view()), "Decision") {
		t.Fatalf("esc did not close the side-by-side view:\n%s", plain(hs.view()))
	}
}
