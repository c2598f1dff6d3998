package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// migrations bring a history database from schema version i to i+1. They
// only ever move forward and are never edited once released: a new column
// or index is a new migration, so that a database written by any earlier
// pdpx opens in a later one.
var migrations = []string{
	// 1: the decisions, one row each, and the indexes for the filters the
	// explorer and `pdpx history` offer. Every index implicitly ends with the
	// rowid, so "WHERE user = ? AND id < ? ORDER BY id DESC" is a range scan.
	`CREATE TABLE decisions (
		id            INTEGER PRIMARY KEY AUTOINCREMENT,
		t             INTEGER NOT NULL,            -- unix nanoseconds
		target_kind   TEXT    NOT NULL DEFAULT '',
		target_name   TEXT    NOT NULL DEFAULT '',
		target_url    TEXT    NOT NULL DEFAULT '',   -- never with credentials
		user          TEXT    NOT NULL DEFAULT '',
		action        TEXT    NOT NULL DEFAULT '',
		resource_type TEXT    NOT NULL DEFAULT '',
		resource_key  TEXT    NOT NULL DEFAULT '',
		tenant        TEXT    NOT NULL DEFAULT '',
		outcome       INTEGER NOT NULL,            -- pdp.Outcome: 0 error, 1 allow, 2 deny
		error         TEXT    NOT NULL DEFAULT '',
		latency_ns    INTEGER NOT NULL DEFAULT 0,
		status        INTEGER NOT NULL DEFAULT 0,
		check_body    TEXT    NOT NULL,            -- the check as an /allowed body (pdp.Check.Body)
		request       BLOB,                        -- the exact body sent, when it differs from check_body
		response      BLOB,                        -- the exact body received
		debug         TEXT,                        -- pdp.Debug as JSON
		trace         TEXT,                        -- pdp.Trace as JSON
		pinned        INTEGER NOT NULL DEFAULT 0,
		note          TEXT    NOT NULL DEFAULT ''
	);
	CREATE INDEX decisions_outcome  ON decisions(outcome);
	CREATE INDEX decisions_user     ON decisions(user);
	CREATE INDEX decisions_action   ON decisions(action);
	CREATE INDEX decisions_resource ON decisions(resource_type, resource_key);
	CREATE INDEX decisions_tenant   ON decisions(tenant);
	CREATE INDEX decisions_target   ON decisions(target_name);
	CREATE INDEX decisions_time     ON decisions(t);
	CREATE INDEX decisions_pinned   ON decisions(pinned) WHERE pinned;
	-- totals keeps the count per outcome, so that the title of an unfiltered
	-- (or outcome-filtered) million-row history is one read, not a scan.
	CREATE TABLE totals (outcome INTEGER PRIMARY KEY, n INTEGER NOT NULL);
	INSERT INTO totals VALUES (0, 0), (1, 0), (2, 0);
	-- Free text: a trigram index finds substrings, as the in-memory history
	-- does ("smith" finds john@smith.com), without scanning a million rows.
	CREATE VIRTUAL TABLE decisions_fts USING fts5(text, tokenize = 'trigram');`,

	// 2: the outcome as a word in its own column of the free-text index, so
	// that the counts of a text search ("england": half a million matches)
	// are three counts read from the index alone: reading each match's row,
	// or the index's own copy of the text, cost five times the match itself.
	`CREATE VIRTUAL TABLE decisions_fts2 USING fts5(text, outcome, tokenize = 'trigram');
	INSERT INTO decisions_fts2 (rowid, text, outcome)
		SELECT f.rowid, f.text, CASE d.outcome WHEN 1 THEN 'allow' WHEN 2 THEN 'deny' ELSE 'error' END
		FROM decisions_fts f JOIN decisions d ON d.id = f.rowid;
	DROP TABLE decisions_fts;
	ALTER TABLE decisions_fts2 RENAME TO decisions_fts;`,

	// 3: the error's kind (pdp.ErrorKind's name: "auth", "timeout", ...) and
	// the PDP's Retry-After, so that an error read back is explained as it
	// was live, from what the client knew rather than from its words.
	// Rows written before have no kind; where they have a status, the kind
	// pdpx's client gave then was a function of the status alone, and it is
	// filled in once, here. Rows without a status (refused, timeout,
	// network) keep no kind: their explanation says "no decision".
	`ALTER TABLE decisions ADD COLUMN error_kind TEXT NOT NULL DEFAULT '';
	ALTER TABLE decisions ADD COLUMN retry_ns INTEGER NOT NULL DEFAULT 0;
	UPDATE decisions SET error_kind = CASE
		WHEN status IN (401, 403) THEN 'auth'
		WHEN status IN (400, 413, 415, 422) THEN 'bad_request'
		WHEN status = 429 THEN 'rate_limited'
		WHEN status IN (404, 405, 501) THEN 'not_supported'
		WHEN status >= 500 THEN 'server'
		ELSE 'bad_response' END
	WHERE outcome = 0 AND status <> 0;`,

	// 4: the size of a response body history kept only the start of
	// (see MaxResponse), 0 when the body is whole.
	`ALTER TABLE decisions ADD COLUMN response_size INTEGER NOT NULL DEFAULT 0;`,

	// 5: a remote decision paired with a snapshot keeps the snapshot's
	// answer beside it (shadow: its outcome, debug object and the
	// agreement, as JSON) and whether the two agreed (agreed: NULL for a
	// decision that was not paired), indexed for the disagreements.
	`ALTER TABLE decisions ADD COLUMN shadow TEXT;
	ALTER TABLE decisions ADD COLUMN agreed INTEGER;
	CREATE INDEX decisions_disagreed ON decisions(agreed) WHERE agreed = 0;`,
}

// applicationID marks a SQLite file as pdpx's history, in the header field
// SQLite keeps for that (PRAGMA application_id): "pdpx" in ASCII.
const applicationID = 0x70647078

// ErrForeign is wrapped by the error Open returns for a SQLite database that
// belongs to another program: pdpx leaves such a file exactly as it is.
var ErrForeign = errors.New("not a pdpx history")

// pdpxTables are the tables a pdpx history holds, in every schema version.
// A file from before the application ID was set is recognised by them.
var pdpxTables = []string{"schema_version", "decisions", "totals", "decisions_fts", "decisions_fts2"}

// claim makes sure the database is pdpx's before anything is written to it:
// one with pdpx's application ID, one written by a pdpx from before the ID
// (pdpx's tables and no others), or an empty one, which it marks. Anything
// else is another program's, and the error wraps ErrForeign. It runs in a
// write transaction, so that two pdpx processes creating the same file do
// not both claim it, and a file that cannot be written is found here.
func claim(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var app int32
	if err := tx.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return err
	}
	var names []string
	ours := true
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
		if !isPDPXTable(n) {
			ours = false
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	switch {
	case app == applicationID:
	case app == 0 && len(names) == 0:
		// Empty: a new file, or one someone created for pdpx.
	case app == 0 && ours && slices.Contains(names, "schema_version"):
		// Written by a pdpx from before the application ID.
	default:
		what := "no tables"
		if len(names) > 0 {
			if len(names) > 8 {
				names = append(names[:8], "…")
			}
			what = "tables " + strings.Join(names, ", ")
		}
		if app != 0 {
			what += fmt.Sprintf("; application ID %#x", uint32(app))
		}
		return fmt.Errorf("%w: it is a SQLite database of another program (%s); pdpx leaves it as it is: pass another --history file (or --no-history)", ErrForeign, what)
	}
	if app != applicationID {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	return tx.Commit()
}

// isPDPXTable reports whether name is one of pdpx's tables, or a shadow
// table SQLite keeps for a free-text index (decisions_fts_data, ...).
func isPDPXTable(name string) bool {
	if slices.Contains(pdpxTables, name) {
		return true
	}
	for _, fts := range []string{"decisions_fts", "decisions_fts2"} {
		for _, shadow := range []string{"_data", "_idx", "_content", "_docsize", "_config"} {
			if name == fts+shadow {
				return true
			}
		}
	}
	return false
}

// migrate applies the migrations the database has not seen, each in its own
// transaction with its version, so that a crash between two leaves a
// database at a known version. The database must have been claimed.
func migrate(ctx context.Context, db *sql.DB) error {
	for {
		done, err := migrateOne(ctx, db)
		if err != nil || done {
			return err
		}
	}
}

func migrateOne(ctx context.Context, db *sql.DB) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see the DSN): two processes do not both migrate
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return false, err
	}
	switch {
	case v > len(migrations):
		return false, fmt.Errorf("%w: it has schema version %d and this pdpx knows %d; use a newer pdpx or another --history file", ErrNewerSchema, v, len(migrations))
	case v == len(migrations):
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("schema migration %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version VALUES (?)`, v+1); err != nil {
		return false, err
	}
	return false, tx.Commit()
}
