// Package verify checks that a remote PDP and a snapshot of its
// environment agree: it generates checks from the snapshot, sends them to
// the PDP in bulk requests, decides them on the snapshot, and reports every
// disagreement as a check that can be replayed.
package verify

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// ProbeUser is the unsynced user the ABAC checks are made for: only the
// attributes the check sends count for it, on the PDP as on the snapshot.
const ProbeUser = "pdpx-verify-probe"

// Generate makes the checks that exercise a snapshot's policy:
//
//   - every user × every action of every resource type × each tenant the
//     user belongs to (a user who belongs to none: in the first tenant);
//   - every resource instance with a role assignment or a relationship ×
//     every user holding an instance role × every action of its type, in
//     the instance's tenant;
//   - per condition-set rule, the rule's permission for an unsynced user
//     sending the values its sets' conditions compare with, in every tenant
//     (so the checks read the attributes the sets read).
//
// Each check appears once, in that order. With sample > 0 and fewer than
// the checks generated, a sample of that many is drawn, the same for the
// same seed.
func Generate(e *engine.Engine, sample int, seed uint64) []pdp.Check {
	g := generator{e: e, p: e.Policy(), seen: map[string]bool{}}
	g.typeChecks()
	g.instanceChecks()
	g.ruleChecks()
	if sample > 0 && sample < len(g.out) {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		r.Shuffle(len(g.out), func(i, j int) { g.out[i], g.out[j] = g.out[j], g.out[i] })
		g.out = g.out[:sample]
	}
	return g.out
}

type generator struct {
	e    *engine.Engine
	p    *policy.Policy
	seen map[string]bool
	out  []pdp.Check
}

func (g *generator) add(c pdp.Check) {
	k := string(c.Body())
	if g.seen[k] {
		return
	}
	g.seen[k] = true
	g.out = append(g.out, c)
}

func (g *generator) check(user, action, typ, key, tenant string) pdp.Check {
	return pdp.Check{User: pdp.User{Key: user}, Action: action, Resource: pdp.Resource{Type: typ, Key: key, Tenant: tenant}}
}

// userTenants are the tenants a user belongs to, sorted.
func userTenants(u *policy.User) []string {
	var out []string
	if u == nil {
		return nil
	}
	out = append(out, u.Tenants...)
	for _, a := range u.Roles {
		if a.Resource == "" && a.Tenant != "" {
			out = append(out, a.Tenant)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (g *generator) tenantsOr(ts []string) []string {
	if len(ts) > 0 {
		return ts
	}
	if all := g.e.Tenants(); len(all) > 0 {
		return all[:1]
	}
	return []string{pdp.DefaultTenant}
}

func (g *generator) typeChecks() {
	for _, user := range g.e.Users() {
		for _, t := range g.tenantsOr(userTenants(g.p.Users[user])) {
			for _, typ := range g.e.ResourceTypes() {
				for _, action := range g.e.ActionsOf(typ) {
					g.add(g.check(user, action, typ, "", t))
				}
			}
		}
	}
}

func (g *generator) instanceChecks() {
	insts := map[string]bool{}
	var holders []string
	for _, user := range g.e.Users() {
		held := false
		for _, a := range g.p.Users[user].Roles {
			if a.Resource != "" {
				insts[a.Resource], held = true, true
			}
		}
		if held {
			holders = append(holders, user)
		}
	}
	for _, r := range g.p.Relationships {
		insts[r.Object], insts[r.Subject] = true, true
	}
	for _, ref := range slices.Sorted(maps.Keys(insts)) {
		typ, key, ok := strings.Cut(ref, ":")
		if !ok {
			continue
		}
		tenant := ""
		if in := g.p.ResourceInstances[ref]; in != nil {
			tenant = in.Tenant
		}
		for _, user := range holders {
			for _, t := range g.tenantsOr(nonEmpty(tenant)) {
				for _, action := range g.e.ActionsOf(typ) {
					g.add(g.check(user, action, typ, key, t))
				}
			}
		}
	}
}

func (g *generator) ruleChecks() {
	for _, r := range g.p.ConditionSetRules {
		typ, action, ok := strings.Cut(r.Permission, ":")
		if !ok {
			continue
		}
		var userAttrs, resAttrs map[string]any
		if s := g.p.UserSets[r.UserSet]; s != nil {
			userAttrs = leafValues(s.Conditions, "user.")
		}
		if s := g.p.ResourceSets[r.ResourceSet]; s != nil {
			resAttrs = leafValues(s.Conditions, "resource.")
		}
		for _, t := range g.tenantsOr(g.e.Tenants()) {
			c := g.check(ProbeUser, action, typ, "", t)
			if g.p.Roles[r.UserSet] != nil {
				// A role standing for a user set: the probe says it has it.
				userAttrs = map[string]any{"roles": []any{r.UserSet}}
			}
			c.User.Attributes, c.Resource.Attributes = userAttrs, resAttrs
			g.add(c)
		}
	}
}

// leafValues are the values a condition tree compares attributes under
// prefix with, as attributes that would satisfy its equality leaves (and
// give the others something to read). Refs and nested paths are skipped.
func leafValues(c *policy.Condition, prefix string) map[string]any {
	var out map[string]any
	c.Walk(func(n *policy.Condition) bool {
		if !n.IsLeaf() || n.Ref != "" || !strings.HasPrefix(n.Path, prefix) {
			return true
		}
		attr := strings.TrimPrefix(n.Path, prefix)
		if strings.Contains(attr, ".") || attr == "" {
			return true
		}
		v := n.Value
		switch n.Operator {
		case "in":
			if l, ok := v.([]any); ok && len(l) > 0 {
				v = l[0]
			}
		case "array_contains":
			v = []any{v}
		}
		if out == nil {
			out = map[string]any{}
		}
		if _, ok := out[attr]; !ok {
			out[attr] = v
		}
		return true
	})
	return out
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
