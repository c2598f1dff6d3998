package engine

import (
	"fmt"

	"github.com/pdpx/pdpx/pdp"
)

// rbacAllowed: the user's tenant roles in the check's tenant; allow iff one
// grants type:action. No existence checks (permit-pdp.md §3): an assignment
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

// grantingRoles are the user's roles in the tenant that grant the permission.
func (e *Engine) grantingRoles(c *pdp.Check, u *userIndex) []string {
	if u == nil || c.Resource.Tenant == "" {
		return nil
	}
	k := permKey{c.Resource.Type, c.Action}
	var out []string
	for _, r := range u.tenantRoles[c.Resource.Tenant] {
		if ri := e.roles[r]; ri != nil {
			if _, ok := ri.grants[k]; ok {
				out = append(out, r)
			}
		}
	}
	return out
}

// rolesGranting are every tenant role that grants the permission, sorted:
// the alternatives a denial names.
func (e *Engine) rolesGranting(typ, action string) []string {
	k := permKey{typ, action}
	var out []string
	for _, key := range sortedKeys(e.roles) {
		if _, ok := e.roles[key].grants[k]; ok {
			out = append(out, key)
		}
	}
	return out
}

// rbacReason is the rbac debug block: the first code of §4's list that holds.
func (e *Engine) rbacReason(c *pdp.Check, u *userIndex) *pdp.Reason {
	user, tenant, typ, action := c.User.Key, c.Resource.Tenant, c.Resource.Type, c.Action
	if roles := e.grantingRoles(c, u); len(roles) > 0 {
		r := allow(fmt.Sprintf("user %s has %s in tenant %s, which %s %s on %s",
			q(user), plural("role", roles), q(tenant), grantVerb(roles), q(action), q(typ)))
		for _, role := range roles {
			r.AllowingRoles = append(r.AllowingRoles, pdp.AllowingRole{Role: role})
		}
		return r
	}
	if d := e.schemaDenial(typ, action); d != nil {
		return d
	}
	if tenant != "" && !e.declared(tenant) {
		return deny("no_such_tenant", fmt.Sprintf("tenant %s does not exist; known tenants: %s", q(tenant), list(e.declaredTenants)))
	}
	if u == nil {
		return deny("user_not_synced", fmt.Sprintf("user %s is not synced: the environment has no user with this key", q(user)))
	}
	if len(u.roleTenants) == 0 {
		return deny("no_user_roles", fmt.Sprintf("user %s has no assigned roles in any tenant", q(user)))
	}
	here := u.tenantRoles[tenant]
	if tenant != "" && len(here) == 0 {
		return deny("no_role_in_tenant", fmt.Sprintf("user %s has no assigned roles in tenant %s. user has roles in these tenants: %s",
			q(user), q(tenant), list(u.roleTenants)))
	}
	alts := e.rolesGranting(typ, action)
	alt := "no role grants it"
	if len(alts) > 0 {
		alt = "roles that grant it: " + list(alts)
	}
	if tenant == "" {
		return deny("no_permission", fmt.Sprintf("the check has no tenant, so user %s has no tenant roles to grant %s on %s. user has roles in these tenants: %s; %s",
			q(user), q(action), q(typ), list(u.roleTenants), alt))
	}
	return deny("no_permission", fmt.Sprintf("user %s has %s in tenant %s, none of which grants %s on %s; %s",
		q(user), plural("role", here), q(tenant), q(action), q(typ), alt))
}

// schemaDenial is no_such_resource or no_such_action, or nil when the type
// and action exist.
func (e *Engine) schemaDenial(typ, action string) *pdp.Reason {
	t := e.types[typ]
	if t == nil {
		return deny("no_such_resource", fmt.Sprintf("resource type %s does not exist; known types: %s", q(typ), list(e.ResourceTypes())))
	}
	if !t.actions[action] {
		return deny("no_such_action", fmt.Sprintf("action %s does not exist on resource type %s; its actions: %s", q(action), q(typ), list(t.actionList)))
	}
	return nil
}

func (e *Engine) declared(tenant string) bool {
	_, ok := e.p.Tenants[tenant]
	return ok
}
