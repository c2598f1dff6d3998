package pull

import (
	"bytes"
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

func (m *mapper) tenantRoles() {
	m.p.Roles = make(map[string]*policy.Role, len(m.s.Roles))
	for _, r := range m.s.Roles {
		role := &policy.Role{Name: orEmpty(r.Name, r.Key), Attributes: r.Attributes}
		if len(role.Attributes) == 0 {
			role.Attributes = nil
		}
		who := "role " + r.Key
		for _, perm := range r.Permissions {
			role.Permissions = append(role.Permissions, m.permission(perm, who)...)
		}
		role.Permissions = dedupe(role.Permissions)
		role.Extends = r.Extends
		if g := r.GrantedTo; g != nil && len(g.UsersWithRole) > 0 {
			m.note("tenant role %s has role derivations (granted_to): derivations of tenant roles are not a part of the policy format", r.Key)
		}
		m.p.Roles[r.Key] = role
	}
	for key, role := range m.p.Roles {
		var ext []string
		for _, e := range role.Extends {
			if _, ok := m.p.Roles[e]; ok && e != key {
				ext = append(ext, e)
			} else {
				m.note("role %s extends %q, which is not another tenant role of the environment: not kept", key, e)
			}
		}
		role.Extends = ext
	}
	closeExtends(m.p.Roles, func(r *policy.Role) ([]string, []string) { return r.Permissions, r.Extends },
		func(r *policy.Role, perms []string) { r.Permissions = perms })
}

func (m *mapper) userAttributes() {
	for _, a := range m.s.UserAttributes {
		if a.BuiltIn {
			continue // key, email, first_name, last_name, roles: fields or generated
		}
		if m.p.UserAttributes == nil {
			m.p.UserAttributes = map[string]string{}
		}
		m.p.UserAttributes[a.Key] = m.attrType("user", a.Key, a.Type)
	}
}

func (m *mapper) tenants() {
	m.p.Tenants = make(map[string]*policy.Tenant, len(m.s.Tenants))
	for _, t := range m.s.Tenants {
		tn := &policy.Tenant{Name: orEmpty(t.Name, t.Key)}
		if len(t.Attributes) > 0 {
			tn.Attributes = t.Attributes
		}
		m.p.Tenants[t.Key] = tn
	}
}

func (m *mapper) instances() {
	m.p.ResourceInstances = make(map[string]*policy.Instance, len(m.s.Instances))
	dropped := map[string]int{}
	for _, in := range m.s.Instances {
		res := m.p.Resources[in.Resource]
		if res == nil || in.Key == "" || strings.Contains(in.Key, ":") {
			dropped[in.Resource]++
			continue
		}
		inst := &policy.Instance{Tenant: in.Tenant}
		if m.p.Tenants[in.Tenant] == nil {
			inst.Tenant = ""
			if in.Tenant != "" {
				m.note("resource instance %s:%s names tenant %q, which the environment does not list: kept without a tenant", in.Resource, in.Key, in.Tenant)
			}
		}
		// The snapshot's map is the instance's, less what does not fit the
		// schema: 50,000 instances would otherwise hold two maps each until
		// the snapshot is let go.
		for k, v := range in.Attributes {
			if want, declared := res.Attributes[k]; len(res.Attributes) > 0 && (!declared || !accepts(want, v)) {
				m.note("resource instance %s:%s attribute %q does not fit %s's attribute schema: not kept", in.Resource, in.Key, k, in.Resource)
				delete(in.Attributes, k)
			}
		}
		if len(in.Attributes) > 0 {
			inst.Attributes = in.Attributes
		}
		m.p.ResourceInstances[in.Resource+":"+in.Key] = inst
	}
	for _, typ := range slices.Sorted(maps.Keys(dropped)) {
		m.note("%d resource instance(s) of %q: their type is unknown or their key holds ':'; not kept", dropped[typ], typ)
	}
	m.s.Instances = nil
}

// accepts mirrors the validator's schema check for one stored value.
func accepts(want string, v any) bool {
	if v == nil {
		return true
	}
	got := pdp.TypeName(v)
	switch want {
	case "time":
		return got == "string"
	case "json":
		return true
	case "object_array":
		return got == "array"
	}
	return want == got
}

func (m *mapper) users() {
	m.p.Users = make(map[string]*policy.User, len(m.s.Users))
	for _, u := range m.s.Users {
		pu := &policy.User{Email: deref(u.Email), FirstName: deref(u.FirstName), LastName: deref(u.LastName)}
		if len(u.Attributes) > 0 {
			pu.Attributes = u.Attributes
		}
		m.p.Users[u.Key] = pu
	}
	// role_assignments, not the users list, is the authority for roles.
	added := 0
	type seenKey struct{ user, role, tenant, resource string }
	seen := make(map[seenKey]bool, len(m.s.RoleAssignments))
	for _, a := range m.s.RoleAssignments {
		u := m.p.Users[a.User]
		if u == nil {
			u = &policy.User{}
			m.p.Users[a.User] = u
			added++
		}
		ra := policy.RoleAssignment{Role: a.Role, Tenant: a.Tenant}
		if ri := deref(a.ResourceInstance); ri != "" {
			typ, _, ok := policy.SplitRef(ri)
			res := m.p.Resources[typ]
			if !ok || res == nil || res.Roles[a.Role] == nil {
				m.note("role assignment of %s#%s to %s: no such resource role; not kept", ri, a.Role, a.User)
				continue
			}
			ra.Resource = ri
			// The assignment's tenant is its instance's: written only when
			// the instance is not listed or lives elsewhere.
			if inst := m.p.ResourceInstances[ri]; inst != nil && inst.Tenant == a.Tenant {
				ra.Tenant = ""
			}
		} else if m.p.Roles[a.Role] == nil {
			m.note("role assignment of role %s to %s in %s: no such tenant role; not kept", a.Role, a.User, a.Tenant)
			continue
		}
		if ra.Tenant != "" && m.p.Tenants[ra.Tenant] == nil {
			m.note("role assignment of %s to %s names tenant %q, which the environment does not list: not kept", a.Role, a.User, a.Tenant)
			continue
		}
		k := seenKey{a.User, ra.Role, ra.Tenant, ra.Resource}
		if seen[k] {
			continue
		}
		seen[k] = true
		u.Roles = append(u.Roles, ra)
	}
	if added > 0 {
		m.note("%d user(s) hold roles but are not in the users list: added without attributes", added)
	}
	// Membership without a role shows only in associated_tenants.
	for _, au := range m.s.Users {
		u := m.p.Users[au.Key]
		for _, at := range au.AssociatedTenants {
			if len(at.Roles) > 0 || len(at.ResourceInstanceRoles) > 0 || m.p.Tenants[at.Tenant] == nil || holdsRoleIn(u, at.Tenant) {
				continue
			}
			u.Tenants = append(u.Tenants, at.Tenant)
		}
		u.Tenants = dedupe(u.Tenants)
	}
	m.s.Users, m.s.RoleAssignments = nil, nil
	for _, u := range m.p.Users {
		slices.SortFunc(u.Roles, func(a, b policy.RoleAssignment) int {
			return cmp.Or(strings.Compare(a.Resource, b.Resource), strings.Compare(a.Tenant, b.Tenant), strings.Compare(a.Role, b.Role))
		})
		slices.Sort(u.Tenants)
	}
}

func holdsRoleIn(u *policy.User, tenant string) bool {
	for _, r := range u.Roles {
		if r.Resource == "" && r.Tenant == tenant {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// keepTuple keeps t, sorting it in, when both its ends are instances of
// known types and its object's type declares its relation for its
// subject's type; else it counts t as not kept.
func (m *mapper) keepTuple(t policy.Relationship) {
	st, sid, sok := policy.SplitRef(t.Subject)
	ot, oid, ook := policy.SplitRef(t.Object)
	if !sok || !ook {
		m.bad++
		return
	}
	// Tuples come in runs of one kind (types and relation): what was
	// decided for the last holds for the next of its kind.
	k := &m.lastKind
	if !k.set || st != k.subj || ot != k.obj || t.Relation != k.rel {
		obj := m.p.Resources[ot]
		*k = tupleKind{subj: st, obj: ot, rel: t.Relation, set: true,
			keep: m.p.Resources[st] != nil && obj != nil && obj.Relations[t.Relation] == st}
		if k.keep {
			if m.rels == nil {
				var relations []string
				for _, res := range m.p.Resources {
					for rel := range res.Relations {
						relations = append(relations, rel)
					}
				}
				r := newSortedRuns(m.p.ResourceTypes(), relations, m.relsFor)
				m.rels = &r
			}
			k.ranks = m.rels.ranksOf(ot, st, t.Relation)
		}
	}
	if !k.keep {
		m.bad++
		return
	}
	m.rels.add(t, oid, sid, k.ranks)
}

// tupleKind is what keepTuple decided for tuples between instances of
// subj and obj by rel: whether they are kept, and their ranks.
type tupleKind struct {
	subj, obj, rel string
	set, keep      bool
	ranks          relRanks
}

// keepEarly keeps the tuples read before the resource types were mapped.
func (m *mapper) keepEarly() {
	for _, t := range m.early {
		m.keepTuple(t)
	}
	m.early = nil
}

// keepAll keeps or drops the tuples not yet seen to, and returns how many
// it did not keep and how many it kept (those listed twice included);
// sortKept then makes them the policy's relationships. Both run alongside
// the other steps: they read only the resource types, and write nothing
// they read.
func (m *mapper) keepAll() (bad, kept int) {
	if !m.streamed {
		m.relsFor = len(m.s.Tuples)
		for _, t := range m.s.Tuples {
			m.keepTuple(policy.Relationship{Subject: t.Subject, Relation: t.Relation, Object: t.Object})
		}
		m.s.Tuples = nil
	}
	m.keepEarly()
	if m.rels != nil {
		kept = len(m.rels.items)
	}
	return m.bad, kept
}

// sortKept sorts the tuples kept, each once: the policy's relationships.
func (m *mapper) sortKept() []policy.Relationship {
	var rels []policy.Relationship
	if m.rels != nil {
		rels = m.rels.sorted()
		m.rels = nil
	}
	// Sorted, a tuple listed twice is next to itself.
	rels = slices.Compact(rels)
	if len(rels) == 0 {
		rels = nil
	}
	return rels
}

// descriptions counts the descriptions the format has no place for.
func (m *mapper) descriptions() {
	n := 0
	for _, r := range m.s.Resources {
		n += nonEmpty(r.Description)
		for _, a := range r.Actions {
			n += nonEmpty(a.Description)
		}
		for _, a := range r.Attributes {
			n += nonEmpty(a.Description)
		}
		for _, rr := range r.Roles {
			n += nonEmpty(rr.Description)
		}
	}
	for _, r := range m.s.Roles {
		n += nonEmpty(r.Description)
	}
	for _, t := range m.s.Tenants {
		n += nonEmpty(t.Description)
	}
	for _, c := range m.s.ConditionSets {
		n += nonEmpty(c.Description)
	}
	if n > 0 {
		m.note("%d description(s) of resources, actions, attributes, roles, tenants and condition sets: the policy format has no descriptions", n)
	}
}

func nonEmpty(s string) int {
	if strings.TrimSpace(s) == "" {
		return 0
	}
	return 1
}

// isEmptyJSON reports whether a conditions value holds nothing.
func isEmptyJSON(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null")) || bytes.Equal(t, []byte("{}"))
}
