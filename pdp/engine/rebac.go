package engine

import (
	"fmt"
	"sync"

	"github.com/pdpx/pdpx/pdp"
)

// roleAt is a role on an instance: a node of the derivation graph.
type roleAt struct {
	role string
	at   instKey
}

// visitedPool recycles the per-check visited sets of the ReBAC search, so
// the fast path does not allocate one per check.
var visitedPool = sync.Pool{New: func() any { return map[roleAt]struct{}{} }}

// inTenant reports whether roles on inst count in tenant t: only when the
// instance's declared tenant is t; an undeclared instance matches any tenant.
func (e *Engine) inTenant(inst instKey, t string) bool {
	in := e.instances[inst]
	return in == nil || in.tenant == "" || in.tenant == t
}

// rebacAllowed: some role of the user on the instance (direct or derived)
// grants the action. Needs a key and a tenant.
func (e *Engine) rebacAllowed(c *pdp.Check, u *userIndex) bool {
	if u == nil || len(u.instRoles) == 0 || c.Resource.Key == "" || c.Resource.Tenant == "" {
		return false
	}
	t := e.types[c.Resource.Type]
	if t == nil {
		return false
	}
	granting := t.granting[c.Action]
	if len(granting) == 0 {
		return false
	}
	obj := instKey{c.Resource.Type, c.Resource.Key}
	seen := visitedPool.Get().(map[roleAt]struct{})
	defer func() {
		clear(seen)
		visitedPool.Put(seen)
	}()
	for _, r := range granting {
		if e.holds(u, r, obj, c.Resource.Tenant, seen) {
			return true
		}
	}
	return false
}

// holds reports whether u has role on at in tenant t, directly or derived.
// It is a reachability search over (role, instance) nodes towards a direct
// assignment: seen marks nodes already explored, which makes cycles
// terminate and memoizes failures. Sharing seen across the roots of one
// check is sound because the search stops at the first success, so every
// node in seen when a root fails truly cannot reach a direct assignment.
func (e *Engine) holds(u *userIndex, role string, at instKey, t string, seen map[roleAt]struct{}) bool {
	if !e.inTenant(at, t) {
		return false
	}
	if u.hasDirect(at, role, t) {
		return true
	}
	k := roleAt{role, at}
	if _, ok := seen[k]; ok {
		return false
	}
	seen[k] = struct{}{}
	ti := e.types[at.typ]
	if ti == nil {
		return false
	}
	rr := ti.roles[role]
	if rr == nil {
		return false
	}
	anyDirect := u.hasAnyDirect(at, t)
	for _, d := range rr.derivs {
		if d.noDirect && anyDirect {
			continue
		}
		for _, s := range e.inbound[relKey{at, d.relation}] {
			if s.typ == d.onType && e.holds(u, d.role, s, t, seen) {
				return true
			}
		}
	}
	return false
}

// Limits on the chains shown for one role: they are an explanation, the
// decision itself comes from holds, which has no limit.
const (
	maxChains     = 10
	chainBudget   = 10000
	chainArrow    = " --%s--> "
	tooManyChains = "(more paths than shown)"
)

// chainWalk enumerates derivation chains: simple paths in the derivation
// graph from a direct assignment to a node, formatted
// "folder:plans#editor --parent--> document:roadmap#editor".
type chainWalk struct {
	e      *Engine
	u      *userIndex
	t      string
	onPath map[roleAt]bool
	// memo holds the chains of nodes whose walk met no cycle cut: those do
	// not depend on the path that reached the node, so a DAG with many
	// paths to the same node (or to the same dead end) is walked once. In a
	// cyclic graph a memoized chain may then pass a node twice; it is still a
	// valid derivation.
	memo   map[roleAt][]string
	cuts   int
	budget int
}

func newChainWalk(e *Engine, u *userIndex, t string, start roleAt) *chainWalk {
	return &chainWalk{e: e, u: u, t: t, onPath: map[roleAt]bool{start: true}, memo: map[roleAt][]string{}, budget: chainBudget}
}

func nodeName(role string, at instKey) string { return at.String() + "#" + role }

// chains lists the chains ending at role on at, at most maxChains.
func (w *chainWalk) chains(role string, at instKey) []string {
	if !w.e.inTenant(at, w.t) {
		return nil
	}
	k := roleAt{role, at}
	if w.onPath[k] {
		w.cuts++
		return nil // a cycle: the path through here is not simple
	}
	if out, ok := w.memo[k]; ok {
		return out
	}
	if w.budget <= 0 {
		return nil
	}
	w.budget--
	cuts := w.cuts
	var out []string
	node := nodeName(role, at)
	if w.u.hasDirect(at, role, w.t) {
		out = append(out, node)
	}
	w.onPath[k] = true
	anyDirect := w.u.hasAnyDirect(at, w.t)
	for _, d := range w.derivs(role, at) {
		if len(out) >= maxChains {
			break
		}
		if d.noDirect && anyDirect {
			continue
		}
		out = w.extend(out, d, at, node)
	}
	delete(w.onPath, k)
	if len(out) > maxChains {
		out = out[:maxChains]
	}
	if w.cuts == cuts && w.budget > 0 {
		w.memo[k] = out
	}
	return out
}

func (w *chainWalk) derivs(role string, at instKey) []derivation {
	ti := w.e.types[at.typ]
	if ti == nil {
		return nil
	}
	rr := ti.roles[role]
	if rr == nil {
		return nil
	}
	return rr.derivs
}

// extend appends the chains that reach node through derivation d.
func (w *chainWalk) extend(out []string, d derivation, at instKey, node string) []string {
	arrow := fmt.Sprintf(chainArrow, d.relation)
	for _, s := range w.e.inbound[relKey{at, d.relation}] {
		if s.typ != d.onType {
			continue
		}
		for _, ch := range w.chains(d.role, s) {
			out = append(out, ch+arrow+node)
			if len(out) >= maxChains {
				return out
			}
		}
	}
	return out
}

// instanceRoles lists the user's roles on the check's instance for the
// trace: every role held (direct or derived) and every role whose derivation
// no_direct_roles_on_object suppressed.
func (e *Engine) instanceRoles(c *pdp.Check, u *userIndex) []pdp.RoleTrace {
	if u == nil || len(u.instRoles) == 0 || c.Resource.Key == "" || c.Resource.Tenant == "" {
		return nil
	}
	ti := e.types[c.Resource.Type]
	if ti == nil {
		return nil
	}
	obj := instKey{c.Resource.Type, c.Resource.Key}
	t := c.Resource.Tenant
	if !e.inTenant(obj, t) {
		return nil
	}
	anyDirect := u.hasAnyDirect(obj, t)
	var out []pdp.RoleTrace
	for _, role := range ti.roleKeys {
		rr := ti.roles[role]
		w := newChainWalk(e, u, t, roleAt{role, obj})
		node := nodeName(role, obj)
		rt := pdp.RoleTrace{Role: role, Resource: obj.String(), Direct: u.hasDirect(obj, role, t), Grants: rr.perms[c.Action]}
		if rt.Direct {
			rt.Chains = append(rt.Chains, node)
		}
		for _, d := range rr.derivs {
			if d.noDirect && anyDirect {
				if len(w.extend(nil, d, obj, node)) > 0 {
					rt.Suppressed = true
				}
				continue
			}
			rt.Chains = w.extend(rt.Chains, d, obj, node)
		}
		if len(rt.Chains) > maxChains {
			rt.Chains = rt.Chains[:maxChains]
		}
		if len(rt.Chains) == 0 && !rt.Direct {
			// The walk is bounded; the search is not. Never let the budget
			// hide a role the user holds.
			seen := map[roleAt]struct{}{}
			if e.holds(u, role, obj, t, seen) {
				rt.Chains = []string{tooManyChains}
			}
		}
		if rt.Direct || len(rt.Chains) > 0 || rt.Suppressed {
			out = append(out, rt)
		}
	}
	return out
}

// held reports whether the trace says the role is held.
func held(rt pdp.RoleTrace) bool { return rt.Direct || len(rt.Chains) > 0 }

// rebacReason is the rebac debug block, from the instance roles.
func (e *Engine) rebacReason(c *pdp.Check, u *userIndex, roles []pdp.RoleTrace) *pdp.Reason {
	user, typ, action := c.User.Key, c.Resource.Type, c.Action
	var allowing []pdp.AllowingRole
	for _, rt := range roles {
		if !held(rt) || !rt.Grants {
			continue
		}
		how := "directly"
		if !rt.Direct {
			how = "through " + rt.Chains[0]
		}
		allowing = append(allowing, pdp.AllowingRole{
			Role: rt.Role, Resource: rt.Resource, Sources: rt.Chains,
			Reason: fmt.Sprintf("user %s has role %s on %s %s, which grants %s", q(user), q(rt.Role), rt.Resource, how, q(action)),
		})
	}
	if len(allowing) > 0 {
		a := allowing[0]
		r := allow(a.Reason)
		r.AllowingRoles = allowing
		return r
	}
	if c.Resource.Key == "" || c.Resource.Tenant == "" {
		missing := "a resource key"
		if c.Resource.Key != "" {
			missing = "a tenant"
		} else if c.Resource.Tenant == "" {
			missing = "a resource key and a tenant"
		}
		return deny("no_permission", fmt.Sprintf("ReBAC needs %s: the check on %s for user %s has none, so no instance role applies", missing, q(typ), q(user)))
	}
	if d := e.schemaDenial(typ, action); d != nil {
		return d
	}
	if !e.declared(c.Resource.Tenant) {
		return deny("no_such_tenant", fmt.Sprintf("tenant %s does not exist; known tenants: %s", q(c.Resource.Tenant), list(e.declaredTenants)))
	}
	if u == nil {
		return deny("user_not_synced", fmt.Sprintf("user %s is not synced: the environment has no user with this key", q(user)))
	}
	obj := c.Resource.Ref()
	alts := e.types[typ].granting[action]
	alt := "no role of " + q(typ) + " grants it"
	if len(alts) > 0 {
		alt = "roles that grant it: " + list(alts)
	}
	var heldRoles, suppressed []string
	for _, rt := range roles {
		if held(rt) {
			heldRoles = append(heldRoles, rt.Role)
		} else if rt.Suppressed {
			suppressed = append(suppressed, rt.Role)
		}
	}
	var msg string
	if len(heldRoles) == 0 {
		msg = fmt.Sprintf("user %s has no role on %s in tenant %s, directly or through its relations; %s",
			q(user), obj, q(c.Resource.Tenant), alt)
	} else {
		msg = fmt.Sprintf("user %s has %s on %s, none of which grants %s; %s",
			q(user), plural("role", heldRoles), obj, q(action), alt)
	}
	if len(suppressed) > 0 {
		msg += fmt.Sprintf(" (%s not derived: no_direct_roles_on_object, and the user has a direct role on %s)",
			plural("role", suppressed), obj)
	}
	return deny("no_permission", msg)
}
