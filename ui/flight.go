package ui

import (
	"context"
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// flight is the check in flight: one at a time, sent in a Cmd with its own
// context, so that esc cancels it and a new check replaces it. Its answer
// carries seq; an answer with another number is for a check the person
// has moved on from, and is dropped. cancel is shared by every copy of the
// model.
type flight struct {
	seq    int
	cancel context.CancelFunc
	check  pdp.Check
	// compare is the history entry to compare the answer with (c), if any.
	compare *state.Entry
}

// decisionMsg is the answer to the check in flight number seq.
type decisionMsg struct {
	seq   int
	check pdp.Check
	d     pdp.Decision
}

// send validates the form and sends its check, or shows why it cannot.
func (m *Model) send() tea.Cmd {
	c, ok := m.form.check()
	if !ok {
		bad := m.form.firstError()
		m.setStatus("not sent: fix "+fieldNames[bad]+" (marked ✗)", true)
		return m.focusField(bad)
	}
	return m.sendCheck(c, nil)
}

// sendCheck sends c, after the cloud-ABAC warning when it applies; compare
// is the history entry to compare the answer with, if any.
func (m *Model) sendCheck(c pdp.Check, compare *state.Entry) tea.Cmd {
	if m.cur.target == nil {
		m.setStatus("no target: ctrl+t picks one", true)
		return nil
	}
	if !m.cur.info.ABAC && hasJIT(c) && !m.abacOK {
		return m.openDialog(&confirmDialog{keys: m.keys, target: m.cur.info.Name, check: c, compare: compare})
	}
	return m.start(c, compare)
}

// start sends c to the target.
func (m *Model) start(c pdp.Check, compare *state.Entry) tea.Cmd {
	ctx, seq := m.fly(c, compare)
	t, name := m.cur.target, m.cur.info.Name
	return tea.Batch(func() tea.Msg {
		return decisionMsg{seq: seq, check: c, d: decide(ctx, t, name, c)}
	}, m.spinTick())
}

// fly makes c the check in flight, in place of any other, and returns the
// context to send it with and the number its answer must carry.
func (m *Model) fly(c pdp.Check, compare *state.Entry) (context.Context, int) {
	m.cancelFlight()
	m.seq++
	ctx, cancel := contextWithCancel(m.ctx)
	m.flight = &flight{seq: m.seq, cancel: cancel, check: c, compare: compare}
	m.dec.pending = &m.flight.check
	return ctx, m.seq
}

// land takes the check in flight down when answer seq is its answer; ok
// is false for the answer to a check cancelled or replaced since.
func (m *Model) land(seq int) (f *flight, ok bool) {
	if m.flight == nil || seq != m.flight.seq {
		return nil, false
	}
	f = m.flight
	m.cancelFlight()
	if m.statusOf.seq == seq {
		m.setStatus(m.statusOf.done, false)
	}
	return f, true
}

func (m *Model) cancelFlight() {
	if m.flight != nil {
		m.flight.cancel()
		m.flight = nil
	}
	m.dec.pending = nil
}

// onDecision shows the answer, compares it with the entry that asked for
// it, records it in the history, and asks for the API key again when the
// PDP refused it.
func (m *Model) onDecision(msg decisionMsg) tea.Cmd {
	f, ok := m.land(msg.seq)
	if !ok {
		return nil // cancelled or replaced: the user has moved on
	}
	e := state.Entry{Time: m.clock.now(), Check: msg.check, Decision: msg.d, TargetKind: m.cur.info.Kind, TargetURL: m.cur.info.URL}
	m.dec.show(e)
	if f.compare != nil {
		m.cmp = newCompare(m.keys, *f.compare, e, "", "re-run now")
		m.setStatus("", false)
	}
	m.dec.dirty = true
	m.list.cursor, m.list.top = 0, 0
	var cmd tea.Cmd
	if pdp.ErrorKindOf(msg.d.Err) == pdp.ErrorAuth && m.cur.info.Kind != pdp.KindEmbedded {
		note := "the PDP refused the API key: type the right one (it is never shown or saved)"
		if strings.Contains(msg.d.Err.Error(), "asked for an API key") {
			note = "the PDP asks for an API key: type the environment's key (it is never shown or saved)"
		}
		cmd = m.do(showSwitcher{info: m.cur.info, note: note})
	}
	if errors.Is(msg.d.Err, errCancelled) {
		return cmd
	}
	return tea.Batch(cmd, addCmd(m.opts.History, e))
}

// decide asks t (named name) to decide c. The target owns its timeout;
// ctx is for esc. A decision that names no target gets name, and an error
// without a reason gets one.
func decide(ctx context.Context, t pdp.Target, name string, c pdp.Check) pdp.Decision {
	d := t.Check(ctx, c)
	if d.Target == "" {
		d.Target = name
	}
	if d.Outcome == pdp.Error && d.Err == nil {
		d.Err = errNoReason
	}
	return d
}

var errNoReason = errorString("the target returned an error without a message")

type errorString string

func (e errorString) Error() string { return string(e) }

func contextWithCancel(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return context.WithCancel(parent)
}

func (m *Model) spinTick() tea.Cmd {
	if !m.clock.ticks {
		return nil
	}
	return m.spin.Tick
}
