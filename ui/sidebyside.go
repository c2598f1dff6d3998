package ui

import (
	"strings"
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
// comparison starts when it is built (onSwitched). The keyboard starts on
// the list, as the footer's "1-4 choose" says, with a kind other than the
// current target's selected.
func (m *Model) openSideBySide() tea.Cmd {
	c, ok := m.formCheck()
	if !ok {
		return nil
	}
	m.sw.open(m.cur.info, m.cur.profile, "send the check to a second target, side by side with "+oneLine(m.cur.info.Name)+": pick another one")
	m.sw.title = "Compare with a second target"
	m.sw.side = &c
	m.sw.sel = otherChoice(m.cur.info.Kind)
	m.sw.focusAt(atList)
	read := readProfiles(m.opts.Profiles)
	m.sw.profLoading = read != nil
	return tea.Batch(m.openDialog(m.sw), read)
}

// otherChoice is the switcher row offered first as the second target: a
// PDP beside the embedded engine, the demo policy beside anything else.
func otherChoice(k pdp.Kind) int {
	if k == pdp.KindEmbedded {
		return 2 // Local PDP
	}
	return 0 // Embedded · demo policy
}

// sameTarget says whether a and b are the same target: the same kind at
// the same URL (or the same policy file).
func sameTarget(a, b pdp.TargetInfo) bool {
	norm := func(u string) string { return strings.ToLower(strings.TrimRight(strings.TrimSpace(u), "/")) }
	return a.Kind == b.Kind && norm(a.URL) == norm(b.URL)
}

// sideBySideCmd sends c to the current target and to second at once.
// otherKey marks a second target at the current one's URL that was given
// another API key (another environment behind the same PDP).
func (m *Model) sideBySideCmd(second pdp.Target, c pdp.Check, otherKey bool) tea.Cmd {
	ctx, seq := m.fly(c, nil)
	first, bInfo := m.cur.target, second.Describe()
	an, bn := m.cur.info.Name, bInfo.Name
	if otherKey {
		bn += " (the key typed)"
	}
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
	now := m.clock.now()
	a := state.Entry{Time: now, Check: msg.check, Decision: msg.a, TargetKind: m.cur.info.Kind, TargetURL: m.cur.info.URL}
	b := state.Entry{Time: now, Check: msg.check, Decision: msg.b, TargetKind: msg.bInfo.Kind, TargetURL: msg.bInfo.URL}
	m.dec.show(a)
	m.dec.dirty = true
	m.cmp = newCompare(m.keys, a, b, msg.an, msg.bn)
	m.cmp.targets = true
	switch {
	case msg.a.Outcome == pdp.Error || msg.b.Outcome == pdp.Error:
		m.setStatus(failedSide(msg.a, msg.b), true)
	case msg.a.Outcome != msg.b.Outcome:
		m.setStatus("the targets disagree: "+msg.a.Outcome.Word()+" ≠ "+msg.b.Outcome.Word(), true)
	}
	return addCmd(m.opts.History, a)
}

// agreementLines is the side-by-side's headline: whether the two targets
// agree on the check, and if not, who says what.
func agreementLines(s Styles, a, b pdp.Decision, an, bn string, w int) []string {
	if a.Outcome == pdp.Error || b.Outcome == pdp.Error {
		// An error is no answer: there is nothing to agree or disagree with.
		out := []string{fitLine(s.ErrorBadge.Render("✗ "+failedSide(a, b)), w)}
		for _, side := range []struct {
			name string
			d    pdp.Decision
		}{{an, a}, {bn, b}} {
			if side.d.Outcome != pdp.Error {
				continue
			}
			for _, l := range wrap(oneLine(side.name)+": "+oneLine(errorText(side.d)), max(w-4, 10), "  ") {
				out = append(out, fitLine(s.ErrText.Render("  "+l), w))
			}
		}
		return append(out, "")
	}
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

// failedSide says which side of a side-by-side gave no decision.
func failedSide(a, b pdp.Decision) string {
	switch {
	case a.Outcome == pdp.Error && b.Outcome == pdp.Error:
		return "could not compare: both targets failed"
	case a.Outcome == pdp.Error:
		return "could not compare: the first target failed"
	}
	return "could not compare: the second target failed"
}
