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
	v := &validator{p: p, src: src, file: file, hintBudget: maxHintComparisons}
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

func (v *validator) users() {
	tenants := v.tenantKeys()
	for _, u := range sortedKeys(v.p.Users) {
		user := v.p.Users[u]
		base := []string{"users", u}
		for i, t := range user.Tenants {
			if _, ok := v.p.Tenants[t]; !ok && !v.bad(join(base, "tenants", strconv.Itoa(i))...) {
				v.errorf(join(base, "tenants", strconv.Itoa(i)), "user %q is a member of unknown tenant %q%s", u, t, v.unknownHint(t, tenants, "tenants"))
			}
		}
		for i, ra := range user.Roles {
			v.assignment(ra, join(base, "roles", strconv.Itoa(i)))
		}
	}
}

// assignment checks a role assignment: a tenant role in a tenant, or a role of
// a resource type on one of its instances.
func (v *validator) assignment(ra RoleAssignment, at []string) {
	if v.missing(ra.Role, at, "role") {
		v.errorf(at, "role assignment has no role")
	}
	if ra.Tenant != "" {
		if _, ok := v.p.Tenants[ra.Tenant]; !ok {
			v.errorf(join(at, "tenant"), "role assignment names unknown tenant %q%s", ra.Tenant, v.unknownHint(ra.Tenant, v.tenantKeys(), "tenants"))
		}
	}
	if ra.Resource == "" {
		if ra.Tenant == "" && !(len(v.src.unknown) > 0 && v.src.unknown[pathKey(at)]) && !v.bad(join(at, "tenant")...) && !v.bad(join(at, "resource")...) {
			v.errorf(at, "role assignment needs a tenant (for a tenant role) or a resource \"type:key\" (for an instance role)")
		}
		if ra.Role != "" {
			if _, ok := v.p.Roles[ra.Role]; !ok {
				v.errorf(join(at, "role"), "role assignment names unknown role %q%s", ra.Role, v.tenantRoleHint(ra.Role))
			}
		}
		return
	}
	typ, _, ok := SplitRef(ra.Resource)
	if !ok {
		v.errorf(join(at, "resource"), "role assignment's resource %q must be an instance \"type:key\", like \"folder:plans\"", ra.Resource)
		return
	}
	r, known := v.p.Resources[typ]
	if !known {
		v.errorf(join(at, "resource"), "role assignment names unknown resource type %q%s", typ, v.unknownHint(typ, v.resourceTypes(), "resource types"))
		return
	}
	if ra.Role != "" {
		if _, ok := r.Roles[ra.Role]; !ok {
			v.errorf(join(at, "role"), "role assignment names unknown role %q of %s%s", ra.Role, typ, v.unknownHint(ra.Role, sortedKeys(r.Roles), typ+" roles"))
		}
	}
	// An instance that is not listed is fine (Permit creates instances on
	// first use), but a listed one lives in one tenant.
	if inst, ok := v.p.ResourceInstances[ra.Resource]; ok && ra.Tenant != "" && inst.Tenant != "" && inst.Tenant != ra.Tenant {
		v.errorf(join(at, "tenant"), "role assignment puts %s in tenant %q, but the instance is in tenant %q", ra.Resource, ra.Tenant, inst.Tenant)
	}
}

// tenantRoleHint explains an unknown tenant role, which is most often a
// resource role assigned as if it were a tenant role.
func (v *validator) tenantRoleHint(role string) string {
	var types []string
	for _, t := range v.resourceTypes() {
		if _, ok := v.p.Resources[t].Roles[role]; ok {
			types = append(types, t)
		}
	}
	if len(types) > 0 {
		return fmt.Sprintf(": %q is a role of %s, held on an instance: write resource: \"%s:<key>\" instead of a tenant",
			role, strings.Join(types, " and "), types[0])
	}
	return v.unknownHint(role, sortedKeys(v.p.Roles), "roles")
}

func (v *validator) instances() {
	for _, ref := range sortedKeys(v.p.ResourceInstances) {
		inst := v.p.ResourceInstances[ref]
		base := []string{"resource_instances", ref}
		typ, _, ok := SplitRef(ref)
		if !ok {
			v.keyErrorf(base, "resource instance %q must be keyed \"type:key\", like \"document:roadmap\"", ref)
			continue
		}
		r, known := v.p.Resources[typ]
		if !known {
			v.keyErrorf(base, "resource instance %q has unknown resource type %q%s", ref, typ, v.unknownHint(typ, v.resourceTypes(), "resource types"))
		}
		if inst.Tenant != "" {
			if _, ok := v.p.Tenants[inst.Tenant]; !ok {
				v.errorf(join(base, "tenant"), "resource instance %q names unknown tenant %q%s", ref, inst.Tenant, v.unknownHint(inst.Tenant, v.tenantKeys(), "tenants"))
			}
		}
		if known && len(r.Attributes) > 0 {
			for _, name := range sortedKeys(inst.Attributes) {
				v.instanceAttribute(ref, typ, r, name, inst.Attributes[name], join(base, "attributes", name))
			}
		}
	}
}

// instanceAttribute checks a stored attribute against its type's schema.
func (v *validator) instanceAttribute(ref, typ string, r *Resource, name string, val any, at []string) {
	want, ok := r.Attributes[name]
	if !ok {
		v.keyErrorf(at, "attribute %q of %s is not in %s's attribute schema%s", name, ref, typ, v.unknownHint(name, sortedKeys(r.Attributes), "attributes"))
		return
	}
	if got := pdp.TypeName(val); val != nil && !schemaAccepts(want, got) {
		v.errorf(at, "attribute %q of %s is %s, but %s's schema declares it a %s", name, ref, withArticle(got), typ, want)
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

// ref checks a "type:key" instance reference and returns its type when known.
func (v *validator) ref(ref string, at []string, what string) (string, bool) {
	typ, _, ok := SplitRef(ref)
	if !ok {
		v.errorf(at, "%s %q must be an instance \"type:key\", like \"folder:plans\"", what, ref)
		return "", false
	}
	if _, known := v.p.Resources[typ]; !known {
		v.errorf(at, "%s %q has unknown resource type %q%s", what, ref, typ, v.unknownHint(typ, v.resourceTypes(), "resource types"))
		return "", false
	}
	return typ, true
}

func (v *validator) relationships() {
	for i, rel := range v.p.Relationships {
		at := []string{"relationships", strconv.Itoa(i)}
		for _, f := range []struct{ key, val string }{{"subject", rel.Subject}, {"relation", rel.Relation}, {"object", rel.Object}} {
			if v.missing(f.val, at, f.key) {
				v.errorf(at, "relationship has no %s", f.key)
			}
		}
		var subjType, objType string
		var subjOK, objOK bool
		if rel.Subject != "" {
			subjType, subjOK = v.ref(rel.Subject, join(at, "subject"), "relationship subject")
		}
		if rel.Object != "" {
			objType, objOK = v.ref(rel.Object, join(at, "object"), "relationship object")
		}
		if !objOK || rel.Relation == "" {
			continue
		}
		obj := v.p.Resources[objType]
		want, declared := obj.Relations[rel.Relation]
		switch {
		case !declared:
			v.errorf(join(at, "relation"), "relation %q is not declared on %s%s", rel.Relation, objType,
				v.unknownHint(rel.Relation, sortedKeys(obj.Relations), objType+" relations"))
		case subjOK && want != subjType:
			v.errorf(join(at, "subject"), "relation %q of %s takes a %s as subject, not %s", rel.Relation, objType, want, rel.Subject)
		}
	}
}

func (v *validator) userSets() {
	for _, key := range sortedKeys(v.p.UserSets) {
		base := []string{"user_sets", key}
		if _, clash := v.p.Roles[key]; clash {
			v.keyErrorf(base, "user set %q has the key of a role: a rule naming %q would be ambiguous, rename one", key, key)
		}
		if c := v.p.UserSets[key].Conditions; c != nil {
			v.condition(c, join(base, "conditions"), "", nil)
		}
		if parent := v.p.UserSets[key].Parent; parent != "" {
			if _, ok := v.p.UserSets[parent]; !ok || parent == key {
				v.errorf(join(base, "parent"), "user set %q names parent %q, which is not another user set%s", key, parent, v.unknownHint(parent, sortedKeys(v.p.UserSets), "user sets"))
			}
		}
	}
}

func (v *validator) resourceSets() {
	for _, key := range sortedKeys(v.p.ResourceSets) {
		rs := v.p.ResourceSets[key]
		base := []string{"resource_sets", key}
		if _, clash := v.p.Resources[key]; clash {
			v.keyErrorf(base, "resource set %q has the key of a resource type: a rule naming %q would be ambiguous, rename one", key, key)
		}
		var schema map[string]string
		switch r, ok := v.p.Resources[rs.Resource]; {
		case v.missing(rs.Resource, base, "resource"):
			v.errorf(base, "resource set %q has no resource: name the resource type its conditions are about", key)
		case rs.Resource != "" && !ok:
			v.errorf(join(base, "resource"), "resource set %q names unknown resource type %q%s", key, rs.Resource,
				v.unknownHint(rs.Resource, v.resourceTypes(), "resource types"))
		case ok:
			schema = r.Attributes
		}
		if rs.Conditions != nil {
			v.condition(rs.Conditions, join(base, "conditions"), rs.Resource, schema)
		}
		if rs.Parent != "" {
			if _, ok := v.p.ResourceSets[rs.Parent]; !ok || rs.Parent == key {
				v.errorf(join(base, "parent"), "resource set %q names parent %q, which is not another resource set%s", key, rs.Parent, v.unknownHint(rs.Parent, sortedKeys(v.p.ResourceSets), "resource sets"))
			}
		}
	}
}

func (v *validator) rules() {
	for i, rule := range v.p.ConditionSetRules {
		at := []string{"condition_set_rules", strconv.Itoa(i)}
		for _, f := range []struct{ key, val string }{{"user_set", rule.UserSet}, {"permission", rule.Permission}, {"resource_set", rule.ResourceSet}} {
			if v.missing(f.val, at, f.key) {
				v.errorf(at, "condition set rule has no %s", f.key)
			}
		}
		if us := rule.UserSet; us != "" {
			_, isSet := v.p.UserSets[us]
			_, isRole := v.p.Roles[us]
			if !isSet && !isRole {
				if v.ruleUserSets == nil {
					v.ruleUserSets = append(sortedKeys(v.p.UserSets), sortedKeys(v.p.Roles)...)
				}
				cands := v.ruleUserSets
				v.errorf(join(at, "user_set"), "rule names unknown user set %q%s", us, v.unknownHint(us, cands, "user sets and roles"))
			}
		}
		var permType string
		if rule.Permission != "" {
			permType, _ = v.permission(rule.Permission, join(at, "permission"), "the rule")
		}
		rsKey := rule.ResourceSet
		if rsKey == "" {
			continue
		}
		rs, isSet := v.p.ResourceSets[rsKey]
		_, isType := v.p.Resources[rsKey]
		switch {
		case isSet:
			if permType != "" && rs.Resource != "" && rs.Resource != permType {
				v.errorf(join(at, "resource_set"), "resource set %q is a set of %s, but the permission %q is on %s", rsKey, rs.Resource, rule.Permission, permType)
			}
		case isType:
			if permType != "" && rsKey != permType {
				v.errorf(join(at, "resource_set"), "resource set %q (every %s) does not match the permission %q on %s", rsKey, rsKey, rule.Permission, permType)
			}
		default:
			if v.ruleResourceSets == nil {
				v.ruleResourceSets = append(sortedKeys(v.p.ResourceSets), v.resourceTypes()...)
			}
			cands := v.ruleResourceSets
			v.errorf(join(at, "resource_set"), "rule names unknown resource set %q%s", rsKey, v.unknownHint(rsKey, cands, "resource sets and resource types"))
		}
	}
}

// condition checks a condition tree: each node exactly one kind, known
// operators, well-formed paths and references. In a resource set over a type
// with an attribute schema (schema != nil), resource attributes must be in
// the schema and literals compared with them must have the declared type.
func (v *validator) condition(c *Condition, at []string, typ string, schema map[string]string) {
	if v.bad(at...) {
		return
	}
	if c == nil {
		v.errorf(at, "empty condition: write allOf, anyOf, not or {path: {operator: value}}")
		return
	}
	kinds := 0
	for _, set := range []bool{c.AllOf != nil, c.AnyOf != nil, c.Not != nil, c.Path != "" || c.Operator != ""} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		v.errorf(at, "empty condition: write allOf, anyOf, not or {path: {operator: value}}")
		return
	case kinds > 1:
		v.errorf(at, "a condition node must be exactly one of allOf, anyOf, not or a leaf {path: {operator: value}}")
		return
	}
	for _, inner := range []struct {
		key  string
		list []*Condition
	}{{KeyAllOf, c.AllOf}, {KeyAnyOf, c.AnyOf}, {KeyNot, c.Not}} {
		for i, child := range inner.list {
			v.condition(child, join(at, inner.key, strconv.Itoa(i)), typ, schema)
		}
	}
	if c.Path == "" && c.Operator == "" {
		return
	}
	pathOK := v.conditionPath(c.Path, join(at, atPath), "condition path", typ, schema)
	if !contains(Operators, c.Operator) {
		v.errorf(join(at, atOp), "unknown operator %q%s", c.Operator, v.unknownHint(c.Operator, Operators, "operators"))
		return
	}
	if c.Ref != "" {
		v.conditionPath(c.Ref, join(at, atRef), "ref", typ, schema)
		return
	}
	switch {
	case listOperators[c.Operator]:
		if _, ok := c.Value.([]any); !ok {
			v.errorf(join(at, atValue), "operator %q takes a list, not %s", c.Operator, withArticle(pdp.TypeName(c.Value)))
		}
	case c.Operator == "contains":
		if _, ok := c.Value.(string); !ok {
			v.errorf(join(at, atValue), "operator \"contains\" takes a string, not %s (for lists use array_contains)", withArticle(pdp.TypeName(c.Value)))
		}
	case pathOK && schema != nil && c.Value != nil:
		// Comparing a declared string with a bool is the classic way to get
		// a deny that looks impossible: hasApproval "true" versus true.
		if _, attr, _ := SplitPath(c.Path); strings.HasPrefix(c.Path, "resource.") && !strings.Contains(attr, ".") {
			want, declared := schema[attr]
			got := pdp.TypeName(c.Value)
			if declared && !schemaAccepts(want, got) {
				v.errorf(join(at, atValue), "%s is a %s in %s's attribute schema, but this condition compares it with %s",
					c.Path, want, typ, withArticle(got))
			}
		}
	}
}

// conditionPath checks a path (of a leaf or a ref) and reports whether it is fine.
func (v *validator) conditionPath(path string, at []string, what, typ string, schema map[string]string) bool {
	root, attr, ok := SplitPath(path)
	if !ok {
		hint := ""
		if s := Suggest(root, PathRoots); s != "" && attr != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s+"."+attr)
		}
		if contains(PathRoots, root) {
			v.errorf(at, "%s %q names no attribute: write %s.<attribute>", what, path, root)
		} else {
			v.errorf(at, "%s %q must start with user., resource., tenant., context. or role.%s", what, path, hint)
		}
		return false
	}
	if root != "resource" || schema == nil {
		return true
	}
	first, _, _ := strings.Cut(attr, ".")
	if _, declared := schema[first]; declared || first == "type" {
		return true
	}
	v.errorf(at, "%s %q names attribute %q, which is not in %s's attribute schema%s",
		what, path, first, typ, v.unknownHint(first, sortedKeys(schema), typ+" attributes"))
	return false
}
