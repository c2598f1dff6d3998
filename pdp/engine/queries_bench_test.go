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
// benchUsers, next to the same query without ABAC enumerated (the
// instances the user holds a role on only: what pdpx answered before).
func BenchmarkUserPermissions(b *testing.B) {
	for _, s := range sizes {
		env := s.env()
		users := benchUsers()
		for _, v := range []struct {
			name string
			abac bool
		}{{"baseline=roles", false}, {"UserPermissions", true}} {
			b.Run(s.name+"/"+v.name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					env.e.userPermissions(pdp.PermissionsQuery{User: pdp.User{Key: users[i%len(users)]}}, v.abac)
					i++
				}
			})
		}
	}
}

// BenchmarkAuthorizedUsers is one /authorized_users query on an instance,
// and one on the type without key, over every action of document, next to
// the same query listing role assignments only.
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
			for _, v := range []struct {
				name string
				abac bool
			}{{"baseline=roles", false}, {"AuthorizedUsers", true}} {
				b.Run(s.name+"/"+r.name+"/"+v.name, func(b *testing.B) {
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						env.e.authorizedUsers(pdp.AuthorizedUsersQuery{Action: actions[i%len(actions)], Resource: r.res}, v.abac)
						i++
					}
				})
			}
		}
	}
}
