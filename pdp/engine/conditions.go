package engine

import (
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// scope is the object a condition path starts from.
type scope uint8

const (
	scopeUnknown scope = iota
	scopeUser
	scopeResource
	scopeTenant
	scopeContext
	scopeRole
)

var scopeNames = map[string]scope{
	"user":     scopeUser,
	"resource": scopeResource,
	"tenant":   scopeTenant,
	"context":  scopeContext,
	"role":     scopeRole,
}

type nodeKind uint8

const (
	nodeAll nodeKind = iota
	nodeAny
	nodeNot
	nodeLeaf
)

var nodeKindNames = [...]string{nodeAll: "allOf", nodeAny: "anyOf", nodeNot: "not", nodeLeaf: "leaf"}

// cond is a compiled condition: paths split and operators resolved once at
// New, so evaluating a check does no string work but map look-ups.
type cond struct {
	kind nodeKind
	kids []*cond

	// Leaf.
	path   string
	scope  scope
	segs   []string
	op     op
	opName string
	value  any
	// ref, when set, names the attribute whose value is compared instead of value.
	ref      string
	refScope scope
	refSegs  []string
}

// compile turns a policy condition into a cond. A nil condition is an empty
// allOf, which holds (a set without conditions contains everything). A node
// with more than one of allOf/anyOf/not (the validator rejects it) is read as
// the allOf of its parts rather than silently dropping any.
func compile(c *policy.Condition) *cond {
	if c == nil {
		return &cond{kind: nodeAll}
	}
	if c.IsLeaf() {
		return compileLeaf(c)
	}
	var parts []*cond
	add := func(kind nodeKind, kids []*policy.Condition) {
		n := &cond{kind: kind, kids: make([]*cond, 0, len(kids))}
		for _, k := range kids {
			n.kids = append(n.kids, compile(k))
		}
		parts = append(parts, n)
	}
	if c.AllOf != nil {
		add(nodeAll, c.AllOf)
	}
	if c.AnyOf != nil {
		add(nodeAny, c.AnyOf)
	}
	if c.Not != nil {
		add(nodeNot, c.Not)
	}
	switch len(parts) {
	case 0:
		return &cond{kind: nodeAll}
	case 1:
		return parts[0]
	}
	return &cond{kind: nodeAll, kids: parts}
}

func compileLeaf(c *policy.Condition) *cond {
	n := &cond{kind: nodeLeaf, path: c.Path, opName: c.Operator, op: opNames[c.Operator]}
	n.scope, n.segs = splitPath(c.Path)
	if c.Ref != "" {
		n.ref = c.Ref
		n.refScope, n.refSegs = splitPath(c.Ref)
	} else {
		n.value = normalize(c.Value)
	}
	return n
}

// splitPath splits "user.address.city" into its scope and the keys below it.
func splitPath(p string) (scope, []string) {
	head, rest, ok := strings.Cut(p, ".")
	if !ok || rest == "" {
		return scopeUnknown, nil
	}
	return scopeNames[head], strings.Split(rest, ".")
}

// leafCond builds a compiled leaf directly (for Permit's generated sets).
func leafCond(path string, o op, value any) *cond {
	n := &cond{kind: nodeLeaf, path: path, op: o, value: value}
	for name, v := range opNames {
		if v == o {
			n.opName = name
		}
	}
	n.scope, n.segs = splitPath(path)
	return n
}

// env is what conditions read: the attribute layers of one check.
type env struct {
	user     layers // JIT, stored (with key), generated (roles, tenants)
	resource layers // JIT, stored instance, generated (type)
	tenant   layers // JIT, stored (only when the user belongs to the tenant)
	context  map[string]any
	roles    map[string]*roleIndex
	// plain holds the user and tenant of a check that sends no attributes
	// of its own for the user, the tenant or the context: the user sets
	// that read no resource then hold for it as for any such check of the
	// same user in the same tenant (see heldFixedSets). u is nil otherwise.
	plain struct {
		u      *userIndex
		tenant string
	}
}

// resolve reads a path in a scope. role.<attr> has no single value and is
// handled by the leaf itself; a ref naming it is missing.
func (v *env) resolve(s scope, segs []string) (any, bool) {
	switch s {
	case scopeUser:
		return lookup(v.user[:], segs)
	case scopeResource:
		return lookup(v.resource[:], segs)
	case scopeTenant:
		return lookup(v.tenant[:], segs)
	case scopeContext:
		return lookup([]map[string]any{v.context}, segs)
	}
	return nil, false
}

// effectiveRoles is the merged user.roles: generated from the tenant, or
// whatever the check sent as JIT user.attributes.roles.
func (v *env) effectiveRoles() []any {
	r, ok := lookup(v.user[:], segRoles)
	if !ok {
		return nil
	}
	l, _ := asList(r)
	return l
}

var segRoles = []string{"roles"}

// eval evaluates c without recording anything (the fast path).
func (v *env) eval(c *cond) bool {
	switch c.kind {
	case nodeAll:
		for _, k := range c.kids {
			if !v.eval(k) {
				return false
			}
		}
		return true
	case nodeAny:
		for _, k := range c.kids {
			if v.eval(k) {
				return true
			}
		}
		return false
	case nodeNot:
		for _, k := range c.kids {
			if !v.eval(k) {
				return true
			}
		}
		return false
	}
	expected, ok := v.expected(c)
	if !ok {
		return false
	}
	if c.scope == scopeRole {
		for _, r := range v.effectiveRoles() {
			if a, ok := v.roleAttr(r, c.segs); ok && apply(c.op, a, expected) {
				return true
			}
		}
		return false
	}
	actual, ok := v.resolve(c.scope, c.segs)
	return ok && apply(c.op, actual, expected)
}

// expected is the leaf's right-hand side: its value or the referenced attribute.
func (v *env) expected(c *cond) (any, bool) {
	if c.ref == "" {
		return c.value, true
	}
	return v.resolve(c.refScope, c.refSegs)
}

func (v *env) roleAttr(role any, segs []string) (any, bool) {
	name, ok := role.(string)
	if !ok {
		return nil, false
	}
	ri := v.roles[name]
	if ri == nil {
		return nil, false
	}
	return lookup([]map[string]any{ri.attrs}, segs)
}

// size counts the nodes of c's trace and their child pointers.
func (c *cond) size() (nodes, kids int) {
	nodes, kids = 1, len(c.kids)
	for _, k := range c.kids {
		n, m := k.size()
		nodes += n
		kids += m
	}
	return nodes, kids
}

// traceArena hands out the nodes and child lists of one check's condition
// traces from two slices sized up front (setIndex.nodes and kids), instead
// of an allocation per node. Child lists are capped at their length, so a
// caller appending to one reallocates rather than overwriting a neighbour.
type traceArena struct {
	nodes []pdp.CondTrace
	kids  []*pdp.CondTrace
}

func newTraceArena(nodes, kids int) traceArena {
	var a traceArena
	if nodes > 0 {
		a.nodes = make([]pdp.CondTrace, nodes)
	}
	if kids > 0 {
		a.kids = make([]*pdp.CondTrace, kids)
	}
	return a
}

func (a *traceArena) node() *pdp.CondTrace {
	if len(a.nodes) == 0 {
		return new(pdp.CondTrace) // a miscount costs an allocation, never a wrong trace
	}
	n := &a.nodes[0]
	a.nodes = a.nodes[1:]
	return n
}

// children is a list of n child pointers; never nil, as the trace has
// always given even an empty node.
func (a *traceArena) children(n int) []*pdp.CondTrace {
	if n == 0 || n > len(a.kids) {
		return make([]*pdp.CondTrace, n)
	}
	l := a.kids[:n:n]
	a.kids = a.kids[n:]
	return l
}

// trace evaluates c and records every node: the same answer as eval, with
// each leaf's path, operator, expected value, ref, actual value or Missing.
func (v *env) trace(c *cond, a *traceArena) *pdp.CondTrace {
	t := a.node()
	t.Kind = nodeKindNames[c.kind]
	switch c.kind {
	case nodeAll, nodeAny, nodeNot:
		t.Children = a.children(len(c.kids))
		all, any := true, false
		for i, k := range c.kids {
			t.Children[i] = v.trace(k, a)
			all = all && t.Children[i].Result
			any = any || t.Children[i].Result
		}
		switch c.kind {
		case nodeAll:
			t.Result = all
		case nodeAny:
			t.Result = any
		default:
			t.Result = !all
		}
		return t
	}
	t.Path, t.Operator, t.Ref = c.path, c.opName, c.ref
	expected, okExp := v.expected(c)
	if okExp {
		t.Expected = expected
	}
	if c.scope == scopeRole {
		// role.<attr> holds when some role matches; show each role's value.
		var byRole map[string]any
		for _, r := range v.effectiveRoles() {
			a, ok := v.roleAttr(r, c.segs)
			if !ok {
				continue
			}
			if byRole == nil {
				byRole = map[string]any{}
			}
			byRole[r.(string)] = a
			if okExp && apply(c.op, a, expected) {
				t.Result = true
			}
		}
		if len(byRole) == 0 {
			t.Missing = true
		} else {
			t.Actual = byRole
		}
		t.Missing = t.Missing || !okExp
		return t
	}
	actual, okAct := v.resolve(c.scope, c.segs)
	if okAct {
		t.Actual = actual
	}
	t.Missing = !okAct || !okExp
	t.Result = okAct && okExp && apply(c.op, actual, expected)
	return t
}
