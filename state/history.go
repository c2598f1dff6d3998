// Package state holds what lasts between and during pdpx runs: the history of
// decisions (and, in later issues, config and saved scenarios).
//
// History is an interface so that the explorer pages through an in-memory
// list (tests, a read-only disk) and a SQLite table of a million rows with
// the same code: the UI only ever asks for the rows it draws.
package state

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// Entry is one decision as history keeps it: the check that was asked, the
// decision that came back and when. It never holds a token: Decision.Request
// is the body sent, and the token travels in a header pdpx never records.
type Entry struct {
	// ID is assigned by History.Add; larger is newer.
	ID       int64
	Time     time.Time
	Check    pdp.Check
	Decision pdp.Decision
	// TargetKind and TargetURL say where the decision came from (the URL
	// never carries credentials); Decision.Target is the target's name.
	TargetKind pdp.Kind
	TargetURL  string
	// Pinned entries are kept by "clear" and shown by the pins-only filter.
	Pinned bool
	// Note is free text a person attached to the entry.
	Note string
}

// Text is the line a free-text filter matches against: outcome word, user,
// action, resource, tenant, target, error, then the JIT attributes and
// context as k=v, then the note. The SQLite store indexes the same text, so
// both implementations filter alike.
func (e Entry) Text() string {
	var b strings.Builder
	b.WriteString(e.Decision.Outcome.Word())
	for _, s := range []string{
		e.Check.User.Key, e.Check.Action, e.Check.Resource.Ref(),
		"@" + e.Check.Resource.Tenant, e.Decision.Target, e.Decision.ErrorText(),
	} {
		if s != "" && s != "@" {
			b.WriteByte(' ')
			b.WriteString(s)
		}
	}
	for _, m := range []map[string]any{e.Check.User.Attributes, e.Check.Resource.Attributes, e.Check.TenantAttributes, e.Check.Context} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b.WriteByte(' ')
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(pdp.FormatValue(m[k]))
		}
	}
	if e.Note != "" {
		b.WriteByte(' ')
		b.WriteString(e.Note)
	}
	return b.String()
}

// Filter selects entries. The zero Filter selects all of them; every field
// that is set must hold.
type Filter struct {
	// Text keeps the entries whose Text contains every word of it,
	// case-insensitively ("deny bob" finds bob's denials).
	Text string
	// Outcomes keeps the entries with one of these outcomes (none: any).
	Outcomes []pdp.Outcome
	// User, Action and Tenant match a part of the field, case-insensitively
	// ("jane" finds jane@permit.io). Resource is a type ("document") or
	// type:key ("document:d1"), each side matched the same way. Target matches the target's kind
	// ("embedded", "pdp", "cloud"), name or URL.
	User, Action, Resource, Tenant, Target string
	// Pinned keeps pinned entries only.
	Pinned bool
	// Disagreed keeps the remote decisions whose snapshot decided otherwise.
	Disagreed bool
	// Since keeps entries at or after this time (zero: all).
	Since time.Time
}

// IsZero reports whether the filter selects everything.
func (f Filter) IsZero() bool {
	return strings.TrimSpace(f.Text) == "" && len(f.Outcomes) == 0 && f.User == "" && f.Action == "" &&
		f.Resource == "" && f.Tenant == "" && f.Target == "" && !f.Pinned && !f.Disagreed && f.Since.IsZero()
}

// Match reports whether e passes the filter.
func (f Filter) Match(e Entry) bool {
	if len(f.Outcomes) > 0 && !slices.Contains(f.Outcomes, e.Decision.Outcome) {
		return false
	}
	c := e.Check
	if !hasPart(c.User.Key, f.User) || !hasPart(c.Action, f.Action) || !hasPart(c.Resource.Tenant, f.Tenant) {
		return false
	}
	if f.Resource != "" {
		typ, key, _ := strings.Cut(f.Resource, ":")
		if !hasPart(c.Resource.Type, typ) || !hasPart(c.Resource.Key, key) {
			return false
		}
	}
	if f.Target != "" && string(e.TargetKind) != f.Target && e.Decision.Target != f.Target && e.TargetURL != f.Target {
		return false
	}
	if f.Disagreed && (e.Decision.Agreement == nil || e.Decision.Agreement.Agrees()) {
		return false
	}
	if f.Pinned && !e.Pinned || !f.Since.IsZero() && e.Time.Before(f.Since) {
		return false
	}
	if strings.TrimSpace(f.Text) == "" {
		return true
	}
	return matchWords(strings.ToLower(e.Text()), strings.Fields(strings.ToLower(f.Text)))
}

// hasPart reports whether part is in field, whatever the case: the field
// filters match a part of the field ("" matches anything).
func hasPart(field, part string) bool {
	return part == "" || strings.Contains(strings.ToLower(field), strings.ToLower(part))
}

func matchWords(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// Query asks for one page of entries, newest first, by keyset: the page
// starts next to Anchor (an entry ID) rather than at a row offset, so that
// reading page 10,000 of a million rows costs what reading page one does.
type Query struct {
	Filter Filter
	// Anchor, when non-zero, is the ID the page starts past: entries older
	// than it, or newer than it when Up is set.
	Anchor int64
	// Up walks from the oldest entry (or from Anchor) toward newer ones.
	// The page is still returned newest first.
	Up bool
	// Skip drops this many entries before the page starts. It costs in
	// proportion to itself, so callers keep it small by choosing an anchor.
	Skip  int
	Limit int
}

// Counts are the totals a history title shows: "37 · 5 denied · 1 error".
type Counts struct {
	Total, Allowed, Denied, Errors int
}

func (c *Counts) add(o pdp.Outcome, n int) {
	c.Total += n
	switch o {
	case pdp.Allow:
		c.Allowed += n
	case pdp.Deny:
		c.Denied += n
	default:
		c.Errors += n
	}
}

// Field names a part of a check whose past values History can list, to
// suggest them while typing a new check against a remote target.
type Field int

// The fields History.Values lists.
const (
	FieldUser Field = iota
	FieldAction
	FieldResourceType
	FieldResourceKey
	FieldTenant
	// The attribute fields list attribute names (not values).
	FieldUserAttr
	FieldResourceAttr
	FieldTenantAttr
	FieldContext
	numFields
)

// ErrNotFound is returned for an ID that is not in the history.
var ErrNotFound = errors.New("no such history entry")

// History is the list of decisions, newest first.
//
// Implementations must be safe for concurrent use: the explorer calls them
// from tea.Cmds, never from its event loop. Page and Counts must cost in
// proportion to the page, not to the size of the history, for an unfiltered
// view and a filter on outcome or user, because a history can hold a
// million rows.
type History interface {
	// Add stores e, assigning its ID (and Time when zero), and returns it.
	Add(ctx context.Context, e Entry) (Entry, error)
	// Page returns the entries q asks for, newest first.
	Page(ctx context.Context, q Query) ([]Entry, error)
	// Counts totals the entries that match f.
	Counts(ctx context.Context, f Filter) (Counts, error)
	// Values lists up to limit distinct past values of field, most recently
	// used first.
	Values(ctx context.Context, field Field, limit int) ([]string, error)
	// Get returns the entry with this ID, or ErrNotFound.
	Get(ctx context.Context, id int64) (Entry, error)
	// SetPinned pins or unpins an entry.
	SetPinned(ctx context.Context, id int64, pinned bool) error
	// SetNote attaches free text to an entry ("" removes it).
	SetNote(ctx context.Context, id int64, note string) error
	// Delete removes an entry.
	Delete(ctx context.Context, id int64) error
	// Clear removes every entry, or every unpinned one when keepPinned, and
	// returns how many it removed.
	Clear(ctx context.Context, keepPinned bool) (int, error)
}

// filterFields are the field:value terms ParseFilter knows.
var filterFields = []string{"user:", "action:", "resource:", "tenant:", "target:"}

// ParseFilter reads a filter line as the explorer's "/" takes it: words of
// free text, and field:value terms for the indexed fields (user:bob
// action:read resource:document:d1 tenant:acme target:pdp). A term names
// one value; the last one of a field wins.
func ParseFilter(line string) Filter {
	var f Filter
	var words []string
	for _, w := range strings.Fields(line) {
		field := ""
		for _, p := range filterFields {
			if len(w) > len(p) && strings.EqualFold(w[:len(p)], p) {
				field = p
				break
			}
		}
		v := strings.TrimPrefix(w, w[:len(field)])
		switch field {
		case "user:":
			f.User = v
		case "action:":
			f.Action = v
		case "resource:":
			f.Resource = v
		case "tenant:":
			f.Tenant = v
		case "target:":
			f.Target = v
		default:
			words = append(words, w)
		}
	}
	f.Text = strings.Join(words, " ")
	return f
}
