package engine

import (
	"cmp"
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
//     without a key allows there (RBAC or ABAC), and the user's tenant
//     roles. A tenant where the user has neither is left out.
//   - "<type>:<key>" for each instance in q.Resources, or else each known
//     instance (declared, or named by a relationship or role assignment)
//     on which the user holds a role (direct or derived) or ABAC allows
//     some action: every permission a check on that instance allows (RBAC,
//     ABAC or ReBAC), the instance roles, and the tenant it was decided in
//     when there is one. An instance is left out when nothing is permitted
//     on it. An instance only a tenant role lets the user act on is not
//     listed: its tenant's entry says so.
//
// q.ResourceTypes limits both to those types. Every permission is one that
// /allowed (Decide) allows for the same user, JIT attributes and context;
// every permission a check allows on a known instance is in its entry,
// or, when a tenant role alone allows it, in its tenant's.
func (e *Engine) UserPermissions(q pdp.PermissionsQuery) pdp.Permissions {
	return e.userPermissions(q, true)
}

// userPermissions is UserPermissions; without abac it lists only the
// instances the user holds a role on (what pdpx answered before ABAC was
// enumerated, kept as the benchmarks' baseline).
func (e *Engine) userPermissions(q pdp.PermissionsQuery, abac bool) pdp.Permissions {
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

	ib := instanceEntries{e: e, out: out, tenantRefs: map[string]*pdp.ObjectRef{}}
	if len(q.Resources) > 0 {
		for _, r := range q.Resources {
			inst := parseInst(r)
			if len(q.ResourceTypes) > 0 && !slices.Contains(q.ResourceTypes, inst.typ) {
				continue
			}
			if ti := e.types[inst.typ]; ti != nil {
				its := e.instanceTenants(inst, q.Tenants, tenants)
				perms, roles := e.instancePermissions(base, u, inst, ti, its)
				ib.add(inst, its, perms, roles)
			}
		}
		return out
	}

	// The instances the user may hold a role on are the only ones ReBAC
	// can allow anything on; ABAC may allow on any other.
	var reached []instKey
	if u != nil {
		reached = e.reachable(u)
	}
	var byABAC map[instKey]bool
	if abac && len(e.rules) > 0 {
		byABAC = map[instKey]bool{}
		isReached := make(map[instKey]bool, len(reached))
		for _, inst := range reached {
			isReached[inst] = true
		}
		rbac := map[[2]string][]string{}
		e.abacScan(base, u, types, q.Tenants, tenants, func(inst instKey, its, allowed []string) {
			if isReached[inst] {
				byABAC[inst] = true
				return
			}
			// No role can be held here, so ReBAC allows nothing: what ABAC
			// allowed, and what a tenant role allows (the same on every
			// instance of the type in a tenant).
			perms := slices.Clone(allowed)
			for _, t := range its {
				k := [2]string{t, inst.typ}
				l, ok := rbac[k]
				if !ok {
					l = e.rbacPermissions(base, u, e.types[inst.typ], t)
					rbac[k] = l
				}
				for _, perm := range l {
					if !slices.Contains(perms, perm) {
						perms = append(perms, perm)
					}
				}
			}
			ib.add(inst, its, perms, nil)
		})
	}
	for _, inst := range reached {
		if len(q.ResourceTypes) > 0 && !slices.Contains(q.ResourceTypes, inst.typ) {
			continue
		}
		ti := e.types[inst.typ]
		if ti == nil {
			continue
		}
		its := e.instanceTenants(inst, q.Tenants, tenants)
		perms, roles := e.instancePermissions(base, u, inst, ti, its)
		if len(roles) > 0 || byABAC[inst] {
			ib.add(inst, its, perms, roles)
		}
	}
	return out
}

// instanceEntries writes the instance entries of one answer; its entries
// share one tenant object per tenant.
type instanceEntries struct {
	e          *Engine
	out        pdp.Permissions
	tenantRefs map[string]*pdp.ObjectRef
}

// add writes inst's entry, decided in the tenants its: perms and roles are
// the permissions allowed there and the roles held; nothing when no
// permission is allowed.
func (ib *instanceEntries) add(inst instKey, its, perms, roles []string) {
	if len(perms) == 0 {
		return
	}
	sort.Strings(perms)
	attrs := map[string]any{}
	if in := ib.e.instances[inst]; in != nil && in.attrs != nil {
		attrs = pdp.MergeAttrs(nil, in.attrs)
	}
	entry := pdp.PermissionEntry{
		Resource:    &pdp.ObjectRef{Key: inst.key, Type: inst.typ, Attributes: attrs},
		Permissions: perms, Roles: roles,
	}
	if len(its) == 1 {
		t := its[0]
		if ib.tenantRefs[t] == nil {
			ib.tenantRefs[t] = &pdp.ObjectRef{Key: t, Attributes: ib.e.tenantObject(t)}
		}
		entry.Tenant = ib.tenantRefs[t]
	}
	ib.out[inst.String()] = entry
}

// rbacPermissions are the permissions of type ti a tenant role of the user
// allows in tenant t, on any instance or none.
func (e *Engine) rbacPermissions(base pdp.Check, u *userIndex, ti *typeIndex, t string) []string {
	var l []string
	for _, a := range ti.actionList {
		c := base
		c.Action, c.Resource = a, pdp.Resource{Type: ti.key, Tenant: t}
		if e.rbacAllowed(&c, u) {
			l = append(l, ti.key+":"+a)
		}
	}
	return l
}

// instancePermissions are the permissions a check on inst allows in the
// tenants its (by any model), and the roles the user holds there, sorted.
func (e *Engine) instancePermissions(base pdp.Check, u *userIndex, inst instKey, ti *typeIndex, its []string) (perms, roles []string) {
	for _, t := range its {
		for _, a := range ti.actionList {
			c := base
			c.Action, c.Resource = a, pdp.Resource{Type: inst.typ, Key: inst.key, Tenant: t}
			if perm := inst.typ + ":" + a; !slices.Contains(perms, perm) && e.Allowed(&c) {
				perms = append(perms, perm)
			}
		}
		if u == nil || len(u.instRoles) == 0 {
			continue
		}
		for _, role := range ti.roleKeys {
			if !slices.Contains(roles, role) && e.holds(u, role, inst, t, map[roleAt]struct{}{}) {
				roles = append(roles, role)
			}
		}
	}
	sort.Strings(roles)
	return perms, roles
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
// direct role and everything below them along relationships a derivation
// follows, sorted.
func (e *Engine) reachable(u *userIndex) []instKey {
	out := e.queryIdx().derivOut
	seen := map[instKey]bool{}
	var queue []instKey
	for inst := range u.instRoles {
		seen[inst] = true
		queue = append(queue, inst)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, o := range out[s] {
			if !seen[o] {
				seen[o] = true
				queue = append(queue, o)
			}
		}
	}
	l := make([]instKey, 0, len(seen))
	for k := range seen {
		l = append(l, k)
	}
	sortInsts(l)
	return l
}

func sortInsts(l []instKey) { slices.SortFunc(l, cmpInst) }

func cmpInst(a, b instKey) int { return cmp.Or(cmp.Compare(a.typ, b.typ), cmp.Compare(a.key, b.key)) }

func orEmptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// AuthorizedUsers answers Permit's /authorized_users: who may do q.Action on
// q.Resource in its tenant, with what lets each of them.
//
// Tenant roles that grant type:action appear with resource "__tenant:<t>";
// instance roles (direct or derived) on "type:key" that grant the action
// appear with that resource. Without a key only tenant roles count (ReBAC
// needs a key); without a tenant no role counts. Users ABAC allows (among
// those the policy defines, with the resource's JIT attributes and the
// query's context) appear once per allowing rule, as Permit's
// abac_authorized_users lists them: role is the user set, resource the
// resource set. A user is listed exactly when Decide allows the check.
func (e *Engine) AuthorizedUsers(q pdp.AuthorizedUsersQuery) pdp.AuthorizedUsers {
	return e.authorizedUsers(q, true)
}

// authorizedUsers is AuthorizedUsers; without abac it lists role
// assignments only (the benchmarks' baseline).
func (e *Engine) authorizedUsers(q pdp.AuthorizedUsersQuery, abac bool) pdp.AuthorizedUsers {
	typ, key, t := q.Resource.Type, q.Resource.Key, q.Resource.Tenant
	out := pdp.AuthorizedUsers{Resource: typ + ":*", Tenant: t, Users: map[string][]pdp.UserRoleAssignment{}}
	if key != "" {
		out.Resource = typ + ":" + key
	}
	if t != "" {
		e.roleAuthorized(q, out.Users)
	}
	if abac {
		e.abacAuthorized(q, out.Users)
	}
	return out
}

// roleAuthorized adds the users a tenant role or an instance role lets do
// q.Action on q.Resource in its tenant.
func (e *Engine) roleAuthorized(q pdp.AuthorizedUsersQuery, users map[string][]pdp.UserRoleAssignment) {
	typ, key, t := q.Resource.Type, q.Resource.Key, q.Resource.Tenant
	granting := e.rolesGranting(typ, q.Action)
	for _, uk := range e.tenantUsers[t] {
		for _, r := range e.users[uk].tenantRoles[t] {
			if slices.Contains(granting, r) {
				users[uk] = append(users[uk], pdp.UserRoleAssignment{User: uk, Tenant: t, Resource: "__tenant:" + t, Role: r})
			}
		}
	}
	ti := e.types[typ]
	if key == "" || ti == nil {
		return
	}
	obj := instKey{typ, key}
	for _, uk := range e.holdersAbove(obj, ti.granting[q.Action]) {
		u := e.users[uk]
		for _, r := range ti.granting[q.Action] {
			if e.holds(u, r, obj, t, map[roleAt]struct{}{}) {
				users[uk] = append(users[uk], pdp.UserRoleAssignment{User: uk, Tenant: t, Resource: obj.String(), Role: r})
			}
		}
	}
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
