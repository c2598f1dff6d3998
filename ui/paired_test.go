package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/paired"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/server"
	"github.com/pdpx/pdpx/state"
	"github.com/pdpx/pdpx/ui/targets"
)

// standInPDP is a Permit PDP client to an in-process stand-in, named and
// timed the same on every run so that the goldens hold still.
type standInPDP struct{ pdp.Target }

func (s standInPDP) Check(ctx context.Context, c pdp.Check) pdp.Decision {
	d := s.Target.Check(ctx, c)
	d.Latency, d.Target = 3100*time.Microsecond, "pdp: stand-in"
	return d
}

func (s standInPDP) Describe() pdp.TargetInfo {
	info := s.Target.Describe()
	info.Name, info.URL = "pdp: stand-in", "http://stand-in:7766"
	return info
}

// Unwrap lets the explorer see the client behind the stand-in's name.
func (s standInPDP) Unwrap() pdp.Target { return s.Target }

func demoPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(policy.DemoName, policy.DemoSource)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writePolicy writes p as a JSON policy file in a fresh directory.
func writePolicy(t *testing.T, name string, p *policy.Policy) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pulledDemo is the demo policy as pdpx pull would have written it from
// web · production, pulled ago before the harness's clock.
func pulledDemo(t *testing.T, ago time.Duration) string {
	t.Helper()
	p := demoPolicy(t)
	p.Source = &policy.Source{
		Project:     policy.SourceRef{Key: "web"},
		Environment: policy.SourceRef{Key: "production"},
		PulledAt:    fixedNow.Add(-ago).Format(time.RFC3339),
	}
	return writePolicy(t, "prod.json", p)
}

// pairedStandIn pairs a stand-in PDP that answers with h (nil: pdpx serve
// over remote) with the demo policy pulled two hours ago.
func pairedStandIn(t *testing.T, remote *policy.Policy, h http.Handler) pdp.Target {
	t.Helper()
	if h == nil {
		s, err := server.New(server.Config{Policy: writePolicy(t, "remote.json", remote), Poll: -1})
		if err != nil {
			t.Fatal(err)
		}
		h = s
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	pdpClient, err := targets.Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: srv.URL, Token: "permit_key_TOPSECRET", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := targets.LoadSnapshot(pulledDemo(t, 2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return paired.New(standInPDP{pdpClient}, snap)
}

// lessViewer is the demo policy where viewers no longer read documents:
// the PDP's environment has changed since the snapshot was pulled.
func lessViewer(t *testing.T) *policy.Policy {
	p := demoPolicy(t)
	p.Roles["viewer"].Permissions = []string{"folder:read"}
	return p
}

func viewerRead() pdp.Check {
	c := mustCheck("john@permit.io", "read", "document", nil)
	c.Resource.Tenant = "awesome_inc"
	return c
}

// refusedPaired pairs a PDP that refuses connections with the snapshot.
func refusedPaired(t *testing.T) pdp.Target {
	t.Helper()
	tg, err := targets.Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://127.0.0.1:1", Token: "not-a-real-token", Timeout: 2 * time.Second, Snapshot: pulledDemo(t, 2*time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return fixedLatency{tg, 1200 * time.Microsecond}
}

var pairedScreens = []struct {
	name  string
	build func(t *testing.T, w, h int, dark bool) *harness
}{
	// A denial both sides agree on, with the snapshot's flips each
	// verified on the PDP.
	{"agreement", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: pairedStandIn(t, demoPolicy(t), nil)}), w, h, dark)
		hs.typoCheck()
		return hs
	}},
	{"flips", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: pairedStandIn(t, demoPolicy(t), nil)}), w, h, dark)
		hs.typoCheck()
		hs.scrollTo("Flips to")
		return hs
	}},
	{"disagreement", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: pairedStandIn(t, lessViewer(t), nil)}), w, h, dark)
		hs.m.form.load(viewerRead())
		hs.key("enter")
		return hs
	}},
	{"error", func(t *testing.T, w, h int, dark bool) *harness {
		hs := newHarness(t, New(Options{Target: refusedPaired(t)}), w, h, dark)
		hs.m.form.load(viewerRead())
		hs.key("enter")
		return hs
	}},
}

func TestGoldenPaired(t *testing.T) {
	for _, sc := range pairedScreens {
		for _, sz := range []struct{ w, h int }{{80, 24}, {140, 40}} {
			for _, dark := range []bool{true, false} {
				theme := "light"
				if dark {
					theme = "dark"
				}
				t.Run(sc.name+"-"+itoa(sz.w)+"x"+itoa(sz.h)+"-"+theme, func(t *testing.T) {
					golden.RequireEqual(t, sc.build(t, sz.w, sz.h, dark).view())
				})
			}
		}
	}
}

// A paired decision's pane says what the snapshot said of it, and the
// history keeps both answers.
func TestPairedDecisionPane(t *testing.T) {
	otherValue := demoPolicy(t)
	otherValue.ResourceSets["approved_documents"].Conditions.AllOf[0].Value = "yes"

	t.Run("agreement, flips verified", func(t *testing.T) {
		hs := newHarness(t, New(Options{Target: pairedStandIn(t, demoPolicy(t), nil)}), 140, 40, true)
		hs.typoCheck()
		all := paneText(hs)
		for _, want := range []string{"= the snapshot agrees, codes and all", "prod.json · web · production · pulled 2 h ago", "Explained from the snapshot", "✓ verified on the PDP", "an environment change"} {
			if !strings.Contains(all, want) {
				t.Errorf("no %q in the decision pane:\n%s", want, all)
			}
		}
		if strings.Contains(all, "DISAGREES") {
			t.Error("a banner for an agreement")
		}
	})
	t.Run("a condition value differs: flips refuted", func(t *testing.T) {
		hs := newHarness(t, New(Options{Target: pairedStandIn(t, otherValue, nil)}), 140, 40, true)
		hs.fill("check@permit.io", "location=England department=Engineering", "publish", "document", "", "hasApproval=false")
		hs.key("enter")
		all := paneText(hs)
		if !strings.Contains(all, "✗ refuted: the PDP still denies") || strings.Contains(all, "✓ verified on the PDP") {
			t.Errorf("the flips are not refuted by a PDP whose condition differs:\n%s", all)
		}
	})
	t.Run("disagreement", func(t *testing.T) {
		hs := newHarness(t, New(Options{Target: pairedStandIn(t, lessViewer(t), nil)}), 140, 40, true)
		hs.m.form.load(viewerRead())
		hs.key("enter")
		all := paneText(hs)
		for _, want := range []string{"≠ THE SNAPSHOT DISAGREES", "the PDP says DENY, the snapshot ALLOW", "rbac: the PDP no_permission, the snapshot allow", "pdpx pull -o prod.json", "The PDP's reasons", "Explained from the snapshot"} {
			if !strings.Contains(all, want) {
				t.Errorf("no %q in the decision pane:\n%s", want, all)
			}
		}
		if hs.m.dec.entry.Decision.Outcome != pdp.Deny {
			t.Errorf("the verdict is %v, want the PDP's deny", hs.m.dec.entry.Decision.Outcome)
		}
	})
	t.Run("a PDP error stays an error", func(t *testing.T) {
		hs := newHarness(t, New(Options{Target: refusedPaired(t)}), 140, 40, true)
		hs.m.form.load(viewerRead())
		hs.key("enter")
		all := paneText(hs)
		d := hs.m.dec.entry.Decision
		if d.Outcome != pdp.Error || d.Shadow != nil || strings.Contains(all, "snapshot") {
			t.Errorf("outcome %v, shadow %v, pane:\n%s", d.Outcome, d.Shadow != nil, all)
		}
	})
}

// paneText is the decision pane's text, wrapped lines joined by one space.
func paneText(h *harness) string {
	return strings.Join(strings.Fields(plain(strings.Join(h.m.dec.lines, "\n"))), " ")
}

// A disagreement is marked ≠ in the history, and D shows only those, from
// memory and from the SQLite store alike.
func TestHistoryMarksDisagreements(t *testing.T) {
	sqlite, err := state.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlite.Close() })
	for name, st := range map[string]state.History{"memory": state.NewMemory(), "sqlite": sqlite} {
		t.Run(name, func(t *testing.T) {
			hs := newHarness(t, New(Options{Target: pairedStandIn(t, lessViewer(t), nil), History: st}), 140, 40, true)
			hs.m.form.load(viewerRead()) // the PDP denies, the snapshot allows
			hs.key("enter")
			hs.m.form.load(mustCheck("jane@permit.io", "delete", "document:roadmap", nil)) // both deny
			hs.key("enter")
			hs.key("esc") // the history
			view := plain(hs.view())
			// The user column may be cut to fit: "john@permit.…".
			if !strings.Contains(view, "≠✗ DENY  john@permit.") || strings.Contains(view, "≠✗ DENY  jane@permit.") {
				t.Fatalf("the disagreement is not marked (or the agreement is):\n%s", view)
			}
			hs.key("D")
			if c := hs.m.list.counts; c.Total != 1 || !strings.Contains(plain(hs.view()), "disagreements only") {
				t.Fatalf("D: %+v\n%s", c, plain(hs.view()))
			}
			if e, _ := hs.m.list.selected(); e.Check.User.Key != "john@permit.io" {
				t.Errorf("D shows %s", e.Check.User.Key)
			}
			hs.key("D")
			if c := hs.m.list.counts; c.Total != 2 {
				t.Errorf("D again: %+v", c)
			}
		})
	}
}

// A role flip found on the snapshot is a change to make in Permit, not to
// the snapshot file.
func TestPairedRoleFlipGoesToPermit(t *testing.T) {
	hs := newHarness(t, New(Options{Target: pairedStandIn(t, demoPolicy(t), nil)}), 140, 40, true)
	hs.typoCheck()
	hs.key("alt+3")
	v := plain(hs.view())
	if !isOpen[*noteDialog](hs.m) || !strings.Contains(v, "in Permit") || strings.Contains(v, "policy file") {
		t.Errorf("dialog %s:\n%s", dialogOf(hs.m), v)
	}
}

// Flips are tried on the PDP once per decision: moving back over a stored
// paired denial shows what the PDP said without asking it again.
func TestPairedFlipsAskedOncePerDecision(t *testing.T) {
	s, err := server.New(server.Config{Policy: writePolicy(t, "remote.json", demoPolicy(t)), Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	var bulks atomic.Int64
	counting := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/allowed/bulk" {
			bulks.Add(1)
		}
		s.ServeHTTP(w, r)
	})
	hs := newHarness(t, New(Options{Target: pairedStandIn(t, nil, counting)}), 140, 40, true)
	hs.typoCheck()
	// Another user with the same typo: its flips rename the attribute.
	c := mustCheck("ada@permit.io", "publish", "document", map[string]any{"location": "England", "departmnet": "Engineering"})
	c.Resource.Attributes = map[string]any{"hasApproval": "true"}
	hs.m.form.load(c)
	hs.key("enter")
	if n := bulks.Load(); n != 2 {
		t.Fatalf("%d bulk requests for two denials with flips, want 2:\n%s", n, paneText(hs))
	}
	hs.key("esc") // the history
	hs.key("j")
	hs.key("k")
	hs.key("j")
	if n := bulks.Load(); n != 2 {
		t.Errorf("%d bulk requests after moving through the history, want still 2", n)
	}
	if !strings.Contains(paneText(hs), "✓ verified on the PDP") {
		t.Errorf("the cached flips lost their verdicts:\n%s", paneText(hs))
	}
}
