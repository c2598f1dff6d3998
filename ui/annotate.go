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
	input textinput.Model
	entry state.Entry
	busy  bool
	err   string
}

// notedMsg answers the write of a note.
type notedMsg struct {
	id   int64
	note string
	err  error
}

func newNoteInput(st textinput.Styles) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = "why this decision matters (empty removes the note)"
	in.CharLimit = maxNote
	in.SetStyles(st)
	return in
}

// openAnnotate opens the note prompt on the selected history entry.
func (m *Model) openAnnotate() tea.Cmd {
	e, ok := m.list.selected()
	if !ok || e.ID == 0 {
		m.setStatus("no stored entry selected: a note goes on a history entry", false)
		return nil
	}
	a := &m.annot
	a.entry, a.busy, a.err = e, false, ""
	a.input.SetValue(oneLine(e.Note))
	a.input.CursorEnd()
	m.dialog = dialogAnnotate
	return a.input.Focus()
}

func (m *Model) closeAnnotate() {
	m.dialog = dialogNone
	m.annot.input.Blur()
	m.annot.entry, m.annot.busy, m.annot.err = state.Entry{}, false, ""
}

func (m *Model) annotateKey(msg tea.KeyPressMsg) tea.Cmd {
	a, k := &m.annot, m.keys
	if a.busy {
		return nil
	}
	switch {
	case key.Matches(msg, k.DialogCancel):
		m.closeAnnotate()
		m.setStatus("note not changed", false)
		return nil
	case key.Matches(msg, k.DialogOK):
		a.busy, a.err = true, ""
		return setNoteCmd(m.hist, a.entry.ID, strings.TrimSpace(a.input.Value()))
	}
	var cmd tea.Cmd
	a.input, cmd = a.input.Update(msg)
	return cmd
}

// setNoteCmd writes the note in a Cmd: the store may be a file on a slow disk.
func setNoteCmd(store state.History, id int64, note string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return notedMsg{id: id, note: note, err: store.SetNote(ctx, id, note)}
	}
}

func (m *Model) onNoted(msg notedMsg) {
	if msg.err != nil {
		if m.dialog == dialogAnnotate && m.annot.entry.ID == msg.id {
			m.annot.busy, m.annot.err = false, msg.err.Error()
			return
		}
		m.setStatus("note: "+msg.err.Error(), true)
		return
	}
	if m.dialog == dialogAnnotate && m.annot.entry.ID == msg.id {
		m.closeAnnotate()
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
}

func (m Model) annotateView(w int) string {
	s, a := m.styles, m.annot
	inner := w - s.Dialog.GetHorizontalFrameSize()
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
