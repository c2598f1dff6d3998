package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/pdpx/pdpx/pdp"
)

// view draws the form body: one line per field, then the hint line.
func (f *formModel) view(s Styles, focused bool, w int) []string {
	lines := make([]string, 0, formRows)
	for i := range numFields {
		lines = append(lines, f.fieldLine(s, i, focused && i == f.focus, w))
	}
	return append(lines, f.hintLine(s, focused, w))
}

func (f *formModel) fieldLine(s Styles, i field, focused bool, w int) string {
	gutter, ls := "  ", s.Label
	switch {
	case f.errs[i] != "":
		gutter, ls = "✗ ", s.LabelErr
	case focused:
		gutter, ls = "› ", s.LabelFocus
	}
	label := ls.Render(gutter + padRight(fieldLabels[i], labelWidth-2))
	var value string
	switch {
	case focused:
		value = f.inputs[i].View()
	case i.isAttr() && f.value(i) != "" && f.errs[i] == "":
		value = typedPairs(s, f.value(i))
	default:
		value = f.inputs[i].View()
	}
	return fitLine(label+value, w)
}

// typedPairs draws an attribute field's text with each value in the colour
// of its JSON type, keeping what the user wrote.
func typedPairs(s Styles, text string) string {
	pairs, err := pdp.SplitPairs(text)
	if err != nil {
		return text
	}
	parts := make([]string, 0, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			parts = append(parts, s.ErrText.Render(p))
			continue
		}
		parts = append(parts, s.Muted.Render(k+"=")+s.Value(pdp.ParseValue(v)).Render(v))
	}
	return strings.Join(parts, " ")
}

// hintLine explains the focused field: its error, the typed reading of its
// pairs, or what it is for.
func (f *formModel) hintLine(s Styles, focused bool, w int) string {
	i := f.focus
	var out string
	switch {
	case f.errs[i] != "" && focused:
		out = s.ErrText.Render("✗ " + fieldNames[i] + ": " + f.errs[i])
	case focused && i.isAttr() && strings.TrimSpace(f.value(i)) != "":
		m, _ := pdp.ParseAttrText(f.value(i))
		out = typedReading(s, m)
	case f.firstError() >= 0:
		e := f.firstError()
		out = s.ErrText.Render("✗ " + fieldNames[e] + ": " + f.errs[e])
	case focused:
		out = s.Hint.Render(f.hint(i))
	}
	return fitLine(" "+out, w)
}

// typedReading shows how the pairs were read: `age 30 number · tag "30" string`.
func typedReading(s Styles, m map[string]any) string {
	var parts []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for _, k := range sortedKeys(m) {
			v := m[k]
			if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
				walk(prefix+k+".", sub)
				continue
			}
			parts = append(parts, s.Muted.Render(prefix+k+" ")+s.Value(v).Render(pdp.FormatValue(v))+s.Dim.Render(" "+pdp.TypeName(v)))
		}
	}
	walk("", m)
	return s.Dim.Render("→ ") + strings.Join(parts, s.Dim.Render(" · "))
}

// popupView draws the suggestion popup, at most rows tall, or "".
func (f *formModel) popupView(s Styles, rows, maxW int) string {
	if !f.popup || len(f.matches) == 0 || rows <= 0 {
		return ""
	}
	start := 0
	if f.sel >= rows {
		start = f.sel - rows + 1
	}
	end := min(start+rows, len(f.matches))
	vw, nw := 0, 0
	for _, m := range f.matches[start:end] {
		vw = max(vw, lipgloss.Width(m.value))
		nw = max(nw, lipgloss.Width(m.note))
	}
	width := min(vw+nw+3, maxW-2)
	lines := make([]string, 0, end-start+1)
	for j := start; j < end; j++ {
		m := f.matches[j]
		txt := padRight(m.value, vw)
		if m.note != "" {
			txt += "  " + m.note
		}
		st := s.PopupItem
		if j == f.sel {
			st = s.PopupSel
		}
		lines = append(lines, st.Render(fitLine(pdp.Clean(txt), width)))
	}
	if more := len(f.matches) - end; more > 0 || start > 0 {
		lines = append(lines, s.PopupDim.Render(fitLine(itoa(f.sel+1)+"/"+itoa(len(f.matches))+" · tab accepts", width)))
	}
	return strings.Join(lines, "\n")
}

func padRight(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}
