package ui

import (
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/pdp/paired"
)

// maxActions is how many card and warning actions get a key (a, b, c, d).
const maxActions = 4

// keyedAction is an action drawn with a letter key: a card's next step or a
// warning's fix.
type keyedAction struct {
	key    string // "a"…"d"
	action explain.Action
}

// keyedActions lists the explanation's actions in the order they are
// drawn (see parts), each with its letter. The pane and the key handler
// both read this list, so a letter always does what is drawn next to it.
func keyedActions(x *explain.Explanation) []keyedAction {
	if x == nil {
		return nil
	}
	var out []keyedAction
	add := func(a *explain.Action) {
		if a != nil && len(out) < maxActions {
			out = append(out, keyedAction{key: string(rune('a' + len(out))), action: *a})
		}
	}
	p := splitCards(x)
	for _, c := range p.lead {
		add(c.Action)
	}
	for _, w := range x.Warnings {
		add(w.Action)
	}
	for _, c := range append(p.more, p.info...) {
		add(c.Action)
	}
	return out
}

// cardParts splits the cards for drawing: the lead card (the most
// important reason) comes first, with the flips and the warnings right
// after it, because those are what a person reading a denial acts on, and
// a short pane shows only its first lines. The other cards follow, and
// the information cards (a model that played no part) come last.
type cardParts struct{ lead, more, info []explain.Card }

func splitCards(x *explain.Explanation) cardParts {
	var p cardParts
	for _, c := range x.Cards {
		switch {
		case c.Tone == explain.ToneInfo && len(x.Cards) > 1:
			p.info = append(p.info, c)
		case len(p.lead) == 0:
			p.lead = append(p.lead, c)
		default:
			p.more = append(p.more, c)
		}
	}
	return p
}

// explanationLines draws an explanation: the lead card, the flips, the
// warnings, the other cards, the rules with their failing leaves, and the
// attributes' provenance. big puts a blank line between sections when the
// pane has the rows for it.
func explanationLines(s Styles, x *explain.Explanation, w int, big bool) []string {
	return explanationLinesWith(s, x, nil, w, big)
}

// explanationLinesWith is explanationLines for a paired decision's
// snapshot: checked are x's flips as the PDP judged them, drawn in their
// place with each one's verdict (nil: x's flips, verified on the engine).
func explanationLinesWith(s Styles, x *explain.Explanation, checked []paired.CheckedFlip, w int, big bool) []string {
	var lines []string
	blank := func() {
		if big && len(lines) > 0 {
			lines = append(lines, "")
		}
	}
	section := func(title, note string) {
		blank()
		h := " " + s.PaneTitleF.Render(title)
		if note != "" {
			h += s.Dim.Render("  " + note)
		}
		lines = append(lines, truncate(h, w))
	}
	keys := keyedActions(x)
	next := 0 // the next keyed action, as the cards and warnings are drawn in order
	keyFor := func(a *explain.Action) string {
		if a == nil || next >= len(keys) {
			return ""
		}
		next++
		return keys[next-1].key
	}
	cards := func(cs []explain.Card) {
		for _, c := range cs {
			lines = append(lines, cardLines(s, c, x.AllowedBy, keyFor(c.Action), w)...)
		}
	}

	p := splitCards(x)
	cards(p.lead)
	if checked != nil {
		section("Flips to "+s.Allow.Render(pdp.Allow.Word()), "found on the snapshot, each tried on the PDP")
		for i, f := range checked {
			lines = append(lines, checkedFlipLines(s, i, f, w)...)
		}
	} else if len(x.Flips) > 0 {
		section("Flips to "+s.Allow.Render(pdp.Allow.Word()), "single changes, each verified by deciding again")
		for i, f := range x.Flips {
			lines = append(lines, flipLines(s, i, f, w)...)
		}
	}
	if len(x.Warnings) > 0 {
		section("Warnings", "")
		for _, wn := range x.Warnings {
			lines = append(lines, hang("  ", s.Warn.Render("!")+" ", wn.Message, s.Warn, w)...)
			if k := keyFor(wn.Action); k != "" {
				lines = append(lines, actionLine(s, "    ", k, *wn.Action, w))
			}
		}
	}
	if len(p.more) > 0 {
		blank()
		cards(p.more)
	}
	if len(x.Conditions) > 0 {
		section("Rules for "+oneLine(x.Conditions[0].Permission), "first failing condition marked")
		for _, rc := range x.Conditions {
			lines = append(lines, ruleLines(s, rc, w)...)
		}
	}
	if len(p.info) > 0 {
		blank()
		cards(p.info)
	}
	if len(x.Provenance) > 0 {
		section("Attributes", "where each value came from")
		for _, pr := range x.Provenance {
			lines = append(lines, provenanceLines(s, pr, w)...)
		}
	}
	return lines
}

// toneMark is a card's symbol and style. The symbols differ as well as the
// colours, so that cards read without colour: ✓ allow, ✗ deny, ! error, ·
// information.
func toneMark(s Styles, t explain.Tone) (string, stylish) {
	switch t {
	case explain.ToneAllow:
		return "✓", s.Allow
	case explain.ToneDeny:
		return "✗", s.Deny
	case explain.ToneError:
		return "!", s.Error
	}
	return "·", s.Info
}

// stylish is what the drawing helpers need of a lipgloss.Style.
type stylish interface{ Render(...string) string }

// cardLines draws one card: the symbol and title with its models and code,
// the sentence, the details, the keyed action and the documentation link.
func cardLines(s Styles, c explain.Card, grants []explain.Grant, key string, w int) []string {
	mark, st := toneMark(s, c.Tone)
	tag := strings.TrimSpace(strings.Join(c.Models, ", ") + " · " + c.Code)
	tag = strings.TrimPrefix(tag, "· ")
	lines := []string{truncate(" "+st.Render(mark+" "+oneLine(c.Title))+s.Dim.Render("  "+oneLine(tag)), w)}
	lines = append(lines, hang("   ", "", inApp(c.Sentence), s.Row, w)...)
	for _, d := range c.Details {
		lines = append(lines, hang("   ", s.Dim.Render("· "), inApp(d), s.Muted, w)...)
	}
	if c.Tone == explain.ToneAllow {
		// A derived role is explained by its chain of relations: draw them
		// all, the card's sentence names only the first.
		for _, g := range grants {
			if len(c.Models) == 0 || g.Model != c.Models[0] || g.Direct {
				continue
			}
			for _, ch := range g.Chains {
				lines = append(lines, hang("   ", s.Dim.Render("via "), ch, s.Muted, w)...)
			}
		}
	}
	if key != "" && c.Action != nil {
		lines = append(lines, actionLine(s, "   ", key, *c.Action, w))
	}
	if c.Link != "" {
		lines = append(lines, truncate("   "+s.Dim.Render(oneLine(c.Link)), w))
	}
	return lines
}

// actionLine is "a  retry in awesome_inc", with what the key does when it
// does not simply edit the check and re-run.
func actionLine(s Styles, indent, key string, a explain.Action, w int) string {
	note := ""
	switch a.Kind {
	case explain.AssignRole:
		note = "  (shows the policy change)"
	case explain.SwitchTarget:
		note = "  (opens the target switcher)"
	case explain.SetToken:
		note = "  (asks for the key)"
	case explain.RetryLater:
		note = ""
	default:
		if a.EditsCheck() {
			note = "  (edits the check and re-runs)"
		}
	}
	return truncate(indent+s.KeyCap.Render(key)+" "+s.Bold.Render(oneLine(a.Label))+s.Dim.Render(note), w)
}

// flipLines draws flip i: its number key and its summary. Every flip's
// outcome is ALLOW (the finder keeps only those), which the heading says
// once. A role is a change to the environment: its key explains it.
func flipLines(s Styles, i int, f explain.Flip, w int) []string {
	text := f.Summary
	if f.Cost == explain.CostRole {
		text += " — a policy change"
	}
	return hang("  ", s.KeyCap.Render(itoa(i+1))+" ", text, s.Row, w)
}

// ruleLines draws one rule: whether it holds, then its user set and its
// resource set; a set that fails with its condition tree and its first
// failing leaf marked, with expected and actual values and their types.
func ruleLines(s Styles, rc explain.RuleCondition, w int) []string {
	lines := []string{truncate("  "+mark(s, rc.Holds)+" "+s.Bold.Render(rc.UserSet.Title()+" → "+rc.ResourceSet.Title()), w)}
	for _, side := range []struct {
		what string
		sc   explain.SetCondition
	}{{"user set", rc.UserSet}, {"resource set", rc.ResourceSet}} {
		head := "    " + mark(s, side.sc.Holds) + " " + s.Muted.Render(side.what+" ") + oneLine(side.sc.Title())
		if side.sc.Implicit {
			head += s.Dim.Render(" · generated")
		}
		lines = append(lines, truncate(head, w))
		if side.sc.Holds {
			// A set that holds is not why the rule failed: its tree is in
			// the trace below, and here it would push the failing leaf
			// out of a short pane.
			continue
		}
		var failing *pdp.CondTrace
		if side.sc.Failing != nil {
			failing = side.sc.Failing.Node
		}
		lines = append(lines, treeLines(s, side.sc.Tree, failing, side.sc.Failing, "      ", w)...)
	}
	return lines
}

// treeLines draws a condition tree, one node a line. The root allOf is
// implied by its set, so its children are drawn at the top. The failing
// leaf is drawn with the explanation's sentence (which has the types when
// they differ), highlighted, and pointed at in words for NO_COLOR.
func treeLines(s Styles, root, failing *pdp.CondTrace, l *explain.Leaf, indent string, w int) []string {
	if root == nil {
		return nil
	}
	var out []string
	var walk func(n *pdp.CondTrace, pad string)
	walk = func(n *pdp.CondTrace, pad string) {
		if n.Kind == "leaf" || n.Kind == "" {
			if n == failing && l != nil {
				out = append(out, hang(pad, mark(s, n.Result)+" ", l.Sentence+"  ◀ first failing", s.FailLeaf, w)...)
				return
			}
			out = append(out, hang(pad, mark(s, n.Result)+" ", explain.LeafSentence(n, false), s.Muted, w)...)
			return
		}
		word := map[string]string{"allOf": "all of", "anyOf": "any of", "not": "none of"}[n.Kind]
		if word == "" {
			word = oneLine(n.Kind)
		}
		out = append(out, truncate(pad+mark(s, n.Result)+" "+s.Muted.Render(word), w))
		for _, ch := range n.Children {
			walk(ch, pad+"  ")
		}
	}
	if root.Kind == "allOf" {
		for _, ch := range root.Children {
			walk(ch, indent)
		}
	} else {
		walk(root, indent)
	}
	return out
}

// provenanceLines: "user.location = England  jit, over stored France (user
// bob@acme.io) · read by england_engineers", the value in its type's colour.
func provenanceLines(s Styles, p explain.Provenance, w int) []string {
	head := "  " + oneLine(p.Attribute)
	if p.Origin != explain.FromMissing {
		head += s.Dim.Render(" = ") + s.Value(p.Value).Render(oneLine(pdp.FormatValue(p.Value)))
	}
	var rest []string
	origin := string(p.Origin)
	if p.On != "" {
		origin += " on " + p.On
	}
	rest = append(rest, origin)
	for _, l := range p.Overrode {
		o := "over " + string(l.Origin) + " " + pdp.FormatValue(l.Value)
		if l.On != "" {
			o += " (" + l.On + ")"
		}
		rest = append(rest, o)
	}
	if len(p.UsedBy) > 0 {
		rest = append(rest, "read by "+strings.Join(p.UsedBy, ", "))
	}
	if p.Note != "" {
		rest = append(rest, p.Note)
	}
	st := s.Muted
	if p.Origin == explain.FromMissing {
		st = s.Warn
	}
	tail := strings.Join(rest, " · ")
	if width(head)+2+width(tail) <= w {
		return []string{head + "  " + st.Render(tail)}
	}
	lines := []string{truncate(head, w)}
	return append(lines, hang("    ", "", tail, st, w)...)
}

func mark(s Styles, ok bool) string {
	if ok {
		return s.Allow.Render("✓")
	}
	return s.Deny.Render("✗")
}

// hang wraps text to the pane under a lead (a mark, a key) and an indent:
// the first line starts with indent and lead, the next ones line up under
// the text. text is cleaned (wrap cleans it) and drawn in st.
func hang(indent, lead, text string, st stylish, w int) []string {
	lw := width(indent) + width(lead)
	parts := wrap(text, max(w-lw-1, 10), "")
	out := make([]string, len(parts))
	pad := strings.Repeat(" ", lw)
	for i, p := range parts {
		head := pad
		if i == 0 {
			head = indent + lead
		}
		out[i] = head + st.Render(p)
	}
	return out
}
