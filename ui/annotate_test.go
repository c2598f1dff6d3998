package ui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// storedNote reads the note of the newest entry from the store itself.
func storedNote(t *testing.T, st state.History) string {
	t.Helper()
	es, err := st.Page(context.Background(), state.Query{Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("page: %v, %d entries", err, len(es))
	}
	return es[0].Note
}

func TestNoteOnAHistoryEntry(t *testing.T) {
	st := state.NewMemory()
	h := newHarness(t, New(Options{Target: demoTarget(), History: st}), 140, 40, true)
	h.noRoleCheck()
	h.key("esc") // the history, on the new entry
	h.key("n")
	if !isOpen[*annotateDialog](h.m) || dialogAs[*annotateDialog](h).input.Value() != "" {
		t.Fatalf("n: dialog %v, value %q, status %q", dialogOf(h.m), dialogAs[*annotateDialog](h).input.Value(), h.m.status)
	}
	if v := plain(h.view()); !strings.Contains(v, "Note on this history entry") {
		t.Errorf("no prompt:\n%s", v)
	}
	h.typeText("ask Jane")
	h.send(tea.PasteMsg{Content: " about the role"})
	// enter only returns the Cmd that writes: nothing is written in Update.
	cmd := h.sendAsync(keyPress("enter"))
	if got := storedNote(t, st); got != "" || cmd == nil {
		t.Fatalf("the note was written in Update (%q) or no Cmd (%v)", got, cmd == nil)
	}
	h.drain(cmd)
	if got := storedNote(t, st); got != "ask Jane about the role" || h.m.dialog != nil {
		t.Fatalf("stored %q, dialog %v", got, dialogOf(h.m))
	}
	v := plain(h.view())
	if !strings.Contains(v, "✎ ask Jane about the role") {
		t.Errorf("the decision pane lacks the note:\n%s", v)
	}
	if !strings.Contains(v, "✎✗ DENY") {
		t.Errorf("the history row lacks the note mark:\n%s", v)
	}

	// esc cancels: the prompt is prefilled, the edit is dropped.
	h.key("n")
	if dialogAs[*annotateDialog](h).input.Value() != "ask Jane about the role" {
		t.Fatalf("not prefilled: %q", dialogAs[*annotateDialog](h).input.Value())
	}
	h.typeText(" — no")
	h.key("esc")
	if got := storedNote(t, st); got != "ask Jane about the role" || h.m.dialog != nil {
		t.Fatalf("esc: stored %q, dialog %v", got, dialogOf(h.m))
	}

	// Empty text removes the note.
	h.key("n")
	for range len([]rune(dialogAs[*annotateDialog](h).input.Value())) {
		h.key("backspace")
	}
	h.key("enter")
	if got := storedNote(t, st); got != "" {
		t.Fatalf("empty did not remove the note: %q", got)
	}
	if v := plain(h.view()); strings.Contains(v, "✎") {
		t.Errorf("the note is still shown:\n%s", v)
	}
}

func TestNoteIsCleanedAndFitted(t *testing.T) {
	st := state.NewMemory()
	h := newHarness(t, New(Options{Target: demoTarget(), History: st}), 80, 24, true)
	h.noRoleCheck()
	h.key("enter") // the same check again: the older one gets the note (as from the CLI)
	es, _ := st.Page(context.Background(), state.Query{Limit: 2})
	if err := st.SetNote(context.Background(), es[1].ID, "\x1b]0;pwned\x07evil\x1b[2J "+strings.Repeat("long ", 60)); err != nil {
		t.Fatal(err)
	}
	h.m.list.version++
	h.key("esc")
	h.key("j")
	v := h.view()
	if strings.Contains(v, "pwned") || strings.Contains(v, "\x1b]0") {
		t.Errorf("the note's escapes reached the screen")
	}
	if !strings.Contains(plain(v), "✎ "+pdp.Removed+"evil"+pdp.Removed+" long") {
		t.Errorf("the note is not shown:\n%s", plain(v))
	}
	for _, l := range strings.Split(plain(v), "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line is %d cells: %q", w, l)
		}
	}
}

func TestExportFromTheMatrix(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.pinTwo()
	h.key("ctrl+g")
	if h.m.board == nil {
		t.Fatalf("no matrix: %q", h.m.status)
	}
	h.key("ctrl+x")
	if !isOpen[*exportDialog](h.m) || len(h.m.export.entries) != 2 {
		t.Fatalf("ctrl+x in the matrix: dialog %v, %d pins, status %q", dialogOf(h.m), len(h.m.export.entries), h.m.status)
	}
	if v := plain(h.view()); !strings.Contains(v, "Export the pins as a scenario file") || !strings.Contains(v, "Matrix") {
		t.Errorf("the export is not drawn over the matrix:\n%s", v)
	}
	h.key("esc")
	if h.m.dialog != nil || h.m.board == nil {
		t.Fatalf("esc: dialog %v, board open %v", dialogOf(h.m), h.m.board != nil)
	}
}

func TestCopyInTheMatrixCopiesTheCell(t *testing.T) {
	h := matrixScreen(t, 140, 40, true)
	cell := h.m.board.mx.Cells[1][1].Check
	if clip := h.pressClip("y"); len(clip) != 0 || !isOpen[*codeDialog](h.m) {
		t.Fatalf("y: dialog %v, clipboard %q, status %q", dialogOf(h.m), clip, h.m.status)
	}
	if dialogAs[*codeDialog](h).check.String() != cell.String() {
		t.Fatalf("copying %s, want the cell's %s", dialogAs[*codeDialog](h).check, cell)
	}
	if v := plain(h.view()); !strings.Contains(v, "Copy as code") {
		t.Errorf("the chooser is not drawn over the matrix:\n%s", v)
	}
	clip := h.pressClip("enter") // curl
	if len(clip) != 1 || !strings.Contains(clip[0], cell.User.Key) || !strings.Contains(clip[0], `"`+cell.Action+`"`) {
		t.Fatalf("clipboard = %q, want the cell %s", clip, cell)
	}
	h.key("esc")
	if h.m.dialog != nil || h.m.board == nil {
		t.Fatalf("esc: dialog %v, board open %v", dialogOf(h.m), h.m.board != nil)
	}
}

func TestCopyInCompareCopiesTheRightHandCheck(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.pinTwo() // three entries; the cursor is on the oldest
	h.key("g")
	h.key("m")
	h.key("j")
	h.key("m")
	if h.m.cmp == nil {
		t.Fatalf("no compare view: %q", h.m.status)
	}
	right := h.m.cmp.b.Check
	h.key("y")
	if !isOpen[*codeDialog](h.m) || dialogAs[*codeDialog](h).check.String() != right.String() {
		t.Fatalf("y in compare: dialog %v, copying %s, want %s", dialogOf(h.m), dialogAs[*codeDialog](h).check, right)
	}
	clip := h.pressClip("enter")
	if len(clip) != 1 || !strings.Contains(clip[0], right.User.Key) {
		t.Fatalf("clipboard = %q", clip)
	}
	h.key("esc")
	if h.m.cmp == nil {
		t.Fatal("closing the chooser closed the compare view")
	}
}
