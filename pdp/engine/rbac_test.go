package engine

import (
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

func TestRBACCodes(t *testing.T) {
	tests := []struct {
		name  string
		check pdp.Check
		code  string
		// reason fragments that must appear in the sentence.
		reason []string
	}{
		{"allow", chk("admin@x", "delete", "document", "default"), "allow", []string{"'admin@x'", "role 'admin'", "'default'", "'delete'", "'document'"}},
		{"allow on an instance", chk("admin@x", "read", "document:roadmap", "default"), "allow", nil},
		{"allow in an undeclared tenant (no existence checks)", chk("ghosttenant", "read", "document", "nowhere"), "allow", []string{"'nowhere'"}},
		{"no_such_resource", chk("admin@x", "read", "spreadsheet", "default"), "no_such_resource", []string{"'spreadsheet'", "document, folder, workspace"}},
		{"no_such_resource before unknown user", chk("nobody", "read", "spreadsheet", "default"), "no_such_resource", nil},
		{"no_such_action", chk("admin@x", "publsh", "document", "default"), "no_such_action", []string{"'publsh'", "create, delete, publish, read, share, update"}},
		{"no_such_tenant", chk("admin@x", "share", "document", "initech"), "no_such_tenant", []string{"'initech'", "acme, default, globex"}},
		{"no_such_tenant before user_not_synced", chk("nobody", "read", "document", "initech"), "no_such_tenant", nil},
		{"user_not_synced", chk("nobody", "read", "document", "default"), "user_not_synced", []string{"'nobody'"}},
		{"no_user_roles", chk("noroles", "read", "document", "default"), "no_user_roles", []string{"'noroles'"}},
		{"membership without a role is no role", chk("member", "read", "document", "globex"), "no_user_roles", nil},
		{"instance roles are not tenant roles", chk("jane", "read", "document", "default"), "no_user_roles", nil},
		{"no_role_in_tenant", chk("elsewhere", "read", "document", "default"), "no_role_in_tenant",
			[]string{"user 'elsewhere' has no assigned roles in tenant 'default'. user has roles in these tenants: acme"}},
		{"no_permission", chk("multi", "delete", "document", "default"), "no_permission", []string{"role 'viewer'", "'delete'", "admin"}},
		{"no_permission, no role grants it", chk("multi", "share", "document", "default"), "no_permission", []string{"no role grants it"}},
		// Without a tenant the codes needing one are skipped.
		{"no tenant: roles elsewhere is no_permission", chk("multi", "read", "document", ""), "no_permission", []string{"no tenant"}},
		{"no tenant: no roles is no_user_roles", chk("noroles", "read", "document", ""), "no_user_roles", nil},
		{"no tenant: unknown user", chk("nobody", "read", "document", ""), "user_not_synced", nil},
		{"no tenant: schema still checked", chk("multi", "read", "spreadsheet", ""), "no_such_resource", nil},
		{"case-sensitive action", chk("admin@x", "Read", "document", "default"), "no_such_action", nil},
		{"case-sensitive user", chk("Admin@x", "read", "document", "default"), "user_not_synced", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, fixtureEngine, tt.check)
			r := rbacOf(t, fixtureEngine, tt.check)
			if r.Code != tt.code {
				t.Fatalf("rbac code %q (%s), want %q", r.Code, r.Reason, tt.code)
			}
			if r.Allow != (tt.code == "allow") {
				t.Errorf("rbac allow %v with code %q", r.Allow, r.Code)
			}
			if r.Allow && r.SupportLink != "" || !r.Allow && r.SupportLink != "https://docs.permit.io/errors/"+tt.code {
				t.Errorf("support link %q", r.SupportLink)
			}
			for _, frag := range tt.reason {
				if !strings.Contains(r.Reason, frag) {
					t.Errorf("reason %q lacks %q", r.Reason, frag)
				}
			}
			if tt.code == "allow" && d.Outcome != pdp.Allow {
				t.Errorf("outcome %v", d.Outcome)
			}
		})
	}
}

// rbacOf is the rbac reason whether or not the block is shown.
func rbacOf(t *testing.T, e *Engine, c pdp.Check) *pdp.Reason {
	t.Helper()
	return e.rbacReason(&c, e.users[c.User.Key])
}

func TestRBACNoExistenceChecks(t *testing.T) {
	// A role granting a permission on a type the schema lacks still allows.
	p := &policy.Policy{
		Roles: map[string]*policy.Role{"r": {Permissions: []string{"ghost:haunt"}}},
		Users: map[string]*policy.User{"u": {Roles: []policy.RoleAssignment{tenantRole("r", "t")}}},
	}
	e := New(p)
	d := decide(t, e, chk("u", "haunt", "ghost:g1", "t"))
	if d.Outcome != pdp.Allow || d.Debug.RBAC == nil || d.Debug.RBAC.Code != "allow" {
		t.Fatalf("got %v %+v", d.Outcome, d.Debug.RBAC)
	}
	if got := d.Debug.RBAC.AllowingRoles; len(got) != 1 || got[0].Role != "r" {
		t.Errorf("allowing roles %+v", got)
	}
}

func TestRBACDecisions(t *testing.T) {
	tests := []struct {
		check pdp.Check
		allow bool
	}{
		{chk("admin@x", "create", "document", "default"), true},
		{chk("admin@x", "create", "document", "acme"), false},
		{chk("multi", "delete", "document", "acme"), true},
		{chk("multi", "delete", "document", "default"), false},
		{chk("multi", "read", "folder", "default"), true},
		{chk("multi", "read", "document", ""), false},
		{chk("elsewhere", "read", "document:acmedoc", "acme"), true},
		{chk("nobody", "read", "document", "default"), false},
	}
	for _, tt := range tests {
		d := decide(t, fixtureEngine, tt.check)
		if d.Allowed() != tt.allow {
			t.Errorf("%s: allow %v, want %v (%s)", tt.check, d.Allowed(), tt.allow, d.Debug.RBAC.Reason)
		}
	}
}

func TestRBACAllowingRolesAll(t *testing.T) {
	p := fixture()
	p.Users["both"] = &policy.User{Roles: []policy.RoleAssignment{tenantRole("viewer", "default"), tenantRole("editor", "default"), tenantRole("editor", "default")}}
	e := New(p)
	d := decide(t, e, chk("both", "read", "document", "default"))
	var roles []string
	for _, r := range d.Debug.RBAC.AllowingRoles {
		roles = append(roles, r.Role)
	}
	if strings.Join(roles, ",") != "editor,viewer" {
		t.Errorf("allowing roles %v (duplicates removed, sorted)", roles)
	}
	if !strings.Contains(d.Debug.RBAC.Reason, "roles 'editor', 'viewer'") {
		t.Errorf("reason %q", d.Debug.RBAC.Reason)
	}
}

func TestReasonListsAtMostTen(t *testing.T) {
	p := fixture()
	u := &policy.User{}
	for _, tn := range []string{"t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08", "t09", "t10", "t11", "t12"} {
		u.Roles = append(u.Roles, tenantRole("viewer", tn))
	}
	p.Users["many"] = u
	e := New(p)
	r := rbacOf(t, e, chk("many", "read", "document", "default"))
	if r.Code != "no_role_in_tenant" {
		t.Fatal(r.Code)
	}
	if !strings.HasSuffix(r.Reason, "t01, t02, t03, t04, t05, t06, t07, t08, t09, t10 and 2 more") {
		t.Errorf("reason %q", r.Reason)
	}
}
