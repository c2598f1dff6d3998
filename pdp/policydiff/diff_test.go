package policydiff

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp/policy"
)

func parse(t *testing.T, src string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEqualIgnoresOrderAndSource(t *testing.T) {
	a := policy.Demo()
	b := parse(t, strings.Replace(strings.Replace(string(policy.DemoSource),
		"actions: [read, create, update, delete, publish]", "actions: [publish, read, create, update, delete]", 1),
		"version: 1\n", "version: 1\nsource: {api_url: x, pulled_at: 2025-01-01T00:00:00Z}\n", 1))
	if r := Diff(a, b); !r.Equal() {
		t.Errorf("differences in reordered lists: %+v", r.Groups)
	}
}

func TestEveryGroup(t *testing.T) {
	a := policy.Demo()
	src := string(policy.DemoSource)
	for _, r := range [][2]string{
		{"actions: [read, create, update, delete, publish]", "actions: [read, create, update, delete, publish, share]"},             // type changed
		{"editor: {permissions: [read, create, update, delete]}", "editor: {permissions: [read, create, update]}"},                  // resource role
		{"viewer:\n    permissions: [document:read, folder:read]", "viewer:\n    permissions: [document:read]"},                     // tenant role
		{"awesome_inc: {name: Awesome Inc, attributes: {plan: pro}}", "awesome_inc: {name: Awesome Inc, attributes: {plan: free}}"}, // tenant
		{"attributes: {department: Engineering, location: France}", "attributes: {department: Sales, location: France}"},            // user
		{"roles: [{role: viewer, tenant: default}]", "roles: [{role: editor, tenant: default}]"},                                    // assignment
		{`"document:roadmap": {tenant: default, attributes: {hasApproval: "false"}}`, `"document:roadmap": {tenant: default, attributes: {hasApproval: "true"}}`},
		{"  - {subject: \"folder:plans\", relation: parent, object: \"document:roadmap\"}\n", ""},
		{"- user.location: {equals: England}", "- user.location: {equals: Scotland}"},
		{"- resource.hasApproval: {equals: \"true\"}", "- resource.hasApproval: {equals: \"yes\"}"},
		{"permission: document:publish", "permission: document:update"},
	} {
		if !strings.Contains(src, r[0]) {
			t.Fatalf("demo has no %q", r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	src = strings.Replace(src, "\nresource_instances:", "  newbie@x.io: {email: new@x.io}\n\nresource_instances:", 1)
	r := Diff(a, parse(t, src))
	var names []string
	for _, g := range r.Groups {
		names = append(names, g.Name)
	}
	want := []string{"resource types", "resource roles", "roles", "user sets", "resource sets", "condition set rules", "tenants", "users", "role assignments", "resource instances", "relationships"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("groups %v\nwant %v", names, want)
	}
	get := func(name string) Group {
		for _, g := range r.Groups {
			if g.Name == name {
				return g
			}
		}
		return Group{}
	}
	check := func(name string, g Group, want Group) {
		want.Name = name
		if !reflect.DeepEqual(g, want) {
			t.Errorf("%s:\n%+v\nwant\n%+v", name, g, want)
		}
	}
	check("resource types", get("resource types"), Group{Changed: []Change{{"document", []string{"actions +share"}}}})
	check("resource roles", get("resource roles"), Group{Changed: []Change{{"folder#editor", []string{"permissions −delete"}}}})
	check("roles", get("roles"), Group{Changed: []Change{{"viewer", []string{"permissions −folder:read"}}}})
	check("tenants", get("tenants"), Group{Changed: []Change{{"awesome_inc", []string{`attributes.plan "pro" → "free"`}}}})
	check("users", get("users"), Group{Added: []string{"newbie@x.io"}, Changed: []Change{{"bob@acme.io", []string{`attributes.department "Engineering" → "Sales"`}}}})
	check("role assignments", get("role assignments"), Group{Added: []string{"bob@acme.io: editor in default"}, Removed: []string{"bob@acme.io: viewer in default"}})
	check("relationships", get("relationships"), Group{Removed: []string{"folder:plans --parent--> document:roadmap"}})
	check("condition set rules", get("condition set rules"), Group{
		Added:   []string{"england_engineers may document:update on approved_documents"},
		Removed: []string{"england_engineers may document:publish on approved_documents"}})
	if us := get("user sets"); len(us.Changed) != 1 || !strings.Contains(us.Changed[0].Changes[0], `"England"`) || !strings.Contains(us.Changed[0].Changes[0], `"Scotland"`) {
		t.Errorf("user sets %+v", us)
	}
	if r.Total() != 14 {
		t.Errorf("total %d", r.Total())
	}
}
