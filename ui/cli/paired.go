package cli

import (
	"context"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/pdp/paired"
)

// snapshotReport is a paired decision's snapshot side in pdpx check --json.
type snapshotReport struct {
	Label       string              `json:"label"`
	Outcome     pdp.Outcome         `json:"outcome"`
	Agreement   pdp.Agreement       `json:"agreement"`
	Explanation explain.Explanation `json:"explanation"`
	// Flips are the snapshot's flips, each tried on the remote PDP.
	Flips []paired.CheckedFlip `json:"flips,omitempty"`
}

func newSnapshotReport(ctx context.Context, pt *paired.Target, c pdp.Check, d pdp.Decision) *snapshotReport {
	x, flips := pairedExplanation(ctx, pt, c, d)
	x.Flips = nil
	return &snapshotReport{Label: pt.Snapshot().Label(time.Now()), Outcome: d.Shadow.Outcome, Agreement: *d.Agreement, Explanation: x, Flips: flips}
}

// pairedExplanation explains the snapshot's decision of c with the
// snapshot's engine and, for a remote denial, tries its flips on the PDP.
func pairedExplanation(ctx context.Context, pt *paired.Target, c pdp.Check, d pdp.Decision) (explain.Explanation, []paired.CheckedFlip) {
	x := explain.Explain(*d.Shadow, c, pt.Snapshot().Engine)
	var flips []paired.CheckedFlip
	if d.Outcome == pdp.Deny && len(x.Flips) > 0 {
		flips = paired.VerifyFlips(ctx, pt.Remote(), c, x.Flips)
	}
	return x, flips
}

// paired prints how the snapshot's decision compares with the PDP's, in one
// quiet line when they agree and a banner that says what to do when they
// do not; with explain, the snapshot's explanation follows, its flips
// marked with what the PDP said of each.
func (p *printer) paired(ctx context.Context, pt *paired.Target, c pdp.Check, d pdp.Decision, withExplain bool) {
	snap := pt.Snapshot()
	label := snap.Label(time.Now())
	a := *d.Agreement
	switch {
	case a.Agrees() && a.CodesCompared:
		p.linef("  %s %s", p.ok.Render("="), p.dim.Render("the snapshot agrees, codes and all: "+label))
	case a.Agrees():
		p.linef("  %s %s", p.ok.Render("="), p.dim.Render("the snapshot agrees on the outcome (the PDP sent no debug object to compare codes: run it with PDP_DEBUG=true): "+label))
	default:
		p.linef("  %s %s", p.bad.Render("≠ THE SNAPSHOT DISAGREES"), label)
		if !a.SameOutcome {
			p.linef("      the PDP says %s, the snapshot %s", p.outcome(d.Outcome), p.outcome(d.Shadow.Outcome))
		}
		for _, cd := range a.Codes {
			p.linef("      %s: the PDP %s, the snapshot %s", cd.Model, codeWord(cd.Remote), codeWord(cd.Snapshot))
		}
		p.linef("      %s", snap.Advice(time.Now()))
	}
	if !withExplain {
		return
	}
	if !a.Agrees() {
		// The PDP's own reasons first: they are the truth the snapshot missed.
		p.linef("  %s", p.key.Render("the PDP's reasons"))
		for _, card := range explain.Explain(d, c, nil).Cards {
			p.card(card)
		}
	}
	x, flips := pairedExplanation(ctx, pt, c, d)
	p.linef("  %s", p.key.Render("explained from the snapshot"))
	x.Flips = nil
	p.explanation(x, *d.Shadow)
	if len(flips) > 0 {
		p.linef("  %s %s", p.key.Render("flips"), p.dim.Render("· found on the snapshot, each tried on the PDP"))
		for i, f := range flips {
			mark := p.ok.Render("✓ " + string(f.Status))
			switch f.Status {
			case paired.Refuted:
				mark = p.no.Render("✗ " + string(f.Status) + ": the PDP still denies")
			case paired.Unverifiable:
				mark = p.bad.Render("! " + string(f.Status) + ": " + f.Err)
			case paired.EnvironmentChange:
				mark = p.dim.Render("· an environment change: assign it in Permit, then check again")
			}
			p.linef("    %d. %s %s", i+1, f.Summary, mark)
			if h := flagHint(f.Action); h != "" && f.Status == paired.Verified {
				p.linef("       %s", p.dim.Render(h))
			}
		}
	}
}

func codeWord(code string) string {
	if code == "" {
		return "shows no block"
	}
	return code
}
