package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pdpx/pdpx/pdp"
)

func itoa(n int) string { return strconv.Itoa(n) }

// oneLine cleans text that may come from a remote PDP (or a stored row) and
// folds it onto one line.
func oneLine(s string) string {
	s = pdp.Clean(s)
	if strings.ContainsAny(s, "\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

func padLeft(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

// fmtLatency writes a latency with two or three significant digits:
// 41µs, 1.2ms, 340ms, 5.0s.
func fmtLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return itoa(int(d/time.Microsecond)) + "µs"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return itoa(int(d/time.Millisecond)) + "ms"
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}

// wrap word-wraps cleaned text to w cells and indents every line after the
// first by indent. Long tokens (URLs, keys) are broken rather than
// overflowing (a hanging indent for "rbac  sentence…" blocks).
func wrap(s string, w int, indent string) []string {
	s = pdp.Clean(s)
	if w <= 4 {
		return []string{s}
	}
	lines := strings.Split(ansi.Wrap(s, w, " "), "\n")
	for i := 1; i < len(lines); i++ {
		lines[i] = indent + lines[i]
	}
	return lines
}
