package standin

import (
	"math/rand/v2"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Checks are checks over p for comparing two policies' decisions: every
// user of p and one it does not know (with the stored attributes of a user
// it does, sent as JIT attributes), every action of every type, on the bare
// type (with the stored attributes of an instance of it, sent as JIT
// attributes) and on each instance, in every tenant. When there are more
// than limit, a sample of limit of them, the same for the same seed.
func Checks(p *policy.Policy, limit int, seed uint64) []pdp.Check {
	users := append(p.UserKeys(), "unknown-user@example.com")
	tenants := p.TenantKeys()
	if len(tenants) == 0 {
		tenants = []string{pdp.DefaultTenant}
	}
	type target struct {
		typ, key string
		attrs    map[string]any
	}
	var targets []target
	for _, typ := range p.ResourceTypes() {
		var sample map[string]any
		for _, ref := range p.InstanceKeys() {
			if t, k, _ := policy.SplitRef(ref); t == typ {
				targets = append(targets, target{typ: typ, key: k})
				if sample == nil && p.ResourceInstances[ref] != nil {
					sample = p.ResourceInstances[ref].Attributes
				}
			}
		}
		targets = append(targets, target{typ: typ, attrs: sample})
	}
	var someAttrs map[string]any
	for _, u := range p.UserKeys() {
		if a := p.Users[u].Attributes; len(a) > 0 {
			someAttrs = a
			break
		}
	}
	make1 := func(u string, tg target, action, tenant string) pdp.Check {
		c := pdp.Check{User: pdp.User{Key: u}, Action: action, Resource: pdp.Resource{Type: tg.typ, Key: tg.key, Tenant: tenant, Attributes: tg.attrs}}
		if u == users[len(users)-1] {
			c.User.Attributes = someAttrs
		}
		return c
	}
	total := 0
	for _, tg := range targets {
		total += len(p.Resources[tg.typ].Actions)
	}
	total *= len(users) * len(tenants)
	var out []pdp.Check
	if limit <= 0 || total <= limit {
		for _, u := range users {
			for _, tg := range targets {
				for _, a := range p.Resources[tg.typ].Actions {
					for _, t := range tenants {
						out = append(out, make1(u, tg, a, t))
					}
				}
			}
		}
		return out
	}
	// A random check in a large environment is nearly always a deny: half
	// of the sample starts from a role the user holds, in its tenant or on
	// its instance (and, through relationships, on what that instance
	// reaches), so allows are compared too.
	r := rand.New(rand.NewPCG(seed, seed+1))
	outbound := map[string][]string{}
	for _, rel := range p.Relationships {
		outbound[rel.Subject] = append(outbound[rel.Subject], rel.Object)
	}
	for i := range limit {
		u := users[r.IntN(len(users))]
		tg := targets[r.IntN(len(targets))]
		tenant := tenants[r.IntN(len(tenants))]
		if pu := p.Users[u]; i%2 == 1 && pu != nil && len(pu.Roles) > 0 {
			ra := pu.Roles[r.IntN(len(pu.Roles))]
			if ra.Resource != "" {
				ref := ra.Resource
				for hop := r.IntN(4); hop > 0 && len(outbound[ref]) > 0; hop-- {
					ref = outbound[ref][r.IntN(len(outbound[ref]))]
				}
				typ, key, _ := policy.SplitRef(ref)
				tg = target{typ: typ, key: key}
				if in := p.ResourceInstances[ref]; in != nil && in.Tenant != "" {
					tenant = in.Tenant
				}
			} else {
				tenant = ra.Tenant
			}
		}
		acts := p.Resources[tg.typ].Actions
		out = append(out, make1(u, tg, acts[r.IntN(len(acts))], tenant))
	}
	return out
}
