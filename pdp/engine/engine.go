// Package engine is pdpx's embedded decision engine: it decides checks from
// a policy file exactly as Permit's PDP decides them from the same
// environment, and explains them with Permit's debug object and a
// condition-level trace. docs/permit-semantics.md is the contract.
//
// allow = rbac OR abac OR rebac. New builds every index once; an Engine is
// immutable afterwards and safe for concurrent use.
//
// Decisions taken where Permit's behaviour is not known:
//
//   - ReBAC counts a role on an instance only when the instance's declared
//     tenant (its resource_instances entry) is the check's tenant, and only
//     when the assignment's tenant, if it names one, is too. Undeclared
//     instances match any tenant. This holds at every hop of a derivation.
//   - A resource set holds only for resources of its type (merged
//     resource.type equals the set's resource), as Permit's generated
//     resource-set conditions do.
//   - role.<attr> ranges over the merged user.roles, so JIT roles drive it
//     just as they drive the generated "has role" user sets.
//   - Every role and resource type has its generated set (Permit creates
//     one when a rule first uses it; a hand-written policy cannot say which
//     were created), so ABAC is activated whenever the policy has a role, a
//     type or a set.
//   - Deciding ABAC evaluates only the sets that some rule for the check's
//     (type, action) names. The trace shows those and the generated sets
//     of the user's roles and of the resource's type; the debug block's
//     list of every set that holds evaluates, besides, every user set and
//     every resource set of the check's type, and only when it is written.
//   - context.<attr> reads the check's top-level context only.
//   - RoleTrace.Grants says the role's permissions include the action,
//     whether or not the role is held (a suppressed role shows what it would
//     have granted); a role allows when it is held (Direct or Chains) and Grants.
//   - A derivation chain starts at a direct assignment: a direct role's chain
//     is the bare node "document:d1#editor".
package engine

import (
	"slices"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Engine decides checks against one policy. Build it with New.
type Engine struct {
	p *policy.Policy

	users       map[string]*userIndex
	roles       map[string]*roleIndex
	types       map[string]*typeIndex
	tenantAttrs map[string]map[string]any
	instances   map[instKey]*instIndex
	// inbound: object and relation -> the subjects related to it.
	inbound map[relKey][]instKey
	// outbound: subject -> the objects it is related to, by any relation.
	outbound map[instKey][]instKey
	// holders: instance -> users with a direct role on it, sorted.
	holders map[instKey][]string
	// tenantUsers: tenant -> users with a tenant role there, sorted.
	tenantUsers map[string][]string

	userSets     map[string]*setIndex
	resourceSets map[string]*setIndex
	rules        map[permKey]*permRules

	// tenants: every tenant the policy knows (declared, assigned or
	// instances'), sorted; declaredTenants only those under tenants:.
	tenants         []string
	declaredTenants []string
	userKeys        []string
	// roleKeys and typeKeys are the tenant roles and resource types, sorted.
	roleKeys, typeKeys []string

	// explicitUserSets are the policy's own user sets and resSetsByType its
	// own resource sets by type, each sorted by key; userSetWires is the
	// wire key of every user set, generated ones included, sorted.
	explicitUserSets []*setIndex
	resSetsByType    map[string][]*setIndex
	userSetWires     []string

	// abacActive: the environment has a condition set, so ABAC's block
	// appears on a denial.
	abacActive bool
	// hasTuples: the environment has a relationship tuple, so ReBAC's block
	// appears on a denial (instance role assignments alone do not count).
	hasTuples        bool
	hasInstanceRoles bool
	genUnknown       map[string]any
	genUnknownJSON   []byte

	// qidx is what the permission queries index, built on the first query.
	qidx lazyQueryIndex
}

// New indexes p, which is assumed valid (policy.Load validates). p must not
// be modified afterwards.
func New(p *policy.Policy) *Engine {
	if p == nil {
		p = &policy.Policy{Version: 1}
	}
	e := &Engine{p: p, genUnknown: map[string]any{"roles": []any{}, "tenants": []any{}}}
	e.genUnknownJSON = encodeAttrs(e.genUnknown)
	e.indexRoles(p)
	e.indexTypes(p)
	e.indexFacts(p)
	e.indexSets(p)
	e.hasTuples = len(p.Relationships) > 0
	return e
}

// Policy is the policy the engine decides from. Do not modify it.
func (e *Engine) Policy() *policy.Policy { return e.p }

// Allowed is the fast path: the decision only, no debug and no trace.
func (e *Engine) Allowed(c *pdp.Check) bool {
	u := e.users[c.User.Key]
	if e.rbacAllowed(c, u) {
		return true
	}
	if e.abacAllowed(c, u) {
		return true
	}
	return e.rebacAllowed(c, u)
}

// ActionsOf lists the actions of a resource type, sorted (nil for an unknown type).
func (e *Engine) ActionsOf(typ string) []string {
	t := e.types[typ]
	if t == nil {
		return nil
	}
	return slices.Clone(t.actionList)
}

// ResourceTypes lists the resource types, sorted.
func (e *Engine) ResourceTypes() []string { return slices.Clone(e.typeKeys) }

// Tenants lists every tenant the policy knows, sorted: those declared under
// tenants: and those named by role assignments, memberships and instances.
func (e *Engine) Tenants() []string { return slices.Clone(e.tenants) }

// Users lists the keys of the users the policy defines, sorted.
func (e *Engine) Users() []string { return slices.Clone(e.userKeys) }

// Roles lists the tenant roles, sorted.
func (e *Engine) Roles() []string { return slices.Clone(e.roleKeys) }

// ResourceRolesOf lists the resource roles of a type, sorted.
func (e *Engine) ResourceRolesOf(typ string) []string {
	t := e.types[typ]
	if t == nil {
		return nil
	}
	return slices.Clone(t.roleKeys)
}

// TenantRolesOf lists a user's tenant roles in tenant t, sorted.
func (e *Engine) TenantRolesOf(user, t string) []string {
	u := e.users[user]
	if u == nil {
		return nil
	}
	return slices.Clone(u.tenantRoles[t])
}
