package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// noteDialog says what pdpx cannot do for the person: a change to the
// policy to make by hand, or how to run an exported file. copy is the
// snippet, drawn as code and put on the clipboard with y.
type noteDialog struct {
	keys  keyMap
	title string
	text  []string
	copy  string
	after string
}

func (n *noteDialog) update(msg tea.Msg) action {
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case k.String() == "y" && n.copy != "":
		return closeDialog{status: "copied the snippet to the clipboard", then: tea.SetClipboard(n.copy)}
	case key.Matches(k, n.keys.DialogCancel, n.keys.DialogOK, n.keys.QuitQ):
		return closeDialog{}
	}
	return nil
}

func (n *noteDialog) view(s Styles, sw, _ int) string {
	inner := dialogWidth(sw) - s.Dialog.GetHorizontalFrameSize()
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
