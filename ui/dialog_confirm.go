package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// confirmDialog warns before a check with JIT attributes goes to a target
// that does not evaluate ABAC (the cloud PDP): it would ignore them, and a
// denial there may mean only that.
type confirmDialog struct {
	keys   keyMap
	target string // the target's name
	check  pdp.Check
	// compare is the history entry to compare the answer with (c), if any.
	compare *state.Entry
}

// startCheck sends check now, past the warning; dontAsk turns the warning
// off for the rest of the run.
type startCheck struct {
	check   pdp.Check
	compare *state.Entry
	dontAsk bool
}

func (d *confirmDialog) update(msg tea.Msg) action {
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case key.Matches(k, d.keys.DialogOK):
		return startCheck{check: d.check, compare: d.compare}
	case k.String() == "a":
		return startCheck{check: d.check, compare: d.compare, dontAsk: true}
	case key.Matches(k, d.keys.DialogCancel):
		return closeDialog{status: "not sent"}
	}
	return nil
}

func (d *confirmDialog) view(s Styles, sw, _ int) string {
	w := dialogWidth(sw)
	var attrs []string
	for _, p := range []struct {
		prefix string
		m      map[string]any
	}{{"user.", d.check.User.Attributes}, {"resource.", d.check.Resource.Attributes}, {"tenant.", d.check.TenantAttributes}} {
		for _, k := range sortedKeys(p.m) {
			attrs = append(attrs, p.prefix+k)
		}
	}
	msg := oneLine(d.target) + " does not evaluate ABAC: it will ignore " + strings.Join(attrs, ", ") +
		", and no attribute rule can allow this check there. A denial may only mean that."
	return warnView(s, "JIT attributes on a target without ABAC", msg, w, [3][2]string{
		{"enter", "send anyway"}, {"a", "send, don't ask again"}, {"esc", "back to the form"}})
}
