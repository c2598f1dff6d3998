package pdp

import (
	"strings"
	"unicode"
)

// Removed is the mark Clean leaves where it removed something: one mark
// for each run of escape sequences and control characters. Without it two
// different values could look the same ("read\x1b[5m" would show as
// "read"). It is the Unicode replacement character, which every font draws
// and which already means "a character that could not be shown here".
const Removed = "\uFFFD"

// Clean makes text that a remote party controls safe to draw on a terminal:
// it removes escape sequences (CSI, OSC, DCS and the rest) and other control
// characters, keeping newlines and tabs, and leaves the mark Removed where
// it took something out. A hostile PDP response must not be able to move
// the cursor, retitle the window or write to the clipboard. A carriage
// return just before a newline (CRLF) is dropped without a mark.
func Clean(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	pending := false // something was removed since the last rune kept
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == 0x1b: // ESC: skip the whole sequence
			i, pending = skipEscape(rs, i), true
		case r == 0x9b: // C1 CSI
			i, pending = skipCSI(rs, i+1), true
		case r == 0x9d || r == 0x90 || r == 0x9e || r == 0x9f || r == 0x98: // C1 OSC, DCS, PM, APC, SOS
			i, pending = skipString(rs, i+1), true
		case r == '\r' && i+1 < len(rs) && rs[i+1] == '\n':
			// a line ending, not an attempt to overwrite the line
		case r != '\n' && r != '\t' && (unicode.IsControl(r) || r == 0x7f):
			// A lone carriage return would let text overwrite what was
			// drawn before it; other controls act on the terminal.
			pending = true
		default:
			if pending {
				b.WriteString(Removed)
				pending = false
			}
			b.WriteRune(r)
		}
	}
	if pending {
		b.WriteString(Removed)
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			return false
		}
	}
	return true
}

// skipEscape returns the index of the last rune of the sequence starting at i.
func skipEscape(rs []rune, i int) int {
	if i+1 >= len(rs) {
		return i
	}
	switch rs[i+1] {
	case '[':
		return skipCSI(rs, i+2)
	case ']', 'P', '^', '_', 'X':
		return skipString(rs, i+2)
	default:
		// two-character sequences (ESC c, ESC 7, ESC ( B, ...)
		j := i + 1
		for j < len(rs) && rs[j] >= 0x20 && rs[j] <= 0x2f { // intermediates
			j++
		}
		if j >= len(rs) {
			return len(rs) - 1
		}
		return j
	}
}

// skipCSI skips parameters and intermediates up to the final byte.
func skipCSI(rs []rune, j int) int {
	for j < len(rs) {
		if rs[j] >= 0x40 && rs[j] <= 0x7e {
			return j
		}
		j++
	}
	return len(rs) - 1
}

// skipString skips an OSC/DCS/APC body up to BEL or ST (ESC \ or 0x9c).
func skipString(rs []rune, j int) int {
	for j < len(rs) {
		switch rs[j] {
		case 0x07, 0x9c:
			return j
		case 0x1b:
			if j+1 < len(rs) && rs[j+1] == '\\' {
				return j + 1
			}
		}
		j++
	}
	return len(rs) - 1
}

// Clip shortens s to n runes, marking the cut with an ellipsis.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}
