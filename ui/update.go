package ui

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// Update routes a message, then brings what is derived from the state up
// to date (sync):
//
//   - the terminal's size and background go to the layout and the styles;
//   - a key, a paste or a click goes to the open dialog, else to the view
//     over the panes, else to the focused pane (input.go);
//   - the answer of a Cmd goes to the part that started it, which matches
//     it by its sequence number or target generation, so that a late
//     answer (a cancelled check, an old history page, a previous target's
//     health) never overwrites newer state;
//   - anything else (an input's cursor blink, the answer to a Cmd a dialog
//     started) goes to the open dialog.
//
// A part answers with an action, which the root carries out (do).
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	// The terminal.
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		m.setDark(msg.IsDark())

	// Input (input.go).
	case tea.KeyPressMsg:
		cmd = m.key(msg)
		if m.zoom && m.focus != focusDecision {
			// A key that moved to a pane (i, tab, e in the history) brings
			// the panes back, with the focus where the key put it.
			m.zoom = false
			m.resize(m.lay.w, m.lay.h)
		}
	case tea.PasteMsg:
		cmd = m.paste(msg)
	case tea.MouseClickMsg:
		cmd = m.click(msg.Mouse())
	case tea.MouseWheelMsg:
		m.wheel(msg.Mouse())

	// The check in flight (flight.go, sidebyside.go).
	case decisionMsg:
		cmd = m.onDecision(msg)
	case sideMsg:
		cmd = m.onSide(msg)
	case spinner.TickMsg:
		if m.flight != nil || m.board != nil && m.board.busy {
			m.spin, cmd = m.spin.Update(msg)
		}

	// The target (target.go).
	case switchedMsg:
		cmd = m.onSwitched(msg)
	case healthMsg:
		m.cur.healthy(msg)
	case healthTickMsg:
		if msg.gen == m.cur.gen {
			cmd = m.probe()
		}
	case profilesMsg:
		m.sw.setProfiles(msg.p, m.clock.now(), m.staleAfter())

	// The history (history*.go).
	case pageMsg:
		if m.list.onPage(msg) && m.dialog != nil {
			cmd = m.do(m.dialog.update(msg)) // a count the dialog shows
		}
	case addedMsg:
		if msg.err != nil {
			m.setStatus("history: "+msg.err.Error(), true)
			break
		}
		m.dec.stored(msg.e)
		m.list.version++
	case changedMsg:
		if msg.err != nil {
			m.setStatus("history: "+msg.err.Error(), true)
		} else {
			m.setStatus(msg.status, false)
		}
		m.list.version++
	case notedMsg:
		cmd = m.onNoted(msg)
	case pinsMsg:
		cmd = m.onPins(msg)

	// The form and the decision pane.
	case valuesMsg:
		if msg.gen == m.cur.gen {
			m.form.setCandidates(msg.field, msg.values)
		}
	case editorReadyMsg:
		cmd = m.do(execEditor(msg))
	case editorMsg:
		cmd = m.do(m.form.edited(msg))
	case explainedMsg:
		m.dec.explained(msg)

	// Features (features.go).
	case matrixBuiltMsg, matrixChunkMsg, boardRowsMsg:
		if m.board != nil {
			cmd = m.do(m.board.update(msg, m.env()))
		}
	case watchTickMsg, policyChangedMsg, watchResultMsg:
		cmd = m.do(m.watch.update(msg, m.env()))
		if m.board != nil { // the watch list shows the new answers
			cmd = tea.Batch(cmd, m.do(m.board.update(msg, m.env())))
		}

	default:
		if m.dialog != nil {
			cmd = m.do(m.dialog.update(msg))
		}
	}
	return m, tea.Batch(cmd, m.sync())
}

// sync brings derived state up to date after any message: the history
// window, the selection shown in the decision pane, the decision's
// explanation and content.
func (m *Model) sync() tea.Cmd {
	cmd := m.list.pageCmd(m.opts.History, m.lay)
	if m.list.follow {
		if e, ok := m.list.selected(); ok {
			m.dec.show(e)
			m.list.follow = false
		}
	}
	xcmd := m.dec.explainCmd(m.cur.engineFor, m.cur.pairedFor, m.clock.now())
	m.dec.refresh(m.styles)
	return tea.Batch(cmd, xcmd)
}

// resize lays the panes out for a w×h screen, and tells the open dialog.
func (m *Model) resize(w, h int) {
	m.lay = computeLayout(w, h)
	if m.lay.tooSmall {
		return
	}
	fw, _ := innerSize(m.lay.form, m.lay.wide)
	m.form.setWidth(fw)
	hw, hh := innerSize(m.lay.history, m.lay.wide)
	m.list.setSize(hw, hh)
	dw, dh := innerSize(m.lay.decision, m.lay.wide)
	if m.zoom {
		dw, dh = innerSize(m.zoomRect(), false)
	}
	m.dec.setSize(dw, dh)
	if m.dialog != nil {
		m.dialog.update(tea.WindowSizeMsg{Width: w, Height: h})
	}
}
