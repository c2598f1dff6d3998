package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// rect is a screen region in cells.
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool {
	return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h
}

// layout places the panes. Narrow terminals (the 80×24 floor) stack the
// form, decision and history, with a title rule instead of a box to save
// rows; wide ones put the form over the decision on the left and give the
// history the whole right column.
type layout struct {
	w, h                    int // the screen
	wide                    bool
	header, footer          rect
	form, decision, history rect
	tooSmall                bool
}

const (
	minWidth, minHeight = 60, 18
	wideWidth           = 110
	formRows            = int(numFields) + 1 // fields + the hint line
)

func computeLayout(w, h int) layout {
	l := layout{w: w, h: h, header: rect{0, 0, w, 1}, footer: rect{0, h - 1, w, 1}}
	if w < minWidth || h < minHeight {
		l.tooSmall = true
		return l
	}
	body := h - 2
	if w >= wideWidth && h >= 24 {
		l.wide = true
		left := min(max(w/2, 60), 96)
		formH := formRows + 2 // box
		l.form = rect{0, 1, left, formH}
		l.decision = rect{0, 1 + formH, left, body - formH}
		l.history = rect{left, 1, w - left, body}
		return l
	}
	formH := formRows + 1 // title rule
	rest := body - formH
	decH := max(rest*3/5, 4)
	l.form = rect{0, 1, w, formH}
	l.decision = rect{0, 1 + formH, w, decH}
	l.history = rect{0, 1 + formH + decH, w, rest - decH}
	return l
}

// paneFrame draws a pane around body lines: a rounded box in the wide
// layout, a title rule in the narrow one. It returns r.h lines of exactly
// r.w cells. Body lines are fitted to the width unless exact says they
// already are (measuring is most of the cost of a frame).
func paneFrame(s Styles, r rect, boxed, focused bool, title, right string, body []string, exact bool) []string {
	bs := s.PaneBorder
	ts := s.PaneTitle
	if focused {
		bs, ts = s.PaneFocus, s.PaneTitleF
	}
	inner := r.w
	if boxed {
		inner = r.w - 2
	}
	t := ts.Render(" " + title + " ")
	if right != "" {
		t += s.Muted.Render(right + " ")
	}
	t = ansi.Truncate(t, max(inner-2, 0), "…")
	lines := make([]string, 0, r.h)
	fill := max(inner-1-lipgloss.Width(t), 0)
	if boxed {
		lines = append(lines, bs.Render("╭─")+t+bs.Render(strings.Repeat("─", fill)+"╮"))
	} else {
		lines = append(lines, bs.Render("─")+t+bs.Render(strings.Repeat("─", fill)))
	}
	bodyH := r.h - 1
	if boxed {
		bodyH = r.h - 2
	}
	side := bs.Render("│")
	for i := range bodyH {
		var ln string
		if i < len(body) {
			ln = body[i]
		}
		if !exact || ln == "" {
			ln = fitLine(ln, inner)
		}
		if boxed {
			ln = side + ln + side
		}
		lines = append(lines, ln)
	}
	if boxed {
		lines = append(lines, bs.Render("╰"+strings.Repeat("─", max(inner, 0))+"╯"))
	}
	return lines
}

// fitLine truncates or pads a styled line to exactly w cells.
func fitLine(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := width(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = lipgloss.Width(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// innerSize is the body size of a pane drawn with paneFrame.
func innerSize(r rect, boxed bool) (w, h int) {
	if boxed {
		return r.w - 2, r.h - 2
	}
	return r.w, r.h - 1
}

// bodyOrigin is where a pane's first body cell is on screen.
func bodyOrigin(r rect, boxed bool) (x, y int) {
	if boxed {
		return r.x + 1, r.y + 1
	}
	return r.x, r.y + 1
}

// width is lipgloss.Width with a fast path for plain ASCII, the usual case
// for keys, actions and types.
func width(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return lipgloss.Width(s)
		}
	}
	return len(s)
}

// cell fits plain text to exactly w cells, ending it with "…" when cut.
func cell(txt string, w int) string {
	if w <= 0 {
		return ""
	}
	if n := width(txt); n <= w {
		return txt + strings.Repeat(" ", w-n)
	}
	return padRight(ansi.Truncate(txt, w, "…"), w)
}
