package ui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// sqliteHistory is a real history file, with a decision from an earlier run.
func sqliteHistory(t *testing.T) *state.Store {
	t.Helper()
	s, err := state.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestHistoryKeysFilterPinDeleteAndClear(t *testing.T) {
	store := sqliteHistory(t)
	// Yesterday's denial, from an earlier run: it shows its date.
	old := mustCheck("bob@acme.io", "delete", "document:roadmap", nil)
	yesterday := time.Now().AddDate(0, 0, -1)
	date := fmtDate(yesterday)
	store.Add(context.Background(), state.Entry{Time: yesterday, Check: old, Decision: storyDecision(old)})
	h := newHarness(t, New(Options{Target: storyTarget(), History: store}), 140, 40, true)
	if v := plain(h.view()); !strings.Contains(v, date) {
		t.Fatalf("an earlier run's entry is not dated:\n%s", v)
	}
	h.story()
	h.key("esc")
	if c := h.m.list.counts; c.Total != 8 || c.Denied != 4 {
		t.Fatalf("counts = %+v", c)
	}
	if v := plain(h.view()); strings.Count(v, date) != 1 {
		t.Errorf("this run's entries are dated too:\n%s", v)
	}

	h.key("d") // denied only
	if c := h.m.list.counts; c.Total != 4 || c.Allowed != 0 || !strings.Contains(plain(h.view()), "denied only") {
		t.Fatalf("d: counts = %+v\n%s", c, plain(h.view()))
	}
	h.key("x") // errors only: none
	if c := h.m.list.counts; c.Total != 0 || !strings.Contains(plain(h.view()), "Nothing matches error only") {
		t.Errorf("x: counts = %+v\n%s", c, plain(h.view()))
	}
	h.key("x") // again: everything
	if h.m.list.counts.Total != 8 {
		t.Fatalf("x again: %+v", h.m.list.counts)
	}

	// Field terms in the filter line.
	h.key("/")
	h.typeText("user:bob@acme.io action:update")
	h.key("enter")
	if c := h.m.list.counts; c.Total != 1 {
		t.Errorf("user: action: terms: %+v", c)
	}
	h.key("esc")

	// p pins the selected row; P shows pins only.
	h.key("j")
	sel, _ := h.m.list.selected()
	h.key("p")
	if !strings.Contains(h.m.status, "pinned") {
		t.Errorf("status = %q", h.m.status)
	}
	h.key("P")
	if c := h.m.list.counts; c.Total != 1 {
		t.Fatalf("P: %+v", c)
	}
	if e, _ := h.m.list.selected(); e.ID != sel.ID || !e.Pinned || !strings.Contains(plain(h.view()), "*✓") && !strings.Contains(plain(h.view()), "*✗") {
		t.Errorf("pinned row: %+v\n%s", e.ID, plain(h.view()))
	}
	h.key("P")

	// delete removes the selected row.
	h.key("g")
	top, _ := h.m.list.selected()
	h.send(tea.KeyPressMsg{Code: tea.KeyDelete})
	if c := h.m.list.counts; c.Total != 7 {
		t.Fatalf("delete: %+v", c)
	}
	if _, err := store.Get(context.Background(), top.ID); err == nil {
		t.Errorf("the deleted row is still stored")
	}

	// C asks first; esc keeps everything; enter keeps the pins.
	h.key("C")
	if !isOpen[*clearDialog](h.m) || !strings.Contains(plain(h.view()), "Clear 7 decisions") {
		t.Fatalf("no confirmation:\n%s", plain(h.view()))
	}
	h.key("esc")
	if h.m.list.counts.Total != 7 {
		t.Fatalf("esc cleared")
	}
	h.key("C")
	h.key("enter")
	if c := h.m.list.counts; c.Total != 1 {
		t.Errorf("clear keeping pins: %+v (%s)", c, h.m.status)
	}
}

func TestMarkAndCompareTwoEntries(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 140, 40, true)
	deny := mustCheck("check@permit.io", "publish", "document", map[string]any{"location": "England"})
	deny.Resource.Attributes = map[string]any{"hasApproval": true}
	allow := mustCheck("john@smith.com", "create", "document", nil)
	for _, c := range []pdp.Check{deny, allow} {
		h.m.form.load(c)
		h.key("enter")
	}
	h.key("esc")
	h.key("m")
	if !strings.Contains(plain(h.view()), ">✓ ALLOW") {
		t.Errorf("the mark is not shown:\n%s", plain(h.view()))
	}
	h.key("j")
	h.key("m")
	if h.m.cmp == nil {
		t.Fatalf("m on another entry does not compare")
	}
	v := plain(h.view())
	for _, want := range []string{"~ user", "john@smith.com", "check@permit.io", "~ action", "create", "publish",
		"+ user.location", "+ resource.hasApproval", "✓ ALLOW", "✗ DENY", "rbac code"} {
		if !strings.Contains(v, want) {
			t.Errorf("compare lacks %q:\n%s", want, v)
		}
	}
	h.key("esc")
	if h.m.cmp != nil {
		t.Errorf("esc does not close the compare view")
	}
}

// c compares an entry with a fresh re-run on the current target: what
// changed since (here the target now allows what it denied).
func TestCompareWithAFreshRerun(t *testing.T) {
	tg := storyTarget()
	h := newHarness(t, New(Options{Target: tg}), 140, 40, false)
	c := mustCheck("check@permit.io", "publish", "document", map[string]any{"location": "England"})
	h.m.form.load(c)
	h.key("enter")
	h.key("esc")
	tg.decide = func(c pdp.Check) pdp.Decision {
		d := allowDecision()
		d.Trace = abacDenyDecision(c).Trace
		d.Trace.UserSets[0].Condition.Children[0].Result = true
		d.Trace.UserSets[0].Condition.Children[0].Actual = "Engineering"
		d.Trace.UserSets[0].Condition.Children[0].Missing = false
		return d
	}
	h.key("c")
	if h.m.cmp == nil || h.m.cmp.bLabel != "re-run now" {
		t.Fatalf("c does not open the compare view")
	}
	v := plain(h.view())
	for _, want := range []string{"re-run now", "~ outcome", "✗ DENY", "✓ ALLOW", "Conditions whose result changed",
		"user.department equals Engineering", "✗ got (missing)", "✓ got Engineering"} {
		if !strings.Contains(v, want) {
			t.Errorf("compare lacks %q:\n%s", want, v)
		}
	}
	if h.m.list.counts.Total != 2 {
		t.Errorf("the re-run is not recorded: %+v", h.m.list.counts)
	}
}

func TestHistoryNoteInTheHeader(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget(), HistoryNote: "history in memory only"}), 80, 24, true)
	if first := strings.SplitN(plain(h.view()), "\n", 2)[0]; !strings.Contains(first, "⚠ history in memory only") {
		t.Errorf("header = %q", first)
	}
	// and the explorer still decides
	h.fill("john@smith.com", "", "create", "document", "", "")
	h.key("enter")
	if h.m.list.counts.Total != 1 {
		t.Errorf("counts = %+v", h.m.list.counts)
	}
}

// A stored entry from a hostile PDP (escape sequences, a megabyte of reason)
// draws safely and cut short, in the list, the decision pane and compare.
func TestHostileStoredEntryRendersSafely(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07\u009b31m\r"
	huge := strings.Repeat("because "+evil, 1<<20/len("because "+evil))
	store := sqliteHistory(t)
	c := mustCheck("bob"+evil, "read", "document", map[string]any{"x" + evil: evil})
	d := pdp.Decision{Outcome: pdp.Deny, Target: "pdp" + evil, Status: 200,
		Response: []byte(`{"allow":false,"debug":{"rbac":{"reason":"` + strings.Repeat("y", 1<<20) + `"}}}` + evil),
		Debug:    &pdp.Debug{RBAC: &pdp.Reason{Code: "no" + evil, Reason: huge}}}
	if _, err := store.Add(context.Background(), state.Entry{Check: c, Decision: d}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h := newHarness(t, New(Options{Target: storyTarget(), History: store}), 140, 40, true)
	h.key("esc")
	h.key("enter") // read the decision
	views := []string{h.view()}
	h.key("ctrl+o")
	views = append(views, h.view())
	h.key("esc")
	h.key("m")
	h.m.form.load(mustCheck("john@smith.com", "create", "document", nil))
	h.key("i")
	h.key("enter")
	h.key("esc")
	h.key("m") // on the new decision: compare it with the marked hostile one
	if h.m.cmp == nil {
		t.Fatal("no compare view")
	}
	views = append(views, h.view())
	for i, v := range views {
		clean := sgr.ReplaceAllString(v, "")
		if strings.ContainsAny(clean, "\x1b\x07\u009b\r") {
			t.Errorf("view %d: an escape reached the screen: %q", i, clean)
		}
		for _, l := range strings.Split(v, "\n") {
			if w := ansi.StringWidth(l); w > 140 {
				t.Errorf("view %d: a line is %d cells wide", i, w)
			}
		}
	}
	if h.m.dec.vp.TotalLineCount() > 2000 {
		t.Errorf("the decision pane holds %d lines: the reason is not cut short", h.m.dec.vp.TotalLineCount())
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("drawing the hostile entry took %v", el)
	}
}

// The history filter in the explorer: a part of a user finds it, an empty
// result names the part that emptied it; rows show the tenant uncut and,
// when they come from different targets, the target.
func TestHistoryFindsByPartAndSaysWhatEmptiedIt(t *testing.T) {
	store := sqliteHistory(t)
	ctx := context.Background()
	local := mustCheck("jane@permit.io", "delete", "document:roadmap", nil)
	local.Resource.Tenant = "awesome_inc"
	cloud := local
	store.Add(ctx, state.Entry{Time: time.Now(), Check: local, TargetKind: pdp.KindPDP,
		Decision: pdp.Decision{Outcome: pdp.Error, Target: "pdp: localhost:7766", Err: errors.New("connection refused")}})
	store.Add(ctx, state.Entry{Time: time.Now(), Check: cloud, TargetKind: pdp.KindCloud,
		Decision: pdp.Decision{Outcome: pdp.Error, Target: "cloud: api.permit.io", Err: errors.New("connection refused")}})
	for _, w := range []int{80, 140} {
		h := newHarness(t, New(Options{Target: storyTarget(), History: store}), w, 40, true)
		h.key("esc")
		h.key("/")
		h.typeText("user:jane")
		h.key("enter")
		if c := h.m.list.counts; c.Total != 2 {
			t.Fatalf("%d: user:jane found %d", w, c.Total)
		}
		var rows []string
		for _, l := range strings.Split(plain(h.view()), "\n") {
			if i := strings.Index(l, "! ERROR "); i >= 0 {
				rows = append(rows, l[i:])
			}
		}
		if len(rows) != 2 {
			t.Fatalf("%d: %d rows shown:\n%s", w, len(rows), plain(h.view()))
		}
		for i, want := range []string{"cloud", "pdp"} { // newest first
			if !strings.Contains(rows[i], "@awesome_inc ") {
				t.Errorf("%d: the tenant is cut: %q", w, rows[i])
			}
			if !strings.Contains(rows[i], " "+want) {
				t.Errorf("%d: the row does not say %q: %q", w, want, rows[i])
			}
		}
		h.key("/")
		h.typeText(" action:read")
		h.key("enter")
		if v := strings.Join(strings.Fields(plain(h.view())), " "); !strings.Contains(v, "nothing has action:read") {
			t.Errorf("%d: the empty result does not say which filter emptied it:\n%s", w, plain(h.view()))
		}
	}
}
