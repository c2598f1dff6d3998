package ui

import (
	"slices"

	"charm.land/bubbles/v2/key"
)

// keyMap holds every binding, grouped by where it applies. The help overlay
// and the footer read the groups for the current focus, so a key added here
// is documented by construction.
type keyMap struct {
	// Everywhere.
	Quit, Help, Target, Raw, DecUp, DecDown, Zoom key.Binding
	// Many checks at once, from the check in the form (everywhere too).
	Matrix, Perms, Sweep, Side key.Binding
	// Export writes the pinned history entries as a scenario file, and
	// CopyAlt copies the shown check as code (everywhere, text fields too).
	Export, CopyAlt key.Binding
	// Outside text fields only.
	QuitQ, HelpQ, FocusForm, Copy key.Binding

	// Form.
	Send, Next, Prev, FieldUp, FieldDown, Complete, SuggestNext, SuggestPrev, Editor, Cancel, Leave key.Binding

	// History.
	Up, Down, PageUp, PageDown, Top, Bottom, Rerun, Edit, Filter, Read, NextPane, PrevPane key.Binding
	DeniedOnly, ErrorsOnly, Pin, PinsOnly, DisagreedOnly, Delete, ClearAll, Mark, Compare  key.Binding
	Watch, Watched, Note                                                                   key.Binding
	// History filter input.
	FilterApply, FilterClear key.Binding

	// Decision.
	ScrollUp, ScrollDown, RawV, Back key.Binding

	// The explanation: flips by number, card and warning actions by letter.
	// The alt+ forms work everywhere, in text fields too; the plain ones
	// outside text fields (b–d only in the decision pane: the history
	// uses c and d).
	Flip, FlipAlt, Act, ActMore, ActAlt key.Binding

	// Dialogs.
	DialogOK, DialogCancel, DialogNext key.Binding
}

func defaultKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	ks := func(k ...string) []string { return k }
	return keyMap{
		Quit:    b(ks("ctrl+c"), "ctrl+c", "quit"),
		Help:    b(ks("f1"), "F1", "help"),
		Target:  b(ks("ctrl+t"), "ctrl+t", "switch target"),
		Raw:     b(ks("ctrl+o"), "ctrl+o", "raw JSON ⇄ explanation"),
		DecUp:   b(ks("pgup"), "pgup", "scroll decision up"),
		DecDown: b(ks("pgdown"), "pgdn", "scroll decision down"),
		// Not a letter: it works from the form, where letters are typed.
		Zoom: b(ks("ctrl+z"), "ctrl+z", "the decision full screen (again: back)"),

		Matrix: b(ks("ctrl+g"), "ctrl+g", "matrix: the check over two axes"),
		Perms:  b(ks("ctrl+r"), "ctrl+r", "what this user can do (tab: who can)"),
		Sweep:  b(ks("ctrl+s"), "ctrl+s", "tenant sweep: the check in every tenant"),
		// Side was ctrl+x until the scenario export took it. Not ctrl+b:
		// that is tmux's prefix, and the text fields' cursor-left, which a
		// global key would steal.
		Side: b(ks("ctrl+l"), "ctrl+l", "the check on two targets side by side"),

		Export:  b(ks("ctrl+x"), "ctrl+x", "export the pins as a scenario file"),
		CopyAlt: b(ks("alt+y"), "alt+y", "copy the check as code (in text fields too)"),

		QuitQ:     b(ks("q"), "q", "quit"),
		HelpQ:     b(ks("?"), "?", "help"),
		FocusForm: b(ks("i"), "i", "edit the check"),
		Copy:      b(ks("y"), "y", "copy the check as code: curl, Python, Node, Go"),

		Send:        b(ks("enter"), "enter", "send the check"),
		Next:        b(ks("tab"), "tab", "next field"),
		Prev:        b(ks("shift+tab"), "shift+tab", "previous field"),
		FieldUp:     b(ks("up"), "↑", "previous field (or suggestion)"),
		FieldDown:   b(ks("down"), "↓", "next field (or suggestion)"),
		Complete:    b(ks("tab"), "tab", "accept the suggestion shown"),
		SuggestNext: b(ks("ctrl+n"), "ctrl+n", "show / next suggestion"),
		SuggestPrev: b(ks("ctrl+p"), "ctrl+p", "previous suggestion"),
		Editor:      b(ks("ctrl+e"), "ctrl+e", "edit attributes in $EDITOR"),
		Cancel:      b(ks("esc"), "esc", "cancel the check in flight"),
		Leave:       b(ks("esc"), "esc", "close suggestions, else go to history"),

		Up:       b(ks("up", "k"), "↑/k", "newer"),
		Down:     b(ks("down", "j"), "↓/j", "older"),
		PageUp:   b(ks("pgup", "ctrl+u"), "pgup", "page up"),
		PageDown: b(ks("pgdown", "ctrl+d"), "pgdn", "page down"),
		Top:      b(ks("home", "g"), "g/home", "newest"),
		Bottom:   b(ks("end", "G"), "G/end", "oldest"),
		Rerun:    b(ks("r"), "r", "re-run on the current target"),
		Edit:     b(ks("e"), "e", "load into the form"),
		Filter:   b(ks("/"), "/", "filter"),
		Read:     b(ks("enter"), "enter", "read the decision"),
		NextPane: b(ks("tab"), "tab", "next pane"),
		PrevPane: b(ks("shift+tab"), "shift+tab", "previous pane"),

		DeniedOnly: b(ks("d"), "d", "denied only (again: all)"),
		ErrorsOnly: b(ks("x"), "x", "errors only (again: all)"),
		Pin:        b(ks("p"), "p", "pin / unpin"),
		PinsOnly:   b(ks("P"), "P", "pins only (again: all)"),
		// ≠ marks them in the list: decisions a paired target's snapshot
		// decided otherwise.
		DisagreedOnly: b(ks("D"), "D", "the snapshot disagreed (≠) only (again: all)"),
		Delete:        b(ks("delete"), "delete", "delete the entry"),
		ClearAll:      b(ks("C"), "C", "clear the history…"),
		Mark:          b(ks("m"), "m", "mark, then m on another: compare"),
		Compare:       b(ks("c"), "c", "compare with a fresh re-run"),
		Watch:         b(ks("w"), "w", "watch (pins; flags a flip)"),
		Watched:       b(ks("W"), "W", "watched checks and their flips"),
		Note:          b(ks("n"), "n", "note on the entry (empty removes it)"),

		FilterApply: b(ks("enter"), "enter", "keep filter"),
		FilterClear: b(ks("esc"), "esc", "clear filter"),

		ScrollUp:   b(ks("up", "k"), "↑/k", "scroll up"),
		ScrollDown: b(ks("down", "j"), "↓/j", "scroll down"),
		RawV:       b(ks("v"), "v", "raw JSON ⇄ explanation"),
		Back:       b(ks("esc"), "esc", "back to history"),

		Flip:    b(ks("1", "2", "3", "4", "5"), "1-5", "apply flip N to the check and re-run"),
		FlipAlt: b(ks("alt+1", "alt+2", "alt+3", "alt+4", "alt+5"), "alt+1-5", "apply flip N (in text fields too)"),
		Act:     b(ks("a"), "a", "take the next step of the first card"),
		ActMore: b(ks("b", "c", "d"), "b-d", "take the next step marked b, c, d"),
		ActAlt:  b(ks("alt+a", "alt+b", "alt+c", "alt+d"), "alt+a-d", "take the next step marked a-d (in text fields too)"),

		DialogOK:     b(ks("enter"), "enter", "confirm"),
		DialogCancel: b(ks("esc"), "esc", "close"),
		DialogNext:   b(ks("tab", "shift+tab", "up", "down"), "tab/↑↓", "move"),
	}
}

// help.KeyMap for each focus: the footer shows ShortHelp, the overlay FullHelp.

type focusKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (f focusKeys) ShortHelp() []key.Binding  { return f.short }
func (f focusKeys) FullHelp() [][]key.Binding { return f.full }

// short copies a binding with a terser description for the footer.
func short(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}

func (k keyMap) forFocus(f focus) focusKeys {
	// Some pairs share a help row, so that the form's keys fit an 80×24
	// overlay in one column.
	// The zoom shares the scroll row: both are about reading the decision.
	scroll := key.NewBinding(key.WithKeys(slices.Concat(k.DecUp.Keys(), k.DecDown.Keys(), k.Zoom.Keys())...),
		key.WithHelp("pgup/dn ctrl+z", "scroll the decision · full screen"))
	global := []key.Binding{k.Help, k.Target, k.Raw, scroll, k.Quit}
	// The many-checks keys share one help row, and so do w and W, so that
	// every focus's keys still fit an 80×24 overlay.
	many := []key.Binding{key.NewBinding(key.WithKeys(slices.Concat(k.Matrix.Keys(), k.Perms.Keys(), k.Sweep.Keys(), k.Side.Keys())...),
		key.WithHelp("ctrl+g/r/s/l", "matrix/user can/tenants/2 targets"))}
	// The form's two esc meanings share a row (see the form's rows below).
	esc := key.NewBinding(key.WithKeys(k.Cancel.Keys()...), key.WithHelp("esc", "cancel a check in flight, else close / go to history"))
	// y and ctrl+x share a row, and the history's page keys another, so
	// that the history's keys fit a 140×40 overlay in one column.
	share := key.NewBinding(key.WithKeys(append(k.Copy.Keys(), k.Export.Keys()...)...), key.WithHelp("y · ctrl+x", "copy the check as code · export the pins"))
	pages := key.NewBinding(key.WithKeys(append(k.PageUp.Keys(), k.PageDown.Keys()...)...), key.WithHelp("pgup/pgdn", "page up / down"))
	// p and n share a row too: both keep something with the entry.
	pinNote := key.NewBinding(key.WithKeys(append(k.Pin.Keys(), k.Note.Keys()...)...), key.WithHelp("p · n", "pin / unpin · note on the entry"))
	// P and D share a row: both narrow the list to marked rows.
	only := key.NewBinding(key.WithKeys(append(k.PinsOnly.Keys(), k.DisagreedOnly.Keys()...)...), key.WithHelp("P · D", "pins only · ≠ (the snapshot disagreed) only"))
	watch := key.NewBinding(key.WithKeys(append(k.Watch.Keys(), k.Watched.Keys()...)...), key.WithHelp("w/W", "watch (pins) / watched list"))
	switch f {
	case focusHistory:
		return focusKeys{
			short: []key.Binding{short(k.Up, "newer"), short(k.Down, "older"), short(k.Rerun, "re-run"),
				short(k.Edit, "edit"), k.Filter, short(k.Target, "target"), k.HelpQ, k.QuitQ},
			full: [][]key.Binding{
				{k.Up, k.Down, pages, k.Top, k.Bottom},
				{k.Read, k.Rerun, k.Edit, k.Filter, k.FocusForm, k.NextPane, k.PrevPane},
				{k.DeniedOnly, k.ErrorsOnly, pinNote, only, k.Delete, k.ClearAll, k.Mark, k.Compare, watch},
				{k.Flip, k.Act, k.FlipAlt, k.ActAlt},
				{share},
				many,
				append([]key.Binding{k.HelpQ, k.QuitQ}, global...),
			},
		}
	case focusFilter:
		return focusKeys{
			short: []key.Binding{k.FilterApply, k.FilterClear, k.Help, k.Quit},
			full:  [][]key.Binding{{k.FilterApply, k.FilterClear}, {k.CopyAlt, k.Export}, many, global},
		}
	case focusDecision:
		return focusKeys{
			short: []key.Binding{k.ScrollUp, k.ScrollDown, short(k.RawV, "raw JSON"), short(k.Back, "history"),
				short(k.Target, "target"), k.HelpQ, k.QuitQ},
			full: [][]key.Binding{
				{k.ScrollUp, k.ScrollDown, k.PageUp, k.PageDown, k.Top, k.Bottom},
				{k.RawV, k.Back, k.FocusForm, k.NextPane, k.PrevPane},
				{k.Flip, k.Act, k.ActMore, k.FlipAlt, k.ActAlt},
				{share},
				many,
				append([]key.Binding{k.HelpQ, k.QuitQ}, global...),
			},
		}
	default:
		return focusKeys{
			short: []key.Binding{short(k.Send, "send"), short(k.Next, "next field"),
				short(k.Leave, "history"), short(k.Target, "target"), k.Help, k.Quit},
			full: [][]key.Binding{
				{k.Send, k.Next, k.Prev, k.FieldUp, k.FieldDown},
				{k.Complete, k.SuggestNext, k.SuggestPrev, k.Editor, esc},
				{key.NewBinding(key.WithKeys(slices.Concat(k.FlipAlt.Keys(), k.ActAlt.Keys(), k.CopyAlt.Keys())...),
					key.WithHelp("alt+1-5/a-d/y", "a flip / a next step / copy the check as code"))},
				{k.Export},
				many,
				global,
			},
		}
	}
}

// explainHints are the footer's hints for the shown decision's flips and
// first action, in the form the focus accepts (alt+ in text fields). They
// come first: they are what a person reading a denial wants next.
func (m Model) explainHints() []key.Binding {
	x := m.dec.x
	if x == nil || m.dec.pending != nil || m.dialog != nil {
		return nil
	}
	alt := m.focus == focusForm || m.focus == focusFilter
	var out []key.Binding
	if n := len(x.Flips); n > 0 {
		k := "1"
		if n > 1 {
			k += "-" + itoa(n)
		}
		if alt {
			k = "alt+" + k
		}
		desc := "flip"
		if n == 1 {
			desc = "flip: " + x.Flips[0].Action.Label
		}
		out = append(out, key.NewBinding(key.WithKeys(k), key.WithHelp(k, truncate(oneLine(desc), 28))))
	}
	if acts := keyedActions(x); len(acts) > 0 {
		k := "a"
		if alt {
			k = "alt+a"
		}
		out = append(out, key.NewBinding(key.WithKeys(k), key.WithHelp(k, truncate(oneLine(acts[0].action.Label), 28))))
	}
	return out
}
