package ui

import (
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// sideMsg is the check's decision on the current target (a) and on the
// second target (b), asked at the same time.
type sideMsg struct {
	seq   int
	check pdp.Check
	a, b  pdp.Decision
	an    string
	bn    string
	// bInfo is the second target, for copying its check as code.
	bInfo pdp.TargetInfo
}

// openSideBySide asks for the second target with the switcher; the
// comparison starts when it is built (onSwitched).
func (m *Model) openSideBySide() tea.Cmd {
	c, ok := m.formCheck()
	if !ok {
		return nil
	}
	cmd := m.openSwitcher("send the check to a second target, side by side with " + oneLine(m.cur.info.Name) + ": pick it")
	m.sw.title = "Compare with a second target"
	m.sw.side = &c
	return cmd
}

// sideBySideCmd sends c to both targets at once.
func (m *Model) sideBySideCmd(second pdp.Target, c pdp.Check) tea.Cmd {
	m.cancelFlight()
	m.seq++
	seq, first := m.seq, m.cur.target
	ctx, cancel := contextWithCancel(m.ctx)
	m.flight = &flight{seq: seq, cancel: cancel, check: c}
	m.dec.pending = &m.flight.check
	bInfo := second.Describe()
	an, bn := m.cur.info.Name, bInfo.Name
	return tea.Batch(func() tea.Msg {
		var a, b pdp.Decision
		var wg sync.WaitGroup
		wg.Add(2)
		ask := func(t pdp.Target, name string, out *pdp.Decision) {
			defer wg.Done()
			*out = t.Check(ctx, c)
			if out.Target == "" {
				out.Target = name
			}
			if out.Outcome == pdp.Error && out.Err == nil {
				out.Err = errNoReason
			}
		}
		go ask(first, an, &a)
		go ask(second, bn, &b)
		wg.Wait()
		return sideMsg{seq: seq, check: c, a: a, b: b, an: an, bn: bn, bInfo: bInfo}
	}, m.spinTick())
}

func (m *Model) onSide(msg sideMsg) tea.Cmd {
	if m.flight == nil || msg.seq != m.flight.seq {
		return nil
	}
	m.flight.cancel()
	m.flight = nil
	m.dec.pending = nil
	now := m.now()
	a := state.Entry{Time: now, Check: msg.check, Decision: msg.a, TargetKind: m.cur.info.Kind, TargetURL: m.cur.info.URL}
	b := state.Entry{Time: now, Check: msg.check, Decision: msg.b, TargetKind: msg.bInfo.Kind, TargetURL: msg.bInfo.URL}
	m.dec.show(a)
	m.dec.dirty = true
	m.cmp = &compareView{a: a, b: b, aLabel: msg.an, bLabel: msg.bn, targets: true}
	if msg.a.Outcome != msg.b.Outcome {
		m.setStatus("the targets disagree: "+msg.a.Outcome.Word()+" ≠ "+msg.b.Outcome.Word(), true)
	}
	return addCmd(m.hist, a)
}

// agreementLines is the side-by-side's headline: whether the two targets
// agree on the check, and if not, who says what.
func agreementLines(s Styles, a, b pdp.Decision, an, bn string, w int) []string {
	if a.Outcome == b.Outcome {
		return []string{fitLine(s.Allow.Render(" = agree")+s.Muted.Render(": both say "+a.Outcome.Word()+
			" ("+oneLine(an)+" · "+oneLine(bn)+")"), w), ""}
	}
	return []string{
		fitLine(s.ErrorBadge.Render("≠ DISAGREE")+" "+s.Outcome(a.Outcome).Render(a.Outcome.Symbol()+" "+a.Outcome.Word())+
			s.Muted.Render(" from "+oneLine(an)+"  vs  ")+s.Outcome(b.Outcome).Render(b.Outcome.Symbol()+" "+b.Outcome.Word())+
			s.Muted.Render(" from "+oneLine(bn)), w),
		"",
	}
}
