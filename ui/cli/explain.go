package cli

import (
	"fmt"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/explain"
)

// jsonReport is what pdpx check --json prints: the decision's report, its
// explanation, and the flips at the top level where scripts look for them.
type jsonReport struct {
	pdp.Report
	Explanation explain.Explanation `json:"explanation"`
	Flips       []explain.Flip      `json:"flips,omitempty"`
	// Snapshot is the decision of the same check on the snapshot a remote
	// target is paired with, and how it compares.
	Snapshot *snapshotReport `json:"snapshot,omitempty"`
}

func newJSONReport(c pdp.Check, d pdp.Decision, e *engine.Engine) jsonReport {
	x := explain.Explain(d, c, e)
	r := jsonReport{Report: pdp.NewReport(d), Explanation: x, Flips: x.Flips}
	// Once is enough: the flips are at the top level.
	r.Explanation.Flips = nil
	return r
}

// explanation prints --explain: the cards, the rules with their failing
// conditions, the flips, the warnings, where the attributes came from and
// the roles on the instance.
func (p *printer) explanation(x explain.Explanation, d pdp.Decision) {
	for _, c := range x.Cards {
		if c.Tone == explain.ToneError && c.Sentence == pdp.Clean(d.ErrorText()) {
			c.Sentence = "" // the summary line said it already
		}
		p.card(c)
	}
	p.conditions(x.Conditions)
	if len(x.Flips) > 0 {
		p.linef("  %s %s", p.key.Render("flips"), p.dim.Render("· each verified by deciding again"))
		for i, f := range x.Flips {
			p.linef("    %d. %s → %s", i+1, f.Summary, p.outcome(f.Outcome))
			if h := flagHint(f.Action); h != "" {
				p.linef("       %s", p.dim.Render(h))
			}
		}
	}
	if len(x.Warnings) > 0 {
		p.linef("  %s", p.key.Render("warnings"))
		for _, w := range x.Warnings {
			p.linef("    %s %s", p.bad.Render("!"), w.Message)
		}
	}
	if len(x.Provenance) > 0 {
		p.linef("  %s", p.key.Render("attributes"))
		for _, pr := range x.Provenance {
			p.linef("    %s", provenanceLine(pr))
		}
	}
	if d.Trace != nil && len(d.Trace.InstanceRoles) > 0 {
		p.linef("  %s", p.key.Render("roles on the instance"))
		for _, r := range d.Trace.InstanceRoles {
			how := "direct"
			if !r.Direct {
				how = strings.Join(r.Chains, "; ")
			}
			note := ""
			if r.Suppressed {
				note = p.dim.Render(" · not applied: a direct role on the object suppresses this derivation")
			}
			p.linef("    %s %s on %s via %s%s", p.mark(r.Grants), pdp.Clean(r.Role), pdp.Clean(r.Resource), pdp.Clean(how), note)
		}
	}
}

func (p *printer) card(c explain.Card) {
	var mark string
	switch c.Tone {
	case explain.ToneAllow:
		mark = p.ok.Render("✓")
	case explain.ToneDeny:
		mark = p.no.Render("✗")
	case explain.ToneError:
		mark = p.bad.Render("!")
	default:
		mark = p.dim.Render("·")
	}
	p.linef("  %s %s %s", mark, p.key.Render(c.Title), p.dim.Render("· "+strings.TrimSpace(strings.Join(c.Models, ", ")+" "+c.Code)))
	if c.Sentence != "" {
		p.linef("      %s", c.Sentence)
	}
	for _, d := range c.Details {
		p.linef("      %s", d)
	}
	if c.Action != nil {
		line := "→ " + c.Action.Label
		if c.Action.Kind == explain.SwitchTarget {
			// The explorer's switcher; on the command line, the flags.
			line = "→ try another target: --pdp URL, --cloud or --policy FILE"
		}
		if h := flagHint(*c.Action); h != "" {
			line += " (" + h + ")"
		}
		p.linef("      %s", line)
	}
	if c.Link != "" {
		p.linef("      %s", p.dim.Render(c.Link))
	}
}

// conditions prints each rule with its two sets' trees, marking the first
// failing leaf of each set.
func (p *printer) conditions(rules []explain.RuleCondition) {
	if len(rules) == 0 {
		return
	}
	p.linef("  %s %s", p.key.Render("rules for"), pdp.Clean(rules[0].Permission))
	for _, r := range rules {
		p.linef("    %s %s → %s", p.mark(r.Holds), r.UserSet.Title(), r.ResourceSet.Title())
		for _, s := range []struct {
			what string
			sc   explain.SetCondition
		}{{"user set", r.UserSet}, {"resource set", r.ResourceSet}} {
			gen := ""
			if s.sc.Implicit {
				gen = p.dim.Render(" · generated")
			}
			p.linef("      %s %s %s%s", p.mark(s.sc.Holds), s.what, s.sc.Title(), gen)
			var failing *pdp.CondTrace
			if s.sc.Failing != nil {
				failing = s.sc.Failing.Node
			}
			p.tree(s.sc.Tree, failing, s.sc.Failing, 8)
		}
	}
}

func (p *printer) tree(n, failing *pdp.CondTrace, l *explain.Leaf, indent int) {
	if n == nil {
		return
	}
	pad := strings.Repeat(" ", indent)
	if n.Kind == "leaf" {
		if n == failing {
			p.linef("%s%s %s %s", pad, p.mark(n.Result), l.Sentence, p.bad.Render("◀ first failing"))
			return
		}
		p.linef("%s%s %s", pad, p.mark(n.Result), explain.LeafSentence(n, false))
		return
	}
	label := map[string]string{"allOf": "all of", "anyOf": "any of", "not": "none of"}[n.Kind]
	if label == "" {
		label = pdp.Clean(n.Kind)
	}
	p.linef("%s%s %s", pad, p.mark(n.Result), label)
	for _, ch := range n.Children {
		p.tree(ch, failing, l, indent+2)
	}
}

// provenanceLine: user.location = England · jit, over stored France (user bob@acme.io) · read by england_engineers
func provenanceLine(pr explain.Provenance) string {
	s := pr.Attribute
	if pr.Origin != explain.FromMissing {
		s += " = " + value(pr.Value)
	}
	s += " · " + string(pr.Origin)
	if pr.On != "" {
		s += " on " + pr.On
	}
	for _, l := range pr.Overrode {
		s += ", over " + string(l.Origin) + " " + value(l.Value)
		if l.On != "" {
			s += " (" + l.On + ")"
		}
	}
	if len(pr.UsedBy) > 0 {
		s += " · read by " + strings.Join(pr.UsedBy, ", ")
	}
	if pr.Note != "" {
		s += " · " + pr.Note
	}
	return s
}

func value(v any) string { return pdp.Clean(pdp.FormatValue(v)) }

// flagHint is the pdpx check flag that applies an action, when one does:
// --tenant awesome_inc, --resource-attr 'hasApproval="true"'.
func flagHint(a explain.Action) string {
	switch a.Kind {
	case explain.RetryInTenant:
		return "--tenant " + shellQuote(fmt.Sprint(a.Value))
	case explain.SetAttribute:
		for _, f := range []struct{ prefix, flag string }{
			{"user.attributes.", "--user-attr"},
			{"resource.attributes.", "--resource-attr"},
			{"tenant.attributes.", "--tenant-attr"},
			{"context.", "--context"},
		} {
			if k, ok := strings.CutPrefix(a.Field, f.prefix); ok {
				return f.flag + " " + shellQuote(k+"="+pdp.FormatValue(a.Value))
			}
		}
	case explain.RaiseTimeout:
		return "--timeout"
	case explain.SetToken:
		return "--token or PERMIT_API_KEY"
	}
	return ""
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	s = pdp.Clean(s)
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.=@:/,+", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// typoHint prints, under a plain DENY, the one card that says a name in the
// check does not exist (a misspelt type, action or tenant), with its
// did-you-mean: a denial for a typo should not need --explain to be seen.
func (p *printer) typoHint(x explain.Explanation) {
	for _, c := range x.Cards {
		switch c.Code {
		case "no_such_resource", "no_such_action", "no_such_tenant":
			p.linef("  %s %s %s", p.no.Render("✗"), c.Sentence, p.dim.Render("(--explain says more)"))
			return
		}
	}
}
