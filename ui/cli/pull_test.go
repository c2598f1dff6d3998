package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp/permitapi/standin"
	"github.com/pdpx/pdpx/pdp/policy"
)

const cliKey = "permit_key_cli_0123456789abcdef"

func TestPullWritesAFileEveryCommandReads(t *testing.T) {
	srv := standin.New(policy.Demo(), cliKey)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "prod.json")
	stdout, stderr, code := runSplit(t, "", "pull", "--token", cliKey, "--api-url", srv.URL, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"wrote " + out, "web/production", "users 4", "requests (0 retried)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	// Not a terminal: plain lines, one per list, no escape sequences.
	if !strings.Contains(stderr, "relationship tuples") || strings.Contains(stderr, "\x1b") || strings.Contains(stderr, "\r") {
		t.Errorf("progress on a pipe:\n%q", stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data)+stdout+stderr, cliKey) {
		t.Error("the API key was written out")
	}
	if o, code := run(t, "", "policy", "validate", out); code != 0 {
		t.Errorf("pdpx policy validate on the pulled file: exit %d\n%s", code, o)
	}
	o, code := run(t, "", "check", "--policy", out, "jane@permit.io", "update", "document:roadmap")
	if code != 0 || !strings.Contains(o, "ALLOW") {
		t.Errorf("check on the pulled file: exit %d\n%s", code, o)
	}
}

func TestPullQuiet(t *testing.T) {
	srv := standin.New(policy.Demo(), cliKey)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "prod.json")
	stdout, stderr, code := runSplit(t, "", "pull", "-q", "--token", cliKey, "--api-url", srv.URL, "-o", out)
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// A failed pull exits 2, says what to do, and leaves the previous file.
func TestPullFailureLeavesTheOldFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "prod.json")
	old := []byte(`{"version": 1}`)
	if err := os.WriteFile(out, old, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		setup func(*standin.Server)
		args  []string
		want  []string
	}{
		{"wrong key", nil, []string{"--token", "permit_key_wrong"},
			[]string{"401", "refused the key given with --token", "Settings → API Keys", "left as it was"}},
		{"key of another environment", func(s *standin.Server) { s.KeyEnv = standin.OtherEnvID }, []string{"--token", cliKey},
			[]string{"403", "may not read", "--project and --env"}},
		{"flags name another environment", nil, []string{"--token", cliKey, "--env", "staging"},
			[]string{"belongs to environment web/production, not web/staging"}},
		{"the API keeps failing", func(s *standin.Server) {
			s.Fault = func(w http.ResponseWriter, r *http.Request, _ int64) bool {
				if strings.HasSuffix(r.URL.Path, "/relationship_tuples") {
					w.WriteHeader(http.StatusBadGateway)
					return true
				}
				return false
			}
		}, []string{"--token", cliKey, "--retries", "1"},
			[]string{"502 Bad Gateway after 2 tries", "try again later"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := standin.New(policy.Demo(), cliKey)
			defer srv.Close()
			if tc.setup != nil {
				tc.setup(srv)
			}
			args := append([]string{"pull", "--api-url", srv.URL, "-o", out}, tc.args...)
			stdout, stderr, code := runSplit(t, "", args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("message lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stdout+stderr, cliKey) {
				t.Error("the key is in the output")
			}
			if data, _ := os.ReadFile(out); string(data) != string(old) {
				t.Errorf("the old file changed: %q", data)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// A pull that succeeds but cannot write its file says so as a write's
// failure, not the pull's, exits 2 and makes no file.
func TestPullWriteFailure(t *testing.T) {
	srv := standin.New(policy.Demo(), cliKey)
	defer srv.Close()
	dir := t.TempDir()
	for _, c := range []struct{ out, want string }{
		{filepath.Join(dir, "missing", "prod.json"), "write next to " + filepath.Join(dir, "missing", "prod.json")},
		{dir, dir + " is not a regular file"},
	} {
		stdout, stderr, code := runSplit(t, "", "pull", "-q", "--token", cliKey, "--api-url", srv.URL, "-o", c.out)
		if code != 2 || stdout != "" {
			t.Errorf("-o %s: exit %d, want 2; stdout %q", c.out, code, stdout)
		}
		if !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "("+c.out+" left as it was)") || strings.Contains(stderr, "ull failed") {
			t.Errorf("-o %s: the message is not a write's failure:\n%s", c.out, stderr)
		}
		if es, _ := os.ReadDir(dir); len(es) != 0 {
			t.Errorf("-o %s: files made: %v", c.out, es)
		}
	}
}

func TestPolicyDiffExitCodes(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, policy.DemoSource, 0o600)
	os.WriteFile(b, []byte(strings.Replace(string(policy.DemoSource), "roles: [{role: viewer, tenant: default}]", "roles: [{role: admin, tenant: default}]", 1)), 0o600)
	if out, code := run(t, "", "policy", "diff", a, a); code != 0 || !strings.Contains(out, "no differences") {
		t.Errorf("equal: exit %d\n%s", code, out)
	}
	out, code := run(t, "", "policy", "diff", a, b)
	if code != 1 {
		t.Errorf("different: exit %d", code)
	}
	for _, want := range []string{"role assignments: 1 added, 1 removed", "  + bob@acme.io: admin in default", "  - bob@acme.io: viewer in default", "2 difference(s) in 1 group(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	out, code = run(t, "", "policy", "diff", "--json", a, b)
	var js struct {
		Equal  bool
		Total  int
		Groups []struct{ Name string }
	}
	if code != 1 || json.Unmarshal([]byte(out), &js) != nil || js.Equal || js.Total != 2 || len(js.Groups) != 1 {
		t.Errorf("--json: exit %d\n%s", code, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nroles: {x: {permissions: [nope:read]}}\n"), 0o600)
	if out, code := run(t, "", "policy", "diff", a, bad); code != 2 || !strings.Contains(out, "bad.yaml has 1 problem(s)") {
		t.Errorf("bad file: exit %d\n%s", code, out)
	}
	if _, code := run(t, "", "policy", "diff", a, filepath.Join(dir, "missing.json")); code != 2 {
		t.Errorf("missing file: exit %d", code)
	}
}

// Two pulls of the same environment, one after a change in Permit, differ
// by that change only.
func TestPullTwiceAndDiff(t *testing.T) {
	dir := t.TempDir()
	before, after := filepath.Join(dir, "monday.json"), filepath.Join(dir, "today.json")
	srv := standin.New(policy.Demo(), cliKey)
	if _, _, code := runSplit(t, "", "pull", "-q", "--token", cliKey, "--api-url", srv.URL, "-o", before); code != 0 {
		t.Fatal("first pull failed")
	}
	srv.Close()
	changed, err := policy.Parse("x.yaml", []byte(strings.Replace(string(policy.DemoSource), "viewer:\n    permissions: [document:read, folder:read]", "viewer:\n    permissions: [document:read]", 1)))
	if err != nil {
		t.Fatal(err)
	}
	srv = standin.New(changed, cliKey)
	defer srv.Close()
	if _, _, code := runSplit(t, "", "pull", "-q", "--token", cliKey, "--api-url", srv.URL, "-o", after); code != 0 {
		t.Fatal("second pull failed")
	}
	out, code := run(t, "", "policy", "diff", before, after)
	if code != 1 || !strings.Contains(out, "roles: 1 changed") || !strings.Contains(out, "permissions −folder:read") || !strings.Contains(out, "1 difference(s) in 1 group(s)") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "(web/production, pulled ") {
		t.Errorf("the snapshots' sources are not shown:\n%s", out)
	}
}
