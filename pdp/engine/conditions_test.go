package engine

import (
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// setPolicy is a policy whose only way to allow doc:read is the user set
// "s" with condition cond (plus whatever the caller adds): a check allows
// iff cond holds for it.
func setPolicy(cond *policy.Condition) *policy.Policy {
	return &policy.Policy{
		Resources: map[string]*policy.Resource{"doc": {Actions: []string{"read"}}},
		Roles: map[string]*policy.Role{
			"viewer": {Attributes: map[string]any{"level": 1, "region": "eu"}},
			"admin":  {Attributes: map[string]any{"level": 3, "limits": map[string]any{"max": 10}}},
			"plain":  {},
		},
		Tenants: map[string]*policy.Tenant{
			"acme":   {Attributes: map[string]any{"plan": "pro", "billing": map[string]any{"tier": 2, "currency": "EUR"}}},
			"globex": {Attributes: map[string]any{"plan": "free"}},
		},
		Users: map[string]*policy.User{
			"alice": {
				Attributes: map[string]any{
					"department": "Engineering",
					"address":    map[string]any{"city": "London", "zip": "N1", "geo": map[string]any{"lat": 51}},
					"tags":       []any{"a", "b"},
					"clearance":  3,
				},
				Roles: []policy.RoleAssignment{tenantRole("viewer", "acme"), tenantRole("admin", "globex")},
			},
			"bob":  {Tenants: []string{"globex"}, Attributes: map[string]any{"department": "Sales"}},
			"carl": {Roles: []policy.RoleAssignment{tenantRole("plain", "acme")}},
		},
		ResourceInstances: map[string]*policy.Instance{
			"doc:d1": {Tenant: "acme", Attributes: map[string]any{"owner": "alice", "meta": map[string]any{"size": 10, "labels": []any{"x"}}}},
		},
		UserSets:          map[string]*policy.UserSet{"s": {Conditions: cond}},
		ConditionSetRules: []policy.ConditionSetRule{{UserSet: "s", Permission: "doc:read", ResourceSet: "doc"}},
	}
}

type condCase struct {
	name  string
	cond  *policy.Condition
	check pdp.Check
	want  bool
}

func with(c pdp.Check, f func(*pdp.Check)) pdp.Check {
	f(&c)
	return c
}

func jitUser(attrs map[string]any) func(*pdp.Check) {
	return func(c *pdp.Check) { c.User.Attributes = attrs }
}

func jitResource(attrs map[string]any) func(*pdp.Check) {
	return func(c *pdp.Check) { c.Resource.Attributes = attrs }
}

var condCases = []condCase{
	// Tree nodes.
	{"allOf all true", allOf(leaf("user.department", "equals", "Engineering"), leaf("user.clearance", "equals", 3)), chk("alice", "read", "doc", "acme"), true},
	{"allOf one false", allOf(leaf("user.department", "equals", "Engineering"), leaf("user.clearance", "equals", 4)), chk("alice", "read", "doc", "acme"), false},
	{"empty allOf holds", allOf(), chk("bob", "read", "doc", ""), true},
	{"nil conditions hold", nil, chk("nobody", "read", "doc", ""), true},
	{"anyOf one true", anyOf(leaf("user.department", "equals", "Sales"), leaf("user.clearance", "equals", 3)), chk("alice", "read", "doc", "acme"), true},
	{"anyOf none true", anyOf(leaf("user.department", "equals", "Sales"), leaf("user.clearance", "equals", 4)), chk("alice", "read", "doc", "acme"), false},
	{"empty anyOf fails", anyOf(), chk("alice", "read", "doc", "acme"), false},
	{"not of false", not(leaf("user.department", "equals", "Sales")), chk("alice", "read", "doc", "acme"), true},
	{"not of true", not(leaf("user.department", "equals", "Engineering")), chk("alice", "read", "doc", "acme"), false},
	{"not is NOT(allOf): one false child", not(leaf("user.department", "equals", "Engineering"), leaf("user.clearance", "equals", 9)), chk("alice", "read", "doc", "acme"), true},
	{"not is NOT(allOf): all true", not(leaf("user.department", "equals", "Engineering"), leaf("user.clearance", "equals", 3)), chk("alice", "read", "doc", "acme"), false},
	{"not over missing is true", not(leaf("user.nothing", "equals", "x")), chk("alice", "read", "doc", "acme"), true},
	{"not over missing not-equals is true", not(leaf("user.nothing", "not-equals", "x")), chk("alice", "read", "doc", "acme"), true},
	{"nested trees", allOf(anyOf(leaf("user.department", "equals", "Sales"), not(leaf("user.clearance", "less-than", 2))), leaf("tenant.plan", "equals", "pro")), chk("alice", "read", "doc", "acme"), true},

	// Nested paths and merge depth.
	{"nested stored path", allOf(leaf("user.address.city", "equals", "London")), chk("alice", "read", "doc", "acme"), true},
	{"deeply nested stored path", allOf(leaf("user.address.geo.lat", "equals", 51)), chk("alice", "read", "doc", "acme"), true},
	{"nested JIT merges key by key: stored sibling kept",
		allOf(leaf("user.address.city", "equals", "Paris"), leaf("user.address.zip", "equals", "N1")),
		with(chk("alice", "read", "doc", "acme"), jitUser(map[string]any{"address": map[string]any{"city": "Paris"}})), true},
	{"nested JIT merges at depth 3",
		allOf(leaf("user.address.geo.lat", "equals", 51), leaf("user.address.geo.lon", "equals", 0)),
		with(chk("alice", "read", "doc", "acme"), jitUser(map[string]any{"address": map[string]any{"geo": map[string]any{"lon": 0}}})), true},
	{"whole merged object compares",
		allOf(leaf("user.address", "equals", map[string]any{"city": "Paris", "zip": "N1", "geo": map[string]any{"lat": 51}})),
		with(chk("alice", "read", "doc", "acme"), jitUser(map[string]any{"address": map[string]any{"city": "Paris"}})), true},
	{"JIT scalar replaces an object", allOf(leaf("user.address.city", "equals", "London")),
		with(chk("alice", "read", "doc", "acme"), jitUser(map[string]any{"address": "somewhere"})), false},
	{"JIT scalar replacing an object is itself visible", allOf(leaf("user.address", "equals", "somewhere")),
		with(chk("alice", "read", "doc", "acme"), jitUser(map[string]any{"address": "somewhere"})), true},
	{"JIT array replaces whole, no element merge", allOf(leaf("user.tags", "equals", []any{"c"})),
		with(chk("alice", "read", "doc", "acme"), jitUser(map[string]any{"tags": []any{"c"}})), true},
	{"JIT array replaces whole: old element gone", allOf(leaf("user.tags", "array_contains", "a")),
		with(chk("alice", "read", "doc", "acme"), jitUser(map[string]any{"tags": []any{"c"}})), false},
	{"JIT null overrides", allOf(leaf("user.department", "equals", nil)),
		with(chk("alice", "read", "doc", "acme"), jitUser(map[string]any{"department": nil})), true},
	{"path through a non-object is missing", allOf(leaf("user.department.name", "equals", "x")), chk("alice", "read", "doc", "acme"), false},
	{"resource stored nested", allOf(leaf("resource.meta.size", "greater-than", 5)), chk("alice", "read", "doc:d1", "acme"), true},
	{"resource JIT nested merge",
		allOf(leaf("resource.meta.size", "equals", 1), leaf("resource.meta.labels", "array_contains", "x")),
		with(chk("alice", "read", "doc:d1", "acme"), jitResource(map[string]any{"meta": map[string]any{"size": 1}})), true},
	{"stored instance attributes whatever the tenant", allOf(leaf("resource.owner", "equals", "alice")), chk("bob", "read", "doc:d1", "globex"), true},
	{"no key: no stored instance attributes", allOf(leaf("resource.owner", "equals", "alice")), chk("alice", "read", "doc", "acme"), false},
	{"generated resource.type", allOf(leaf("resource.type", "equals", "doc")), chk("nobody", "read", "doc", ""), true},
	{"resource.key is not an attribute", allOf(leaf("resource.key", "equals", "d1")), chk("alice", "read", "doc:d1", "acme"), false},

	// user.key, roles and tenants.
	{"user.key for a known user", allOf(leaf("user.key", "equals", "alice")), chk("alice", "read", "doc", "acme"), true},
	{"no user.key for an unknown user", allOf(leaf("user.key", "equals", "zed")), chk("zed", "read", "doc", "acme"), false},
	{"JIT user.key for an unknown user", allOf(leaf("user.key", "equals", "zed")),
		with(chk("zed", "read", "doc", "acme"), jitUser(map[string]any{"key": "zed"})), true},
	{"generated roles in the check's tenant", allOf(leaf("user.roles", "equals", []any{"viewer"})), chk("alice", "read", "doc", "acme"), true},
	{"generated roles differ by tenant", allOf(leaf("user.roles", "array_contains", "admin")), chk("alice", "read", "doc", "acme"), false},
	{"no tenant: no roles", allOf(leaf("user.roles", "equals", []any{})), chk("alice", "read", "doc", ""), true},
	{"generated tenants", allOf(leaf("user.tenants", "equals", []any{"acme", "globex"})), chk("alice", "read", "doc", ""), true},
	{"membership without a role is a tenant", allOf(leaf("user.tenants", "array_contains", "globex")), chk("bob", "read", "doc", "acme"), true},
	{"JIT roles override generated roles", allOf(leaf("user.roles", "equals", []any{"admin"})),
		with(chk("alice", "read", "doc", "acme"), jitUser(map[string]any{"roles": []any{"admin"}})), true},
	{"unknown user: empty generated roles and tenants", allOf(leaf("user.roles", "equals", []any{}), leaf("user.tenants", "equals", []any{})), chk("zed", "read", "doc", "acme"), true},
	{"unknown user: only JIT attributes", allOf(leaf("user.department", "equals", "Engineering")),
		with(chk("zed", "read", "doc", "acme"), jitUser(map[string]any{"department": "Engineering"})), true},
	{"unknown user: nothing stored", allOf(leaf("user.department", "equals", "Engineering")), chk("zed", "read", "doc", "acme"), false},

	// Tenant attributes, gated by membership.
	{"tenant attribute of a tenant the user belongs to", allOf(leaf("tenant.plan", "equals", "pro")), chk("alice", "read", "doc", "acme"), true},
	{"tenant attribute hidden from a non-member", allOf(leaf("tenant.plan", "equals", "pro")), chk("bob", "read", "doc", "acme"), false},
	{"membership without a role shows tenant attributes", allOf(leaf("tenant.plan", "equals", "free")), chk("bob", "read", "doc", "globex"), true},
	{"unknown user sees no stored tenant attributes", allOf(leaf("tenant.plan", "equals", "pro")), chk("zed", "read", "doc", "acme"), false},
	{"JIT tenant attributes for a non-member", allOf(leaf("tenant.plan", "equals", "pro")),
		with(chk("bob", "read", "doc", "acme"), func(c *pdp.Check) { c.TenantAttributes = map[string]any{"plan": "pro"} }), true},
	{"JIT tenant attributes merge nested over stored",
		allOf(leaf("tenant.billing.tier", "equals", 3), leaf("tenant.billing.currency", "equals", "EUR")),
		with(chk("alice", "read", "doc", "acme"), func(c *pdp.Check) { c.TenantAttributes = map[string]any{"billing": map[string]any{"tier": 3}} }), true},
	{"no tenant: JIT tenant attributes still count", allOf(leaf("tenant.plan", "equals", "x")),
		with(chk("alice", "read", "doc", ""), func(c *pdp.Check) { c.TenantAttributes = map[string]any{"plan": "x"} }), true},

	// Context.
	{"context attribute", allOf(leaf("context.ip", "equals", "10.0.0.1")),
		with(chk("zed", "read", "doc", ""), func(c *pdp.Check) { c.Context = map[string]any{"ip": "10.0.0.1"} }), true},
	{"missing context", allOf(leaf("context.ip", "equals", "10.0.0.1")), chk("zed", "read", "doc", ""), false},

	// role.<attr>: some role of the user in the tenant matches.
	{"role attribute of the tenant's role", allOf(leaf("role.level", "equals", 1)), chk("alice", "read", "doc", "acme"), true},
	{"role attribute of a role in another tenant", allOf(leaf("role.level", "equals", 3)), chk("alice", "read", "doc", "acme"), false},
	{"role attribute in the other tenant", allOf(leaf("role.level", "greater-than", 2)), chk("alice", "read", "doc", "globex"), true},
	{"nested role attribute", allOf(leaf("role.limits.max", "equals", 10)), chk("alice", "read", "doc", "globex"), true},
	{"role without the attribute is missing", allOf(leaf("role.level", "not-equals", 5)), chk("carl", "read", "doc", "acme"), false},
	{"role attribute follows JIT roles", allOf(leaf("role.level", "equals", 3)),
		with(chk("zed", "read", "doc", "acme"), jitUser(map[string]any{"roles": []any{"viewer", "admin"}})), true},
	{"role attribute: no roles", allOf(leaf("role.level", "greater-than", 0)), chk("bob", "read", "doc", "globex"), false},

	// References.
	{"ref to another attribute", allOf(refLeaf("resource.owner", "equals", "user.key")), chk("alice", "read", "doc:d1", "acme"), true},
	{"ref mismatch", allOf(refLeaf("resource.owner", "equals", "user.key")), chk("bob", "read", "doc:d1", "globex"), false},
	{"missing ref is false, even for not-equals", allOf(refLeaf("resource.owner", "not-equals", "user.key")), chk("zed", "read", "doc:d1", "acme"), false},
	{"ref into context", allOf(refLeaf("user.clearance", "greater-than-equals", "context.required")),
		with(chk("alice", "read", "doc", "acme"), func(c *pdp.Check) { c.Context = map[string]any{"required": 2} }), true},
	{"ref to a list", allOf(refLeaf("user.department", "in", "context.allowed")),
		with(chk("alice", "read", "doc", "acme"), func(c *pdp.Check) { c.Context = map[string]any{"allowed": []any{"Engineering"}} }), true},
	{"unknown scope is missing", allOf(leaf("subject.department", "equals", "Engineering")), chk("alice", "read", "doc", "acme"), false},
}

func TestConditions(t *testing.T) {
	for _, tc := range condCases {
		t.Run(tc.name, func(t *testing.T) {
			e := New(setPolicy(tc.cond))
			d := decide(t, e, tc.check)
			if d.Allowed() != tc.want {
				t.Fatalf("allow %v, want %v; abac %+v; trace %s", d.Allowed(), tc.want, d.Debug.ABAC, mustJSON(t, d.Trace.UserSets))
			}
			if len(d.Trace.UserSets) == 0 || d.Trace.UserSets[0].Key != "s" || d.Trace.UserSets[0].Result != tc.want {
				t.Errorf("trace of set s: %s", mustJSON(t, d.Trace.UserSets))
			}
		})
	}
}

// The rule's resource set is the generated "is of type doc", read from the
// merged resource.type: a JIT type holds for the user set's condition but
// takes the resource out of the generated resource set.
func TestJITResourceTypeOverridesGenerated(t *testing.T) {
	e := New(setPolicy(allOf(leaf("resource.type", "equals", "file"))))
	d := decide(t, e, with(chk("nobody", "read", "doc", ""), jitResource(map[string]any{"type": "file"})))
	if d.Allowed() || !d.Trace.UserSets[0].Result || d.Debug.ABAC.Code != "no_matching_rules" || strings.Join(d.Debug.ABAC.MatchingUsersets, ",") != "s" {
		t.Fatalf("allow %v, abac %+v, sets %s", d.Allowed(), d.Debug.ABAC, mustJSON(t, d.Trace))
	}
	if got := d.Debug.Request.Resource.Attributes["type"]; got != "file" {
		t.Errorf("merged type %v", got)
	}
}

func TestDebugRequestMergedAttributes(t *testing.T) {
	e := New(setPolicy(allOf()))
	c := with(chk("alice", "read", "doc:d1", "acme"), jitUser(map[string]any{"address": map[string]any{"city": "Paris"}, "tags": []any{"z"}}))
	c.Resource.Attributes = map[string]any{"meta": map[string]any{"size": 1}}
	d := decide(t, e, c)
	rq := d.Debug.Request
	if !rq.User.Synced || rq.User.Key != "alice" || rq.Tenant != "acme" || rq.Action != "read" || rq.Resource.Type != "doc" || rq.Resource.Key != "d1" {
		t.Fatalf("request %+v", rq)
	}
	wantUser := `{"address":{"city":"Paris","geo":{"lat":51},"zip":"N1"},"clearance":3,"department":"Engineering","key":"alice","roles":["viewer"],"tags":["z"],"tenants":["acme","globex"]}`
	if got := mustJSON(t, rq.User.Attributes); got != wantUser {
		t.Errorf("user attributes\n got %s\nwant %s", got, wantUser)
	}
	wantRes := `{"meta":{"labels":["x"],"size":1},"owner":"alice","type":"doc"}`
	if got := mustJSON(t, rq.Resource.Attributes); got != wantRes {
		t.Errorf("resource attributes\n got %s\nwant %s", got, wantRes)
	}
	// The engine's stored data must not have been modified by the merge.
	d2 := decide(t, e, chk("alice", "read", "doc:d1", "acme"))
	if got := mustJSON(t, d2.Debug.Request.User.Attributes["address"]); got != `{"city":"London","geo":{"lat":51},"zip":"N1"}` {
		t.Errorf("stored attributes changed: %s", got)
	}

	unknown := decide(t, e, chk("zed", "read", "doc", ""))
	if unknown.Debug.Request.User.Synced || mustJSON(t, unknown.Debug.Request.User.Attributes) != `{"roles":[],"tenants":[]}` {
		t.Errorf("unknown user %+v", unknown.Debug.Request.User)
	}
}

func TestConditionValuesNormalized(t *testing.T) {
	// A policy built in Go may hold []string and ints; they behave as JSON.
	p := setPolicy(allOf(leaf("user.dept", "in", []string{"Eng", "Ops"}), leaf("user.n", "equals", int64(2))))
	e := New(p)
	c := with(chk("zed", "read", "doc", ""), jitUser(map[string]any{"dept": "Ops", "n": 2.0}))
	if !decide(t, e, c).Allowed() {
		t.Error("normalized values do not match")
	}
}

// A user's email and names are attributes of the same name, as in
// Permit's PDP data: from the policy's user, from the check's user object
// (which wins over the policy's), and beneath any attribute that names
// them, stored or JIT.
func TestUserEmailAndNamesAreAttributes(t *testing.T) {
	p := setPolicy(allOf(leaf("user.email", "equals", "a@corp.io")))
	p.Users["alice"].Email, p.Users["alice"].FirstName = "a@corp.io", "Alice"
	p.Users["bob"].Email = "b@corp.io"
	p.Users["bob"].Attributes["email"] = "a@corp.io" // a stored attribute wins over the field
	e := New(p)
	emailed := func(c pdp.Check, email string) pdp.Check { c.User.Email = email; return c }
	tests := []struct {
		name  string
		check pdp.Check
		want  bool
		email any // the debug request's user.email, nil for none
	}{
		{"the policy's email", chk("alice", "read", "doc", "acme"), true, "a@corp.io"},
		{"the check's email wins over the policy's", emailed(chk("alice", "read", "doc", "acme"), "x@corp.io"), false, "x@corp.io"},
		{"a stored attribute wins over both", emailed(chk("bob", "read", "doc", "acme"), "x@corp.io"), true, "a@corp.io"},
		{"a JIT attribute wins over all", with(emailed(chk("alice", "read", "doc", "acme"), "a@corp.io"), jitUser(map[string]any{"email": "j@corp.io"})), false, "j@corp.io"},
		{"an unknown user's email from the check", emailed(chk("zed", "read", "doc", "acme"), "a@corp.io"), true, "a@corp.io"},
		{"no email anywhere", chk("carl", "read", "doc", "acme"), false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, e, tt.check)
			if d.Allowed() != tt.want {
				t.Errorf("allowed %v, want %v: %s", d.Allowed(), tt.want, mustJSON(t, d.Trace.UserSets))
			}
			if got := d.Debug.Request.User.Attributes["email"]; got != tt.email {
				t.Errorf("debug request user.email %v, want %v", got, tt.email)
			}
		})
	}
	if got := decide(t, e, chk("alice", "read", "doc", "acme")).Debug.Request.User.Attributes["first_name"]; got != "Alice" {
		t.Errorf("first_name %v", got)
	}
}
