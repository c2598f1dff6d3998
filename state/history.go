// Package state holds what lasts between and during pdpx runs: the history of
// decisions (and, in later issues, config and saved scenarios).
//
// History is an interface so that the explorer pages through an in-memory
// list today and a SQLite table tomorrow with the same code: the UI only ever
// asks for the rows it draws.
package state

import (
	"context"
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
}

// Text is the line a filter matches against: outcome word, user, action,
// resource, tenant, target and error. A SQLite store keeps the same text in a
// column so that both implementations filter alike.
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
	return b.String()
}

// Filter selects entries. The zero Filter selects all of them.
type Filter struct {
	// Text keeps the entries whose Text contains every word of it,
	// case-insensitively ("deny bob" finds bob's denials).
	Text string
}

// Match reports whether e passes the filter.
func (f Filter) Match(e Entry) bool {
	if strings.TrimSpace(f.Text) == "" {
		return true
	}
	return matchWords(strings.ToLower(e.Text()), strings.Fields(strings.ToLower(f.Text)))
}

func matchWords(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// Counts are the totals a history title shows: "37 · 5 denied · 1 error".
type Counts struct {
	Total, Allowed, Denied, Errors int
}

func (c *Counts) add(o pdp.Outcome) {
	c.Total++
	switch o {
	case pdp.Allow:
		c.Allowed++
	case pdp.Deny:
		c.Denied++
	default:
		c.Errors++
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

// History is the list of decisions, newest first.
//
// Implementations must be safe for concurrent use: the explorer calls them
// from tea.Cmds, never from its event loop. Page and Counts must cost in
// proportion to limit, not to the size of the history, for an unfiltered
// view, because a history can hold a million rows.
type History interface {
	// Add stores e, assigning its ID (and Time when zero), and returns it.
	Add(ctx context.Context, e Entry) (Entry, error)
	// Page returns at most limit entries that match f, newest first,
	// skipping the first offset of them.
	Page(ctx context.Context, f Filter, offset, limit int) ([]Entry, error)
	// Counts totals the entries that match f.
	Counts(ctx context.Context, f Filter) (Counts, error)
	// Values lists up to limit distinct past values of field, most recently
	// used first.
	Values(ctx context.Context, field Field, limit int) ([]string, error)
}
