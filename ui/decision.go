package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/state"
)

// decisionPane shows one decision, explained or raw, in a viewport. Its
// lines are rebuilt only when what it shows changes (refresh), not on every
// frame.
type decisionPane struct {
	vp      viewport.Model
	entry   state.Entry
	has     bool
	raw     bool
	pending *pdp.Check // the check in flight, drawn with the spinner
	w, h    int
	lines   []string // the content, fitted to w
	dirty   bool
	// built remembers what the content was built for, to skip needless rebuilds.
	builtW int
	dark   bool

	// x is the shown decision's explanation, once its Cmd has answered
	// (nil until then). Explaining re-decides (flips are verified by
	// deciding again), so it never runs in Update or View.
	x *explain.Explanation
	// xSeq counts the decisions shown: an explanation for an older one is
	// dropped. xWant asks sync to start (or find cached) the explanation.
	xSeq  int
	xWant bool
	// xEng is the engine the shown decision is explained with (nil: remote).
	xEng *engine.Engine
	// cache keeps explanations of stored decisions, so that moving through
	// the history does not explain the same decision twice. It is shared
	// by every copy of the model and only touched in Update.
	cache map[xKey]cachedX
	// pair is the snapshot's side of a paired decision, with x (nil for
	// any other decision, and until the explanation answers).
	pair *pairing
}

// xKey is a stored decision explained with an engine (or nil): the same
// row explained with another policy is another explanation.
type xKey struct {
	id  int64
	eng *engine.Engine
}

// maxCached bounds the cache; past it, the cache starts afresh (explaining
// again is cheap next to keeping every decision ever browsed).
const maxCached = 256

// cachedX is a cached explanation, with its snapshot's side for a
// paired decision (nil for any other).
type cachedX struct {
	x    *explain.Explanation
	pair *pairing
}

func (d *decisionPane) remember(k xKey, x *explain.Explanation, pair *pairing) {
	if k.id == 0 || x == nil {
		return
	}
	if len(d.cache) >= maxCached {
		clear(d.cache)
	}
	d.cache[k] = cachedX{x, pair}
}

func newDecisionPane() decisionPane {
	vp := viewport.New()
	// The pane takes its keys itself (update); the viewport must not read
	// letters while the form has focus.
	vp.KeyMap = viewport.KeyMap{}
	vp.MouseWheelDelta = 3
	return decisionPane{vp: vp, cache: map[xKey]cachedX{}}
}

func (d *decisionPane) setSize(w, h int) {
	if w != d.w || h != d.h {
		d.w, d.h = w, h
		d.vp.SetWidth(max(w, 1))
		d.vp.SetHeight(max(h, 1))
		d.dirty = true
	}
}

func (d *decisionPane) show(e state.Entry) {
	if d.has && d.entry.ID == e.ID && e.ID != 0 && !d.dirty {
		return
	}
	d.entry, d.has, d.dirty = e, true, true
	d.x, d.xWant = nil, true
	d.xSeq++
	d.vp.GotoTop()
}

// stored takes the history's ID of e, once it is stored, when e is the
// decision shown: its explanation is kept under that ID.
func (d *decisionPane) stored(e state.Entry) {
	if d.has && d.entry.ID == 0 && d.entry.Time.Equal(e.Time) {
		d.entry.ID = e.ID
		if d.x != nil {
			d.remember(xKey{id: e.ID, eng: d.xEng}, d.x, d.pair)
		}
	}
}

func (d *decisionPane) toggleRaw() {
	d.raw = !d.raw
	d.dirty = true
	d.vp.GotoTop()
}

// refresh rebuilds the viewport content if anything it depends on changed.
func (d *decisionPane) refresh(s Styles) {
	if !d.dirty && d.builtW == d.w && d.dark == s.IsDark {
		return
	}
	d.dirty, d.builtW, d.dark = false, d.w, s.IsDark
	var lines []string
	switch {
	case !d.has:
		lines = welcome(s, d.w)
	case d.raw:
		lines = rawLines(s, d.entry, d.w)
	default:
		lines = decisionLines(s, d.entry, d.x, d.pair, d.w, d.h >= 14)
	}
	// Fit once here, so that drawing a frame is only slicing.
	for i, l := range lines {
		lines[i] = fitLine(l, d.w)
	}
	d.vp.SetContentLines(lines)
	d.lines = lines
}

func (d *decisionPane) view(s Styles, spin string) []string {
	if d.pending != nil {
		return []string{
			" " + s.Key.Render(spin) + " " + s.Bold.Render("asking ") + s.Row.Render(oneLine(d.pending.String())),
			" " + s.Dim.Render("the interface stays live · esc cancels"),
		}
	}
	// The viewport keeps the scroll position; the lines are already fitted,
	// so the visible ones are a slice (viewport.View would measure them all).
	off := min(d.vp.YOffset(), max(len(d.lines)-1, 0))
	return d.lines[off:min(off+d.h, len(d.lines))]
}

// scrollNote is the title's scroll position, when there is more to see.
func (d *decisionPane) scrollNote() string {
	if d.pending != nil || d.vp.TotalLineCount() <= d.vp.Height() {
		return ""
	}
	switch {
	case d.vp.AtTop():
		return "more ↓"
	case d.vp.AtBottom():
		return "end ↑"
	}
	return itoa(int(d.vp.ScrollPercent()*100+0.5)) + "% ↕"
}

func welcome(s Styles, w int) []string {
	lines := []string{"", " " + s.Bold.Render("Fill in the check and press enter.")}
	intro := s.Muted.Render("The decision appears here: ") + s.Allow.Render("✓ ALLOW") + s.Muted.Render(", ") +
		s.Deny.Render("✗ DENY") + s.Muted.Render(" or ") + s.Error.Render("! ERROR") + s.Muted.Render(", with the reasons.")
	for _, l := range strings.Split(ansi.Wrap(intro, w-2, " "), "\n") {
		lines = append(lines, " "+l)
	}
	for _, l := range wrap("Attribute fields take k=v pairs; a value is JSON when it parses, so tier=3 is a number and tier=\"3\" a string.", w-2, "") {
		lines = append(lines, " "+s.Dim.Render(l))
	}
	return lines
}

// update takes a key while the decision pane has the focus: it scrolls,
// and v shows the raw JSON.
func (d *decisionPane) update(msg tea.KeyPressMsg, k keyMap) action {
	vp := &d.vp
	switch {
	case key.Matches(msg, k.ScrollUp):
		vp.ScrollUp(1)
	case key.Matches(msg, k.ScrollDown):
		vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.Top):
		vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		vp.GotoBottom()
	case key.Matches(msg, k.RawV):
		d.toggleRaw()
	case key.Matches(msg, k.Back, k.PrevPane):
		return focusOn{focusHistory}
	case key.Matches(msg, k.NextPane):
		return focusOn{focusForm}
	}
	return nil
}
