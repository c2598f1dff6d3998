package explain

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// generatedKeys are the attributes the PDP makes, by scope: always known.
var generatedKeys = map[string][]string{
	"user":     {"roles", "tenants", "key"},
	"resource": {"type"},
}

// knownKeys lists, per scope, the top-level attribute keys that some
// condition (path or ref) or the resource schema mentions, plus the
// generated ones.
func knownKeys(p *policy.Policy) map[string][]string {
	seen := map[string]map[string]bool{}
	add := func(scope, key string) {
		if seen[scope] == nil {
			seen[scope] = map[string]bool{}
		}
		seen[scope][key] = true
	}
	for scope, keys := range generatedKeys {
		for _, k := range keys {
			add(scope, k)
		}
	}
	var walk func(c *policy.Condition)
	walk = func(c *policy.Condition) {
		if c == nil {
			return
		}
		for _, path := range []string{c.Path, c.Ref} {
			if scope, rest, ok := strings.Cut(path, "."); ok {
				key, _, _ := strings.Cut(rest, ".")
				add(scope, key)
			}
		}
		for _, kids := range [][]*policy.Condition{c.AllOf, c.AnyOf, c.Not} {
			for _, k := range kids {
				walk(k)
			}
		}
	}
	for _, s := range p.UserSets {
		if s != nil {
			walk(s.Conditions)
		}
	}
	for _, s := range p.ResourceSets {
		if s != nil {
			walk(s.Conditions)
		}
	}
	for _, r := range p.Resources {
		if r != nil {
			for k := range r.Attributes {
				add("resource", k)
			}
		}
	}
	out := map[string][]string{}
	for scope, keys := range seen {
		out[scope] = sortKeys(keys)
	}
	return out
}

// typoWarnings warns about each JIT attribute key that no condition and no
// schema mentions: nothing reads it, so it cannot change the decision. A
// near known key is offered as the rename.
func typoWarnings(p *policy.Policy, c pdp.Check) []Warning {
	known := knownKeys(p)
	sent := sentAttrs(c)
	var out []Warning
	for _, a := range sortKeys(boolSet(sent)) {
		field := sent[a]
		scope, key, _ := strings.Cut(a, ".")
		if slices.Contains(known[scope], key) {
			continue
		}
		w := Warning{Code: "unknown_attribute", Field: pdp.Clean(field)}
		w.Message = fmt.Sprintf("%s is read by no condition and no schema, so it cannot change the decision", a)
		if s := policy.Suggest(key, known[scope]); s != "" {
			w.Suggestion = s
			w.Message += "; did you mean " + tick(s) + "?"
			to := strings.TrimSuffix(field, key) + s
			w.Action = &Action{Kind: RenameAttribute, Field: field, Value: to, Label: "rename to " + s}
		}
		out = append(out, w)
	}
	return out
}

func boolSet[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
