package ui

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// Actions the history pane answers with.
type (
	// changeHistory runs f on the store in a Cmd (pin, delete) and says
	// done when it has; the list reloads then.
	changeHistory struct {
		done string
		f    func(context.Context, state.History) error
	}
	// compareEntries opens the compare view on two entries.
	compareEntries struct{ a, b state.Entry }
	// rerun sends e's check again; with compare, the answer is compared
	// with e.
	rerun struct {
		e       state.Entry
		compare bool
	}
	// editInForm loads check into the form and focuses its first field,
	// saying status; shown, when set, goes in the decision pane. A view
	// over the panes closes.
	editInForm struct {
		check  pdp.Check
		status string
		shown  *state.Entry
	}
	// askClear asks before the history is cleared.
	askClear struct{}
	// annotate opens the note prompt on e.
	annotate struct{ e state.Entry }
	// watch watches e, or stops watching it.
	watch struct{ e state.Entry }
	// listWatched opens the watched checks.
	listWatched struct{}
)

// update takes a key while the history or its filter has the focus.
func (h *historyPane) update(msg tea.KeyPressMsg, k keyMap) action {
	if h.filtering {
		return h.filterKey(msg, k)
	}
	switch {
	case key.Matches(msg, k.Up):
		h.move(-1)
	case key.Matches(msg, k.Down):
		h.move(1)
	case key.Matches(msg, k.PageUp):
		h.move(-h.rows)
	case key.Matches(msg, k.PageDown):
		h.move(h.rows)
	case key.Matches(msg, k.Top):
		h.move(-h.counts.Total)
	case key.Matches(msg, k.Bottom):
		h.move(h.counts.Total)
	case key.Matches(msg, k.Filter):
		return focusOn{focusFilter}
	case key.Matches(msg, k.FilterClear) && h.filterText() != "":
		h.filter.SetValue("")
		h.refilter()
		h.relayout()
	case key.Matches(msg, k.DeniedOnly):
		h.toggleOutcome(pdp.Deny)
	case key.Matches(msg, k.ErrorsOnly):
		h.toggleOutcome(pdp.Error)
	case key.Matches(msg, k.PinsOnly):
		h.pinsOnly = !h.pinsOnly
		h.refilter()
	case key.Matches(msg, k.DisagreedOnly):
		h.disagreed = !h.disagreed
		h.refilter()
	case key.Matches(msg, k.ClearAll):
		if h.all.Total > 0 {
			return askClear{}
		}
	case key.Matches(msg, k.Note):
		if e, ok := h.selected(); ok && e.ID != 0 {
			return annotate{e}
		}
		return say{status: "no stored entry selected: a note goes on a history entry"}
	case key.Matches(msg, k.Watched):
		return listWatched{}
	case key.Matches(msg, k.Read, k.NextPane):
		return focusOn{focusDecision}
	case key.Matches(msg, k.PrevPane):
		return focusOn{focusForm}
	default:
		if e, ok := h.selected(); ok {
			return h.entryKey(msg, k, e)
		}
	}
	return nil
}

// entryKey takes a key that acts on the selected entry, e.
func (h *historyPane) entryKey(msg tea.KeyPressMsg, k keyMap, e state.Entry) action {
	stored := e.ID != 0
	switch {
	case key.Matches(msg, k.Pin) && stored:
		word := "pinned"
		if e.Pinned {
			word = "unpinned"
		}
		return changeHistory{word + ": " + oneLine(e.Check.String()), func(ctx context.Context, st state.History) error {
			return st.SetPinned(ctx, e.ID, !e.Pinned)
		}}
	case key.Matches(msg, k.Delete) && stored:
		if h.mark.ID == e.ID {
			h.mark = state.Entry{}
		}
		return changeHistory{"deleted: " + oneLine(e.Check.String()), func(ctx context.Context, st state.History) error {
			return st.Delete(ctx, e.ID)
		}}
	case key.Matches(msg, k.Mark):
		switch {
		case h.mark.ID == 0:
			h.mark = e
			return say{status: "marked: select another entry and press m to compare"}
		case h.mark.ID == e.ID:
			h.mark = state.Entry{}
		default:
			a := h.mark
			h.mark = state.Entry{}
			return compareEntries{a, e}
		}
	case key.Matches(msg, k.Compare):
		return rerun{e: e, compare: true}
	case key.Matches(msg, k.Rerun):
		return rerun{e: e}
	case key.Matches(msg, k.Watch) && stored:
		return watch{e}
	case key.Matches(msg, k.Edit):
		return editInForm{check: e.Check, status: "loaded into the form: " + oneLine(e.Check.String())}
	}
	return nil
}

// filterKey takes a key while the filter line has the keyboard.
func (h *historyPane) filterKey(msg tea.KeyPressMsg, k keyMap) action {
	switch {
	case key.Matches(msg, k.FilterApply):
		return focusOn{focusHistory}
	case key.Matches(msg, k.FilterClear):
		h.filter.SetValue("")
		h.refilter()
		return focusOn{focusHistory}
	case key.Matches(msg, k.Up, k.Down) && msg.Text == "":
		// An arrow leaves the filter and moves in the list at once.
		h.stopFiltering()
		if key.Matches(msg, k.Up) {
			h.move(-1)
		} else {
			h.move(1)
		}
		return focusOn{focusHistory}
	}
	return h.updateFilter(msg)
}

// paste passes a paste to the filter line.
func (h *historyPane) paste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	h.filter, cmd = h.filter.Update(msg)
	h.version++
	return cmd
}

// updateFilter passes a key to the filter line.
func (h *historyPane) updateFilter(msg tea.KeyPressMsg) tea.Cmd {
	before := h.filter.Value()
	var cmd tea.Cmd
	h.filter, cmd = h.filter.Update(msg)
	if h.filter.Value() != before {
		h.refilter()
	}
	return cmd
}

// startFiltering gives the filter line the keyboard.
func (h *historyPane) startFiltering() tea.Cmd {
	h.filtering = true
	h.relayout()
	return h.filter.Focus()
}

// stopFiltering gives the keyboard back to the list.
func (h *historyPane) stopFiltering() {
	h.filtering = false
	h.filter.Blur()
	h.relayout()
}
