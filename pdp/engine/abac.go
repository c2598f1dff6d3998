package engine

import (
	"slices"

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
		v.user[2] = u.generated(t).attrs
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

// traceSet evaluates a set and records its condition tree, with nodes from a.
func (v *env) traceSet(s *setIndex, a *traceArena) pdp.SetTrace {
	st := pdp.SetTrace{Key: s.key, Name: s.name, Implicit: s.implicit}
	st.Condition = v.trace(s.cond, a)
	if !v.typeMatches(s) {
		// Show why: the set is over another type.
		typeLeaf := v.trace(s.typeCond, a)
		wrap := a.node()
		wrap.Kind = "allOf"
		wrap.Children = a.children(2)
		wrap.Children[0], wrap.Children[1] = typeLeaf, st.Condition
		st.Condition = wrap
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
	return pr.allows(&v, &mu, &mr)
}

// allows: some rule whose user set and resource set both hold, the sets'
// results kept in mu and mr (indexed like userSets and resSets) for a
// caller that goes on to explain the decision.
func (pr *permRules) allows(v *env, mu, mr *setMemo) bool {
	for _, r := range pr.rules {
		if mu.holds(v, pr.userSets[r.u], r.u) && mr.holds(v, pr.resSets[r.r], r.r) {
			return true
		}
	}
	return false
}

// abacResult is what abacTrace found: whether ABAC allowed, and where this
// check's sets and rules start in the trace it appended them to.
type abacResult struct {
	enabled, allow          bool
	pr                      *permRules
	users, resources, rules int
}

// noRules stands for the rules of a permission no rule names.
var noRules = &permRules{}

// abacTrace decides ABAC and fills the trace's rules and sets: the sets the
// rules for (type, action) name, then Permit's generated sets the check is
// in, one per role of the user and one for the resource's type (they make
// "a user with a role in the tenant always matches some user set").
func (e *Engine) abacTrace(c *pdp.Check, v *env, tr *pdp.Trace) abacResult {
	if !e.hasSets {
		return abacResult{}
	}
	pr := e.rules[permKey{c.Resource.Type, c.Action}]
	if pr == nil {
		pr = noRules
	}
	res := abacResult{enabled: true, pr: pr, users: len(tr.UserSets), resources: len(tr.ResourceSets), rules: len(tr.Rules)}

	// Which generated sets are traced, known first so that the trace's
	// slices and nodes are sized once.
	var implicitBuf [8]*setIndex
	implicit, typeSet := e.generatedSets(v, pr, implicitBuf[:0])
	nodes, kids := 0, 0
	for _, l := range [][]*setIndex{pr.userSets, pr.resSets, implicit} {
		for _, s := range l {
			nodes, kids = nodes+s.nodes, kids+s.kids
		}
	}
	nRes := len(pr.resSets)
	if typeSet != nil {
		nodes, kids = nodes+typeSet.nodes, kids+typeSet.kids
		nRes++
	}
	a := newTraceArena(nodes, kids)
	nUser := len(pr.userSets) + len(implicit)
	if tr.UserSets == nil && tr.ResourceSets == nil && nUser > 0 && nRes > 0 {
		// Both lists in one allocation, each capped so neither runs into the other.
		l := make([]pdp.SetTrace, 0, nUser+nRes)
		tr.UserSets, tr.ResourceSets = l[:0:nUser], l[nUser:nUser:nUser+nRes]
	} else {
		tr.UserSets = grow(tr.UserSets, nUser)
		tr.ResourceSets = grow(tr.ResourceSets, nRes)
	}
	tr.Rules = grow(tr.Rules, len(pr.rules))

	for _, s := range pr.userSets {
		tr.UserSets = append(tr.UserSets, v.traceSet(s, &a))
	}
	for _, s := range pr.resSets {
		tr.ResourceSets = append(tr.ResourceSets, v.traceSet(s, &a))
	}
	for _, s := range implicit {
		tr.UserSets = append(tr.UserSets, v.traceSet(s, &a))
	}
	if typeSet != nil {
		tr.ResourceSets = append(tr.ResourceSets, v.traceSet(typeSet, &a))
	}
	for _, r := range pr.rules {
		rt := pdp.RuleTrace{
			UserSet: r.rule.UserSet, ResourceSet: r.rule.ResourceSet, Permission: pr.perm,
			UserOK: tr.UserSets[res.users+r.u].Result, ResourceOK: tr.ResourceSets[res.resources+r.r].Result,
		}
		tr.Rules = append(tr.Rules, rt)
		res.allow = res.allow || (rt.UserOK && rt.ResourceOK)
	}
	return res
}

// generatedSets are the generated sets a check is explained with besides
// those its rules name: the "has role R" user set of each of the user's
// roles (appended to implicit, once each) and the resource set of the
// resource's type (nil when a rule names it or there is none).
func (e *Engine) generatedSets(v *env, pr *permRules, implicit []*setIndex) ([]*setIndex, *setIndex) {
	for _, r := range v.effectiveRoles() {
		key, _ := r.(string)
		s := e.userSets[key]
		if s == nil || !s.implicit || hasSetKey(pr.userSets, key) || hasSetKey(implicit, key) {
			continue
		}
		implicit = append(implicit, s)
	}
	var typeSet *setIndex
	if rt, ok := lookup(v.resource[:], segType); ok {
		key, _ := rt.(string)
		if s := e.resourceSets[key]; s != nil && s.implicit && !hasSetKey(pr.resSets, key) {
			typeSet = s
		}
	}
	return implicit, typeSet
}

// grow makes room for n more elements, leaving a nil slice nil when n is 0
// (the trace omits what it has none of).
func grow[E any](l []E, n int) []E {
	if n == 0 {
		return l
	}
	return slices.Grow(l, n)
}

func hasSetKey(sets []*setIndex, key string) bool {
	for _, s := range sets {
		if s.key == key {
			return true
		}
	}
	return false
}

// abacReason is the abac debug block in a reason of its own, with the
// trace's rules and sets appended to tr.
func (e *Engine) abacReason(c *pdp.Check, v *env, tr *pdp.Trace) *pdp.Reason {
	return e.abacTraceBlock(new(pdp.Reason), c, tr, e.abacTrace(c, v, tr))
}

// maxSetResults is how many set results of one permission an abac block is
// written from without allocating for them; more cost a slice.
const maxSetResults = 32

// abacTraceBlock writes the abac debug block into r from what abacTrace
// found.
func (e *Engine) abacTraceBlock(r *pdp.Reason, c *pdp.Check, tr *pdp.Trace, res abacResult) *pdp.Reason {
	if !res.enabled {
		return abacDisabled(r)
	}
	pr := res.pr
	var ub, rb [maxSetResults]bool
	uok, rok := results(ub[:0], len(pr.userSets)), results(rb[:0], len(pr.resSets))
	for i := range uok {
		uok[i] = tr.UserSets[res.users+i].Result
	}
	for i := range rok {
		rok[i] = tr.ResourceSets[res.resources+i].Result
	}
	return e.abacBlock(r, c, pr, uok, rok, matching(tr.UserSets[res.users:]), matching(tr.ResourceSets[res.resources:]))
}

// results is a slice of n set results, in buf when it fits.
func results(buf []bool, n int) []bool {
	if n <= cap(buf) {
		return buf[:n]
	}
	return make([]bool, n)
}

func abacDisabled(r *pdp.Reason) *pdp.Reason {
	return deny(r, "disabled", "ABAC is disabled: the environment has no user sets and no resource sets")
}

// abacBlock writes the abac debug block into r: uok and rok are the results
// of pr's user and resource sets (indexed like pr.userSets and pr.resSets),
// matchU and matchR the keys of every set that held, generated ones
// included, sorted. Evaluate finds them in its trace, EvaluateDebug by
// evaluating the sets alone; the block is the same either way.
func (e *Engine) abacBlock(r *pdp.Reason, c *pdp.Check, pr *permRules, uok, rok []bool, matchU, matchR []string) *pdp.Reason {
	user, typ, action := c.User.Key, c.Resource.Type, c.Action
	n := 0
	for _, ri := range pr.rules {
		if uok[ri.u] && rok[ri.r] {
			n++
		}
	}
	s := newSentence()
	switch {
	case n > 0:
		allowing := make([]pdp.AllowingRule, 0, n)
		for _, ri := range pr.rules {
			if !uok[ri.u] || !rok[ri.r] {
				continue
			}
			ar := pdp.AllowingRule{UserSet: ri.rule.UserSet, ResourceSet: ri.rule.ResourceSet}
			if pr.userSets[ri.u].implicit {
				ar.UserSet, ar.Role = "", ri.rule.UserSet
			}
			if pr.resSets[ri.r].implicit {
				ar.ResourceSet, ar.ResourceType = "", ri.rule.ResourceSet
			}
			allowing = append(allowing, ar)
		}
		a := allowing[0]
		s.w("user ").q(user).w(" is in user set ").q2(a.UserSet, a.Role).w(" and ").resource(c).w(" is in resource set ").
			q2(a.ResourceSet, a.ResourceType).w(", and a rule gives that user set ").q(action).w(" on ").q(typ)
		allow(r, s.done())
		r.AllowingRules = allowing
	case len(matchU) == 0:
		if len(pr.userSets) == 0 {
			s.w("user ").q(user).w(" matches no user set: no rule gives ").q(action).w(" on ").q(typ).
				w(", and the user has no role in tenant ").q(c.Resource.Tenant)
		} else {
			s.w("user ").q(user).w(" matches none of the user sets that rules for ").q(action).w(" on ").q(typ).
				w(" name: ").setKeys(pr.userSets)
		}
		deny(r, "no_matching_usersets", s.done())
	case len(matchR) == 0:
		s.resource(c).w(" matches none of the resource sets that rules for ").q(action).w(" on ").q(typ).
			w(" name: ").setKeys(pr.resSets)
		deny(r, "no_matching_resourcesets", s.done())
	default:
		s.w("user ").q(user).w(" is in user sets ").list(matchU).w(" and ").resource(c).w(" in resource sets ").list(matchR).
			w(", but no rule gives ").q(action).w(" on ").q(typ).w(" to such a pair")
		if len(pr.rules) > 0 {
			s.w("; rules for it: ").listOf(len(pr.rules), func(s *sentence, i int) {
				s.w(pr.rules[i].rule.UserSet).w(" → ").w(pr.rules[i].rule.ResourceSet)
			})
		} else {
			s.w("; no rule grants it at all")
		}
		deny(r, "no_matching_rules", s.done())
	}
	r.MatchingUsersets = matchU
	r.MatchingResourcesets = matchR
	return r
}

// matching lists the keys of the sets that held, sorted (nil for none).
func matching(sets []pdp.SetTrace) []string {
	n := 0
	for _, st := range sets {
		if st.Result {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for _, st := range sets {
		if st.Result {
			out = append(out, st.Key)
		}
	}
	slices.Sort(out)
	return out
}

// setKeys writes the sets' keys as list would.
func (s *sentence) setKeys(sets []*setIndex) *sentence {
	return s.listOf(len(sets), func(s *sentence, i int) { s.w(sets[i].key) })
}

// resource names the check's resource: "document 'd1'" or "the document".
func (s *sentence) resource(c *pdp.Check) *sentence {
	if c.Resource.Key == "" {
		return s.w("the ").w(c.Resource.Type)
	}
	return s.w(c.Resource.Type).w(" ").q(c.Resource.Key)
}

// q2 quotes the concatenation of two names, one of them empty: a set key or
// the role (type) standing for a generated set.
func (s *sentence) q2(a, b string) *sentence {
	return s.w("'").w(a).w(b).w("'")
}

// abacDebug writes the abac debug block into r without a trace: the sets
// the block names are evaluated alone, each once (mu and mr hold the
// results pr.allows already found, indexed like pr.userSets and
// pr.resSets). pr is nil when no rule names the check's permission.
func (e *Engine) abacDebug(r *pdp.Reason, c *pdp.Check, v *env, pr *permRules, mu, mr *setMemo) *pdp.Reason {
	if !e.hasSets {
		return abacDisabled(r)
	}
	if pr == nil {
		pr = noRules
	}
	var ub, rb [maxSetResults]bool
	uok, rok := results(ub[:0], len(pr.userSets)), results(rb[:0], len(pr.resSets))
	for i, s := range pr.userSets {
		uok[i] = mu.holds(v, s, i)
	}
	for i, s := range pr.resSets {
		rok[i] = mr.holds(v, s, i)
	}
	var implicitBuf [8]*setIndex
	implicit, typeSet := e.generatedSets(v, pr, implicitBuf[:0])
	var typeBuf [1]*setIndex
	types := typeBuf[:0]
	if typeSet != nil {
		types = append(types, typeSet)
	}
	return e.abacBlock(r, c, pr, uok, rok, heldKeys(v, pr.userSets, uok, implicit), heldKeys(v, pr.resSets, rok, types))
}

// heldKeys is matching without a trace: the keys of the sets that held,
// sorted (nil for none), from the named sets' results ok and the generated
// sets more, evaluated here.
func heldKeys(v *env, named []*setIndex, ok []bool, more []*setIndex) []string {
	var moreBuf [8]bool
	moreOK := results(moreBuf[:0], len(more))
	n := 0
	for _, b := range ok {
		if b {
			n++
		}
	}
	for i, s := range more {
		if moreOK[i] = v.inSet(s); moreOK[i] {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for i, s := range named {
		if ok[i] {
			out = append(out, s.key)
		}
	}
	for i, s := range more {
		if moreOK[i] {
			out = append(out, s.key)
		}
	}
	slices.Sort(out)
	return out
}
