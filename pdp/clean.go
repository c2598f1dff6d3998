package pdp

import (
	"strings"
	"unicode"
)

// Clean makes text that a remote party controls safe to draw on a terminal:
// it removes escape sequences (CSI, OSC, DCS and the rest) and other control
// characters, keeping newlines and tabs. A hostile PDP response must not be
// able to move the cursor, retitle the window or write to the clipboard.
func Clean(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == 0x1b: // ESC: skip the whole sequence
			i = skipEscape(rs, i)
		case r == 0x9b: // C1 CSI
			i = skipCSI(rs, i+1)
		case r == 0x9d || r == 0x90 || r == 0x9e || r == 0x9f || r == 0x98: // C1 OSC, DCS, PM, APC, SOS
			i = skipString(rs, i+1)
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\r':
			// dropped: a carriage return lets text overwrite what was drawn before it
		case unicode.IsControl(r) || r == 0x7f:
		case r == unicode.ReplacementChar:
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
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
