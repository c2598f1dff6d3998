package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// historyPane lists decisions newest first. It holds only a window of rows
// around what is visible, and asks the state.History for a new window (in a
// Cmd, pageCmd) whenever the visible rows leave it, so a million-row history
// costs the same to draw as a ten-row one. Windows are asked for by keyset:
// next to an entry already loaded, so that scrolling deep into the history
// never makes the store count its way down from the top.
type historyPane struct {
	filter    textinput.Model
	filtering bool // the filter input has the keyboard
	// outcomes, pinsOnly and disagreed are the d, x, P and D toggles.
	outcomes  []pdp.Outcome
	pinsOnly  bool
	disagreed bool

	counts state.Counts // matching the filter
	// emptiedBy says which part of the filter left nothing, when nothing
	// matches.
	emptiedBy string
	all       state.Counts // everything
	cursor    int          // index of the selected row among the matches
	top       int          // index of the first visible row
	rows      int          // visible list rows
	// w and bodyH are the pane's body size; the filter line takes a row
	// of it when shown.
	w, bodyH int

	win    []state.Entry
	winOff int
	seq    int // sequence of the last page request; older answers are dropped
	// version counts changes to what the list shows (an entry added, the
	// filter edited); the window is stale while loadedVersion lags behind.
	version, loadedVersion int
	lastReq                pageKey
	loaded                 bool
	err                    string
	// follow makes the selection show in the decision pane once its row arrives.
	follow bool

	// mark is the entry marked with m, to compare with another.
	mark state.Entry
	// earlierID is the newest ID when the explorer opened: entries up to it
	// are from earlier runs and show their date. -1 until the first page.
	earlierID int64
	// watched says whether an entry is watched and whether its answer
	// flipped since: "w" and "~" in the row's mark.
	watched func(id int64) (watched, flipped bool)
}

func newHistoryPane(st textinput.Styles) historyPane {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "filter: words that every line must contain"
	in.SetVirtualCursor(false)
	in.SetStyles(st)
	return historyPane{filter: in, version: 1, earlierID: -1}
}

func (h *historyPane) filterText() string { return strings.TrimSpace(h.filter.Value()) }

// stateFilter is what the pane shows: the filter line (free words and
// field:value terms) with the outcome and pins toggles.
func (h *historyPane) stateFilter() state.Filter {
	f := state.ParseFilter(h.filterText())
	f.Outcomes = h.outcomes
	f.Pinned = h.pinsOnly
	f.Disagreed = h.disagreed
	return f
}

// filtered reports whether the pane shows a subset of the history.
func (h *historyPane) filtered() bool { return !h.stateFilter().IsZero() }

// refilter starts the list over after the filter changed.
func (h *historyPane) refilter() {
	h.version++
	h.cursor, h.top = 0, 0
	h.follow = true
}

// toggleOutcome shows only o, or everything again when only o is shown.
func (h *historyPane) toggleOutcome(o pdp.Outcome) {
	if len(h.outcomes) == 1 && h.outcomes[0] == o {
		h.outcomes = nil
	} else {
		h.outcomes = []pdp.Outcome{o}
	}
	h.refilter()
}

// showFilter reports whether the filter line takes the first body row.
func (h *historyPane) showFilter() bool { return h.filtering || h.filterText() != "" }

// setSize sets the body's size (the rows under the title).
func (h *historyPane) setSize(w, bodyH int) {
	h.w, h.bodyH = w, bodyH
	h.filter.SetWidth(max(w-4, 4))
	h.rows = bodyH
	if h.showFilter() {
		h.rows--
	}
	h.rows = max(h.rows, 1)
	h.clamp()
}

// startOver goes back to the newest entry and forgets the mark: the
// history is being cleared.
func (h *historyPane) startOver() {
	h.mark = state.Entry{}
	h.cursor, h.top = 0, 0
}

// relayout sizes the list again after the filter line came or went.
func (h *historyPane) relayout() { h.setSize(h.w, h.bodyH) }

// clamp keeps cursor and top inside the matches and the cursor visible.
func (h *historyPane) clamp() {
	n := h.counts.Total
	h.cursor = min(max(h.cursor, 0), max(n-1, 0))
	if h.cursor < h.top {
		h.top = h.cursor
	}
	if h.cursor >= h.top+h.rows {
		h.top = h.cursor - h.rows + 1
	}
	h.top = min(max(h.top, 0), max(n-h.rows, 0))
}

func (h *historyPane) move(d int) {
	h.cursor += d
	h.follow = true
	h.clamp()
}

func (h *historyPane) scroll(d int) {
	h.top = min(max(h.top+d, 0), max(h.counts.Total-h.rows, 0))
	if h.cursor < h.top {
		h.cursor = h.top
	} else if h.cursor >= h.top+h.rows {
		h.cursor = h.top + h.rows - 1
	}
	h.follow = true
	h.clamp()
}

// entry returns the loaded entry at index i of the matches.
func (h *historyPane) entry(i int) (state.Entry, bool) {
	j := i - h.winOff
	if j < 0 || j >= len(h.win) {
		return state.Entry{}, false
	}
	return h.win[j], true
}

func (h *historyPane) selected() (state.Entry, bool) {
	if h.counts.Total == 0 {
		return state.Entry{}, false
	}
	return h.entry(h.cursor)
}

// need reports the page to load, if the visible rows are not all loaded:
// the query, and the index among the matches of the first entry it returns.
func (h *historyPane) need() (q state.Query, off int, ok bool) {
	visible := h.rows
	fresh := h.loaded && h.loadedVersion == h.version
	if fresh {
		end := min(h.top+visible, h.counts.Total)
		if h.top >= h.winOff && end <= h.winOff+len(h.win) {
			return q, 0, false
		}
	}
	// One screen above and below, so that scrolling a little does not
	// wait for the store.
	off, limit := max(h.top-visible, 0), visible*3
	q = state.Query{Filter: h.stateFilter(), Limit: limit}
	last := h.winOff + len(h.win) - 1 // index of the last loaded entry
	// The skips below are bounded, so a window is always cheap to fetch;
	// beyond them (a jump far from what is loaded) the request starts from
	// the nearer end of the list.
	const maxSkip = 1000
	switch {
	case fresh && len(h.win) > 0 && off > h.winOff && off-min(off-1, last)-1 <= maxSkip:
		// Scrolling down: older than the last loaded entry before off.
		a := min(off-1, last)
		q.Anchor, q.Skip = h.win[a-h.winOff].ID, off-a-1
	case fresh && len(h.win) > 0 && off < h.winOff && max(off+limit, h.winOff)-(off+limit) <= maxSkip:
		// Scrolling up: newer than the first loaded entry after the window.
		b := max(off+limit, h.winOff)
		if b > last {
			b = last
			limit = b - off
			q.Limit = limit
		}
		q.Anchor, q.Up, q.Skip = h.win[b-h.winOff].ID, true, b-(off+limit)
	case off > 0 && h.counts.Total-off < off:
		// Near the oldest end (G): walk up from the oldest entry.
		q.Up = true
		q.Skip = max(h.counts.Total-(off+limit), 0)
		q.Limit = min(limit, h.counts.Total-off)
	default:
		q.Skip = off
	}
	return q, off, true
}

// onPage takes a page of the history; it reports whether the page is the
// one the pane waits for.
func (h *historyPane) onPage(msg pageMsg) bool {
	if msg.seq != h.seq {
		return false
	}
	if msg.err != nil {
		h.err = msg.err.Error()
		return false
	}
	h.err = ""
	if h.earlierID < 0 && msg.top {
		// The first page from the top: what is there now came before this run.
		h.earlierID = 0
		if len(msg.entries) > 0 {
			h.earlierID = msg.entries[0].ID
		}
	}
	h.win, h.winOff = msg.entries, msg.offset
	h.counts, h.all, h.emptiedBy = msg.counts, msg.all, msg.emptiedBy
	h.loadedVersion, h.loaded = msg.version, true
	h.clamp()
	return true
}

// pageKey identifies a page request, so that the same one is not sent twice.
type pageKey struct {
	off, limit, skip int
	anchor           int64
	up               bool
	version          int
}

// view draws the pane's body lines.
func (h *historyPane) view(s Styles, focused bool, w int) []string {
	var lines []string
	if h.showFilter() {
		st := s.Muted
		if h.filtering {
			st = s.Key
		}
		lines = append(lines, fitLine(st.Render("")+h.filter.View(), w))
	}
	switch {
	case h.err != "":
		lines = append(lines, fitLine(s.ErrText.Render(" history: "+oneLine(h.err)), w))
	case !h.loaded && h.counts.Total == 0:
	case h.counts.Total == 0 && h.filtered():
		why := ""
		if h.emptiedBy != "" {
			why = ": " + h.emptiedBy
		}
		for _, ln := range wrap("Nothing matches "+h.filterDesc()+why+"."+h.clearHint(), w-2, "") {
			lines = append(lines, fitLine(s.Dim.Render(" "+ln), w))
		}
	case h.counts.Total == 0:
		lines = append(lines, fitLine(s.Dim.Render(" No decisions yet: fill in the check and press enter."), w))
	}
	cols := h.columns(w)
	for i := h.top; i < min(h.top+h.rows, h.counts.Total); i++ {
		e, ok := h.entry(i)
		if !ok {
			lines = append(lines, fitLine(s.Dim.Render(" …"), w))
			continue
		}
		lines = append(lines, historyRow(s, cols, e, i == h.cursor, focused, h.rowMark(e), h.earlier(e)))
	}
	return lines
}

// columns lays out the rows shown at width w, from what they hold.
func (h *historyPane) columns(w int) historyCols {
	tenantW, targetW, kindW := 0, 0, 0
	seen := map[string]bool{}
	for i := h.top; i < min(h.top+h.rows, h.counts.Total); i++ {
		e, ok := h.entry(i)
		if !ok {
			continue
		}
		if t := e.Check.Resource.Tenant; t != "" {
			tenantW = max(tenantW, width(oneLine("@"+t)))
		}
		targetW = max(targetW, width(oneLine(targetLabel(e, false))))
		seen[string(e.TargetKind)+" "+e.Decision.Target] = true
		kindW = max(kindW, width(oneLine(targetLabel(e, true))))
	}
	return historyColumns(w, tenantW, targetW, kindW, len(seen) > 1)
}

// targetLabel names where e was decided: the target's name, or its kind
// alone when short.
func targetLabel(e state.Entry, short bool) string {
	if short && e.TargetKind != "" {
		return string(e.TargetKind)
	}
	return e.Decision.Target
}

// title is the pane's count line: "37 · 5 denied · 1 error".
func (h *historyPane) title() string {
	c := h.counts
	var b strings.Builder
	b.WriteString(itoa(c.Total))
	if h.filtered() {
		b.WriteString(" of " + itoa(h.all.Total))
	}
	if len(h.outcomes) == 1 {
		b.WriteString(" · " + map[pdp.Outcome]string{pdp.Deny: "denied only", pdp.Error: "errors only", pdp.Allow: "allowed only"}[h.outcomes[0]])
	}
	if h.pinsOnly {
		b.WriteString(" · pins only")
	}
	if h.disagreed {
		b.WriteString(" · disagreements only")
	}
	if c.Denied > 0 {
		b.WriteString(" · " + itoa(c.Denied) + " denied")
	}
	if c.Errors > 0 {
		b.WriteString(" · " + itoa(c.Errors) + " error")
		if c.Errors > 1 {
			b.WriteString("s")
		}
	}
	return b.String()
}

// historyCols are the widths of a row's columns; zero hides a column.
// shortTarget draws the target column as the target's kind (embedded, pdp,
// cloud) when its full name does not fit.
type historyCols struct {
	user, action, resource, tenant, target int
	shortTarget                            bool
}

// historyColumns shares w among the columns of the rows shown. The tenant
// is never cut while there is room for it (its widest label, tenantW); the
// target comes next, by name (targetW) or else by kind (kindW), so that a
// local and a cloud decision do not look the same; user, action and
// resource share what is left. When the rows all come from one target
// (mixed false), its kind alone tells nothing apart, and the name is shown
// only where it costs the other columns nothing.
func historyColumns(w, tenantW, targetW, kindW int, mixed bool) historyCols {
	flex := w - 9 - 8  // outcome mark, latency
	const minRest = 30 // user, action, resource at their narrowest
	var c historyCols
	if flex < 40 {
		c = historyCols{user: max(flex*40/100, 1), action: max(flex*25/100, 1), resource: max(flex*35/100, 1)}
		c.resource += max(flex-(c.user+c.action+c.resource), 0)
		return c
	}
	c.tenant = min(max(tenantW+1, 9), flex-minRest)
	rest := flex - c.tenant
	switch {
	case targetW > 0 && rest-(targetW+1) >= minRest+6:
		c.target = targetW + 1
	case mixed && kindW > 0 && rest-(kindW+1) >= minRest:
		c.target, c.shortTarget = kindW+1, true
	}
	rest -= c.target
	c.user, c.action = rest*38/100, rest*22/100
	c.resource = rest - c.user - c.action
	return c
}

// historyRow draws one decision on one line: outcome, user, action,
// resource, tenant, target, latency. A stored row may come from any PDP, so
// every part is cleaned of escape sequences before it is drawn.
func historyRow(s Styles, c historyCols, e state.Entry, selected, focused bool, markCh string, earlier bool) string {
	o := e.Decision.Outcome
	// Each column keeps one blank cell before the next.
	col := func(txt string, w int) string {
		if w <= 0 {
			return ""
		}
		return cell(oneLine(txt), w-1) + " "
	}
	tenant := e.Check.Resource.Tenant
	if tenant != "" {
		tenant = "@" + tenant
	}
	mid := col(e.Check.User.Key, c.user) + col(e.Check.Action, c.action) +
		col(e.Check.Resource.Ref(), c.resource) + col(tenant, c.tenant) + col(targetLabel(e, c.shortTarget), c.target)
	when := fmtLatency(e.Decision.Latency)
	if earlier {
		when = fmtDate(e.Time)
	}
	lat := padLeft(when, 7) + " "
	mark := markCh + o.Symbol() + " " + padRight(o.Word(), 6)
	if selected {
		st := s.inkSelBl
		if focused {
			st = s.inkSel
		}
		return st.Render(mark + mid + lat)
	}
	return s.inkOutcome[o].Render(mark) + s.inkRow.Render(mid) + s.inkDim.Render(lat)
}

// rowMark is the cell before the outcome: ">" for the entry marked to
// compare, "~" for a watched check whose answer flipped, "≠" for a remote
// decision its snapshot decided otherwise, "w" for a watched one, "*" for a pinned one, "✎" for one with a note when the cell is free
// (the decision pane shows the note).
func (h *historyPane) rowMark(e state.Entry) string {
	var watched, flipped bool
	if h.watched != nil {
		watched, flipped = h.watched(e.ID)
	}
	switch {
	case h.mark.ID != 0 && e.ID == h.mark.ID:
		return ">"
	case watched && flipped:
		return "~"
	case e.Decision.Agreement != nil && !e.Decision.Agreement.Agrees():
		return "≠"
	case watched:
		return "w"
	case e.Pinned:
		return "*"
	case e.Note != "":
		return "✎"
	}
	return " "
}

// earlier reports whether e was recorded before the explorer opened.
func (h *historyPane) earlier(e state.Entry) bool { return e.ID != 0 && e.ID <= h.earlierID }

// fmtDate is an earlier run's date in the latency column: "Mar 14", or
// "2024-03" for another year, in the zone the time was read in (local for
// the SQLite store).
func fmtDate(t time.Time) string {
	if t.Year() != time.Now().Year() {
		return t.Format("2006-01")
	}
	return t.Format("Jan 02")
}

// filterDesc says what the filter is, for "Nothing matches …".
func (h *historyPane) filterDesc() string {
	var parts []string
	if t := h.filterText(); t != "" {
		parts = append(parts, "“"+oneLine(t)+"”")
	}
	if len(h.outcomes) == 1 {
		parts = append(parts, h.outcomes[0].String()+" only")
	}
	if h.pinsOnly {
		parts = append(parts, "pins only")
	}
	if h.disagreed {
		parts = append(parts, "the snapshot disagreed")
	}
	return strings.Join(parts, ", ")
}

func (h *historyPane) clearHint() string {
	if h.filterText() != "" {
		return " esc clears the filter."
	}
	return ""
}
