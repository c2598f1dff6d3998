package ui

import (
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/state"
)

// An action is what a sub-model asks of the root after a message: anything
// beyond its own state, such as closing the dialog, sending a check or
// clearing the history. The sub-model changes only itself; the root carries
// the action out in do. A tea.Cmd is an action too: run it. Each action
// type is declared next to the sub-model that answers with it.
type action any

// do carries out a; nil does nothing.
func (m *Model) do(a action) tea.Cmd {
	switch a := a.(type) {
	case nil:
	case tea.Cmd:
		return a
	case func() tea.Msg: // a Cmd written as a literal
		return a
	case say:
		m.setStatus(a.status, a.bad)
		return a.cmd
	case closeDialog:
		m.dialog = nil
		if a.status != "" {
			m.setStatus(a.status, a.bad)
		}
		return a.then
	case showDialog:
		if a.status != "" {
			m.setStatus(a.status, false)
		}
		return m.openDialog(a.d)
	case showSwitcher:
		m.sw.open(a.info, m.cur.profile, a.note)
		if a.at != atDefault {
			m.sw.focusAt(a.at)
		}
		return tea.Batch(m.openDialog(m.sw), m.sw.focusCmd())
	case takeStep:
		return m.takeAction(a.a, a.what)
	case startCheck:
		m.dialog = nil
		m.abacOK = m.abacOK || a.dontAsk
		return m.start(a.check, a.compare)
	case clearHistory:
		m.dialog = nil
		m.list.startOver()
		return clearCmd(m.opts.History, a.keep)

	// The panes'.
	case focusOn:
		return m.setFocus(a.f)
	case sendForm:
		return m.send()
	case fieldChanged:
		return tea.Batch(a.cmd, m.candidatesCmd())
	case changeHistory:
		return historyCmd(m.opts.History, a.done, a.f)
	case compareEntries:
		m.cmp = newCompare(m.keys, a.a, a.b, "", "")
		m.setStatus("", false)
	case rerun:
		var compare *state.Entry
		if a.compare {
			compare = &a.e
		}
		return m.sendCheck(a.e.Check, compare)
	case editInForm:
		m.closeBoard()
		m.form.load(a.check)
		if a.shown != nil {
			m.dec.show(*a.shown)
			m.dec.dirty = true
		}
		m.setStatus(a.status, false)
		return tea.Batch(m.setFocus(focusForm), m.focusField(fUser))
	case askClear:
		return m.openDialog(&clearDialog{keys: m.keys, total: m.list.all.Total})
	case annotate:
		d, focus := newAnnotateDialog(m.keys, m.styles.Input, m.opts.History, a.e)
		return tea.Batch(m.openDialog(d), focus)
	case watch:
		return m.do(m.watch.toggle(a.e, m.env()))
	case listWatched:
		if len(m.watch.watches) == 0 {
			m.setStatus("no watched checks: w on a history entry watches it", false)
			return nil
		}
		return m.openBoard(boardWatch)

	// The features'.
	case closeView:
		m.closeBoard()
		m.cmp = nil
	case copyCode:
		return m.openDialog(newCodeDialog(m.keys, a.e, m.cur.info))
	case policyChanged:
		m.setTarget(a.target)
		m.setStatus("policy reloaded: "+oneLine(m.cur.info.Name)+" · re-running "+itoa(len(m.watch.watches))+" watched", false)
		return tea.Batch(m.candidatesCmd(), m.watch.rerun(m.env()))
	}
	return nil
}
