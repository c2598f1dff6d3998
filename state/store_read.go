package state

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/pdpx/pdpx/pdp"
)

// Page implements History.
func (s *Store) Page(ctx context.Context, q Query) ([]Entry, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	w := buildWhere(q.Filter)
	idCol := "d.id"
	from := "decisions d"
	if w.match != "" {
		// The FTS table drives the join: it yields rowids in order, so the
		// first page of a common word does not collect every match first.
		from, idCol = "decisions_fts CROSS JOIN decisions d ON d.id = decisions_fts.rowid", "decisions_fts.rowid"
	}
	conds, args := w.conds, w.args
	dir, cmp := "DESC", "<"
	if q.Up {
		dir, cmp = "ASC", ">"
	}
	if q.Anchor > 0 {
		conds = append(conds, idCol+" "+cmp+" ?")
		args = append(args, q.Anchor)
	}
	query := "SELECT " + entryCols + " FROM " + from + where(conds) + " ORDER BY " + idCol + " " + dir + " LIMIT ? OFFSET ?"
	args = append(args, q.Limit, max(q.Skip, 0))
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out, err := scanEntries(rows)
	if err != nil {
		return nil, err
	}
	if q.Up {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// Counts implements History.
func (s *Store) Counts(ctx context.Context, f Filter) (Counts, error) {
	var c Counts
	only := f
	only.Outcomes = nil
	var rows *sql.Rows
	var err error
	textOnly := only
	textOnly.Text = ""
	w := buildWhere(f)
	switch {
	case only.IsZero():
		// Unfiltered, or by outcome only: the totals table, not a scan.
		rows, err = s.db.QueryContext(ctx, `SELECT outcome, n FROM totals`)
	case textOnly.IsZero() && w.match != "" && w.match != "*" && len(w.conds) == 1+min(len(f.Outcomes), 1):
		// Free text (and outcomes) only: counted in the index, per outcome.
		return s.textCounts(ctx, w.match, f.Outcomes)
	default:
		from := "decisions d"
		if w.match != "" {
			from = "decisions_fts CROSS JOIN decisions d ON d.id = decisions_fts.rowid"
		}
		rows, err = s.db.QueryContext(ctx, "SELECT d.outcome, count(*) FROM "+from+where(w.conds)+" GROUP BY d.outcome", w.args...)
	}
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var o, n int
		if err := rows.Scan(&o, &n); err != nil {
			return c, err
		}
		if only.IsZero() && len(f.Outcomes) > 0 && !containsOutcome(f.Outcomes, o) {
			continue
		}
		c.add(outcomeOf(o), n)
	}
	return c, rows.Err()
}

// textCounts counts the matches of a free-text query per outcome. The total
// comes from the index alone; a few thousand matches are then grouped by
// joining their rows, and more are split by the index's outcome column,
// which costs two more index counts but no row reads.
func (s *Store) textCounts(ctx context.Context, match string, outcomes []pdp.Outcome) (Counts, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM decisions_fts WHERE decisions_fts MATCH ?`, match).Scan(&total); err != nil {
		return Counts{}, err
	}
	per := map[pdp.Outcome]int{}
	if total <= joinedCountsMax {
		rows, err := s.db.QueryContext(ctx, `SELECT d.outcome, count(*) FROM decisions_fts CROSS JOIN decisions d ON d.id = decisions_fts.rowid
			WHERE decisions_fts MATCH ? GROUP BY d.outcome`, match)
		if err != nil {
			return Counts{}, err
		}
		defer rows.Close()
		for rows.Next() {
			var o, n int
			if err := rows.Scan(&o, &n); err != nil {
				return Counts{}, err
			}
			per[outcomeOf(o)] += n
		}
		if err := rows.Err(); err != nil {
			return Counts{}, err
		}
	} else {
		var denied, errs int
		for _, q := range []struct {
			match string
			n     *int
		}{
			{match + ` AND outcome : "deny"`, &denied},
			{match + ` AND outcome : "error"`, &errs},
		} {
			if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM decisions_fts WHERE decisions_fts MATCH ?`, q.match).Scan(q.n); err != nil {
				return Counts{}, err
			}
		}
		per[pdp.Allow], per[pdp.Deny], per[pdp.Error] = total-denied-errs, denied, errs
	}
	var c Counts
	for o, n := range per {
		if len(outcomes) == 0 || slices.Contains(outcomes, o) {
			c.add(o, n)
		}
	}
	return c, nil
}

// joinedCountsMax is where joining matches to their rows stops being
// cheaper than two more index counts (measured at a million rows: a
// thousand matches join in a few milliseconds, half a million in 400).
var joinedCountsMax = 5000 // a var so that tests can take both paths

// valuesWindow is how many recent decisions suggestions come from: enough
// for every value a person is likely to want again, few enough that the
// list is ready while they type, whatever the size of the history.
const valuesWindow = 5000

// Values implements History.
func (s *Store) Values(ctx context.Context, field Field, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT check_body FROM decisions ORDER BY id DESC LIMIT ?`, valuesWindow)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	seen := map[string]bool{}
	for rows.Next() && (limit <= 0 || len(out) < limit) {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		c, err := decodeCheck([]byte(body))
		if err != nil {
			continue
		}
		for _, v := range fieldValues(c, field) {
			if !seen[v] && (limit <= 0 || len(out) < limit) {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out, rows.Err()
}

// Get implements History.
func (s *Store) Get(ctx context.Context, id int64) (Entry, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+entryCols+" FROM decisions d WHERE d.id = ?", id)
	if err != nil {
		return Entry{}, err
	}
	out, err := scanEntries(rows)
	if err != nil {
		return Entry{}, err
	}
	if len(out) == 0 {
		return Entry{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	return out[0], nil
}
