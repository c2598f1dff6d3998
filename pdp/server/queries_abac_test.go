package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// ownersPolicy: erin has no role; ABAC lets her view the record she owns
// (its owner attribute is her key).
const ownersPolicy = `version: 1
resources:
  record: {actions: [view, edit], attributes: {owner: string}}
tenants: {default: {}}
users:
  erin: {attributes: {department: ops}}
resource_instances:
  "record:105": {tenant: default, attributes: {owner: erin}}
  "record:106": {tenant: default, attributes: {owner: frank}}
user_sets:
  ops: {conditions: {allOf: [{user.department: {equals: ops}}]}}
resource_sets:
  owned_records: {resource: record, conditions: {allOf: [{resource.owner: {equals: {ref: user.key}}}]}}
condition_set_rules:
  - {user_set: ops, permission: record:view, resource_set: owned_records}
`

// What a client of pdpx serve reads when ABAC alone lets a user: the
// instance in /user-permissions, the user in /authorized_users with the
// rule's sets as Permit's PDP writes them.
func TestQueriesOverTheWireIncludeABAC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "owners.yaml")
	if err := os.WriteFile(path, []byte(ownersPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := newServer(t, Config{Token: testToken, Policy: path})

	code, body, _ := do(t, s, req{path: "/user-permissions", body: `{"user":{"key":"erin"},"context":{"enable_abac_user_permissions":true}}`})
	var perms pdp.Permissions
	if code != 200 || json.Unmarshal(body, &perms) != nil {
		t.Fatalf("%d %s", code, body)
	}
	e, ok := perms["record:105"]
	if len(perms) != 1 || !ok || len(e.Permissions) != 1 || e.Permissions[0] != "record:view" ||
		e.Tenant == nil || e.Tenant.Key != "default" || e.Resource == nil || e.Resource.Attributes["owner"] != "erin" {
		t.Errorf("user-permissions: %s", body)
	}

	code, body, _ = do(t, s, req{path: "/authorized_users", body: `{"action":"view","resource":{"type":"record","key":"105","tenant":"default"}}`})
	var au pdp.AuthorizedUsers
	if code != 200 || json.Unmarshal(body, &au) != nil {
		t.Fatalf("%d %s", code, body)
	}
	want := []pdp.UserRoleAssignment{{User: "erin", Tenant: "default", Resource: "owned_records", Role: "ops"}}
	if len(au.Users) != 1 || len(au.Users["erin"]) != 1 || au.Users["erin"][0] != want[0] {
		t.Errorf("authorized_users: %s", body)
	}
	_, body, _ = do(t, s, req{path: "/authorized_users", body: `{"action":"view","resource":{"type":"record","key":"106","tenant":"default"}}`})
	var none pdp.AuthorizedUsers
	if err := json.Unmarshal(body, &none); err != nil || len(none.Users) != 0 {
		t.Errorf("authorized_users on frank's record: %s", body)
	}
}
