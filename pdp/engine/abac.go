package engine

import (
	"fmt"
	"sort"

	"github.com/pdpx/pdpx/pdp"
)

var segType = []string{"type"}

// fillEnv sets up the attribute layers of a check (permit-pdp.md §3):
//
//	user:     generated {roles, tenants} < stored (with key) < JIT
//	resource: generated {type} < stored instance (by type:key, any tenant) < JIT
//	tenant:   stored, only if the user belongs to the tenant < JIT
//	context:  the check's context
//
// An unknown user has only JIT attributes over empty generated roles and tenants.
func (e *Engine) fillEnv(v *env, c *pdp.Check, u *userIndex) {
	t := c.Resource.Tenant
	v.user[0] = c.User.Attributes
	if u != nil {
		v.user[1] = u.stored
		v.user[2] = u.generated(t)
	} else {
		v.user[2] = e.genUnknown
	}
	v.resource[0] = c.Resource.Attributes
	if c.Resource.Key != "" {
		if in := e.instances[instKey{c.Resource.Type, c.Resource.Key}]; in != nil {
			v.resource[1] = in.attrs
		}
	}
	if ti := e.types[c.Resource.Type]; ti != nil {
		v.resource[2] = ti.gen
	} else {
		v.resource[2] = map[string]any{"type": c.Resource.Type}
	}
	v.tenant[0] = c.TenantAttributes
	if u != nil && t != "" && u.member[t] {
		v.tenant[1] = e.tenantAttrs[t]
	}
	v.context = c.Context
	v.roles = e.roles
}

// inSet evaluates a set. A resource set only holds for resources of its
// type, as Permit's generated resource-set conditions require.
func (v *env) inSet(s *setIndex) bool {
	if !v.typeMatches(s) {
		return false
	}
	return v.eval(s.cond)
}

func (v *env) typeMatches(s *setIndex) bool {
	if s.resource == "" || s.implicit {
		return true
	}
	t, ok := lookup(v.resource[:], segType)
	return ok && t == s.resource
}

// traceSet evaluates a set and records its condition tree.
func (v *env) traceSet(s *setIndex) pdp.SetTrace {
	st := pdp.SetTrace{Key: s.key, Name: s.name, Implicit: s.implicit}
	st.Condition = v.trace(s.cond)
	if !v.typeMatches(s) {
		// Show why: the set is over another type.
		typeLeaf := v.trace(leafCond("resource.type", opEquals, s.resource))
		st.Condition = &pdp.CondTrace{Kind: "allOf", Children: []*pdp.CondTrace{typeLeaf, st.Condition}}
	}
	st.Result = st.Condition.Result
	return st
}

// setMemo caches set results within one check: 0 unknown, 1 false, 2 true.
// Rules for one permission name few sets; beyond the array, sets are
// re-evaluated rather than allocating.
type setMemo [32]uint8

func (m *setMemo) holds(v *env, s *setIndex, i int) bool {
	if i >= len(m) {
		return v.inSet(s)
	}
	if m[i] == 0 {
		m[i] = 1
		if v.inSet(s) {
			m[i] = 2
		}
	}
	return m[i] == 2
}

// abacAllowed: some rule for (type, action) whose user set and resource set
// both hold. Only the sets those rules name are evaluated.
func (e *Engine) abacAllowed(c *pdp.Check, u *userIndex) bool {
	if !e.hasSets {
		return false
	}
	pr := e.rules[permKey{c.Resource.Type, c.Action}]
	if pr == nil {
		return false
	}
	var v env
	e.fillEnv(&v, c, u)
	var mu, mr setMemo
	for _, r := range pr.rules {
		if mu.holds(&v, pr.userSets[r.u], r.u) && mr.holds(&v, pr.resSets[r.r], r.r) {
			return true
		}
	}
	return false
}

// abacReason is the abac debug block, and fills the trace's rules and sets.
func (e *Engine) abacReason(c *pdp.Check, v *env, tr *pdp.Trace) *pdp.Reason {
	if !e.hasSets {
		return deny("disabled", "ABAC is disabled: the environment has no user sets and no resource sets")
	}
	user, typ, action := c.User.Key, c.Resource.Type, c.Action
	pr := e.rules[permKey{typ, action}]
	if pr == nil {
		pr = &permRules{}
	}

	// The sets the rules name, each traced once.
	uRes := make([]bool, len(pr.userSets))
	rRes := make([]bool, len(pr.resSets))
	var matchU, matchR []string
	seenU, seenR := map[string]bool{}, map[string]bool{}
	for i, s := range pr.userSets {
		st := v.traceSet(s)
		uRes[i] = st.Result
		tr.UserSets = append(tr.UserSets, st)
		seenU[s.key] = true
		if st.Result {
			matchU = append(matchU, s.key)
		}
	}
	for i, s := range pr.resSets {
		st := v.traceSet(s)
		rRes[i] = st.Result
		tr.ResourceSets = append(tr.ResourceSets, st)
		seenR[s.key] = true
		if st.Result {
			matchR = append(matchR, s.key)
		}
	}
	// Permit's generated sets the check is in: one per role of the user, one
	// for the resource's type. They make "a user with a role in the tenant
	// always matches some user set".
	for _, r := range v.effectiveRoles() {
		key, _ := r.(string)
		s := e.userSets[key]
		if s == nil || !s.implicit || seenU[key] {
			continue
		}
		seenU[key] = true
		st := v.traceSet(s)
		tr.UserSets = append(tr.UserSets, st)
		if st.Result {
			matchU = append(matchU, key)
		}
	}
	if rt, ok := lookup(v.resource[:], segType); ok {
		key, _ := rt.(string)
		if s := e.resourceSets[key]; s != nil && s.implicit && !seenR[key] {
			st := v.traceSet(s)
			tr.ResourceSets = append(tr.ResourceSets, st)
			if st.Result {
				matchR = append(matchR, key)
			}
		}
	}
	sort.Strings(matchU)
	sort.Strings(matchR)

	var allowing []pdp.AllowingRule
	perm := typ + ":" + action
	for _, r := range pr.rules {
		rt := pdp.RuleTrace{UserSet: r.rule.UserSet, ResourceSet: r.rule.ResourceSet, Permission: perm, UserOK: uRes[r.u], ResourceOK: rRes[r.r]}
		tr.Rules = append(tr.Rules, rt)
		if rt.UserOK && rt.ResourceOK {
			ar := pdp.AllowingRule{UserSet: r.rule.UserSet, ResourceSet: r.rule.ResourceSet}
			if pr.userSets[r.u].implicit {
				ar.UserSet, ar.Role = "", r.rule.UserSet
			}
			if pr.resSets[r.r].implicit {
				ar.ResourceSet, ar.ResourceType = "", r.rule.ResourceSet
			}
			allowing = append(allowing, ar)
		}
	}

	var reason *pdp.Reason
	res := resourceWord(c)
	switch {
	case len(allowing) > 0:
		a := allowing[0]
		reason = allow(fmt.Sprintf("user %s is in user set %s and %s is in resource set %s, and a rule gives that user set %s on %s",
			q(user), q(a.UserSet+a.Role), res, q(a.ResourceSet+a.ResourceType), q(action), q(typ)))
		reason.AllowingRules = allowing
	case len(matchU) == 0:
		if len(pr.userSets) == 0 {
			reason = deny("no_matching_usersets", fmt.Sprintf("user %s matches no user set: no rule gives %s on %s, and the user has no role in tenant %s",
				q(user), q(action), q(typ), q(c.Resource.Tenant)))
		} else {
			reason = deny("no_matching_usersets", fmt.Sprintf("user %s matches none of the user sets that rules for %s on %s name: %s",
				q(user), q(action), q(typ), list(setKeys(pr.userSets))))
		}
	case len(matchR) == 0:
		reason = deny("no_matching_resourcesets", fmt.Sprintf("%s matches none of the resource sets that rules for %s on %s name: %s",
			res, q(action), q(typ), list(setKeys(pr.resSets))))
	default:
		var rules []string
		for _, r := range pr.rules {
			rules = append(rules, r.rule.UserSet+" → "+r.rule.ResourceSet)
		}
		msg := fmt.Sprintf("user %s is in user sets %s and %s in resource sets %s, but no rule gives %s on %s to such a pair",
			q(user), list(matchU), res, list(matchR), q(action), q(typ))
		if len(rules) > 0 {
			msg += "; rules for it: " + list(rules)
		} else {
			msg += "; no rule grants it at all"
		}
		reason = deny("no_matching_rules", msg)
	}
	reason.MatchingUsersets = matchU
	reason.MatchingResourcesets = matchR
	return reason
}

func setKeys(sets []*setIndex) []string {
	out := make([]string, len(sets))
	for i, s := range sets {
		out[i] = s.key
	}
	return out
}

// resourceWord names the check's resource in a sentence: "document 'd1'"
// or "the document".
func resourceWord(c *pdp.Check) string {
	if c.Resource.Key == "" {
		return "the " + c.Resource.Type
	}
	return c.Resource.Type + " " + q(c.Resource.Key)
}
