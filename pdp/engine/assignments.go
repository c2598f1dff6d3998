package engine

import (
	"cmp"
	"slices"

	"github.com/pdpx/pdpx/pdp"
)

// RoleAssignment is one role a user holds directly, as Permit's PDP lists
// it: a tenant role in its tenant, or an instance role with the instance
// and the instance's tenant.
type RoleAssignment struct {
	User, Role, Tenant string
	// ResourceInstance is the instance ("type:key") of an instance role,
	// "" for a tenant role.
	ResourceInstance string
}

// RoleAssignments lists the direct role assignments of the policy's users,
// each once, in the order Permit's PDP lists them: its policy engine sorts
// them as JSON objects, key by key, and "resource_instance" is the first
// key of an instance role's object, so instance roles come first (by
// instance, role, tenant, user), then tenant roles (by role, tenant,
// user). Membership of a tenant without a role is not an assignment.
//
// An instance role's tenant is the instance's (its resource_instances
// entry), else the one its assignment names, else "": a policy file may
// leave both out, where Permit always knows an instance's tenant.
func (e *Engine) RoleAssignments() []RoleAssignment {
	var out []RoleAssignment
	for user, u := range e.p.Users {
		if u == nil {
			continue
		}
		for _, a := range u.Roles {
			ra := RoleAssignment{User: user, Role: a.Role, Tenant: a.Tenant, ResourceInstance: a.Resource}
			if a.Resource != "" {
				if in := e.instances[parseInst(a.Resource)]; in != nil && in.tenant != "" {
					ra.Tenant = in.tenant
				}
			}
			out = append(out, ra)
		}
	}
	slices.SortFunc(out, func(a, b RoleAssignment) int {
		if (a.ResourceInstance == "") != (b.ResourceInstance == "") {
			if a.ResourceInstance != "" {
				return -1
			}
			return 1
		}
		return cmp.Or(
			cmp.Compare(a.ResourceInstance, b.ResourceInstance),
			cmp.Compare(a.Role, b.Role),
			cmp.Compare(a.Tenant, b.Tenant),
			cmp.Compare(a.User, b.User),
		)
	})
	return slices.Compact(out)
}

// UserTenants lists the tenants user belongs to (a tenant role there, or
// membership), sorted by key, each with its stored attributes (never
// nil): Permit's /user-tenants. An unknown user belongs to none.
func (e *Engine) UserTenants(user string) []pdp.ObjectRef {
	u := e.users[user]
	if u == nil {
		return []pdp.ObjectRef{}
	}
	out := make([]pdp.ObjectRef, 0, len(u.tenants))
	for _, t := range u.tenants {
		out = append(out, pdp.ObjectRef{Key: t, Attributes: e.tenantObject(t)})
	}
	return out
}
