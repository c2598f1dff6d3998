package engine

import (
	"reflect"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

func tenantsOf(ds []pdp.TenantDecision) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Tenant)
	}
	return out
}

func TestAllTenants(t *testing.T) {
	e := fixtureEngine
	ds := e.AllTenants(chk("multi", "read", "document", "ignored"))
	if got := tenantsOf(ds); !reflect.DeepEqual(got, []string{"acme", "default"}) {
		t.Fatalf("tenants %v", got)
	}
	for _, d := range ds {
		if d.Decision.Outcome != pdp.Allow || d.Decision.Debug.Request.Tenant != d.Tenant {
			t.Errorf("%s: %v in %s", d.Tenant, d.Decision.Outcome, d.Decision.Debug.Request.Tenant)
		}
	}
	if !reflect.DeepEqual(ds[0].TenantAttributes, map[string]any{"plan": "pro", "seats": 10.0}) || ds[1].TenantAttributes == nil {
		t.Errorf("tenant attributes %v / %v", ds[0].TenantAttributes, ds[1].TenantAttributes)
	}
	// The attributes are a copy.
	ds[0].TenantAttributes["plan"] = "hacked"
	if e.AllTenants(chk("multi", "read", "document", ""))[0].TenantAttributes["plan"] != "pro" {
		t.Error("AllTenants exposed the engine's tenant attributes")
	}

	// ABAC on user and resource attributes holds in every tenant the policy
	// knows, the ones only named by assignments included.
	if got := tenantsOf(e.AllTenants(chk("alice", "publish", "document:roadmap", ""))); !reflect.DeepEqual(got, []string{"acme", "default", "globex", "nowhere"}) {
		t.Errorf("abac tenants %v", got)
	}
	// JIT tenant attributes describe one tenant and are dropped.
	c := chk("alice", "update", "folder", "")
	c.TenantAttributes = map[string]any{"plan": "pro"}
	if got := tenantsOf(e.AllTenants(c)); !reflect.DeepEqual(got, []string{"acme"}) {
		t.Errorf("pro tenants %v", got)
	}
	if got := e.AllTenants(chk("nobody", "read", "document", "")); len(got) != 0 {
		t.Errorf("unknown user allowed in %v", tenantsOf(got))
	}
}

func TestUserPermissions(t *testing.T) {
	e := rebacFixture()
	got := e.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: "multi"}})
	want := pdp.Permissions{
		"__tenant:acme": {
			Tenant:      &pdp.ObjectRef{Key: "acme", Attributes: map[string]any{"plan": "pro", "seats": 10.0}},
			Permissions: []string{"document:create", "document:delete", "document:read", "document:update", "folder:delete", "folder:read", "folder:update"},
			Roles:       []string{"admin"},
		},
		"__tenant:default": {
			Tenant:      &pdp.ObjectRef{Key: "default", Attributes: map[string]any{}},
			Permissions: []string{"document:read", "folder:read"},
			Roles:       []string{"viewer"},
		},
		// No role on the roadmap, but ABAC lets a viewer of its tenant share an
		// approved document; the entry lists what a check there allows.
		"document:roadmap": {
			Tenant:      &pdp.ObjectRef{Key: "default", Attributes: map[string]any{}},
			Resource:    &pdp.ObjectRef{Key: "roadmap", Type: "document", Attributes: map[string]any{"hasApproval": "true", "classification": map[string]any{"level": 2.0, "labels": []any{"x"}}}},
			Permissions: []string{"document:read", "document:share"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("multi\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}

	got = e.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: "jane"}})
	want = pdp.Permissions{
		"folder:plans": {
			Tenant:      &pdp.ObjectRef{Key: "default", Attributes: map[string]any{}},
			Resource:    &pdp.ObjectRef{Key: "plans", Type: "folder", Attributes: map[string]any{}},
			Permissions: []string{"folder:create", "folder:read", "folder:update"},
			Roles:       []string{"editor"},
		},
		"document:roadmap": {
			Tenant:      &pdp.ObjectRef{Key: "default", Attributes: map[string]any{}},
			Resource:    &pdp.ObjectRef{Key: "roadmap", Type: "document", Attributes: map[string]any{"hasApproval": "true", "classification": map[string]any{"level": 2.0, "labels": []any{"x"}}}},
			Permissions: []string{"document:read", "document:share", "document:update"},
			Roles:       []string{"commenter", "editor"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jane\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}

	// Filters: resource types, explicit resources, tenants.
	got = e.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: "jane"}, ResourceTypes: []string{"folder"}})
	if len(got) != 1 || got["folder:plans"].Resource == nil {
		t.Errorf("type filter: %s", mustJSON(t, got))
	}
	got = e.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: "multi"}, Resources: []string{"document:roadmap"}, Tenants: []string{"default"}})
	if len(got) != 2 || !reflect.DeepEqual(got["document:roadmap"].Permissions, []string{"document:read", "document:share"}) || got["__tenant:acme"].Tenant != nil {
		t.Errorf("explicit resources: %s", mustJSON(t, got))
	}
	got = e.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: "multi"}, Tenants: []string{"acme"}, ResourceTypes: []string{"folder"}})
	if len(got) != 1 || !reflect.DeepEqual(got["__tenant:acme"].Permissions, []string{"folder:delete", "folder:read", "folder:update"}) {
		t.Errorf("tenant and type filters: %s", mustJSON(t, got))
	}
	// An instance of another tenant is left out by the tenant filter.
	got = e.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: "olga"}, Tenants: []string{"default"}})
	if len(got) != 0 {
		t.Errorf("olga in default: %s", mustJSON(t, got))
	}
	if got := e.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: "olga"}}); len(got["document:acmedoc"].Permissions) != 4 {
		t.Errorf("olga: %s", mustJSON(t, got))
	}
	// An unknown user with JIT attributes: only the tenants asked for.
	q := pdp.PermissionsQuery{User: pdp.User{Key: "zed", Attributes: map[string]any{"roles": []any{"viewer"}}}, Tenants: []string{"default"}, Resources: []string{"document:roadmap"}}
	got = e.UserPermissions(q)
	if len(got) != 1 || !reflect.DeepEqual(got["document:roadmap"].Permissions, []string{"document:share"}) {
		t.Errorf("unknown user: %s", mustJSON(t, got))
	}
	if got := e.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: "zed"}}); len(got) != 0 {
		t.Errorf("unknown user without tenants: %s", mustJSON(t, got))
	}
}

func TestAuthorizedUsers(t *testing.T) {
	e := rebacFixture()
	got := e.AuthorizedUsers(pdp.AuthorizedUsersQuery{Action: "update", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}})
	a := func(user, resource, role string) pdp.UserRoleAssignment {
		return pdp.UserRoleAssignment{User: user, Tenant: "default", Resource: resource, Role: role}
	}
	want := pdp.AuthorizedUsers{Resource: "document:roadmap", Tenant: "default", Users: map[string][]pdp.UserRoleAssignment{
		"admin@x": {a("admin@x", "__tenant:default", "admin")},
		"dora":    {a("dora", "document:roadmap", "editor"), a("dora", "document:roadmap", "owner")},
		"jane":    {a("jane", "document:roadmap", "editor")},
		"sue":     {a("sue", "document:roadmap", "editor")},
		"wanda":   {a("wanda", "document:roadmap", "editor")},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("update roadmap\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}
	// Every authorized user is allowed, and every known user allowed by
	// RBAC or ReBAC is listed.
	for _, u := range e.Users() {
		c := chk(u, "update", "document:roadmap", "default")
		_, listed := got.Users[u]
		d := e.Decide(c)
		byRoles := code(d.Debug.RBAC) == "allow" || code(d.Debug.ReBAC) == "allow"
		if listed != byRoles {
			t.Errorf("%s: listed %v, allowed by roles %v", u, listed, byRoles)
		}
	}

	got = e.AuthorizedUsers(pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "acme"}})
	if got.Resource != "document:*" || len(got.Users) != 2 || got.Users["multi"][0].Role != "admin" || got.Users["elsewhere"][0].Role != "viewer" {
		t.Errorf("type-level: %s", mustJSON(t, got))
	}
	got = e.AuthorizedUsers(pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "document", Key: "roadmap"}})
	if len(got.Users) != 0 || got.Tenant != "" {
		t.Errorf("no tenant: %s", mustJSON(t, got))
	}
	// Suppressed derivations do not authorize: sue may not share.
	got = e.AuthorizedUsers(pdp.AuthorizedUsersQuery{Action: "share", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}})
	if _, ok := got.Users["sue"]; ok || got.Users["jane"][0].Role != "commenter" {
		t.Errorf("share: %s", mustJSON(t, got))
	}
}

func TestAccessors(t *testing.T) {
	e := fixtureEngine
	if e.Policy() == nil || e.Policy().Tenants["acme"] == nil {
		t.Error("Policy")
	}
	if got := e.ActionsOf("folder"); !reflect.DeepEqual(got, []string{"create", "delete", "read", "update"}) {
		t.Errorf("ActionsOf %v", got)
	}
	got := e.ActionsOf("folder")
	got[0] = "mutated"
	if e.ActionsOf("folder")[0] != "create" || e.ActionsOf("nope") != nil {
		t.Error("ActionsOf shares or invents")
	}
	if !reflect.DeepEqual(e.ResourceTypes(), []string{"document", "folder", "workspace"}) ||
		!reflect.DeepEqual(e.Tenants(), []string{"acme", "default", "globex", "nowhere"}) ||
		!reflect.DeepEqual(e.Roles(), []string{"admin", "editor", "viewer"}) ||
		!reflect.DeepEqual(e.ResourceRolesOf("document"), []string{"commenter", "editor", "owner", "viewer"}) ||
		!reflect.DeepEqual(e.TenantRolesOf("multi", "acme"), []string{"admin"}) ||
		len(e.Users()) != len(fixture().Users) {
		t.Error("accessors")
	}
	if New(nil).Allowed(&pdp.Check{}) {
		t.Error("an empty policy allowed")
	}
}
