package policy

import (
	"fmt"
	"slices"
	"testing"
)

// TestFineChecksAgreeWithTheWalk holds the validator's shortcut for users,
// resource instances and relationships (an entry its fine test passes is
// not walked) to what walking every entry finds: for each variant of one
// entry built from good and bad values, both report the same problems.
func TestFineChecksAgreeWithTheWalk(t *testing.T) {
	var variants, withProblems int
	check := func(t *testing.T, what string, edit func(p *Policy)) {
		t.Helper()
		p, err := Parse(DemoName, DemoSource)
		if err != nil {
			t.Fatal(err)
		}
		edit(p)
		fast := (&validator{p: p, src: newSourceMap(), hintBudget: maxHintComparisons}).run()
		walked := (&validator{p: p, src: newSourceMap(), hintBudget: maxHintComparisons, walkAll: true}).run()
		if !slices.Equal(fast, walked) {
			t.Errorf("%s: the shortcut found %v, walking every entry found %v", what, fast, walked)
		}
		variants++
		if len(walked) > 0 {
			withProblems++
		}
	}

	refs := []string{"", "folder:plans", "folder", "folder:", "nosuch:x", "folder:a:b", "document:roadmap"}
	for _, subj := range refs {
		for _, rel := range []string{"", "parent", "nosuch"} {
			for _, obj := range refs {
				r := Relationship{Subject: subj, Relation: rel, Object: obj}
				check(t, fmt.Sprintf("relationship %+v", r), func(p *Policy) {
					p.Relationships = append(p.Relationships, r)
				})
			}
		}
	}

	attrs := []map[string]any{nil, {"hasApproval": "true"}, {"hasApproval": true}, {"hasApproval": nil}, {"other": "x"}, {"n": 1.0}}
	for _, ref := range []string{"document:new", "folder:new", "document", "nosuch:x", "document:a:b"} {
		for _, tenant := range []string{"", "default", "nosuch"} {
			for _, a := range attrs {
				check(t, fmt.Sprintf("instance %s in %q with %v", ref, tenant, a), func(p *Policy) {
					p.ResourceInstances[ref] = &Instance{Tenant: tenant, Attributes: a}
				})
			}
		}
	}

	for _, tenants := range [][]string{nil, {"default"}, {"nosuch"}} {
		for _, role := range []string{"", "admin", "editor", "viewer", "nosuch"} {
			for _, tenant := range []string{"", "default", "awesome_inc", "nosuch"} {
				for _, res := range []string{"", "folder:plans", "folder:unlisted", "folder", "nosuch:x", "document:roadmap"} {
					ra := RoleAssignment{Role: role, Tenant: tenant, Resource: res}
					check(t, fmt.Sprintf("user in %v with %+v", tenants, ra), func(p *Policy) {
						p.Users["new@x.io"] = &User{Tenants: tenants, Roles: []RoleAssignment{{Role: "viewer", Tenant: "default"}, ra}}
					})
				}
			}
		}
	}

	// Without entries the walk finds fault with, the comparison would say
	// nothing; without good ones, the shortcut would never be taken.
	if withProblems < variants/2 || withProblems == variants {
		t.Fatalf("%d of %d variants have problems: the pools of values no longer mix good and bad", withProblems, variants)
	}
}
