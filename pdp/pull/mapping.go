// Package pull turns a Permit environment, as package permitapi reads it,
// into a pdpx policy: Map does the mapping (no HTTP, so tests and a stand-in
// API share it), Run reads and maps (and writes the file, given
// Options.Output), and WriteFile writes a result atomically.
package pull

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/policy"
)

// AutogenPrefix starts the keys of the condition sets Permit generates when
// a rule names a role ("__autogen_viewer": users with role viewer) or a
// resource type ("__autogen_document": every document).
const AutogenPrefix = "__autogen_"

// Result is a mapped environment.
type Result struct {
	Policy *policy.Policy
	// Counts is how many objects of each kind the environment had.
	Counts map[string]int
	// NotKept names, for people, each thing Permit had that the policy does
	// not hold, and why. It goes into the file's source header too.
	NotKept []string
}

// mapper carries what the steps share.
type mapper struct {
	s *permitapi.Snapshot
	// rels are the tuples kept, being sorted (relsFor is the number they
	// are sized for, once known); early are tuples read before the resource
	// types that decide which are kept were mapped; listed and bad count the
	// tuples read and those not kept. streamed says the tuples came through
	// tupleSink rather than in the snapshot.
	rels        *sortedRuns
	relsFor     int
	lastKind    tupleKind
	early       []policy.Relationship
	listed, bad int
	streamed    bool
	p           *policy.Policy
	notKept     []string
	// groups: resource type -> action group -> its actions.
	groups map[string]map[string][]string
}

func (m *mapper) note(format string, args ...any) {
	m.notKept = append(m.notKept, pdp.Clean(fmt.Sprintf(format, args...)))
}

// Map maps a snapshot into a policy. The policy is valid (Validate passes)
// or Map returns an error saying why not; what cannot be held is left out
// and named in Result.NotKept, never dropped silently. Map consumes the
// snapshot: the large lists (users, assignments, instances, tuples) are let
// go as they are mapped, so that the snapshot and the policy are not both
// held whole.
func Map(s *permitapi.Snapshot) (*Result, error) {
	return mapWith(&mapper{s: s})
}

// tupleSink reads the relationship tuples as they are fetched, straight
// into the relationships kept and sorted as they come: the tuples' read
// models (an id and a tenant more, and a list of their own) are never all
// held at once, and little is left to do with them once the last page is
// in. Which tuples are kept depends on the resource types: the tuples read
// before those are mapped (schema not yet closed) wait in m.early.
func tupleSink(m *mapper, schema <-chan struct{}) permitapi.Sink[permitapi.RelationshipTuple] {
	m.streamed = true
	return func(page []permitapi.RelationshipTuple, total int) {
		m.relsFor = max(m.relsFor, total, len(page))
		m.listed += len(page)
		select {
		case <-schema:
		default:
			for _, t := range page {
				m.early = append(m.early, policy.Relationship{Subject: t.Subject, Relation: t.Relation, Object: t.Object})
			}
			return
		}
		m.keepEarly()
		for _, t := range page {
			m.keepTuple(policy.Relationship{Subject: t.Subject, Relation: t.Relation, Object: t.Object})
		}
	}
}

// mapWith maps a snapshot read whole: every list is in.
func mapWith(m *mapper) (*Result, error) {
	s := m.s
	f := newFlow(m)
	for _, k := range permitapi.Kinds {
		f.listed(k, s)
	}
	return f.result()
}

// orEmpty is name unless it only repeats key: Permit requires a name and
// fills it with the key, which would only add noise to the file.
func orEmpty(name, key string) string {
	if name == key {
		return ""
	}
	return name
}

// attrType maps Permit's attribute types onto the format's.
func (m *mapper) attrType(where, key, typ string) string {
	if slices.Contains(policy.SchemaTypes, typ) {
		return typ
	}
	m.note("%s attribute %q has type %q, which pdpx does not know: written as json (any value)", where, key, typ)
	return "json"
}

func (m *mapper) resources() {
	m.p.Resources = make(map[string]*policy.Resource, len(m.s.Resources))
	for _, r := range m.s.Resources {
		res := &policy.Resource{Name: orEmpty(r.Name, r.Key)}
		res.Actions = slices.Sorted(maps.Keys(r.Actions))
		for key, a := range r.Attributes {
			if res.Attributes == nil {
				res.Attributes = map[string]string{}
			}
			res.Attributes[key] = m.attrType(r.Key, key, a.Type)
		}
		for key, rel := range r.Relations {
			if res.Relations == nil {
				res.Relations = map[string]string{}
			}
			subject := rel.Resource
			if subject == "" {
				subject = m.resourceKey(rel.ResourceID)
			}
			res.Relations[key] = subject
		}
		if len(r.ActionGroups) > 0 {
			groups := map[string][]string{}
			for g, raw := range r.ActionGroups {
				groups[g] = groupActions(raw)
			}
			m.groups[r.Key] = groups
			m.note("%s action groups %s are not a part of the policy format: roles granted a group are given its actions", r.Key, strings.Join(slices.Sorted(maps.Keys(groups)), ", "))
		}
		m.p.Resources[r.Key] = res
	}
	// Roles after every type is known: derivations name other types.
	for _, r := range m.s.Resources {
		res := m.p.Resources[r.Key]
		for key, role := range r.Roles {
			if res.Roles == nil {
				res.Roles = map[string]*policy.ResourceRole{}
			}
			res.Roles[key] = m.resourceRole(r, key, role)
		}
		// Extends is resolved once every role of the type is read.
		closeExtends(res.Roles, func(rr *policy.ResourceRole) ([]string, []string) { return rr.Permissions, rr.Extends },
			func(rr *policy.ResourceRole, perms []string) { rr.Permissions = perms })
	}
}

// groupActions reads an action group's actions: a list of action keys, or an
// object with an "actions" list.
func groupActions(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var obj struct {
		Actions []string `json:"actions"`
	}
	_ = json.Unmarshal(raw, &obj)
	return obj.Actions
}

func (m *mapper) resourceKey(id string) string {
	for _, r := range m.s.Resources {
		if r.ID == id || r.Key == id {
			return r.Key
		}
	}
	return ""
}

func (m *mapper) resourceRole(r permitapi.Resource, key string, role permitapi.ResourceRole) *policy.ResourceRole {
	rr := &policy.ResourceRole{Name: orEmpty(role.Name, key)}
	who := fmt.Sprintf("resource role %s#%s", r.Key, key)
	for _, perm := range role.Permissions {
		// The spec says action keys and permit-cli's export sees
		// "type:action": both are read.
		action := perm
		if typ, act, ok := policy.SplitRef(perm); ok {
			if typ != r.Key {
				m.note("%s grants %q, an action of another resource type: not kept", who, perm)
				continue
			}
			action = act
		}
		rr.Permissions = append(rr.Permissions, m.actions(r.Key, action, who)...)
	}
	rr.Permissions = dedupe(rr.Permissions)
	for _, ext := range role.Extends {
		if _, ok := r.Roles[ext]; !ok {
			m.note("%s extends %q, which %s does not have: not kept", who, ext, r.Key)
			continue
		}
		rr.Extends = append(rr.Extends, ext)
	}
	if len(role.Attributes) > 0 {
		m.note("%s has attributes %s: resource role attributes are not a part of the policy format (conditions read role.<attr> of tenant roles)",
			who, strings.Join(slices.Sorted(maps.Keys(role.Attributes)), ", "))
	}
	if g := role.GrantedTo; g != nil {
		if g.When != nil && g.When.NoDirectRolesOnObject {
			rr.When = &policy.When{NoDirectRolesOnObject: true}
		}
		for _, u := range g.UsersWithRole {
			d := policy.Derivation{Role: u.Role, OnResource: u.OnResource, LinkedByRelation: u.LinkedByRelation}
			if u.When != nil && u.When.NoDirectRolesOnObject {
				d.When = &policy.When{NoDirectRolesOnObject: true}
			}
			if !m.derivationOK(r, key, d) {
				continue
			}
			if rr.GrantedTo == nil {
				rr.GrantedTo = &policy.GrantedTo{}
			}
			rr.GrantedTo.UsersWithRole = append(rr.GrantedTo.UsersWithRole, d)
		}
	}
	return rr
}

// derivationOK reports whether a derivation names what exists: Permit
// keeps a derivation whose relation or role was deleted later, and the
// policy format rejects it.
func (m *mapper) derivationOK(r permitapi.Resource, role string, d policy.Derivation) bool {
	var why string
	src, ok := m.srcResource(d.OnResource)
	switch rel, relOK := r.Relations[d.LinkedByRelation]; {
	case !ok:
		why = "unknown resource type " + d.OnResource
	case !hasKey(src.Roles, d.Role):
		why = fmt.Sprintf("%s has no role %s", d.OnResource, d.Role)
	case !relOK:
		why = fmt.Sprintf("%s has no relation %s", r.Key, d.LinkedByRelation)
	case rel.Resource != "" && rel.Resource != d.OnResource:
		why = fmt.Sprintf("relation %s links a %s, not a %s", d.LinkedByRelation, rel.Resource, d.OnResource)
	default:
		return true
	}
	m.note("%s#%s derivation from %s#%s by %s: %s; not kept", r.Key, role, d.OnResource, d.Role, d.LinkedByRelation, why)
	return false
}

func (m *mapper) srcResource(key string) (permitapi.Resource, bool) {
	for _, r := range m.s.Resources {
		if r.Key == key {
			return r, true
		}
	}
	return permitapi.Resource{}, false
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// actions resolves one action key of typ: itself, the actions of an action
// group of that name, or nothing (noted) when typ has neither.
func (m *mapper) actions(typ, action, who string) []string {
	res := m.p.Resources[typ]
	if res != nil && slices.Contains(res.Actions, action) {
		return []string{action}
	}
	if g, ok := m.groups[typ][action]; ok {
		var out []string
		for _, a := range g {
			if res != nil && slices.Contains(res.Actions, a) {
				out = append(out, a)
			}
		}
		return out
	}
	m.note("%s grants %s:%s, an action %s does not have: not kept", who, typ, action, typ)
	return nil
}

// closeExtends adds to each role the permissions of every role it reaches
// through extends (cycles included), so every reader of a role's
// permissions sees what the role grants.
func closeExtends[R any](roles map[string]R, get func(R) (perms, extends []string), set func(R, []string)) {
	own := make(map[string][]string, len(roles))
	ext := make(map[string][]string, len(roles))
	for key, r := range roles {
		own[key], ext[key] = get(r)
	}
	for key, r := range roles {
		if len(ext[key]) == 0 {
			continue
		}
		out := slices.Clone(own[key])
		seen := map[string]bool{key: true}
		queue := slices.Clone(ext[key])
		for len(queue) > 0 {
			k := queue[0]
			queue = queue[1:]
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, own[k]...)
			queue = append(queue, ext[k]...)
		}
		set(r, dedupe(out))
	}
}

// dedupe removes repeats, keeping the first of each.
func dedupe(list []string) []string {
	if len(list) < 2 {
		return list
	}
	seen := make(map[string]bool, len(list))
	out := list[:0:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// permission resolves a "type:action" (an action group included) into the
// permissions it grants.
func (m *mapper) permission(perm, who string) []string {
	typ, action, ok := policy.SplitRef(perm)
	if !ok || m.p.Resources[typ] == nil {
		m.note("%s grants %q, which names no resource type of the environment: not kept", who, perm)
		return nil
	}
	var out []string
	for _, a := range m.actions(typ, action, who) {
		out = append(out, typ+":"+a)
	}
	return out
}
