package ui

import (
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/sweep"
)

// view draws the open view in h lines of exactly w cells: a title line,
// the grid or list, and the selected cell's or row's decision under it.
func (b *board) view(s Styles, spin string, w, h int) []string {
	out := make([]string, 0, h)
	title := " " + boardTitles[b.kind]
	switch b.kind {
	case boardMatrix:
		if b.mx != nil {
			a, d, e := b.mx.Counts()
			title += " · rows " + b.mx.Rows.Name() + " × cols " + b.mx.Cols.Name() + " · " +
				itoa(b.mx.Filled()) + "/" + itoa(b.mx.Len()) + " · " + itoa(a) + " ✓ " + itoa(d) + " ✗ " + itoa(e) + " !"
		}
	case boardPerms:
		title += " · " + b.base.User.Key
	case boardWho:
		title += " · " + b.base.Action + " " + b.base.Resource.Ref() + " @" + b.base.Resource.Tenant
	case boardSweep:
		title += " · " + b.base.User.Key + " " + b.base.Action + " " + b.base.Resource.Ref()
	}
	if b.busy {
		title += " " + spin
	}
	out = append(out, fitLine(s.PaneTitleF.Render(oneLine(title)), w))
	if b.note != "" {
		out = append(out, fitLine(s.Dim.Render(" "+oneLine(b.note)), w))
	}
	if b.editing != 0 {
		which := "rows"
		if b.editing == 2 {
			which = "cols"
		}
		out = append(out, fitLine(s.LabelFocus.Render(" "+which+" values ")+b.input.View(), w),
			fitLine(s.Hint.Render(" comma-separated; an attribute axis is path=v1,v2 (user.department=Engineering,Sales)"), w))
	}
	if b.err != "" {
		for _, ln := range wrap("! "+b.err, w-2, "  ") {
			out = append(out, fitLine(s.Error.Render(" "+ln), w))
		}
	}
	var body, detail []string
	if b.kind == boardMatrix {
		body, detail = b.matrixLines(s, w)
	} else {
		body, detail = b.listLines(s, w)
	}
	// The detail goes at the bottom; the grid or list scrolls to keep the
	// cursor in what is left.
	// The detail has a third of the view, or all that the body leaves.
	maxDetail := min(len(detail), max((h-len(out))/3, h-len(out)-len(body), 3))
	room := max(h-len(out)-maxDetail, 1)
	cur := b.cursorLine()
	off := 0
	if cur >= room {
		off = cur - room + 1
	}
	if off > 0 && len(body) > 0 {
		// Keep the column header of a matrix in view.
		if b.kind == boardMatrix {
			body = append(body[:1:1], body[1+off:]...)
		} else {
			body = body[off:]
		}
	}
	for i := 0; i < room && i < len(body); i++ {
		out = append(out, body[i])
	}
	// The detail follows the grid or list right away, where the eye is.
	for i := 0; i < maxDetail && len(out) < h; i++ {
		out = append(out, fitLine(detail[i], w))
	}
	for len(out) < h {
		out = append(out, strings.Repeat(" ", w))
	}
	return out[:h]
}

// cursorLine is the body line of the cursor, for scrolling.
func (b *board) cursorLine() int {
	if b.kind == boardMatrix {
		return b.r + 1
	}
	n := 0
	last := ""
	for i, r := range b.rows {
		if r.group != "" && r.group != last {
			n++
			last = r.group
		}
		if i == b.sel {
			return n
		}
		n++
	}
	return n
}

// matrixLines draws the grid: column labels, then a row per row value with
// a symbol per cell (✓ ✗ ! in colour, · while undecided), the cursor's cell
// reversed; and the cursor cell's check and reasons as the detail.
func (b *board) matrixLines(s Styles, w int) (body, detail []string) {
	mx := b.mx
	if mx == nil {
		return nil, nil
	}
	lw := min(max(width(mx.Rows.Name())+1, 12), 28)
	for _, v := range mx.Rows.Values {
		lw = max(lw, min(width(oneLine(v))+1, 28))
	}
	cw := make([]int, len(mx.Cols.Values))
	for i, v := range mx.Cols.Values {
		cw[i] = min(max(width(oneLine(v)), 3), 16) + 2
	}
	// Scroll columns so the cursor's column is on screen.
	first := 0
	for first < b.c && !fits(cw[first:b.c+1], w-lw-1) {
		first++
	}
	var head strings.Builder
	head.WriteString(cell(" "+mx.Rows.Name()+" \\ "+mx.Cols.Name(), lw+1))
	used := lw + 1
	last := first
	for i := first; i < len(cw) && used+cw[i] <= w; i++ {
		st := s.Muted
		if i == b.c {
			st = s.PaneTitleF
		}
		head.WriteString(st.Render(cell(" "+oneLine(mx.Cols.Values[i]), cw[i])))
		used += cw[i]
		last = i + 1
	}
	body = append(body, fitLine(s.Bold.Render(head.String()), w))
	for r, row := range mx.Cells {
		var ln strings.Builder
		ls := s.Muted
		if r == b.r {
			ls = s.LabelFocus
		}
		ln.WriteString(ls.Render(cell(" "+oneLine(mx.Rows.Values[r]), lw+1)))
		for i := first; i < last; i++ {
			c := row[i]
			sym, st := "·", s.Dim
			if c.Done {
				sym, st = c.Decision.Outcome.Symbol(), s.Outcome(c.Decision.Outcome)
			}
			pad := cw[i] - 1
			txt := strings.Repeat(" ", pad/2) + sym + strings.Repeat(" ", pad-pad/2)
			if r == b.r && i == b.c {
				st = st.Reverse(true)
				txt = strings.Repeat(" ", pad/2-1) + "[" + sym + "]" + strings.Repeat(" ", pad-pad/2-1)
			}
			ln.WriteString(st.Render(txt))
		}
		body = append(body, fitLine(ln.String(), w))
	}
	if b.r < len(mx.Cells) && b.c < len(mx.Cells[b.r]) {
		detail = decisionDetail(s, mx.Cells[b.r][b.c].Check, mx.Cells[b.r][b.c].Decision, mx.Cells[b.r][b.c].Done, w)
	}
	return body, detail
}

func fits(ws []int, room int) bool {
	n := 0
	for _, x := range ws {
		n += x
	}
	return n <= room
}

// decisionDetail is a cell's check and decision in a few lines: the outcome
// word and check, then each model's code and reason (or the error).
func decisionDetail(s Styles, c pdp.Check, d pdp.Decision, done bool, w int) []string {
	out := []string{fitLine(s.PaneBorder.Render(strings.Repeat("─", w)), w)}
	if !done {
		return append(out, fitLine(s.Dim.Render(" · "+oneLine(c.String())+" — deciding…"), w))
	}
	o := d.Outcome
	out = append(out, fitLine(s.Outcome(o).Render(" "+o.Symbol()+" "+o.Word())+" "+s.Bold.Render(oneLine(c.String()))+
		s.Dim.Render(" · "+oneLine(d.Target)+" · enter opens it in the form"), w))
	if o == pdp.Error {
		for _, ln := range wrap(d.ErrorText(), w-4, "   ") {
			out = append(out, fitLine(s.ErrText.Render("   "+ln), w))
		}
		return out
	}
	for _, r := range sweep.Reasons(d) {
		mark, st := "✗", s.Deny
		if r.Allow {
			mark, st = "✓", s.Allow
		}
		// The reason is wrapped, not cut: it is the only place the cell's
		// why can be read in full.
		head := " " + st.Render(mark+" "+padRight(r.Model, 5)) + " " + s.Bold.Render(r.Code)
		rest := wrap(r.Code+" — "+oneLine(r.Reason), max(w-9, 10), "")
		for i, ln := range rest {
			if i == 0 {
				out = append(out, fitLine(head+s.Muted.Render(strings.TrimPrefix(ln, r.Code)), w))
				continue
			}
			out = append(out, fitLine("         "+s.Muted.Render(ln), w))
		}
	}
	return out
}

// listLines draws a list view: group headings, a line per row with its
// outcome symbol and columns, the selected row highlighted; the detail is
// the selected row's decision or its extra lines.
func (b *board) listLines(s Styles, w int) (body, detail []string) {
	if len(b.rows) == 0 && !b.busy && b.err == "" && b.note == "" {
		body = append(body, fitLine(s.Dim.Render(" nothing to show"), w))
	}
	// Column widths: each column's widest value, the last one takes the rest.
	var cws []int
	for _, r := range b.rows {
		for i, c := range r.cols {
			if i >= len(cws) {
				cws = append(cws, 0)
			}
			cws[i] = min(max(cws[i], width(oneLine(c))+2), 40)
		}
	}
	last := ""
	for i, r := range b.rows {
		if r.group != "" && r.group != last {
			body = append(body, fitLine(s.Bold.Render(" "+oneLine(r.group)), w))
			last = r.group
		}
		mark := "  "
		if r.hasOut {
			mark = r.outcome.Symbol() + " "
		}
		var txt strings.Builder
		for j, c := range r.cols {
			if j == len(r.cols)-1 {
				txt.WriteString(oneLine(c))
			} else {
				txt.WriteString(cell(oneLine(c), cws[j]))
			}
		}
		line := "  " + mark + txt.String()
		switch {
		case i == b.sel:
			body = append(body, fitLine(s.RowSel.Render(cell(line, w)), w))
		case r.flagged:
			body = append(body, fitLine(s.Warn.Render(line), w))
		case r.hasOut:
			body = append(body, fitLine("  "+s.Outcome(r.outcome).Render(mark)+s.Row.Render(txt.String()), w))
		default:
			body = append(body, fitLine(s.Row.Render(line), w))
		}
	}
	if b.sel < len(b.rows) {
		r := b.rows[b.sel]
		if r.decided && r.check != nil {
			detail = decisionDetail(s, *r.check, r.dec, true, w)
		}
		for _, ln := range r.detail {
			detail = append(detail, fitLine(ln, w))
		}
	}
	return body, detail
}
