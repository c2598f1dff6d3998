package ui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// bigHistory is a history of n decisions of every kind.
func bigHistory(n int) state.History {
	mem := state.NewMemory()
	for i := range n {
		c := mustCheck(fmt.Sprintf("user%05d@acme.io", i), []string{"read", "update", "delete"}[i%3], "document:doc"+itoa(i), nil)
		d := storyDecision(c)
		d.Outcome = pdp.Outcome(i % 3)
		mem.Add(context.Background(), state.Entry{Check: c, Decision: d})
	}
	return mem
}

// BenchmarkView draws a 200×60 screen over 10k decisions in the history,
// with the ABAC trace in the decision pane. The budget is 2 ms a frame: a
// redraw must never be what makes typing lag.
func BenchmarkView(b *testing.B) {
	t := &testing.T{}
	h := newHarness(t, New(Options{Target: storyTarget(), History: bigHistory(10_000)}), 200, 60, true)
	h.fill("check@permit.io", "location=England", "publish", "document", "", "hasApproval=true")
	h.key("enter")
	h.key("esc")
	h.key("j")
	if h.m.list.counts.Total != 10_001 {
		b.Fatalf("history has %d rows", h.m.list.counts.Total)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = h.m.View()
	}
}

// TestViewIsFastWithABigHistory keeps the benchmark's budget in the test
// suite, with a generous margin for -race and slow machines.
func TestViewIsFastWithABigHistory(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	r := testing.Benchmark(BenchmarkView)
	per := r.NsPerOp()
	t.Logf("View() at 200×60 with 10k decisions: %.3f ms", float64(per)/1e6)
	if per > 20_000_000 {
		t.Errorf("View() takes %.1f ms", float64(per)/1e6)
	}
}

// TestReadableWithoutColor downsamples every screen as NO_COLOR would and
// checks that the outcome words are still there.
func TestReadableWithoutColor(t *testing.T) {
	for _, sc := range screens {
		words := map[string]string{"allow": "ALLOW", "deny-abac": "DENY", "error": "ERROR"}
		want, ok := words[sc.name]
		if !ok {
			continue
		}
		h := sc.build(t, 80, 24, true)
		var buf bytes.Buffer
		w := colorprofile.NewWriter(&buf, []string{"NO_COLOR=1", "TERM=xterm-256color"})
		w.Profile = colorprofile.NoTTY
		if _, err := w.WriteString(h.view()); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.Contains(out, "\x1b[") {
			t.Errorf("%s: colour survived NoTTY", sc.name)
		}
		if !strings.Contains(out, want) {
			t.Errorf("%s: %q is not readable without colour:\n%s", sc.name, want, out)
		}
	}
}
