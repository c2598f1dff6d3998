package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"image/color"
	"os"
)

// harness drives the root model the way a tea.Program would, but
// synchronously: every Cmd an Update returns is run and its message fed
// back, until nothing is left. Timers are off in tests (Model.clock.ticks), so
// a Cmd that does not return within cmdTimeout is a bug (or, in the hung
// PDP test, the point) and is reported.
type harness struct {
	t    *testing.T
	m    Model
	quit bool
}

const cmdTimeout = 2 * time.Second

var fixedNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func newHarness(t *testing.T, m Model, w, h int, dark bool) *harness {
	t.Helper()
	m.clock.ticks = false
	m.clock.now = func() time.Time { return fixedNow }
	hs := &harness{t: t, m: m}
	hs.drain(m.Init())
	bg := color.Color(color.White)
	if dark {
		bg = color.Black
	}
	hs.send(tea.BackgroundColorMsg{Color: bg})
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	next, cmd := h.m.Update(msg)
	h.m = next.(Model)
	h.drain(cmd)
}

// sendAsync updates without running the returned Cmds; it returns them.
func (h *harness) sendAsync(msg tea.Msg) tea.Cmd {
	next, cmd := h.m.Update(msg)
	h.m = next.(Model)
	return cmd
}

func (h *harness) drain(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(cmdTimeout):
			h.t.Fatalf("a Cmd did not return within %v", cmdTimeout)
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			h.quit = true
		default:
			next, c2 := h.m.Update(msg)
			h.m = next.(Model)
			queue = append(queue, c2)
		}
	}
}

// key sends one key press by its name ("enter", "tab", "ctrl+c", "a").
func (h *harness) key(name string) {
	h.t.Helper()
	h.send(keyPress(name))
}

func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (h *harness) view() string { return h.m.View().Content }

func keyPress(name string) tea.KeyPressMsg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "f1":
		return tea.KeyPressMsg{Code: tea.KeyF1}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	if len(name) > 4 && name[:4] == "alt+" {
		r := []rune(name[4:])[0]
		return tea.KeyPressMsg{Code: r, Mod: tea.ModAlt}
	}
	if len(name) > 5 && name[:5] == "ctrl+" {
		return tea.KeyPressMsg{Code: rune(name[5]), Mod: tea.ModCtrl}
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

var colorBlack = color.Black

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }

// isOpen reports whether the open dialog is a D.
func isOpen[D dialog](m Model) bool {
	_, ok := m.dialog.(D)
	return ok
}

// dialogAs is the open dialog as a D; the test fails if another is open.
func dialogAs[D dialog](h *harness) D {
	h.t.Helper()
	d, ok := h.m.dialog.(D)
	if !ok {
		h.t.Fatalf("the open dialog is %s, not %T", dialogOf(h.m), d)
	}
	return d
}

// dialogOf names the open dialog for a test's message.
func dialogOf(m Model) string {
	if m.dialog == nil {
		return "none"
	}
	return fmt.Sprintf("%T", m.dialog)
}
