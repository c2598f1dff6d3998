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
func (f *formModel) openEditor() action {
	fd := f.focus
	if !fd.isAttr() {
		return say{status: "ctrl+e edits attribute fields (attrs, context) as JSON"}
	}
	attrs, err := pdp.ParseAttrText(f.value(fd))
	if err != nil {
		return say{status: "fix the pairs first: " + err.Error(), bad: true}
	}
	return tea.Cmd(func() tea.Msg {
		if attrs == nil {
			attrs = map[string]any{}
		}
		b, _ := json.MarshalIndent(attrs, "", "  ")
		tmp, err := os.CreateTemp("", "pdpx-attrs-*.json")
		if err != nil {
			return editorReadyMsg{field: fd, err: err}
		}
		_, err = tmp.Write(append(b, '\n'))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		return editorReadyMsg{field: fd, path: tmp.Name(), err: err}
	})
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

// execEditor hands the terminal to the editor on the file just written.
func execEditor(msg editorReadyMsg) action {
	if msg.err != nil {
		return say{status: "cannot open the editor: " + msg.err.Error(), bad: true}
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
		return "", fmt.Errorf("the file must hold a JSON object, not %s", pdp.WithArticle(pdp.TypeName(v)))
	}
	return pdp.FormatAttrs(obj), nil
}

// edited takes the attributes back from the editor.
func (f *formModel) edited(msg editorMsg) action {
	if msg.err != nil {
		return say{status: msg.err.Error(), bad: true}
	}
	f.setValue(msg.field, msg.text)
	f.validate()
	return say{status: "attributes updated from the editor"}
}
