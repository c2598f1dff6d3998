package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// SchemaTypes are the types an attribute schema may declare.
// json holds any JSON value and object_array a list of objects, as Permit's
// attribute types do.
var SchemaTypes = []string{"string", "number", "bool", "array", "object", "time", "json", "object_array"}

// Validate checks a policy built in Go (tests, generated policies) as Parse
// checks a file: every cross reference, operator and condition path. Its
// Problems carry no positions; each message starts with the dotted path of
// the value instead. It returns nil for a valid policy.
func (p *Policy) Validate() error {
	return validate(p, newSourceMap(), "").Err()
}

// validator runs the checks that need the whole policy: names that refer to
// other names, and conditions.
type validator struct {
	p     *Policy
	src   *sourceMap
	file  string
	probs Problems
	// hintBudget is how many more candidate names "did you mean" hints may
	// compare a name with.
	hintBudget int
	// tenants and ruleUserSets are candidate lists that many problems of
	// one file may need, sorted once.
	tenants, ruleUserSets, ruleResourceSets []string
	// walkAll walks every user, instance and relationship, as if no fine
	// test passed any: the tests compare what it finds with the shortcut.
	walkAll bool
	unfine  unfineEntries
}

// maxHintComparisons bounds the work of the hints of one file.
const maxHintComparisons = 1_000_000

func (v *validator) tenantKeys() []string {
	if v.tenants == nil {
		v.tenants = sortedKeys(v.p.Tenants)
	}
	return v.tenants
}

func validate(p *Policy, src *sourceMap, file string) Problems {
	return (&validator{p: p, src: src, file: file, hintBudget: maxHintComparisons}).run()
}

func (v *validator) run() Problems {
	v.scan()
	v.version()
	v.source()
	v.resources()
	v.tenantRoles()
	v.users()
	v.instances()
	v.relationships()
	v.userSets()
	v.resourceSets()
	v.rules()
	return v.probs
}

// report adds a problem at the value (or, with key set, at the key) that path
// names. Values the decoder never saw (a Go-built policy) have no position:
// the message then starts with the path, and an ancestor's position is used
// when only that is known.
func (v *validator) report(path []string, key bool, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for i := len(path); i >= 0; i-- {
		if at, ok := v.src.lookup(path[:i], key && i == len(path)); ok {
			v.add(at, msg)
			return
		}
	}
	if dp := displayPath(path); dp != "" {
		msg = dp + ": " + msg
	}
	v.add(pos{}, msg)
}

func (v *validator) add(at pos, msg string) {
	v.probs = append(v.probs, Problem{File: v.file, Line: at.line, Col: at.col, Msg: msg})
}

func (v *validator) errorf(path []string, format string, args ...any) {
	v.report(path, false, format, args...)
}

func (v *validator) keyErrorf(path []string, format string, args ...any) {
	v.report(path, true, format, args...)
}

// bad reports whether the decoder already complained about the value at path.
func (v *validator) bad(path ...string) bool {
	return len(v.src.bad) > 0 && v.src.bad[pathKey(path)]
}

// missing reports whether a required field should be reported as missing:
// it is empty, and neither it was malformed nor its mapping had a typo'd key
// (the typo is the real problem and was reported already).
func (v *validator) missing(value string, path []string, field string) bool {
	return value == "" && !(len(v.src.unknown) > 0 && v.src.unknown[pathKey(path)]) && !v.bad(join(path, field)...)
}

// displayPath writes a path as people read it: users.alice.roles[0].
func displayPath(path []string) string {
	var b strings.Builder
	for _, seg := range path {
		if strings.HasPrefix(seg, "@") {
			continue
		}
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if strings.ContainsAny(seg, ".: ") {
			seg = strconv.Quote(seg)
		}
		b.WriteString(seg)
	}
	return b.String()
}

// unknownHint is a did-you-mean hint, or the list of valid names when none
// is close and the list is short enough to read.
func (v *validator) unknownHint(name string, candidates []string, what string) string {
	// A file with thousands of unknown names among thousands of candidates
	// would cost their product in comparisons: past a budget, the hints
	// stop and the problems are still reported.
	if v.hintBudget >= len(candidates) {
		v.hintBudget -= len(candidates)
		if h := didYouMean(name, candidates); h != "" {
			return h
		}
	}
	switch {
	case len(candidates) == 0:
		return fmt.Sprintf(" (the policy declares no %s)", what)
	case len(candidates) <= 8:
		return fmt.Sprintf(" (%s: %s)", what, strings.Join(candidates, ", "))
	}
	return ""
}

func (v *validator) version() {
	if v.bad("version") || v.bad() {
		return
	}
	switch {
	case v.p.Version == 1:
	case v.p.Version == 0 && !v.hasValue("version"):
		v.errorf(nil, "version is missing: the file must start with \"version: 1\"")
	default:
		v.errorf([]string{"version"}, "version %d is not supported: this pdpx reads version 1", v.p.Version)
	}
}

func (v *validator) hasValue(path ...string) bool {
	_, ok := v.src.lookup(path, false)
	return ok
}

func (v *validator) resourceTypes() []string { return sortedKeys(v.p.Resources) }

func (v *validator) resources() {
	for _, t := range v.resourceTypes() {
		r := v.p.Resources[t]
		base := []string{"resources", t}
		if t == "" || strings.Contains(t, ":") {
			v.keyErrorf(base, "resource type %q must be a non-empty name without ':' (instances are written type:key)", t)
		}
		seen := map[string]bool{}
		for i, a := range r.Actions {
			at := join(base, "actions", strconv.Itoa(i))
			switch {
			case v.bad(at...):
			case a == "" || strings.Contains(a, ":"):
				v.errorf(at, "action %q of %s must be a non-empty name without ':'", a, t)
			case seen[a]:
				v.errorf(at, "action %q of %s is listed twice", a, t)
			}
			seen[a] = true
		}
		for _, name := range sortedKeys(r.Attributes) {
			if typ := r.Attributes[name]; !contains(SchemaTypes, typ) && !v.bad("resources", t, "attributes", name) {
				v.errorf(join(base, "attributes", name), "attribute %q of %s has unknown type %q: use one of %s%s",
					name, t, typ, strings.Join(SchemaTypes, ", "), didYouMean(typ, SchemaTypes))
			}
		}
		for _, rel := range sortedKeys(r.Relations) {
			target := r.Relations[rel]
			if _, ok := v.p.Resources[target]; !ok && !v.bad("resources", t, "relations", rel) {
				v.errorf(join(base, "relations", rel), "relation %q of %s names unknown resource type %q%s",
					rel, t, target, v.unknownHint(target, v.resourceTypes(), "resource types"))
			}
		}
		for _, role := range sortedKeys(r.Roles) {
			v.resourceRole(t, r, role, join(base, "roles", role))
		}
	}
}

func (v *validator) resourceRole(t string, r *Resource, role string, base []string) {
	rr := r.Roles[role]
	for i, perm := range rr.Permissions {
		at := join(base, "permissions", strconv.Itoa(i))
		if contains(r.Actions, perm) || v.bad(at...) {
			continue
		}
		if typ, act, ok := SplitRef(perm); ok && typ == t && contains(r.Actions, act) {
			v.errorf(at, "resource role %q of %s grants %q: a resource role's permissions are bare actions of its type, write %q",
				role, t, perm, act)
			continue
		}
		v.errorf(at, "resource role %q of %s names unknown action %q%s", role, t, perm, v.unknownHint(perm, r.Actions, t+" actions"))
	}
	for i, ext := range rr.Extends {
		at := join(base, "extends", strconv.Itoa(i))
		parent, ok := r.Roles[ext]
		switch {
		case v.bad(at...):
		case !ok:
			v.errorf(at, "resource role %q of %s extends unknown role %q%s", role, t, ext, v.unknownHint(ext, sortedKeys(r.Roles), t+" roles"))
		case ext == role:
			v.errorf(at, "resource role %q of %s extends itself", role, t)
		default:
			v.inherits(at, fmt.Sprintf("resource role %q of %s", role, t), ext, rr.Permissions, parent.Permissions)
		}
	}
	if rr.GrantedTo == nil {
		return
	}
	for i, der := range rr.GrantedTo.UsersWithRole {
		v.derivation(t, r, role, der, join(base, "granted_to", "users_with_role", strconv.Itoa(i)))
	}
}

// derivation checks one "users with role R on resource ST linked by REL".
func (v *validator) derivation(t string, r *Resource, role string, der Derivation, at []string) {
	for _, f := range []struct{ key, val string }{
		{"role", der.Role}, {"on_resource", der.OnResource}, {"linked_by_relation", der.LinkedByRelation},
	} {
		if v.missing(f.val, at, f.key) {
			v.errorf(at, "role derivation for %s#%s has no %s", t, role, f.key)
		}
	}
	src, srcKnown := v.p.Resources[der.OnResource]
	if der.OnResource != "" && !srcKnown && !v.bad(join(at, "on_resource")...) {
		v.errorf(join(at, "on_resource"), "role derivation for %s#%s names unknown resource type %q%s",
			t, role, der.OnResource, v.unknownHint(der.OnResource, v.resourceTypes(), "resource types"))
	}
	if srcKnown && der.Role != "" && !v.bad(join(at, "role")...) {
		if _, ok := src.Roles[der.Role]; !ok {
			v.errorf(join(at, "role"), "role derivation for %s#%s names unknown role %q of %s%s",
				t, role, der.Role, der.OnResource, v.unknownHint(der.Role, sortedKeys(src.Roles), der.OnResource+" roles"))
		}
	}
	if der.LinkedByRelation == "" || v.bad(join(at, "linked_by_relation")...) {
		return
	}
	subject, ok := r.Relations[der.LinkedByRelation]
	switch {
	case !ok:
		v.errorf(join(at, "linked_by_relation"), "relation %q is not declared on %s%s",
			der.LinkedByRelation, t, v.unknownHint(der.LinkedByRelation, sortedKeys(r.Relations), t+" relations"))
	case srcKnown && subject != der.OnResource:
		v.errorf(join(at, "linked_by_relation"), "relation %q of %s links a %s, not a %s: on_resource must be %s",
			der.LinkedByRelation, t, subject, der.OnResource, subject)
	}
}

// permission checks a "type:action" that who (`role "admin"`, "the rule")
// grants, and returns its type when that is known.
func (v *validator) permission(perm string, at []string, who string) (typ string, ok bool) {
	typ, act, ok := SplitRef(perm)
	if !ok {
		v.errorf(at, "%s grants %q, which is not \"type:action\" (like \"document:read\")", who, perm)
		return "", false
	}
	r, known := v.p.Resources[typ]
	if !known {
		v.errorf(at, "%s grants %q on unknown resource type %q%s", who, perm, typ, v.unknownHint(typ, v.resourceTypes(), "resource types"))
		return "", false
	}
	if !contains(r.Actions, act) {
		v.errorf(at, "%s grants %q, but %s has no action %q%s", who, perm, typ, act, v.unknownHint(act, r.Actions, typ+" actions"))
		return typ, false
	}
	return typ, true
}

func (v *validator) tenantRoles() {
	for _, role := range sortedKeys(v.p.Roles) {
		base := []string{"roles", role}
		for i, perm := range v.p.Roles[role].Permissions {
			if at := join(base, "permissions", strconv.Itoa(i)); !v.bad(at...) {
				v.permission(perm, at, fmt.Sprintf("role %q", role))
			}
		}
		for i, ext := range v.p.Roles[role].Extends {
			at := join(base, "extends", strconv.Itoa(i))
			parent, ok := v.p.Roles[ext]
			switch {
			case v.bad(at...):
			case !ok:
				v.errorf(at, "role %q extends unknown role %q%s", role, ext, v.tenantRoleHint(ext))
			case ext == role:
				v.errorf(at, "role %q extends itself", role)
			default:
				v.inherits(at, fmt.Sprintf("role %q", role), ext, v.p.Roles[role].Permissions, parent.Permissions)
			}
		}
	}
	for _, name := range sortedKeys(v.p.UserAttributes) {
		if typ := v.p.UserAttributes[name]; !contains(SchemaTypes, typ) && !v.bad("user_attributes", name) {
			v.errorf([]string{"user_attributes", name}, "user attribute %q has unknown type %q: use one of %s%s",
				name, typ, strings.Join(SchemaTypes, ", "), didYouMean(typ, SchemaTypes))
		}
	}
}

// inherits checks that a role that extends another lists the other's
// permissions too: every reader of a role's permissions (the engine, the
// explanations, the permission rows) reads Permissions alone.
func (v *validator) inherits(at []string, who, ext string, own, inherited []string) {
	var missing []string
	for _, perm := range inherited {
		if !contains(own, perm) {
			missing = append(missing, perm)
		}
	}
	if len(missing) > 0 {
		v.errorf(at, "%s extends %q but does not list its permissions %s: add them to permissions (a role's permissions include those of the roles it extends)",
			who, ext, strings.Join(missing, ", "))
	}
}

// source checks a pulled policy's provenance: its time must be readable,
// since pdpx shows a snapshot's age from it.
func (v *validator) source() {
	s := v.p.Source
	if s == nil || s.PulledAt == "" || v.bad("source", "pulled_at") {
		return
	}
	if _, err := time.Parse(time.RFC3339, s.PulledAt); err != nil {
		v.errorf([]string{"source", "pulled_at"}, "source.pulled_at %q is not an RFC 3339 time like 2025-01-31T09:00:00Z", s.PulledAt)
	}
}

// schemaAccepts reports whether a value of JSON type got fits schema type want.
func schemaAccepts(want, got string) bool {
	switch want {
	case "time":
		return got == "string"
	case "json":
		return true
	case "object_array":
		return got == "array"
	}
	return !contains(SchemaTypes, want) || want == got
}

func withArticle(typ string) string { return pdp.WithArticle(typ) }
