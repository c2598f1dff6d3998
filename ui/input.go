package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// key routes a key press. ctrl+c quits from anywhere. The open dialog has
// every other key; then a view over the panes (a board, compare) has them,
// but for the export; then come the keys that work everywhere, esc to
// cancel a check in flight, the keys of the panes that are not text
// fields, and last the focused pane's own keys.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Quit) {
		m.cancelFlight()
		return tea.Quit
	}
	m.setStatus("", false)
	if m.dialog != nil {
		return m.do(m.dialog.update(msg))
	}
	// The export is global: it reads the pins, whatever is on screen.
	if key.Matches(msg, k.Export) {
		return m.startExport()
	}
	if m.board != nil {
		return m.do(m.board.update(msg, m.env()))
	}
	if m.cmp != nil {
		return m.do(m.cmp.update(msg))
	}
	switch {
	case key.Matches(msg, k.Matrix):
		return m.openBoard(boardMatrix)
	case key.Matches(msg, k.Perms):
		return m.openBoard(boardPerms)
	case key.Matches(msg, k.Sweep):
		return m.openBoard(boardSweep)
	case key.Matches(msg, k.Side):
		return m.openSideBySide()
	case key.Matches(msg, k.CopyAlt):
		return m.do(m.dec.copy())
	}
	// The explanation's keys: flips by number, actions by letter. They
	// come before the focused pane's keys, which never use them (see
	// decisionPane.step for where the plain forms work).
	if a, ok := m.dec.step(msg, m.focus); ok {
		return m.do(a)
	}
	switch {
	case key.Matches(msg, k.Help):
		return m.openDialog(newHelp(k, m.focus, m.opts.Version, m.styles))
	case key.Matches(msg, k.Target):
		return m.openSwitcher("")
	case key.Matches(msg, k.Raw):
		m.dec.toggleRaw()
		return nil
	case key.Matches(msg, k.DecUp):
		m.dec.vp.PageUp()
		return nil
	case key.Matches(msg, k.DecDown):
		m.dec.vp.PageDown()
		return nil
	case key.Matches(msg, k.Zoom):
		return m.setZoom(!m.zoom)
	}
	// Zoomed, esc comes back rather than leave for a pane not on screen.
	if m.zoom && m.flight == nil && key.Matches(msg, k.Back) {
		return m.setZoom(false)
	}
	// esc cancels a check in flight from anywhere, before it means anything else.
	if m.flight != nil && key.Matches(msg, k.Cancel) && !(m.focus == focusForm && m.form.popup) {
		m.setStatus("cancelled: "+m.flight.check.String(), false)
		m.cancelFlight()
		return nil
	}
	if m.focus != focusForm && m.focus != focusFilter {
		switch {
		case key.Matches(msg, k.QuitQ):
			m.cancelFlight()
			return tea.Quit
		case key.Matches(msg, k.HelpQ):
			return m.openDialog(newHelp(k, m.focus, m.opts.Version, m.styles))
		case key.Matches(msg, k.FocusForm):
			return m.setFocus(focusForm)
		case key.Matches(msg, k.Copy):
			// Dialogs come first, so y in the role note still copies the
			// note; here it is the shown check as code.
			return m.do(m.dec.copy())
		}
	}
	switch m.focus {
	case focusHistory, focusFilter:
		return m.do(m.list.update(msg, k))
	case focusDecision:
		return m.do(m.dec.update(msg, k))
	default:
		return m.do(m.form.update(msg, k))
	}
}

// paste goes where typed text would: the open dialog, else the form or
// the history's filter when they have the focus.
func (m *Model) paste(msg tea.PasteMsg) tea.Cmd {
	switch {
	case m.dialog != nil:
		return m.do(m.dialog.update(msg))
	case m.focus == focusForm:
		return m.do(m.form.update(msg, m.keys))
	case m.focus == focusFilter:
		return m.list.paste(msg)
	}
	return nil
}

// focusOn gives the focus to another pane.
type focusOn struct{ f focus }

// setFocus gives the focus to pane f.
func (m *Model) setFocus(f focus) tea.Cmd {
	if m.focus == focusForm && f != focusForm {
		m.form.blur()
		m.form.popup = false
	}
	if m.focus == focusFilter && f != focusFilter {
		m.list.stopFiltering()
	}
	m.focus = f
	switch f {
	case focusForm:
		return tea.Batch(m.form.refocus(), m.candidatesCmd())
	case focusFilter:
		return m.list.startFiltering()
	}
	return nil
}

// setZoom gives the decision the whole body, with the keyboard, or gives
// the panes and the focus back.
func (m *Model) setZoom(on bool) tea.Cmd {
	if on == m.zoom {
		return nil
	}
	var cmd tea.Cmd
	if on {
		m.zoomFrom = m.focus
		cmd = m.setFocus(focusDecision)
	}
	m.zoom = on
	if !on {
		cmd = m.setFocus(m.zoomFrom)
	}
	if m.lay.w > 0 {
		m.resize(m.lay.w, m.lay.h)
	}
	return cmd
}

// focusField focuses field i of the form, with its suggestions.
func (m *Model) focusField(i field) tea.Cmd {
	c := m.form.focusField(i)
	return tea.Batch(c, m.candidatesCmd())
}

// click focuses what was clicked: a form field, a history row, the
// decision pane. A click goes to an open dialog instead (the help closes;
// the others want an explicit answer).
func (m *Model) click(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft || m.lay.tooSmall {
		return nil
	}
	if m.dialog != nil {
		return m.do(m.dialog.update(tea.MouseClickMsg(ms)))
	}
	if m.zoom {
		return nil // only the decision is on screen, and it has the focus
	}
	l := m.lay
	switch {
	case l.form.contains(ms.X, ms.Y):
		_, by := bodyOrigin(l.form, l.wide)
		row := ms.Y - by
		var cmds []tea.Cmd
		if m.focus != focusForm {
			cmds = append(cmds, m.setFocus(focusForm))
		}
		if row >= 0 && row < int(numFields) && field(row) != m.form.focus {
			cmds = append(cmds, m.focusField(field(row)))
		}
		return tea.Batch(cmds...)
	case l.history.contains(ms.X, ms.Y):
		_, by := bodyOrigin(l.history, l.wide)
		row := ms.Y - by
		if m.list.showFilter() {
			if row == 0 {
				return m.setFocus(focusFilter)
			}
			row--
		}
		cmd := m.setFocus(focusHistory)
		if i := m.list.top + row; row >= 0 && i < m.list.counts.Total {
			m.list.cursor = i
			m.list.follow = true
			m.list.clamp()
		}
		return cmd
	case l.decision.contains(ms.X, ms.Y):
		return m.setFocus(focusDecision)
	}
	return nil
}

// wheel scrolls the open dialog, else the pane under the pointer,
// whatever has the focus.
func (m *Model) wheel(ms tea.Mouse) {
	if m.lay.tooSmall {
		return
	}
	if m.dialog != nil {
		// A dialog that scrolls (the help) takes the wheel; the panes
		// under it stay where they are.
		m.dialog.update(tea.MouseWheelMsg(ms))
		return
	}
	d := 0
	switch ms.Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	default:
		return
	}
	switch {
	case m.lay.history.contains(ms.X, ms.Y):
		m.list.scroll(d)
	case m.zoom || m.lay.decision.contains(ms.X, ms.Y):
		if d < 0 {
			m.dec.vp.ScrollUp(-d)
		} else {
			m.dec.vp.ScrollDown(d)
		}
	}
}
