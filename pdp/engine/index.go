package engine

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pdpx/pdpx/pdp/policy"
)

// permKey is a permission "type:action" as a map key that needs no string
// concatenation to build from a check.
type permKey struct{ typ, action string }

// instKey is a resource instance "type:key" as a map key.
type instKey struct{ typ, key string }

func parseInst(s string) instKey {
	t, k, _ := strings.Cut(s, ":")
	return instKey{t, k}
}

func (k instKey) String() string { return k.typ + ":" + k.key }

// relKey finds the subjects related to an object by one relation.
type relKey struct {
	obj instKey
	rel string
}

// userIndex is one user of the policy, with everything a check reads.
type userIndex struct {
	key string
	// stored is the user's stored attributes with "key", and the email and
	// names the attributes do not hold, added, as Permit stores them.
	stored map[string]any
	// storedNames marks the name fields (email, first_name, last_name) the
	// stored attributes hold themselves: a check's user object cannot
	// override those.
	storedNames map[string]bool
	// tenantRoles: tenant -> the user's tenant roles there, sorted.
	tenantRoles map[string][]string
	// roleTenants: the tenants where the user holds a tenant role, sorted.
	roleTenants []string
	// member: the tenants the user belongs to (a role there or listed).
	member map[string]bool
	// tenants: the keys of member, sorted.
	tenants []string
	// gen: tenant -> the generated layer {roles, tenants} in that tenant;
	// genNone for tenants where the user holds no role (and no tenant).
	gen     map[string]*genLayer
	genNone *genLayer
	// instRoles: instance -> the user's direct roles on it.
	instRoles map[instKey][]instRole
	// heldSets: tenant -> the wire keys of the explicit user sets that hold
	// for the user there when a check sends no attributes of its own
	// (*[]string), made on first use: the abac block lists them for every
	// denial, and there may be hundreds to evaluate.
	heldSets sync.Map
}

// genLayer is a user's generated layer in a tenant, with the merge of the
// user's stored attributes over it made on first use: the debug request's
// user attributes when a check sends none of its own.
type genLayer struct {
	attrs  map[string]any
	merged sharedMerge
}

// sharedMerge is the merge of an index's attribute layers, made on first
// use (concurrent first uses may each make one, all equal; the last stored
// is kept) and then shared, read-only, by EvaluateDebug's debug objects.
type sharedMerge struct {
	p  atomic.Pointer[map[string]any]
	js atomic.Pointer[[]byte]
}

// json is the merge's JSON encoding, made on first use and then shared:
// pdpx serve writes these bytes rather than sorting and escaping the same
// keys for every decision that shows the merge. v is the merge of returns
// (concurrent first uses may encode equal maps; the encodings are equal).
func (m *sharedMerge) json(v map[string]any) []byte {
	if p := m.js.Load(); p != nil {
		return *p
	}
	b := encodeAttrs(v)
	m.js.Store(&b)
	return b
}

// encodeAttrs is json.Marshal of an attribute object, nil when it does not
// marshal (then the caller encodes it the ordinary way, errors included).
func encodeAttrs(v map[string]any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// of is the merge of ls (highest priority first), as merged makes it.
func (m *sharedMerge) of(ls ...map[string]any) map[string]any {
	if p := m.p.Load(); p != nil {
		return *p
	}
	out := merged(ls)
	m.p.Store(&out)
	return out
}

// instRole is a direct role on an instance; tenant is the assignment's
// tenant ("" when the assignment names none).
type instRole struct{ role, tenant string }

// roleIndex is a tenant role.
type roleIndex struct {
	key    string
	grants map[permKey]struct{}
	attrs  map[string]any
}

// typeIndex is a resource type.
type typeIndex struct {
	key        string
	actions    map[string]bool
	actionList []string
	roles      map[string]*resRoleIndex
	roleKeys   []string // sorted
	// granting: action -> the resource roles whose permissions include it, sorted.
	granting map[string][]string
	// gen is the generated resource layer {type: key}, genJSON its encoding.
	gen     map[string]any
	genJSON []byte
}

// resRoleIndex is a resource role (held on an instance).
type resRoleIndex struct {
	key    string
	perms  map[string]bool
	derivs []derivation
}

// derivation: a user with role on an onType instance linked to this
// instance by relation gets the role this derivation belongs to.
type derivation struct {
	role, onType, relation string
	// noDirect is no_direct_roles_on_object from the derivation or its role.
	noDirect bool
}

// instIndex is a declared resource instance.
type instIndex struct {
	tenant string
	attrs  map[string]any
	// merged is attrs over its type's generated layer: the debug
	// request's resource attributes when a check sends none of its own.
	merged sharedMerge
}

// ruleIndex is one condition-set rule with its sets resolved; u and r index
// the permRules' user and resource set lists.
type ruleIndex struct {
	rule policy.ConditionSetRule
	u, r int
}

// permRules are the rules for one permission and the sets they name, each
// set once, so a check evaluates each set at most once.
type permRules struct {
	// perm is the permission "type:action" the rule traces name.
	perm     string
	rules    []ruleIndex
	userSets []*setIndex
	resSets  []*setIndex
}

func (e *Engine) indexRoles(p *policy.Policy) {
	e.roles = make(map[string]*roleIndex, len(p.Roles))
	for key, r := range p.Roles {
		ri := &roleIndex{key: key, grants: make(map[permKey]struct{}, len(r.Permissions)), attrs: normalizeMap(r.Attributes)}
		for _, perm := range r.Permissions {
			typ, action, _ := strings.Cut(perm, ":")
			ri.grants[permKey{typ, action}] = struct{}{}
		}
		e.roles[key] = ri
	}
	e.roleKeys = sortedKeys(e.roles)
}

func (e *Engine) indexTypes(p *policy.Policy) {
	e.types = make(map[string]*typeIndex, len(p.Resources))
	for key, r := range p.Resources {
		t := &typeIndex{
			key:        key,
			actions:    make(map[string]bool, len(r.Actions)),
			actionList: slices.Clone(r.Actions),
			roles:      make(map[string]*resRoleIndex, len(r.Roles)),
			granting:   map[string][]string{},
			gen:        map[string]any{"type": key},
		}
		t.genJSON = encodeAttrs(t.gen)
		sort.Strings(t.actionList)
		for _, a := range r.Actions {
			t.actions[a] = true
		}
		for rk, rr := range r.Roles {
			ri := &resRoleIndex{key: rk, perms: make(map[string]bool, len(rr.Permissions))}
			for _, a := range rr.Permissions {
				ri.perms[a] = true
				t.granting[a] = append(t.granting[a], rk)
			}
			roleNoDirect := rr.When != nil && rr.When.NoDirectRolesOnObject
			if rr.GrantedTo != nil {
				for _, d := range rr.GrantedTo.UsersWithRole {
					ri.derivs = append(ri.derivs, derivation{
						role: d.Role, onType: d.OnResource, relation: d.LinkedByRelation,
						noDirect: roleNoDirect || (d.When != nil && d.When.NoDirectRolesOnObject),
					})
				}
			}
			t.roles[rk] = ri
			t.roleKeys = append(t.roleKeys, rk)
		}
		sort.Strings(t.roleKeys)
		for _, l := range t.granting {
			sort.Strings(l)
		}
		e.types[key] = t
	}
	e.typeKeys = sortedKeys(e.types)
}

func (e *Engine) indexFacts(p *policy.Policy) {
	tenants := map[string]bool{}
	e.tenantAttrs = make(map[string]map[string]any, len(p.Tenants))
	for key, t := range p.Tenants {
		tenants[key] = true
		if t != nil {
			e.tenantAttrs[key] = normalizeMap(t.Attributes)
		}
	}

	e.instances = make(map[instKey]*instIndex, len(p.ResourceInstances))
	for ref, in := range p.ResourceInstances {
		ii := &instIndex{}
		if in != nil {
			ii.tenant = in.Tenant
			ii.attrs = normalizeMap(in.Attributes)
		}
		if ii.tenant != "" {
			tenants[ii.tenant] = true
		}
		e.instances[parseInst(ref)] = ii
	}

	e.inbound = make(map[relKey][]instKey, len(p.Relationships))
	e.outbound = make(map[instKey][]instKey, len(p.Relationships))
	for _, r := range p.Relationships {
		s, o := parseInst(r.Subject), parseInst(r.Object)
		k := relKey{o, r.Relation}
		e.inbound[k] = append(e.inbound[k], s)
		e.outbound[s] = append(e.outbound[s], o)
	}

	e.users = make(map[string]*userIndex, len(p.Users))
	e.holders = map[instKey][]string{}
	e.tenantUsers = map[string][]string{}
	for key, u := range p.Users {
		ui := e.indexUser(key, u)
		for t := range ui.tenantRoles {
			tenants[t] = true
			e.tenantUsers[t] = append(e.tenantUsers[t], key)
		}
		for t := range ui.member {
			tenants[t] = true
		}
		for inst := range ui.instRoles {
			e.holders[inst] = append(e.holders[inst], key)
			e.hasInstanceRoles = true
		}
		e.users[key] = ui
	}
	for _, l := range e.holders {
		sort.Strings(l)
	}
	for _, l := range e.tenantUsers {
		sort.Strings(l)
	}
	e.tenants = sortedKeys(tenants)
	e.declaredTenants = sortedKeys(p.Tenants)
	e.userKeys = sortedKeys(p.Users)
}

func (e *Engine) indexUser(key string, u *policy.User) *userIndex {
	if u == nil {
		u = &policy.User{}
	}
	ui := &userIndex{
		key:         key,
		stored:      normalizeMap(u.Attributes),
		tenantRoles: map[string][]string{},
		member:      map[string]bool{},
		gen:         map[string]*genLayer{},
	}
	if ui.stored == nil {
		ui.stored = map[string]any{}
	}
	// Permit keeps the user's key among their stored attributes, and their
	// email and names unless an attribute of the same name says otherwise.
	ui.stored["key"] = key
	for _, f := range [...]struct{ key, value string }{{"email", u.Email}, {"first_name", u.FirstName}, {"last_name", u.LastName}} {
		if _, ok := ui.stored[f.key]; ok {
			if ui.storedNames == nil {
				ui.storedNames = map[string]bool{}
			}
			ui.storedNames[f.key] = true
		} else if f.value != "" {
			ui.stored[f.key] = f.value
		}
	}
	for _, t := range u.Tenants {
		ui.member[t] = true
	}
	for _, a := range u.Roles {
		if a.Resource != "" {
			if ui.instRoles == nil {
				ui.instRoles = map[instKey][]instRole{}
			}
			k := parseInst(a.Resource)
			ui.instRoles[k] = append(ui.instRoles[k], instRole{a.Role, a.Tenant})
			continue
		}
		if !slices.Contains(ui.tenantRoles[a.Tenant], a.Role) {
			ui.tenantRoles[a.Tenant] = append(ui.tenantRoles[a.Tenant], a.Role)
		}
		ui.member[a.Tenant] = true
	}
	ui.tenants = sortedKeys(ui.member)
	ui.roleTenants = sortedKeys(ui.tenantRoles)
	tenantList := strList(ui.tenants)
	for t, roles := range ui.tenantRoles {
		sort.Strings(roles)
		ui.gen[t] = &genLayer{attrs: map[string]any{"roles": strList(roles), "tenants": tenantList}}
	}
	ui.genNone = &genLayer{attrs: map[string]any{"roles": []any{}, "tenants": tenantList}}
	return ui
}

// generated is the user's generated layer in tenant t.
func (u *userIndex) generated(t string) *genLayer {
	if g, ok := u.gen[t]; ok && t != "" {
		return g
	}
	return u.genNone
}

// hasDirect reports whether the user holds role directly on inst in tenant t.
func (u *userIndex) hasDirect(inst instKey, role, t string) bool {
	for _, r := range u.instRoles[inst] {
		if r.role == role && (r.tenant == "" || r.tenant == t) {
			return true
		}
	}
	return false
}

// hasAnyDirect reports whether the user holds any direct role on inst in tenant t.
func (u *userIndex) hasAnyDirect(inst instKey, t string) bool {
	for _, r := range u.instRoles[inst] {
		if r.tenant == "" || r.tenant == t {
			return true
		}
	}
	return false
}

func strList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
