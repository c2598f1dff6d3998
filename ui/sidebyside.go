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

// sideBySideCmd sends c to the current target and to second at once.
func (m *Model) sideBySideCmd(second pdp.Target, c pdp.Check) tea.Cmd {
	ctx, seq := m.fly(c, nil)
	first, bInfo := m.cur.target, second.Describe()
	an, bn := m.cur.info.Name, bInfo.Name
	return tea.Batch(func() tea.Msg {
		var a, b pdp.Decision
		var wg sync.WaitGroup
		wg.Go(func() { a = decide(ctx, first, an, c) })
		wg.Go(func() { b = decide(ctx, second, bn, c) })
		wg.Wait()
		return sideMsg{seq: seq, check: c, a: a, b: b, an: an, bn: bn, bInfo: bInfo}
	}, m.spinTick())
}

// onSide shows the two answers side by side, and the current target's in
// the decision pane and the history.
func (m *Model) onSide(msg sideMsg) tea.Cmd {
	if _, ok := m.land(msg.seq); !ok {
		return nil
	}
	now := m.now()
	a := state.Entry{Time: now, Check: msg.check, Decision: msg.a, TargetKind: m.cur.info.Kind, TargetURL: m.cur.info.URL}
	b := state.Entry{Time: now, Check: msg.check, Decision: msg.b, TargetKind: msg.bInfo.Kind, TargetURL: msg.bInfo.URL}
	m.dec.show(a)
	m.dec.dirty = true
	m.cmp = newCompare(m.keys, a, b, msg.an, msg.bn)
	m.cmp.targets = true
	if msg.a.Outcome != msg.b.Outcome {
		m.setStatus("the targets disagree: "+msg.a.Outcome.Word()+" ≠ "+msg.b.Outcome.Word(), true)
	}
	return addCmd(m.opts.History, a)
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
