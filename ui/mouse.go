package ui

import tea "charm.land/bubbletea/v2"

// handleClick focuses what was clicked: a form field, a history row, the
// decision pane. Clicks outside an open dialog close the help overlay only;
// the switcher and the warning want an explicit answer.
func (m *Model) handleClick(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft || m.lay.tooSmall {
		return nil
	}
	if m.dialog != nil {
		return m.do(m.dialog.update(tea.MouseClickMsg(ms)))
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

// handleWheel scrolls the pane under the pointer, whatever has the focus.
func (m *Model) handleWheel(ms tea.Mouse) {
	if m.dialog != nil || m.lay.tooSmall {
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
	case m.lay.decision.contains(ms.X, ms.Y):
		if d < 0 {
			m.dec.vp.ScrollUp(-d)
		} else {
			m.dec.vp.ScrollDown(d)
		}
	}
}
