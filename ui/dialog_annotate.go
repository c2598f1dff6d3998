package ui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/state"
)

// maxNote bounds a note typed in the explorer: a line, not a document.
const maxNote = 500

// annotateDialog is the one-line prompt that sets a history entry's note
// (n): prefilled with the current note; enter saves, empty text removes it.
type annotateDialog struct {
	keys  keyMap
	store state.History
	input textinput.Model
	entry state.Entry
	busy  bool
	err   string
}

// notedMsg answers the write of a note. from is the prompt that asked.
type notedMsg struct {
	id   int64
	note string
	err  error
	from dialog
}

// newAnnotateDialog opens the prompt on e, which is stored in store.
func newAnnotateDialog(k keyMap, st textinput.Styles, store state.History, e state.Entry) (*annotateDialog, tea.Cmd) {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = "why this decision matters (empty removes the note)"
	in.CharLimit = maxNote
	in.SetStyles(st)
	in.SetValue(oneLine(e.Note))
	in.CursorEnd()
	a := &annotateDialog{keys: k, store: store, input: in, entry: e}
	return a, a.input.Focus()
}

func (a *annotateDialog) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.input.SetWidth(max(dialogWidth(msg.Width)-14, 10))
		return nil
	case themeMsg:
		a.input.SetStyles(msg.s.Input)
		return nil
	case notedMsg:
		// The root says so in the footer when the note is saved.
		a.busy, a.err = false, ""
		if msg.err != nil {
			a.err = msg.err.Error()
			return nil
		}
		return closeDialog{}
	case tea.KeyPressMsg:
		switch {
		case a.busy:
			return nil // saving: the text is what is being written
		case key.Matches(msg, a.keys.DialogCancel):
			return closeDialog{status: "note not changed"}
		case key.Matches(msg, a.keys.DialogOK):
			a.busy, a.err = true, ""
			return setNoteCmd(a.store, a, a.entry.ID, strings.TrimSpace(a.input.Value()))
		}
	case tea.PasteMsg:
		if a.busy {
			return nil
		}
	}
	var cmd tea.Cmd
	a.input, cmd = a.input.Update(msg)
	return cmd
}

// setNoteCmd writes the note in a Cmd: the store may be a file on a slow disk.
func setNoteCmd(store state.History, from dialog, id int64, note string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return notedMsg{id: id, note: note, err: store.SetNote(ctx, id, note), from: from}
	}
}

// onNoted shows a saved note in the panes. The prompt that asked, if it is
// still open, closes or shows the error; else the footer does.
func (m *Model) onNoted(msg notedMsg) tea.Cmd {
	var cmd tea.Cmd
	asker := m.dialog != nil && m.dialog == msg.from
	if asker {
		cmd = m.do(m.dialog.update(msg))
	}
	if msg.err != nil {
		if !asker {
			m.setStatus("note: "+msg.err.Error(), true)
		}
		return cmd
	}
	if m.dec.has && m.dec.entry.ID == msg.id {
		m.dec.entry.Note = msg.note
		m.dec.dirty = true
	}
	m.list.version++
	if msg.note == "" {
		m.setStatus("note removed", false)
	} else {
		m.setStatus("note saved", false)
	}
	return cmd
}

func (a *annotateDialog) view(s Styles, sw, _ int) string {
	inner := dialogWidth(sw) - s.Dialog.GetHorizontalFrameSize()
	lines := []string{s.DialogTitle.Render("Note on this history entry"), ""}
	lines = append(lines, s.Muted.Render(truncate(oneLine(a.entry.Check.String()), inner)))
	lines = append(lines, "", s.LabelFocus.Render(padRight("Note", 6))+a.input.View())
	if a.err != "" {
		lines = append(lines, "", s.ErrText.Render(strings.Join(wrap("⚠ "+a.err, inner, "  "), "\n")))
	}
	lines = append(lines, "")
	if a.busy {
		lines = append(lines, s.Muted.Render("saving…"))
	} else {
		lines = append(lines, s.Key.Render("enter")+s.Dim.Render(" save (empty removes it) · ")+s.Key.Render("esc")+s.Dim.Render(" cancel"))
	}
	return s.Dialog.Render(strings.Join(lines, "\n"))
}
