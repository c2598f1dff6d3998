package ui

import (
	"context"
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
	seq, version := h.seq, h.version
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
		return msg
	}
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
