package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// helpDialog lists every key of the focused pane, plus the global ones
// (F1, or ? outside a text field). Any of its keys closes it, and so does
// a click.
type helpDialog struct {
	keys    keyMap
	focus   focus
	version string
}

var focusNames = map[focus]string{focusForm: "the check form", focusHistory: "the history",
	focusFilter: "the history filter", focusDecision: "the decision"}

func (d *helpDialog) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if key.Matches(msg, d.keys.Help, d.keys.HelpQ, d.keys.DialogCancel, d.keys.QuitQ) {
			return closeDialog{}
		}
	case tea.MouseClickMsg:
		return closeDialog{}
	}
	return nil
}

// view lists the keys in one column when the screen is tall enough and in
// two otherwise.
func (d *helpDialog) view(s Styles, sw, sh int) string {
	inner := dialogWidth(sw) - s.Dialog.GetHorizontalFrameSize()
	title := s.DialogTitle.Render("Keys in " + focusNames[d.focus])
	if d.version != "" {
		title += s.Dim.Render("  pdpx " + oneLine(d.version))
	}
	var binds []key.Binding
	for _, g := range d.keys.forFocus(d.focus).FullHelp() {
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
	oneCol := len(binds)+frame+len(ns)+1 <= sh
	// Without the notes the spare row goes too: the overlay may cover the
	// whole height before it falls back to two cramped columns.
	if !oneCol && len(binds)+frame-1 <= sh {
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

// newHelp is the help on the keys of the pane with focus f.
func newHelp(k keyMap, f focus, version string) *helpDialog {
	return &helpDialog{keys: k, focus: f, version: version}
}
