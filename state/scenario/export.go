package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// FromEntries turns history entries (the explorer's pins) into a scenario
// file that expects what each entry got: the outcome, and for a denial the
// code of the first model that gave one, so the file fails when the reason
// changes too. Entries are written oldest first, as they were made. The
// result parses with Parse and gives back the same checks.
func FromEntries(title string, entries []state.Entry) []byte {
	es := append([]state.Entry(nil), entries...)
	sort.SliceStable(es, func(i, j int) bool { return es[i].ID < es[j].ID })
	f := &File{Title: title}
	used := map[string]int{}
	for _, e := range es {
		c := Case{Check: e.Check, Expect: e.Decision.Outcome}
		if e.Decision.Outcome == pdp.Deny {
			if codes := Codes(e.Decision); len(codes) > 0 {
				c.ExpectCode = strings.SplitN(codes[0], ":", 2)[1]
			}
		}
		c.Name = e.Check.String()
		if e.Note != "" {
			c.Narration = e.Note
		}
		used[c.Name]++
		if n := used[c.Name]; n > 1 {
			c.Name = fmt.Sprintf("%s (%d)", c.Name, n)
		}
		f.Cases = append(f.Cases, c)
	}
	return Encode(f)
}

// Encode writes f as a scenario file. Every check carries its tenant
// explicitly (null for none), so the file means the same whatever default a
// reader assumes.
func Encode(f *File) []byte {
	var b bytes.Buffer
	b.WriteString("# pdpx scenario file: run it with `pdpx test FILE`, show it with `pdpx present FILE`.\n")
	b.WriteString("version: 1\n")
	if f.Title != "" {
		fmt.Fprintf(&b, "title: %s\n", yamlString(f.Title))
	}
	b.WriteString("checks:\n")
	for _, c := range f.Cases {
		fmt.Fprintf(&b, "  - name: %s\n", yamlString(c.Name))
		u := c.Check.User
		if u.FirstName == "" && u.LastName == "" && u.Email == "" && len(u.Attributes) == 0 {
			fmt.Fprintf(&b, "    user: %s\n", yamlString(u.Key))
		} else {
			fmt.Fprintf(&b, "    user: %s\n", flow(userMap(u)))
		}
		fmt.Fprintf(&b, "    action: %s\n", yamlString(c.Check.Action))
		r := c.Check.Resource
		// The short "type:key" form only when it reads back the same.
		if len(r.Attributes) == 0 && len(r.Context) == 0 && !strings.Contains(r.Type+r.Key, ":") {
			fmt.Fprintf(&b, "    resource: %s\n", yamlString(r.Ref()))
		} else {
			m := map[string]any{"type": r.Type}
			if r.Key != "" {
				m["key"] = r.Key
			}
			if len(r.Attributes) > 0 {
				m["attributes"] = r.Attributes
			}
			if len(r.Context) > 0 {
				m["context"] = r.Context
			}
			fmt.Fprintf(&b, "    resource: %s\n", flow(m))
		}
		if r.Tenant == "" {
			b.WriteString("    tenant: null\n")
		} else {
			fmt.Fprintf(&b, "    tenant: %s\n", yamlString(r.Tenant))
		}
		if len(c.Check.TenantAttributes) > 0 {
			fmt.Fprintf(&b, "    tenant_attributes: %s\n", flow(c.Check.TenantAttributes))
		}
		if len(c.Check.Context) > 0 {
			fmt.Fprintf(&b, "    context: %s\n", flow(c.Check.Context))
		}
		fmt.Fprintf(&b, "    expect: %s\n", c.Expect)
		if c.ExpectCode != "" {
			fmt.Fprintf(&b, "    expect_code: %s\n", yamlString(c.ExpectCode))
		}
		if c.Narration != "" {
			fmt.Fprintf(&b, "    narration: %s\n", yamlString(c.Narration))
		}
	}
	return b.Bytes()
}

func userMap(u pdp.User) map[string]any {
	m := map[string]any{"key": u.Key}
	for k, v := range map[string]string{"first_name": u.FirstName, "last_name": u.LastName, "email": u.Email} {
		if v != "" {
			m[k] = v
		}
	}
	if len(u.Attributes) > 0 {
		m["attributes"] = u.Attributes
	}
	return m
}

// flow writes a value as JSON, which is YAML's flow style: exact types
// ("true" stays a string, true a bool) at the cost of a few quotes. Keys are
// sorted so that the same check always writes the same text.
func flow(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = flow(k) + ": " + flow(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = flow(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null" // not a JSON value: cannot come from a decoded check
	}
	return strings.TrimSpace(b.String())
}

var plain = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_@.\-/]*( [A-Za-z0-9_@.\-/]+)*$`)

// yamlString writes s bare when YAML reads it back as the same string, and
// double-quoted (JSON escapes are YAML's) otherwise.
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
		return flow(s)
	}
	if plain.MatchString(s) {
		return s
	}
	return flow(s)
}
