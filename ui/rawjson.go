package ui

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// rawLines draws the exact request and response bodies, pretty-printed and
// highlighted. A body that is not JSON is shown as cleaned text.
func rawLines(s Styles, e state.Entry, w int) []string {
	d := e.Decision
	var lines []string
	head := func(title, note string) {
		lines = append(lines, " "+s.PaneTitleF.Render(title)+" "+s.Muted.Render(note))
	}
	head("Request", "POST /allowed · "+oneLine(d.Target))
	lines = append(lines, jsonLines(s, d.Request, w)...)
	lines = append(lines, "")
	note := "HTTP " + itoa(d.Status)
	if d.Status == 0 {
		note = "in process (what pdpx serve would answer)"
	}
	head("Response", note)
	if d.ResponseCut() {
		// Said before the body, which may be thousands of lines, and after.
		lines = append(lines, wrapLabeled(s, "", d.ResponseCutNote(), w, s.Warn)...)
	}
	if len(d.Response) == 0 {
		lines = append(lines, " "+s.Dim.Render("(no body)"))
	} else {
		lines = append(lines, jsonLines(s, d.Response, w)...)
	}
	if d.ResponseCut() {
		lines = append(lines, wrapLabeled(s, "", "… "+d.ResponseCutNote(), w, s.Warn)...)
	}
	return lines
}

func jsonLines(s Styles, body []byte, w int) []string {
	if len(bytes.TrimSpace(body)) == 0 {
		return []string{" " + s.Dim.Render("(empty)")}
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, " ", "  "); err != nil {
		out := []string{" " + s.Warn.Render("not JSON:")}
		for _, l := range strings.Split(pdp.Clean(string(body)), "\n") {
			out = append(out, wrapLabeled(s, "", l, w, s.Row)...)
		}
		return out
	}
	src := " " + buf.String()
	lines := strings.Split(src, "\n")
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = highlightJSONLine(s, l)
	}
	return out
}

// highlightJSONLine colours one line of indented JSON: keys, strings,
// numbers, booleans and null, punctuation. Indented JSON keeps every string
// on one line, so a line can be tokenized alone.
func highlightJSONLine(s Styles, l string) string {
	var b strings.Builder
	for i := 0; i < len(l); {
		c := l[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(l) && l[j] != '"' {
				if l[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(l))
			tok := pdp.Clean(l[i:j])
			rest := strings.TrimLeft(l[j:], " ")
			if strings.HasPrefix(rest, ":") {
				b.WriteString(s.JSONKey.Render(tok))
			} else {
				b.WriteString(s.JSONString.Render(tok))
			}
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(l) && strings.IndexByte("0123456789.eE+-", l[j]) >= 0 {
				j++
			}
			b.WriteString(s.JSONNumber.Render(l[i:j]))
			i = j
		case strings.HasPrefix(l[i:], "true"), strings.HasPrefix(l[i:], "false"):
			n := 4
			if c == 'f' {
				n = 5
			}
			b.WriteString(s.JSONBool.Render(l[i : i+n]))
			i += n
		case strings.HasPrefix(l[i:], "null"):
			b.WriteString(s.JSONNull.Render("null"))
			i += 4
		case c == ' ':
			b.WriteByte(' ')
			i++
		default:
			b.WriteString(s.JSONPunct.Render(string(c)))
			i++
		}
	}
	return b.String()
}
