package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// The explorer's features beyond one check each live in a sub-model of
// their own, with their keys and state:
//
//   - board (board*.go): many checks at once, over the panes: a matrix
//     (ctrl+g), what a user can do and who can do an action (ctrl+r, tab),
//     a tenant sweep (ctrl+s), the watched checks (W);
//   - compareView (compare.go): two decisions side by side (m, then m on
//     another entry; c for a fresh re-run), and two targets answering the
//     same check (ctrl+l, sidebyside.go);
//   - watcher (watch.go): the watched checks and the policy file they
//     watch.
//
// A feature reads the root's state through an env, starts its own Cmds
// (each answer carries the sequence number or target generation it is
// matched by), and asks the root for anything else with an action.

// env is what a feature may read of the root while it handles a message:
// the current target, the history, the program's context and the time, the
// styles, whether timers run, and the counter that numbers Cmd answers.
type env struct {
	ctx   context.Context
	cur   current
	hist  state.History
	st    Styles
	now   time.Time
	ticks bool
	// spin is the spinner's next tick, nil when timers are off.
	spin tea.Cmd
	// seq is the root's counter of Cmds whose answers are matched by
	// number: take a number with next.
	seq *int
}

// next numbers a Cmd's answer: no two Cmds of a run share a number, so an
// answer is never taken for another's.
func (e env) next() int {
	*e.seq++
	return *e.seq
}

// env is the root's state as features may read it. seq points at m, so
// a Model copied since must not use an env taken before.
func (m *Model) env() env {
	return env{ctx: m.ctx, cur: m.cur, hist: m.opts.History, st: m.styles, now: m.clock.now(), ticks: m.clock.ticks, spin: m.spinTick(), seq: &m.seq}
}

// Actions the views over the panes answer with.
type (
	// closeView closes the board or the compare view.
	closeView struct{}
	// copyCode opens copy as code on e's check.
	copyCode struct{ e state.Entry }
)

// openBoard opens a view of kind on the form's check and starts its Cmd.
// The watched checks need no check in the form.
func (m *Model) openBoard(kind boardKind) tea.Cmd {
	c, ok := m.formCheck()
	if !ok && kind != boardWatch {
		return nil
	}
	m.closeBoard()
	m.board = newBoard(kind, c, m.keys, m.styles.Input, m.watch)
	return m.board.refresh(m.env())
}

// closeBoard closes the board, cancelling what it has in flight.
func (m *Model) closeBoard() {
	if m.board != nil {
		m.board.stop()
	}
	m.board = nil
}

// formCheck is the check in the form, for a view that starts from it; ok
// is false (with the reason in the footer) when the form cannot build one.
func (m *Model) formCheck() (c pdp.Check, ok bool) {
	if c, ok = m.form.check(); !ok {
		m.setStatus("fix "+fieldNames[m.form.firstError()]+" (marked ✗) first: the view starts from the check in the form", true)
	}
	return c, ok
}
