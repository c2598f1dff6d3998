package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// helpDialog lists every key of the focused pane, plus the global ones
// (F1, or ? outside a text field), in one column that scrolls when the
// screen is too short for it: it fits any screen pdpx draws on (60×18 and
// up). esc, ?, F1 and q close it, and so does a click.
type helpDialog struct {
	keys    keyMap
	focus   focus
	version string
	// vp holds the keys and notes, laid out for a screen of sw×sh cells
	// with styles st: they are laid out again when either changes.
	vp     viewport.Model
	sw, sh int
	st     Styles
}

var focusNames = map[focus]string{focusForm: "the check form", focusHistory: "the history",
	focusFilter: "the history filter", focusDecision: "the decision"}

// newHelp is the help on the keys of the pane with focus f.
func newHelp(k keyMap, f focus, version string, s Styles) *helpDialog {
	vp := viewport.New()
	vp.KeyMap = viewport.KeyMap{} // its keys are the dialog's (update)
	return &helpDialog{keys: k, focus: f, version: version, vp: vp, st: s}
}

func (d *helpDialog) update(msg tea.Msg) action {
	k := d.keys
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		d.layout(d.st, msg.Width, msg.Height)
	case themeMsg:
		d.layout(msg.s, d.sw, d.sh)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Help, k.HelpQ, k.DialogCancel, k.QuitQ):
			return closeDialog{}
		case key.Matches(msg, k.ScrollUp):
			d.vp.ScrollUp(1)
		case key.Matches(msg, k.ScrollDown):
			d.vp.ScrollDown(1)
		case key.Matches(msg, k.PageUp, k.DecUp):
			d.vp.PageUp()
		case key.Matches(msg, k.PageDown, k.DecDown):
			d.vp.PageDown()
		case key.Matches(msg, k.Top):
			d.vp.GotoTop()
		case key.Matches(msg, k.Bottom):
			d.vp.GotoBottom()
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			d.vp.ScrollUp(3)
		case tea.MouseWheelDown:
			d.vp.ScrollDown(3)
		}
	case tea.MouseClickMsg:
		return closeDialog{}
	}
	return nil
}

// helpChrome is the rows of the dialog around its scrolling part: the
// border, the title and a blank row, a blank row and the footer.
const helpChrome = 2 + 2 + 2

// layout lays the keys and notes out for a screen of sw×sh cells.
func (d *helpDialog) layout(s Styles, sw, sh int) {
	d.st, d.sw, d.sh = s, sw, sh
	inner := max(dialogWidth(sw)-dialogFrameW, 10)
	var binds []key.Binding
	for _, g := range d.keys.forFocus(d.focus).FullHelp() {
		binds = append(binds, g...)
	}
	kw := 0
	for _, b := range binds {
		kw = max(kw, lipgloss.Width(b.Help().Key))
	}
	kw = min(kw, inner/3)
	var lines []string
	for _, b := range binds {
		// A description too long for the row wraps under itself, never
		// past the dialog's border.
		desc := wrap(b.Help().Desc, max(inner-kw-2, 8), "")
		for i, l := range desc {
			k := ""
			if i == 0 {
				k = truncate(b.Help().Key, kw)
			}
			lines = append(lines, fitLine(s.Key.Render(padRight(k, kw))+"  "+s.Muted.Render(l), inner))
		}
	}
	lines = append(lines, "")
	for _, n := range []string{
		"Mouse: click a field or a history row; the wheel scrolls the pane under it.",
		"Values are JSON when they parse: 3 is a number, \"3\" a string, true a bool.",
	} {
		for _, l := range wrap(n, inner, "") {
			lines = append(lines, fitLine(s.Dim.Render(l), inner))
		}
	}
	d.vp.SetWidth(inner)
	d.vp.SetHeight(max(min(len(lines), sh-helpChrome), 1))
	d.vp.SetContentLines(lines)
}

// view draws the title, the part of the list that fits, and a footer that
// says how to scroll (when there is more) and how to close.
func (d *helpDialog) view(s Styles, sw, sh int) string {
	if sw != d.sw || sh != d.sh || s.IsDark != d.st.IsDark {
		d.layout(s, sw, sh)
	}
	inner := d.vp.Width()
	title := s.DialogTitle.Render("Keys in " + focusNames[d.focus])
	if d.version != "" {
		title += s.Dim.Render("  pdpx " + oneLine(d.version))
	}
	foot := s.Key.Render("esc") + s.Dim.Render("/") + s.Key.Render("?") + s.Dim.Render("/") + s.Key.Render("F1") + s.Dim.Render(" close")
	if n := d.vp.TotalLineCount(); n > d.vp.Height() {
		first := d.vp.YOffset() + 1
		last := min(d.vp.YOffset()+d.vp.Height(), n)
		foot = s.Key.Render("↑↓ pgup pgdn") + s.Dim.Render(" scroll · ") + foot +
			s.Dim.Render(" · "+itoa(first)+"–"+itoa(last)+" of "+itoa(n))
	}
	body := []string{fitLine(title, inner), "", d.vp.View(), "", fitLine(foot, inner)}
	return s.Dialog.Render(strings.Join(body, "\n"))
}
