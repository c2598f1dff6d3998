package engine

import (
	"slices"
	"strings"
)

// InstanceRef is a resource instance the policy knows: its key and its
// declared tenant ("" when its resource_instances entry names none, or
// when it has no entry).
type InstanceRef struct {
	Key, Tenant string
}

// InstancesOf lists the instances of resource type typ the policy knows,
// sorted by key: those declared under resource_instances, and those that
// relationships and instance role assignments name without declaring.
// Searches (which resources may this user act on?) enumerate them.
func (e *Engine) InstancesOf(typ string) []InstanceRef {
	seen := map[string]string{}
	add := func(k instKey) {
		if k.typ != typ || k.key == "" {
			return
		}
		if _, ok := seen[k.key]; !ok {
			seen[k.key] = ""
		}
	}
	for k, ii := range e.instances {
		if k.typ == typ && k.key != "" {
			seen[k.key] = ii.tenant
		}
	}
	for k := range e.holders {
		add(k)
	}
	for s, objs := range e.outbound {
		add(s)
		for _, o := range objs {
			add(o)
		}
	}
	out := make([]InstanceRef, 0, len(seen))
	for k, t := range seen {
		out = append(out, InstanceRef{Key: k, Tenant: t})
	}
	slices.SortFunc(out, func(a, b InstanceRef) int { return strings.Compare(a.Key, b.Key) })
	return out
}
