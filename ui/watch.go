package ui

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/sweep"
	"github.com/pdpx/pdpx/state"
)

// How often watched checks look for a change: the policy file of an
// embedded target is stat'ed every watchPoll (a stat is cheap, and a save
// should show within a second or two); a remote PDP, whose policy pdpx
// cannot see, is asked again every watchEvery.
const (
	watchPoll  = time.Second
	watchEvery = 30 * time.Second
)

// watcher keeps the watched checks (w on a history entry): pinned checks
// decided again whenever the answer may have changed. For an embedded
// target with a policy file that is when the file changes (it is stat'ed
// every watchPoll); for a remote PDP, whose policy pdpx cannot see, every
// watchEvery; for any target, on a switch to another. A check whose answer
// flips is flagged with when and how its reasons differ, and the new
// answer goes in the history. The root keeps one watcher, shared by every
// copy of the model and changed only in Update.
type watcher struct {
	watches map[int64]*watched // by history ID
	ticking bool               // the watch timer runs
	gen     int                // the timer's generation
	// file follows the embedded target's policy file while checks are
	// watched; nil until the first look.
	file *policy.Watcher
}

// watched is a pinned check being watched, and what it answered.
type watched struct {
	entry  state.Entry
	last   pdp.Decision
	lastAt time.Time
	flips  []flip
}

// flip is a change of a watched check's answer: when, from what to what,
// and how the reasons differ.
type flip struct {
	at       time.Time
	from, to pdp.Outcome
	diff     []compareRow
}

type (
	watchTickMsg struct{ gen int }
	// policyChangedMsg is what a poll of the embedded target's policy
	// file found, with the target built from a new policy.
	policyChangedMsg struct {
		gen    int
		change policy.Change
		target pdp.Target
	}
	watchResultMsg struct {
		gen int
		ids []int64
		ds  []pdp.Decision
	}
)

// Actions the watcher answers with.
type (
	// policyChanged makes target, the policy file as reloaded, the
	// current target, and runs the watched checks on it.
	policyChanged struct{ target pdp.Target }
)

func newWatcher() *watcher { return &watcher{watches: map[int64]*watched{}} }

// mark says whether entry id is watched, and whether its answer flipped.
func (w *watcher) mark(id int64) (watched, flipped bool) {
	x := w.watches[id]
	return x != nil, x != nil && len(x.flips) > 0
}

// toggle watches e (pinning it: watched checks are pinned ones) or stops
// watching it.
func (w *watcher) toggle(e state.Entry, en env) action {
	if w.watches[e.ID] != nil {
		w.remove(e.ID)
		return say{status: "not watching: " + oneLine(e.Check.String())}
	}
	w.watches[e.ID] = &watched{entry: e, last: e.Decision, lastAt: e.Time}
	how := "re-run every " + watchEvery.String() + " (a remote PDP)"
	if en.cur.info.Kind == pdp.KindEmbedded {
		how = "re-run when the policy file changes"
		if en.cur.info.URL == "" {
			how = "the demo policy never changes: re-run on a target switch"
		}
	}
	var cmds []tea.Cmd
	if !e.Pinned {
		cmds = append(cmds, historyCmd(en.hist, "pinned and watching: "+oneLine(e.Check.String()), func(ctx context.Context, st state.History) error {
			return st.SetPinned(ctx, e.ID, true)
		}))
	}
	if !w.ticking {
		w.ticking = true
		cmds = append(cmds, w.tick(en))
	}
	return say{status: "watching: " + oneLine(e.Check.String()) + " · " + how, cmd: tea.Batch(cmds...)}
}

// remove stops watching entry id.
func (w *watcher) remove(id int64) { delete(w.watches, id) }

// forgetFile forgets the policy file last read: the target is another.
func (w *watcher) forgetFile() { w.file = nil }

func (w *watcher) tick(en env) tea.Cmd {
	if !en.ticks {
		return nil
	}
	gen, every := w.gen, watchPoll
	if en.cur.info.Kind != pdp.KindEmbedded {
		every = watchEvery
	}
	return tea.Tick(every, func(time.Time) tea.Msg { return watchTickMsg{gen: gen} })
}

// update takes the watcher's messages: its timer, what a poll of the
// policy file found, and the watched checks' new answers.
func (w *watcher) update(msg tea.Msg, en env) action {
	switch msg := msg.(type) {
	case watchTickMsg:
		return w.onTick(msg, en)
	case policyChangedMsg:
		return w.onChanged(msg, en)
	case watchResultMsg:
		return w.onResult(msg, en)
	}
	return nil
}

// onTick looks for a change: it polls the policy file of an embedded
// target with one, and re-runs the checks on a remote one (there is
// nothing to look at).
func (w *watcher) onTick(msg watchTickMsg, en env) action {
	if msg.gen != w.gen {
		return nil
	}
	if len(w.watches) == 0 {
		w.ticking = false
		return nil
	}
	next := w.tick(en)
	switch {
	case en.cur.info.Kind != pdp.KindEmbedded:
		return tea.Batch(next, w.rerun(en))
	case en.cur.info.URL != "":
		if w.file == nil {
			w.file = policy.NewWatcher(en.cur.info.URL)
		}
		f, gen := w.file, en.cur.gen
		return tea.Batch(next, func() tea.Msg {
			// The poll reads and parses a changed file, and the engine
			// indexes it, here in the Cmd: a large policy takes a while.
			c := f.Poll()
			msg := policyChangedMsg{gen: gen, change: c}
			if c.Policy != nil {
				msg.target = engine.NewTarget(engine.New(c.Policy), filepath.Base(f.Path()), f.Path())
			}
			return msg
		})
	}
	return next
}

// onChanged asks for a reloaded policy to be the target. A policy that no
// longer loads keeps the last good one.
func (w *watcher) onChanged(msg policyChangedMsg, en env) action {
	if msg.gen != en.cur.gen || !msg.change.News {
		return nil
	}
	if err := msg.change.Err; err != nil {
		return say{status: "policy file changed but does not load (keeping the last good one): " + err.Error(), bad: true}
	}
	return policyChanged{msg.target}
}

// rerun decides every watched check on the current target in one bulk
// request.
func (w *watcher) rerun(en env) tea.Cmd {
	if len(w.watches) == 0 || en.cur.target == nil {
		return nil
	}
	ids := w.ids()
	cs := make([]pdp.Check, len(ids))
	for i, id := range ids {
		cs[i] = w.watches[id].entry.Check
	}
	t, gen, ctx := en.cur.target, en.cur.gen, en.ctx
	return func() tea.Msg {
		return watchResultMsg{gen: gen, ids: ids, ds: sweep.Decide(ctx, t, cs)}
	}
}

// ids are the watched entries' IDs, oldest first.
func (w *watcher) ids() []int64 {
	return slices.Sorted(maps.Keys(w.watches))
}

// onResult flags the checks whose answer flipped, with the time and the
// difference in reasons, and records the new answer in the history.
func (w *watcher) onResult(msg watchResultMsg, en env) action {
	if msg.gen != en.cur.gen {
		return nil
	}
	var cmds []tea.Cmd
	var news *say
	for i, id := range msg.ids {
		x := w.watches[id]
		if x == nil || i >= len(msg.ds) {
			continue
		}
		d := msg.ds[i]
		if d.Outcome != x.last.Outcome {
			x.flips = append(x.flips, flip{at: en.now, from: x.last.Outcome, to: d.Outcome, diff: reasonRows(x.last.Debug, d.Debug)})
			news = &say{status: "⚑ flipped at " + en.now.Format("15:04:05") + ": " + oneLine(x.entry.Check.String()) + " " +
				x.last.Outcome.Word() + " → " + d.Outcome.Word() + " · W lists watched checks", bad: d.Outcome != pdp.Allow}
			cmds = append(cmds, addCmd(en.hist, state.Entry{Time: en.now, Check: x.entry.Check, Decision: d, TargetKind: en.cur.info.Kind, TargetURL: en.cur.info.URL}))
		}
		x.last, x.lastAt = d, en.now
	}
	if news == nil {
		return tea.Batch(cmds...)
	}
	news.cmd = tea.Batch(cmds...)
	return *news
}

// rows lists the watched checks for the W view: outcome now, the check,
// and the last flip; the selected row shows every flip and its reasons'
// differences.
func (w *watcher) rows(s Styles) []boardRow {
	var rows []boardRow
	for _, id := range w.ids() {
		x := w.watches[id]
		c := x.entry.Check
		status := "steady since " + x.entry.Time.Format("15:04:05")
		if n := len(x.flips); n > 0 {
			f := x.flips[n-1]
			status = "⚑ flipped " + f.from.Word() + " → " + f.to.Word() + " at " + f.at.Format("15:04:05")
		}
		r := boardRow{outcome: x.last.Outcome, hasOut: true, decided: true, cols: []string{"#" + itoa(int(id)), c.String(), status},
			check: &c, dec: x.last, flagged: len(x.flips) > 0}
		for _, f := range x.flips {
			r.detail = append(r.detail, s.Warn.Render(" ⚑ "+f.at.Format("2006-01-02 15:04:05")+" "+f.from.Word()+" → "+f.to.Word()))
			for _, d := range f.diff {
				if d.diffMark() == " " {
					continue
				}
				r.detail = append(r.detail, s.Muted.Render("   "+d.diffMark()+" "+padRight(d.label, 14)+" "+oneLine(d.a)+"  →  "+oneLine(d.b)))
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// watchIDOf is the history ID of a watch row ("#12").
func watchIDOf(r boardRow) int64 {
	if len(r.cols) == 0 || len(r.cols[0]) < 2 {
		return 0
	}
	var n int64
	for _, ch := range r.cols[0][1:] {
		n = n*10 + int64(ch-'0')
	}
	return n
}
