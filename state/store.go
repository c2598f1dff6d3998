package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"modernc.org/sqlite"

	sqlite3 "modernc.org/sqlite/lib"
)

// Store is a History in a SQLite file (modernc.org/sqlite, pure Go).
//
// The file is in WAL mode, so readers never wait for the writer and two pdpx
// processes can append at once (busy_timeout makes the second writer wait
// for the first rather than fail). Adds go through one writer goroutine that
// commits whatever has queued up in a single transaction: a burst of
// decisions costs one commit, not one each.
type Store struct {
	db   *sql.DB
	path string

	adds chan addReq
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

var _ History = (*Store)(nil)

// ErrNewerSchema is returned when the file was written by a newer pdpx.
var ErrNewerSchema = errors.New("the history file is newer than this pdpx")

// maxBatch bounds one transaction, so that a flood of adds still commits
// (and answers its callers) every few milliseconds.
const maxBatch = 2000

type addReq struct {
	entries []Entry
	done    chan addRes
}

type addRes struct {
	entries []Entry
	err     error
}

// Open opens (creating it and its directory if needed) the history at path
// and brings its schema up to date. It checks that the file can be written,
// so that a read-only location is found here and not at the first decision.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// _txlock=immediate: every transaction takes the write lock when it
	// begins, so two writers queue on busy_timeout instead of deadlocking
	// on a read lock they both try to upgrade.
	//
	// WAL mode is not among the connection's pragmas: it is set once the
	// file is known to be pdpx's (see claim), because it is a change to the
	// file that outlives the connection, and another program's database is
	// left exactly as it is. It lasts in the file, so later connections
	// find it there.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// A few connections: the writer and the explorer's page and count reads.
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	err = claim(ctx, db)
	if err == nil {
		_, err = db.ExecContext(ctx, `PRAGMA journal_mode = WAL`)
	}
	if err == nil {
		err = migrate(ctx, db)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, path: path, adds: make(chan addReq, 64), stop: make(chan struct{})}
	s.wg.Add(1)
	go s.writer()
	return s, nil
}

// Path is the file the store is in.
func (s *Store) Path() string { return s.path }

// Close waits for queued adds to commit and closes the file.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
	return s.db.Close()
}

// Add implements History. It returns once e is committed.
func (s *Store) Add(ctx context.Context, e Entry) (Entry, error) {
	out, err := s.AddBatch(ctx, []Entry{e})
	if err != nil {
		return e, err
	}
	return out[0], nil
}

// AddBatch stores entries in one transaction and returns them with their IDs.
func (s *Store) AddBatch(ctx context.Context, entries []Entry) ([]Entry, error) {
	req := addReq{entries: entries, done: make(chan addRes, 1)}
	select {
	case s.adds <- req:
	case <-s.stop:
		return nil, errors.New("history is closed")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-req.done:
		return r.entries, r.err
	case <-ctx.Done():
		// The entries will still be committed; the caller stops waiting.
		return nil, ctx.Err()
	}
}

// writer commits adds. It takes the first request waiting, then every other
// one already queued (up to maxBatch entries), and commits them together.
func (s *Store) writer() {
	defer s.wg.Done()
	for {
		var batch []addReq
		select {
		case r := <-s.adds:
			batch = append(batch, r)
		case <-s.stop:
			// Drain what was queued before Close.
			for {
				select {
				case r := <-s.adds:
					s.commit([]addReq{r})
				default:
					return
				}
			}
		}
		n := len(batch[0].entries)
	more:
		for n < maxBatch {
			select {
			case r := <-s.adds:
				batch = append(batch, r)
				n += len(r.entries)
			default:
				break more
			}
		}
		s.commit(batch)
	}
}

func (s *Store) commit(batch []addReq) {
	out, err := s.insert(batch)
	for i, r := range batch {
		if err != nil {
			r.done <- addRes{err: err}
			continue
		}
		r.done <- addRes{entries: out[i]}
	}
}

const insertSQL = `INSERT INTO decisions (t, target_kind, target_name, target_url, user, action,
	resource_type, resource_key, tenant, outcome, error, latency_ns, status, check_body, request,
	response, debug, trace, pinned, note, error_kind, retry_ns, response_size, shadow, agreed)
	VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

func (s *Store) insert(batch []addReq) ([][]Entry, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, insertSQL)
	if err != nil {
		return nil, err
	}
	defer ins.Close()
	fts, err := tx.PrepareContext(ctx, `INSERT INTO decisions_fts (rowid, text, outcome) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer fts.Close()
	var added [3]int
	out := make([][]Entry, len(batch))
	for i, r := range batch {
		out[i] = make([]Entry, len(r.entries))
		for j, e := range r.entries {
			if e.Time.IsZero() {
				e.Time = time.Now()
			}
			e = bounded(e)
			row := encode(e)
			res, err := ins.ExecContext(ctx, row...)
			if err != nil {
				return nil, err
			}
			if e.ID, err = res.LastInsertId(); err != nil {
				return nil, err
			}
			if _, err := fts.ExecContext(ctx, e.ID, e.Text(), e.Decision.Outcome.String()); err != nil {
				return nil, err
			}
			added[outcomeIndex(e.Decision.Outcome)]++
			out[i][j] = e
		}
	}
	for o, n := range added {
		if n > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE totals SET n = n + ? WHERE outcome = ?`, n, o); err != nil {
				return nil, err
			}
		}
	}
	return out, tx.Commit()
}

// SetPinned implements History.
func (s *Store) SetPinned(ctx context.Context, id int64, pinned bool) error {
	return s.exec1(ctx, id, `UPDATE decisions SET pinned = ? WHERE id = ?`, pinned, id)
}

// SetNote implements History. The free-text index is rewritten with the
// entry, so that a search finds the note.
func (s *Store) SetNote(ctx context.Context, id int64, note string) error {
	e, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	e.Note = note
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE decisions SET note = ? WHERE id = ?`, note, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE decisions_fts SET text = ? WHERE rowid = ?`, e.Text(), id); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) exec1(ctx context.Context, id int64, query string, args ...any) error {
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	return nil
}

// Delete implements History.
func (s *Store) Delete(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var o int
	if err := tx.QueryRowContext(ctx, `DELETE FROM decisions WHERE id = ? RETURNING outcome`, id).Scan(&o); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %d", ErrNotFound, id)
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM decisions_fts WHERE rowid = ?`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE totals SET n = n - 1 WHERE outcome = ?`, o); err != nil {
		return err
	}
	return tx.Commit()
}

// Clear implements History.
func (s *Store) Clear(ctx context.Context, keepPinned bool) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var stmts []string
	if keepPinned {
		stmts = []string{
			`DELETE FROM decisions_fts WHERE rowid IN (SELECT id FROM decisions WHERE NOT pinned)`,
			`DELETE FROM decisions WHERE NOT pinned`,
		}
	} else {
		// Unconditional deletes: SQLite truncates instead of deleting row by row.
		stmts = []string{`DELETE FROM decisions`, `INSERT INTO decisions_fts (decisions_fts) VALUES ('delete-all')`}
	}
	var before int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM totals`).Scan(&before); err != nil {
		return 0, err
	}
	stmts = append(stmts, `UPDATE totals SET n = (SELECT count(*) FROM decisions WHERE decisions.outcome = totals.outcome)`)
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	var after int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM totals`).Scan(&after); err != nil {
		return 0, err
	}
	return before - after, tx.Commit()
}

// dbError classifies an error from opening the file.
func dbCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// IsCorrupt reports whether err means the file is not a usable SQLite
// database: not one at all, or damaged.
func IsCorrupt(err error) bool {
	c := dbCode(err)
	return c == sqlite3.SQLITE_NOTADB || c == sqlite3.SQLITE_CORRUPT
}

// IsReadOnly reports whether err means the history cannot be written there.
func IsReadOnly(err error) bool {
	c := dbCode(err)
	return c == sqlite3.SQLITE_READONLY || c == sqlite3.SQLITE_CANTOPEN || c == sqlite3.SQLITE_PERM ||
		errors.Is(err, os.ErrPermission) || isROFS(err)
}
