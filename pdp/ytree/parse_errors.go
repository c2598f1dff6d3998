package ytree

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// yamlError is the text of the YAML parser's errors: "yaml: line 3: did
// not find expected key".
var yamlError = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// parserProblems are the messages of the YAML parser proper (as opposed
// to its scanner). Their line number comes out 0-based, one less than the
// line meant; the scanner's are 1-based.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// syntaxError turns the YAML parser's error into a problem with a line.
// The parser gives no column: the problem points at the first character of
// the line, or at the list or mapping a missing bracket should close.
func (b *builder) syntaxError(data []byte, err error) {
	m := yamlError.FindStringSubmatch(err.Error())
	if m == nil {
		b.errorAt(1, 1, "YAML syntax error: %s", sanitize(err.Error()))
		return
	}
	msg := m[2]
	if am := unknownAnchor.FindStringSubmatch(msg); am != nil {
		line, col := find(data, "*"+am[1])
		b.errorAt(line, col, "alias *%s has no anchor &%s", am[1], am[1])
		return
	}
	line := 1
	if m[1] != "" {
		line, _ = strconv.Atoi(m[1])
		if parserProblems[msg] {
			line++
		}
	}
	text := lineText(data, line)
	col := 1
	if i := bytes.IndexFunc(text, func(r rune) bool { return r != ' ' && r != '\t' }); i >= 0 {
		col = utf8.RuneCount(text[:i]) + 1
	}
	if open := map[string]byte{"did not find expected ',' or ']'": '[', "did not find expected ',' or '}'": '{'}[msg]; open != 0 {
		if l, c, ok := opener(data, line, open); ok {
			line, col = l, c
		}
	}
	b.errorAt(line, col, "YAML syntax error: %s", sanitize(msg))
}

// opener finds the open bracket (a [ or {) that is still open at the end
// of line upTo: the list or mapping that a missing bracket should close.
// Brackets in quotes and comments do not count.
func opener(data []byte, upTo int, open byte) (line, col int, ok bool) {
	type mark struct {
		b         byte
		line, off int
	}
	var stack []mark
	line, lineStart := 1, 0
	var quote byte
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			if line == upTo {
				break
			}
			line, lineStart = line+1, i+1
			continue
		}
		if quote != 0 {
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		prev := byte(' ')
		if i > lineStart {
			prev = data[i-1]
		}
		switch c {
		case '#':
			if prev == ' ' || prev == '\t' {
				for i+1 < len(data) && data[i+1] != '\n' {
					i++
				}
			}
		case '"', '\'':
			if bytes.IndexByte([]byte(" \t[{,:"), prev) >= 0 {
				quote = c
			}
		case '[', '{':
			stack = append(stack, mark{c, line, i})
		case ']', '}':
			n := len(stack)
			if n == 0 || stack[n-1].b != map[byte]byte{']': '[', '}': '{'}[c] {
				// The parser stops at a bracket that closes nothing open:
				// what was open here is what it complains about.
				i = len(data)
				break
			}
			stack = stack[:n-1]
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i].b == open {
			return lineCol(data, stack[i].off)
		}
	}
	return 0, 0, false
}

// sanitize keeps a message on one line: a tab would print as blank space.
func sanitize(s string) string {
	return strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
}

// lineText is line n (1-based) of data, without its line break.
func lineText(data []byte, n int) []byte {
	for ; n > 1; n-- {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil
		}
		data = data[i+1:]
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	return bytes.TrimSuffix(data, []byte("\r"))
}

// find is the line and column of the first s in data that is not followed
// by more of a name, or 1:1.
func find(data []byte, s string) (int, int) {
	off := 0
	for {
		i := bytes.Index(data[off:], []byte(s))
		if i < 0 {
			return 1, 1
		}
		end := off + i + len(s)
		if end == len(data) || bytes.IndexByte([]byte(" \t\r\n,]}"), data[end]) >= 0 {
			line, col, _ := lineCol(data, off+i)
			return line, col
		}
		off = end
	}
}

// lineCol turns a byte offset into a 1-based line and column (in runes).
func lineCol(data []byte, off int) (int, int, bool) {
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, utf8.RuneCount(data[start:off]) + 1, true
}
