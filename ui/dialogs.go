package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// dialogView draws the open dialog, or "".
func (m Model) dialogView() string {
	w := min(m.width-6, 76)
	switch m.dialog {
	case dialogHelp:
		return m.helpView(w)
	case dialogSwitch:
		// Rows left for profiles once the rest of the dialog is drawn: the
		// dialog must fit the screen whatever the config holds.
		rows := m.height - 20
		if m.sw.note != "" {
			rows -= 2
		}
		return m.sw.view(m.styles, w-6, max(rows, 2), m.profile)
	case dialogConfirm:
		return m.confirmView(w)
	case dialogClear:
		return m.clearView(w)
	case dialogNote:
		return m.noteView(w)
	case dialogCode:
		return m.codeView()
	case dialogExport:
		return m.exportView(w)
	case dialogAnnotate:
		return m.annotateView(w)
	}
	return ""
}

var focusNames = map[focus]string{focusForm: "the check form", focusHistory: "the history",
	focusFilter: "the history filter", focusDecision: "the decision"}

// helpView lists every key of the current focus, plus the global ones, in
// one column when the screen is tall enough and in two otherwise.
func (m Model) helpView(w int) string {
	s := m.styles
	inner := w - s.Dialog.GetHorizontalFrameSize()
	title := s.DialogTitle.Render("Keys in " + focusNames[m.focus])
	if m.opts.Version != "" {
		title += s.Dim.Render("  pdpx " + oneLine(m.opts.Version))
	}
	var binds []key.Binding
	for _, g := range m.keys.forFocus(m.focus).FullHelp() {
		binds = append(binds, g...)
	}
	kw := 0
	for _, b := range binds {
		kw = max(kw, lipgloss.Width(b.Help().Key))
	}
	entry := func(b key.Binding, cw int) string {
		return fitLine(s.Key.Render(padRight(b.Help().Key, kw))+"  "+s.Muted.Render(b.Help().Desc), cw)
	}
	notes := []string{
		"Mouse: click a field or a history row; the wheel scrolls the pane under it.",
		"Values are JSON when they parse: 3 is a number, \"3\" a string, true a bool.",
	}
	var ns []string
	for _, n := range notes {
		ns = append(ns, wrap(n, inner, "")...)
	}
	// One column reads best; the notes go first when space is short, and
	// two columns are the last resort.
	frame := 2 + 2 + 2 + 1 // border, title and blank, blank and footer, a spare row
	oneCol := len(binds)+frame+len(ns)+1 <= m.height
	// Without the notes the spare row goes too: the overlay may cover the
	// whole height before it falls back to two cramped columns.
	if !oneCol && len(binds)+frame-1 <= m.height {
		oneCol, ns = true, nil
	}
	var rows []string
	if oneCol || inner < 2*(kw+18)+3 {
		for _, b := range binds {
			rows = append(rows, entry(b, inner))
		}
	} else {
		half := (len(binds) + 1) / 2
		cw := (inner - 3) / 2
		for i := range half {
			row := entry(binds[i], cw)
			if j := i + half; j < len(binds) {
				row += "   " + entry(binds[j], cw)
			}
			rows = append(rows, row)
		}
	}
	foot := s.Key.Render("esc") + s.Dim.Render(" / ") + s.Key.Render("?") + s.Dim.Render(" / ") + s.Key.Render("F1") + s.Dim.Render(" close")
	body := []string{title, ""}
	body = append(body, rows...)
	if len(ns) > 0 {
		body = append(body, "", s.Dim.Render(strings.Join(ns, "\n")))
	}
	body = append(body, "", foot)
	return s.Dialog.Render(strings.Join(body, "\n"))
}

// confirmView warns before JIT attributes go to a target that ignores them.
func (m Model) confirmView(w int) string {
	s := m.styles
	var attrs []string
	for _, p := range []struct {
		prefix string
		m      map[string]any
	}{{"user.", m.confirm.User.Attributes}, {"resource.", m.confirm.Resource.Attributes}, {"tenant.", m.confirm.TenantAttributes}} {
		for _, k := range sortedKeys(p.m) {
			attrs = append(attrs, p.prefix+k)
		}
	}
	msg := oneLine(m.info.Name) + " does not evaluate ABAC: it will ignore " + strings.Join(attrs, ", ") +
		", and no attribute rule can allow this check there. A denial may only mean that."
	lines := []string{s.Warn.Bold(true).Render("⚠ JIT attributes on a target without ABAC"), ""}
	lines = append(lines, wrap(msg, w-6, "")...)
	lines = append(lines, "",
		s.Key.Render("enter")+s.Dim.Render(" send anyway · ")+s.Key.Render("a")+s.Dim.Render(" send, don't ask again · ")+
			s.Key.Render("esc")+s.Dim.Render(" back to the form"))
	return s.Dialog.BorderForeground(s.Warn.GetForeground()).Render(strings.Join(lines, "\n"))
}

func (m *Model) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.DialogOK):
		m.dialog = dialogNone
		return m.start(m.confirm)
	case msg.String() == "a":
		m.dialog = dialogNone
		m.abacOK = true
		return m.start(m.confirm)
	case key.Matches(msg, m.keys.DialogCancel):
		m.dialog = dialogNone
		m.setStatus("not sent", false)
	}
	return nil
}

// noteDialog says what pdpx cannot do for the person: a change to the
// policy to make by hand. copy is the snippet, drawn as code and put on
// the clipboard with y.
type noteDialog struct {
	title string
	text  []string
	copy  string
	after string
}

func (m Model) noteView(w int) string {
	s, n := m.styles, m.note
	inner := w - s.Dialog.GetHorizontalFrameSize()
	lines := []string{s.DialogTitle.Render(oneLine(n.title)), ""}
	for _, t := range n.text {
		if t == "" {
			lines = append(lines, "")
			continue
		}
		lines = append(lines, wrap(t, inner, "")...)
	}
	if n.copy != "" {
		lines = append(lines, "")
		for _, l := range strings.Split(strings.TrimRight(n.copy, "\n"), "\n") {
			lines = append(lines, s.JSONString.Render(truncate("  "+oneLine(l), inner)))
		}
		lines = append(lines, "")
	}
	if n.after != "" {
		lines = append(lines, wrap(n.after, inner, "")...)
	}
	foot := s.Key.Render("esc") + s.Dim.Render(" close")
	if n.copy != "" {
		foot = s.Key.Render("y") + s.Dim.Render(" copy the snippet · ") + foot
	}
	lines = append(lines, "", foot)
	return s.Dialog.Render(strings.Join(lines, "\n"))
}

func (m *Model) noteKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case msg.String() == "y" && m.note.copy != "":
		m.dialog = dialogNone
		m.setStatus("copied the snippet to the clipboard", false)
		return tea.SetClipboard(m.note.copy)
	case key.Matches(msg, m.keys.DialogCancel, m.keys.DialogOK, m.keys.QuitQ):
		m.dialog = dialogNone
	}
	return nil
}
