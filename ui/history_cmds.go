package ui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/state"
)

// The history's messages: an entry added, a page read (matched by the
// pane's seq), a change made (pin, delete, clear).
type (
	addedMsg struct {
		e   state.Entry
		err error
	}
	pageMsg struct {
		seq, offset, version int
		top                  bool // the page starts at the newest match
		entries              []state.Entry
		counts, all          state.Counts
		emptiedBy            string // see emptiedBy
		err                  error
	}
	changedMsg struct {
		status string
		err    error
	}
)

// addCmd stores e in the history.
func addCmd(h state.History, e state.Entry) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := h.Add(ctx, e)
		return addedMsg{e: out, err: err}
	}
}

// pageCmd loads the history window the pane needs from store, if it needs
// one, for a screen laid out as lay.
func (h *historyPane) pageCmd(store state.History, lay layout) tea.Cmd {
	if lay.w == 0 || (lay.tooSmall && h.loaded) { // no size yet: no idea how many rows to ask for
		return nil
	}
	q, off, ok := h.need()
	if !ok {
		return nil
	}
	key := pageKey{off, q.Limit, q.Skip, q.Anchor, q.Up, h.version}
	if key == h.lastReq {
		return nil // already on its way
	}
	h.lastReq = key
	h.seq++
	seq, version, text := h.seq, h.version, h.filterText()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		msg := pageMsg{seq: seq, offset: off, version: version, top: q.Anchor == 0 && !q.Up && q.Skip == 0}
		if msg.counts, msg.err = store.Counts(ctx, q.Filter); msg.err != nil {
			return msg
		}
		if q.Up && q.Anchor == 0 {
			// From the oldest end: the page's place depends on the count
			// just taken, not the one the request was planned with.
			q.Skip = max(msg.counts.Total-(off+q.Limit), 0)
			q.Limit = max(min(q.Limit, msg.counts.Total-off), 0)
		}
		if msg.entries, msg.err = store.Page(ctx, q); msg.err != nil {
			return msg
		}
		msg.all = msg.counts
		if !q.Filter.IsZero() {
			msg.all, msg.err = store.Counts(ctx, state.Filter{})
		}
		if msg.err == nil && msg.counts.Total == 0 && msg.all.Total > 0 {
			msg.emptiedBy, msg.err = emptiedBy(ctx, store, text, q.Filter)
		}
		return msg
	}
}

// emptiedBy names the part of a filter that matches nothing on its own
// (a term of the filter line text, "deny only", "pins only"), or says that
// each part matches alone but not all together, for a filter f (from the
// line text) under which nothing matches.
func emptiedBy(ctx context.Context, store state.History, text string, f state.Filter) (string, error) {
	type part struct {
		label string
		f     state.Filter
	}
	var parts []part
	for _, w := range strings.Fields(text) {
		parts = append(parts, part{w, state.ParseFilter(w)})
	}
	if len(f.Outcomes) == 1 {
		parts = append(parts, part{f.Outcomes[0].String() + " only", state.Filter{Outcomes: f.Outcomes}})
	}
	if f.Pinned {
		parts = append(parts, part{"pins only", state.Filter{Pinned: true}})
	}
	if len(parts) < 2 {
		return "", nil // the one part is the filter: "Nothing matches" says it
	}
	for _, p := range parts {
		c, err := store.Counts(ctx, p.f)
		if err != nil {
			return "", err
		}
		if c.Total == 0 {
			return "nothing has " + p.label, nil
		}
	}
	return "each part matches alone, not all together", nil
}

// historyCmd runs a change to the history (pin, delete, clear) and reports
// it with a status line; the list reloads when it arrives.
func historyCmd(store state.History, done string, f func(context.Context, state.History) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return changedMsg{status: done, err: f(ctx, store)}
	}
}
