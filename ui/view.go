package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// render draws the whole screen: header, panes, footer, then any popup or
// dialog composited on top.
func (m Model) render() string {
	if m.lay.w == 0 || m.lay.h == 0 {
		return ""
	}
	l := m.lay
	if l.tooSmall {
		msg := m.styles.Muted.Render("pdpx needs at least " + itoa(minWidth) + "×" + itoa(minHeight) +
			" (this terminal is " + itoa(m.lay.w) + "×" + itoa(m.lay.h) + ")")
		return lipgloss.Place(m.lay.w, m.lay.h, lipgloss.Center, lipgloss.Center, msg)
	}
	s := m.styles
	if m.board != nil {
		// The many-checks views take the whole body, as compare does.
		rows := append([]string{m.header()}, m.board.view(s, m.spin.View(), m.lay.w, m.lay.h-2)...)
		rows = append(rows, m.footer())
		return m.overDialog(strings.Join(rows, "\n"))
	}
	if m.cmp != nil {
		// The compare view takes the whole body: two requests side by side
		// need the width, and it is read, not typed into.
		rows := append([]string{m.header()}, m.cmp.view(s, m.lay.w, m.lay.h-2)...)
		rows = append(rows, m.footer())
		return m.overDialog(strings.Join(rows, "\n"))
	}
	if m.zoom {
		// The decision alone between the header and the footer, framed by
		// a title rule as in the stacked layout.
		rows := append([]string{m.header()}, paneFrame(s, m.zoomRect(), false, true, m.decTitle()+" · ctrl+z back",
			m.dec.scrollNote(), m.dec.view(s, m.spin.View()), m.dec.pending == nil)...)
		rows = append(rows, m.footer())
		return m.overDialog(strings.Join(rows, "\n"))
	}
	boxed := l.wide

	fw, _ := innerSize(l.form, boxed)
	formNote := "" // the target's ABAC caveat
	if m.cur.target != nil && !m.cur.info.ABAC {
		formNote = "no ABAC on this target"
	}
	form := paneFrame(s, l.form, boxed, m.focus == focusForm, "Check", formNote,
		m.form.view(s, m.focus == focusForm && m.dialog == nil, fw), true)

	dec := paneFrame(s, l.decision, boxed, m.focus == focusDecision, m.decTitle(), m.dec.scrollNote(),
		m.dec.view(s, m.spin.View()), m.dec.pending == nil)

	hw, _ := innerSize(l.history, boxed)
	hist := paneFrame(s, l.history, boxed, m.focus == focusHistory || m.focus == focusFilter, "History", m.list.title(),
		m.list.view(s, m.focus == focusHistory, hw), true)

	// Every pane line is exactly its pane's width, so the panes are joined
	// by concatenation rather than by lipgloss.Join*, which would measure
	// every line again.
	rows := make([]string, 0, m.lay.h)
	rows = append(rows, m.header())
	if l.wide {
		left := append(form, dec...)
		for i := range hist {
			var ln string
			if i < len(left) {
				ln = left[i]
			}
			rows = append(rows, ln+hist[i])
		}
	} else {
		rows = append(rows, form...)
		rows = append(rows, dec...)
		rows = append(rows, hist...)
	}
	rows = append(rows, m.footer())
	screen := strings.Join(rows, "\n")

	var popup []*lipgloss.Layer
	if pop, x, y := m.popupLayer(); pop != "" {
		popup = append(popup, lipgloss.NewLayer(pop).X(x).Y(y).Z(1))
	}
	return m.overDialog(screen, popup...)
}

// zoomRect is where the zoomed decision goes: the whole body.
func (m Model) zoomRect() rect { return rect{0, 1, m.lay.w, m.lay.h - 2} }

func (m Model) decTitle() string {
	if m.dec.raw {
		return "Decision · raw JSON"
	}
	return "Decision"
}

func (m Model) header() string {
	s := m.styles
	hs := s.Health[m.cur.health]
	var health string
	switch m.cur.health {
	case healthOK:
		health = hs.Render("● ready")
	case healthDown:
		health = hs.Render("● "+m.cur.healthWord) + s.Dim.Render(" "+oneLine(inApp(m.cur.healthErr)))
	default:
		health = hs.Render("◌ checking")
	}
	left := " " + s.App.Render("pdpx") + s.Dim.Render(" · ") + s.Header.Render(oneLine(m.cur.info.Name)) + s.Dim.Render(" · ") + health
	if note := m.cur.staleNote(m.clock.now(), m.staleAfter()); note != "" {
		left += s.Dim.Render(" · ") + s.Warn.Render("⚠ "+note)
	}
	if m.cur.standIn != "" {
		left += s.Dim.Render(" · ") + s.Warn.Render("⚠ "+oneLine(m.cur.standIn))
	}
	if m.opts.HistoryNote != "" {
		left += s.Dim.Render(" · ") + s.Warn.Render("⚠ "+oneLine(m.opts.HistoryNote))
	}
	right := s.Key.Render("F1") + s.Dim.Render(" help ")
	if m.flight != nil {
		right = s.Key.Render(m.spin.View()) + s.Muted.Render(" in flight · esc cancels ") + right
	}
	gap := m.lay.w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return fitLine(left, m.lay.w)
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m Model) footer() string {
	s := m.styles
	if m.status != "" {
		st := s.Muted
		if m.statusOf.bad {
			st = s.ErrText
		}
		return fitLine(" "+st.Render(oneLine(m.status)), m.lay.w)
	}
	h := help.New()
	h.Styles = s.Help
	h.SetWidth(m.lay.w - 1)
	h.ShortSeparator = " · "
	keys := append(m.explainHints(), m.keys.forFocus(m.focus).ShortHelp()...)
	if m.zoom {
		k := m.keys
		keys = append(m.explainHints(), k.ScrollUp, k.ScrollDown, short(k.Zoom, "back"), short(k.Target, "target"), k.HelpQ, k.QuitQ)
	}
	if m.cmp != nil {
		keys = m.cmp.help().ShortHelp()
	}
	if m.board != nil {
		keys = m.board.help().ShortHelp()
	}
	return fitLine(" "+h.ShortHelpView(keys), m.lay.w)
}

// popupLayer places the suggestion popup under the focused field, or above
// it when there is no room below.
func (m Model) popupLayer() (string, int, int) {
	if m.focus != focusForm || m.dialog != nil || !m.form.popup {
		return "", 0, 0
	}
	bx, by := bodyOrigin(m.lay.form, m.lay.wide)
	fy := by + int(m.form.focus)
	below := m.lay.h - 1 - (fy + 1)
	above := fy - 1
	rows := min(6, max(below, above))
	pop := m.form.popupView(m.styles, rows, m.lay.w-bx-labelWidth)
	if pop == "" {
		return "", 0, 0
	}
	// The popup covers the rest of each row it lies on: the tail of a
	// field's text or placeholder beside it would read as part of a
	// suggestion.
	fw, _ := innerSize(m.lay.form, m.lay.wide)
	lines := strings.Split(pop, "\n")
	for i, l := range lines {
		lines[i] = padRight(l, fw-labelWidth)
	}
	pop = strings.Join(lines, "\n")
	h := len(lines)
	y := fy + 1
	if h > below {
		y = fy - h
	}
	return pop, bx + labelWidth, max(y, 0)
}

// cursor places the real terminal cursor in the focused text input.
func (m Model) cursor() *tea.Cursor {
	if m.lay.tooSmall || m.dialog != nil || m.cmp != nil || m.board != nil {
		return nil
	}
	switch m.focus {
	case focusForm:
		c := m.form.inputs[m.form.focus].Cursor()
		if c == nil {
			return nil
		}
		bx, by := bodyOrigin(m.lay.form, m.lay.wide)
		c.X += bx + labelWidth
		c.Y += by + int(m.form.focus)
		return c
	case focusFilter:
		c := m.list.filter.Cursor()
		if c == nil {
			return nil
		}
		bx, by := bodyOrigin(m.lay.history, m.lay.wide)
		c.X += bx
		c.Y += by
		return c
	}
	return nil
}
