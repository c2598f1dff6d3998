package engine

import (
	"slices"

	"github.com/pdpx/pdpx/pdp"
)

// ABAC in the permission queries. A check evaluates the sets its rules
// name; a query asks the same for many instances (what may this user do) or
// many users (who may do this), so the side that does not change across
// them is evaluated once: the user's sets for every instance, the
// resource's sets for every user. Whether a set can be evaluated once is
// read off its condition (queryIndex.reads); a set that reads both sides
// (a resource set comparing resource.owner with {ref: user.key}) is
// evaluated per instance or per user, as a check would.
//
// What is allowed is always decided by the engine's own ABAC evaluation
// (fillEnv, setMemo, permRules.allows): this file only chooses what to ask.

// typeRules are the rules of a type's actions that have any, in action order.
func (e *Engine) typeRules(ti *typeIndex) []*permRules {
	var prs []*permRules
	for _, a := range ti.actionList {
		if pr := e.rules[permKey{ti.key, a}]; pr != nil {
			prs = append(prs, pr)
		}
	}
	return prs
}

// userRules is a user's side of one type's rules in one tenant class: for
// each permRules, the results of its user sets (a setMemo to start its
// checks from) and whether any of its rules can still allow.
type userRules struct {
	mu   []setMemo
	live []bool
	any  bool
}

// classKey names a tenant class (see tenantClass) for one resource type.
type classKey struct {
	tenant string
	member bool
	typ    string
}

// tenantClass groups the tenants in which a user's side of a check is the
// same. fillEnv gives a check the user's generated layer (roles) of the
// check's tenant, and the tenant's stored attributes, only where the user
// belongs to the tenant; in every other tenant (and with no tenant, and
// for a user the policy does not define) the user's layers are the same.
// So a user set that does not read the resource holds in all those
// tenants or in none. The cross-checks against Decide in
// queries_crosscheck_test.go fail if that stops being true.
func tenantClass(u *userIndex, t string) (string, bool) {
	if u != nil && t != "" && u.member[t] {
		return t, true
	}
	return "", false
}

// abacUser evaluates one user's side of ABAC for a query, memoized per
// tenant class and type.
type abacUser struct {
	e    *Engine
	ix   *queryIndex
	base pdp.Check // the query's user and context
	u    *userIndex
	memo map[classKey]*userRules
	// last is the rules last asked for, by type and tenant: a scan asks
	// for one type's, mostly in few tenants, once per instance.
	lastTyp, lastT string
	last           *userRules
}

func (e *Engine) newABACUser(base pdp.Check, u *userIndex) *abacUser {
	return &abacUser{e: e, ix: e.queryIdx(), base: base, u: u, memo: map[classKey]*userRules{}}
}

// rules is the user's side of prs (the rules of type typ) in tenant t.
func (au *abacUser) rules(typ, t string, prs []*permRules) *userRules {
	if au.last != nil && au.lastTyp == typ && au.lastT == t {
		return au.last
	}
	ur := au.classRules(typ, t, prs)
	au.lastTyp, au.lastT, au.last = typ, t, ur
	return ur
}

func (au *abacUser) classRules(typ, t string, prs []*permRules) *userRules {
	class, member := tenantClass(au.u, t)
	k := classKey{class, member, typ}
	if ur := au.memo[k]; ur != nil {
		return ur
	}
	c := au.base
	c.Resource = pdp.Resource{Type: typ, Tenant: t}
	var v env
	au.e.fillEnv(&v, &c, au.u)
	ur := &userRules{mu: make([]setMemo, len(prs)), live: make([]bool, len(prs))}
	for i, pr := range prs {
		// ok[j]: user set j holds or depends on the resource.
		ok := make([]bool, len(pr.userSets))
		for j, s := range pr.userSets {
			if au.ix.setReads(s)&(1<<scopeResource) != 0 {
				ok[j] = true // decided per instance
				continue
			}
			ok[j] = ur.mu[i].holds(&v, s, j)
		}
		for _, r := range pr.rules {
			if ok[r.u] {
				ur.live[i], ur.any = true, true
				break
			}
		}
	}
	au.memo[k] = ur
	return ur
}

// allowedOn appends to got the permissions of prs ("type:action") ABAC
// allows the user on inst in tenant t, each once.
func (au *abacUser) allowedOn(inst instKey, t string, prs []*permRules, got []string) []string {
	ur := au.rules(inst.typ, t, prs)
	if !ur.any {
		return got
	}
	c := au.base
	c.Resource = pdp.Resource{Type: inst.typ, Key: inst.key, Tenant: t}
	var v env
	au.e.fillEnv(&v, &c, au.u)
	for i, pr := range prs {
		if !ur.live[i] {
			continue
		}
		mu := ur.mu[i]
		var mr setMemo
		if pr.allows(&v, &mu, &mr) && !slices.Contains(got, pr.perm) {
			got = append(got, pr.perm)
		}
	}
	return got
}

// abacScan calls found for each known instance of types on which ABAC
// allows base's user some action, with the tenants instanceTenants gives
// it (filter is the query's tenant filter, cand the user's tenants) and
// the permissions ("type:action") ABAC allows there. its and allowed are
// reused after found returns.
func (e *Engine) abacScan(base pdp.Check, u *userIndex, types, filter, cand []string, found func(inst instKey, its, allowed []string)) {
	au := e.newABACUser(base, u)
	var allowed []string
	var one [1]string
	for _, typ := range types {
		ti := e.types[typ]
		if ti == nil {
			continue
		}
		prs := e.typeRules(ti)
		if len(prs) == 0 {
			continue
		}
		for _, ki := range au.ix.known[typ] {
			inst, its := ki.key, cand
			if ki.in != nil && ki.in.tenant != "" {
				// Its declared tenant, as instanceTenants gives it.
				if len(filter) > 0 && !slices.Contains(filter, ki.in.tenant) {
					continue
				}
				one[0] = ki.in.tenant
				its = one[:]
			}
			allowed = allowed[:0]
			for _, t := range its {
				allowed = au.allowedOn(inst, t, prs, allowed)
			}
			if len(allowed) > 0 {
				found(inst, its, allowed)
			}
		}
	}
}

// abacAuthorized adds to users every user the policy defines whom ABAC
// lets do q.Action on q.Resource (its JIT attributes and the query's
// context included), one assignment per allowing rule, as Permit's
// abac_authorized_users writes them: role is the user set's key, resource
// the resource set's key (Permit's generated sets by their __autogen_ keys),
// tenant the query's. ABAC runs with or without a tenant, as in a check.
func (e *Engine) abacAuthorized(q pdp.AuthorizedUsersQuery, users map[string][]pdp.UserRoleAssignment) {
	pr := e.rules[permKey{q.Resource.Type, q.Action}]
	if pr == nil {
		return
	}
	ix := e.queryIdx()
	t := q.Resource.Tenant
	c := pdp.Check{Action: q.Action, Resource: q.Resource, Context: q.Context}

	// Resource sets that do not depend on the user: evaluated once, their
	// results the start of every user's memo.
	var v env
	e.fillEnv(&v, &c, nil)
	var mr setMemo
	// The user sets of the rules whose resource set can hold: who is in
	// each outside the tenants they belong to (nil when that cannot be
	// known beforehand: the set reads the resource or the context).
	var outside [][]bool
	everyone := false
	for _, ri := range pr.rules {
		rs, us := pr.resSets[ri.r], pr.userSets[ri.u]
		if ix.setReads(rs)&userSide == 0 && !mr.holds(&v, rs, ri.r) {
			continue
		}
		if o := ix.outsiders(e, us); o != nil {
			outside = append(outside, o)
		} else {
			everyone = true
		}
	}
	if len(outside) == 0 && !everyone {
		return
	}

	// A user is asked only if some rule's user set may hold for them:
	// inside the tenant it depends on their roles and the tenant's
	// attributes; outside, on what outsiders found.
	var inside []bool
	if m := ix.members[t]; len(m) > 0 && !everyone {
		inside = make([]bool, len(ix.users))
		for _, i := range m {
			inside[i] = true
		}
	}
	for i, u := range ix.users {
		if !everyone && !slices.ContainsFunc(outside, func(o []bool) bool { return o[i] }) && (inside == nil || !inside[i]) {
			continue
		}
		c.User = pdp.User{Key: u.key}
		var v env
		e.fillEnv(&v, &c, u)
		var mu setMemo
		mrU := mr
		for _, ri := range pr.rules {
			rs, us := pr.resSets[ri.r], pr.userSets[ri.u]
			if !mrU.holds(&v, rs, ri.r) || !mu.holds(&v, us, ri.u) {
				continue
			}
			a := pdp.UserRoleAssignment{User: u.key, Tenant: t, Resource: rs.wire, Role: us.wire}
			if !containsAssignment(users[u.key], a) {
				users[u.key] = append(users[u.key], a)
			}
		}
	}
}

func containsAssignment(l []pdp.UserRoleAssignment, a pdp.UserRoleAssignment) bool {
	for _, x := range l {
		if x == a {
			return true
		}
	}
	return false
}
