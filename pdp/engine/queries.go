package engine

import (
	"slices"
	"sort"

	"github.com/pdpx/pdpx/pdp"
)

// AllTenants runs c in every tenant the policy knows (Permit's
// /allowed/all-tenants: the check's own tenant is ignored) and returns the
// allowed ones, sorted by tenant key. JIT tenant attributes are dropped:
// they describe the one tenant the body named, not every tenant.
func (e *Engine) AllTenants(c pdp.Check) []pdp.TenantDecision {
	c.TenantAttributes = nil
	var out []pdp.TenantDecision
	for _, t := range e.tenants {
		c.Resource.Tenant = t
		if !e.Allowed(&c) {
			continue
		}
		out = append(out, pdp.TenantDecision{Tenant: t, TenantAttributes: e.tenantObject(t), Decision: e.Decide(c)})
	}
	return out
}

// tenantObject is a copy of a tenant's stored attributes, never nil.
func (e *Engine) tenantObject(t string) map[string]any {
	m := pdp.MergeAttrs(nil, e.tenantAttrs[t])
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// UserPermissions answers Permit's /user-permissions: what q.User may do.
//
//   - "__tenant:<t>" for each tenant in q.Tenants, or else each tenant the
//     user belongs to: the type-level permissions "type:action" a check
//     without a key allows there, and the user's tenant roles. A tenant where
//     the user has neither is left out.
//   - "<type>:<key>" for each instance in q.Resources, or else each instance
//     the user holds a role on (direct or derived): the permissions a check
//     on that instance allows (RBAC, ABAC or ReBAC) and the instance roles.
//     An instance is left out when nothing is permitted on it.
//
// q.ResourceTypes limits both to those types. Permissions are what /allowed
// would answer for the same user, JIT attributes and context.
func (e *Engine) UserPermissions(q pdp.PermissionsQuery) pdp.Permissions {
	out := pdp.Permissions{}
	u := e.users[q.User.Key]
	tenants := q.Tenants
	if len(tenants) == 0 && u != nil {
		tenants = u.tenants
	}
	types := e.ResourceTypes()
	if len(q.ResourceTypes) > 0 {
		types = slices.DeleteFunc(types, func(t string) bool { return !slices.Contains(q.ResourceTypes, t) })
	}
	base := pdp.Check{User: q.User, Context: q.Context}

	for _, t := range tenants {
		var perms []string
		for _, typ := range types {
			for _, a := range e.types[typ].actionList {
				c := base
				c.Action, c.Resource = a, pdp.Resource{Type: typ, Tenant: t}
				if e.Allowed(&c) {
					perms = append(perms, typ+":"+a)
				}
			}
		}
		var roles []string
		if u != nil {
			roles = slices.Clone(u.tenantRoles[t])
		}
		if len(perms) == 0 && len(roles) == 0 {
			continue
		}
		out["__tenant:"+t] = pdp.PermissionEntry{
			Tenant:      &pdp.ObjectRef{Key: t, Attributes: e.tenantObject(t)},
			Permissions: orEmptyList(perms), Roles: roles,
		}
	}

	explicit := len(q.Resources) > 0
	var candidates []instKey
	if explicit {
		for _, r := range q.Resources {
			candidates = append(candidates, parseInst(r))
		}
	} else if u != nil {
		candidates = e.reachable(u)
	}
	for _, inst := range candidates {
		if len(q.ResourceTypes) > 0 && !slices.Contains(q.ResourceTypes, inst.typ) {
			continue
		}
		ti := e.types[inst.typ]
		if ti == nil {
			continue
		}
		var perms, roles []string
		for _, t := range e.instanceTenants(inst, q.Tenants, tenants) {
			for _, a := range ti.actionList {
				c := base
				c.Action, c.Resource = a, pdp.Resource{Type: inst.typ, Key: inst.key, Tenant: t}
				if e.Allowed(&c) && !slices.Contains(perms, inst.typ+":"+a) {
					perms = append(perms, inst.typ+":"+a)
				}
			}
			if u == nil {
				continue
			}
			for _, role := range ti.roleKeys {
				if !slices.Contains(roles, role) && e.holds(u, role, inst, t, map[roleAt]struct{}{}) {
					roles = append(roles, role)
				}
			}
		}
		if len(perms) == 0 || (!explicit && len(roles) == 0) {
			continue
		}
		sort.Strings(perms)
		sort.Strings(roles)
		attrs := map[string]any{}
		if in := e.instances[inst]; in != nil && in.attrs != nil {
			attrs = pdp.MergeAttrs(nil, in.attrs)
		}
		out[inst.String()] = pdp.PermissionEntry{
			Resource:    &pdp.ObjectRef{Key: inst.key, Type: inst.typ, Attributes: attrs},
			Permissions: perms, Roles: roles,
		}
	}
	return out
}

// instanceTenants are the tenants an instance is checked in: its declared
// tenant (when the query's tenant filter allows it), or else, for an
// undeclared instance, each of the candidate tenants.
func (e *Engine) instanceTenants(inst instKey, filter, candidates []string) []string {
	if in := e.instances[inst]; in != nil && in.tenant != "" {
		if len(filter) > 0 && !slices.Contains(filter, in.tenant) {
			return nil
		}
		return []string{in.tenant}
	}
	return candidates
}

// reachable lists the instances the user may hold a role on: those with a
// direct role and everything related below them, sorted.
func (e *Engine) reachable(u *userIndex) []instKey {
	seen := map[instKey]bool{}
	var queue []instKey
	for inst := range u.instRoles {
		seen[inst] = true
		queue = append(queue, inst)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, o := range e.outbound[s] {
			if !seen[o] {
				seen[o] = true
				queue = append(queue, o)
			}
		}
	}
	out := make([]instKey, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sortInsts(out)
	return out
}

func sortInsts(l []instKey) {
	sort.Slice(l, func(i, j int) bool {
		if l[i].typ != l[j].typ {
			return l[i].typ < l[j].typ
		}
		return l[i].key < l[j].key
	})
}

func orEmptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// AuthorizedUsers answers Permit's /authorized_users: who may do q.Action on
// q.Resource in its tenant, with the assignment that lets each of them.
//
// Tenant roles that grant type:action appear with resource "__tenant:<t>";
// instance roles (direct or derived) on "type:key" that grant the action
// appear with that resource. Without a key only tenant roles count (ReBAC
// needs a key); without a tenant nobody is authorized. ABAC is not
// enumerated: it decides for attributes, not for a list of users, and
// Permit's endpoint lists role assignments.
func (e *Engine) AuthorizedUsers(q pdp.AuthorizedUsersQuery) pdp.AuthorizedUsers {
	typ, key, t := q.Resource.Type, q.Resource.Key, q.Resource.Tenant
	out := pdp.AuthorizedUsers{Resource: typ + ":*", Tenant: t, Users: map[string][]pdp.UserRoleAssignment{}}
	if key != "" {
		out.Resource = typ + ":" + key
	}
	if t == "" {
		return out
	}
	granting := e.rolesGranting(typ, q.Action)
	for _, uk := range e.tenantUsers[t] {
		for _, r := range e.users[uk].tenantRoles[t] {
			if slices.Contains(granting, r) {
				out.Users[uk] = append(out.Users[uk], pdp.UserRoleAssignment{User: uk, Tenant: t, Resource: "__tenant:" + t, Role: r})
			}
		}
	}
	ti := e.types[typ]
	if key == "" || ti == nil {
		return out
	}
	obj := instKey{typ, key}
	for _, uk := range e.holdersAbove(obj, ti.granting[q.Action]) {
		u := e.users[uk]
		for _, r := range ti.granting[q.Action] {
			if e.holds(u, r, obj, t, map[roleAt]struct{}{}) {
				out.Users[uk] = append(out.Users[uk], pdp.UserRoleAssignment{User: uk, Tenant: t, Resource: obj.String(), Role: r})
			}
		}
	}
	return out
}

// holdersAbove lists the users with a direct role on some instance from
// which one of roles on obj can be derived (obj included), sorted: the only
// users who can hold those roles.
func (e *Engine) holdersAbove(obj instKey, roles []string) []string {
	seen := map[roleAt]bool{}
	var queue []roleAt
	for _, r := range roles {
		n := roleAt{r, obj}
		seen[n] = true
		queue = append(queue, n)
	}
	insts := map[instKey]bool{}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		insts[n.at] = true
		ti := e.types[n.at.typ]
		if ti == nil || ti.roles[n.role] == nil {
			continue
		}
		for _, d := range ti.roles[n.role].derivs {
			for _, s := range e.inbound[relKey{n.at, d.relation}] {
				m := roleAt{d.role, s}
				if s.typ == d.onType && !seen[m] {
					seen[m] = true
					queue = append(queue, m)
				}
			}
		}
	}
	users := map[string]bool{}
	for inst := range insts {
		for _, uk := range e.holders[inst] {
			users[uk] = true
		}
	}
	return sortedKeys(users)
}
