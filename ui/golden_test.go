package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/ui/targets"
)

// screens builds the explorer screens kept as golden files (which
// screenshots/make.sh turns into the README's pictures). Every one is
// driven through Update with keys, as a person would get there.
var screens = []struct {
	name  string
	build func(t *testing.T, w, h int, dark bool) *harness
}{
	{"empty", func(t *testing.T, w, h int, dark bool) *harness {
		return newHarness(t, New(Options{Target: storyTarget()}), w, h, dark)
	}},
	{"allow", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: storyTarget()}), w, h, dark)
		hs.fill("john@smith.com", "", "create", "document", "", "")
		hs.key("enter")
		return hs
	}},
	{"deny-abac", func(t *testing.T, w, h int, dark bool) *harness {
		// The real engine, so that the screen shows what the explorer says
		// about its own decisions: the failing leaf, the verified flips.
		hs := newHarness(t, New(Options{Target: newPinnedDemo()}), w, h, dark)
		hs.fill("check@permit.io", "location=England", "publish", "document", "", "hasApproval=true")
		hs.key("enter")
		return hs
	}},
	{"error", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: refusedPDP(t)}), w, h, dark)
		hs.fill("bob@acme.io", "", "read", "document", "2024-report", "")
		hs.key("enter")
		return hs
	}},
	// A denial card with its next step, the failing ABAC leaf
	// with both types, and the flip list (with the typo warning).
	{"card-no-role", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: newPinnedDemo()}), w, h, dark)
		hs.noRoleCheck()
		return hs
	}},
	{"card-abac-leaf", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: newPinnedDemo()}), w, h, dark)
		hs.abacBoolCheck()
		hs.scrollTo("Rules for")
		return hs
	}},
	{"flips", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: newPinnedDemo()}), w, h, dark)
		hs.typoCheck()
		hs.scrollTo("Flips to")
		return hs
	}},
	// Many checks at once.
	{"matrix", matrixScreen},
	{"side-by-side", sideScreen},
	{"tenant-sweep", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: newPinnedDemo()}), w, h, dark)
		hs.fill("john@permit.io", "", "read", "document", "", "")
		hs.key("ctrl+s")
		return hs
	}},
	// Copy as code (y, then a language) and the profile picker.
	{"copy-as-code", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: newPinnedDemo()}), w, h, dark)
		hs.fill("john@permit.io", "", "read", "document", "", "")
		hs.key("enter")
		hs.key("esc") // the history: y is a plain key there
		hs.key("y")
		hs.key("1") // curl
		return hs
	}},
	{"profiles", profilesScreen},
	{"help", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: storyTarget(), Version: "v0.1.0"}), w, h, dark)
		hs.key("f1")
		return hs
	}},
	{"history-filtered", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: storyTarget()}), w, h, dark)
		hs.story()
		hs.key("esc") // to the history
		hs.key("/")
		hs.typeText("deny")
		hs.key("enter")
		return hs
	}},
}

// refusedPDP is Permit's real HTTP client pointed at a port where nothing
// listens, with the latency pinned so that the picture is stable.
func refusedPDP(t *testing.T) pdp.Target {
	c, err := targets.Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://127.0.0.1:1", Token: "not-a-real-token", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return fixedLatency{c, 1200 * time.Microsecond}
}

// scrollTo moves to the decision pane and scrolls it with j, as a person
// would, until the line starting with heading is at the top.
func (h *harness) scrollTo(heading string) {
	h.t.Helper()
	h.key("esc") // the history
	h.key("tab") // the decision
	for range len(h.m.dec.lines) {
		if strings.HasPrefix(strings.TrimSpace(plain(h.m.dec.lines[h.m.dec.vp.YOffset()])), heading) {
			return
		}
		h.key("j")
	}
	h.t.Fatalf("no %q in the decision pane", heading)
}

// fill types a check into the form field by field.
func (h *harness) fill(user, userAttrs, action, typ, key, resAttrs string) {
	h.t.Helper()
	for i, v := range []string{user, userAttrs, action, typ, key, resAttrs} {
		if i > 0 {
			h.key("tab")
		}
		h.typeText(v)
	}
}

// story sends a mix of checks: allows, denies and the ABAC denial.
func (h *harness) story() {
	h.t.Helper()
	checks := []pdp.Check{
		mustCheck("john@smith.com", "create", "document", nil),
		mustCheck("bob@acme.io", "delete", "document:roadmap", nil),
		mustCheck("alice@acme.io", "read", "folder:plans", nil),
		mustCheck("check@permit.io", "publish", "document", map[string]any{"location": "England"}),
		mustCheck("bob@acme.io", "update", "document:roadmap", nil),
		mustCheck("john@smith.com", "read", "folder", nil),
		mustCheck("alice@acme.io", "read", "document:roadmap", nil),
	}
	for _, c := range checks {
		h.m.form.load(c)
		h.key("enter")
	}
}

func mustCheck(user, action, res string, userAttrs map[string]any) pdp.Check {
	c, err := pdp.NewCheck(user, action, res, "", false)
	if err != nil {
		panic(err)
	}
	c.User.Attributes = userAttrs
	return c
}

func TestGoldenScreens(t *testing.T) {
	sizes := []struct{ w, h int }{{80, 24}, {140, 40}}
	for _, sc := range screens {
		for _, sz := range sizes {
			for _, dark := range []bool{true, false} {
				theme := "light"
				if dark {
					theme = "dark"
				}
				name := sc.name + "-" + itoa(sz.w) + "x" + itoa(sz.h) + "-" + theme
				t.Run(name, func(t *testing.T) {
					golden.RequireEqual(t, sc.build(t, sz.w, sz.h, dark).view())
				})
			}
		}
	}
}
