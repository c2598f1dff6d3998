package engine

import (
	"cmp"
	"slices"
	"sync"

	"github.com/pdpx/pdpx/pdp"
)

// queryIndex holds what the permission queries (UserPermissions,
// AuthorizedUsers) need beyond a check's indexes. It is built on the first
// query, not in New: most engines decide checks and never answer a query,
// and loading a large policy should not pay for it.
type queryIndex struct {
	// known: resource type -> every instance of it the policy names
	// (declared under resource_instances, or named by a relationship or a
	// role assignment), sorted by key. These are the instances a query
	// lists ABAC permissions on: a check on any other key sees no stored
	// attributes, so ABAC decides it as it decides the type without key.
	known map[string][]knownInst
	// derivOut: subject -> the objects related to it by a relation that
	// some derivation of the object's type follows from the subject's type
	// (an object twice if two such relations link them). Only these relationships carry a role from the subject to
	// the object; the others (in the generated environments, most of them)
	// cannot make a user hold a role on anything.
	derivOut map[instKey][]instKey
	// reads: set -> the scopes its condition reads (refs included).
	reads map[*setIndex]scopeMask
	// users: the policy's users, sorted by key; outside: user set ->
	// whether it holds for each of them outside the tenants they belong to
	// ([]bool by users' order), filled by outsiders on first use.
	users   []*userIndex
	outside sync.Map
	// members: tenant -> the users (indexes in users) who belong to it.
	members map[string][]int
}

// knownInst is a known instance and its declaration (nil if undeclared).
type knownInst struct {
	key instKey
	in  *instIndex
}

// lazyQueryIndex builds the queryIndex once, on first use.
type lazyQueryIndex struct {
	once sync.Once
	ix   *queryIndex
}

// scopeMask is a set of condition scopes, one bit per scope.
type scopeMask uint8

// userSide are the scopes whose values depend on who the user is: the
// user's attributes and roles, and the tenant's stored attributes (visible
// only to the tenant's members).
const userSide = 1<<scopeUser | 1<<scopeTenant | 1<<scopeRole

// queryIdx is the engine's queryIndex, built on the first call.
func (e *Engine) queryIdx() *queryIndex {
	e.qidx.once.Do(func() { e.qidx.ix = e.buildQueryIndex() })
	return e.qidx.ix
}

func (e *Engine) buildQueryIndex() *queryIndex {
	ix := &queryIndex{known: map[string][]knownInst{}, derivOut: map[instKey][]instKey{}, reads: map[*setIndex]scopeMask{}}

	seen := map[instKey]bool{}
	add := func(k instKey) {
		if !seen[k] && e.types[k.typ] != nil {
			seen[k] = true
			ix.known[k.typ] = append(ix.known[k.typ], knownInst{k, e.instances[k]})
		}
	}
	for k := range e.instances {
		add(k)
	}
	// Relationships, by the engine's indexes of them: each subject and
	// each (object, relation) once rather than each tuple's two ends.
	for s := range e.outbound {
		add(s)
	}
	for k := range e.inbound {
		add(k.obj)
	}
	for _, u := range e.users {
		for k := range u.instRoles {
			add(k)
		}
	}
	for _, l := range ix.known {
		slices.SortFunc(l, func(a, b knownInst) int { return cmp.Compare(a.key.key, b.key.key) })
	}

	// (object type, relation, subject type) triples some derivation follows.
	type step struct{ obj, rel, subj string }
	steps := map[step]bool{}
	for _, ti := range e.types {
		for _, rr := range ti.roles {
			for _, d := range rr.derivs {
				steps[step{ti.key, d.relation, d.onType}] = true
			}
		}
	}
	for k, subjects := range e.inbound {
		for _, s := range subjects {
			if steps[step{k.obj.typ, k.rel, s.typ}] {
				ix.derivOut[s] = append(ix.derivOut[s], k.obj)
			}
		}
	}

	ix.members = map[string][]int{}
	for i, k := range e.userKeys {
		u := e.users[k]
		ix.users = append(ix.users, u)
		for _, t := range u.tenants {
			ix.members[t] = append(ix.members[t], i)
		}
	}
	for _, m := range []map[string]*setIndex{e.userSets, e.resourceSets} {
		for _, s := range m {
			ix.reads[s] = s.cond.reads()
		}
	}
	return ix
}

// outsiders says for each user (by ix.users' order) whether user set s
// holds for them in a check in a tenant they do not belong to: no roles and
// no stored tenant attributes there, which is the same in every such tenant
// (see tenantClass), so a check with no tenant stands for all of them. It
// is nil for a set that reads the resource or the context, which a query
// changes. Computed once per set, on first use.
func (ix *queryIndex) outsiders(e *Engine, s *setIndex) []bool {
	if ix.setReads(s)&(1<<scopeResource|1<<scopeContext) != 0 {
		return nil
	}
	if o, ok := ix.outside.Load(s); ok {
		return o.([]bool)
	}
	o := make([]bool, len(ix.users))
	for i, u := range ix.users {
		c := pdp.Check{User: pdp.User{Key: u.key}}
		var v env
		e.fillEnv(&v, &c, u)
		o[i] = v.inSet(s)
	}
	ix.outside.Store(s, o)
	return o
}

// setReads is the scopes s reads; a set only the rules know (a rule naming
// an undefined set) is computed on the spot.
func (ix *queryIndex) setReads(s *setIndex) scopeMask {
	if m, ok := ix.reads[s]; ok {
		return m
	}
	return s.cond.reads()
}

// reads is the scopes c's leaves read, their refs included; role.<attr>
// reads the user's roles as well.
func (c *cond) reads() scopeMask {
	if c.kind != nodeLeaf {
		var m scopeMask
		for _, k := range c.kids {
			m |= k.reads()
		}
		return m
	}
	m := scopeBit(c.scope)
	if c.scope == scopeRole {
		m |= 1 << scopeUser
	}
	if c.ref != "" {
		m |= scopeBit(c.refScope)
		if c.refScope == scopeRole {
			m |= 1 << scopeUser
		}
	}
	return m
}

// scopeBit is s as a mask; an unknown scope reads nothing (its leaves are
// always false).
func scopeBit(s scope) scopeMask {
	if s == scopeUnknown {
		return 0
	}
	return 1 << s
}
