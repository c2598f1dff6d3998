package ui

import "charm.land/bubbles/v2/key"

// keyMap holds every binding, grouped by where it applies. The help overlay
// and the footer read the groups for the current focus, so a key added here
// is documented by construction.
type keyMap struct {
	// Everywhere.
	Quit, Help, Target, Raw, DecUp, DecDown key.Binding
	// Outside text fields only.
	QuitQ, HelpQ, FocusForm key.Binding

	// Form.
	Send, Next, Prev, FieldUp, FieldDown, Complete, SuggestNext, SuggestPrev, Editor, Cancel, Leave key.Binding

	// History.
	Up, Down, PageUp, PageDown, Top, Bottom, Rerun, Edit, Filter, Read, NextPane, PrevPane key.Binding
	DeniedOnly, ErrorsOnly, Pin, PinsOnly, Delete, ClearAll, Mark, Compare                 key.Binding
	// History filter input.
	FilterApply, FilterClear key.Binding

	// Decision.
	ScrollUp, ScrollDown, RawV, Back key.Binding

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

		QuitQ:     b(ks("q"), "q", "quit"),
		HelpQ:     b(ks("?"), "?", "help"),
		FocusForm: b(ks("i"), "i", "edit the check"),

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
		Delete:     b(ks("delete"), "delete", "delete the entry"),
		ClearAll:   b(ks("C"), "C", "clear the history…"),
		Mark:       b(ks("m"), "m", "mark, then m on another: compare"),
		Compare:    b(ks("c"), "c", "compare with a fresh re-run"),

		FilterApply: b(ks("enter"), "enter", "keep filter"),
		FilterClear: b(ks("esc"), "esc", "clear filter"),

		ScrollUp:   b(ks("up", "k"), "↑/k", "scroll up"),
		ScrollDown: b(ks("down", "j"), "↓/j", "scroll down"),
		RawV:       b(ks("v"), "v", "raw JSON ⇄ explanation"),
		Back:       b(ks("esc"), "esc", "back to history"),

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
	global := []key.Binding{k.Help, k.Target, k.Raw, k.DecUp, k.DecDown, k.Quit}
	switch f {
	case focusHistory:
		return focusKeys{
			short: []key.Binding{short(k.Up, "newer"), short(k.Down, "older"), short(k.Rerun, "re-run"),
				short(k.Edit, "edit"), k.Filter, short(k.Target, "target"), k.HelpQ, k.QuitQ},
			full: [][]key.Binding{
				{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
				{k.Read, k.Rerun, k.Edit, k.Filter, k.FocusForm, k.NextPane, k.PrevPane},
				{k.DeniedOnly, k.ErrorsOnly, k.Pin, k.PinsOnly, k.Delete, k.ClearAll, k.Mark, k.Compare},
				append([]key.Binding{k.HelpQ, k.QuitQ}, global...),
			},
		}
	case focusFilter:
		return focusKeys{
			short: []key.Binding{k.FilterApply, k.FilterClear, k.Help, k.Quit},
			full:  [][]key.Binding{{k.FilterApply, k.FilterClear}, global},
		}
	case focusDecision:
		return focusKeys{
			short: []key.Binding{k.ScrollUp, k.ScrollDown, short(k.RawV, "raw JSON"), short(k.Back, "history"),
				short(k.Target, "target"), k.HelpQ, k.QuitQ},
			full: [][]key.Binding{
				{k.ScrollUp, k.ScrollDown, k.PageUp, k.PageDown, k.Top, k.Bottom},
				{k.RawV, k.Back, k.FocusForm, k.NextPane, k.PrevPane},
				append([]key.Binding{k.HelpQ, k.QuitQ}, global...),
			},
		}
	default:
		return focusKeys{
			short: []key.Binding{short(k.Send, "send"), short(k.Next, "next field"),
				short(k.Leave, "history"), short(k.Target, "target"), k.Help, k.Quit},
			full: [][]key.Binding{
				{k.Send, k.Next, k.Prev, k.FieldUp, k.FieldDown},
				{k.Complete, k.SuggestNext, k.SuggestPrev, k.Editor, k.Cancel, k.Leave},
				global,
			},
		}
	}
}
