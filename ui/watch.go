package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
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

// fileStamp is what a stat says about the policy file.
type fileStamp struct {
	mod  time.Time
	size int64
}

type (
	watchTickMsg  struct{ gen int }
	policyStatMsg struct {
		gen   int
		path  string
		stamp fileStamp
		err   error
	}
	policyReloadedMsg struct {
		gen    int
		stamp  fileStamp
		hash   [32]byte
		target pdp.Target
		same   bool // the content did not change (a touch)
		err    error
	}
	watchResultMsg struct {
		gen int
		ids []int64
		ds  []pdp.Decision
	}
)

// toggleWatch watches the selected history entry (pinning it: watched
// checks are pinned ones) or stops watching it.
func (m *Model) toggleWatch(e state.Entry) tea.Cmd {
	if m.watches[e.ID] != nil {
		m.toggleWatchID(e.ID)
		m.setStatus("not watching: "+oneLine(e.Check.String()), false)
		return nil
	}
	m.watches[e.ID] = &watched{entry: e, last: e.Decision, lastAt: e.Time}
	m.syncWatchMarks()
	how := "re-run every " + watchEvery.String() + " (a remote PDP)"
	if m.info.Kind == pdp.KindEmbedded {
		how = "re-run when the policy file changes"
		if m.info.URL == "" {
			how = "the demo policy never changes: re-run on a target switch"
		}
	}
	m.setStatus("watching: "+oneLine(e.Check.String())+" · "+how, false)
	var cmds []tea.Cmd
	if !e.Pinned {
		cmds = append(cmds, historyCmd(m.hist, "pinned and watching: "+oneLine(e.Check.String()), func(ctx context.Context, st state.History) error {
			return st.SetPinned(ctx, e.ID, true)
		}))
	}
	if !m.watching {
		m.watching = true
		cmds = append(cmds, m.watchTick())
	}
	return tea.Batch(cmds...)
}

func (m *Model) toggleWatchID(id int64) {
	delete(m.watches, id)
	m.syncWatchMarks()
}

// syncWatchMarks tells the history pane which rows are watched and flipped.
func (m *Model) syncWatchMarks() {
	m.list.watched = map[int64]bool{}
	for id, w := range m.watches {
		m.list.watched[id] = len(w.flips) > 0
	}
}

func (m *Model) watchTick() tea.Cmd {
	if !m.ticks {
		return nil
	}
	gen, every := m.watchGen, watchPoll
	if m.info.Kind != pdp.KindEmbedded {
		every = watchEvery
	}
	return tea.Tick(every, func(time.Time) tea.Msg { return watchTickMsg{gen: gen} })
}

// onWatchTick looks for a change: the policy file's stamp for an embedded
// target with a file, or nothing to look at for a remote one (re-run).
func (m *Model) onWatchTick(msg watchTickMsg) tea.Cmd {
	if msg.gen != m.watchGen {
		return nil
	}
	if len(m.watches) == 0 {
		m.watching = false
		return nil
	}
	next := m.watchTick()
	switch {
	case m.info.Kind != pdp.KindEmbedded:
		return tea.Batch(next, m.rerunWatched())
	case m.info.URL != "":
		path, gen := m.info.URL, m.gen
		return tea.Batch(next, func() tea.Msg {
			fi, err := os.Stat(path)
			if err != nil {
				return policyStatMsg{gen: gen, path: path, err: err}
			}
			return policyStatMsg{gen: gen, path: path, stamp: fileStamp{fi.ModTime(), fi.Size()}}
		})
	}
	return next
}

// onPolicyStat reloads the policy once a changed stamp has held for a
// whole poll: an editor saving in place truncates, then writes, and a read
// in between would see half a file.
func (m *Model) onPolicyStat(msg policyStatMsg) tea.Cmd {
	if msg.gen != m.gen || msg.err != nil {
		return nil
	}
	switch {
	case m.polStamp == (fileStamp{}):
		m.polStamp = msg.stamp // the first look: this is the policy in use
		return nil
	case msg.stamp == m.polStamp:
		m.polPending = fileStamp{}
		return nil
	case msg.stamp != m.polPending:
		m.polPending = msg.stamp
		return nil
	}
	m.polPending = fileStamp{}
	gen, path, old := m.gen, msg.path, m.polHash
	return func() tea.Msg {
		data, err := os.ReadFile(path)
		if err != nil {
			return policyReloadedMsg{gen: gen, stamp: msg.stamp, err: err}
		}
		h := sha256.Sum256(data)
		if bytes.Equal(h[:], old[:]) {
			return policyReloadedMsg{gen: gen, stamp: msg.stamp, hash: h, same: true}
		}
		p, err := policy.Load(path)
		if err != nil {
			return policyReloadedMsg{gen: gen, stamp: msg.stamp, hash: h, err: err}
		}
		return policyReloadedMsg{gen: gen, stamp: msg.stamp, hash: h,
			target: engine.NewTarget(engine.New(p), filepath.Base(path), path)}
	}
}

// onPolicyReloaded makes the reloaded policy the target and re-runs the
// watched checks on it. A policy that no longer loads keeps the last good one.
func (m *Model) onPolicyReloaded(msg policyReloadedMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.polStamp, m.polHash = msg.stamp, msg.hash
	switch {
	case msg.err != nil:
		m.setStatus("policy file changed but does not load (keeping the last good one): "+msg.err.Error(), true)
		return nil
	case msg.same:
		return nil
	}
	stamp, hash, watching := m.polStamp, m.polHash, m.watching
	m.setTarget(msg.target)
	m.polStamp, m.polHash = stamp, hash
	m.watching = watching
	m.setStatus("policy reloaded: "+oneLine(m.info.Name)+" · re-running "+itoa(len(m.watches))+" watched", false)
	return tea.Batch(m.candidatesCmd(), m.rerunWatched())
}

// rerunWatched decides every watched check on the current target in one
// bulk request.
func (m *Model) rerunWatched() tea.Cmd {
	if len(m.watches) == 0 || m.target == nil {
		return nil
	}
	ids := make([]int64, 0, len(m.watches))
	for id := range m.watches {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	cs := make([]pdp.Check, len(ids))
	for i, id := range ids {
		cs[i] = m.watches[id].entry.Check
	}
	t, gen, ctx := m.target, m.gen, m.ctx
	return func() tea.Msg {
		return watchResultMsg{gen: gen, ids: ids, ds: sweep.Decide(ctx, t, cs)}
	}
}

// onWatchResult flags the checks whose answer flipped, with the time and
// the difference in reasons, and records the new answer in the history.
func (m *Model) onWatchResult(msg watchResultMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	var cmds []tea.Cmd
	now := m.now()
	for i, id := range msg.ids {
		w := m.watches[id]
		if w == nil || i >= len(msg.ds) {
			continue
		}
		d := msg.ds[i]
		if d.Outcome != w.last.Outcome {
			w.flips = append(w.flips, flip{at: now, from: w.last.Outcome, to: d.Outcome, diff: reasonRows(w.last.Debug, d.Debug)})
			m.setStatus("⚑ flipped at "+now.Format("15:04:05")+": "+oneLine(w.entry.Check.String())+" "+
				w.last.Outcome.Word()+" → "+d.Outcome.Word()+" · W lists watched checks", d.Outcome != pdp.Allow)
			cmds = append(cmds, addCmd(m.hist, state.Entry{Time: now, Check: w.entry.Check, Decision: d, TargetKind: m.info.Kind, TargetURL: m.info.URL}))
		}
		w.last, w.lastAt = d, now
	}
	m.syncWatchMarks()
	if m.board != nil && m.board.kind == boardWatch {
		m.board.rows = m.watchRows()
	}
	return tea.Batch(cmds...)
}

// watchRows lists the watched checks for the W view: outcome now, the
// check, and the last flip; the selected row shows every flip and its
// reasons' differences.
func (m *Model) watchRows() []boardRow {
	ids := make([]int64, 0, len(m.watches))
	for id := range m.watches {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	s := m.styles
	var rows []boardRow
	for _, id := range ids {
		w := m.watches[id]
		c := w.entry.Check
		status := "steady since " + w.entry.Time.Format("15:04:05")
		if n := len(w.flips); n > 0 {
			f := w.flips[n-1]
			status = "⚑ flipped " + f.from.Word() + " → " + f.to.Word() + " at " + f.at.Format("15:04:05")
		}
		r := boardRow{outcome: w.last.Outcome, hasOut: true, decided: true, cols: []string{"#" + itoa(int(id)), c.String(), status},
			check: &c, dec: w.last, flagged: len(w.flips) > 0}
		for _, f := range w.flips {
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
