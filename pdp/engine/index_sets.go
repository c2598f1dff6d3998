package engine

import (
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp/policy"
)

// setIndex is a user set or resource set, explicit or generated.
type setIndex struct {
	key, name string
	// wire is the key Permit's debug object names the set by: the key of an
	// explicit set, "__autogen_<role>" or "__autogen_<type>" for a generated one.
	wire string
	// implicit marks Permit's generated sets: "has role R", "is of type T".
	implicit bool
	// resource is the type a resource set is over ("" for user sets).
	resource string
	cond     *cond
	// typeCond is the leaf "resource.type equals resource" a trace shows
	// when the set is over another type than the check's resource; nil when
	// the set holds for any type.
	typeCond *cond
	// fixed: the set reads no resource attribute, so for a user in a tenant
	// with no JIT attributes (and no context) it holds or not once and for all.
	fixed bool
	// nodes and kids size a trace of the set (pdp.CondTrace nodes and child
	// pointers), typeCond's wrapping included, so one check's trace is two
	// allocations however many sets and conditions it shows.
	nodes, kids int
}

// newSet finishes a set: its type leaf and trace sizes.
func newSet(s *setIndex) *setIndex {
	s.fixed = s.cond.reads()&scopeBit(scopeResource) == 0
	s.wire = s.key
	if s.implicit {
		s.wire = autogenPrefix + s.key
	}
	s.nodes, s.kids = s.cond.size()
	if s.resource != "" && !s.implicit {
		s.typeCond = leafCond("resource.type", opEquals, s.resource)
		s.nodes += 2 // the allOf around the type leaf and the condition, and the leaf
		s.kids += 2
	}
	return s
}

func (e *Engine) indexSets(p *policy.Policy) {
	// Every role and type has its generated set, so any environment with a
	// role, a type or a set of its own has ABAC on, as a real one in
	// practice always does.
	e.abacActive = len(p.UserSets)+len(p.ResourceSets)+len(p.Roles)+len(p.Resources) > 0
	e.userSets = make(map[string]*setIndex, len(p.UserSets)+len(p.Roles))
	e.resourceSets = make(map[string]*setIndex, len(p.ResourceSets)+len(p.Resources))
	// Permit generates a user set per role and a resource set per type;
	// explicit sets of the same key (the validator rejects them) win.
	for key := range p.Roles {
		e.userSets[key] = newSet(&setIndex{key: key, implicit: true, cond: leafCond("user.roles", opArrayContains, key)})
	}
	for key := range p.Resources {
		e.resourceSets[key] = newSet(&setIndex{key: key, implicit: true, resource: key, cond: leafCond("resource.type", opEquals, key)})
	}
	for key, s := range p.UserSets {
		si := &setIndex{key: key}
		if s != nil {
			si.name, si.cond = s.Name, compile(s.Conditions)
		} else {
			si.cond = compile(nil)
		}
		e.userSets[key] = newSet(si)
	}
	for key, s := range p.ResourceSets {
		si := &setIndex{key: key}
		if s != nil {
			si.name, si.resource, si.cond = s.Name, s.Resource, compile(s.Conditions)
		} else {
			si.cond = compile(nil)
		}
		e.resourceSets[key] = newSet(si)
	}
	e.indexSetLists()

	e.rules = map[permKey]*permRules{}
	for _, r := range p.ConditionSetRules {
		typ, action, _ := strings.Cut(r.Permission, ":")
		k := permKey{typ, action}
		pr := e.rules[k]
		if pr == nil {
			pr = &permRules{perm: typ + ":" + action}
			e.rules[k] = pr
		}
		us := e.userSets[r.UserSet]
		if us == nil {
			// Unknown set (the validator rejects it): a set nobody is in.
			us = newSet(&setIndex{key: r.UserSet, cond: &cond{kind: nodeAny}})
		}
		rs := e.resourceSets[r.ResourceSet]
		if rs == nil {
			rs = newSet(&setIndex{key: r.ResourceSet, cond: &cond{kind: nodeAny}})
		}
		pr.rules = append(pr.rules, ruleIndex{rule: r, u: addSet(&pr.userSets, us), r: addSet(&pr.resSets, rs)})
	}
}

func addSet(list *[]*setIndex, s *setIndex) int {
	for i, x := range *list {
		if x == s {
			return i
		}
	}
	*list = append(*list, s)
	return len(*list) - 1
}

// autogenPrefix starts the key Permit gives a generated set.
const autogenPrefix = "__autogen_"

// indexSetLists lists the explicit user sets, the explicit resource sets by
// type and every user set's wire key, for the debug object's lists of the
// sets that hold and of the known user sets.
func (e *Engine) indexSetLists() {
	e.resSetsByType = map[string][]*setIndex{}
	for _, key := range sortedKeys(e.userSets) {
		s := e.userSets[key]
		e.userSetWires = append(e.userSetWires, s.wire)
		if !s.implicit {
			e.explicitUserSets = append(e.explicitUserSets, s)
		}
	}
	slices.Sort(e.userSetWires)
	for _, key := range sortedKeys(e.resourceSets) {
		if s := e.resourceSets[key]; !s.implicit {
			e.resSetsByType[s.resource] = append(e.resSetsByType[s.resource], s)
		}
	}
}
