package ui

import (
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// A dialog is a box drawn over the screen that has the keyboard while it is
// open: the help, the JIT-attribute warning, clearing the history, a note to
// read, copy as code, the export, a note on a history entry and the target
// switcher. The root keeps at most one open (Model.dialog) and knows none of
// them by name: it hands the open dialog every key, paste and click, the
// screen size (when it opens and on a resize), the theme, and the messages
// it does not handle itself (an input's cursor blink, an answer to a Cmd the
// dialog started); then it carries out the action the dialog answers with.
//
// A dialog changes only itself. What it needs of the rest of the explorer
// (close, send a check, copy to the clipboard, write the history) it asks
// for with an action: see actions.go.
type dialog interface {
	// update takes a message and returns what the root should do, or nil.
	update(msg tea.Msg) action
	// view draws the dialog for a screen of w×h cells.
	view(s Styles, w, h int) string
}

// themeMsg gives the open dialog the styles of a new theme, for its text
// inputs (the root passes the styles to view, but an input keeps its own).
type themeMsg struct{ s Styles }

// Actions that only dialogs answer with.
type (
	// closeDialog closes the open dialog. status, when set, goes in the
	// footer; then runs after.
	closeDialog struct {
		status string
		bad    bool
		then   tea.Cmd
	}
	// showDialog opens d in place of any open dialog. status, when set,
	// goes in the footer.
	showDialog struct {
		d      dialog
		status string
	}
	// say puts status in the footer and runs cmd; the dialog stays open.
	say struct {
		status string
		bad    bool
		cmd    tea.Cmd
	}
)

// dialogPadX is a dialog's padding either side; with the border, a dialog's
// text is dialogFrameW cells narrower than the dialog.
const (
	dialogPadX   = 2
	dialogFrameW = 2 + 2*dialogPadX
)

// dialogWidth is how wide most dialogs are drawn on a screen w cells wide.
func dialogWidth(w int) int { return min(w-6, 76) }

// openDialog makes d the open dialog, in place of any other, and tells it
// the screen size.
func (m *Model) openDialog(d dialog) tea.Cmd {
	m.dialog = d
	return m.do(d.update(tea.WindowSizeMsg{Width: m.lay.w, Height: m.lay.h}))
}

// overDialog draws the open dialog centred over screen.
func (m Model) overDialog(screen string, layers ...*lipgloss.Layer) string {
	if m.dialog != nil {
		d := m.dialog.view(m.styles, m.lay.w, m.lay.h)
		x := max((m.lay.w-lipgloss.Width(d))/2, 0)
		y := max((m.lay.h-lipgloss.Height(d))/2, 0)
		layers = append(layers, lipgloss.NewLayer(d).X(x).Y(y).Z(2))
	}
	if len(layers) == 0 {
		return screen
	}
	return lipgloss.NewCompositor(append([]*lipgloss.Layer{lipgloss.NewLayer(screen)}, layers...)...).Render()
}
