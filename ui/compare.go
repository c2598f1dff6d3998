package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// compareView puts two decisions side by side: the requests with the fields
// that differ marked (~ changed, + added, - removed), the two outcomes, the
// reasons that differ and the conditions whose result changed. It answers
// "what changed between yesterday's denial and today's allow?".
type compareView struct {
	keys keyMap
	a, b state.Entry
	// aLabel and bLabel name a side when it is not a stored entry
	// ("re-run now", a target's name).
	aLabel, bLabel string
	// targets marks two targets answering the same check (ctrl+l): whether
	// they agree is the headline.
	targets bool
	off     int // first visible line
	h       int // visible lines, from the last draw

	lines  []string // built for builtW and dark
	builtW int
	dark   bool
}

// newCompare compares entry a with entry b; a label names a side that is
// not a stored entry ("" for one that is).
func newCompare(k keyMap, a, b state.Entry, aLabel, bLabel string) *compareView {
	return &compareView{keys: k, a: a, b: b, aLabel: aLabel, bLabel: bLabel}
}

// help is the footer of the compare view.
func (c *compareView) help() focusKeys {
	k := c.keys
	return focusKeys{
		short: []key.Binding{short(k.ScrollUp, "up"), short(k.ScrollDown, "down"), k.PageUp, k.PageDown,
			key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "close compare")), k.Quit},
	}
}

// update takes a key while the compare view is open: it scrolls, and y
// copies the right-hand decision's check (the newer one, or the second
// target's) as code, sent where that entry says.
func (c *compareView) update(msg tea.KeyPressMsg) action {
	k := c.keys
	page := max(c.h-1, 1)
	switch {
	case key.Matches(msg, k.Copy, k.CopyAlt):
		return copyCode{c.b}
	case key.Matches(msg, k.Back) || msg.String() == "q":
		return closeView{}
	case key.Matches(msg, k.ScrollUp):
		c.off--
	case key.Matches(msg, k.ScrollDown):
		c.off++
	case key.Matches(msg, k.PageUp):
		c.off -= page
	case key.Matches(msg, k.PageDown):
		c.off += page
	case key.Matches(msg, k.Top):
		c.off = 0
	case key.Matches(msg, k.Bottom):
		c.off = len(c.lines)
	}
	c.off = min(max(c.off, 0), max(len(c.lines)-c.h, 0))
	return nil
}

// view draws h lines of exactly w cells.
func (c *compareView) view(s Styles, w, h int) []string {
	if c.builtW != w || c.dark != s.IsDark || c.lines == nil {
		c.lines, c.builtW, c.dark = compareLines(s, c.a, c.b, c.aLabel, c.bLabel, w), w, s.IsDark
		if c.targets {
			c.lines = append(agreementLines(s, c.a.Decision, c.b.Decision, c.aLabel, c.bLabel, w), c.lines...)
		}
	}
	c.h = h
	c.off = min(max(c.off, 0), max(len(c.lines)-h, 0))
	out := make([]string, 0, h)
	out = append(out, c.lines[c.off:min(c.off+h, len(c.lines))]...)
	if more := len(c.lines) - (c.off + h); more > 0 && len(out) > 0 {
		out[len(out)-1] = fitLine(s.Dim.Render(" ↓ "+itoa(more)+" more lines"), w)
	}
	for len(out) < h {
		out = append(out, strings.Repeat(" ", w))
	}
	return out
}

// maxCompareText bounds any one value before it is cleaned and fitted: a
// hostile PDP's megabyte reason costs nothing to draw.
const maxCompareText = 512

// compareRow is one line of the side-by-side: a label and the two values.
type compareRow struct {
	label, a, b string
	inA, inB    bool // whether each side has the field at all
}

// diffMark is the row's mark: "~" changed, "+" only on the right (added),
// "-" only on the left (removed), " " the same.
func (r compareRow) diffMark() string {
	switch {
	case r.inA && !r.inB:
		return "-"
	case r.inB && !r.inA:
		return "+"
	case r.a != r.b:
		return "~"
	}
	return " "
}

func compareLines(s Styles, a, b state.Entry, aLabel, bLabel string, w int) []string {
	lw := min(max(w/5, 12), 24)     // label column
	cw := max((w-lw-4)/2, 8)        // each value column
	clip := func(t string) string { // clean, fold and fit plain text
		if len(t) > maxCompareText {
			t = t[:maxCompareText]
		}
		return cell(oneLine(t), cw)
	}
	var out []string
	line := func(st interface{ Render(...string) string }, markCh, label, l, r string) {
		out = append(out, fitLine(st.Render(markCh+" "+cell(oneLine(label), lw-1)+" "+clip(l)+"  "+clip(r)), w))
	}
	section := func(title string) {
		out = append(out, "", fitLine(s.PaneTitle.Render(" "+title), w))
	}
	rows := func(rs []compareRow) {
		for _, r := range rs {
			m := r.diffMark()
			st := s.Dim
			if m != " " {
				st = s.Warn
			}
			line(st, m, r.label, r.a, r.b)
		}
	}

	// Who is on each side.
	out = append(out, fitLine(s.Bold.Render("  "+cell("Compare", lw)+clip(entryLabel(a, aLabel))+"  "+clip(entryLabel(b, bLabel))), w))

	// The outcomes, in their colours, and the error if any.
	oa, ob := a.Decision.Outcome, b.Decision.Outcome
	om := " "
	if oa != ob {
		om = "~"
	}
	ow := func(o pdp.Outcome) string {
		return s.Outcome(o).Render(cell(o.Symbol()+" "+o.Word(), cw))
	}
	out = append(out, fitLine(s.Bold.Render(om+" "+cell("outcome", lw))+ow(oa)+"  "+ow(ob), w))
	rows([]compareRow{
		{label: "target", a: a.Decision.Target, b: b.Decision.Target, inA: true, inB: true},
	})
	if a.Decision.Outcome == pdp.Error || b.Decision.Outcome == pdp.Error {
		rows([]compareRow{{label: "error", a: a.Decision.ErrorText(), b: b.Decision.ErrorText(), inA: true, inB: true}})
	}

	section("Request")
	rows(requestRows(a.Check, b.Check))

	if rs := reasonRows(a.Decision.Debug, b.Decision.Debug); len(rs) > 0 {
		section("Reasons")
		rows(rs)
	}

	ta, tb := a.Decision.Trace, b.Decision.Trace
	if ta != nil || tb != nil {
		section("Conditions whose result changed")
		changed := leafChanges(ta, tb)
		if len(changed) == 0 {
			out = append(out, fitLine(s.Dim.Render("  none: every condition evaluated the same"), w))
		}
		for _, lc := range changed {
			out = append(out, fitLine(s.Muted.Render("  "+oneLine(truncText(lc.desc))), w))
			line(s.Warn, lc.mark(), "", lc.a, lc.b)
		}
	}
	return out
}

func truncText(t string) string {
	if len(t) > maxCompareText {
		return t[:maxCompareText]
	}
	return t
}

// entryLabel names one side: "#12 · 2025-03-14 09:26:53", or the label of a
// decision that is not stored yet.
func entryLabel(e state.Entry, label string) string {
	var parts []string
	if label != "" {
		parts = append(parts, label)
	} else if e.ID != 0 {
		parts = append(parts, "#"+fmt.Sprint(e.ID))
	}
	if !e.Time.IsZero() {
		parts = append(parts, e.Time.Format("2006-01-02 15:04:05"))
	}
	return strings.Join(parts, " · ")
}

// requestRows lists the check's fields, then each attribute and context
// key, with both sides' values as they would be typed (types visible).
func requestRows(a, b pdp.Check) []compareRow {
	both := func(label, x, y string) compareRow {
		return compareRow{label: label, a: x, b: y, inA: true, inB: true}
	}
	tenant := func(c pdp.Check) string {
		if c.Resource.Tenant == "" {
			return "(no tenant)"
		}
		return c.Resource.Tenant
	}
	out := []compareRow{
		both("user", a.User.Key, b.User.Key),
		both("action", a.Action, b.Action),
		both("resource", a.Resource.Ref(), b.Resource.Ref()),
		both("tenant", tenant(a), tenant(b)),
	}
	for _, g := range []struct {
		prefix string
		x, y   map[string]any
	}{
		{"user.", a.User.Attributes, b.User.Attributes},
		{"resource.", a.Resource.Attributes, b.Resource.Attributes},
		{"tenant.", a.TenantAttributes, b.TenantAttributes},
		{"context.", a.Context, b.Context},
	} {
		for _, k := range unionKeys(g.x, g.y) {
			va, okA := g.x[k]
			vb, okB := g.y[k]
			r := compareRow{label: g.prefix + k, inA: okA, inB: okB}
			if okA {
				r.a = pdp.FormatValue(va)
			}
			if okB {
				r.b = pdp.FormatValue(vb)
			}
			out = append(out, r)
		}
	}
	return out
}

func unionKeys(x, y map[string]any) []string {
	var out []string
	for k := range x {
		out = append(out, k)
	}
	for k := range y {
		if _, ok := x[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// reasonRows compares each model's verdict: its code always (so that the
// two sides read at a glance), and its allowing roles, rules and matching
// sets when they differ.
func reasonRows(a, b *pdp.Debug) []compareRow {
	var out []compareRow
	for _, m := range []struct {
		name string
		x, y *pdp.Reason
	}{
		{"rbac", reasonOf(a, 0), reasonOf(b, 0)},
		{"abac", reasonOf(a, 1), reasonOf(b, 1)},
		{"rebac", reasonOf(a, 2), reasonOf(b, 2)},
	} {
		if m.x == nil && m.y == nil {
			continue
		}
		row := func(label string, f func(*pdp.Reason) string, always bool) {
			r := compareRow{label: m.name + " " + label, inA: m.x != nil, inB: m.y != nil}
			if m.x != nil {
				r.a = f(m.x)
			}
			if m.y != nil {
				r.b = f(m.y)
			}
			if always || r.a != r.b {
				out = append(out, r)
			}
		}
		row("code", func(r *pdp.Reason) string {
			if r.Allow {
				return "✓ " + r.Code
			}
			return "✗ " + r.Code
		}, true)
		row("roles", func(r *pdp.Reason) string {
			var xs []string
			for _, ar := range r.AllowingRoles {
				s := ar.Role
				if ar.Resource != "" {
					s += "@" + ar.Resource
				}
				xs = append(xs, s)
			}
			return strings.Join(xs, ", ")
		}, false)
		row("rules", func(r *pdp.Reason) string {
			var xs []string
			for _, ru := range r.AllowingRules {
				xs = append(xs, first(ru.UserSet, ru.Role)+" → "+first(ru.ResourceSet, ru.ResourceType))
			}
			return strings.Join(xs, ", ")
		}, false)
		row("user sets", func(r *pdp.Reason) string { return strings.Join(r.MatchingUsersets, ", ") }, false)
		row("resource sets", func(r *pdp.Reason) string { return strings.Join(r.MatchingResourcesets, ", ") }, false)
		row("reason", func(r *pdp.Reason) string { return r.Reason }, false)
	}
	return out
}

func reasonOf(d *pdp.Debug, i int) *pdp.Reason {
	if d == nil {
		return nil
	}
	return [3]*pdp.Reason{d.RBAC, d.ABAC, d.ReBAC}[i]
}

// leafChange is a condition leaf evaluated differently on the two sides.
type leafChange struct {
	desc     string // "England engineers · user.location equals England"
	a, b     string // "✓ got England", "✗ got France", "" when not evaluated
	inA, inB bool
}

func (l leafChange) mark() string {
	return compareRow{a: l.a, b: l.b, inA: l.inA, inB: l.inB}.diffMark()
}

type leafResult struct {
	desc   string
	result bool
	actual string
}

// leafChanges lists the condition leaves whose result differs (or that were
// evaluated on one side only), in the order of the left trace, then the right.
func leafChanges(a, b *pdp.Trace) []leafChange {
	la, order := leaves(a, nil)
	lb, order := leaves(b, order)
	var out []leafChange
	for _, k := range order {
		x, okA := la[k]
		y, okB := lb[k]
		if okA && okB && x.result == y.result {
			continue
		}
		lc := leafChange{inA: okA, inB: okB}
		if okA {
			lc.desc, lc.a = x.desc, verdict(x)
		}
		if okB {
			lc.desc, lc.b = y.desc, verdict(y)
		}
		out = append(out, lc)
	}
	return out
}

func verdict(l leafResult) string {
	if l.result {
		return "✓ got " + l.actual
	}
	return "✗ got " + l.actual
}

// leaves flattens a trace's condition leaves, keyed by set, path, operator
// and expected value; order accumulates first-seen keys.
func leaves(t *pdp.Trace, order []string) (map[string]leafResult, []string) {
	out := map[string]leafResult{}
	if t == nil {
		return out, order
	}
	var walk func(set string, c *pdp.CondTrace)
	walk = func(set string, c *pdp.CondTrace) {
		if c == nil {
			return
		}
		if c.Kind == "leaf" {
			exp := pdp.FormatValue(c.Expected)
			if c.Ref != "" {
				exp = c.Ref
			}
			desc := set + " · " + c.Path + " " + c.Operator + " " + exp
			actual := pdp.FormatValue(c.Actual)
			if c.Missing {
				actual = "(missing)"
			}
			k := desc
			if _, seen := out[k]; !seen {
				if !slices.Contains(order, k) {
					order = append(order, k)
				}
				out[k] = leafResult{desc: desc, result: c.Result, actual: actual}
			}
			return
		}
		for _, ch := range c.Children {
			walk(set, ch)
		}
	}
	for _, sets := range [][]pdp.SetTrace{t.UserSets, t.ResourceSets} {
		for _, st := range sets {
			walk(first(st.Name, st.Key), st.Condition)
		}
	}
	return out, order
}
