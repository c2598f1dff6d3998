package ui

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/state"
	"github.com/pdpx/pdpx/state/scenario"
)

// defaultExportName is the file the export offers, in the working
// directory, where `pdpx test` will most likely be run from.
const defaultExportName = "pdpx-scenarios.yaml"

// maxExport bounds the pins read for an export. Pins are chosen by hand,
// so this is never reached in practice; it keeps a runaway history from
// turning one key press into a huge file.
const maxExport = 10_000

// exportDialog asks for the scenario file's name (ctrl+x). The pins are
// read before it opens, so that what is written is what the title counted.
// The root keeps it between exports: the name typed last is offered again.
type exportDialog struct {
	keys    keyMap
	input   textinput.Model
	entries []state.Entry
	// confirm is the path the user was told exists: enter again on the
	// same name replaces it; any other name starts over.
	confirm string
	err     string
	busy    bool
}

type (
	// pinsMsg answers the read of the pinned entries for an export.
	pinsMsg struct {
		entries []state.Entry
		err     error
	}
	// exportedMsg answers the write of the scenario file.
	exportedMsg struct {
		path, abs string
		n         int
		exists    bool // not written: the file is there, and replacing it was not asked
		err       error
	}
)

func newExportDialog(k keyMap, st textinput.Styles) *exportDialog {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = defaultExportName
	in.SetStyles(st)
	return &exportDialog{keys: k, input: in}
}

// startExport reads the pins in a Cmd; the dialog opens when they arrive.
func (m *Model) startExport() tea.Cmd {
	store := m.opts.History
	m.setStatus("reading the pins…", false)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		es, err := store.Page(ctx, state.Query{Filter: state.Filter{Pinned: true}, Limit: maxExport})
		return pinsMsg{entries: es, err: err}
	}
}

func (m *Model) onPins(msg pinsMsg) tea.Cmd {
	switch {
	case msg.err != nil:
		m.setStatus("cannot read the pins: "+msg.err.Error(), true)
		return nil
	case len(msg.entries) == 0:
		m.setStatus("no pins to export: p on a history entry pins it", false)
		return nil
	case m.dialog != nil:
		return nil // something else opened meanwhile; it wins
	}
	m.status = ""
	return tea.Batch(m.openDialog(m.export), m.export.start(msg.entries))
}

// start readies the dialog for entries: the name typed last, or the default.
func (e *exportDialog) start(entries []state.Entry) tea.Cmd {
	e.entries, e.confirm, e.err, e.busy = entries, "", "", false
	if strings.TrimSpace(e.input.Value()) == "" {
		e.input.SetValue(defaultExportName)
	}
	e.input.CursorEnd()
	return e.input.Focus()
}

func (e *exportDialog) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		e.input.SetWidth(max(dialogWidth(msg.Width)-14, 10))
	case themeMsg:
		e.input.SetStyles(msg.s.Input)
	case exportedMsg:
		return e.exported(msg)
	case tea.KeyPressMsg:
		return e.key(msg)
	case tea.PasteMsg:
		// Not a typed name: a paste is ignored here.
	default:
		var cmd tea.Cmd
		e.input, cmd = e.input.Update(msg)
		return cmd
	}
	return nil
}

func (e *exportDialog) key(msg tea.KeyPressMsg) action {
	if e.busy {
		return nil
	}
	switch {
	case key.Matches(msg, e.keys.DialogCancel):
		e.close()
		return closeDialog{}
	case key.Matches(msg, e.keys.DialogOK):
		path := strings.TrimSpace(e.input.Value())
		if path == "" {
			path = defaultExportName
		}
		replace := e.confirm != "" && e.confirm == path
		e.busy, e.err = true, ""
		return writeScenarioCmd(path, "checks pinned in the pdpx explorer", e.entries, replace)
	}
	before := e.input.Value()
	var cmd tea.Cmd
	e.input, cmd = e.input.Update(msg)
	if e.input.Value() != before {
		e.confirm = "" // a new name: ask again before replacing anything
	}
	return cmd
}

// close forgets the pins but keeps the name, for the next export.
func (e *exportDialog) close() {
	e.input.Blur()
	e.entries, e.confirm, e.err, e.busy = nil, "", "", false
}

// writeScenarioCmd writes the pins as a scenario file. Without replace it
// creates the file exclusively, so that an existing one is never lost to a
// race between asking and writing.
func writeScenarioCmd(path, title string, entries []state.Entry, replace bool) tea.Cmd {
	return func() tea.Msg {
		out := exportedMsg{path: path, n: len(entries)}
		out.abs, out.err = filepath.Abs(path)
		if out.err != nil {
			return out
		}
		flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
		if replace {
			flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		}
		f, err := os.OpenFile(out.abs, flags, 0o644)
		if errors.Is(err, fs.ErrExist) {
			out.exists = true
			return out
		}
		if err != nil {
			out.err = err
			return out
		}
		if _, err := f.Write(scenario.FromEntries(title, entries)); err != nil {
			f.Close()
			out.err = err
			return out
		}
		out.err = f.Close()
		return out
	}
}

// exported takes the answer of the write: a file that is there asks
// before replacing it; a file written closes the dialog for a note that
// says how to run it, with the command ready to copy (y).
func (e *exportDialog) exported(msg exportedMsg) action {
	e.busy = false
	switch {
	case msg.exists:
		e.confirm = msg.path
		e.err = msg.abs + " exists: enter again replaces it, or type another name"
		return nil
	case msg.err != nil:
		e.err = msg.err.Error()
		return nil
	}
	e.close()
	return showDialog{
		status: "wrote " + count(msg.n, "check") + " to " + msg.abs,
		d: &noteDialog{
			keys:  e.keys,
			title: "Exported " + count(msg.n, "pinned check") + " as a scenario file",
			text: []string{"Wrote " + msg.abs + ": each check expects the outcome it got (and a denial its reason code).", "",
				"Run them, on the demo policy or any target (--profile, --policy, --pdp):"},
			copy:  "pdpx test " + shellWord(msg.path) + "\n",
			after: "pdpx present " + shellWord(msg.path) + " steps through them as a demo.",
		},
	}
}

func (e *exportDialog) view(s Styles, sw, _ int) string {
	inner := dialogWidth(sw) - s.Dialog.GetHorizontalFrameSize()
	lines := []string{s.DialogTitle.Render("Export the pins as a scenario file"), ""}
	lines = append(lines, wrap(count(len(e.entries), "pinned check")+" become a scenario file that `pdpx test` runs: each expects the outcome it got.", inner, "")...)
	lines = append(lines, "", s.LabelFocus.Render(padRight("File", 6))+e.input.View())
	lines = append(lines, s.Dim.Render("relative names are in the working directory"))
	if e.err != "" {
		st := s.ErrText
		if e.confirm != "" {
			st = s.Warn
		}
		lines = append(lines, "", st.Render(strings.Join(wrap("⚠ "+e.err, inner, "  "), "\n")))
	}
	lines = append(lines, "")
	if e.busy {
		lines = append(lines, s.Muted.Render("writing…"))
	} else {
		ok := " write"
		if e.confirm != "" {
			ok = " replace it"
		}
		lines = append(lines, s.Key.Render("enter")+s.Dim.Render(ok+" · ")+s.Key.Render("esc")+s.Dim.Render(" close"))
	}
	return s.Dialog.Render(strings.Join(lines, "\n"))
}

// count says "1 check" or "3 checks".
func count(n int, word string) string {
	return itoa(n) + " " + word + plural(n)
}

// shellWord quotes a path for a shell command line when it needs it.
func shellWord(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@+", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
