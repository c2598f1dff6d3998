package ui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/state"
)

// clearDialog asks before the history is cleared: it cannot be undone.
type clearDialog struct {
	keys keyMap
	// total counts the decisions in the history. The root passes on every
	// page of the history it reads, so the count stays true while the
	// dialog is open (a check in flight may land meanwhile).
	total int
}

// clearHistory clears the history, the pinned entries too unless keep.
type clearHistory struct{ keep bool }

func (d *clearDialog) update(msg tea.Msg) action {
	if p, ok := msg.(pageMsg); ok {
		d.total = p.all.Total
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case key.Matches(k, d.keys.DialogOK):
		return clearHistory{keep: true}
	case k.String() == "a":
		return clearHistory{keep: false}
	case key.Matches(k, d.keys.DialogCancel):
		return closeDialog{status: "nothing cleared"}
	}
	return nil
}

func (d *clearDialog) view(s Styles, sw, _ int) string {
	w := dialogWidth(sw)
	n := d.total
	msg := "Clear " + itoa(n) + " decision"
	if n != 1 {
		msg += "s"
	}
	msg += " from the history? This cannot be undone."
	return warnView(s, "Clear the history", msg, w, [3][2]string{
		{"enter", "clear, keep pinned"}, {"a", "clear all, pins too"}, {"esc", "keep everything"}})
}

// warnView draws a dialog that warns before something happens: a title,
// what will happen, and its three answers (key and what it does), in the
// warning colour.
func warnView(s Styles, title, msg string, w int, answers [3][2]string) string {
	lines := []string{s.Warn.Bold(true).Render("⚠ " + title), ""}
	lines = append(lines, wrap(msg, w-6, "")...)
	foot := ""
	for i, a := range answers {
		sep := " · "
		if i == len(answers)-1 {
			sep = ""
		}
		foot += s.Key.Render(a[0]) + s.Dim.Render(" "+a[1]+sep)
	}
	lines = append(lines, "", foot)
	return s.Dialog.BorderForeground(s.Warn.GetForeground()).Render(strings.Join(lines, "\n"))
}

// clearCmd clears the history in a Cmd, the pinned entries too unless keep.
func clearCmd(store state.History, keep bool) tea.Cmd {
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
