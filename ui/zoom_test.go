package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pdpx/pdpx/state/scenario"
)

// firstCard is the decision's content from its top to the end of its first
// card (the first blank line after it): the verdict, the check, what was
// sent, and the first card with its reason and failing condition.
func firstCard(h *harness) []string {
	var out []string
	inCard := false
	for _, l := range strings.Split(plain(h.m.dec.vp.GetContent()), "\n") {
		t := strings.TrimSpace(l)
		if inCard && t == "" {
			break
		}
		if strings.HasPrefix(t, "✓ ") || strings.HasPrefix(t, "✗ ") || strings.HasPrefix(t, "! ") {
			inCard = true
		}
		out = append(out, t)
	}
	return out
}

// TestZoomShowsEachDemoStepWithoutScrolling walks the README's demo story
// (scenarios/demo.yaml) at the presenter's 80×24: after enter, ctrl+z gives
// the decision the screen, and the verdict, the first card and its failing
// condition are all on it without scrolling; ctrl+z again brings the form
// back with the focus where it was. Each step is kept as a golden file.
func TestZoomShowsEachDemoStepWithoutScrolling(t *testing.T) {
	f, err := scenario.Load("../scenarios/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 7 {
		t.Fatalf("the demo story has %d steps, want 7", len(f.Cases))
	}
	for i, c := range f.Cases {
		themes := []bool{true}
		if i == 2 || i == 4 { // the two denials a presenter dwells on
			themes = []bool{true, false}
		}
		for _, dark := range themes {
			theme := "light"
			if dark {
				theme = "dark"
			}
			t.Run("step"+itoa(i+1)+"-80x24-"+theme, func(t *testing.T) {
				h := newHarness(t, New(Options{Target: newPinnedDemo()}), 80, 24, dark)
				h.m.form.load(c.Check)
				h.key("enter")
				if o := h.m.dec.entry.Decision.Outcome; o != c.Expect {
					t.Fatalf("%s: %v, want %v", c.Name, o, c.Expect)
				}
				h.key("ctrl+z")
				if !h.m.zoom || h.m.dec.vp.YOffset() != 0 {
					t.Fatalf("ctrl+z: zoom %v, offset %d", h.m.zoom, h.m.dec.vp.YOffset())
				}
				view := plain(h.view())
				for _, l := range firstCard(h) {
					if l != "" && !strings.Contains(view, l) {
						t.Errorf("%s: %q is not on the screen:\n%s", c.Name, l, view)
					}
				}
				golden.RequireEqual(t, h.view())
				h.key("ctrl+z")
				if h.m.zoom || h.m.focus != focusForm || !strings.Contains(plain(h.view()), "─ Check") {
					t.Errorf("ctrl+z again: zoom %v, focus %v", h.m.zoom, h.m.focus)
				}
			})
		}
	}
}

// Zoomed, esc comes back, and a key that moves to another pane brings the
// panes back with it.
func TestZoomComesBack(t *testing.T) {
	h := newHarness(t, New(Options{Target: newPinnedDemo()}), 80, 24, true)
	h.abacBoolCheck()
	h.key("ctrl+z")
	h.key("esc")
	if h.m.zoom || h.m.focus != focusForm {
		t.Errorf("esc: zoom %v, focus %v", h.m.zoom, h.m.focus)
	}
	h.key("ctrl+z")
	h.key("tab") // the decision pane's next pane
	if h.m.zoom || h.m.focus == focusDecision {
		t.Errorf("tab: zoom %v, focus %v", h.m.zoom, h.m.focus)
	}
	h.key("ctrl+z")
	h.key("1") // a flip re-runs the check; the answer stays zoomed
	if !h.m.zoom || h.m.dec.entry.Decision.Outcome.String() != "allow" {
		t.Errorf("flip 1: zoom %v, outcome %v", h.m.zoom, h.m.dec.entry.Decision.Outcome)
	}
}
