package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	"github.com/pdpx/pdpx/state"
)

// historyPane lists decisions newest first. It holds only a window of rows
// around what is visible; the root asks the state.History for a new window
// (in a Cmd) whenever the visible rows leave it, so a million-row history
// costs the same to draw as a ten-row one.
type historyPane struct {
	filter    textinput.Model
	filtering bool // the filter input has the keyboard

	counts state.Counts // matching the filter
	all    state.Counts // everything
	cursor int          // index of the selected row among the matches
	top    int          // index of the first visible row
	rows   int          // visible list rows

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
}

func newHistoryPane(st textinput.Styles) historyPane {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "filter: words that every line must contain"
	in.SetVirtualCursor(false)
	in.SetStyles(st)
	return historyPane{filter: in, version: 1}
}

func (h *historyPane) filterText() string { return strings.TrimSpace(h.filter.Value()) }

// showFilter reports whether the filter line takes the first body row.
func (h *historyPane) showFilter() bool { return h.filtering || h.filterText() != "" }

// setSize sets the body height (rows under the title).
func (h *historyPane) setSize(w, bodyH int) {
	h.filter.SetWidth(max(w-4, 4))
	h.rows = bodyH
	if h.showFilter() {
		h.rows--
	}
	h.rows = max(h.rows, 1)
	h.clamp()
}

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

// need reports the page to load, if the visible rows are not all loaded.
func (h *historyPane) need() (offset, limit int, ok bool) {
	visible := h.rows
	if h.loaded && h.loadedVersion == h.version {
		end := min(h.top+visible, h.counts.Total)
		if h.top >= h.winOff && end <= h.winOff+len(h.win) {
			return 0, 0, false
		}
	}
	// One screen above and below, so that scrolling a little does not
	// wait for the store.
	offset = max(h.top-visible, 0)
	return offset, visible * 3, true
}

// pageKey identifies a page request, so that the same one is not sent twice.
type pageKey struct{ offset, limit, version int }

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
	case h.counts.Total == 0 && h.filterText() != "":
		lines = append(lines, fitLine(s.Dim.Render(" Nothing matches “"+oneLine(h.filterText())+"”. esc clears the filter."), w))
	case h.counts.Total == 0:
		lines = append(lines, fitLine(s.Dim.Render(" No decisions yet: fill in the check and press enter."), w))
	}
	cols := historyColumns(w)
	for i := h.top; i < min(h.top+h.rows, h.counts.Total); i++ {
		e, ok := h.entry(i)
		if !ok {
			lines = append(lines, fitLine(s.Dim.Render(" …"), w))
			continue
		}
		lines = append(lines, historyRow(s, cols, e, i == h.cursor, focused))
	}
	return lines
}

// title is the pane's count line: "37 · 5 denied · 1 error".
func (h *historyPane) title() string {
	c := h.counts
	var b strings.Builder
	b.WriteString(itoa(c.Total))
	if h.filterText() != "" {
		b.WriteString(" of " + itoa(h.all.Total))
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
type historyCols struct{ user, action, resource, tenant, target int }

func historyColumns(w int) historyCols {
	flex := w - 9 - 8 // outcome mark, latency
	var c historyCols
	switch {
	case flex >= 64:
		c = historyCols{flex * 24 / 100, flex * 14 / 100, flex * 26 / 100, flex * 14 / 100, flex * 22 / 100}
	case flex >= 40:
		c = historyCols{flex * 32 / 100, flex * 20 / 100, flex * 32 / 100, flex * 16 / 100, 0}
	default:
		c = historyCols{max(flex*40/100, 1), max(flex*25/100, 1), max(flex*35/100, 1), 0, 0}
	}
	// Integer shares leave a few cells over; the resource gets them.
	c.resource += max(flex-(c.user+c.action+c.resource+c.tenant+c.target), 0)
	return c
}

// historyRow draws one decision on one line: outcome, user, action,
// resource, tenant, target, latency. A stored row may come from any PDP, so
// every part is cleaned of escape sequences before it is drawn.
func historyRow(s Styles, c historyCols, e state.Entry, selected, focused bool) string {
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
		col(e.Check.Resource.Ref(), c.resource) + col(tenant, c.tenant) + col(e.Decision.Target, c.target)
	lat := padLeft(fmtLatency(e.Decision.Latency), 7) + " "
	mark := " " + o.Symbol() + " " + padRight(o.Word(), 6)
	if selected {
		st := s.inkSelBl
		if focused {
			st = s.inkSel
		}
		return st.Render(mark + mid + lat)
	}
	return s.inkOutcome[o].Render(mark) + s.inkRow.Render(mid) + s.inkDim.Render(lat)
}
