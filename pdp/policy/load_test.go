package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// problemsOf parses src and returns its problems, failing when there are none.
func problemsOf(t *testing.T, name string, src []byte) Problems {
	t.Helper()
	p, err := Parse(name, src)
	if err == nil {
		t.Fatalf("%s: want problems, got none", name)
	}
	if p != nil {
		t.Errorf("%s: a policy with problems must come back nil", name)
	}
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("%s: want Problems, got %T: %v", name, err, err)
	}
	return probs
}

func checkProblems(t *testing.T, got Problems, want []string) {
	t.Helper()
	var lines []string
	for _, p := range got {
		lines = append(lines, p.String())
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestEveryMistakeAtOnce: a file with ten different mistakes reports all ten,
// sorted, each at its exact line and column.
func TestEveryMistakeAtOnce(t *testing.T) {
	_, err := Load("testdata/mistakes.yaml")
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want Problems, got %v", err)
	}
	checkProblems(t, probs, []string{
		`testdata/mistakes.yaml:5:5: unknown key "relatoins" in "document" (did you mean "relations"?)`,
		`testdata/mistakes.yaml:9:29: resource role "editor" of document names unknown action "raed" (did you mean "read"?)`,
		`testdata/mistakes.yaml:14:34: role "admin" grants "document:delete", but document has no action "delete" (document actions: read, update)`,
		`testdata/mistakes.yaml:14:51: role "admin" grants "fodler:read" on unknown resource type "fodler" (did you mean "folder"?)`,
		`testdata/mistakes.yaml:20:16: role assignment names unknown role "admn" (did you mean "admin"?)`,
		`testdata/mistakes.yaml:21:31: role assignment names unknown tenant "acmee" (did you mean "acme"?)`,
		`testdata/mistakes.yaml:22:15: user "alice" is a member of unknown tenant "globex" (tenants: acme)`,
		`testdata/mistakes.yaml:27:23: unknown operator "equal" (did you mean "equals"?)`,
		`testdata/mistakes.yaml:28:11: condition path "usr.x" must start with user., resource., tenant., context. or role. (did you mean "user.x"?)`,
		`testdata/mistakes.yaml:30:16: rule names unknown user set "engg" (did you mean "eng"?)`,
	})
	// The error text is the same list, one problem per line.
	if n := strings.Count(err.Error(), "\n") + 1; n != len(probs) {
		t.Errorf("Error() has %d lines for %d problems", n, len(probs))
	}
}

// TestJSONPositions: JSON is YAML, so a JSON file gets lines and columns too.
func TestJSONPositions(t *testing.T) {
	_, err := Load("testdata/mistakes.json")
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want Problems, got %v", err)
	}
	checkProblems(t, probs, []string{
		`testdata/mistakes.json:6:7: unknown key "relatoins" in "document" (did you mean "relations"?)`,
		`testdata/mistakes.json:11:48: role "admin" grants "document:delete", but document has no action "delete" (document actions: read, update)`,
		`testdata/mistakes.json:17:18: role assignment names unknown role "admn" (did you mean "admin"?)`,
		`testdata/mistakes.json:18:37: role assignment names unknown tenant "acmee" (did you mean "acme"?)`,
		`testdata/mistakes.json:23:53: unknown operator "equal" (did you mean "equals"?)`,
	})
}

func TestSyntaxError(t *testing.T) {
	_, err := Load("testdata/syntax.yaml")
	var probs Problems
	if !errors.As(err, &probs) || len(probs) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	// The problem is the list on line 4 that is never closed: it is where
	// the message points.
	p := probs[0]
	if p.File != "testdata/syntax.yaml" || p.Line != 4 || p.Col != 14 || !strings.HasPrefix(p.Msg, "YAML syntax error: ") {
		t.Errorf("got %v, want a YAML syntax error at the [ on line 4", p)
	}
	// Broken JSON is reported the same way.
	probs = problemsOf(t, "p.json", []byte("{\"version\": 1,\n \"tenants\": {\"a\": {}\n"))
	if len(probs) != 1 || probs[0].Line == 0 || !strings.HasPrefix(probs[0].Msg, "YAML syntax error: ") {
		t.Errorf("broken JSON: got %v", probs)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("want a not-exist error, got %v", err)
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown key", "version: 1\nresources:\n  doc:\n    relatoins: {}\n",
			`p.yaml:4:5: unknown key "relatoins" in "doc" (did you mean "relations"?)`},
		{"unknown top-level key", "version: 1\nuser_set: {}\n",
			`p.yaml:2:1: unknown key "user_set" in the policy (did you mean "user_sets"?)`},
		{"unknown role", "version: 1\nroles: {editor: {}}\ntenants: {t: {}}\nusers:\n  u: {roles: [{role: eddtor, tenant: t}]}\n",
			`p.yaml:5:22: role assignment names unknown role "eddtor" (did you mean "editor"?)`},
		{"unknown operator", "version: 1\nuser_sets:\n  s: {conditions: {user.a: {not_equals: 1}}}\n",
			`p.yaml:3:29: unknown operator "not_equals" (did you mean "not-equals"?)`},
		{"nothing close", "version: 1\nroles: {editor: {}}\ntenants: {t: {}}\nusers:\n  u: {roles: [{role: owner, tenant: t}]}\n",
			`p.yaml:5:22: role assignment names unknown role "owner" (roles: editor)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, problemsOf(t, "p.yaml", []byte(tc.src)), []string{tc.want})
		})
	}
}

// TestStructuralAndReferenceProblemsTogether: a wrong type does not stop the
// cross-reference checks elsewhere, and is not reported twice.
func TestStructuralAndReferenceProblemsTogether(t *testing.T) {
	src := "version: 1\nresources:\n  doc: {actions: read}\nroles:\n  r: {permissions: [doc:write]}\nusers:\n  u: {roles: [{role: x, tenant: 3}]}\n"
	checkProblems(t, problemsOf(t, "p.yaml", []byte(src)), []string{
		`p.yaml:3:18: "actions" must be a list, not a string`,
		`p.yaml:5:21: role "r" grants "doc:write", but doc has no action "write" (the policy declares no doc actions)`,
		`p.yaml:7:22: role assignment names unknown role "x" (roles: r)`,
		`p.yaml:7:33: "tenant" must be a string, not a number (quote it: "3")`,
	})
}

func TestDemo(t *testing.T) {
	p := Demo()
	if p == nil || p != Demo() {
		t.Fatal("Demo must return one shared policy")
	}
	// The file in the repository is the one that is embedded.
	onDisk, err := os.ReadFile("demo.yaml")
	if err != nil || string(onDisk) != string(DemoSource) {
		t.Fatalf("DemoSource differs from demo.yaml (%v)", err)
	}
	// The facts the engine's tests rely on.
	has := func(user string, ra RoleAssignment) bool {
		u, ok := p.Users[user]
		return ok && slicesContains(u.Roles, ra)
	}
	for _, c := range []struct {
		ok   bool
		what string
	}{
		{has("john@smith.com", RoleAssignment{Role: "admin", Tenant: "default"}), "john@smith.com is admin in default"},
		{has("john@permit.io", RoleAssignment{Role: "viewer", Tenant: "awesome_inc"}), "john@permit.io is viewer in awesome_inc"},
		{len(p.Users["john@permit.io"].Roles) == 1, "john@permit.io has no role in default"},
		{has("bob@acme.io", RoleAssignment{Role: "viewer", Tenant: "default"}), "bob@acme.io is viewer in default"},
		{has("jane@permit.io", RoleAssignment{Role: "editor", Resource: "folder:plans"}), "jane@permit.io edits folder:plans"},
		{p.Users["check@permit.io"] == nil, "check@permit.io is not synced"},
		{reflect.DeepEqual(p.Actions("document"), []string{"read", "create", "update", "delete", "publish"}), "document actions"},
		{reflect.DeepEqual(p.Actions("folder"), []string{"read", "create", "update", "delete"}), "folder actions"},
		{reflect.DeepEqual(p.ResourceRoles("folder"), []string{"editor", "viewer"}), "folder roles"},
		{reflect.DeepEqual(p.RoleKeys(), []string{"admin", "editor", "viewer"}), "tenant roles"},
		{len(p.Roles["admin"].Permissions) == 9, "admin may do everything"},
		{p.Resources["document"].Attributes["hasApproval"] == "string", "hasApproval is a string"},
		{reflect.DeepEqual(p.TenantKeys(), []string{"awesome_inc", "default"}), "tenants"},
		{p.Tenants["default"].Name == "Default Tenant" && p.Tenants["awesome_inc"].Name == "Awesome Inc", "tenant names"},
		{reflect.DeepEqual(p.Tenants["awesome_inc"].Attributes, map[string]any{"plan": "pro"}), "awesome_inc is on plan pro"},
		{p.Resources["document"].Relations["parent"] == "folder", "document parent is a folder"},
		{reflect.DeepEqual(p.Relationships, []Relationship{{Subject: "folder:plans", Relation: "parent", Object: "document:roadmap"}}), "folder:plans is parent of document:roadmap"},
		{p.ResourceInstances["folder:plans"].Tenant == "default" && p.ResourceInstances["document:roadmap"].Tenant == "default", "instances in default"},
		{reflect.DeepEqual(p.Resources["document"].Roles["editor"].Permissions, []string{"read", "update"}), "document editors read and update"},
		{reflect.DeepEqual(p.Resources["document"].Roles["editor"].GrantedTo.UsersWithRole,
			[]Derivation{{Role: "editor", OnResource: "folder", LinkedByRelation: "parent"}}), "document editor derives from folder editor"},
		{p.UserSets["england_engineers"].Name == "England engineers", "user set name"},
		{p.UserSets["england_engineers"].Conditions.String() == `allOf(user.department equals "Engineering", user.location equals "England")`, "user set conditions"},
		{p.ResourceSets["approved_documents"].Name == "approved documents" && p.ResourceSets["approved_documents"].Resource == "document", "resource set"},
		{p.ResourceSets["approved_documents"].Conditions.String() == `allOf(resource.hasApproval equals "true")`, "hasApproval equals the string true"},
		{reflect.DeepEqual(p.ConditionSetRules, []ConditionSetRule{{UserSet: "england_engineers", Permission: "document:publish", ResourceSet: "approved_documents"}}), "the ABAC rule"},
	} {
		if !c.ok {
			t.Errorf("demo: want %s", c.what)
		}
	}
}

func slicesContains[T comparable](s []T, x T) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// TestPolicyJSONRoundTrip: a policy written out with encoding/json and read
// back (as JSON, by Parse) is the same policy.
func TestPolicyJSONRoundTrip(t *testing.T) {
	for _, p := range []*Policy{Demo(), mustLoad(t, "testdata/anchors.yaml"), mustLoad(t, "testdata/conditions.yaml")} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("round-trip.json", b)
		if err != nil {
			t.Fatalf("the marshaled policy does not load:\n%v\n%s", err, b)
		}
		if !reflect.DeepEqual(p, back) {
			t.Errorf("round trip changed the policy:\n%s", b)
		}
		var viaJSON Policy
		if err := json.Unmarshal(b, &viaJSON); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p, &viaJSON) {
			t.Errorf("encoding/json reads the policy differently from Parse:\n%s", b)
		}
	}
}

func mustLoad(t *testing.T, path string) *Policy {
	t.Helper()
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSplitRef(t *testing.T) {
	for _, tc := range []struct {
		in       string
		typ, key string
		ok       bool
	}{
		{"document:d1", "document", "d1", true},
		{"document", "document", "", false},
		{"document:", "document", "", false},
		{":d1", "", "d1", false},
		{"a:b:c", "a", "b:c", false},
		{"", "", "", false},
	} {
		typ, key, ok := SplitRef(tc.in)
		if typ != tc.typ || key != tc.key || ok != tc.ok {
			t.Errorf("SplitRef(%q) = %q, %q, %v; want %q, %q, %v", tc.in, typ, key, ok, tc.typ, tc.key, tc.ok)
		}
	}
}

func TestKeysAreSorted(t *testing.T) {
	p := Demo()
	if got := p.ResourceTypes(); !reflect.DeepEqual(got, []string{"document", "folder"}) {
		t.Errorf("ResourceTypes = %v", got)
	}
	if got := p.UserKeys(); !reflect.DeepEqual(got, []string{"bob@acme.io", "jane@permit.io", "john@permit.io", "john@smith.com"}) {
		t.Errorf("UserKeys = %v", got)
	}
	if got := p.InstanceKeys(); !reflect.DeepEqual(got, []string{"document:roadmap", "folder:plans"}) {
		t.Errorf("InstanceKeys = %v", got)
	}
	if p.Actions("nope") != nil || p.ResourceRoles("nope") != nil {
		t.Error("an unknown type has no actions or roles")
	}
}

// TestValidateGoPolicy: a policy built in Go is checked the same way; with
// no file, each message says where the value is.
func TestValidateGoPolicy(t *testing.T) {
	p := &Policy{
		Version:   1,
		Resources: map[string]*Resource{"doc": {Actions: []string{"read"}}},
		Roles:     map[string]*Role{"r": {Permissions: []string{"doc:raed"}}},
		Users:     map[string]*User{"u": {Roles: []RoleAssignment{{Role: "r", Tenant: "t"}}}},
		UserSets: map[string]*UserSet{"s": {Conditions: &Condition{AllOf: []*Condition{
			{Path: "user.x", Operator: "equls", Value: 1.0},
			{Path: "user.y", Operator: "equals", Value: "a", AnyOf: []*Condition{}},
		}}}},
	}
	var probs Problems
	if err := p.Validate(); !errors.As(err, &probs) {
		t.Fatalf("want Problems, got %v", err)
	}
	checkProblems(t, probs, []string{
		`policy: roles.r.permissions[0]: role "r" grants "doc:raed", but doc has no action "raed" (did you mean "read"?)`,
		`policy: users.u.roles[0].tenant: role assignment names unknown tenant "t" (the policy declares no tenants)`,
		`policy: user_sets.s.conditions.allOf[0]: unknown operator "equls" (did you mean "equals"?)`,
		`policy: user_sets.s.conditions.allOf[1]: a condition node must be exactly one of allOf, anyOf, not or a leaf {path: {operator: value}}`,
	})
	if err := Demo().Validate(); err != nil {
		t.Errorf("the demo is valid: %v", err)
	}
}

func TestProblemsFormat(t *testing.T) {
	ps := Problems{
		{File: "b.yaml", Line: 3, Col: 1, Msg: "three"},
		{File: "b.yaml", Line: 1, Col: 9, Msg: "one-nine"},
		{File: "b.yaml", Line: 1, Col: 2, Msg: "one-two"},
	}
	err := ps.Err()
	want := "b.yaml:1:2: one-two\nb.yaml:1:9: one-nine\nb.yaml:3:1: three"
	if err == nil || err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	if Problems(nil).Err() != nil {
		t.Error("no problems must be a nil error")
	}
	if got := (Problem{Msg: "x"}).String(); got != "policy: x" {
		t.Errorf("no file, no position: %q", got)
	}
}

// TestSpecExample: the worked example in docs/policy-file.md loads.
func TestSpecExample(t *testing.T) {
	p := mustLoad(t, "testdata/spec-example.yaml")
	if got := p.Users["alice"].Roles; len(got) != 2 || got[1].Resource != "folder:f1" {
		t.Errorf("alice's roles = %+v", got)
	}
	w := p.Resources["document"].Roles["editor"]
	if d := w.GrantedTo.UsersWithRole[0]; d.When == nil || d.When.NoDirectRolesOnObject || w.When == nil {
		t.Errorf("when settings = %+v, %+v", w.GrantedTo.UsersWithRole[0].When, w.When)
	}
}
