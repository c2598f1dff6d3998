package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// Messages from Cmds. Each carries what it needs to be matched against the
// model's current state (a sequence number or target generation).
type (
	decisionMsg struct {
		seq   int
		check pdp.Check
		d     pdp.Decision
	}
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
	valuesMsg struct {
		gen    int
		field  field
		values []suggestion
	}
	switchedMsg struct {
		target pdp.Target
		err    error
		// rerun is the check to send on the new target, and status what
		// to say then: a target rebuilt with a longer timeout.
		rerun  *pdp.Check
		status string
		// side is the check to send to the current target and this one
		// side by side (ctrl+l); the current target stays.
		side *pdp.Check
		// profile is the config profile the target was built from.
		profile *Profile
	}
)

func contextWithCancel(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return context.WithCancel(parent)
}

// checkCmd asks the target. The target owns its timeout; ctx is for esc.
func checkCmd(ctx context.Context, t pdp.Target, name string, seq int, c pdp.Check) tea.Cmd {
	return func() tea.Msg {
		d := t.Check(ctx, c)
		if d.Target == "" {
			d.Target = name
		}
		if d.Outcome == pdp.Error && d.Err == nil {
			d.Err = errNoReason
		}
		return decisionMsg{seq: seq, check: c, d: d}
	}
}

var errNoReason = errorString("the target returned an error without a message")

type errorString string

func (e errorString) Error() string { return string(e) }

func addCmd(h state.History, e state.Entry) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := h.Add(ctx, e)
		return addedMsg{e: out, err: err}
	}
}

// pageCmd loads the history window the pane needs, if it needs one.
func (m *Model) pageCmd() tea.Cmd {
	h := &m.list
	if m.width == 0 || (m.lay.tooSmall && h.loaded) { // no size yet: no idea how many rows to ask for
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
	seq, version, store := h.seq, h.version, m.hist
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

func (m *Model) spinTick() tea.Cmd {
	if !m.ticks {
		return nil
	}
	return m.spin.Tick
}

// candidatesCmd refreshes the focused field's suggestions: from the policy
// for an embedded target (in memory, so at once), from past checks in the
// history for a remote one (in a Cmd, as the history may be on disk).
func (m *Model) candidatesCmd() tea.Cmd {
	f := m.form.focus
	if m.cur.pol != nil {
		typ, _ := m.form.resource()
		m.form.setCandidates(f, policyCandidates(m.cur.pol, f, typ))
		return nil
	}
	store, gen := m.hist, m.cur.gen
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		vs, err := store.Values(ctx, f.historyField(), 200)
		if err != nil {
			return nil
		}
		out := make([]suggestion, len(vs))
		for i, v := range vs {
			out[i] = suggestion{value: v, note: "used before"}
		}
		return valuesMsg{gen: gen, field: f, values: out}
	}
}
