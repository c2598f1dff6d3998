package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/pdpx/pdpx/pdp"
)

// printer writes decisions for people. Styles use the 16 ANSI colours so
// they follow the terminal's own theme; colour is dropped by lipgloss when
// the output is not a terminal or NO_COLOR is set.
type printer struct {
	w   io.Writer
	b   strings.Builder
	ok  lipgloss.Style
	no  lipgloss.Style
	bad lipgloss.Style
	dim lipgloss.Style
	key lipgloss.Style
}

func newPrinter(w io.Writer) *printer {
	return &printer{
		w:   w,
		ok:  lipgloss.NewStyle().Foreground(lipgloss.Green).Bold(true),
		no:  lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true),
		bad: lipgloss.NewStyle().Foreground(lipgloss.Yellow).Bold(true),
		dim: lipgloss.NewStyle().Faint(true),
		key: lipgloss.NewStyle().Bold(true),
	}
}

func (p *printer) flush() error {
	_, err := lipgloss.Fprint(p.w, p.b.String())
	return err
}

func (p *printer) linef(format string, args ...any) {
	fmt.Fprintf(&p.b, format, args...)
	p.b.WriteByte('\n')
}

func (p *printer) outcome(o pdp.Outcome) string {
	switch o {
	case pdp.Allow:
		return p.ok.Render(o.Word())
	case pdp.Deny:
		return p.no.Render(o.Word())
	default:
		return p.bad.Render(o.Word())
	}
}

// summary is the one line: ALLOW john@smith.com create document @default · embedded · 12µs
func (p *printer) summary(c pdp.Check, d pdp.Decision) {
	meta := []string{pdp.Clean(d.Target), FormatLatency(d.Latency)}
	if d.Status != 0 {
		meta = append(meta, fmt.Sprintf("HTTP %d", d.Status))
	}
	p.linef("%s %s %s", p.outcome(d.Outcome), pdp.Clean(c.String()), p.dim.Render("· "+strings.Join(meta, " · ")))
	if d.Outcome == pdp.Error && d.Err != nil {
		p.linef("  %s", pdp.Clean(d.Err.Error()))
	}
}

// explain adds the reasons (Permit's debug blocks) and the engine's trace.
func (p *printer) explain(d pdp.Decision) {
	if d.Debug == nil {
		if d.Outcome != pdp.Error {
			p.linef("  %s", p.dim.Render("no reasons: the PDP sent no debug object (start Permit's PDP with PDP_DEBUG=true)"))
		}
		return
	}
	for _, b := range []struct {
		name string
		r    *pdp.Reason
	}{{"rbac", d.Debug.RBAC}, {"abac", d.Debug.ABAC}, {"rebac", d.Debug.ReBAC}} {
		if b.r == nil {
			continue
		}
		verdict := p.no.Render("✗")
		if b.r.Allow {
			verdict = p.ok.Render("✓")
		}
		p.linef("  %s %-5s %s", verdict, p.key.Render(b.name), p.key.Render(pdp.Clean(b.r.Code)))
		if b.r.Reason != "" {
			p.linef("          %s", pdp.Clean(b.r.Reason))
		}
		if !b.r.Allow && b.r.SupportLink != "" {
			p.linef("          %s", p.dim.Render(pdp.Clean(b.r.SupportLink)))
		}
	}
	if t := d.Trace; t != nil {
		p.trace(t)
	}
}

func (p *printer) mark(ok bool) string {
	if ok {
		return p.ok.Render("✓")
	}
	return p.no.Render("✗")
}

func (p *printer) trace(t *pdp.Trace) {
	if len(t.Roles) > 0 {
		p.linef("  %s %s", p.key.Render("tenant roles"), strings.Join(t.Roles, ", "))
	}
	if len(t.Rules) > 0 {
		p.linef("  %s", p.key.Render("rules for this action"))
		for _, r := range t.Rules {
			p.linef("    %s %s may %s on %s", p.mark(r.UserOK && r.ResourceOK), r.UserSet, r.Permission, r.ResourceSet)
		}
	}
	for _, group := range []struct {
		title string
		sets  []pdp.SetTrace
	}{{"user sets", t.UserSets}, {"resource sets", t.ResourceSets}} {
		if len(group.sets) == 0 {
			continue
		}
		p.linef("  %s", p.key.Render(group.title))
		for _, s := range group.sets {
			name := s.Key
			if s.Name != "" && s.Name != s.Key {
				name = fmt.Sprintf("%s (%s)", s.Name, s.Key)
			}
			if s.Implicit {
				name += p.dim.Render(" · generated")
			}
			p.linef("    %s %s", p.mark(s.Result), name)
			if s.Condition != nil {
				p.cond(s.Condition, 6)
			}
		}
	}
	if len(t.InstanceRoles) > 0 {
		p.linef("  %s", p.key.Render("roles on the instance"))
		for _, r := range t.InstanceRoles {
			how := "direct"
			if !r.Direct {
				how = strings.Join(r.Chains, "; ")
			}
			note := ""
			if r.Suppressed {
				note = p.dim.Render(" · not applied: a direct role on the object suppresses this derivation")
			}
			p.linef("    %s %s on %s via %s%s", p.mark(r.Grants), r.Role, r.Resource, how, note)
		}
	}
}

func (p *printer) cond(c *pdp.CondTrace, indent int) {
	pad := strings.Repeat(" ", indent)
	switch c.Kind {
	case "leaf":
		p.linef("%s%s %s", pad, p.mark(c.Result), LeafSentence(c))
	default:
		label := map[string]string{"allOf": "all of", "anyOf": "any of", "not": "none of"}[c.Kind]
		if label == "" {
			label = c.Kind
		}
		p.linef("%s%s %s", pad, p.mark(c.Result), label)
		for _, ch := range c.Children {
			p.cond(ch, indent+2)
		}
	}
}

// LeafSentence says what a condition leaf compared, with types when they
// differ: resource.hasApproval equals "true" (string) — got true (bool).
func LeafSentence(c *pdp.CondTrace) string {
	want := pdp.FormatValue(c.Expected)
	if c.Ref != "" {
		want = c.Ref
	}
	s := fmt.Sprintf("%s %s %s", c.Path, c.Operator, want)
	if c.Missing {
		return s + " — missing"
	}
	got := pdp.FormatValue(c.Actual)
	if c.Ref == "" && pdp.TypeName(c.Actual) != pdp.TypeName(c.Expected) {
		return fmt.Sprintf("%s (%s) — got %s (%s)", s, pdp.TypeName(c.Expected), got, pdp.TypeName(c.Actual))
	}
	return s + " — got " + got
}

// FormatLatency writes a latency the way people read it: 12µs, 3.4ms, 1.2s.
func FormatLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "0µs"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}
