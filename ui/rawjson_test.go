package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// A response the history kept only the start of says so where the body is
// drawn: on the Response line at the top, and where the kept bytes end.
func TestRawViewSaysTheResponseWasCut(t *testing.T) {
	hist := sqliteHistory(t)
	d := pdp.Decision{Outcome: pdp.Error, Status: 200, Target: "pdp: localhost:7766", Response: bytes.Repeat([]byte("x"), 8<<20),
		Err: &pdp.TargetError{Kind: pdp.ErrorBadResponse, Status: 200, Msg: "the PDP's response was larger than 8 MiB"}}
	if _, err := hist.Add(context.Background(), state.Entry{Check: mustCheck("bob", "read", "document", nil), Decision: d}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, New(Options{Target: storyTarget(), History: hist}), 140, 40, true)
	h.key("esc")
	h.key("k")     // select the entry: the decision pane shows it
	h.key("enter") // read the decision
	h.key("ctrl+o")
	const note = "response cut: the first 64 KiB of the 8 MiB received are kept"
	if v := plain(h.view()); !strings.Contains(v, "Response") || !strings.Contains(v, "response cut: the first 64 KiB") {
		t.Errorf("the raw view does not say the response was cut:\n%s", v)
	}
	lines := rawLines(h.m.styles, h.m.dec.entry, 200)
	if last := plain(lines[len(lines)-1]); !strings.Contains(last, note) {
		t.Errorf("the kept bytes end without the note: %q", last)
	}
}
