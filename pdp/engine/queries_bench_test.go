package engine

import (
	"fmt"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// benchUsers are the generated users the query benchmarks ask about: a
// spread of tenant roles, instance roles and attributes.
func benchUsers() []string {
	out := make([]string, 0, 12)
	for i := range 12 {
		out = append(out, fmt.Sprintf("u%05d", i*7))
	}
	return out
}

// BenchmarkUserPermissions is one /user-permissions query, averaged over
// benchUsers.
func BenchmarkUserPermissions(b *testing.B) {
	for _, s := range sizes {
		env := s.env()
		users := benchUsers()
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				env.e.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: users[i%len(users)]}})
				i++
			}
		})
	}
}

// BenchmarkAuthorizedUsers is one /authorized_users query on an instance,
// and one on the type without key, over every action of document.
func BenchmarkAuthorizedUsers(b *testing.B) {
	for _, s := range sizes {
		env := s.env()
		inst := env.env.ReBAC3Hop.Resource
		typ := pdp.Resource{Type: inst.Type, Tenant: inst.Tenant}
		actions := env.e.ActionsOf(inst.Type)
		for _, r := range []struct {
			name string
			res  pdp.Resource
		}{{"instance", inst}, {"type", typ}} {
			b.Run(s.name+"/"+r.name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					env.e.AuthorizedUsers(pdp.AuthorizedUsersQuery{Action: actions[i%len(actions)], Resource: r.res})
					i++
				}
			})
		}
	}
}
