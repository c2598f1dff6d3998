package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
)

// editorReadyMsg says the temp file for ctrl+e is written.
type editorReadyMsg struct {
	field field
	path  string
	err   error
}

// editorMsg carries the edited attributes back as k=v text.
type editorMsg struct {
	field field
	text  string
	err   error
}

// openEditor starts ctrl+e: the focused attribute field is written as a
// JSON object to a temp file (in a Cmd, as it is I/O), then $EDITOR runs on
// it with the terminal handed over (tea.ExecProcess).
func (m *Model) openEditor() tea.Cmd {
	f := m.form.focus
	if !f.isAttr() {
		m.setStatus("ctrl+e edits attribute fields (attrs, context) as JSON", false)
		return nil
	}
	attrs, err := pdp.ParseAttrText(m.form.value(f))
	if err != nil {
		m.setStatus("fix the pairs first: "+err.Error(), true)
		return nil
	}
	return func() tea.Msg {
		if attrs == nil {
			attrs = map[string]any{}
		}
		b, _ := json.MarshalIndent(attrs, "", "  ")
		tmp, err := os.CreateTemp("", "pdpx-attrs-*.json")
		if err != nil {
			return editorReadyMsg{field: f, err: err}
		}
		_, err = tmp.Write(append(b, '\n'))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		return editorReadyMsg{field: f, path: tmp.Name(), err: err}
	}
}

// editorCommand is $VISUAL, else $EDITOR, else vi; it may carry arguments
// ("code --wait").
func editorCommand(path string) *exec.Cmd {
	ed := strings.TrimSpace(os.Getenv("VISUAL"))
	if ed == "" {
		ed = strings.TrimSpace(os.Getenv("EDITOR"))
	}
	if ed == "" {
		ed = "vi"
	}
	args := strings.Fields(ed)
	return exec.Command(args[0], append(args[1:], path)...)
}

func (m *Model) execEditor(msg editorReadyMsg) tea.Cmd {
	if msg.err != nil {
		m.setStatus("cannot open the editor: "+msg.err.Error(), true)
		return nil
	}
	f, path := msg.field, msg.path
	return tea.ExecProcess(editorCommand(path), func(err error) tea.Msg {
		defer os.Remove(path)
		if err != nil {
			return editorMsg{field: f, err: fmt.Errorf("the editor failed: %w", err)}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return editorMsg{field: f, err: err}
		}
		text, err := jsonToPairs(b)
		return editorMsg{field: f, text: text, err: err}
	})
}

// jsonToPairs turns the edited file back into the field's k=v text.
func jsonToPairs(b []byte) (string, error) {
	if strings.TrimSpace(string(b)) == "" {
		return "", nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "", fmt.Errorf("the file is not valid JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok && v != nil {
		return "", fmt.Errorf("the file must hold a JSON object, not a %s", pdp.TypeName(v))
	}
	return pdp.FormatAttrs(obj), nil
}

func (m *Model) onEditor(msg editorMsg) {
	if msg.err != nil {
		m.setStatus(msg.err.Error(), true)
		return
	}
	m.form.setValue(msg.field, msg.text)
	m.form.validate(m.types)
	m.setStatus("attributes updated from the editor", false)
}
