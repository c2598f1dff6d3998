package cli

import (
	"encoding/xml"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/server"
)

// No test reads the real ~/.config/pdpx: an empty config home unless a test
// names a file.
func init() {
	dir, err := os.MkdirTemp("", "pdpx-cli-config")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Unsetenv("PDPX_CONFIG")
}

func configFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// servePDP runs pdpx serve on the demo policy demanding key, on a free port.
func servePDP(t *testing.T, key string) string {
	t.Helper()
	srv, err := server.New(server.Config{Token: key})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String()
}

func TestProfileTargetsAndOverrides(t *testing.T) {
	url := servePDP(t, "profile-key")
	t.Setenv("PDPX_TEST_PROFILE_KEY", "profile-key")
	cfg := configFile(t, `version: 1
default: local
profiles:
  local:
    kind: pdp
    url: `+url+`
    token_env: PDPX_TEST_PROFILE_KEY
    default_tenant: awesome_inc
  broken:
    kind: pdp
    url: `+url+`
    token_command: "exit 7"
`)
	// The default profile: the PDP with the key from the env, and its tenant.
	out, code := run(t, "", "--config", cfg, "check", "john@permit.io", "read", "document")
	if code != 0 || !strings.Contains(out, "ALLOW john@permit.io read document @awesome_inc") || !strings.Contains(out, "pdp:") {
		t.Errorf("default profile: exit %d\n%s", code, out)
	}
	// --tenant overrides default_tenant.
	if out, code := run(t, "", "--config", cfg, "check", "john@permit.io", "read", "document", "--tenant", "default"); code != 1 {
		t.Errorf("--tenant: exit %d\n%s", code, out)
	}
	// --policy replaces the profile's target (the embedded engine decides);
	// the named profile's default tenant still applies.
	if out, code := run(t, "", "--config", cfg, "--profile", "local", "--policy", "../../pdp/policy/demo.yaml", "check", "john@permit.io", "read", "document"); code != 0 || !strings.Contains(out, "embedded") || !strings.Contains(out, "@awesome_inc") {
		t.Errorf("--policy over a profile: exit %d\n%s", code, out)
	}
	// --token overrides the profile's token source: a wrong key is refused.
	if out, code := run(t, "", "--config", cfg, "--token", "wrong", "check", "john@smith.com", "create", "document"); code != 2 {
		t.Errorf("--token: exit %d\n%s", code, out)
	}
	// A failing token_command names the profile and the command.
	out, code = run(t, "", "--config", cfg, "--profile", "broken", "check", "john@smith.com", "create", "document")
	if code != 2 || !strings.Contains(out, `profile "broken"`) || !strings.Contains(out, "exit 7") {
		t.Errorf("broken token_command: exit %d\n%s", code, out)
	}
	// An unknown profile says which exist.
	out, code = run(t, "", "--config", cfg, "--profile", "locl", "check", "a", "read", "document")
	if code != 2 || !strings.Contains(out, `did you mean "local"`) {
		t.Errorf("unknown profile: exit %d\n%s", code, out)
	}
}

func TestConfigShowNeverPrintsTheToken(t *testing.T) {
	cfg := configFile(t, "default: mine\nprofiles:\n  mine:\n    kind: pdp\n    url: http://u:pw-in-url@pdp.example:7766\n    token: sk-literal-secret\n")
	out, code := run(t, "", "--config", cfg, "config", "show")
	if code != 0 || strings.Contains(out, "sk-literal") || strings.Contains(out, "pw-in-url") || !strings.Contains(out, "literal token in the config file") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "* mine") || !strings.Contains(out, "http://pdp.example:7766") {
		t.Errorf("show:\n%s", out)
	}
}

func TestConfigInitAndBadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pdpx", "config.yaml")
	if out, code := run(t, "", "--config", path, "config", "init"); code != 0 || !strings.Contains(out, "wrote "+path) {
		t.Fatalf("init: exit %d\n%s", code, out)
	}
	if out, code := run(t, "", "--config", path, "config", "init"); code != 2 || !strings.Contains(out, "--force") {
		t.Errorf("second init: exit %d\n%s", code, out)
	}
	if out, code := run(t, "", "--config", path, "config", "show"); code != 0 || !strings.Contains(out, "* demo") {
		t.Errorf("show after init: exit %d\n%s", code, out)
	}
	bad := configFile(t, "profiles:\n  x:\n    kindd: pdp\n")
	out, code := run(t, "", "--config", bad, "check", "a", "read", "document")
	if code != 2 || !strings.Contains(out, bad+":3:5: unknown key \"kindd\"") {
		t.Errorf("bad config: exit %d\n%s", code, out)
	}
}

func TestCheckPrintOnlyPrints(t *testing.T) {
	for _, lang := range []string{"curl", "python", "node", "go"} {
		out, code := run(t, "", "check", "john@permit.io", "read", "document", "--print", lang)
		if code != 0 || !strings.Contains(out, "PERMIT_API_KEY") || strings.Contains(out, "DENY john") {
			t.Errorf("--print %s: exit %d\n%s", lang, code, out)
		}
	}
	out, code := run(t, "", "--pdp", "http://127.0.0.1:9/", "check", "a", "read", "document:d1", "--print", "curl")
	if code != 0 || !strings.Contains(out, "'http://127.0.0.1:9/allowed'") {
		t.Errorf("--print for a PDP: exit %d\n%s", code, out)
	}
	if out, code := run(t, "", "check", "a", "read", "document", "--print", "ruby"); code != 2 || !strings.Contains(out, "ruby") {
		t.Errorf("--print ruby: exit %d\n%s", code, out)
	}
}

func TestTestCommand(t *testing.T) {
	dir := t.TempDir()
	out, code := run(t, "", "test", "../../scenarios/demo.yaml", "--junit", filepath.Join(dir, "r.xml"))
	if code != 0 || !strings.Contains(out, "7 passed, 0 failed") || !strings.Contains(out, "✓ jane cannot delete the roadmap") {
		t.Fatalf("demo: exit %d\n%s", code, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "r.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(b, &suites); err != nil || suites.Tests != 7 || suites.Failures != 0 {
		t.Errorf("junit: %v %+v", err, suites)
	}

	wrong := filepath.Join(dir, "wrong.yaml")
	if err := os.WriteFile(wrong, []byte("version: 1\nchecks:\n  - name: should fail\n    user: john@permit.io\n    action: read\n    resource: document\n    expect: allow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code = run(t, "", "test", wrong)
	if code != 1 || !strings.Contains(out, "✗ should fail") || !strings.Contains(out, wrong+":3: expected allow, got deny") || !strings.Contains(out, "0 passed, 1 failed") {
		t.Errorf("mismatch: exit %d\n%s", code, out)
	}
	out, code = run(t, "", "test", wrong, "--json")
	if code != 1 || !strings.Contains(out, `"pass": false`) {
		t.Errorf("--json: exit %d\n%s", code, out)
	}

	// An unreachable PDP: every check is an error, never a passing deny.
	denyOnly := filepath.Join(dir, "deny.yaml")
	if err := os.WriteFile(denyOnly, []byte("version: 1\nchecks:\n  - name: a deny\n    user: john@permit.io\n    action: read\n    resource: document\n    expect: deny\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code = run(t, "", "--pdp", "http://127.0.0.1:1", "--token", "k", "--timeout", "2s", "test", denyOnly)
	if code != 1 || !strings.Contains(out, "ERROR") || !strings.Contains(out, "errors, not decisions") {
		t.Errorf("error as deny: exit %d\n%s", code, out)
	}

	// Bad files: every problem of every file, exit 2, nothing run.
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nchecks:\n  - user: a\n    expect: perhaps\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code = run(t, "", "test", bad, filepath.Join(dir, "missing.yaml"))
	if code != 2 || !strings.Contains(out, bad+":4:13:") || !strings.Contains(out, "has no action") || !strings.Contains(out, "missing.yaml") {
		t.Errorf("bad files: exit %d\n%s", code, out)
	}
}
