package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestFTS5TrigramIsCompiledIn checks the assumption the free-text filter
// rests on: modernc's SQLite has FTS5 with the trigram tokenizer.
func TestFTS5TrigramIsCompiledIn(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE VIRTUAL TABLE x USING fts5(t, tokenize='trigram'); INSERT INTO x VALUES ('ALLOW john@smith.com read')`); err != nil {
		t.Fatalf("FTS5 trigram: %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM x WHERE x MATCH '"smith"'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("match: %d %v", n, err)
	}
}

// histories runs f against both implementations, so that the explorer
// behaves the same on a SQLite file and in memory.
func histories(t *testing.T, f func(t *testing.T, h History)) {
	t.Run("memory", func(t *testing.T) { f(t, NewMemory()) })
	t.Run("sqlite", func(t *testing.T) { f(t, openTemp(t)) })
}

func users(es []Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Check.User.Key)
	}
	return strings.Join(out, " ")
}

func TestPagesByKeyset(t *testing.T) {
	histories(t, func(t *testing.T, h History) {
		ctx := context.Background()
		for i := range 10 {
			if _, err := h.Add(ctx, entry(fmt.Sprintf("u%d", i), "read", pdp.Allow)); err != nil {
				t.Fatal(err)
			}
		}
		page, _ := h.Page(ctx, Query{Limit: 3})
		if users(page) != "u9 u8 u7" {
			t.Fatalf("first page = %s", users(page))
		}
		next, _ := h.Page(ctx, Query{Anchor: page[2].ID, Limit: 3})
		if users(next) != "u6 u5 u4" {
			t.Errorf("older than u7 = %s", users(next))
		}
		skip, _ := h.Page(ctx, Query{Anchor: page[2].ID, Skip: 2, Limit: 2})
		if users(skip) != "u4 u3" {
			t.Errorf("skip 2 = %s", users(skip))
		}
		up, _ := h.Page(ctx, Query{Anchor: next[0].ID, Up: true, Limit: 2})
		if users(up) != "u8 u7" {
			t.Errorf("newer than u6 = %s", users(up))
		}
		oldest, _ := h.Page(ctx, Query{Up: true, Limit: 3})
		if users(oldest) != "u2 u1 u0" {
			t.Errorf("oldest = %s", users(oldest))
		}
		if p, _ := h.Page(ctx, Query{Skip: 20, Limit: 5}); len(p) != 0 {
			t.Errorf("past the end: %s", users(p))
		}
	})
}

func TestFiltersAgree(t *testing.T) {
	histories(t, func(t *testing.T, h History) {
		ctx := context.Background()
		old := time.Now().Add(-48 * time.Hour)
		add := func(user, action, res, tenant string, o pdp.Outcome, at time.Time) Entry {
			e := entry(user, action, o)
			e.Check.Resource.Type, e.Check.Resource.Key, _ = pdp.ParseResource(res)
			e.Check.Resource.Tenant = tenant
			e.Time = at
			e.TargetKind, e.TargetURL = pdp.KindPDP, "http://localhost:7766"
			e.Check.User.Attributes = map[string]any{"location": "England"}
			out, err := h.Add(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		add("bob", "delete", "document:d1", "default", pdp.Deny, old)
		a := add("alice", "read", "document:d2", "acme", pdp.Allow, time.Time{})
		add("bob", "read", "folder", "default", pdp.Error, time.Time{})
		add("carol@smith.com", "read", "document", "default", pdp.Allow, time.Time{})
		if err := h.SetPinned(ctx, a.ID, true); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			f    Filter
			want string
		}{
			{Filter{}, "carol@smith.com bob alice bob"},
			{Filter{Outcomes: []pdp.Outcome{pdp.Deny}}, "bob"},
			{Filter{Outcomes: []pdp.Outcome{pdp.Deny, pdp.Error}}, "bob bob"},
			{Filter{User: "bob"}, "bob bob"},
			{Filter{User: "bob", Action: "read"}, "bob"},
			{Filter{Resource: "document"}, "carol@smith.com alice bob"},
			{Filter{Resource: "document:d2"}, "alice"},
			{Filter{Tenant: "acme"}, "alice"},
			// Field terms match a part of the field, whatever its case.
			{Filter{User: "CAROL"}, "carol@smith.com"},
			{Filter{User: "smith.com"}, "carol@smith.com"},
			{Filter{User: "bo"}, "bob bob"}, // shorter than a trigram
			{Filter{Resource: "doc:d"}, "alice bob"},
			{Filter{Tenant: "ac", Action: "rea"}, "alice"},
			{Filter{User: "nobody"}, ""},
			{Filter{Target: "pdp"}, "carol@smith.com bob alice bob"},
			{Filter{Target: "nope"}, ""},
			{Filter{Pinned: true}, "alice"},
			{Filter{Since: time.Now().Add(-time.Hour)}, "carol@smith.com bob alice"},
			{Filter{Text: "SMITH"}, "carol@smith.com"},
			{Filter{Text: "deny bob"}, "bob"},
			{Filter{Text: "refused"}, "bob"},
			{Filter{Text: "location=england"}, "carol@smith.com bob alice bob"},
			{Filter{Text: "d2"}, "alice"}, // shorter than a trigram
			{Filter{Text: "read d2"}, "alice"},
			{Filter{Text: "@acme", Outcomes: []pdp.Outcome{pdp.Allow}}, "alice"},
		}
		for _, c := range cases {
			page, err := h.Page(ctx, Query{Filter: c.f, Limit: 10})
			if err != nil {
				t.Fatalf("%+v: %v", c.f, err)
			}
			if users(page) != c.want {
				t.Errorf("%+v: page = %q, want %q", c.f, users(page), c.want)
			}
			n, err := h.Counts(ctx, c.f)
			if err != nil || n.Total != len(page) || n.Allowed+n.Denied+n.Errors != n.Total {
				t.Errorf("%+v: counts = %+v %v for %d rows", c.f, n, err, len(page))
			}
		}
		// The pinned entry survives a clear that keeps pins.
		if n, err := h.Clear(ctx, true); err != nil || n != 3 {
			t.Errorf("clear kept pins: removed %d, %v", n, err)
		}
		if c, _ := h.Counts(ctx, Filter{}); c != (Counts{Total: 1, Allowed: 1}) {
			t.Errorf("after clear: %+v", c)
		}
		if err := h.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Get(ctx, a.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("get deleted: %v", err)
		}
		if c, _ := h.Counts(ctx, Filter{}); c != (Counts{}) {
			t.Errorf("after delete: %+v", c)
		}
	})
}

// A decision read back from the file is the decision that was stored: the
// three outcomes stay three (an error is never read back as a deny), with the
// reasons, the trace, the exact bodies, and the check to re-run.
func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	c := entry("bob", "read", pdp.Deny).Check
	c.User.Attributes = map[string]any{"age": 3.0, "ok": true, "s": "3"}
	c.Context = map[string]any{"ip": "10.0.0.1"}
	c.TenantAttributes = map[string]any{"plan": "pro"}
	d := pdp.Decision{Outcome: pdp.Deny, Status: 200, Latency: 1234 * time.Microsecond, Target: "pdp: localhost",
		Request: []byte(`{"exact":"bytes" }`), Response: []byte("not json \x00\xff"),
		Debug: &pdp.Debug{RBAC: &pdp.Reason{Code: "no_permission", Reason: strings.Repeat("x", 100_000)}},
		Trace: &pdp.Trace{Roles: []string{"viewer"}}}
	in := Entry{Time: time.Unix(1700000000, 123), Check: c, Decision: d, TargetKind: pdp.KindPDP,
		TargetURL: "http://user:secret@localhost:7766/?token=abc#x", Note: "look"}
	out, err := s.Add(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(in.Time) || got.Decision.Outcome != pdp.Deny || got.Decision.Status != 200 ||
		got.Decision.Latency != d.Latency || got.Note != "look" || got.TargetKind != pdp.KindPDP {
		t.Errorf("got %+v", got)
	}
	if got.TargetURL != "http://localhost:7766/" {
		t.Errorf("URL kept credentials: %q", got.TargetURL)
	}
	if string(got.Decision.Request) != string(d.Request) || string(got.Decision.Response) != string(d.Response) {
		t.Errorf("bodies: %q %q", got.Decision.Request, got.Decision.Response)
	}
	if string(got.Check.Body()) != string(c.Body()) {
		t.Errorf("check:\n%s\n%s", got.Check.Body(), c.Body())
	}
	if r := got.Decision.Debug.RBAC.Reason; len(r) > maxReason+64 || !strings.Contains(r, "more bytes not shown") {
		t.Errorf("a huge reason is not capped: %d bytes", len(r))
	}
	if got.Decision.Trace == nil || got.Decision.Trace.Roles[0] != "viewer" {
		t.Errorf("trace = %+v", got.Decision.Trace)
	}
	e, _ := s.Add(ctx, Entry{Check: c, Decision: pdp.Decision{Outcome: pdp.Error}})
	if g, _ := s.Get(ctx, e.ID); g.Decision.Outcome != pdp.Error || g.Decision.Err == nil || g.Decision.ErrorText() == "" {
		t.Errorf("an error without a message came back as %v %v", g.Decision.Outcome, g.Decision.Err)
	}
	if c, _ := s.Counts(ctx, Filter{Outcomes: []pdp.Outcome{pdp.Deny}}); c.Total != 1 || c.Denied != 1 {
		t.Errorf("deny counts = %+v", c)
	}
	vals, _ := s.Values(ctx, FieldUserAttr, 10)
	if !slices.Equal(vals, []string{"age", "ok", "s"}) {
		t.Errorf("values = %v", vals)
	}
}

func TestSchemaVersionAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Add(ctx, entry("bob", "read", pdp.Allow))
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	s.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v)
	if v != len(migrations) {
		t.Errorf("version = %d", v)
	}
	if c, _ := s.Counts(ctx, Filter{}); c.Total != 1 {
		t.Errorf("reopened counts = %+v", c)
	}
	// A file from a newer pdpx is refused (and so used in memory), not altered.
	s.db.Exec(`UPDATE schema_version SET version = 99`)
	s.Close()
	if _, err := Open(ctx, path); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("newer schema: %v", err)
	}
}

// Counts of a free-text search come from the index alone; they must agree
// with the in-memory history on the same entries, with and without an
// outcome filter and with a word too short for the trigram index.
func TestTextCountsAgreeWithMemory(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := NewMemory()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		e := benchEntry(i, at)
		if _, err := s.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	defer func(n int) { joinedCountsMax = n }(joinedCountsMax)
	for _, joined := range []int{5000, 0} {
		joinedCountsMax = joined
		textCountsAgree(t, s, m)
	}
}

func textCountsAgree(t *testing.T, s *Store, m History) {
	ctx := context.Background()
	for _, f := range []Filter{
		{Text: "england"},
		{Text: "England doc4"},
		{Text: "france", Outcomes: []pdp.Outcome{pdp.Deny}},
		{Text: "user0042", Outcomes: []pdp.Outcome{pdp.Allow, pdp.Error}},
		{Text: "england ac"},
		{Text: "england", User: "user0002@acme.io"},
	} {
		got, err := s.Counts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := m.Counts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || got.Total == 0 {
			t.Errorf("joined below %d: %+v: store counts %+v, memory %+v", joinedCountsMax, f, got, want)
		}
	}
}

// insertSQLv1 is the insert of schema versions 1 and 2, whose columns are
// the first ones encode returns.
var (
	insertSQLv1Cols = strings.Fields(`t target_kind target_name target_url user action resource_type
		resource_key tenant outcome error latency_ns status check_body request response debug trace pinned note`)
	insertSQLv1 = "INSERT INTO decisions (" + strings.Join(insertSQLv1Cols, ", ") + ") VALUES (?" +
		strings.Repeat(", ?", len(insertSQLv1Cols)-1) + ")"
)

// A history written by the first schema opens in this one with its free-text
// index rebuilt around the outcome, losing nothing.
func TestMigrationFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		migrations[0],
		`INSERT INTO schema_version VALUES (1)`,
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 20 {
		e := benchEntry(i, at)
		row := encode(e)[:len(insertSQLv1Cols)]
		res, err := db.Exec(insertSQLv1, row...)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		if _, err := db.Exec(`INSERT INTO decisions_fts (rowid, text) VALUES (?, ?)`, id, e.Text()); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != len(migrations) {
		t.Fatalf("version %d, %v", v, err)
	}
	got, err := s.Counts(ctx, Filter{Text: "england", Outcomes: []pdp.Outcome{pdp.Deny}})
	if err != nil {
		t.Fatal(err)
	}
	// Of entries 0–19, 6, 7, 8, 16, 17 and 18 are denials; 6, 8, 16, 18 are in England.
	if got.Total != 4 || got.Denied != 4 {
		t.Fatalf("counts after migration: %+v", got)
	}
}

// A note is kept with the entry and found by free text, in the store as in
// memory; an empty note removes it.
func TestNotesAreKeptAndSearchable(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, h := range []History{s, NewMemory()} {
		var ids []int64
		for i := range 3 {
			e, err := h.Add(ctx, benchEntry(i, at))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		if err := h.SetNote(ctx, ids[1], "see TICKET-123"); err != nil {
			t.Fatal(err)
		}
		got, err := h.Page(ctx, Query{Filter: Filter{Text: "ticket-123"}, Limit: 10})
		if err != nil || len(got) != 1 || got[0].ID != ids[1] || got[0].Note != "see TICKET-123" {
			t.Fatalf("%T: search for the note: %+v, %v", h, got, err)
		}
		if c, _ := h.Counts(ctx, Filter{Text: "ticket-123"}); c.Total != 1 {
			t.Fatalf("%T: counts %+v", h, c)
		}
		if err := h.SetNote(ctx, ids[1], ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := h.Page(ctx, Query{Filter: Filter{Text: "ticket-123"}, Limit: 10}); len(got) != 0 {
			t.Fatalf("%T: a removed note is still found", h)
		}
		if err := h.SetNote(ctx, 9999, "x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%T: note on a missing entry: %v", h, err)
		}
	}
}

// A paired decision keeps the snapshot's answer and the agreement, and the
// disagreements are a filter of their own, in both histories.
func TestPairedDecisionsKeepBothAnswers(t *testing.T) {
	histories(t, func(t *testing.T, h History) {
		ctx := context.Background()
		paired := func(user string, remote, snap pdp.Outcome) {
			e := entry(user, "read", remote)
			e.Decision.Debug = &pdp.Debug{RBAC: &pdp.Reason{Code: "no_permission"}}
			code := "no_permission"
			if snap == pdp.Allow {
				code = "allow"
			}
			s := pdp.Decision{Outcome: snap, Debug: &pdp.Debug{RBAC: &pdp.Reason{Allow: snap == pdp.Allow, Code: code}}}
			a, ok := pdp.Compare(e.Decision, s)
			if !ok {
				t.Fatal("not comparable")
			}
			e.Decision.Shadow, e.Decision.Agreement = &s, &a
			if _, err := h.Add(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		paired("agrees", pdp.Deny, pdp.Deny)
		paired("differs", pdp.Deny, pdp.Allow)
		if _, err := h.Add(ctx, entry("plain", "read", pdp.Deny)); err != nil {
			t.Fatal(err)
		}
		page, err := h.Page(ctx, Query{Filter: Filter{Disagreed: true}, Limit: 10})
		if err != nil || users(page) != "differs" {
			t.Fatalf("%v: %q", err, users(page))
		}
		d := page[0].Decision
		if d.Shadow == nil || d.Shadow.Outcome != pdp.Allow || d.Agreement == nil || d.Agreement.SameOutcome || d.Shadow.Debug.RBAC.Code != "allow" {
			t.Errorf("read back: shadow %+v agreement %+v", d.Shadow, d.Agreement)
		}
		all, _ := h.Page(ctx, Query{Limit: 10})
		for _, e := range all {
			if (e.Check.User.Key == "plain") != (e.Decision.Agreement == nil) {
				t.Errorf("%s: agreement %+v", e.Check.User.Key, e.Decision.Agreement)
			}
		}
		if n, err := h.Counts(ctx, Filter{Disagreed: true}); err != nil || n.Total != 1 {
			t.Errorf("counts %+v %v", n, err)
		}
	})
}
