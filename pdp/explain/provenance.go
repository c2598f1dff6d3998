package explain

import (
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Origin is where an attribute's value came from (docs/permit-semantics.md).
type Origin string

// The origins of an attribute.
const (
	// FromJIT: the check sent it (JIT user, resource or tenant attributes, or its context).
	FromJIT Origin = "jit"
	// FromStored: the environment stores it on the user, the instance, the
	// tenant or the roles.
	FromStored Origin = "stored"
	// FromGenerated: the PDP makes it: user.roles, user.tenants, resource.type.
	FromGenerated Origin = "generated"
	// FromMissing: nothing gave it; conditions on it are false.
	FromMissing Origin = "missing"
)

// Provenance is where one attribute the decision read came from.
type Provenance struct {
	// Attribute is the path conditions use, down to the top-level key:
	// user.department, resource.hasApproval, tenant.plan, context.ip.
	Attribute string `json:"attribute"`
	Origin    Origin `json:"origin"`
	// On says where a stored value is kept: "user bob@acme.io",
	// "instance document:roadmap", "tenant awesome_inc", "roles".
	On    string `json:"on,omitempty"`
	Value any    `json:"value,omitempty"`
	// Overrode are the lower layers the value replaced (a JIT value over a
	// stored or generated one), highest first.
	Overrode []Layer `json:"overrode,omitempty"`
	// UsedBy are the sets whose conditions read the attribute (embedded only).
	UsedBy []string `json:"used_by,omitempty"`
	Note   string   `json:"note,omitempty"`
}

// Layer is one value of an attribute that a higher layer replaced.
type Layer struct {
	Origin Origin `json:"origin"`
	On     string `json:"on,omitempty"`
	Value  any    `json:"value"`
}

// Warning is something in the check that looks wrong whatever the outcome.
type Warning struct {
	// Code is "unknown_attribute" or "outcome_changed".
	Code string `json:"code"`
	// Field is the check field it is about: "user.attributes.departmnet".
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// Suggestion is the known name the field is probably a typo of.
	Suggestion string  `json:"suggestion,omitempty"`
	Action     *Action `json:"action,omitempty"`
}

// scopes in the order provenance lists them.
var scopes = []string{"user", "resource", "tenant", "context", "role"}

// provenance lists where each attribute came from and warns about JIT keys
// nothing reads. With the engine it reads the policy's layers; remotely it
// compares the check with the merged attributes the debug object echoes.
func provenance(d pdp.Decision, c pdp.Check, e *engine.Engine) ([]Provenance, []Warning) {
	if e == nil {
		return remoteProvenance(d.Debug, c), nil
	}
	used := usedAttrs(d.Trace)
	attrs := map[string]bool{}
	for a := range used {
		attrs[a] = true
	}
	for a := range sentAttrs(c) {
		attrs[a] = true
	}
	l := newLayers(e.Policy(), c, e)
	out := make([]Provenance, 0, len(attrs))
	for _, a := range sortAttrs(attrs) {
		p := l.resolve(a)
		p.UsedBy = used[a]
		out = append(out, p)
	}
	return out, typoWarnings(e.Policy(), c)
}

// sortAttrs sorts by scope (user, resource, tenant, context, role), then name.
func sortAttrs(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	rank := func(a string) int {
		s, _, _ := strings.Cut(a, ".")
		if i := slices.Index(scopes, s); i >= 0 {
			return i
		}
		return len(scopes)
	}
	sort.Slice(out, func(i, j int) bool {
		if ri, rj := rank(out[i]), rank(out[j]); ri != rj {
			return ri < rj
		}
		return out[i] < out[j]
	})
	return out
}

// topAttr cuts a condition path to its scope and top-level key:
// user.address.city is user.address.
func topAttr(path string) string {
	scope, rest, ok := strings.Cut(path, ".")
	if !ok {
		return path
	}
	key, _, _ := strings.Cut(rest, ".")
	return scope + "." + key
}

// usedAttrs maps each attribute the trace's conditions read to the sets that read it.
func usedAttrs(t *pdp.Trace) map[string][]string {
	out := map[string][]string{}
	if t == nil {
		return out
	}
	var walk func(n *pdp.CondTrace, set string)
	walk = func(n *pdp.CondTrace, set string) {
		if n == nil {
			return
		}
		for _, p := range []string{n.Path, n.Ref} {
			if p == "" {
				continue
			}
			a := pdp.Clean(topAttr(p))
			if !slices.Contains(out[a], set) {
				out[a] = append(out[a], set)
			}
		}
		for _, ch := range n.Children {
			walk(ch, set)
		}
	}
	for _, sets := range [][]pdp.SetTrace{t.UserSets, t.ResourceSets} {
		for _, s := range sets {
			walk(s.Condition, pdp.Clean(s.Key))
		}
	}
	return out
}

// sentAttrs are the check's JIT attributes as condition paths, with the
// check field each was sent in.
func sentAttrs(c pdp.Check) map[string]string {
	out := map[string]string{}
	for k := range nameAttrs(c.User.Email, c.User.FirstName, c.User.LastName) {
		out["user."+k] = "user." + k
	}
	for _, s := range []struct {
		scope, prefix string
		m             map[string]any
	}{
		{"user", "user.attributes.", c.User.Attributes},
		{"resource", "resource.attributes.", c.Resource.Attributes},
		{"tenant", "tenant.attributes.", c.TenantAttributes},
		{"context", "context.", c.Context},
	} {
		for k := range s.m {
			out[pdp.Clean(s.scope+"."+k)] = s.prefix + k
		}
	}
	return out
}

// layers are the attribute sources of one check in the policy, highest first.
type layers struct {
	c       pdp.Check
	user    []src
	res     []src
	tenant  []src
	context []src
	// tenantSkipped: the tenant stores attributes the check cannot read,
	// because the user does not belong to it.
	tenantSkipped map[string]any
}

type src struct {
	origin Origin
	on     string
	m      map[string]any
}

func newLayers(p *policy.Policy, c pdp.Check, e *engine.Engine) layers {
	l := layers{c: c}
	t := c.Resource.Tenant
	l.user = append(l.user, src{FromJIT, "", c.User.Attributes})
	gen := map[string]any{"roles": []any{}, "tenants": []any{}}
	u := p.Users[c.User.Key]
	on := "user " + pdp.Clean(c.User.Key)
	if u != nil {
		stored := map[string]any{}
		for k, v := range u.Attributes {
			stored[k] = v
		}
		stored["key"] = c.User.Key
		l.user = append(l.user, src{FromStored, on, stored})
		gen["roles"] = strAny(e.TenantRolesOf(c.User.Key, t))
		gen["tenants"] = strAny(memberTenants(u))
		if t == "" {
			gen["roles"] = []any{}
		}
	}
	// The email and names of the user object are attributes too, beneath
	// any attribute of the same name: the check's, then the policy's.
	l.user = append(l.user, src{FromJIT, "", nameAttrs(c.User.Email, c.User.FirstName, c.User.LastName)})
	if u != nil {
		l.user = append(l.user, src{FromStored, on, nameAttrs(u.Email, u.FirstName, u.LastName)})
	}
	l.user = append(l.user, src{FromGenerated, "", gen})

	l.res = append(l.res, src{FromJIT, "", c.Resource.Attributes})
	if c.Resource.Key != "" {
		if in := p.ResourceInstances[c.Resource.Ref()]; in != nil {
			l.res = append(l.res, src{FromStored, "instance " + pdp.Clean(c.Resource.Ref()), in.Attributes})
		}
	}
	l.res = append(l.res, src{FromGenerated, "", map[string]any{"type": c.Resource.Type}})

	l.tenant = append(l.tenant, src{FromJIT, "", c.TenantAttributes})
	if tn := p.Tenants[t]; tn != nil && t != "" {
		if u := p.Users[c.User.Key]; u != nil && slices.Contains(memberTenants(u), t) {
			l.tenant = append(l.tenant, src{FromStored, "tenant " + pdp.Clean(t), tn.Attributes})
		} else {
			l.tenantSkipped = tn.Attributes
		}
	}
	l.context = []src{{FromJIT, "context", c.Context}}
	return l
}

// nameAttrs are a user object's email and names as the attributes they
// stand for (nil when it has none).
func nameAttrs(email, first, last string) map[string]any {
	var m map[string]any
	for _, f := range [...]struct{ key, value string }{{"email", email}, {"first_name", first}, {"last_name", last}} {
		if f.value != "" {
			if m == nil {
				m = map[string]any{}
			}
			m[f.key] = f.value
		}
	}
	return m
}

// memberTenants are the tenants a user belongs to: listed, or with a tenant role.
func memberTenants(u *policy.User) []string {
	set := map[string]bool{}
	for _, t := range u.Tenants {
		set[t] = true
	}
	for _, a := range u.Roles {
		if a.Resource == "" && a.Tenant != "" {
			set[a.Tenant] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func strAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// resolve finds which layer gives attribute a ("user.department").
func (l layers) resolve(a string) Provenance {
	scope, key, _ := strings.Cut(a, ".")
	p := Provenance{Attribute: a, Origin: FromMissing}
	var stack []src
	switch scope {
	case "user":
		stack = l.user
	case "resource":
		stack = l.res
	case "tenant":
		stack = l.tenant
	case "context":
		stack = l.context
	case "role":
		p.Origin, p.On = FromStored, "roles"
		p.Note = "read from the attributes of each of the user's roles in the tenant"
		return p
	}
	found := false
	for _, s := range stack {
		v, ok := s.m[key]
		if !ok {
			continue
		}
		if !found {
			found = true
			p.Origin, p.On, p.Value = s.origin, s.on, v
			continue
		}
		p.Overrode = append(p.Overrode, Layer{Origin: s.origin, On: s.on, Value: v})
	}
	if _, isObj := p.Value.(map[string]any); isObj && len(p.Overrode) > 0 {
		if _, below := p.Overrode[0].Value.(map[string]any); below {
			p.Note = "an object: merged key by key over the layer below"
		}
	}
	if scope == "tenant" && l.tenantSkipped != nil {
		if _, ok := l.tenantSkipped[key]; ok {
			p.Note = "stored on tenant " + pdp.Clean(l.c.Resource.Tenant) + " but not read: the user does not belong to it"
		}
	}
	if !found && p.Note == "" {
		p.Note = "nothing gives it, so conditions on it are false; the check can send it as a JIT attribute"
	}
	return p
}

// remoteProvenance compares what the check sent with the merged attributes
// a PDP's debug object echoes: a key the check did not send is generated
// when Permit generates it, stored otherwise.
func remoteProvenance(dbg *pdp.Debug, c pdp.Check) []Provenance {
	if dbg == nil || dbg.Request == nil {
		return nil
	}
	var out []Provenance
	add := func(scope string, sent, merged map[string]any, generated []string, on string) {
		keys := map[string]bool{}
		for k := range sent {
			keys[k] = true
		}
		for k := range merged {
			keys[k] = true
		}
		for _, k := range sortKeys(keys) {
			p := Provenance{Attribute: pdp.Clean(scope + "." + k)}
			mv, inMerged := merged[k]
			sv, inSent := sent[k]
			switch {
			case inSent:
				p.Origin, p.Value = FromJIT, sv
				if inMerged && !reflect.DeepEqual(mv, sv) {
					p.Note = "the PDP merged it with a stored value into " + value(mv)
				}
			case slices.Contains(generated, k):
				p.Origin, p.Value = FromGenerated, cleanValue(mv)
			default:
				p.Origin, p.On, p.Value = FromStored, on, cleanValue(mv)
			}
			out = append(out, p)
		}
	}
	add("user", c.User.Attributes, dbg.Request.User.Attributes, []string{"roles", "tenants"}, "user "+pdp.Clean(c.User.Key))
	add("resource", c.Resource.Attributes, dbg.Request.Resource.Attributes, []string{"type"}, "instance "+pdp.Clean(c.Resource.Ref()))
	add("tenant", c.TenantAttributes, nil, nil, "")
	add("context", c.Context, nil, nil, "")
	return out
}

func sortKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// cleanValue cleans every string in a JSON value from a remote party.
func cleanValue(v any) any {
	switch x := v.(type) {
	case string:
		return pdp.Clean(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cleanValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[pdp.Clean(k)] = cleanValue(e)
		}
		return out
	}
	return v
}
