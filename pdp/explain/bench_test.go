package explain

import (
	"fmt"
	"maps"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

func benchChecks(b *testing.B) map[string]pdp.Check {
	abac := check(b, "check@permit.io", "publish", "document", "")
	abac.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
	abac.Resource.Attributes = map[string]any{"hasApproval": true}
	return map[string]pdp.Check{
		"no_role_in_tenant":  check(b, "john@permit.io", "read", "document", ""),
		"abac_retype":        abac,
		"rbac_no_permission": check(b, "bob@acme.io", "delete", "document", ""),
	}
}

// BenchmarkFlips measures the flip finder on the demo policy against a
// plain Decide of the same check (the baseline), and the whole Explain.
func BenchmarkFlips(b *testing.B) {
	e := demo()
	for name, c := range benchChecks(b) {
		b.Run(name+"/decide", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.Decide(c)
			}
		})
		b.Run(name+"/flips", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(Flips(e, c, MaxFlips)) == 0 {
					b.Fatal("no flips")
				}
			}
		})
		b.Run(name+"/explain", func(b *testing.B) {
			b.ReportAllocs()
			d := e.Decide(c)
			for b.Loop() {
				Explain(d, c, e)
			}
		})
	}
}

// BenchmarkRoleVerify compares the two ways to verify a role flip: a
// small engine over the part of the policy RBAC and ABAC read (what the
// finder does) and a re-indexed copy of the whole environment.
func BenchmarkRoleVerify(b *testing.B) {
	for _, size := range []int{0, 10000} {
		b.Run(fmt.Sprintf("users=+%d", size), func(b *testing.B) { benchRoleVerify(b, grown(size)) })
	}
}

// grown is the demo engine with n more users, each with a role and an
// instance role: the part of an environment the small engine leaves out.
func grown(n int) *engine.Engine {
	if n == 0 {
		return demo()
	}
	p := *demo().Policy()
	p.Users = maps.Clone(p.Users)
	p.ResourceInstances = maps.Clone(p.ResourceInstances)
	for i := range n {
		key := fmt.Sprintf("user%d@example.com", i)
		doc := fmt.Sprintf("document:d%d", i)
		p.ResourceInstances[doc] = &policy.Instance{Tenant: "default"}
		p.Users[key] = &policy.User{Roles: []policy.RoleAssignment{{Role: "viewer", Tenant: "default"}, {Role: "editor", Resource: doc}}}
	}
	return engine.New(&p)
}

func benchRoleVerify(b *testing.B, e *engine.Engine) {
	c := check(b, "john@permit.io", "read", "document", "")
	b.Run("small", func(b *testing.B) {
		for b.Loop() {
			if !engine.New(withRole(e.Policy(), c, "viewer")).Allowed(&c) {
				b.Fatal("denied")
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		ra := RoleAssignment{Role: "viewer", Tenant: "default"}
		for b.Loop() {
			if !engine.New(assigned(e.Policy(), c.User.Key, ra)).Allowed(&c) {
				b.Fatal("denied")
			}
		}
	})
}
