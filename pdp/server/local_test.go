package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// assignmentsPolicy has tenant roles, instance roles on listed instances
// (whose tenant they take), on an unlisted instance with and without a
// tenant of their own, a duplicate and a membership without a role.
const assignmentsPolicy = `version: 1
resources:
  document:
    actions: [read]
    roles: {editor: {permissions: [read]}, owner: {permissions: [read]}}
  folder:
    actions: [read]
    roles: {editor: {permissions: [read]}}
roles:
  admin: {permissions: [document:read]}
  viewer: {permissions: [document:read]}
tenants:
  acme: {attributes: {plan: pro, seats: 3}}
  globex: {}
  initech: {}
users:
  alice:
    roles:
      - {role: admin, tenant: acme}
      - {role: viewer, tenant: globex}
      - {role: admin, tenant: acme}
      - {role: editor, resource: "document:d1"}
      - {role: owner, resource: "document:d1"}
  bob:
    tenants: [initech]
    roles:
      - {role: viewer, tenant: acme}
      - {role: editor, resource: "folder:f9", tenant: globex}
      - {role: editor, resource: "document:d2"}
  carol:
    roles:
      - {role: editor, resource: "folder:f8"}
resource_instances:
  "document:d1": {tenant: acme}
  "document:d2": {tenant: globex}
`

// policyServer serves the policy text src, written to a file.
func policyServer(t *testing.T, src string) *Server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "env.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := newServer(t, Config{Policy: path, Token: testToken, Poll: -1})
	return s
}

// ra is an assignment as a test writes it: "user role tenant [instance]".
func ra(s string) wireAssignment {
	f := strings.Split(s, " ")
	w := wireAssignment{User: f[0], Role: f[1], Tenant: f[2]}
	if w.Tenant == `""` {
		w.Tenant = ""
	}
	if len(f) > 3 {
		w.ResourceInstance = &f[3]
	}
	return w
}

func getAssignments(t *testing.T, s *Server, query string) []wireAssignment {
	t.Helper()
	status, body, h := do(t, s, req{method: http.MethodGet, path: "/local/role_assignments" + query})
	if status != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("%s: %d %s", query, status, body)
	}
	var got []wireAssignment
	if err := json.Unmarshal(body, &got); err != nil || got == nil {
		t.Fatalf("%s: not a JSON array: %s", query, body)
	}
	return got
}

// TestRoleAssignmentsShapeAndOrder: the bare array Permit's PDP answers,
// each assignment once, instance roles first (its policy engine sorts the
// objects key by key), an instance role with its instance's tenant.
func TestRoleAssignmentsShapeAndOrder(t *testing.T) {
	s := policyServer(t, assignmentsPolicy)
	status, body, _ := do(t, s, req{method: http.MethodGet, path: "/local/role_assignments"})
	want := `[` +
		`{"user":"alice","role":"editor","tenant":"acme","resource_instance":"document:d1"},` +
		`{"user":"alice","role":"owner","tenant":"acme","resource_instance":"document:d1"},` +
		`{"user":"bob","role":"editor","tenant":"globex","resource_instance":"document:d2"},` +
		`{"user":"carol","role":"editor","tenant":"","resource_instance":"folder:f8"},` +
		`{"user":"bob","role":"editor","tenant":"globex","resource_instance":"folder:f9"},` +
		`{"user":"alice","role":"admin","tenant":"acme","resource_instance":null},` +
		`{"user":"bob","role":"viewer","tenant":"acme","resource_instance":null},` +
		`{"user":"alice","role":"viewer","tenant":"globex","resource_instance":null}]`
	if status != 200 || string(body) != want {
		t.Fatalf("%d\n got %s\nwant %s", status, body, want)
	}
	// The Python SDK's call: page and per_page always sent.
	if got := getAssignments(t, s, "?page=1&per_page=100"); len(got) != 8 {
		t.Errorf("the Python SDK's default call: %d assignments", len(got))
	}
}

func TestRoleAssignmentsFilters(t *testing.T) {
	s := policyServer(t, assignmentsPolicy)
	cases := map[string][]string{
		"?user=bob":               {"bob editor globex document:d2", "bob editor globex folder:f9", "bob viewer acme"},
		"?role=editor":            {"alice editor acme document:d1", "bob editor globex document:d2", `carol editor "" folder:f8`, "bob editor globex folder:f9"},
		"?tenant=acme":            {"alice editor acme document:d1", "alice owner acme document:d1", "alice admin acme", "bob viewer acme"},
		"?tenant=globex&user=bob": {"bob editor globex document:d2", "bob editor globex folder:f9"},
		"?resource=document":      {"alice editor acme document:d1", "alice owner acme document:d1", "bob editor globex document:d2"},
		"?resource=__tenant":      {"alice admin acme", "bob viewer acme", "alice viewer globex"},
		"?resource=__tenant&role=viewer&tenant=globex":   {"alice viewer globex"},
		"?resource_instance=document:d1":                 {"alice editor acme document:d1", "alice owner acme document:d1"},
		"?resource_instance=document%3Ad1&role=owner":    {"alice owner acme document:d1"},
		"?resource_instance=document:d1&tenant=globex":   {},
		"?resource_instance=document:d1&resource=folder": {},
		"?resource_instance=__tenant:acme":               {},
		"?resource_instance=":                            {},
		"?user=":                                         {},
		"?user=nobody":                                   {},
		"?user=carol&user=alice&role=admin":              {"alice admin acme"}, // the last value counts
		"?sdk=python&user=alice&resource=__tenant":       {"alice admin acme", "alice viewer globex"},
	}
	for q, want := range cases {
		got := getAssignments(t, s, q)
		var wantW []wireAssignment
		for _, w := range want {
			wantW = append(wantW, ra(w))
		}
		if len(got) != len(wantW) || len(got) > 0 && !reflect.DeepEqual(got, wantW) {
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(wantW)
			t.Errorf("%s:\n got %s\nwant %s", q, gb, wb)
		}
	}
}

// manyAssignments is a policy with n users, each an admin of tenant t.
func manyAssignments(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nresources: {document: {actions: [read]}}\nroles: {admin: {permissions: [document:read]}}\ntenants: {t: {}}\nusers:\n")
	for i := range n {
		fmt.Fprintf(&b, "  u%03d: {roles: [{role: admin, tenant: t}]}\n", i)
	}
	return b.String()
}

func TestRoleAssignmentsPaging(t *testing.T) {
	s := policyServer(t, manyAssignments(75))
	users := func(as []wireAssignment) string {
		var us []string
		for _, a := range as {
			us = append(us, a.User)
		}
		return strings.Join(us, " ")
	}
	for q, want := range map[string][2]string{
		"":                        {"u000", "u029"}, // 30 a page by default
		"?page=2":                 {"u030", "u059"},
		"?page=3":                 {"u060", "u074"},
		"?page=2&per_page=10":     {"u010", "u019"},
		"?per_page=100":           {"u000", "u074"},
		"?per_page=1&page=75":     {"u074", "u074"},
		"?page=%2B2&per_page=+10": {"u010", "u019"}, // Python's int() reads "+2" and " 10"
		"?page=1_0&per_page=5":    {"u045", "u049"},
	} {
		got := getAssignments(t, s, q)
		if len(got) == 0 || got[0].User != want[0] || got[len(got)-1].User != want[1] {
			t.Errorf("%s: %s, want %s..%s", q, users(got), want[0], want[1])
		}
	}
	for _, q := range []string{"?page=4", "?page=76&per_page=1", "?page=99999999999999999999999"} {
		if got := getAssignments(t, s, q); len(got) != 0 {
			t.Errorf("%s, past the end: %s", q, users(got))
		}
	}
}

// TestRoleAssignmentsRefusals: a bad page or per_page is 422 in the shape
// of the PDP's framework, every problem listed; the key is required as on
// every route.
func TestRoleAssignmentsRefusals(t *testing.T) {
	s := policyServer(t, assignmentsPolicy)
	notGE := func(p string) string {
		return `{"loc":["query","` + p + `"],"msg":"ensure this value is greater than or equal to 1","type":"value_error.number.not_ge","ctx":{"limit_value":1}}`
	}
	notInt := func(p string) string {
		return `{"loc":["query","` + p + `"],"msg":"value is not a valid integer","type":"type_error.integer"}`
	}
	notLE := `{"loc":["query","per_page"],"msg":"ensure this value is less than or equal to 100","type":"value_error.number.not_le","ctx":{"limit_value":100}}`
	for q, want := range map[string]string{
		"?page=0":                notGE("page"),
		"?page=-3":               notGE("page"),
		"?per_page=0":            notGE("per_page"),
		"?per_page=101":          notLE,
		"?page=x":                notInt("page"),
		"?page=":                 notInt("page"),
		"?page=1.0":              notInt("page"),
		"?per_page=1e2":          notInt("per_page"),
		"?page=1__0":             notInt("page"),
		"?page=0&per_page=500":   notGE("page") + "," + notLE,
		"?page=two&per_page=two": notInt("page") + "," + notInt("per_page"),
	} {
		status, body, _ := do(t, s, req{method: http.MethodGet, path: "/local/role_assignments" + q})
		if status != 422 || string(body) != `{"detail":[`+want+`]}` {
			t.Errorf("%s: %d\n got %s\nwant {\"detail\":[%s]}", q, status, body, want)
		}
	}
	for name, c := range map[string]struct {
		req
		want int
	}{
		"no key":     {req{method: http.MethodGet, path: "/local/role_assignments", auth: "-"}, 401},
		"wrong key":  {req{method: http.MethodGet, path: "/local/role_assignments", auth: "Bearer nope"}, 403},
		"python key": {req{method: http.MethodGet, path: "/local/role_assignments", auth: "bearer " + testToken}, 200},
		"POST":       {req{path: "/local/role_assignments", body: `{}`}, 405},
		"HEAD":       {req{method: http.MethodHead, path: "/local/role_assignments"}, 200},
		"not local":  {req{method: http.MethodGet, path: "/role_assignments"}, 404},
	} {
		if status, body, _ := do(t, s, c.req); status != c.want {
			t.Errorf("%s: %d %s, want %d", name, status, body, c.want)
		}
	}
}

// TestRoleAssignmentsFollowReloads: the sorted list is kept per policy and
// a reload brings the new one.
func TestRoleAssignmentsFollowReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "env.yaml")
	if err := os.WriteFile(path, []byte(manyAssignments(2)), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := newServer(t, Config{Policy: path, Token: testToken, Poll: -1})
	if got := getAssignments(t, s, ""); len(got) != 2 {
		t.Fatalf("%d assignments", len(got))
	}
	if err := os.WriteFile(path, []byte(manyAssignments(3)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := getAssignments(t, s, ""); len(got) != 3 {
		t.Fatalf("after the reload: %d assignments", len(got))
	}
}

func TestUserTenants(t *testing.T) {
	s := policyServer(t, assignmentsPolicy)
	for body, want := range map[string]string{
		// Tenant roles make members; sorted by key, attributes never null.
		`{"user":{"key":"alice"}}`: `[{"key":"acme","attributes":{"plan":"pro","seats":3}},{"key":"globex","attributes":{}}]`,
		// A membership without a role counts; instance roles alone do not.
		`{"user":{"key":"bob","attributes":{"x":1}},"context":{}}`:       `[{"key":"acme","attributes":{"plan":"pro","seats":3}},{"key":"initech","attributes":{}}]`,
		`{"user":{"key":"carol"}}`:                                       `[]`,
		`{"user":{"key":"nobody"}}`:                                      `[]`,
		`{"user":{"key":"","email":null}}`:                               `[]`,
		`{"user":{"firstName":"A","key":"alice","last_name":"B"},"x":1}`: `[{"key":"acme","attributes":{"plan":"pro","seats":3}},{"key":"globex","attributes":{}}]`,
	} {
		status, got, _ := do(t, s, req{path: "/user-tenants", body: body})
		if status != 200 || string(got) != want {
			t.Errorf("%s: %d\n got %s\nwant %s", body, status, got, want)
		}
	}
	// Without a Content-Type the body is still read as JSON.
	if status, got, _ := do(t, s, req{path: "/user-tenants", body: `{"user":{"key":"alice"}}`, ctype: "-"}); status != 200 || !strings.Contains(string(got), "globex") {
		t.Errorf("no Content-Type: %d %s", status, got)
	}
}

// TestUserTenantsRefusals: 422 with the PDP's pydantic problems, in its
// framework's shape.
func TestUserTenantsRefusals(t *testing.T) {
	s := policyServer(t, assignmentsPolicy)
	missingAt := func(loc string) string {
		return `{"loc":[` + loc + `],"msg":"field required","type":"value_error.missing"}`
	}
	for name, c := range map[string]struct {
		body, ctype, want string
	}{
		"empty body":           {``, "", missingAt(`"body"`)},
		"null":                 {`null`, "", missingAt(`"body"`)},
		"no user":              {`{}`, "", missingAt(`"body","user"`)},
		"an array":             {`[{"user":{"key":"alice"}}]`, "", missingAt(`"body","user"`)},
		"text/plain":           {`{"user":{"key":"alice"}}`, "text/plain", missingAt(`"body","user"`)},
		"user without key":     {`{"user":{"email":"a@x.io"}}`, "", missingAt(`"body","user","key"`)},
		"user as a string":     {`{"user":"alice"}`, "", missingAt(`"body","user","key"`)},
		"null user":            {`{"user":null}`, "", `{"loc":["body","user"],"msg":"none is not an allowed value","type":"type_error.none.not_allowed"}`},
		"null key":             {`{"user":{"key":null}}`, "", `{"loc":["body","user","key"],"msg":"none is not an allowed value","type":"type_error.none.not_allowed"}`},
		"key as an object":     {`{"user":{"key":{}}}`, "", `{"loc":["body","user","key"],"msg":"str type expected","type":"type_error.str"}`},
		"every problem listed": {`{"user":{"key":"a","email":[1],"attributes":"x"},"context":[]}`, "", `{"loc":["body","user","email"],"msg":"str type expected","type":"type_error.str"},{"loc":["body","user","attributes"],"msg":"value is not a valid dict","type":"type_error.dict"},{"loc":["body","context"],"msg":"value is not a valid dict","type":"type_error.dict"}`},
	} {
		status, got, _ := do(t, s, req{path: "/user-tenants", body: c.body, ctype: c.ctype})
		if status != 422 || string(got) != `{"detail":[`+c.want+`]}` {
			t.Errorf("%s: %d\n got %s\nwant {\"detail\":[%s]}", name, status, got, c.want)
		}
	}
	// Text that is not JSON: FastAPI's JSON decode error, at its offset.
	status, got, _ := do(t, s, req{path: "/user-tenants", body: `{"user":`})
	var e struct {
		Detail []fastapiError `json:"detail"`
	}
	if status != 422 || json.Unmarshal(got, &e) != nil || len(e.Detail) != 1 || e.Detail[0].Type != "value_error.jsondecode" || e.Detail[0].Loc[0] != "body" {
		t.Errorf("broken JSON: %d %s", status, got)
	}
	// A number key is read as its text, as pydantic does.
	if status, got, _ := do(t, s, req{path: "/user-tenants", body: `{"user":{"key":5}}`}); status != 200 || string(got) != `[]` {
		t.Errorf("a number key: %d %s", status, got)
	}
	for name, r := range map[string]req{
		"no key":    {path: "/user-tenants", body: `{"user":{"key":"alice"}}`, auth: "-"},
		"wrong key": {path: "/user-tenants", body: `{"user":{"key":"alice"}}`, auth: "Bearer x"},
		"GET":       {method: http.MethodGet, path: "/user-tenants"},
	} {
		if status, body, _ := do(t, s, r); status < 400 || status == 422 {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
}

// TestUserTenantsMatchRoleAssignments: a user's tenants are the tenants of
// its tenant roles, and its memberships.
func TestUserTenantsMatchRoleAssignments(t *testing.T) {
	s := policyServer(t, assignmentsPolicy)
	for _, u := range []string{"alice", "bob", "carol"} {
		want := map[string]bool{}
		for _, a := range getAssignments(t, s, "?resource=__tenant&user="+u) {
			want[a.Tenant] = true
		}
		for _, m := range s.Engine().Policy().Users[u].Tenants {
			want[m] = true
		}
		_, body, _ := do(t, s, req{path: "/user-tenants", body: `{"user":{"key":"` + u + `"}}`})
		var got []struct{ Key string }
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %s, want %v", u, body, want)
		}
		for _, g := range got {
			if !want[g.Key] {
				t.Errorf("%s: tenant %s is none of %v", u, g.Key, want)
			}
		}
	}
}
