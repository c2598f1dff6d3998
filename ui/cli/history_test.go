package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/state"
)

// TestMain points the history at a temporary file, so that no test (and
// no decision of the check tests) ever writes to the real home.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pdpx-cli-test")
	if err != nil {
		panic(err)
	}
	// Tests never read or write a real home: the history, the config file
	// and anything else found through HOME or XDG paths live in dir.
	os.Setenv(state.EnvHistory, filepath.Join(dir, "history.db"))
	for _, v := range []string{"HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"} {
		os.Setenv(v, dir)
	}
	os.Unsetenv("PDPX_CONFIG")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runSplit runs pdpx in-process with stdout and stderr apart.
func runSplit(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("PERMIT_API_KEY", "")
	root := NewRoot("test")
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	var ee *ExitError
	if err != nil && (!asExit(err, &ee) || !ee.Silent) {
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), ExitCode(err)
}

func TestCheckIsRecordedAndHistoryListsFiltersAndExports(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	h := "--history=" + db
	for _, args := range [][]string{
		{"john@smith.com", "create", "document"},
		{"john@permit.io", "read", "document"},
		{"check@permit.io", "publish", "document", "-u", "location=England", "-u", "department=Engineering", "-r", `hasApproval="true"`},
	} {
		if _, stderr, _ := runSplit(t, "", append([]string{"check", h}, args...)...); stderr != "" {
			t.Fatalf("check %v: %s", args, stderr)
		}
	}
	out, _, code := runSplit(t, "", "history", h)
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.HasPrefix(strings.TrimSpace(out), "3 ") {
		t.Fatalf("history (newest first):\n%s", out)
	}
	out, _, _ = runSplit(t, "", "history", h, "--denied")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "DENY   john@permit.io read document @default") {
		t.Errorf("--denied:\n%s", out)
	}
	out, _, _ = runSplit(t, "", "history", h, "--user", "check@permit.io", "--since", "1h")
	if strings.Count(out, "\n") != 1 {
		t.Errorf("--user --since:\n%s", out)
	}
	out, _, _ = runSplit(t, "", "history", h, "england", "--limit", "5")
	if strings.Count(out, "\n") != 1 {
		t.Errorf("free text:\n%s", out)
	}

	// Every --json line is an /allowed body that check --input replays, with
	// the decision under "pdpx".
	out, _, _ = runSplit(t, "", "history", h, "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("--json lines:\n%s", out)
	}
	want := map[string]int{"allow": 0, "deny": 1}
	for _, l := range lines {
		var v struct {
			User struct{ Key string }
			PDPX struct {
				ID      int64
				Outcome string
				Time    time.Time
				Target  string
			}
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.PDPX.ID == 0 || v.PDPX.Target == "" || v.PDPX.Time.IsZero() {
			t.Fatalf("line %s: %v", l, err)
		}
		_, stderr, code := runSplit(t, l, "check", "--input", "-", "--no-history")
		if code != want[v.PDPX.Outcome] {
			t.Errorf("replaying %s (%s): exit %d %s", v.User.Key, v.PDPX.Outcome, code, stderr)
		}
	}

	// rerun records the new decisions; the exit code is the worst outcome.
	out, _, code = runSplit(t, "", "history", h, "rerun", "1", "2")
	if code != 1 || !strings.Contains(out, "ALLOW") || !strings.Contains(out, "DENY") {
		t.Errorf("rerun: exit %d\n%s", code, out)
	}
	if _, stderr, code := runSplit(t, "", "history", h, "rerun", "999"); code != 2 || !strings.Contains(stderr, "no such") {
		t.Errorf("rerun unknown: %d %s", code, stderr)
	}
	out, _, _ = runSplit(t, "", "history", h, "-n", "0")
	if strings.Count(out, "\n") != 5 {
		t.Errorf("after rerun:\n%s", out)
	}

	// clear asks for --yes off a terminal, then clears.
	if _, stderr, code := runSplit(t, "", "history", h, "clear"); code != 2 || !strings.Contains(stderr, "--yes") {
		t.Errorf("clear without --yes: %d %s", code, stderr)
	}
	if out, _, code := runSplit(t, "", "history", h, "clear", "--yes"); code != 0 || !strings.Contains(out, "cleared 5 decisions") {
		t.Errorf("clear: %d %s", code, out)
	}
}

// --no-history and a history that cannot be written never change a check's
// exit code: a warning line on stderr at most.
func TestCheckDecidesWhateverTheHistory(t *testing.T) {
	ro := "/proc/pdpx-test/history.db"
	if os.Geteuid() != 0 {
		dir := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(dir, 0o500)
		ro = filepath.Join(dir, "sub", "history.db")
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"john@smith.com", "create", "document"}, 0},
		{[]string{"john@permit.io", "read", "document"}, 1},
		{[]string{"--pdp", "http://127.0.0.1:1", "--token", "t", "--timeout", "2s", "bob", "read", "document"}, 2},
	} {
		out, stderr, code := runSplit(t, "", append([]string{"check", "--history", ro}, tc.args...)...)
		if code != tc.code || out == "" {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, stderr)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "not recorded") {
			t.Errorf("%v: stderr = %q", tc.args, stderr)
		}
		if _, stderr, code := runSplit(t, "", append([]string{"check", "--no-history"}, tc.args...)...); code != tc.code || stderr != "" {
			t.Errorf("--no-history %v: exit %d %q", tc.args, code, stderr)
		}
	}
}

func TestCheckMovesACorruptHistoryAside(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	os.WriteFile(db, []byte("garbage, not SQLite"+strings.Repeat("!", 4096)), 0o600)
	_, stderr, code := runSplit(t, "", "check", "--history", db, "john@smith.com", "create", "document")
	if code != 0 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "moved it to history.db.corrupt-") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if out, _, _ := runSplit(t, "", "history", "--history", db); strings.Count(out, "\n") != 1 {
		t.Errorf("fresh history:\n%s", out)
	}
}

// No API key ever reaches the database, whatever the PDP answers.
func TestTokenNeverReachesTheDatabase(t *testing.T) {
	const token = "permit_key_Sup3rS3cretT0kenValue"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, `{"detail":"bad key"}`, http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		switch {
		case bytes.Contains(body, []byte(`"alice"`)):
			fmt.Fprint(w, `{"allow":true,"debug":{"rbac":{"allow":true,"code":"allow","allowing_roles":["admin"]}}}`)
		case bytes.Contains(body, []byte(`"bob"`)):
			fmt.Fprint(w, `{"allow":false}`)
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	for _, tc := range []struct {
		user, tok string
		code      int
	}{{"alice", token, 0}, {"bob", token, 1}, {"carol", token, 2}, {"alice", token + "-wrong", 2}} {
		_, stderr, code := runSplit(t, "", "check", "--history", db, "--pdp", srv.URL, "--token", tc.tok, tc.user, "read", "document:d1")
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d: %s", tc.user, code, tc.code, stderr)
		}
	}
	// (A URL with credentials is refused before anything is asked, and the
	// store strips them anyway: see state.SafeURL.)
	out, _, _ := runSplit(t, "", "history", "--history", db, "--json", "-n", "0")
	if strings.Count(out, "\n") != 4 {
		t.Fatalf("recorded:\n%s", out)
	}
	files, _ := filepath.Glob(db + "*")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(token)) || bytes.Contains(b, []byte("Sup3rS3cret")) {
			t.Errorf("the token is in %s", filepath.Base(f))
		}
	}
	if strings.Contains(out, "Sup3rS3cret") {
		t.Errorf("the token is in the export")
	}
}

func TestHistoryNote(t *testing.T) {
	h := "--history=" + filepath.Join(t.TempDir(), "h.db")
	for _, args := range [][]string{{"john@smith.com", "create", "document"}, {"john@permit.io", "read", "document"}} {
		runSplit(t, "", append([]string{"check", h}, args...)...)
	}
	if _, stderr, code := runSplit(t, "", "history", h, "note", "2", "no", "role", "in", "default,", "see", "TICKET-7"); code != 0 {
		t.Fatalf("note: exit %d %s", code, stderr)
	}
	out, _, _ := runSplit(t, "", "history", h, "ticket-7")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "note: no role in default, see TICKET-7") {
		t.Fatalf("the note is not on its line or not found:\n%s", out)
	}
	runSplit(t, "", "history", h, "note", "2")
	if out, _, _ := runSplit(t, "", "history", h, "ticket-7"); strings.TrimSpace(out) != "" && strings.Contains(out, "TICKET-7") {
		t.Fatalf("a removed note is still shown:\n%s", out)
	}
	if _, _, code := runSplit(t, "", "history", h, "note", "99", "x"); code != 2 {
		t.Fatalf("a note on a missing entry: exit %d", code)
	}
}

// --user matches a part of the key, and an empty result says, on stderr,
// what emptied it.
func TestHistoryPartialUserAndEmptyResult(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	if _, code := run(t, "", "--history", db, "check", "john@smith.com", "create", "document"); code != 0 {
		t.Fatal("check failed")
	}
	out, errOut, code := runSplit(t, "", "--history", db, "history", "--user", "JOHN")
	if code != 0 || !strings.Contains(out, "john@smith.com") || errOut != "" {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	out, errOut, code = runSplit(t, "", "--history", db, "history", "--user", "jane")
	if code != 0 || out != "" || !strings.Contains(errOut, `no decision matches --user "jane" (of 1 in the history`) {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}
