// Package present is `pdpx present FILE`: a full-screen program that steps
// through a scenario file as a demo on a shared screen. Each step shows the
// check, its decision in large type, what changed since the previous step
// (highlighted, and marked so it reads without colour), and the step's
// narration.
//
// It shows nothing a room should not see: no token, no URL credentials
// (the target is named by its short name), and no history: it keeps none
// and reads none, so a presenter's earlier experiments stay private.
package present

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state/scenario"
	"github.com/pdpx/pdpx/ui/bigtype"
)

// Model is the presenter. Build it with New and run it with tea.NewProgram.
type Model struct {
	ctx    context.Context
	title  string
	target pdp.Target
	name   string
	cases  []scenario.Case
	// decided caches each step's decision: going back shows what was
	// decided, and a step is asked once unless r asks again.
	decided map[int]pdp.Decision
	asking  map[int]bool
	step    int
	w, h    int
	dark    bool
	st      styles
}

// New makes a presenter for f on t. ctx bounds the checks it sends.
func New(ctx context.Context, f *scenario.File, t pdp.Target) *Model {
	title := f.Title
	if title == "" {
		title = f.Path
	}
	m := &Model{ctx: ctx, title: title, target: t, name: pdp.Clean(t.Describe().Name), cases: f.Cases,
		decided: map[int]pdp.Decision{}, asking: map[int]bool{}, w: 80, h: 24, dark: true}
	m.st = newStyles(m.dark)
	return m
}

// decidedMsg carries one step's decision back from its Cmd.
type decidedMsg struct {
	step int
	d    pdp.Decision
}

// decide asks the target for step i in a Cmd, so the screen never blocks
// on a slow PDP.
func (m *Model) decide(i int) tea.Cmd {
	if i < 0 || i >= len(m.cases) || m.asking[i] {
		return nil
	}
	if _, ok := m.decided[i]; ok {
		return nil
	}
	m.asking[i] = true
	ctx, t, c := m.ctx, m.target, m.cases[i].Check
	return func() tea.Msg { return decidedMsg{step: i, d: t.Check(ctx, c)} }
}

// Init asks for the terminal's background (for light or dark styles) and
// decides the first step.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.decide(0))
}

// Update handles keys, the window size, the background colour and decisions.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.st = newStyles(m.dark)
	case decidedMsg:
		delete(m.asking, msg.step)
		m.decided[msg.step] = msg.d
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q", "esc", "ctrl+c":
			return m, tea.Quit
		case "space", "right", "l", "n", "enter", "pgdown", "down", "j":
			return m, m.goTo(m.step + 1)
		case "left", "h", "p", "backspace", "pgup", "up", "k":
			return m, m.goTo(m.step - 1)
		case "home", "g":
			return m, m.goTo(0)
		case "end", "G":
			return m, m.goTo(len(m.cases) - 1)
		case "r":
			delete(m.decided, m.step)
			return m, m.decide(m.step)
		}
	}
	return m, nil
}

func (m *Model) goTo(i int) tea.Cmd {
	m.step = max(0, min(i, len(m.cases)-1))
	return m.decide(m.step)
}

// Step is the step shown, from 0.
func (m *Model) Step() int { return m.step }

type styles struct {
	title, dim, name, label, changed, narration, allow, deny, err, ok, bad, key lipgloss.Style
}

func newStyles(dark bool) styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	return styles{
		title:     lipgloss.NewStyle().Bold(true).Foreground(c("#5A4FCF", "#B8B2FF")),
		dim:       lipgloss.NewStyle().Foreground(c("#6B6B6B", "#8A8A8A")),
		name:      lipgloss.NewStyle().Bold(true),
		label:     lipgloss.NewStyle().Foreground(c("#6B6B6B", "#9A9A9A")),
		changed:   lipgloss.NewStyle().Bold(true).Foreground(c("#B05E00", "#FFB454")),
		narration: lipgloss.NewStyle().Italic(true),
		allow:     lipgloss.NewStyle().Bold(true).Foreground(c("#1A7F37", "#56D364")),
		deny:      lipgloss.NewStyle().Bold(true).Foreground(c("#CF222E", "#FF7B72")),
		err:       lipgloss.NewStyle().Bold(true).Foreground(c("#9A6700", "#E3B341")),
		ok:        lipgloss.NewStyle().Foreground(c("#1A7F37", "#56D364")),
		bad:       lipgloss.NewStyle().Bold(true).Foreground(c("#CF222E", "#FF7B72")),
		key:       lipgloss.NewStyle().Bold(true),
	}
}

func (s styles) outcome(o pdp.Outcome) lipgloss.Style {
	switch o {
	case pdp.Allow:
		return s.allow
	case pdp.Deny:
		return s.deny
	}
	return s.err
}

// View draws the step on the alternate screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "pdpx present"
	return v
}

// Render is the screen's text, m.w × m.h at most.
func (m *Model) Render() string {
	w := max(m.w, 20)
	if len(m.cases) == 0 {
		return "no checks"
	}
	c := m.cases[m.step]
	var body []string

	// Header: title left, step count right.
	count := fmt.Sprintf("%d / %d", m.step+1, len(m.cases))
	title := truncate(pdp.Clean(m.title), w-len(count)-4)
	body = append(body, " "+m.st.title.Render(title)+strings.Repeat(" ", max(1, w-2-lipgloss.Width(title)-len(count)))+m.st.dim.Render(count))
	body = append(body, "")
	body = append(body, " "+m.st.name.Render(truncate(pdp.Clean(c.Name), w-2)))
	body = append(body, "")

	d, ok := m.decided[m.step]
	switch {
	case !ok:
		body = append(body, "   "+m.st.dim.Render("deciding…"), "", "", "")
	default:
		st := m.st.outcome(d.Outcome)
		for _, line := range bigtype.Word(d.Outcome.Symbol()+" "+d.Outcome.Word(), w-4, m.h >= 30) {
			body = append(body, "   "+st.Render(line))
		}
		body = append(body, "   "+m.expectLine(c, d, w-4))
		if d.Outcome == pdp.Error {
			body = append(body, "   "+m.st.err.Render(truncate(pdp.Clean(d.ErrorText()), w-4)))
		}
	}
	body = append(body, "")
	var prev *pdp.Check
	if m.step > 0 {
		prev = &m.cases[m.step-1].Check
	}
	body = append(body, m.fields(c.Check, prev, w)...)
	if c.Narration != "" {
		body = append(body, "")
		for _, line := range wrap(pdp.Clean(c.Narration), w-4) {
			body = append(body, "  "+m.st.narration.Render(line))
		}
	}

	footer := " " + m.st.key.Render("space") + m.st.dim.Render("/→ next · ") + m.st.key.Render("←") +
		m.st.dim.Render(" back · ") + m.st.key.Render("r") + m.st.dim.Render(" again · ") + m.st.key.Render("q") + m.st.dim.Render(" quit")
	tgt := m.st.dim.Render(truncate(m.name, max(0, w-lipgloss.Width(footer)-3)))
	footer += strings.Repeat(" ", max(1, w-lipgloss.Width(footer)-lipgloss.Width(tgt)-1)) + tgt

	h := max(m.h, 5)
	if len(body) > h-1 {
		body = body[:h-1]
	}
	for len(body) < h-1 {
		body = append(body, "")
	}
	return strings.Join(append(body, footer), "\n")
}

// expectLine says whether the decision is what the file expects.
func (m *Model) expectLine(c scenario.Case, d pdp.Decision, w int) string {
	r := scenario.Judge(c, d)
	if r.Pass {
		s := "✓ expected " + c.Expect.String()
		// The code the file expects is said once, in full (rbac:allow, not
		// allow); the other engines' codes follow it, dimmed.
		var rest []string
		shown := false
		for _, code := range scenario.Codes(d) {
			if !shown && c.ExpectCode != "" && (code == c.ExpectCode || strings.SplitN(code, ":", 2)[1] == c.ExpectCode) {
				s += " · " + code
				shown = true
				continue
			}
			rest = append(rest, code)
		}
		if c.ExpectCode != "" && !shown {
			s += " · " + c.ExpectCode
		}
		return m.st.ok.Render(s) + "  " + m.st.dim.Render(truncate(strings.Join(rest, " "), max(0, w-lipgloss.Width(s)-2)))
	}
	return m.st.bad.Render(truncate("✗ "+pdp.Clean(r.Why), w))
}

// field is one line of the check as shown: a label, a value, and whether
// it differs from the previous step.
type field struct {
	label, value string
	changed      bool
}

// fields lays out the check, marking what changed since prev (nil for the
// first step, where nothing is marked). A removed attribute is listed as
// removed, since its absence is often the point of the step.
func (m *Model) fields(c pdp.Check, prev *pdp.Check, w int) []string {
	var fs []field
	add := func(label, value, old string, hasPrev bool) {
		fs = append(fs, field{label, value, hasPrev && value != old})
	}
	var p pdp.Check
	if prev != nil {
		p = *prev
	}
	has := prev != nil
	add("user", c.User.Key, p.User.Key, has)
	fs = append(fs, attrFields("  attrs", c.User.Attributes, p.User.Attributes, has)...)
	add("action", c.Action, p.Action, has)
	add("resource", c.Resource.Ref(), p.Resource.Ref(), has)
	fs = append(fs, attrFields("  attrs", c.Resource.Attributes, p.Resource.Attributes, has)...)
	tenant := c.Resource.Tenant
	if tenant == "" {
		tenant = "(none)"
	}
	oldTenant := p.Resource.Tenant
	if oldTenant == "" {
		oldTenant = "(none)"
	}
	add("tenant", tenant, oldTenant, has)
	fs = append(fs, attrFields("  attrs", c.TenantAttributes, p.TenantAttributes, has)...)
	fs = append(fs, attrFields("context", c.Context, p.Context, has)...)

	out := make([]string, 0, len(fs))
	for _, f := range fs {
		mark := "  "
		val := truncate(pdp.Clean(f.value), w-16)
		if f.changed {
			// "▸" carries the change without colour.
			mark = m.st.changed.Render("▸ ")
			val = m.st.changed.Render(val)
		}
		out = append(out, mark+m.st.label.Render(fmt.Sprintf("%-9s", f.label))+"  "+val)
	}
	return out
}

// attrFields lists attributes as k=v, one per line, each marked when it
// is new or its value changed, and a line per attribute that was removed.
func attrFields(label string, cur, old map[string]any, hasPrev bool) []field {
	keys := make([]string, 0, len(cur))
	for k := range cur {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []field
	for _, k := range keys {
		v := k + "=" + pdp.FormatValue(cur[k])
		ov, had := old[k]
		out = append(out, field{label, v, hasPrev && (!had || pdp.FormatValue(ov) != pdp.FormatValue(cur[k]))})
	}
	if hasPrev {
		var gone []string
		for k := range old {
			if _, ok := cur[k]; !ok {
				gone = append(gone, k)
			}
		}
		slices.Sort(gone)
		for _, k := range gone {
			out = append(out, field{label, k + " removed", true})
		}
	}
	for i := 1; i < len(out); i++ {
		out[i].label = ""
	}
	return out
}

// truncate cuts s to w cells, with an ellipsis when it had to.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r))+1 > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// wrap breaks text into lines of at most w cells at spaces.
func wrap(s string, w int) []string {
	if w < 10 {
		w = 10
	}
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = word
		case lipgloss.Width(cur)+1+lipgloss.Width(word) <= w:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return lines
}
