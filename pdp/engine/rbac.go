package engine

import (
	"github.com/pdpx/pdpx/pdp"
)

// rbacAllowed: the user's tenant roles in the check's tenant; allow iff one
// grants type:action. No existence checks (docs/permit-semantics.md): an assignment
// in a tenant the policy does not declare still counts.
func (e *Engine) rbacAllowed(c *pdp.Check, u *userIndex) bool {
	if u == nil || c.Resource.Tenant == "" {
		return false
	}
	k := permKey{c.Resource.Type, c.Action}
	for _, r := range u.tenantRoles[c.Resource.Tenant] {
		if ri := e.roles[r]; ri != nil {
			if _, ok := ri.grants[k]; ok {
				return true
			}
		}
	}
	return false
}

// grantingRoles writes the user's roles in the tenant that grant the
// permission into a slice of exactly their number (nil for none), as the
// rbac block's allowing roles.
func (e *Engine) grantingRoles(c *pdp.Check, u *userIndex) []pdp.AllowingRole {
	if u == nil || c.Resource.Tenant == "" {
		return nil
	}
	k := permKey{c.Resource.Type, c.Action}
	roles := u.tenantRoles[c.Resource.Tenant]
	n := 0
	for _, r := range roles {
		if e.grants(r, k) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]pdp.AllowingRole, 0, n)
	for _, r := range roles {
		if e.grants(r, k) {
			out = append(out, pdp.AllowingRole{Role: r})
		}
	}
	return out
}

func (e *Engine) grants(role string, k permKey) bool {
	ri := e.roles[role]
	if ri == nil {
		return false
	}
	_, ok := ri.grants[k]
	return ok
}

// rolesGranting are every tenant role that grants the permission, sorted:
// the alternatives a denial names.
func (e *Engine) rolesGranting(typ, action string) []string {
	k := permKey{typ, action}
	var out []string
	for _, key := range e.roleKeys {
		if _, ok := e.roles[key].grants[k]; ok {
			out = append(out, key)
		}
	}
	return out
}

// rbacReason is the rbac debug block in a reason of its own.
func (e *Engine) rbacReason(c *pdp.Check, u *userIndex) *pdp.Reason {
	return e.rbacBlock(new(pdp.Reason), c, u)
}

// rbacBlock writes the rbac debug block into r: the first code of Permit's
// list that holds.
func (e *Engine) rbacBlock(r *pdp.Reason, c *pdp.Check, u *userIndex) *pdp.Reason {
	user, tenant, typ, action := c.User.Key, c.Resource.Tenant, c.Resource.Type, c.Action
	if roles := e.grantingRoles(c, u); len(roles) > 0 {
		verb := "grant"
		if len(roles) == 1 {
			verb = "grants"
		}
		allow(r, newSentence().w("user ").q(user).w(" has ").pluralOf("role", len(roles), func(i int) string { return roles[i].Role }).
			w(" in tenant ").q(tenant).w(", which ").w(verb).w(" ").q(action).w(" on ").q(typ).done())
		r.AllowingRoles = roles
		return r
	}
	if e.schemaDenial(r, typ, action) {
		return r
	}
	if tenant != "" && !e.declared(tenant) {
		return e.noSuchTenant(r, tenant)
	}
	if u == nil {
		return notSynced(r, user)
	}
	if len(u.roleTenants) == 0 {
		return deny(r, "no_user_roles", newSentence().w("user ").q(user).w(" has no assigned roles in any tenant").done())
	}
	here := u.tenantRoles[tenant]
	if tenant != "" && len(here) == 0 {
		return deny(r, "no_role_in_tenant", newSentence().w("user ").q(user).w(" has no assigned roles in tenant ").q(tenant).
			w(". user has roles in these tenants: ").list(u.roleTenants).done())
	}
	s := newSentence()
	if tenant == "" {
		s.w("the check has no tenant, so user ").q(user).w(" has no tenant roles to grant ").q(action).w(" on ").q(typ).
			w(". user has roles in these tenants: ").list(u.roleTenants).w("; ")
	} else {
		s.w("user ").q(user).w(" has ").plural("role", here).w(" in tenant ").q(tenant).
			w(", none of which grants ").q(action).w(" on ").q(typ).w("; ")
	}
	if alts := e.rolesGranting(typ, action); len(alts) > 0 {
		s.w("roles that grant it: ").list(alts)
	} else {
		s.w("no role grants it")
	}
	return deny(r, "no_permission", s.done())
}

// schemaDenial writes no_such_resource or no_such_action into r and reports
// true, or reports false when the type and action exist.
func (e *Engine) schemaDenial(r *pdp.Reason, typ, action string) bool {
	t := e.types[typ]
	if t == nil {
		deny(r, "no_such_resource", newSentence().w("resource type ").q(typ).w(" does not exist; known types: ").list(e.typeKeys).done())
		return true
	}
	if !t.actions[action] {
		deny(r, "no_such_action", newSentence().w("action ").q(action).w(" does not exist on resource type ").q(typ).
			w("; its actions: ").list(t.actionList).done())
		return true
	}
	return false
}

func (e *Engine) noSuchTenant(r *pdp.Reason, tenant string) *pdp.Reason {
	return deny(r, "no_such_tenant", newSentence().w("tenant ").q(tenant).w(" does not exist; known tenants: ").list(e.declaredTenants).done())
}

func notSynced(r *pdp.Reason, user string) *pdp.Reason {
	return deny(r, "user_not_synced", newSentence().w("user ").q(user).w(" is not synced: the environment has no user with this key").done())
}

func (e *Engine) declared(tenant string) bool {
	_, ok := e.p.Tenants[tenant]
	return ok
}
