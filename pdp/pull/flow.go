package pull

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/policy"
)

// flow runs the mapping's steps as the lists they read come in, alongside
// the reading of the others: the small lists (the schema) are in first and
// mapped at once; the tuples' pages queue behind the other lists', so the
// instances, users and sets are mapped while the tuples are still read,
// and the tuples are kept and sorted as they come (tupleSink; most of
// them are settled in order while the last pages come). What is left once
// the last page is in is merging the tuples' last runs in and the
// validation; when Run writes the file, it begins the file and validates
// the rest of the policy while the tuples are merged (early): on a
// loopback, mapping everything after the last page took nearly as long as
// reading the pages back to back.
//
// The steps are the mapper's, in two chains: the schema, then instances,
// users and sets, on one goroutine, so that they note what they do not keep
// in the order they always have; the tuples, which read only the resource
// types, on another.
type flow struct {
	m *mapper
	// in has a channel per list, closed when the list is in.
	in map[string]chan struct{}
	// stop is closed when the reading failed: no list still awaited will
	// come.
	stop     chan struct{}
	stopOnce sync.Once
	// counts is what each list held, counted as it came in, before a step
	// let go of it.
	mu     sync.Mutex
	counts map[string]int
	// schema is closed once the resource types are mapped: the tuples are
	// kept or not by them.
	schema chan struct{}
	// facts and tuples are closed when their chains end, kept once the
	// tuples' chain has kept or dropped every tuple (and is sorting them);
	// at is where the tuples' note goes among the others, bad how many
	// tuples were not kept and keptN how many were, and ok whether the
	// chains ran to their end (keptOK: to kept).
	facts, tuples, kept chan struct{}
	at, bad, keptN      int
	factsOK             bool
	tuplesOK, keptOK    bool
	// rels are the relationships, sorted once tuples is closed; they go
	// into the policy then (result), or once its file is written (Run).
	rels []policy.Relationship
}

// newFlow starts the chains of m's steps; they wait for their lists.
func newFlow(m *mapper) *flow {
	f := &flow{m: m, in: map[string]chan struct{}{}, stop: make(chan struct{}), counts: baseCounts(),
		schema: make(chan struct{}), facts: make(chan struct{}), tuples: make(chan struct{}), kept: make(chan struct{})}
	for _, k := range permitapi.Kinds {
		f.in[k] = make(chan struct{})
	}
	m.p, m.groups = &policy.Policy{Version: 1}, map[string]map[string][]string{}
	schema := f.schema
	go func() {
		defer close(f.facts)
		if !f.wait(permitapi.KindResources, permitapi.KindUserAttributes, permitapi.KindRoles, permitapi.KindConditionSets, permitapi.KindTenants) {
			return
		}
		m.descriptions()
		m.resources()
		m.tenantRoles()
		m.userAttributes()
		m.tenants()
		close(schema)
		if !f.wait(permitapi.KindInstances) {
			return
		}
		m.instances()
		if !f.wait(permitapi.KindUsers, permitapi.KindRoleAssignments) {
			return
		}
		m.users()
		f.at = len(m.notKept)
		if !f.wait(permitapi.KindRules) {
			return
		}
		m.sets()
		f.factsOK = true
	}()
	go func() {
		defer close(f.tuples)
		kept := sync.OnceFunc(func() { close(f.kept) })
		defer kept()
		select {
		case <-schema:
		case <-f.stop:
			return
		}
		if !f.wait(permitapi.KindTuples) {
			return
		}
		f.bad, f.keptN = m.keepAll()
		f.keptOK = true
		kept()
		f.rels = m.sortKept()
		f.tuplesOK = true
	}()
	return f
}

// wait waits for the lists of kinds; false when the reading failed first.
func (f *flow) wait(kinds ...string) bool {
	for _, k := range kinds {
		select {
		case <-f.in[k]:
		case <-f.stop:
			return false
		}
	}
	return true
}

// listed is told that the list of kind is in, in s.
func (f *flow) listed(kind string, s *permitapi.Snapshot) {
	f.mu.Lock()
	if f.m.s == nil {
		f.m.s = s
	}
	count(kind, s, f.m, f.counts)
	f.mu.Unlock()
	close(f.in[kind])
}

// abandon ends the chains of a pull whose reading failed, and waits for
// them: a step under way finishes, none starts.
func (f *flow) abandon() {
	f.stopOnce.Do(func() { close(f.stop) })
	<-f.facts
	<-f.tuples
}

// result waits for the chains, once every list is in, and checks the
// policy they made.
func (f *flow) result() (*Result, error) {
	res, err := f.keptAll()
	if err != nil {
		return nil, err
	}
	<-f.tuples
	if !f.tuplesOK {
		return nil, errMappingStopped
	}
	res.Policy.Relationships = f.rels
	if err := check(res.Policy); err != nil {
		return nil, err
	}
	return res, nil
}

// errMappingStopped is the mapping's failure to end: a bug.
var errMappingStopped = errors.New("the mapping stopped before its end although every list was read; please report this at https://github.com/pdpx/pdpx/issues")

// sorting is the relationships of a pull being sorted once every tuple
// was kept or dropped, and not yet in the policy: the encoding of the file
// waits for them, and what comes before them in the file is written, and
// the rest of the policy checked, meanwhile.
type sorting struct {
	// kept is how many tuples were kept, those listed twice included: the
	// relationships are no more.
	kept int
	// done is closed once the relationships are sorted (rels), or the
	// sorting failed (ok says which).
	done <-chan struct{}
	ok   func() bool
	rels func() []policy.Relationship
}

// early is result for a pull that writes its file, unchecked: it returns
// once the tuples are kept, while they are sorted.
func (f *flow) early() (*Result, *sorting, error) {
	res, err := f.keptAll()
	if err != nil {
		return nil, nil, err
	}
	return res, &sorting{kept: f.keptN, done: f.tuples, ok: func() bool { return f.tuplesOK },
		rels: func() []policy.Relationship { return f.rels }}, nil
}

// keptAll waits for the facts' chain and for the tuples to be kept, and
// returns the result, its relationships not yet set.
func (f *flow) keptAll() (*Result, error) {
	<-f.facts
	<-f.kept
	m := f.m
	if !f.factsOK || !f.keptOK {
		return nil, errMappingStopped
	}
	if f.bad > 0 {
		m.notKept = slices.Insert(m.notKept, f.at, pdp.Clean(fmt.Sprintf(
			"%d relationship tuple(s) name a relation their object's type does not declare for their subject's type: not kept", f.bad)))
	}
	return &Result{Policy: m.p, Counts: f.counts, NotKept: m.notKept}, nil
}

// check validates a pulled policy: one that fails is the mapping's fault.
func check(p *policy.Policy) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("the environment does not map to a valid policy; please report this with the problems below:\n%w", err)
	}
	return nil
}

// baseCounts are the counts every pulled file states, zero or not.
func baseCounts() map[string]int {
	return map[string]int{
		"resources": 0, "roles": 0, "tenants": 0, "users": 0, "role_assignments": 0,
		"resource_instances": 0, "relationship_tuples": 0, "condition_set_rules": 0,
	}
}

// count adds to c what the list of kind held, as the API listed it.
func count(kind string, s *permitapi.Snapshot, m *mapper, c map[string]int) {
	switch kind {
	case permitapi.KindResources:
		c["resources"] = len(s.Resources)
		for _, r := range s.Resources {
			c["actions"] += len(r.Actions)
			c["resource_roles"] += len(r.Roles)
		}
	case permitapi.KindRoles:
		c["roles"] = len(s.Roles)
	case permitapi.KindTenants:
		c["tenants"] = len(s.Tenants)
	case permitapi.KindUsers:
		c["users"] = len(s.Users)
	case permitapi.KindRoleAssignments:
		c["role_assignments"] = len(s.RoleAssignments)
	case permitapi.KindInstances:
		c["resource_instances"] = len(s.Instances)
	case permitapi.KindTuples:
		c["relationship_tuples"] = len(s.Tuples)
		if m.streamed {
			c["relationship_tuples"] = m.listed
		}
	case permitapi.KindRules:
		c["condition_set_rules"] = len(s.Rules)
	case permitapi.KindConditionSets:
		for _, cs := range s.ConditionSets {
			switch {
			case cs.Autogenerated:
				c["autogenerated_sets"]++
			case cs.Type == "resourceset":
				c["resource_sets"]++
			default:
				c["user_sets"]++
			}
		}
	}
}
