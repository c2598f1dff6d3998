package engine

import (
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

// instanceRoles lists the user's roles on the check's instance for the
// trace: every role held (direct or derived) and every role whose derivation
// no_direct_roles_on_object suppressed.
func (e *Engine) instanceRoles(c *pdp.Check, u *userIndex) []pdp.RoleTrace {
	ti, obj, ok := e.rebacTarget(c, u)
	if !ok {
		return nil
	}
	t := c.Resource.Tenant
	anyDirect := u.hasAnyDirect(obj, t)
	var out []pdp.RoleTrace
	var objName string // shared by the roles' traces, written once
	for i, role := range ti.roleKeys {
		rt, held := e.roleOn(u, ti.roles[role], obj, t, c.Action, anyDirect, true)
		if held || rt.Suppressed {
			if objName == "" {
				objName = obj.String()
			}
			rt.Resource = objName
			if out == nil {
				out = make([]pdp.RoleTrace, 0, len(ti.roleKeys)-i)
			}
			out = append(out, rt)
		}
	}
	return out
}

// rebacTarget is the check's instance and its type when instance roles can
// apply to it: the user has some, and the check a key and a tenant that the
// instance belongs to.
func (e *Engine) rebacTarget(c *pdp.Check, u *userIndex) (*typeIndex, instKey, bool) {
	if u == nil || len(u.instRoles) == 0 || c.Resource.Key == "" || c.Resource.Tenant == "" {
		return nil, instKey{}, false
	}
	ti := e.types[c.Resource.Type]
	if ti == nil {
		return nil, instKey{}, false
	}
	obj := instKey{c.Resource.Type, c.Resource.Key}
	if !e.inTenant(obj, c.Resource.Tenant) {
		return nil, instKey{}, false
	}
	return ti, obj, true
}

// roleOn is one role's trace on obj (Resource left empty) and whether the
// user holds it. With chains false the chains are walked but not written
// out (Chains stays nil): held and Suppressed are still exactly what the
// trace would say, for callers that need no more.
func (e *Engine) roleOn(u *userIndex, rr *resRoleIndex, obj instKey, t, action string, anyDirect, chains bool) (pdp.RoleTrace, bool) {
	role := rr.key
	w := newChainWalk(e, u, t, roleAt{role, obj})
	rt := pdp.RoleTrace{Role: role, Direct: u.hasDirect(obj, role, t), Grants: rr.perms[action]}
	if rt.Direct {
		w.stack = append(w.stack, w.newLink(-1, "", role, obj))
	}
	for _, d := range rr.derivs {
		if d.noDirect && anyDirect {
			// Walked on a list of its own, above the role's, and dropped.
			top := len(w.stack)
			w.extend(top, d, role, obj)
			if len(w.stack) > top {
				rt.Suppressed = true
			}
			w.stack = w.stack[:top]
			continue
		}
		// Unlike chains, this list may pass maxChains, by one chain per
		// derivation, before it is cut below.
		w.extend(0, d, role, obj)
	}
	n := min(len(w.stack), maxChains)
	if n > 0 && chains {
		rt.Chains = make([]string, n)
		for j, id := range w.stack[:n] {
			rt.Chains[j] = w.text(id)
		}
	}
	w.release()
	held := rt.Direct || n > 0
	if !held {
		// The walk is bounded; the search is not. Never let the budget
		// hide a role the user holds.
		seen := visitedPool.Get().(map[roleAt]struct{})
		if e.holds(u, role, obj, t, seen) {
			held = true
			if chains {
				rt.Chains = []string{tooManyChains}
			}
		}
		clear(seen)
		visitedPool.Put(seen)
	}
	return rt, held
}

// held reports whether the trace says the role is held.
func held(rt pdp.RoleTrace) bool { return rt.Direct || len(rt.Chains) > 0 }

// rebacAllows reports whether the instance roles allow: one is held and grants the action.
func rebacAllows(roles []pdp.RoleTrace) bool {
	for _, rt := range roles {
		if held(rt) && rt.Grants {
			return true
		}
	}
	return false
}

// rebacBlock writes the rebac debug block into r, from the instance roles.
func (e *Engine) rebacBlock(r *pdp.Reason, c *pdp.Check, u *userIndex, roles []pdp.RoleTrace) *pdp.Reason {
	n := 0
	for _, rt := range roles {
		if held(rt) && rt.Grants {
			n++
		}
	}
	if n > 0 {
		allowing := make([]pdp.AllowingRole, 0, n)
		for _, rt := range roles {
			if held(rt) && rt.Grants {
				allowing = append(allowing, allowingRole(c, rt))
			}
		}
		return rebacAllow(r, allowing)
	}
	var heldRoles, suppressed []string
	for _, rt := range roles {
		if held(rt) {
			heldRoles = append(heldRoles, rt.Role)
		} else if rt.Suppressed {
			suppressed = append(suppressed, rt.Role)
		}
	}
	return e.rebacDeny(r, c, u, heldRoles, suppressed)
}

// allowingRole is the rebac block's entry for a held role that grants the
// action, from its trace (Resource set).
func allowingRole(c *pdp.Check, rt pdp.RoleTrace) pdp.AllowingRole {
	s := newSentence().w("user ").q(c.User.Key).w(" has role ").q(rt.Role).w(" on ").w(rt.Resource)
	if rt.Direct {
		s.w(" directly")
	} else {
		s.w(" through ").w(rt.Chains[0])
	}
	return pdp.AllowingRole{
		Role: rt.Role, Resource: rt.Resource, Sources: rt.Chains,
		Reason: s.w(", which grants ").q(c.Action).done(),
	}
}

// rebacAllow writes the block of a ReBAC allow: allowing holds every held
// role that grants the action, in role order.
func rebacAllow(r *pdp.Reason, allowing []pdp.AllowingRole) *pdp.Reason {
	allow(r, allowing[0].Reason)
	r.AllowingRoles = allowing
	return r
}

// rebacDeny writes the block of a ReBAC deny: heldRoles are the roles the
// user holds on the instance (none granting the action), suppressed those
// that no_direct_roles_on_object kept from being derived, both in role
// order.
func (e *Engine) rebacDeny(r *pdp.Reason, c *pdp.Check, u *userIndex, heldRoles, suppressed []string) *pdp.Reason {
	user, typ, action := c.User.Key, c.Resource.Type, c.Action
	// Permit's order, with or without a resource key.
	if e.schemaDenial(r, typ, action) {
		return r
	}
	if c.Resource.Tenant != "" && !e.declared(c.Resource.Tenant) {
		return e.noSuchTenant(r, c.Resource.Tenant)
	}
	if u == nil {
		return notSynced(r, user)
	}
	if c.Resource.Key == "" || c.Resource.Tenant == "" {
		missing := "a resource key"
		if c.Resource.Key != "" {
			missing = "a tenant"
		} else if c.Resource.Tenant == "" {
			missing = "a resource key and a tenant"
		}
		return deny(r, "no_permission", newSentence().w("ReBAC needs ").w(missing).w(": the check on ").q(typ).
			w(" for user ").q(user).w(" has none, so no instance role applies").done())
	}
	s := newSentence().w("user ").q(user)
	if len(heldRoles) == 0 {
		s.w(" has no role on ").resourceRef(c).w(" in tenant ").q(c.Resource.Tenant).w(", directly or through its relations; ")
	} else {
		s.w(" has ").plural("role", heldRoles).w(" on ").resourceRef(c).w(", none of which grants ").q(action).w("; ")
	}
	if alts := e.types[typ].granting[action]; len(alts) > 0 {
		s.w("roles that grant it: ").list(alts)
	} else {
		s.w("no role of ").q(typ).w(" grants it")
	}
	if len(suppressed) > 0 {
		s.w(" (").plural("role", suppressed).w(" not derived: no_direct_roles_on_object, and the user has a direct role on ").resourceRef(c).w(")")
	}
	return deny(r, "no_permission", s.done())
}

// rebacDebug writes the rebac debug block into r without a trace, walking
// only the roles the block needs: when ReBAC allows, the roles that grant
// the action (their chains are the block's sources); when it denies, every
// role, for which it holds and which were suppressed, without writing out a
// chain. allows says ReBAC is known to allow (the caller asked
// rebacAllowed); otherwise it is found here. It reports whether ReBAC
// allowed.
func (e *Engine) rebacDebug(r *pdp.Reason, c *pdp.Check, u *userIndex, allows bool) (*pdp.Reason, bool) {
	ti, obj, ok := e.rebacTarget(c, u)
	if !ok {
		return e.rebacDeny(r, c, u, nil, nil), false
	}
	t := c.Resource.Tenant
	anyDirect := u.hasAnyDirect(obj, t)
	var objName string
	var allowing []pdp.AllowingRole
	// Role keys are few: held and suppressed ones are listed on the stack.
	var heldBuf, suppBuf [8]string
	heldRoles, suppressed := heldBuf[:0], suppBuf[:0]
	roles := ti.roleKeys
	if allows {
		roles = ti.granting[c.Action] // sorted, as roleKeys are
	}
	for _, role := range roles {
		rr := ti.roles[role]
		grants := rr.perms[c.Action]
		// Chains are written out only for a role that may allow.
		rt, held := e.roleOn(u, rr, obj, t, c.Action, anyDirect, grants)
		if held && grants {
			if objName == "" {
				objName = obj.String()
			}
			rt.Resource = objName
			if allowing == nil {
				allowing = make([]pdp.AllowingRole, 0, len(ti.granting[c.Action]))
			}
			allowing = append(allowing, allowingRole(c, rt))
			continue
		}
		if allowing != nil {
			continue // the deny lists are no longer needed
		}
		if held {
			heldRoles = append(heldRoles, role)
		} else if rt.Suppressed {
			suppressed = append(suppressed, role)
		}
	}
	if len(allowing) > 0 {
		return rebacAllow(r, allowing), true
	}
	return e.rebacDeny(r, c, u, nilIfEmpty(heldRoles), nilIfEmpty(suppressed)), false
}

func nilIfEmpty(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

// resourceRef writes the resource as pdp.Resource.Ref does: "type:key" or "type".
func (s *sentence) resourceRef(c *pdp.Check) *sentence {
	s.w(c.Resource.Type)
	if c.Resource.Key != "" {
		s.w(":").w(c.Resource.Key)
	}
	return s
}
