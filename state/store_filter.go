package state

import (
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

// where is the WHERE clause of conds, or "".
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// filterSQL is a Filter as SQL over "decisions d" (joined with
// decisions_fts when match is set).
type filterSQL struct {
	conds []string
	args  []any
	match string
}

func buildWhere(f Filter) filterSQL {
	var w filterSQL
	add := func(cond string, args ...any) {
		w.conds = append(w.conds, cond)
		w.args = append(w.args, args...)
	}
	if len(f.Outcomes) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(f.Outcomes)), ",")
		var args []any
		for _, o := range f.Outcomes {
			args = append(args, int(o))
		}
		col := "d.outcome"
		if f.User != "" || f.Action != "" || f.Resource != "" || f.Tenant != "" || f.Pinned {
			// Unary + keeps SQLite off the outcome index when a more
			// selective one applies: a third of a million rows is "deny",
			// a thousand are one user's.
			col = "+d.outcome"
		}
		add(col+" IN ("+ph+")", args...)
	}
	// user:, action:, resource: and tenant: match a part of the field,
	// whatever its case, as people expect ("user:jane" finds
	// jane@permit.io). The free-text index holds every field too, so a part
	// of three letters or more narrows the search through it first.
	var narrow []string
	field := func(col, part string) {
		part = strings.ToLower(part)
		add("instr(lower("+col+"), ?) > 0", part)
		if len([]rune(part)) >= 3 {
			narrow = append(narrow, part)
		}
	}
	if f.User != "" {
		field("d.user", f.User)
	}
	if f.Action != "" {
		field("d.action", f.Action)
	}
	if f.Resource != "" {
		typ, key, hasKey := strings.Cut(f.Resource, ":")
		if typ != "" {
			field("d.resource_type", typ)
		}
		if hasKey && key != "" {
			field("d.resource_key", key)
		}
	}
	if f.Tenant != "" {
		field("d.tenant", f.Tenant)
	}
	if f.Target != "" {
		add("(d.target_name = ? OR d.target_kind = ? OR d.target_url = ?)", f.Target, f.Target, f.Target)
	}
	if f.Pinned {
		add("d.pinned")
	}
	if f.Disagreed {
		add("d.agreed = 0")
	}
	if !f.Since.IsZero() {
		add("d.t >= ?", f.Since.UnixNano())
	}
	var terms []string
	for _, part := range narrow {
		terms = append(terms, `text : "`+strings.ReplaceAll(part, `"`, `""`)+`"`)
	}
	for _, word := range strings.Fields(strings.ToLower(f.Text)) {
		if len([]rune(word)) >= 3 {
			// A quoted FTS5 string: the trigram tokenizer matches it as a
			// substring, case-insensitively.
			terms = append(terms, `text : "`+strings.ReplaceAll(word, `"`, `""`)+`"`)
		} else {
			// Too short for a trigram: a scan of the stored text, which the
			// other words (if any) have already narrowed.
			add("instr(lower(decisions_fts.text), ?) > 0", word)
			if w.match == "" {
				w.match = "*"
			}
		}
	}
	if len(terms) > 0 {
		w.match = strings.Join(terms, " AND ")
		w.conds = append([]string{"decisions_fts MATCH ?"}, w.conds...)
		w.args = append([]any{w.match}, w.args...)
	}
	return w
}

func containsOutcome(os []pdp.Outcome, o int) bool {
	for _, x := range os {
		if int(x) == o {
			return true
		}
	}
	return false
}
