package engine

import (
	"encoding/json"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Condition builders, so test policies read like the YAML they stand for.

func leaf(path, operator string, value any) *policy.Condition {
	return &policy.Condition{Path: path, Operator: operator, Value: value}
}

func refLeaf(path, operator, ref string) *policy.Condition {
	return &policy.Condition{Path: path, Operator: operator, Ref: ref}
}

// The node builders keep an empty list non-nil, as the loader does for `anyOf: []`.
func allOf(cs ...*policy.Condition) *policy.Condition { return &policy.Condition{AllOf: nonNil(cs)} }
func anyOf(cs ...*policy.Condition) *policy.Condition { return &policy.Condition{AnyOf: nonNil(cs)} }
func not(cs ...*policy.Condition) *policy.Condition   { return &policy.Condition{Not: nonNil(cs)} }

func nonNil(cs []*policy.Condition) []*policy.Condition {
	if cs == nil {
		return []*policy.Condition{}
	}
	return cs
}

func tenantRole(role, tenant string) policy.RoleAssignment {
	return policy.RoleAssignment{Role: role, Tenant: tenant}
}

func instRoleOn(role, resource string) policy.RoleAssignment {
	return policy.RoleAssignment{Role: role, Resource: resource}
}

func rel(subject, relation, object string) policy.Relationship {
	return policy.Relationship{Subject: subject, Relation: relation, Object: object}
}

func derive(role, on, relation string) policy.Derivation {
	return policy.Derivation{Role: role, OnResource: on, LinkedByRelation: relation}
}

// fixture is the policy most tests decide against:
//
//   - tenant roles admin/editor/viewer with attributes; tenants default, acme
//     (plan pro), globex (plan free);
//   - ReBAC: workspace:w1#admin --workspace--> folder:root#editor --parent-->
//     folder:plans#editor --parent--> document:roadmap#editor (three hops),
//     a folder cycle, a document in another tenant, and no_direct_roles_on_object
//     on document viewer (role-level) and commenter (derivation-level);
//   - ABAC: user sets over user, tenant and role attributes; resource sets
//     over document attributes; rules naming roles and types too.
func fixture() *policy.Policy {
	return &policy.Policy{
		Version: 1,
		Resources: map[string]*policy.Resource{
			"workspace": {
				Actions: []string{"read", "manage"},
				Roles:   map[string]*policy.ResourceRole{"admin": {Permissions: []string{"read", "manage"}}},
			},
			"folder": {
				Actions:   []string{"read", "create", "update", "delete"},
				Relations: map[string]string{"parent": "folder", "workspace": "workspace"},
				Roles: map[string]*policy.ResourceRole{
					"editor": {
						Permissions: []string{"read", "create", "update"},
						GrantedTo: &policy.GrantedTo{UsersWithRole: []policy.Derivation{
							derive("editor", "folder", "parent"),
							derive("admin", "workspace", "workspace"),
						}},
					},
					"viewer": {Permissions: []string{"read"}},
				},
			},
			"document": {
				Actions:    []string{"read", "create", "update", "delete", "share", "publish"},
				Attributes: map[string]string{"hasApproval": "string"},
				Relations:  map[string]string{"parent": "folder"},
				Roles: map[string]*policy.ResourceRole{
					"editor": {
						Permissions: []string{"read", "update"},
						GrantedTo:   &policy.GrantedTo{UsersWithRole: []policy.Derivation{derive("editor", "folder", "parent")}},
					},
					"viewer": {
						Permissions: []string{"read"},
						GrantedTo:   &policy.GrantedTo{UsersWithRole: []policy.Derivation{derive("viewer", "folder", "parent")}},
						When:        &policy.When{NoDirectRolesOnObject: true},
					},
					"commenter": {
						Permissions: []string{"read", "share"},
						GrantedTo: &policy.GrantedTo{UsersWithRole: []policy.Derivation{{
							Role: "editor", OnResource: "folder", LinkedByRelation: "parent",
							When: &policy.When{NoDirectRolesOnObject: true},
						}}},
					},
					"owner": {Permissions: []string{"read", "update", "delete", "share"}},
				},
			},
		},
		Roles: map[string]*policy.Role{
			"admin": {
				Permissions: []string{"document:read", "document:create", "document:update", "document:delete", "folder:read", "folder:delete"},
				Attributes:  map[string]any{"level": 3, "scopes": []any{"all"}},
			},
			"editor": {Permissions: []string{"document:read", "document:create", "document:update", "folder:read"}, Attributes: map[string]any{"level": 2}},
			"viewer": {Permissions: []string{"document:read", "folder:read"}, Attributes: map[string]any{"level": 1}},
		},
		Tenants: map[string]*policy.Tenant{
			"default": {},
			"acme":    {Attributes: map[string]any{"plan": "pro", "seats": 10}},
			"globex":  {Attributes: map[string]any{"plan": "free"}},
		},
		Users: map[string]*policy.User{
			"admin@x":     {Roles: []policy.RoleAssignment{tenantRole("admin", "default")}},
			"multi":       {Roles: []policy.RoleAssignment{tenantRole("viewer", "default"), tenantRole("admin", "acme")}},
			"elsewhere":   {Roles: []policy.RoleAssignment{tenantRole("viewer", "acme")}},
			"noroles":     {Attributes: map[string]any{"department": "Sales"}},
			"member":      {Tenants: []string{"globex"}, Attributes: map[string]any{"department": "Engineering"}},
			"ghosttenant": {Roles: []policy.RoleAssignment{tenantRole("viewer", "nowhere")}},
			"alice": {
				Attributes: map[string]any{
					"department": "Engineering", "location": "England", "clearance": 3,
					"address": map[string]any{"city": "London", "zip": "N1"},
					"tags":    []any{"a", "b"},
				},
				Tenants: []string{"acme"},
			},
			"jane":  {Tenants: []string{"default"}, Roles: []policy.RoleAssignment{instRoleOn("editor", "folder:plans")}},
			"wanda": {Roles: []policy.RoleAssignment{instRoleOn("admin", "workspace:w1")}},
			"dora": {Roles: []policy.RoleAssignment{
				instRoleOn("owner", "document:roadmap"), instRoleOn("editor", "folder:plans"), instRoleOn("viewer", "folder:plans"),
			}},
			"vic":   {Roles: []policy.RoleAssignment{instRoleOn("viewer", "folder:plans")}},
			"cyril": {Roles: []policy.RoleAssignment{instRoleOn("editor", "folder:cyc1")}},
			"olga":  {Roles: []policy.RoleAssignment{instRoleOn("owner", "document:acmedoc")}},
			"tess":  {Roles: []policy.RoleAssignment{{Role: "owner", Resource: "document:loose", Tenant: "acme"}}},
		},
		ResourceInstances: map[string]*policy.Instance{
			"workspace:w1":     {Tenant: "default"},
			"folder:root":      {Tenant: "default"},
			"folder:plans":     {Tenant: "default"},
			"folder:cyc1":      {Tenant: "default"},
			"folder:cyc2":      {Tenant: "default"},
			"document:roadmap": {Tenant: "default", Attributes: map[string]any{"hasApproval": "true", "classification": map[string]any{"level": 2, "labels": []any{"x"}}}},
			"document:acmedoc": {Tenant: "acme"},
			"document:cycdoc":  {Tenant: "default"},
		},
		Relationships: []policy.Relationship{
			rel("workspace:w1", "workspace", "folder:root"),
			rel("folder:root", "parent", "folder:plans"),
			rel("folder:plans", "parent", "document:roadmap"),
			rel("folder:cyc1", "parent", "folder:cyc2"),
			rel("folder:cyc2", "parent", "folder:cyc1"),
			rel("folder:cyc2", "parent", "document:cycdoc"),
		},
		UserSets: map[string]*policy.UserSet{
			"england_engineers": {Name: "England engineers", Conditions: allOf(leaf("user.department", "equals", "Engineering"), leaf("user.location", "equals", "England"))},
			"londoners":         {Conditions: allOf(leaf("user.address.city", "equals", "London"))},
			"pro_tenant":        {Conditions: allOf(leaf("tenant.plan", "equals", "pro"))},
			"senior":            {Conditions: allOf(leaf("role.level", "greater-than-equals", 3))},
		},
		ResourceSets: map[string]*policy.ResourceSet{
			"approved_documents": {Name: "approved documents", Resource: "document", Conditions: allOf(leaf("resource.hasApproval", "equals", "true"))},
			"classified":         {Resource: "document", Conditions: allOf(leaf("resource.classification.level", "greater-than", 1))},
		},
		ConditionSetRules: []policy.ConditionSetRule{
			{UserSet: "england_engineers", Permission: "document:publish", ResourceSet: "approved_documents"},
			{UserSet: "viewer", Permission: "document:share", ResourceSet: "approved_documents"},
			{UserSet: "londoners", Permission: "folder:create", ResourceSet: "folder"},
			{UserSet: "pro_tenant", Permission: "folder:update", ResourceSet: "folder"},
			{UserSet: "senior", Permission: "document:share", ResourceSet: "classified"},
		},
	}
}

var fixtureEngine = New(fixture())

// chk builds a check: resource is "type" or "type:key"; tenant "" for none.
func chk(user, action, resource, tenant string) pdp.Check {
	typ, key, err := pdp.ParseResource(resource)
	if err != nil {
		panic(err)
	}
	return pdp.Check{User: pdp.User{Key: user}, Action: action, Resource: pdp.Resource{Type: typ, Key: key, Tenant: tenant}}
}

// decide runs Decide and checks that it agrees with the fast path and
// that EvaluateDebug gives the same debug object, so every decision test
// also tests Allowed and EvaluateDebug.
func decide(t *testing.T, e *Engine, c pdp.Check) pdp.Decision {
	t.Helper()
	d := e.Decide(c)
	if fast := e.Allowed(&c); fast != (d.Outcome == pdp.Allow) {
		t.Fatalf("%s: Allowed says %v, Decide says %v", c, fast, d.Outcome)
	}
	if d.Outcome != pdp.Allow && d.Outcome != pdp.Deny {
		t.Fatalf("%s: outcome %v", c, d.Outcome)
	}
	sameDebug(t, e, c)
	return d
}

func code(r *pdp.Reason) string {
	if r == nil {
		return "(absent)"
	}
	return r.Code
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
