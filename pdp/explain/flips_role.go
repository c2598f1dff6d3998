package explain

import (
	"fmt"
	"slices"
	"sort"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// roles: the tenant roles that would let the user do it here, least
// privileged first. Candidates are the roles that grant the permission
// (RBAC) and the roles a rule for it names as its user set (ABAC). Each is
// verified on a small engine (see withRole), never on a re-indexed copy of
// the whole environment.
func (f *finder) roles(tr *pdp.Trace) {
	t := f.c.Resource.Tenant
	if t == "" {
		return // no tenant, no tenant roles: the tenant card says so
	}
	p := f.e.Policy()
	cands := rolesGranting(p, f.c.Resource.Type, f.c.Action)
	if tr != nil {
		for _, r := range tr.Rules {
			if _, isRole := p.Roles[r.UserSet]; isRole && !slices.Contains(cands, r.UserSet) {
				cands = append(cands, r.UserSet)
			}
		}
	}
	have := f.e.TenantRolesOf(f.c.User.Key, t)
	cands = slices.DeleteFunc(cands, func(r string) bool { return slices.Contains(have, r) })
	sort.SliceStable(cands, func(i, j int) bool {
		pi, pj := permCount(p, cands[i]), permCount(p, cands[j])
		if pi != pj {
			return pi < pj
		}
		return cands[i] < cands[j]
	})
	_, synced := p.Users[f.c.User.Key]
	for _, role := range cands {
		if len(f.flips) >= f.max {
			return
		}
		if !engine.New(withRole(p, f.c, role)).Allowed(&f.c) {
			continue
		}
		summary := fmt.Sprintf("%s would need %s in %s", pdp.Clean(f.c.User.Key), pdp.Clean(role), pdp.Clean(t))
		if !synced {
			summary += " (and to be synced)"
		}
		ra := RoleAssignment{Role: role, Tenant: t}
		var from any
		if len(have) > 0 {
			from = strAny(have)
		}
		f.flips = append(f.flips, Flip{
			Change: "role", From: from, To: ra, Outcome: pdp.Allow, Cost: CostRole, Summary: summary,
			Action: Action{Kind: AssignRole, Field: "role", Value: ra, Label: "assign " + pdp.Clean(role) + " in " + pdp.Clean(t)},
		})
	}
}

// withRole is the part of p that decides c by RBAC and ABAC, with role
// assigned to c's user in c's tenant: the schema, the roles, the tenants,
// the sets and rules, the one user (with their tenant roles and
// memberships, not their instance roles) and the one instance.
//
// It leaves out ReBAC's facts (relationships, other users and instances),
// so an allow here is an RBAC or ABAC allow, which adding the assignment
// to the whole environment gives as well: neither model reads those facts.
// Indexing it costs a fraction of indexing the whole environment, which
// grows with its users, instances and relationships.
func withRole(p *policy.Policy, c pdp.Check, role string) *policy.Policy {
	small := &policy.Policy{
		Version: p.Version, Resources: p.Resources, Roles: p.Roles, Tenants: p.Tenants,
		UserSets: p.UserSets, ResourceSets: p.ResourceSets, ConditionSetRules: p.ConditionSetRules,
	}
	u := &policy.User{}
	if old := p.Users[c.User.Key]; old != nil {
		*u = *old
		u.Roles = nil
		for _, a := range old.Roles {
			if a.Resource == "" {
				u.Roles = append(u.Roles, a)
			}
		}
	}
	u.Roles = append(u.Roles, policy.RoleAssignment{Role: role, Tenant: c.Resource.Tenant})
	small.Users = map[string]*policy.User{c.User.Key: u}
	if c.Resource.Key != "" {
		if in, ok := p.ResourceInstances[c.Resource.Ref()]; ok {
			small.ResourceInstances = map[string]*policy.Instance{c.Resource.Ref(): in}
		}
	}
	return small
}

func permCount(p *policy.Policy, role string) int {
	if r := p.Roles[role]; r != nil {
		return len(r.Permissions)
	}
	return 0
}
