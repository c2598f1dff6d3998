package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/ui/targets"
)

// hungPDP is an HTTP server that accepts checks and never answers them
// (until the client goes away or the test ends).
func hungPDP(t *testing.T) (*httptest.Server, chan struct{}) {
	arrived := make(chan struct{}, 8)
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/allowed" {
			w.WriteHeader(http.StatusOK) // health answers, checks hang
			return
		}
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv, arrived
}

func TestHungPDPLeavesTheUIResponsiveAndEscCancels(t *testing.T) {
	srv, arrived := hungPDP(t)
	client, err := targets.Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: srv.URL, Token: "token", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, New(Options{Target: client}), 80, 24, true)
	h.fill("bob@acme.io", "", "read", "document", "", "")

	cmd := h.sendAsync(keyPress("enter"))
	if h.m.flight == nil {
		t.Fatal("enter did not start a check")
	}
	// Run the check as the program would: in its own goroutine.
	result := make(chan tea.Msg, 16)
	go runAll(cmd, result)
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the check never reached the PDP")
	}

	// While it hangs, keys are handled at once.
	start := time.Now()
	h.key("shift+tab")
	h.typeText("tier=3")
	if got := h.m.form.value(fKey); got != "tier=3" {
		t.Fatalf("typing while in flight: %q", got)
	}
	v := plain(h.view())
	if !strings.Contains(v, "asking bob@acme.io read document @default") || !strings.Contains(v, "esc cancels") {
		t.Errorf("no in-flight state drawn:\n%s", v)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("keys took %v while a check hung", d)
	}

	h.key("esc")
	if h.m.flight != nil || h.m.dec.pending != nil {
		t.Fatal("esc did not cancel")
	}
	if !strings.Contains(plain(h.view()), "cancelled: bob@acme.io read document @default") {
		t.Errorf("no word about the cancel:\n%s", plain(h.view()))
	}
	// The cancelled request ends promptly, and its late answer changes nothing.
	var late tea.Msg
	for late == nil {
		select {
		case m := <-result:
			if dm, ok := m.(decisionMsg); ok {
				late = dm
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the cancelled check did not return")
		}
	}
	if d := late.(decisionMsg).d; d.Outcome != pdp.Error {
		t.Errorf("a cancelled check came back as %v", d.Outcome)
	}
	h.send(late)
	if h.m.dec.has || h.m.list.counts.Total != 0 {
		t.Errorf("the cancelled check reached the decision pane or the history")
	}
}

// runAll runs a Cmd tree and sends every message it produces.
func runAll(cmd tea.Cmd, out chan<- tea.Msg) {
	if cmd == nil {
		return
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			go runAll(c, out)
		}
		return
	}
	if msg != nil {
		out <- msg
	}
}

// TestHungPDPInARealProgram runs the explorer in a tea.Program against the
// hung PDP: keys sent while the check hangs are all processed, esc cancels,
// and ctrl+c quits at once.
func TestHungPDPInARealProgram(t *testing.T) {
	srv, arrived := hungPDP(t)
	client, err := targets.Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: srv.URL, Token: "token", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Target: client})
	m.form.setValue(fUser, "bob@acme.io")
	m.form.setValue(fAction, "read")
	m.form.setValue(fType, "document")
	pr, pw := io.Pipe()
	defer pw.Close()
	p := tea.NewProgram(m, tea.WithInput(pr), tea.WithOutput(io.Discard), tea.WithWindowSize(80, 24),
		tea.WithoutSignals())
	done := make(chan tea.Model, 1)
	go func() {
		fm, err := p.Run()
		if err != nil {
			t.Error(err)
		}
		done <- fm
	}()
	p.Send(keyPress("enter"))
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the check never reached the PDP")
	}
	p.Send(keyPress("tab"))
	for _, r := range "abc" {
		p.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	p.Send(keyPress("esc"))
	p.Send(keyPress("ctrl+c"))
	var fm tea.Model
	select {
	case fm = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the program did not quit while a check hung")
	}
	final := fm.(Model)
	if final.flight != nil {
		t.Errorf("a check is still in flight after esc")
	}
	if got := final.form.value(fUserAttrs); got != "abc" {
		t.Errorf("keys typed during the hang: %q", got)
	}
	if final.list.counts.Total != 0 {
		t.Errorf("the cancelled check was stored")
	}
}
