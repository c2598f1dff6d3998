package cli

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/server"
)

// servePolicy runs pdpx serve in-process over the demo policy with edit
// applied to its text, and returns its URL and the demo's own file (the
// snapshot).
func servePolicy(t *testing.T, edit func(string) string) (url, snapshot string) {
	t.Helper()
	dir := t.TempDir()
	snapshot = filepath.Join(dir, "prod.yaml")
	served := filepath.Join(dir, "served.yaml")
	if err := os.WriteFile(snapshot, policy.DemoSource, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(served, []byte(edit(string(policy.DemoSource))), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{Policy: served, Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL, snapshot
}

func same(s string) string { return s }

func TestCheckWithSnapshot(t *testing.T) {
	noViewerReads := func(s string) string {
		return strings.Replace(s, "permissions: [document:read, folder:read]", "permissions: [folder:read]", 1)
	}
	url, snap := servePolicy(t, same)
	args := func(url string, rest ...string) []string {
		return append([]string{"--no-history", "check", "--pdp", url, "--token", "k", "--snapshot", snap}, rest...)
	}

	// Agreement: one quiet line; the snapshot explains down to the condition
	// and its flip is verified on the PDP.
	out, code := run(t, "", args(url, "check@permit.io", "publish", "document", "-u", "location=England", "-u", "department=Engineering", "-r", "hasApproval=true", "--explain")...)
	for _, want := range []string{"DENY", "= the snapshot agrees, codes and all: prod.yaml", "explained from the snapshot",
		`resource.hasApproval equals "true" (string) — got true (bool)`, "✓ verified", "an environment change"} {
		if !strings.Contains(out, want) {
			t.Errorf("agreeing check lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("exit %d", code)
	}

	// A PDP whose viewer role lost a permission: a banner, both answers,
	// what to do, and the PDP's outcome as the exit code.
	url, _ = servePolicy(t, noViewerReads)
	out, code = run(t, "", args(url, "john@permit.io", "read", "document", "--tenant", "awesome_inc", "--explain")...)
	for _, want := range []string{"DENY john@permit.io", "≠ THE SNAPSHOT DISAGREES", "the PDP says DENY, the snapshot ALLOW",
		"rbac: the PDP no_permission, the snapshot allow", "run pdpx pull -o prod.yaml", "the PDP's reasons", "explained from the snapshot"} {
		if !strings.Contains(out, want) {
			t.Errorf("disagreeing check lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("exit %d: the PDP's deny decides the exit code", code)
	}

	// --json carries the snapshot's side.
	out, _ = run(t, "", args(url, "john@permit.io", "read", "document", "--tenant", "awesome_inc", "--json")...)
	var r struct {
		Outcome  string `json:"outcome"`
		Snapshot struct {
			Outcome   string `json:"outcome"`
			Agreement struct {
				SameOutcome bool `json:"same_outcome"`
			} `json:"agreement"`
		} `json:"snapshot"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Outcome != "deny" || r.Snapshot.Outcome != "allow" || r.Snapshot.Agreement.SameOutcome {
		t.Errorf("%v: %+v\n%s", err, r, out)
	}

	// Nothing listening: an error, never a decision from the snapshot.
	out, code = run(t, "", args("http://127.0.0.1:1", "john@smith.com", "create", "document")...)
	if code != 2 || strings.Contains(out, "snapshot") || strings.Contains(out, "ALLOW") {
		t.Errorf("exit %d:\n%s", code, out)
	}

	// --snapshot needs a remote target.
	if out, code = run(t, "", "--no-history", "check", "--snapshot", snap, "john@smith.com", "create", "document"); code != 2 || !strings.Contains(out, "--snapshot pairs a remote PDP") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// A profile names the snapshot beside its PDP (relative to the config
// file); an embedded profile with a snapshot is a mistake with its line.
func TestProfileSnapshot(t *testing.T) {
	url, snap := servePolicy(t, same)
	write := func(name, text string) string {
		path := filepath.Join(filepath.Dir(snap), name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.yaml", "profiles:\n  prod-local:\n    kind: pdp\n    url: "+url+"\n    token_env: PDPX_PROFILE_KEY\n    snapshot: prod.yaml\n")
	bad := write("bad.yaml", "profiles:\n  bad:\n    kind: embedded\n    snapshot: prod.yaml\n")
	t.Setenv("PDPX_PROFILE_KEY", "k")
	out, code := run(t, "", "--no-history", "--config", good, "--profile", "prod-local", "check", "john@smith.com", "create", "document")
	if code != 0 || !strings.Contains(out, "= the snapshot agrees") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	out, code = run(t, "", "--no-history", "--config", bad, "--profile", "bad", "check", "john@smith.com", "create", "document")
	if code != 2 || !strings.Contains(out, "bad.yaml:2:3") || !strings.Contains(out, "snapshot pairs a remote PDP") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// pdpx verify: exit 0 when the PDP decides as the snapshot, 1 with every
// disagreement listed (and replayable), 2 when the PDP fails; --json and
// --junit carry the same.
func TestVerify(t *testing.T) {
	url, snap := servePolicy(t, same)
	args := func(url string, rest ...string) []string {
		return append([]string{"--no-history", "verify", "--pdp", url, "--token", "k", "--snapshot", snap}, rest...)
	}
	out, code := run(t, "", args(url)...)
	if code != 0 || !strings.Contains(out, "all agree · 47 checks, 47 agree") {
		t.Errorf("exit %d:\n%s", code, out)
	}

	url, _ = servePolicy(t, func(s string) string {
		return strings.Replace(s, "permissions: [document:read, folder:read]", "permissions: [folder:read]", 1)
	})
	junit := filepath.Join(t.TempDir(), "verify.xml")
	out, code = run(t, "", args(url, "--junit", junit)...)
	if code != 1 || !strings.Contains(out, "2 disagree · 47 checks, 45 agree, 2 disagree") || !strings.Contains(out, "≠ john@permit.io read document @awesome_inc") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if b, err := os.ReadFile(junit); err != nil || !strings.Contains(string(b), `failures="2"`) {
		t.Errorf("junit %v:\n%s", err, b)
	}
	// The replay line sends that check again and finds the same disagreement.
	var body string
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "--input - <<< '"); i >= 0 && strings.Contains(l, "john@permit.io") {
			body = strings.TrimSuffix(l[i+len("--input - <<< '"):], "'")
		}
	}
	rout, rcode := run(t, body, "--no-history", "check", "--pdp", url, "--token", "k", "--snapshot", snap, "--input", "-")
	if body == "" || rcode != 1 || !strings.Contains(rout, "≠ THE SNAPSHOT DISAGREES") {
		t.Errorf("replay of %q: exit %d\n%s", body, rcode, rout)
	}

	out, code = run(t, "", args(url, "--json", "--sample", "10", "--seed", "3")...)
	var rep struct {
		Checks        int `json:"checks"`
		Disagreements []struct {
			Replay string `json:"replay"`
		} `json:"disagreements"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Checks != 10 || code == 2 {
		t.Errorf("exit %d, %v %+v\n%s", code, err, rep, out)
	}

	if out, code = run(t, "", args("http://127.0.0.1:1", "--sample", "3")...); code != 2 || !strings.Contains(out, "3 errors") {
		t.Errorf("nothing listening: exit %d\n%s", code, out)
	}
	if out, code = run(t, "", "--no-history", "verify", "--pdp", url, "--token", "k"); code != 2 || !strings.Contains(out, "--snapshot FILE") {
		t.Errorf("no snapshot: exit %d\n%s", code, out)
	}
}

// The history keeps both answers of a paired check; --disagreed lists the
// disagreements, with what the snapshot said.
func TestHistoryDisagreed(t *testing.T) {
	url, snap := servePolicy(t, func(s string) string {
		return strings.Replace(s, "permissions: [document:read, folder:read]", "permissions: [folder:read]", 1)
	})
	db := filepath.Join(t.TempDir(), "h.db")
	check := func(args ...string) {
		t.Helper()
		run(t, "", append([]string{"--history", db, "check", "--pdp", url, "--token", "k", "--snapshot", snap}, args...)...)
	}
	check("john@smith.com", "create", "document")                          // agrees
	check("john@permit.io", "read", "document", "--tenant", "awesome_inc") // disagrees
	out, errOut, code := runSplit(t, "", "--history", db, "history", "--disagreed")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, "john@permit.io read document @awesome_inc") ||
		!strings.Contains(out, "≠ the snapshot said ALLOW (rbac no_permission vs allow") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = runSplit(t, "", "--history", db, "history", "--disagreed", "--json")
	if !strings.Contains(out, `"snapshot":{"outcome":"allow"`) {
		t.Errorf("export: %s", out)
	}
}
