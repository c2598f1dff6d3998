package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes pdpx in-process with args and returns stdout and the exit code.
func run(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	t.Setenv("PERMIT_API_KEY", "")
	root := NewRoot("test")
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil && ExitCode(err) == 2 {
		// Errors that are not decisions go to the error handler in main;
		// keep their text where the test can see it.
		var ee *ExitError
		if !asExit(err, &ee) || !ee.Silent {
			out.WriteString(err.Error())
		}
	}
	return out.String(), ExitCode(err)
}

func asExit(err error, target **ExitError) bool {
	e, ok := err.(*ExitError)
	if ok {
		*target = e
	}
	return ok
}

// The demo policy's story (RBAC per tenant, ABAC with typed values, ReBAC
// through a relation), as a user types it.
func TestCheckDemoStory(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"john@smith.com", "create", "document"}, 0, "ALLOW john@smith.com create document @default"},
		{[]string{"john@smith.com", "read", "document"}, 0, "ALLOW"},
		{[]string{"john@permit.io", "read", "document", "--tenant", "awesome_inc"}, 0, "ALLOW john@permit.io read document @awesome_inc"},
		{[]string{"john@permit.io", "read", "document"}, 1, "DENY john@permit.io read document @default"},
		{[]string{"check@permit.io", "publish", "document", "--user-attr", "location=England", "--user-attr", "department=Engineering", "--resource-attr", `hasApproval="true"`}, 0, "ALLOW"},
		{[]string{"check@permit.io", "publish", "document", "--user-attr", "location=England", "--user-attr", "department=Engineering", "--resource-attr", `hasApproval=true`}, 1, "DENY"},
		{[]string{"jane@permit.io", "update", "document:roadmap"}, 0, "ALLOW jane@permit.io update document:roadmap @default"},
		{[]string{"jane@permit.io", "delete", "document:roadmap"}, 1, "DENY"},
	}
	for _, c := range cases {
		out, code := run(t, "", append([]string{"check"}, c.args...)...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("pdpx check %s\n exit %d (want %d)\n%s", strings.Join(c.args, " "), code, c.code, out)
		}
	}
}

func TestCheckExplainNamesTheCode(t *testing.T) {
	out, code := run(t, "", "check", "john@permit.io", "read", "document", "--explain")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"no_role_in_tenant", "awesome_inc", "https://docs.permit.io/errors/no_role_in_tenant"} {
		if !strings.Contains(out, want) {
			t.Errorf("--explain output lacks %q:\n%s", want, out)
		}
	}
	out, _ = run(t, "", "check", "check@permit.io", "publish", "document", "-u", "location=England", "-u", "department=Engineering", "-r", "hasApproval=true", "--explain")
	if !strings.Contains(out, `resource.hasApproval equals "true" (string) — got true (bool)`) {
		t.Errorf("--explain does not show the failing leaf with its types:\n%s", out)
	}
}

func TestCheckJSON(t *testing.T) {
	out, code := run(t, "", "check", "john@permit.io", "read", "document", "--json")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var r struct {
		Outcome   string          `json:"outcome"`
		Allow     *bool           `json:"allow"`
		Debug     map[string]any  `json:"debug"`
		Trace     map[string]any  `json:"trace"`
		Request   json.RawMessage `json:"request"`
		Target    string          `json:"target"`
		LatencyMS *float64        `json:"latency_ms"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json is not JSON: %v\n%s", err, out)
	}
	if r.Outcome != "deny" || r.Allow == nil || *r.Allow || r.Debug == nil || r.Target == "" || r.LatencyMS == nil || len(r.Request) == 0 {
		t.Fatalf("incomplete report: %s", out)
	}
	if rbac, _ := r.Debug["rbac"].(map[string]any); rbac["code"] != "no_role_in_tenant" {
		t.Fatalf("rbac code: %v", r.Debug["rbac"])
	}
}

func TestCheckInputIsTakenAsSent(t *testing.T) {
	// No tenant in the body: the PDP gets none, so RBAC cannot allow even for
	// john@smith.com, whose role is in default.
	body := `{"user":{"key":"john@smith.com"},"action":"create","resource":{"type":"document"}}`
	out, code := run(t, body, "check", "--input", "-", "--json")
	if code != 1 || !strings.Contains(out, `"outcome": "deny"`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "check.json")
	if err := os.WriteFile(f, []byte(`{"user":{"key":"john@smith.com"},"action":"create","resource":{"type":"document","tenant":"default"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := run(t, "", "check", "--input", f); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if out, code := run(t, "", "check", "--input", "-"); code != 2 || !strings.Contains(out, "JSON") {
		t.Fatalf("empty input: exit %d\n%s", code, out)
	}
}

func TestCheckBadInputIsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"check", "john", "read"},
		{"check", "john", "read", "a:b:c"},
		{"check", "john", "read", "document", "--user-attr", "noequals"},
		{"check", "--policy", "/does/not/exist.yaml", "john", "read", "document"},
		{"check", "--pdp", "http://x", "--cloud", "john", "read", "document"},
	} {
		out, code := run(t, "", args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, out)
		}
	}
	out, _ := run(t, "", "check", "john", "read", "document", "--user-attr", "noequals")
	if !strings.Contains(out, "noequals") {
		t.Errorf("a malformed pair is not named: %s", out)
	}
}

func TestCheckRemoteErrorsAreNeverDenials(t *testing.T) {
	const token = "permit_key_SECRET123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"detail":"bad key"}`))
			return
		}
		_, _ = w.Write([]byte(`{"allow": false, "result": false}`))
	}))
	defer srv.Close()

	out, code := run(t, "", "check", "--pdp", srv.URL, "--token", token, "alice", "read", "document:d1", "--tenant", "acme")
	if code != 1 || !strings.Contains(out, "DENY alice read document:d1 @acme") {
		t.Fatalf("a real deny: exit %d\n%s", code, out)
	}
	out, code = run(t, "", "check", "--pdp", srv.URL, "--token", "wrong-"+token, "alice", "read", "document", "--json")
	if code != 2 || !strings.Contains(out, `"outcome": "error"`) || strings.Contains(out, token) {
		t.Fatalf("a rejected key must be an error without the token: exit %d\n%s", code, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	out, code = run(t, "", "check", "--pdp", closed, "--token", token, "alice", "read", "document")
	if code != 2 || !strings.Contains(out, "ERROR") || strings.Contains(out, "DENY") || strings.Contains(out, token) {
		t.Fatalf("a refused connection: exit %d\n%s", code, out)
	}
	out, code = run(t, "", "check", "--pdp", srv.URL, "alice", "read", "document")
	if code != 2 || !strings.Contains(out, "PERMIT_API_KEY") {
		t.Fatalf("a missing token: exit %d\n%s", code, out)
	}
}

func TestPolicyValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	src := `version: 1
resources:
  document:
    actions: [read]
    relatoins: {parent: folder}
roles:
  viewer:
    permissions: [document:raed]
tenants:
  default: {}
users:
  bob:
    roles:
      - {role: viewr, tenant: default}
      - {role: viewer, tenant: acmee}
user_sets:
  s:
    conditions:
      allOf:
        - user.x: {equalz: 1}
`
	if err := os.WriteFile(bad, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code := run(t, "", "policy", "validate", bad)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"bad.yaml:5:", "relations", "bad.yaml:8:", "read", "bad.yaml:14:", "viewer", "bad.yaml:15:", "acmee", "bad.yaml:20:", "equalz"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	out, code = run(t, "", "policy", "schema")
	if code != 0 || !json.Valid([]byte(out)) {
		t.Fatalf("schema: exit %d, valid JSON %v", code, json.Valid([]byte(out)))
	}
}

// A ReBAC allow hides nothing: beside rebac's allow, the rbac and abac
// blocks keep their deny codes, as Permit's debugger writes them.
func TestCheckJSONReBACAllowKeepsEveryBlock(t *testing.T) {
	out, code := run(t, "", "check", "jane@permit.io", "update", "document:roadmap", "--json")
	var got struct {
		Debug struct {
			RBAC, ABAC, ReBAC *struct {
				Allow bool   `json:"allow"`
				Code  string `json:"code"`
			}
		} `json:"debug"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	d := got.Debug
	if d.ReBAC == nil || !d.ReBAC.Allow || d.RBAC == nil || d.RBAC.Allow || d.RBAC.Code != "no_user_roles" || d.ABAC == nil || d.ABAC.Allow || d.ABAC.Code != "no_matching_rules" {
		t.Errorf("blocks rbac %+v abac %+v rebac %+v", d.RBAC, d.ABAC, d.ReBAC)
	}
}

// A misspelt type, action or tenant gets its did-you-mean under a plain
// DENY; a denial with nothing misspelt prints no hint.
func TestCheckTypoHint(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"john@smith.com", "crate", "document"}, "did you mean `create`?"},
		{[]string{"john@smith.com", "read", "documnet"}, "did you mean `document`?"},
		{[]string{"john@smith.com", "read", "document", "--tenant", "nosuch"}, "there is no tenant `nosuch`"},
	} {
		out, code := run(t, "", append([]string{"--no-history", "check"}, tc.args...)...)
		if code != 1 || !strings.Contains(out, tc.want) {
			t.Errorf("pdpx check %v: exit %d\n%s", tc.args, code, out)
		}
	}
	if out, _ := run(t, "", "--no-history", "check", "bob@acme.io", "delete", "document"); strings.Count(out, "\n") != 1 {
		t.Errorf("a hint where nothing is misspelt:\n%s", out)
	}
}

func TestUnknownCommandSuggests(t *testing.T) {
	out, code := run(t, "", "chek")
	if code != 2 || !strings.Contains(out, `did you mean "check"?`) {
		t.Errorf("exit %d: %s", code, out)
	}
	if out, _ = run(t, "", "zzz"); !strings.Contains(out, "pdpx --help lists the commands") {
		t.Errorf("%s", out)
	}
}

// Nothing listening: the reason is said once, and the next step names the
// command line's flags, not the explorer's switcher.
func TestCheckRefusedExplainsOnce(t *testing.T) {
	out, code := run(t, "", "--no-history", "check", "--pdp", "http://127.0.0.1:1", "--token", "k", "john", "read", "document", "--explain")
	if code != 2 || strings.Count(out, "nothing is listening at http://127.0.0.1:1") != 1 || strings.Contains(out, "choose another target") ||
		!strings.Contains(out, "--pdp URL, --cloud or --policy FILE") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
