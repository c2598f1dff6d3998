package engine

import (
	"reflect"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// The demo policy's story, as its comments and the README tell it.
func TestDemoStory(t *testing.T) {
	e := New(policy.Demo())
	publish := func(hasApproval any) pdp.Check {
		c := chk("check@permit.io", "publish", "document", "default")
		c.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
		c.Resource.Attributes = map[string]any{"hasApproval": hasApproval}
		return c
	}
	tests := []struct {
		name  string
		check pdp.Check
		allow bool
		// model whose block must carry code.
		model, code string
	}{
		{"admin creates", chk("john@smith.com", "create", "document", "default"), true, "rbac", "allow"},
		{"admin reads", chk("john@smith.com", "read", "document", "default"), true, "rbac", "allow"},
		{"viewer in awesome_inc reads there", chk("john@permit.io", "read", "document", "awesome_inc"), true, "rbac", "allow"},
		{"no role in default", chk("john@permit.io", "read", "document", "default"), false, "rbac", "no_role_in_tenant"},
		{"viewer may not delete", chk("bob@acme.io", "delete", "document", "default"), false, "rbac", "no_permission"},
		{"JIT attributes and a string hasApproval publish", publish("true"), true, "abac", "allow"},
		{"a bool hasApproval does not", publish(true), false, "abac", "no_matching_rules"},
		{"jane updates the roadmap through its folder", chk("jane@permit.io", "update", "document:roadmap", "default"), true, "rebac", "allow"},
		{"jane may not delete it", chk("jane@permit.io", "delete", "document:roadmap", "default"), false, "rebac", "no_permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, e, tt.check)
			if d.Allowed() != tt.allow {
				t.Fatalf("allow %v, want %v: %s", d.Allowed(), tt.allow, d.Response)
			}
			r := map[string]*pdp.Reason{"rbac": d.Debug.RBAC, "abac": d.Debug.ABAC, "rebac": d.Debug.ReBAC}[tt.model]
			if code(r) != tt.code {
				t.Fatalf("%s code %s, want %s: %s", tt.model, code(r), tt.code, d.Response)
			}
		})
	}

	d := decide(t, e, chk("john@permit.io", "read", "document", "default"))
	if want := "user 'john@permit.io' has no assigned roles in tenant 'default'. user has roles in these tenants: awesome_inc"; d.Debug.RBAC.Reason != want {
		t.Errorf("reason %q", d.Debug.RBAC.Reason)
	}
	d = decide(t, e, publish("true"))
	if want := []pdp.AllowingRule{{UserSet: "england_engineers", ResourceSet: "approved_documents"}}; !reflect.DeepEqual(d.Debug.ABAC.AllowingRules, want) {
		t.Errorf("allowing rules %+v", d.Debug.ABAC.AllowingRules)
	}
	d = decide(t, e, chk("jane@permit.io", "update", "document:roadmap", "default"))
	if got := d.Debug.ReBAC.AllowingRoles; len(got) != 1 || !reflect.DeepEqual(got[0].Sources, []string{"folder:plans#editor --parent--> document:roadmap#editor"}) {
		t.Errorf("allowing roles %+v", got)
	}
}
