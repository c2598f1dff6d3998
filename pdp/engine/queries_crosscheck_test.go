package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine/internal/gen"
	"github.com/pdpx/pdpx/pdp/policy"
)

// The permission queries against the checks they summarize: on a policy,
// every permission UserPermissions lists and every user AuthorizedUsers
// lists is one Decide allows, and every check Decide allows on a known
// instance (and on a type without key) is listed. Exhaustive over the
// policy's users, known instances, tenants and actions.

// knownInstances are the instances a policy names: declared, in a
// relationship or in a role assignment; derived here from the policy, not
// from the engine's index.
func knownInstances(p *policy.Policy) []string {
	seen := map[string]bool{}
	for ref := range p.ResourceInstances {
		seen[ref] = true
	}
	for _, r := range p.Relationships {
		seen[r.Subject], seen[r.Object] = true, true
	}
	for _, u := range p.Users {
		if u == nil {
			continue
		}
		for _, a := range u.Roles {
			if a.Resource != "" {
				seen[a.Resource] = true
			}
		}
	}
	var out []string
	for ref := range seen {
		typ, _, _ := strings.Cut(ref, ":")
		if p.Resources[typ] != nil {
			out = append(out, ref)
		}
	}
	slices.Sort(out)
	return out
}

// userTenants are the tenants a policy user belongs to: listed, or with a
// tenant role.
func userTenants(p *policy.Policy, key string) []string {
	u := p.Users[key]
	if u == nil {
		return nil
	}
	l := slices.Clone(u.Tenants)
	for _, a := range u.Roles {
		if a.Resource == "" && !slices.Contains(l, a.Tenant) {
			l = append(l, a.Tenant)
		}
	}
	slices.Sort(l)
	return l
}

// decider answers what pdpx check answers, for sweeps that ask it of
// every check: a denial comes from the fast path, which the engine's tests
// hold equal to Decide on every check they make; an allow is confirmed by
// Decide itself, once per distinct check.
type decider struct {
	e         *Engine
	confirmed map[string]bool
}

func newDecider(e *Engine) *decider { return &decider{e: e, confirmed: map[string]bool{}} }

func (d *decider) allows(t *testing.T, c pdp.Check) bool {
	t.Helper()
	if !d.e.Allowed(&c) {
		return false
	}
	k := string(c.Body())
	if !d.confirmed[k] {
		if dec := d.e.Decide(c); dec.Outcome != pdp.Allow {
			t.Fatalf("%s: Allowed allows, Decide says %v", c, dec.Outcome)
		}
		d.confirmed[k] = true
	}
	return true
}

// crossCheckPermissions compares UserPermissions for user (with tenants
// as the query's tenants, context as its context) with Decide on every
// check it summarizes, and returns how many permissions it listed.
func crossCheckPermissions(t *testing.T, d *decider, user pdp.User, tenants []string, context map[string]any) int {
	t.Helper()
	e := d.e
	p := e.Policy()
	ps := e.UserPermissions(pdp.PermissionsQuery{User: user, Tenants: tenants, Context: context})
	check := func(action, typ, key, tenant string) pdp.Check {
		return pdp.Check{User: user, Action: action, Resource: pdp.Resource{Type: typ, Key: key, Tenant: tenant}, Context: context}
	}
	filter := tenants
	if len(tenants) == 0 {
		tenants = userTenants(p, user.Key)
	}
	// The tenants a check on the instance is made in: its own (unless the
	// query's tenants leave it out) or, undeclared, each of the tenants.
	instTenants := func(ref string) []string {
		if in := p.ResourceInstances[ref]; in != nil && in.Tenant != "" {
			if len(filter) > 0 && !slices.Contains(filter, in.Tenant) {
				return nil
			}
			return []string{in.Tenant}
		}
		return tenants
	}
	listed := 0

	// Every permission listed is allowed.
	for k, entry := range ps {
		listed += len(entry.Permissions)
		for _, perm := range entry.Permissions {
			typ, action, _ := strings.Cut(perm, ":")
			if tn, ok := strings.CutPrefix(k, "__tenant:"); ok {
				if !d.allows(t, check(action, typ, "", tn)) {
					t.Errorf("%s: %s lists %s, which Decide denies", user.Key, k, perm)
				}
				continue
			}
			ityp, key, _ := strings.Cut(k, ":")
			if ityp != typ {
				t.Errorf("%s: %s lists %s, of another type", user.Key, k, perm)
				continue
			}
			in := instTenants(k)
			if entry.Tenant != nil {
				in = []string{entry.Tenant.Key}
			}
			if !slices.ContainsFunc(in, func(tn string) bool { return d.allows(t, check(action, typ, key, tn)) }) {
				t.Errorf("%s: %s lists %s, which Decide denies in %v", user.Key, k, perm, in)
			}
		}
	}

	// Every type-level permission allowed in the user's tenants is listed.
	for _, tn := range tenants {
		for typ, res := range p.Resources {
			for _, a := range res.Actions {
				if d.allows(t, check(a, typ, "", tn)) && !slices.Contains(ps["__tenant:"+tn].Permissions, typ+":"+a) {
					t.Errorf("%s: Decide allows %s %s in %s; __tenant:%s lists %v", user.Key, a, typ, tn, tn, ps["__tenant:"+tn].Permissions)
				}
			}
		}
	}

	// Every permission allowed on a known instance is listed on it, or on
	// its tenant when a tenant role alone allows it.
	u := e.users[user.Key]
	for _, ref := range knownInstances(p) {
		typ, key, _ := strings.Cut(ref, ":")
		for _, tn := range instTenants(ref) {
			for _, a := range p.Resources[typ].Actions {
				c := check(a, typ, key, tn)
				if !d.allows(t, c) || slices.Contains(ps[ref].Permissions, typ+":"+a) {
					continue
				}
				roleOnly := e.rbacAllowed(&c, u) && !e.abacAllowed(&c, u) && !e.rebacAllowed(&c, u)
				if !roleOnly || !slices.Contains(ps["__tenant:"+tn].Permissions, typ+":"+a) {
					t.Errorf("%s: Decide allows %s %s in %s; it lists %v, __tenant:%s %v", user.Key, a, ref, tn, ps[ref].Permissions, tn, ps["__tenant:"+tn].Permissions)
				}
			}
		}
	}
	return listed
}

// crossCheckWho compares AuthorizedUsers with Decide for every policy user
// on every action of res's type, and returns how many users it listed.
func crossCheckWho(t *testing.T, d *decider, res pdp.Resource, context map[string]any) int {
	t.Helper()
	e := d.e
	p := e.Policy()
	listed := 0
	for _, a := range p.Resources[res.Type].Actions {
		au := e.AuthorizedUsers(pdp.AuthorizedUsersQuery{Action: a, Resource: res, Context: context})
		listed += len(au.Users)
		for uk := range p.Users {
			allowed := d.allows(t, pdp.Check{User: pdp.User{Key: uk}, Action: a, Resource: res, Context: context})
			as, isListed := au.Users[uk]
			if allowed != isListed {
				t.Errorf("who may %s %s@%s: %s listed %v (%+v), Decide allows %v", a, res.Ref(), res.Tenant, uk, isListed, as, allowed)
			}
			if isListed && len(as) == 0 {
				t.Errorf("who may %s %s@%s: %s listed without an assignment", a, res.Ref(), res.Tenant, uk)
			}
		}
		for uk := range au.Users {
			if p.Users[uk] == nil {
				t.Errorf("who may %s %s: %s is not a policy user", a, res.Ref(), uk)
			}
		}
	}
	return listed
}

// crossCheckAll runs both cross-checks over a whole policy: every user
// (and an unknown one with JIT attributes), every known instance in its
// tenant, another tenant and none, every type in every tenant and none.
func crossCheckAll(t *testing.T, e *Engine, context map[string]any, jit pdp.User) {
	p := e.Policy()
	d := newDecider(e)
	perms := 0
	for _, uk := range e.Users() {
		perms += crossCheckPermissions(t, d, pdp.User{Key: uk}, nil, context)
	}
	// An unknown user has no tenants of their own: the query names them.
	perms += crossCheckPermissions(t, d, jit, e.Tenants(), context)
	// A known user with JIT attributes over their stored ones, one tenant asked.
	perms += crossCheckPermissions(t, d, pdp.User{Key: e.Users()[0], Attributes: jit.Attributes}, e.Tenants()[:1], context)

	who := 0
	tenants := append(e.Tenants(), "")
	for _, ref := range knownInstances(p) {
		typ, key, _ := strings.Cut(ref, ":")
		in := []string{"", tenants[0]}
		if d := p.ResourceInstances[ref]; d != nil && d.Tenant != "" && d.Tenant != tenants[0] {
			in = append(in, d.Tenant)
		}
		for _, tn := range in {
			who += crossCheckWho(t, d, pdp.Resource{Type: typ, Key: key, Tenant: tn}, context)
		}
	}
	for typ := range p.Resources {
		for _, tn := range tenants {
			who += crossCheckWho(t, d, pdp.Resource{Type: typ, Tenant: tn}, context)
		}
	}
	// The cross-checks must have had something to compare.
	if perms == 0 || who == 0 {
		t.Errorf("nothing listed: %d permissions, %d authorized users", perms, who)
	}
}

func TestQueriesCrossCheckDemo(t *testing.T) {
	e := New(policy.Demo())
	crossCheckAll(t, e, nil, pdp.User{Key: "check@permit.io", Attributes: map[string]any{"location": "England", "department": "Engineering"}})
}

func TestQueriesCrossCheckFixture(t *testing.T) {
	crossCheckAll(t, rebacFixture(), nil, pdp.User{Key: "zed", Attributes: map[string]any{"roles": []any{"viewer"}, "address": map[string]any{"city": "London"}}})
}

func TestQueriesCrossCheckGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive over a generated environment")
	}
	e := New(gen.Generate(gen.Tiny()).Policy)
	jit := pdp.User{Key: "visitor", Attributes: map[string]any{"department": "Support", "clearance": 5.0, "key": "u00000"}}
	crossCheckAll(t, e, nil, jit)
	t.Run("night shift", func(t *testing.T) { crossCheckAll(t, e, map[string]any{"shift": "night"}, jit) })
}
