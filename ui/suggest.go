package ui

import (
	"context"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp/policy"
)

const maxMatches = 50

// policyCandidates lists what the embedded policy knows for field i. typ is
// the resource type in the form, which narrows actions, keys and resource
// attributes.
func policyCandidates(p *policy.Policy, i field, typ string) []suggestion {
	if p == nil {
		return nil
	}
	var out []suggestion
	add := func(v, note string) { out = append(out, suggestion{v, note}) }
	switch i {
	case fUser:
		for _, k := range sortedKeys(p.Users) {
			u := p.Users[k]
			add(k, strings.TrimSpace(u.FirstName+" "+u.LastName))
		}
	case fAction:
		if r := p.Resources[typ]; r != nil {
			for _, a := range r.Actions {
				add(a, typ)
			}
			break
		}
		seen := map[string][]string{}
		for _, t := range sortedKeys(p.Resources) {
			for _, a := range p.Resources[t].Actions {
				seen[a] = append(seen[a], t)
			}
		}
		for _, a := range sortedKeys(seen) {
			add(a, strings.Join(seen[a], ", "))
		}
	case fType:
		for _, t := range sortedKeys(p.Resources) {
			add(t, p.Resources[t].Name)
		}
	case fKey:
		for _, ref := range sortedKeys(p.ResourceInstances) {
			t, k, ok := strings.Cut(ref, ":")
			if ok && (typ == "" || t == typ) {
				note := p.ResourceInstances[ref].Tenant
				if typ == "" {
					note = t + " " + note
				}
				add(k, strings.TrimSpace(note))
			}
		}
	case fTenant:
		for _, t := range tenants(p) {
			add(t, "")
		}
	case fUserAttrs, fResAttrs, fTenantAttrs, fContext:
		names := attrNames(p, i, typ)
		for _, n := range sortedKeys(names) {
			add(n, names[n])
		}
	}
	return out
}

// tenants lists tenants declared or used in role assignments.
func tenants(p *policy.Policy) []string {
	seen := map[string]bool{}
	for t := range p.Tenants {
		seen[t] = true
	}
	for _, u := range p.Users {
		for _, r := range u.Roles {
			if r.Tenant != "" {
				seen[r.Tenant] = true
			}
		}
		for _, t := range u.Tenants {
			seen[t] = true
		}
	}
	return sortedKeys(seen)
}

// attrNames gathers attribute names for an attribute field, with a note
// (the schema type, or where the name was seen).
func attrNames(p *policy.Policy, i field, typ string) map[string]string {
	prefix := map[field]string{fUserAttrs: "user.", fResAttrs: "resource.", fTenantAttrs: "tenant.", fContext: "context."}[i]
	names := map[string]string{}
	put := func(n, note string) {
		if n == "" {
			return
		}
		if _, ok := names[n]; !ok || names[n] == "" {
			names[n] = note
		}
	}
	var walk func(c *policy.Condition)
	walk = func(c *policy.Condition) {
		if c == nil {
			return
		}
		for _, path := range []string{c.Path, c.Ref} {
			if n, ok := strings.CutPrefix(path, prefix); ok {
				put(n, "in a condition")
			}
		}
		for _, cs := range [][]*policy.Condition{c.AllOf, c.AnyOf, c.Not} {
			for _, ch := range cs {
				walk(ch)
			}
		}
	}
	for _, us := range p.UserSets {
		walk(us.Conditions)
	}
	for _, rs := range p.ResourceSets {
		if i != fResAttrs || typ == "" || rs.Resource == typ {
			walk(rs.Conditions)
		}
	}
	switch i {
	case fUserAttrs:
		for _, u := range p.Users {
			for k, v := range u.Attributes {
				put(k, typeNote(v))
			}
		}
	case fResAttrs:
		for t, r := range p.Resources {
			if typ == "" || t == typ {
				for k, v := range r.Attributes {
					names[k] = v // the schema's type wins over any other note
				}
			}
		}
		for ref, inst := range p.ResourceInstances {
			if typ == "" || strings.HasPrefix(ref, typ+":") {
				for k, v := range inst.Attributes {
					put(k, typeNote(v))
				}
			}
		}
	case fTenantAttrs:
		for _, t := range p.Tenants {
			for k, v := range t.Attributes {
				put(k, typeNote(v))
			}
		}
	}
	return names
}

func typeNote(v any) string {
	switch v.(type) {
	case nil:
		return ""
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case bool:
		return "bool"
	case string:
		return "string"
	default:
		return "number"
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// setCandidates replaces a field's candidates and refreshes the popup.
func (f *formModel) setCandidates(i field, c []suggestion) {
	f.cands[i] = c
	if i == f.focus {
		f.refreshMatches(f.popup)
	}
}

// attrToken splits an attribute field's text into the part before the pair
// being typed and that pair's name, when the cursor is still in the name.
func attrToken(s string) (head, name string, ok bool) {
	cut := strings.LastIndexAny(s, " ,\t")
	head, name = s[:cut+1], s[cut+1:]
	if strings.ContainsAny(name, "=\"[{") {
		return "", "", false
	}
	return head, name, true
}

// refreshMatches recomputes the popup's matches for the focused field.
// Prefix matches come first, then other substring matches; an exact match
// alone is not worth a popup. With openEmpty, an empty field lists all.
func (f *formModel) refreshMatches(openEmpty bool) {
	i := f.focus
	text := f.value(i)
	if i.isAttr() {
		_, name, ok := attrToken(text)
		if !ok {
			f.matches, f.popup = nil, false
			return
		}
		text = name
	}
	q := strings.ToLower(strings.TrimSpace(text))
	var pre, sub []suggestion
	for _, c := range f.cands[i] {
		lv := strings.ToLower(c.value)
		switch {
		case q == "":
			pre = append(pre, c)
		case lv == q:
		case strings.HasPrefix(lv, q):
			pre = append(pre, c)
		case strings.Contains(lv, q):
			sub = append(sub, c)
		}
	}
	f.matches = append(pre, sub...)
	if len(f.matches) > maxMatches {
		f.matches = f.matches[:maxMatches]
	}
	f.sel = min(f.sel, max(len(f.matches)-1, 0))
	f.popup = len(f.matches) > 0 && (q != "" || openEmpty)
}

// accept puts the selected suggestion in the field.
func (f *formModel) accept() {
	if !f.popup || f.sel >= len(f.matches) {
		return
	}
	v := f.matches[f.sel].value
	if f.focus.isAttr() {
		head, _, _ := attrToken(f.value(f.focus))
		v = head + v + "="
	}
	f.setValue(f.focus, v)
	f.popup, f.matches, f.sel = false, nil, 0
}

func (f *formModel) moveSel(d int) {
	if n := len(f.matches); n > 0 {
		f.sel = (f.sel + d + n) % n
	}
}

// valuesMsg carries suggestions for field from past checks, read for the
// target of generation gen.
type valuesMsg struct {
	gen    int
	field  field
	values []suggestion
}

// candidatesCmd refreshes the focused field's suggestions: from the policy
// for an embedded target (in memory, so at once), from past checks in the
// history for a remote one (in a Cmd, as the history may be on disk).
func (m *Model) candidatesCmd() tea.Cmd {
	f := m.form.focus
	if m.cur.pol != nil {
		typ, _ := m.form.resource()
		m.form.setCandidates(f, policyCandidates(m.cur.pol, f, typ))
		return nil
	}
	store, gen := m.opts.History, m.cur.gen
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		vs, err := store.Values(ctx, f.historyField(), 200)
		if err != nil {
			return nil
		}
		out := make([]suggestion, len(vs))
		for i, v := range vs {
			out[i] = suggestion{value: v, note: "used before"}
		}
		return valuesMsg{gen: gen, field: f, values: out}
	}
}
