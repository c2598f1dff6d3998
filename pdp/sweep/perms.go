package sweep

import (
	"cmp"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Grant is one permission a user has in a tenant or on an instance, with
// the roles that give it.
type Grant struct {
	// Scope is "tenant" or "instance"; Key the tenant key or "type:key".
	Scope, Key string
	// Tenant is the tenant the permission holds in: the tenant's key, or an
	// instance's tenant when the answer names it ("" when it does not).
	Tenant string
	// Permission is "type:action".
	Permission string
	// Roles are the user's roles there that grant the permission. With a
	// policy at hand (the embedded engine) they are exactly those; a remote
	// PDP says only which roles the user has there, so all of them are
	// listed. Empty when no role grants it: ABAC (attributes) or a derived
	// role the answer does not name.
	Roles []string
}

// GrantRows flattens a /user-permissions answer into one row per
// permission, tenants first, then instances, each sorted. With p (the
// embedded engine's policy) each row names only the roles that grant its
// permission, on an instance its instance roles and the user's tenant roles
// in its tenant (when the answer names it); without p, the roles the user
// has in that scope.
func GrantRows(ps pdp.Permissions, p *policy.Policy) []Grant {
	var out []Grant
	for k, e := range ps {
		scope, key, tenant := "instance", pdp.Clean(k), ""
		if tn, ok := strings.CutPrefix(k, "__tenant:"); ok {
			scope, key = "tenant", pdp.Clean(tn)
			tenant = key
		} else if e.Tenant != nil {
			tenant = pdp.Clean(e.Tenant.Key)
		}
		for _, perm := range e.Permissions {
			perm = pdp.Clean(perm)
			g := Grant{Scope: scope, Key: key, Tenant: tenant, Permission: perm}
			for _, r := range e.Roles {
				r = pdp.Clean(r)
				if p == nil || grants(p, scope, key, r, perm) {
					g.Roles = append(g.Roles, r)
				}
			}
			if p != nil && scope == "instance" && tenant != "" {
				// A tenant role allows on every instance of its tenant.
				for _, r := range ps["__tenant:"+tenant].Roles {
					if r = pdp.Clean(r); grants(p, "tenant", tenant, r, perm) && !slices.Contains(g.Roles, r) {
						g.Roles = append(g.Roles, r)
					}
				}
			}
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b Grant) int {
		return cmp.Or(cmp.Compare(b.Scope, a.Scope), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Permission, b.Permission))
	})
	return out
}

// grants reports whether role gives perm ("type:action") in scope: a
// tenant role's "type:action" list, or a resource role's actions.
func grants(p *policy.Policy, scope, key, role, perm string) bool {
	typ, action, _ := strings.Cut(perm, ":")
	if scope == "tenant" {
		r := p.Roles[role]
		return r != nil && slices.Contains(r.Permissions, perm)
	}
	itype, _, _ := strings.Cut(key, ":")
	res := p.Resources[itype]
	if res == nil || itype != typ {
		return false
	}
	r := res.Roles[role]
	return r != nil && slices.Contains(r.Permissions, action)
}

// Authorized is one way a user may do the action: a role in a tenant or on
// an instance, or an ABAC rule.
type Authorized struct {
	User, Role, Tenant string
	// Resource is "__tenant:<t>" for a tenant role, "type:key" for an
	// instance role; for an ABAC rule Role is its user set and Resource its
	// resource set, as Permit's PDP writes them.
	Resource string
	// ABAC marks an ABAC rule: Resource names neither a tenant nor an
	// instance (set keys have no ':').
	ABAC bool
}

// Via says what lets the user: "admin in tenant default", "editor on
// document:roadmap", or for ABAC "user set X, resource set Y" (Permit's
// generated sets as "role R" and "any T").
func (a Authorized) Via() string {
	if a.ABAC {
		return setName(a.Role, "user set ", "role ") + ", " + setName(a.Resource, "resource set ", "any ")
	}
	if t, ok := strings.CutPrefix(a.Resource, "__tenant:"); ok {
		return a.Role + " in tenant " + t
	}
	return a.Role + " on " + a.Resource
}

// setName names a set key for a person: Permit's generated sets
// (__autogen_<role or type>) by what they stand for.
func setName(key, set, generated string) string {
	if k, ok := strings.CutPrefix(key, "__autogen_"); ok {
		return generated + k
	}
	return set + key
}

// WhoRows flattens an /authorized_users answer, sorted by user, then
// tenant roles, instance roles and ABAC rules. Text is cleaned: a remote PDP
// wrote it.
func WhoRows(au pdp.AuthorizedUsers) []Authorized {
	var out []Authorized
	for user, as := range au.Users {
		if len(as) == 0 {
			out = append(out, Authorized{User: pdp.Clean(user)})
		}
		for _, a := range as {
			out = append(out, Authorized{User: pdp.Clean(first(a.User, user)), Role: pdp.Clean(a.Role),
				Tenant: pdp.Clean(a.Tenant), Resource: pdp.Clean(a.Resource), ABAC: a.Resource != "" && !strings.Contains(a.Resource, ":")})
		}
	}
	slices.SortFunc(out, func(a, b Authorized) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmpBool(a.ABAC, b.ABAC), cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Role, b.Role))
	})
	return out
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
