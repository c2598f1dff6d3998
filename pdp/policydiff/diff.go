// Package policydiff compares two policies: what was added, removed and
// changed, grouped by kind (resource types, resource roles, tenant roles,
// sets, rules, tenants, users, role assignments, instances, relationships).
// Order does not count where Permit keeps none (actions, permissions, lists
// of rules and tuples); a pulled file's source header is not compared.
package policydiff

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pdpx/pdpx/pdp/policy"
)

// Change is one changed object and what changed in it.
type Change struct {
	Key     string   `json:"key"`
	Changes []string `json:"changes"`
}

// Group is the difference in one kind of object.
type Group struct {
	Name    string   `json:"name"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Changed []Change `json:"changed,omitempty"`
}

// Count is the number of objects added, removed or changed.
func (g Group) Count() int { return len(g.Added) + len(g.Removed) + len(g.Changed) }

// Result is every group with a difference, in a fixed order.
type Result struct {
	Groups []Group `json:"groups"`
}

// Equal reports whether the policies hold the same things.
func (r Result) Equal() bool { return len(r.Groups) == 0 }

// Total is the number of objects that differ.
func (r Result) Total() int {
	n := 0
	for _, g := range r.Groups {
		n += g.Count()
	}
	return n
}

// Diff compares a (before) with b (after).
func Diff(a, b *policy.Policy) Result {
	var r Result
	add := func(g Group) {
		if g.Count() > 0 {
			sort.Strings(g.Added)
			sort.Strings(g.Removed)
			sort.Slice(g.Changed, func(i, j int) bool { return g.Changed[i].Key < g.Changed[j].Key })
			r.Groups = append(r.Groups, g)
		}
	}
	add(keyed("resource types", a.Resources, b.Resources, resourceChanges))
	add(keyed("resource roles", resourceRoles(a), resourceRoles(b), resourceRoleChanges))
	add(keyed("roles", a.Roles, b.Roles, roleChanges))
	add(keyed("user attributes", strMap(a.UserAttributes), strMap(b.UserAttributes), func(x, y *string) []string {
		return []string{fmt.Sprintf("type %s → %s", *x, *y)}
	}))
	add(keyed("user sets", a.UserSets, b.UserSets, userSetChanges))
	add(keyed("resource sets", a.ResourceSets, b.ResourceSets, resourceSetChanges))
	add(set("condition set rules", ruleKeys(a), ruleKeys(b)))
	add(keyed("tenants", a.Tenants, b.Tenants, tenantChanges))
	add(keyed("users", a.Users, b.Users, userChanges))
	add(set("role assignments", assignments(a), assignments(b)))
	add(keyed("resource instances", a.ResourceInstances, b.ResourceInstances, instanceChanges))
	add(set("relationships", relationships(a), relationships(b)))
	return r
}

// keyed compares two maps of objects by key.
func keyed[V any](name string, a, b map[string]V, changes func(x, y V) []string) Group {
	g := Group{Name: name}
	for k, x := range a {
		y, ok := b[k]
		if !ok {
			g.Removed = append(g.Removed, k)
			continue
		}
		if c := changes(x, y); len(c) > 0 {
			g.Changed = append(g.Changed, Change{Key: k, Changes: c})
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			g.Added = append(g.Added, k)
		}
	}
	return g
}

// set compares two sets of one-line descriptions.
func set(name string, a, b map[string]bool) Group {
	g := Group{Name: name}
	for k := range a {
		if !b[k] {
			g.Removed = append(g.Removed, k)
		}
	}
	for k := range b {
		if !a[k] {
			g.Added = append(g.Added, k)
		}
	}
	return g
}

func strMap(m map[string]string) map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = &v
	}
	return out
}

// listChange describes a list compared as a set: "actions +share −delete".
func listChange(what string, a, b []string) []string {
	var plus, minus []string
	for _, x := range b {
		if !slices.Contains(a, x) {
			plus = append(plus, "+"+x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			minus = append(minus, "−"+x)
		}
	}
	if len(plus)+len(minus) == 0 {
		return nil
	}
	sort.Strings(plus)
	sort.Strings(minus)
	return []string{what + " " + strings.Join(append(plus, minus...), " ")}
}

func valueChange(what string, a, b any) []string {
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []string{fmt.Sprintf("%s %s → %s", what, show(a), show(b))}
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	if s, ok := v.(string); ok && s == "" {
		return `""`
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// mapChange describes the keys of a map that differ: "attributes.plan "free" → "pro"".
func mapChange[V any](what string, a, b map[string]V) []string {
	var out []string
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		x, inA := a[k]
		y, inB := b[k]
		switch {
		case !inA:
			out = append(out, fmt.Sprintf("%s.%s added: %s", what, k, show(y)))
		case !inB:
			out = append(out, fmt.Sprintf("%s.%s removed (was %s)", what, k, show(x)))
		case !reflect.DeepEqual(x, y):
			out = append(out, fmt.Sprintf("%s.%s %s → %s", what, k, show(x), show(y)))
		}
	}
	return out
}

func resourceChanges(a, b *policy.Resource) []string {
	var c []string
	c = append(c, valueChange("name", a.Name, b.Name)...)
	c = append(c, listChange("actions", a.Actions, b.Actions)...)
	c = append(c, mapChange("attributes", a.Attributes, b.Attributes)...)
	c = append(c, mapChange("relations", a.Relations, b.Relations)...)
	return c
}

// resourceRoles flattens resource roles to "type#role" keys.
func resourceRoles(p *policy.Policy) map[string]*policy.ResourceRole {
	out := map[string]*policy.ResourceRole{}
	for t, r := range p.Resources {
		for k, rr := range r.Roles {
			out[t+"#"+k] = rr
		}
	}
	return out
}

func derivations(rr *policy.ResourceRole) []string {
	var out []string
	if rr.GrantedTo == nil {
		return nil
	}
	for _, d := range rr.GrantedTo.UsersWithRole {
		s := fmt.Sprintf("%s#%s by %s", d.OnResource, d.Role, d.LinkedByRelation)
		if d.When != nil && d.When.NoDirectRolesOnObject {
			s += " (no direct roles)"
		}
		out = append(out, s)
	}
	return out
}

func noDirect(w *policy.When) bool { return w != nil && w.NoDirectRolesOnObject }

func resourceRoleChanges(a, b *policy.ResourceRole) []string {
	var c []string
	c = append(c, valueChange("name", a.Name, b.Name)...)
	c = append(c, listChange("permissions", a.Permissions, b.Permissions)...)
	c = append(c, listChange("extends", a.Extends, b.Extends)...)
	c = append(c, listChange("derived from", derivations(a), derivations(b))...)
	c = append(c, valueChange("no_direct_roles_on_object", noDirect(a.When), noDirect(b.When))...)
	return c
}

func roleChanges(a, b *policy.Role) []string {
	var c []string
	c = append(c, valueChange("name", a.Name, b.Name)...)
	c = append(c, listChange("permissions", a.Permissions, b.Permissions)...)
	c = append(c, listChange("extends", a.Extends, b.Extends)...)
	c = append(c, mapChange("attributes", a.Attributes, b.Attributes)...)
	return c
}

func condText(c *policy.Condition) string {
	if c == nil {
		return "(always)"
	}
	return c.String()
}

func userSetChanges(a, b *policy.UserSet) []string {
	var c []string
	c = append(c, valueChange("name", a.Name, b.Name)...)
	c = append(c, valueChange("parent", a.Parent, b.Parent)...)
	if x, y := condText(a.Conditions), condText(b.Conditions); x != y {
		c = append(c, "conditions "+x+" → "+y)
	}
	return c
}

func resourceSetChanges(a, b *policy.ResourceSet) []string {
	var c []string
	c = append(c, valueChange("name", a.Name, b.Name)...)
	c = append(c, valueChange("resource", a.Resource, b.Resource)...)
	c = append(c, valueChange("parent", a.Parent, b.Parent)...)
	if x, y := condText(a.Conditions), condText(b.Conditions); x != y {
		c = append(c, "conditions "+x+" → "+y)
	}
	return c
}

func ruleKeys(p *policy.Policy) map[string]bool {
	out := make(map[string]bool, len(p.ConditionSetRules))
	for _, r := range p.ConditionSetRules {
		out[fmt.Sprintf("%s may %s on %s", r.UserSet, r.Permission, r.ResourceSet)] = true
	}
	return out
}

func tenantChanges(a, b *policy.Tenant) []string {
	a, b = orZero(a), orZero(b)
	var c []string
	c = append(c, valueChange("name", a.Name, b.Name)...)
	c = append(c, mapChange("attributes", a.Attributes, b.Attributes)...)
	return c
}

func orZero[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}

func userChanges(a, b *policy.User) []string {
	a, b = orZero(a), orZero(b)
	var c []string
	c = append(c, valueChange("email", a.Email, b.Email)...)
	c = append(c, valueChange("first_name", a.FirstName, b.FirstName)...)
	c = append(c, valueChange("last_name", a.LastName, b.LastName)...)
	c = append(c, mapChange("attributes", a.Attributes, b.Attributes)...)
	c = append(c, listChange("tenants", a.Tenants, b.Tenants)...)
	return c
}

// assignments describes every role assignment on one line.
func assignments(p *policy.Policy) map[string]bool {
	out := map[string]bool{}
	for u, user := range p.Users {
		if user == nil {
			continue
		}
		for _, ra := range user.Roles {
			s := fmt.Sprintf("%s: %s in %s", u, ra.Role, ra.Tenant)
			if ra.Resource != "" {
				s = fmt.Sprintf("%s: %s on %s", u, ra.Role, ra.Resource)
				if ra.Tenant != "" {
					s += " in " + ra.Tenant
				}
			}
			out[s] = true
		}
	}
	return out
}

func instanceChanges(a, b *policy.Instance) []string {
	a, b = orZero(a), orZero(b)
	var c []string
	c = append(c, valueChange("tenant", a.Tenant, b.Tenant)...)
	c = append(c, mapChange("attributes", a.Attributes, b.Attributes)...)
	return c
}

func relationships(p *policy.Policy) map[string]bool {
	out := make(map[string]bool, len(p.Relationships))
	for _, r := range p.Relationships {
		out[r.Subject+" --"+r.Relation+"--> "+r.Object] = true
	}
	return out
}
