package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pdpx/pdpx/pdp"
)

// The users, resource instances and relationships are most of a large
// policy (hundreds of thousands of entries in a pulled environment), and
// finding where a problem is costs a path built for every value looked at.
// So each entry is first checked by a test that builds nothing (userFine,
// instanceFine, relationshipFine), and only the entries it does not pass are
// walked again to find and report their problems, in the order a walk over
// all of them would have reported them. A fine test must never pass an entry
// the walk would report: TestFineChecksAgreeWithTheWalk holds them to that.

func (v *validator) users() {
	keys := v.unfine.users
	if len(keys) == 0 {
		return
	}
	tenants := v.tenantKeys()
	for _, u := range keys {
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
	for _, ref := range v.unfine.instances {
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
	for _, i := range v.unfine.relationships {
		rel := v.p.Relationships[i]
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

// unfineEntries are the entries of the large parts the fine tests do not
// pass: the keys of users and instances, sorted, and the indexes of
// relationships.
type unfineEntries struct {
	users, instances []string
	relationships    []int
}

// concurrentScan is how many entries make the fine tests worth running on
// several cores at once.
const concurrentScan = 10_000

// scan runs the fine tests over the large parts, each part on a goroutine
// of its own when the policy is large: they only read the policy.
func (v *validator) scan() {
	u := &v.unfine
	jobs := []func(){
		func() { u.users = unfine(v.p.Users, v.walkAll, v.userFine) },
		func() { u.instances = unfine(v.p.ResourceInstances, v.walkAll, v.instanceFine) },
		func() {
			for i := range v.p.Relationships {
				if v.walkAll || !v.relationshipFine(&v.p.Relationships[i]) {
					u.relationships = append(u.relationships, i)
				}
			}
		},
	}
	if len(v.p.Users)+len(v.p.ResourceInstances)+len(v.p.Relationships) < concurrentScan {
		for _, job := range jobs {
			job()
		}
		return
	}
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Go(job)
	}
	wg.Wait()
}

// unfine is the keys of m whose entries fine does not pass (all of them
// with all set), sorted.
func unfine[V any](m map[string]V, all bool, fine func(string, V) bool) []string {
	var keys []string
	for k, e := range m {
		if all || !fine(k, e) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// userFine reports whether users would find nothing wrong with user.
func (v *validator) userFine(_ string, user *User) bool {
	for _, t := range user.Tenants {
		if _, ok := v.p.Tenants[t]; !ok {
			return false
		}
	}
	for i := range user.Roles {
		if !v.assignmentFine(&user.Roles[i]) {
			return false
		}
	}
	return true
}

// assignmentFine reports whether assignment would find nothing wrong with ra.
func (v *validator) assignmentFine(ra *RoleAssignment) bool {
	if ra.Role == "" {
		return false
	}
	if ra.Tenant != "" {
		if _, ok := v.p.Tenants[ra.Tenant]; !ok {
			return false
		}
	}
	if ra.Resource == "" {
		_, ok := v.p.Roles[ra.Role]
		return ok && ra.Tenant != ""
	}
	typ, _, ok := SplitRef(ra.Resource)
	if !ok {
		return false
	}
	r, known := v.p.Resources[typ]
	if !known {
		return false
	}
	if _, ok := r.Roles[ra.Role]; !ok {
		return false
	}
	inst, ok := v.p.ResourceInstances[ra.Resource]
	return !ok || ra.Tenant == "" || inst.Tenant == "" || inst.Tenant == ra.Tenant
}

// instanceFine reports whether instances would find nothing wrong with the
// instance ref.
func (v *validator) instanceFine(ref string, inst *Instance) bool {
	typ, _, ok := SplitRef(ref)
	if !ok {
		return false
	}
	r, known := v.p.Resources[typ]
	if !known {
		return false
	}
	if inst.Tenant != "" {
		if _, ok := v.p.Tenants[inst.Tenant]; !ok {
			return false
		}
	}
	if len(r.Attributes) == 0 {
		return true
	}
	for name, val := range inst.Attributes {
		want, ok := r.Attributes[name]
		if !ok || (val != nil && !schemaAccepts(want, pdp.TypeName(val))) {
			return false
		}
	}
	return true
}

// relationshipFine reports whether relationships would find nothing wrong
// with rel.
func (v *validator) relationshipFine(rel *Relationship) bool {
	if rel.Subject == "" || rel.Relation == "" || rel.Object == "" {
		return false
	}
	st, _, sok := SplitRef(rel.Subject)
	ot, _, ook := SplitRef(rel.Object)
	if !sok || !ook {
		return false
	}
	if _, ok := v.p.Resources[st]; !ok {
		return false
	}
	obj, ok := v.p.Resources[ot]
	if !ok {
		return false
	}
	want, declared := obj.Relations[rel.Relation]
	return declared && want == st
}
