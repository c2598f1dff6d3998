package state

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// foreignDB writes a SQLite database as another program would (rollback
// journal, its own tables) and returns its bytes.
func foreignDB(t *testing.T, path string, stmts ...string) []byte {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// Another program's SQLite file named as the history is refused with a
// clear error and left exactly as it was: no pdpx tables, no WAL mode, no
// file beside it; the explorer and pdpx check then keep this run's history
// in memory and say why.
func TestAnotherProgramsDatabaseIsRefusedAndLeftAlone(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		stmts []string
		want  string
	}{
		{"tables", []string{`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`, `CREATE TABLE orders (id INTEGER)`,
			`INSERT INTO users VALUES (1, 'ada')`}, "tables orders, users"},
		// A table named like one of pdpx's is not enough.
		{"a table named like pdpx's", []string{`CREATE TABLE schema_version (version INTEGER)`, `CREATE TABLE migrations (id INTEGER)`},
			"tables migrations, schema_version"},
		{"another program's ID", []string{`PRAGMA application_id = 1234`}, "application ID 0x4d2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.db")
			before := foreignDB(t, path, tc.stmts...)
			files := dirNames(t, dir)
			_, err := Open(ctx, path)
			if !errors.Is(err, ErrForeign) || !strings.Contains(err.Error(), "not a pdpx history: it is a SQLite database of another program") ||
				!strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--history") {
				t.Fatalf("Open: %v", err)
			}
			o := OpenOrRecover(ctx, path)
			if !o.Memory || o.Store != nil || !strings.Contains(o.Note, "another program") || strings.Contains(o.Note, "corrupt") {
				t.Errorf("OpenOrRecover: %+v", o)
			}
			if _, err := o.History.Add(ctx, entry("bob", "read", pdp.Allow)); err != nil {
				t.Fatal(err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("the file changed (header byte 18, 1 = rollback journal, 2 = WAL: %d → %d)", before[18], after[18])
			}
			if got := dirNames(t, dir); !slices.Equal(got, files) {
				t.Errorf("files beside it: %v, before %v", got, files)
			}
		})
	}
}

// An empty file, or an empty SQLite database, becomes a history; a history
// written before pdpx marked its files is recognised by its tables.
func TestEmptyFilesAreTakenAndPDPXFilesKnown(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.db")
	if err := os.WriteFile(zero, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	foreignDB(t, empty, `CREATE TABLE t (x)`, `DROP TABLE t`)
	legacy := filepath.Join(dir, "legacy.db")
	copyTestFile(t, "testdata/history-v2.db", legacy)
	for _, path := range []string{zero, empty, legacy, zero} { // zero twice: reopened, it is pdpx's
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		if _, err := s.Add(ctx, entry("bob", "read", pdp.Allow)); err != nil {
			t.Fatal(err)
		}
		var app int32
		var mode string
		s.db.QueryRow(`PRAGMA application_id`).Scan(&app)
		s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
		if app != applicationID || mode != "wal" {
			t.Errorf("%s: application ID %#x, journal %s", filepath.Base(path), app, mode)
		}
		s.Close()
	}
}

func copyTestFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
