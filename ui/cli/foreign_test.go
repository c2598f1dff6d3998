package cli

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --history naming another program's SQLite file: the check is decided,
// the decision is not recorded, stderr says why, and the file is unchanged.
func TestHistoryRefusesAnotherProgramsDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`, `INSERT INTO users VALUES (1, 'ada')`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	before, _ := os.ReadFile(path)
	out, stderr, code := runSplit(t, "", "check", "--history", path, "john@smith.com", "create", "document")
	if code != 0 || !strings.Contains(out, "ALLOW") {
		t.Fatalf("the check: exit %d\n%s%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "decision not recorded") || !strings.Contains(stderr, "cannot use "+path+": not a pdpx history: it is a SQLite database of another program (tables users)") {
		t.Errorf("stderr does not say why:\n%s", stderr)
	}
	_, stderr, _ = runSplit(t, "", "history", "--history", path)
	if !strings.Contains(stderr, "another program") {
		t.Errorf("pdpx history does not say why it lists nothing:\n%s", stderr)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("pdpx changed another program's database")
	}
}
