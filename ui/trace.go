package ui

import (
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

// traceLines draws the embedded engine's trace: each user and resource set
// with its condition tree (✓/✗ per condition and the actual value, or
// "missing"), the rules for this permission, and the instance roles.
func traceLines(s Styles, t *pdp.Trace, w int) []string {
	lines := []string{" " + s.PaneTitleF.Render("Trace")}
	mark := func(ok bool) string {
		if ok {
			return s.Allow.Render("✓")
		}
		return s.Deny.Render("✗")
	}
	heading := func(h string) { lines = append(lines, " "+s.Bold.Render(h)) }

	if len(t.Roles) > 0 {
		lines = append(lines, " "+s.Bold.Render("roles in tenant ")+s.Row.Render(oneLine(strings.Join(t.Roles, ", "))))
	}
	for _, group := range []struct {
		name string
		sets []pdp.SetTrace
	}{{"user sets", t.UserSets}, {"resource sets", t.ResourceSets}} {
		if len(group.sets) == 0 {
			continue
		}
		heading(group.name)
		for _, st := range group.sets {
			name := oneLine(st.Key)
			if st.Name != "" && st.Name != st.Key {
				name = oneLine(st.Name) + s.Dim.Render(" ("+oneLine(st.Key)+")")
			}
			if st.Implicit {
				name += s.Dim.Render(" implicit")
			}
			lines = append(lines, truncate("  "+mark(st.Result)+" "+name, w))
			if st.Condition != nil {
				lines = append(lines, condLines(s, st.Condition, "    ", w, mark)...)
			}
		}
	}
	if len(t.Rules) > 0 {
		heading("rules")
		for _, r := range t.Rules {
			ok := r.UserOK && r.ResourceOK
			txt := oneLine(r.UserSet) + s.Dim.Render(" ─ ") + oneLine(r.Permission) + s.Dim.Render(" ─ ") + oneLine(r.ResourceSet)
			detail := s.Dim.Render("  user ") + mark(r.UserOK) + s.Dim.Render(" resource ") + mark(r.ResourceOK)
			lines = append(lines, truncate("  "+mark(ok)+" "+txt+detail, w))
		}
	}
	if len(t.InstanceRoles) > 0 {
		heading("instance roles")
		for _, r := range t.InstanceRoles {
			how := "derived"
			if r.Direct {
				how = "direct"
			}
			note := how
			switch {
			case r.Suppressed:
				note += ", not applied: a direct role exists (no_direct_roles_on_object)"
			case r.Grants:
				note += ", grants the action"
			default:
				note += ", does not grant the action"
			}
			lines = append(lines, truncate("  "+mark(r.Grants && !r.Suppressed)+" "+oneLine(r.Role+" on "+r.Resource)+s.Dim.Render(" · "+note), w))
			for _, c := range r.Chains {
				lines = append(lines, wrapLabeled(s, "", "    "+oneLine(c), w, s.Muted)...)
			}
		}
	}
	return lines
}

// condLines draws a condition tree with box-drawing branches. A root allOf
// is implied by its set, so its children are drawn directly.
func condLines(s Styles, c *pdp.CondTrace, indent string, w int, mark func(bool) string) []string {
	var out []string
	var walk func(c *pdp.CondTrace, prefix string, last bool, root bool)
	walk = func(c *pdp.CondTrace, prefix string, last bool, root bool) {
		branch, next := "├ ", "│ "
		if last {
			branch, next = "└ ", "  "
		}
		if root {
			branch, next = "", ""
		}
		if c.Kind == "leaf" || c.Kind == "" {
			out = append(out, truncate(indent+prefix+s.Dim.Render(branch)+mark(c.Result)+" "+leafText(s, c), w))
			return
		}
		if !root || c.Kind != "allOf" {
			word := map[string]string{"allOf": "all of", "anyOf": "any of", "not": "none of"}[c.Kind]
			if word == "" {
				word = oneLine(c.Kind)
			}
			out = append(out, truncate(indent+prefix+s.Dim.Render(branch)+mark(c.Result)+" "+s.Muted.Render(word), w))
			prefix += next
		}
		for i, ch := range c.Children {
			walk(ch, prefix, i == len(c.Children)-1, false)
		}
	}
	walk(c, "", true, true)
	return out
}

// leafText is "user.location equals "England"  actual "France"".
func leafText(s Styles, c *pdp.CondTrace) string {
	want := s.Value(c.Expected).Render(oneLine(pdp.FormatValue(c.Expected)))
	if c.Ref != "" {
		want = s.Muted.Render("ref ") + oneLine(c.Ref)
	}
	got := s.Dim.Render("  actual ") + s.Value(c.Actual).Render(oneLine(pdp.FormatValue(c.Actual)))
	if c.Missing {
		got = s.Dim.Render("  ") + s.Warn.Render("missing")
	}
	return oneLine(c.Path) + " " + s.Muted.Render(oneLine(c.Operator)) + " " + want + got
}
