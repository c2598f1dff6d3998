package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/pdpx/pdpx/pdp"
)

// printer writes decisions for people. Styles use the 16 ANSI colours so
// they follow the terminal's own theme; colour is dropped by lipgloss when
// the output is not a terminal or NO_COLOR is set.
type printer struct {
	w   io.Writer
	b   strings.Builder
	ok  lipgloss.Style
	no  lipgloss.Style
	bad lipgloss.Style
	dim lipgloss.Style
	key lipgloss.Style
}

func newPrinter(w io.Writer) *printer {
	return &printer{
		w:   w,
		ok:  lipgloss.NewStyle().Foreground(lipgloss.Green).Bold(true),
		no:  lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true),
		bad: lipgloss.NewStyle().Foreground(lipgloss.Yellow).Bold(true),
		dim: lipgloss.NewStyle().Faint(true),
		key: lipgloss.NewStyle().Bold(true),
	}
}

func (p *printer) flush() error {
	_, err := lipgloss.Fprint(p.w, p.b.String())
	return err
}

func (p *printer) linef(format string, args ...any) {
	fmt.Fprintf(&p.b, format, args...)
	p.b.WriteByte('\n')
}

func (p *printer) outcome(o pdp.Outcome) string {
	switch o {
	case pdp.Allow:
		return p.ok.Render(o.Word())
	case pdp.Deny:
		return p.no.Render(o.Word())
	default:
		return p.bad.Render(o.Word())
	}
}

// summary is the one line: ALLOW john@smith.com create document @default · embedded · 12µs
func (p *printer) summary(c pdp.Check, d pdp.Decision) {
	meta := []string{pdp.Clean(d.Target), FormatLatency(d.Latency)}
	if d.Status != 0 {
		meta = append(meta, fmt.Sprintf("HTTP %d", d.Status))
	}
	p.linef("%s %s %s", p.outcome(d.Outcome), pdp.Clean(c.String()), p.dim.Render("· "+strings.Join(meta, " · ")))
	if d.Outcome == pdp.Error && d.Err != nil {
		p.linef("  %s", pdp.Clean(d.Err.Error()))
	}
}

func (p *printer) mark(ok bool) string {
	if ok {
		return p.ok.Render("✓")
	}
	return p.no.Render("✗")
}

// FormatLatency writes a latency the way people read it: 12µs, 3.4ms, 1.2s.
func FormatLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "0µs"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}
