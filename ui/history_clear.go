package ui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/state"
)

// clearView asks before the history is cleared: it cannot be undone.
func (m Model) clearView(w int) string {
	s := m.styles
	n := m.list.all.Total
	msg := "Clear " + itoa(n) + " decision"
	if n != 1 {
		msg += "s"
	}
	msg += " from the history? This cannot be undone."
	lines := []string{s.Warn.Bold(true).Render("⚠ Clear the history"), ""}
	lines = append(lines, wrap(msg, w-6, "")...)
	lines = append(lines, "",
		s.Key.Render("enter")+s.Dim.Render(" clear, keep pinned · ")+s.Key.Render("a")+s.Dim.Render(" clear all, pins too · ")+
			s.Key.Render("esc")+s.Dim.Render(" keep everything"))
	return s.Dialog.BorderForeground(s.Warn.GetForeground()).Render(strings.Join(lines, "\n"))
}

func (m *Model) clearKey(msg tea.KeyPressMsg) tea.Cmd {
	keep := true
	switch {
	case key.Matches(msg, m.keys.DialogOK):
	case msg.String() == "a":
		keep = false
	case key.Matches(msg, m.keys.DialogCancel):
		m.dialog = dialogNone
		m.setStatus("nothing cleared", false)
		return nil
	default:
		return nil
	}
	m.dialog = dialogNone
	m.list.mark = state.Entry{}
	m.list.cursor, m.list.top = 0, 0
	store := m.hist
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		n, err := store.Clear(ctx, keep)
		status := "cleared " + itoa(n) + " decision" + plural(n)
		if keep {
			status += "; pinned ones kept"
		}
		return changedMsg{status: status, err: err}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
