package sweep

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// matrix50x20 is the benchmark matrix on the demo policy: 50 users
// (the policy's own and unknown ones) by 20 values of user.department, for
// the ABAC rule's action, so every cell runs RBAC, ABAC and ReBAC.
func matrix50x20(b *testing.B) *Matrix {
	users := []string{"john@smith.com", "john@permit.io", "bob@acme.io", "jane@permit.io"}
	for i := len(users); i < 50; i++ {
		users = append(users, fmt.Sprintf("user%02d@example.com", i))
	}
	var depts []string
	for i := range 19 {
		depts = append(depts, fmt.Sprintf("dept%02d", i))
	}
	depts = append(depts, "Engineering")
	base, _ := pdp.NewCheck("x", "publish", "document:roadmap", "", false)
	base.User.Attributes = map[string]any{"location": "England"}
	base.Resource.Attributes = map[string]any{"hasApproval": "true"}
	m, err := New(base, mustAxis(b, "users", strings.Join(users, ",")), mustAxis(b, "attr", "user.department="+strings.Join(depts, ",")))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkMatrix50x20 fills the matrix on the embedded engine with one
// Bulk call: decisions with Permit's debug object and the trace, as the
// explorer shows them. The target is under 100 ms.
func BenchmarkMatrix50x20(b *testing.B) {
	t := demo()
	for b.Loop() {
		m := matrix50x20(b)
		Fill(context.Background(), t, m)
		if m.Filled() != 1000 {
			b.Fatal(m.Filled())
		}
	}
}

// BenchmarkMatrix50x20Baseline is the same 1,000 checks decided one by one
// with Engine.Decide, in a plain loop with no matrix around them.
func BenchmarkMatrix50x20Baseline(b *testing.B) {
	t := demo()
	m := matrix50x20(b)
	cs := m.Checks(0, m.Len())
	for b.Loop() {
		for _, c := range cs {
			_ = t.Engine().Decide(c)
		}
	}
}
