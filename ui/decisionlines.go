package ui

import (
	"errors"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/pdp/paired"
	"github.com/pdpx/pdpx/state"
)

// decisionLines renders a decision as lines for the decision pane: the
// outcome (large when there is room), what was asked, where and how fast,
// then the explanation (x: cards, flips, failing conditions, warnings and
// where the attributes came from) and the trace. Until the explanation has
// been computed (it runs in a Cmd), x is nil and the PDP's own reasons are
// drawn instead. Everything that came from the PDP passes through
// pdp.Clean (via wrap and oneLine) before it is drawn.
//
// A paired decision (the PDP's, with a snapshot's beside it) says under the
// verdict whether the snapshot agrees: one quiet line, or a banner with both
// answers and what to do. Once pr has come, the explanation is the
// snapshot's, labelled with it, and its flips are marked with what the PDP
// said of each.
func decisionLines(s Styles, e state.Entry, x *explain.Explanation, pr *pairing, w int, big bool) []string {
	d := e.Decision
	o := d.Outcome
	var lines []string
	if big {
		for _, l := range bigText(o.Symbol() + " " + o.Word()) {
			lines = append(lines, " "+s.Outcome(o).Render(l))
		}
		// The big letters are pictures; the word is repeated as text for
		// screen readers, copy and paste, and NO_COLOR terminals.
		lines = append(lines, " "+s.Outcome(o).Render(o.Word())+"  "+s.Bold.Render(oneLine(e.Check.String())))
	} else {
		// Short panes (80×24) get one line: the badge and the check.
		lines = append(lines, " "+s.Badge(o).Render(o.Symbol()+" "+o.Word())+"  "+s.Bold.Render(oneLine(e.Check.String())))
	}
	meta := []string{oneLine(d.Target), fmtLatency(d.Latency)}
	if d.Status != 0 {
		meta = append(meta, "HTTP "+itoa(d.Status))
	}
	if !e.Time.IsZero() {
		meta = append(meta, e.Time.Format(time.TimeOnly))
	}
	lines = append(lines, " "+s.Muted.Render(strings.Join(nonEmpty(meta), " · ")))
	if e.Note != "" {
		lines = append(lines, " "+s.Key.Render("✎ ")+s.Row.Render(truncate(oneLine(e.Note), w-3)))
	}
	if attrs := jitLine(e.Check); attrs != "" {
		lines = append(lines, wrapLabeled(s, "sent", attrs, w, s.Muted)...)
	}

	gap := func() {
		if big {
			lines = append(lines, "")
		}
	}
	if a := d.Agreement; a != nil && d.Shadow != nil {
		lines = append(lines, snapshotAgreementLines(s, d, *a, pr, w, big)...)
	}
	if x != nil && pr != nil {
		return append(lines, pairedLines(s, d, x, pr, w, big)...)
	}
	if x != nil {
		gap()
		lines = append(lines, explanationLines(s, x, w, big)...)
		if d.Trace != nil {
			// The rules and their sets are drawn above with the failing
			// leaf marked; the trace adds the roles and every other set.
			lines = append(lines, "")
			lines = append(lines, traceLines(s, d.Trace, w)...)
		}
		return lines
	}
	if o == pdp.Error {
		gap()
		lines = append(lines, wrapLabeled(s, "error", errorText(d), w, s.ErrText)...)
		if hint := errorHint(d); hint != "" {
			lines = append(lines, wrapLabeled(s, "", hint, w, s.Muted)...)
		}
	}
	if d.Debug != nil {
		gap()
		for _, b := range []struct {
			name string
			r    *pdp.Reason
		}{{"rbac", d.Debug.RBAC}, {"abac", d.Debug.ABAC}, {"rebac", d.Debug.ReBAC}} {
			if b.r != nil {
				lines = append(lines, reasonLines(s, b.name, b.r, w)...)
			}
		}
	} else if o != pdp.Error {
		lines = append(lines, "", " "+s.Dim.Render("No reasons: this PDP does not send its debug object (run it with PDP_DEBUG=true)."))
	}
	if d.Trace != nil {
		lines = append(lines, "")
		lines = append(lines, traceLines(s, d.Trace, w)...)
	}
	return lines
}

// snapshotAgreementLines says whether a paired decision's snapshot agrees with the
// PDP: one quiet line when it does, a banner when it does not, with both
// answers, the codes that differ and what to do.
func snapshotAgreementLines(s Styles, d pdp.Decision, a pdp.Agreement, pr *pairing, w int, big bool) []string {
	label := "the snapshot"
	advice := "Re-pull the snapshot (pdpx pull) and check again."
	if pr != nil {
		label, advice = pr.label, pr.advice
	}
	switch {
	case a.Agrees() && a.CodesCompared:
		return hang(" ", s.Allow.Render("= "), "the snapshot agrees, codes and all · "+label, s.Dim, w)
	case a.Agrees():
		return hang(" ", s.Allow.Render("= "), "the snapshot agrees on the outcome (the PDP sent no debug object to compare codes: run it with PDP_DEBUG=true) · "+label, s.Dim, w)
	}
	var lines []string
	if big {
		lines = append(lines, "")
	}
	lines = append(lines, truncate(" "+s.Badge(pdp.Error).Render("≠ THE SNAPSHOT DISAGREES"), w))
	lines = append(lines, hang("   ", "", label, s.Muted, w)...)
	if !a.SameOutcome {
		lines = append(lines, truncate("   the PDP says "+s.Outcome(d.Outcome).Render(d.Outcome.Word())+", the snapshot "+s.Outcome(d.Shadow.Outcome).Render(d.Shadow.Outcome.Word()), w))
	}
	for _, cd := range a.Codes {
		lines = append(lines, hang("   ", "", oneLine(cd.Model)+": the PDP "+codeWord(cd.Remote)+", the snapshot "+codeWord(cd.Snapshot), s.Row, w)...)
	}
	return append(lines, hang("   ", "", advice, s.Warn, w)...)
}

func codeWord(code string) string {
	if code == "" {
		return "shows no block"
	}
	return oneLine(code)
}

// pairedLines explains a paired decision from its snapshot: the PDP's own
// reasons first when the two disagree (they are the truth the snapshot
// missed), then the snapshot's explanation under its label, its flips
// marked with the PDP's verdict on each, and the snapshot's trace.
func pairedLines(s Styles, d pdp.Decision, x *explain.Explanation, pr *pairing, w int, big bool) []string {
	var lines []string
	section := func(title, note string) {
		if big || len(lines) > 0 {
			lines = append(lines, "")
		}
		h := " " + s.PaneTitleF.Render(title)
		if note != "" {
			h += s.Dim.Render("  " + oneLine(note))
		}
		lines = append(lines, truncate(h, w))
	}
	if d.Agreement != nil && !d.Agreement.Agrees() {
		section("The PDP's reasons", "")
		if d.Debug == nil {
			lines = append(lines, " "+s.Dim.Render("none: the PDP sent no debug object"))
		} else {
			for _, b := range []struct {
				name string
				r    *pdp.Reason
			}{{"rbac", d.Debug.RBAC}, {"abac", d.Debug.ABAC}, {"rebac", d.Debug.ReBAC}} {
				if b.r != nil {
					lines = append(lines, reasonLines(s, b.name, b.r, w)...)
				}
			}
		}
	}
	section("Explained from the snapshot", "")
	lines = append(lines, hang(" ", "", pr.label, s.Muted, w)...)
	lines = append(lines, explanationLinesWith(s, x, pr.flips, w, big)...)
	if d.Shadow != nil && d.Shadow.Trace != nil {
		lines = append(lines, "")
		lines = append(lines, traceLines(s, d.Shadow.Trace, w)...)
	}
	return lines
}

// checkedFlipLines draws a snapshot's flip with the PDP's verdict on it.
func checkedFlipLines(s Styles, i int, f paired.CheckedFlip, w int) []string {
	var mark string
	switch f.Status {
	case paired.Verified:
		mark = s.Allow.Render("✓ verified on the PDP")
	case paired.Refuted:
		mark = s.Deny.Render("✗ refuted: the PDP still denies")
	case paired.Unverifiable:
		mark = s.Error.Render("! unverifiable: " + oneLine(f.Err))
	default:
		mark = s.Dim.Render("· an environment change: assign it in Permit, then check again")
	}
	lines := hang("  ", s.KeyCap.Render(itoa(i+1))+" ", f.Summary, s.Row, w)
	return append(lines, truncate("    "+mark, w))
}

func nonEmpty(xs []string) []string {
	out := xs[:0:0]
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// jitLine lists the attributes the check carried, typed.
func jitLine(c pdp.Check) string {
	var parts []string
	for _, p := range []struct {
		prefix string
		m      map[string]any
	}{{"user.", c.User.Attributes}, {"resource.", c.Resource.Attributes}, {"tenant.", c.TenantAttributes}, {"context.", c.Context}} {
		for _, k := range sortedKeys(p.m) {
			parts = append(parts, p.prefix+k+"="+pdp.FormatValue(p.m[k]))
		}
	}
	return strings.Join(parts, " ")
}

// wrapLabeled draws " label  text…" with the text wrapped under itself.
func wrapLabeled(s Styles, label, text string, w int, st interface{ Render(...string) string }) []string {
	const lw = 7
	pad := strings.Repeat(" ", lw)
	lines := wrap(text, max(w-lw-1, 10), "")
	out := make([]string, len(lines))
	for i, l := range lines {
		head := pad
		if i == 0 {
			head = " " + padRight(label, lw-1)
		}
		out[i] = s.Muted.Render(head) + st.Render(l)
	}
	return out
}

// reasonLines draws one model's verdict: "rbac ✗ no_permission" and its
// sentence, the roles or rules that allowed, and the documentation link.
func reasonLines(s Styles, name string, r *pdp.Reason, w int) []string {
	mark, st := "✗", s.Deny
	if r.Allow {
		mark, st = "✓", s.Allow
	}
	code := oneLine(r.Code)
	lines := []string{" " + s.Bold.Render(padRight(name, 6)) + st.Render(mark+" "+code)}
	body := oneLine(r.Reason)
	if code == "cloud_pdp_not_supporting_abac" {
		body = strings.TrimSpace(body + " The cloud PDP does not evaluate ABAC: attribute rules never allow there. Use a local PDP (or the embedded engine) to test them.")
	}
	if body != "" {
		lines = append(lines, wrapLabeled(s, "", body, w, s.Row)...)
	}
	var grants []string
	for _, ar := range r.AllowingRoles {
		g := "role " + ar.Role
		if ar.Resource != "" {
			g += " on " + ar.Resource
		}
		if ar.Reason != "" {
			g += " (" + ar.Reason + ")"
		}
		for _, src := range ar.Sources {
			g += " via " + src
		}
		grants = append(grants, oneLine(g))
	}
	for _, rule := range r.AllowingRules {
		who := first(rule.UserSet, rule.Role)
		what := first(rule.ResourceSet, rule.ResourceType)
		grants = append(grants, oneLine("rule "+who+" → "+what))
	}
	if len(grants) > 0 {
		lines = append(lines, wrapLabeled(s, "", "allowed by "+strings.Join(grants, "; "), w, s.Allow)...)
	}
	if !r.Allow && (len(r.MatchingUsersets) > 0 || len(r.MatchingResourcesets) > 0) {
		var m []string
		if len(r.MatchingUsersets) > 0 {
			m = append(m, "user sets matched: "+strings.Join(r.MatchingUsersets, ", "))
		}
		if len(r.MatchingResourcesets) > 0 {
			m = append(m, "resource sets matched: "+strings.Join(r.MatchingResourcesets, ", "))
		}
		lines = append(lines, wrapLabeled(s, "", oneLine(strings.Join(m, "; ")), w, s.Muted)...)
	}
	if !r.Allow && r.SupportLink != "" {
		lines = append(lines, wrapLabeled(s, "", oneLine(r.SupportLink), w, s.Dim)...)
	}
	return lines
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func errorText(d pdp.Decision) string {
	if d.Err == nil {
		return "no decision (the target gave no reason)"
	}
	return inApp(d.Err.Error())
}

// errorHint says what to do about the common errors.
func errorHint(d pdp.Decision) string {
	switch {
	case errors.Is(d.Err, errCancelled):
		return "You cancelled this check."
	case pdp.ErrorKindOf(d.Err) == pdp.ErrorAuth:
		return "Check the API key: ctrl+t switches target and asks for a token."
	case pdp.ErrorKindOf(d.Err) == pdp.ErrorNoABAC:
		return "The cloud PDP does not support this (it does not evaluate ABAC)."
	case pdp.ErrorKindOf(d.Err) == pdp.ErrorRateLimited:
		return "The PDP is rate-limiting: wait and re-run (r in the history)."
	}
	return ""
}

var errCancelled = errors.New("cancelled")
