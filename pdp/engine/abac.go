package engine

import (
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

var segType = []string{"type"}

// fillEnv sets up the attribute layers of a check (docs/permit-semantics.md):
//
//	user:     generated {roles, tenants} < stored (with key) < JIT
//	resource: generated {type} < stored instance (by type:key, any tenant) < JIT
//	tenant:   stored, only if the user belongs to the tenant < JIT
//	context:  the check's context
//
// An unknown user has only JIT attributes over empty generated roles and tenants.
func (e *Engine) fillEnv(v *env, c *pdp.Check, u *userIndex) {
	t := c.Resource.Tenant
	v.user[0] = userJIT(c, u)
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
	if u != nil && t != "" && len(v.user[0]) == 0 && len(v.tenant[0]) == 0 && len(v.context) == 0 {
		v.plain.u, v.plain.tenant = u, t
	}
}

// userJIT is the check's JIT user attributes as Permit sees them: the
// email and names of the check's user object are attributes of the same
// name too, beneath any attribute the check sends or the policy stores
// under that name.
func userJIT(c *pdp.Check, u *userIndex) map[string]any {
	if c.User.Email == "" && c.User.FirstName == "" && c.User.LastName == "" {
		return c.User.Attributes
	}
	var m map[string]any
	for _, f := range [...]struct{ key, value string }{
		{"email", c.User.Email}, {"first_name", c.User.FirstName}, {"last_name", c.User.LastName},
	} {
		if f.value == "" {
			continue
		}
		if _, ok := c.User.Attributes[f.key]; ok {
			continue
		}
		if u != nil && u.storedNames[f.key] {
			continue
		}
		if m == nil {
			m = make(map[string]any, len(c.User.Attributes)+3)
			for k, v := range c.User.Attributes {
				m[k] = v
			}
		}
		m[f.key] = f.value
	}
	if m == nil {
		return c.User.Attributes
	}
	return m
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
	allow                   bool
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
	pr := e.rules[permKey{c.Resource.Type, c.Action}]
	if pr == nil {
		pr = noRules
	}
	if !e.abacActive {
		return abacResult{pr: pr}
	}
	res := abacResult{pr: pr, users: len(tr.UserSets), resources: len(tr.ResourceSets), rules: len(tr.Rules)}

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
	return e.abacTraceBlock(new(pdp.Reason), c, v, tr, e.abacTrace(c, v, tr))
}

// maxSetResults is how many set results of one permission an abac block is
// written from without allocating for them; more cost a slice.
const maxSetResults = 32

// abacTraceBlock writes the abac debug block into r from what abacTrace
// found.
func (e *Engine) abacTraceBlock(r *pdp.Reason, c *pdp.Check, v *env, tr *pdp.Trace, res abacResult) *pdp.Reason {
	pr := res.pr
	var ub, rb [maxSetResults]bool
	uok, rok := results(ub[:0], len(pr.userSets)), results(rb[:0], len(pr.resSets))
	for i := range uok {
		uok[i] = tr.UserSets[res.users+i].Result
	}
	for i := range rok {
		rok[i] = tr.ResourceSets[res.resources+i].Result
	}
	return e.abacBlock(r, c, v, pr, uok, rok)
}

// results is a slice of n set results, in buf when it fits.
func results(buf []bool, n int) []bool {
	if n <= cap(buf) {
		return buf[:n]
	}
	return make([]bool, n)
}

// abacBlock writes the abac debug block into r as Permit's policy library
// does: uok and rok are the results of pr's user and resource sets (indexed
// like pr.userSets and pr.resSets). Evaluate finds them in its trace,
// EvaluateDebug by evaluating the sets alone; the block is the same either
// way.
//
// The codes follow Permit's library, quirk included: its lists of the
// matching user sets and of the matching resource sets are one and the same
// list, every condition set that holds for the check, so the block denies
// with no_matching_usersets when no set at all holds and otherwise with
// no_matching_rules (no_matching_resourcesets cannot happen). Which sets of
// the action's rules failed, and why, is the trace's to say.
func (e *Engine) abacBlock(r *pdp.Reason, c *pdp.Check, v *env, pr *permRules, uok, rok []bool) *pdp.Reason {
	user, typ, action := c.User.Key, c.Resource.Type, c.Action
	n := 0
	for _, ri := range pr.rules {
		if uok[ri.u] && rok[ri.r] {
			n++
		}
	}
	if n > 0 {
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
		// Permit lists the pairs in the order of the sets' keys.
		slices.SortFunc(allowing, func(a, b pdp.AllowingRule) int {
			if c := strings.Compare(ruleUserWire(a), ruleUserWire(b)); c != 0 {
				return c
			}
			return strings.Compare(ruleResourceWire(a), ruleResourceWire(b))
		})
		allow(r, allowingRuleReason(c, allowing[0]))
		r.AllowingRules = allowing
		return r
	}
	matched := e.matchingSets(v, pr, uok, rok)
	if len(matched) == 0 {
		return deny(r, "no_matching_usersets", newSentence().w("user ").q(user).
			w(" did not match any userset conditions. known usersets: ").list(e.userSetWires).done())
	}
	deny(r, "no_matching_rules", newSentence().w("user ").q(user).w(" does not match any rule that grants him the ").q(action).
		w(" permission on the given resource of type ").q(typ).done())
	// One list under both names, as Permit gives it.
	r.MatchingUsersets, r.MatchingResourcesets = matched, matched
	return r
}

// ruleUserWire and ruleResourceWire are the keys of an allowing rule's
// sets as Permit names them.
func ruleUserWire(a pdp.AllowingRule) string {
	if a.Role != "" {
		return autogenPrefix + a.Role
	}
	return a.UserSet
}

func ruleResourceWire(a pdp.AllowingRule) string {
	if a.ResourceType != "" {
		return autogenPrefix + a.ResourceType
	}
	return a.ResourceSet
}

// allowingRuleReason is Permit's sentence for the first allowing rule.
func allowingRuleReason(c *pdp.Check, a pdp.AllowingRule) string {
	s := newSentence().w("user ").q(c.User.Key)
	if a.Role != "" {
		s.w(" has the role ").q(a.Role).w(" in tenant ").q(c.Resource.Tenant)
	} else {
		s.w(" matched ").q(a.UserSet).w(" userset conditions")
	}
	if a.ResourceSet != "" {
		s.w(", the given resource matched the ").q(a.ResourceSet).w(" resourceset conditions")
	}
	if a.Role != "" {
		s.w(", role ").q(a.Role).w(" has the ")
	} else {
		s.w(", users matching ").q(a.UserSet).w(" userset conditions has the ")
	}
	s.q(c.Action).w(" permission on resources of type ").q(c.Resource.Type)
	if a.ResourceSet != "" {
		s.w(" matching ").q(a.ResourceSet).w(" resourceset conditions")
	}
	return s.done()
}

// matchingSets lists the wire keys of every condition set that holds for
// the check, user sets and resource sets together, sorted (nil for none).
// The sets pr names are not evaluated again: uok and rok hold their
// results. A resource set can hold only for resources of its type, and a
// generated user set only for a role the user has, so those are the only
// ones looked at.
func (e *Engine) matchingSets(v *env, pr *permRules, uok, rok []bool) []string {
	var out []string
	add := func(s *setIndex, named []*setIndex, ok []bool) {
		if i := slices.Index(named, s); i >= 0 {
			if ok[i] {
				out = append(out, s.wire)
			}
			return
		}
		if v.inSet(s) {
			out = append(out, s.wire)
		}
	}
	if v.plain.u != nil {
		out = append(out, e.heldFixedSets(v)...)
		for _, s := range e.explicitUserSets {
			if !s.fixed {
				add(s, pr.userSets, uok)
			}
		}
	} else {
		for _, s := range e.explicitUserSets {
			add(s, pr.userSets, uok)
		}
	}
	for _, r := range v.effectiveRoles() {
		key, _ := r.(string)
		if s := e.userSets[key]; s != nil && s.implicit && !slices.Contains(out, s.wire) {
			add(s, pr.userSets, uok)
		}
	}
	if rt, ok := lookup(v.resource[:], segType); ok {
		key, _ := rt.(string)
		for _, s := range e.resSetsByType[key] {
			add(s, pr.resSets, rok)
		}
		if s := e.resourceSets[key]; s != nil && s.implicit {
			add(s, pr.resSets, rok)
		}
	}
	slices.Sort(out)
	return out
}

// abacDebug writes the abac debug block into r without a trace: the sets
// the block names are evaluated alone, each once (mu and mr hold the
// results pr.allows already found, indexed like pr.userSets and
// pr.resSets). pr is nil when no rule names the check's permission.
func (e *Engine) abacDebug(r *pdp.Reason, c *pdp.Check, v *env, pr *permRules, mu, mr *setMemo) *pdp.Reason {
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
	return e.abacBlock(r, c, v, pr, uok, rok)
}

// heldFixedSets are the wire keys of the explicit user sets that read no
// resource attribute and hold for v's plain check: the same for every such
// check of the user in the tenant, so evaluated once and kept (concurrent
// first uses may each evaluate them; the results are equal).
func (e *Engine) heldFixedSets(v *env) []string {
	u, t := v.plain.u, v.plain.tenant
	if p, ok := u.heldSets.Load(t); ok {
		return *p.(*[]string)
	}
	held := []string{}
	for _, s := range e.explicitUserSets {
		if s.fixed && v.inSet(s) {
			held = append(held, s.wire)
		}
	}
	u.heldSets.Store(t, &held)
	return held
}
