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
// permission; without it, the roles the user has in that scope.
func GrantRows(ps pdp.Permissions, p *policy.Policy) []Grant {
	var out []Grant
	for k, e := range ps {
		scope, key := "instance", pdp.Clean(k)
		if tn, ok := strings.CutPrefix(k, "__tenant:"); ok {
			scope, key = "tenant", pdp.Clean(tn)
		}
		for _, perm := range e.Permissions {
			perm = pdp.Clean(perm)
			g := Grant{Scope: scope, Key: key, Permission: perm}
			for _, r := range e.Roles {
				r = pdp.Clean(r)
				if p == nil || grants(p, scope, key, r, perm) {
					g.Roles = append(g.Roles, r)
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
// an instance.
type Authorized struct {
	User, Role, Tenant string
	// Resource is "__tenant:<t>" for a tenant role, else "type:key".
	Resource string
}

// WhoRows flattens an /authorized_users answer, sorted by user, then
// tenant roles before instance roles. Text is cleaned: a remote PDP wrote it.
func WhoRows(au pdp.AuthorizedUsers) []Authorized {
	var out []Authorized
	for user, as := range au.Users {
		if len(as) == 0 {
			out = append(out, Authorized{User: pdp.Clean(user)})
		}
		for _, a := range as {
			out = append(out, Authorized{User: pdp.Clean(first(a.User, user)), Role: pdp.Clean(a.Role),
				Tenant: pdp.Clean(a.Tenant), Resource: pdp.Clean(a.Resource)})
		}
	}
	slices.SortFunc(out, func(a, b Authorized) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Role, b.Role))
	})
	return out
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
