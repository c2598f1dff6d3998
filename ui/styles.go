package ui

import (
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
	"github.com/pdpx/pdpx/pdp"
)

// Styles is every style the explorer draws with, built from one semantic
// palette for a light or a dark terminal. It is rebuilt when the terminal
// reports its background, so nothing here may be cached elsewhere.
type Styles struct {
	IsDark bool

	// Palette, for the few places that need a colour rather than a style.
	Accent, Subtle, Border, Text color.Color

	App        lipgloss.Style // the header's app name
	Header     lipgloss.Style
	Dim        lipgloss.Style
	Muted      lipgloss.Style
	Bold       lipgloss.Style
	Key        lipgloss.Style // a key name in help and hints
	PaneTitle  lipgloss.Style
	PaneTitleF lipgloss.Style // focused
	PaneBorder lipgloss.Style
	PaneFocus  lipgloss.Style

	Label       lipgloss.Style
	LabelFocus  lipgloss.Style
	LabelErr    lipgloss.Style
	Placeholder lipgloss.Style
	Hint        lipgloss.Style
	ErrText     lipgloss.Style
	Warn        lipgloss.Style

	Popup       lipgloss.Style
	PopupItem   lipgloss.Style
	PopupSel    lipgloss.Style
	PopupDim    lipgloss.Style
	Dialog      lipgloss.Style
	DialogTitle lipgloss.Style

	Row      lipgloss.Style
	RowSel   lipgloss.Style // selected row, pane focused
	RowSelBl lipgloss.Style // selected row, pane blurred

	Allow, Deny, Error                lipgloss.Style
	Info                              lipgloss.Style // an information card
	KeyCap                            lipgloss.Style // a key drawn next to what it does: flips, actions
	FailLeaf                          lipgloss.Style // the first failing condition of a set
	AllowBadge, DenyBadge, ErrorBadge lipgloss.Style

	// JSON and typed attribute values.
	JSONKey, JSONString, JSONNumber, JSONBool, JSONNull, JSONPunct lipgloss.Style

	Health map[healthState]lipgloss.Style

	Help  help.Styles
	Input textinput.Styles

	// Inks of the styles the history draws per row (see ink).
	inkRow, inkDim, inkSel, inkSelBl ink
	inkOutcome                       [3]ink
}

// ink is a one-line style reduced to its escape codes. Style.Render costs
// microseconds (it checks borders, margins, widths); the history draws
// hundreds of cells per frame, so it paints with inks instead.
type ink struct{ pre, post string }

const inkMark = "\ue000"

func inkOf(st lipgloss.Style) ink {
	r := st.Render(inkMark)
	i := strings.Index(r, inkMark)
	if i < 0 {
		return ink{}
	}
	return ink{r[:i], r[i+len(inkMark):]}
}

// Render paints s, which must be one line.
func (k ink) Render(s string) string { return k.pre + s + k.post }

// NewStyles builds the styles for a dark (isDark) or light terminal.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	c := lipgloss.Color
	var (
		accent = ld(c("#5A4FCF"), c("#B8B2FF"))
		text   = ld(c("#1E1E2E"), c("#E4E4EF"))
		muted  = ld(c("#5C5C70"), c("#A8A8BC"))
		subtle = ld(c("#8C8CA0"), c("#6C6C80"))
		border = ld(c("#C8C8D8"), c("#3C3C50"))
		green  = ld(c("#1A7F37"), c("#5FD787"))
		red    = ld(c("#CF222E"), c("#FF6B6B"))
		amber  = ld(c("#9A6700"), c("#FFB86C"))
		blue   = ld(c("#0550AE"), c("#79B8FF"))
		purple = ld(c("#8250DF"), c("#D2A8FF"))
		str    = ld(c("#116329"), c("#A5D6A7"))
		selBg  = ld(c("#E4E1FF"), c("#35305C"))
		selBl  = ld(c("#EDEDF3"), c("#2A2A38"))
		popBg  = ld(c("#F4F4FA"), c("#24242F"))
		badgeF = ld(c("#FFFFFF"), c("#101018"))
		failBg = ld(c("#FFEBE9"), c("#4A1F24"))
	)
	ns := lipgloss.NewStyle
	s := Styles{
		IsDark: isDark,
		Accent: accent, Subtle: subtle, Border: border, Text: text,

		App:        ns().Foreground(accent).Bold(true),
		Header:     ns().Foreground(muted),
		Dim:        ns().Foreground(subtle),
		Muted:      ns().Foreground(muted),
		Bold:       ns().Foreground(text).Bold(true),
		Key:        ns().Foreground(accent),
		PaneTitle:  ns().Foreground(muted).Bold(true),
		PaneTitleF: ns().Foreground(accent).Bold(true),
		PaneBorder: ns().Foreground(border),
		PaneFocus:  ns().Foreground(accent),

		Label:       ns().Foreground(muted),
		LabelFocus:  ns().Foreground(accent).Bold(true),
		LabelErr:    ns().Foreground(red).Bold(true),
		Placeholder: ns().Foreground(subtle),
		Hint:        ns().Foreground(subtle),
		ErrText:     ns().Foreground(red),
		Warn:        ns().Foreground(amber),

		Popup:       ns().Background(popBg).Foreground(text),
		PopupItem:   ns().Background(popBg).Foreground(text).Padding(0, 1),
		PopupSel:    ns().Background(selBg).Foreground(accent).Bold(true).Padding(0, 1),
		PopupDim:    ns().Background(popBg).Foreground(subtle).Padding(0, 1),
		Dialog:      ns().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, dialogPadX),
		DialogTitle: ns().Foreground(accent).Bold(true),

		Row:      ns().Foreground(text),
		RowSel:   ns().Background(selBg).Foreground(text).Bold(true),
		RowSelBl: ns().Background(selBl).Foreground(text),

		Allow:      ns().Foreground(green).Bold(true),
		Deny:       ns().Foreground(red).Bold(true),
		Error:      ns().Foreground(amber).Bold(true),
		Info:       ns().Foreground(blue).Bold(true),
		KeyCap:     ns().Background(selBg).Foreground(accent).Bold(true).Padding(0, 1),
		FailLeaf:   ns().Background(failBg).Foreground(red).Bold(true),
		AllowBadge: ns().Background(green).Foreground(badgeF).Bold(true).Padding(0, 1),
		DenyBadge:  ns().Background(red).Foreground(badgeF).Bold(true).Padding(0, 1),
		ErrorBadge: ns().Background(amber).Foreground(badgeF).Bold(true).Padding(0, 1),

		JSONKey:    ns().Foreground(blue),
		JSONString: ns().Foreground(str),
		JSONNumber: ns().Foreground(amber),
		JSONBool:   ns().Foreground(purple),
		JSONNull:   ns().Foreground(subtle),
		JSONPunct:  ns().Foreground(subtle),

		Health: map[healthState]lipgloss.Style{
			healthUnknown: ns().Foreground(subtle),
			healthOK:      ns().Foreground(green),
			healthDown:    ns().Foreground(red),
		},
	}
	s.inkRow, s.inkDim, s.inkSel, s.inkSelBl = inkOf(s.Row), inkOf(s.Dim), inkOf(s.RowSel), inkOf(s.RowSelBl)
	for _, o := range []pdp.Outcome{pdp.Error, pdp.Allow, pdp.Deny} {
		s.inkOutcome[o] = inkOf(s.Outcome(o))
	}
	s.Help = help.DefaultStyles(isDark)
	s.Help.ShortKey = s.Key
	s.Help.FullKey = s.Key
	s.Help.ShortDesc = s.Muted
	s.Help.FullDesc = s.Muted

	s.Input = textinput.DefaultStyles(isDark)
	s.Input.Focused.Text = ns().Foreground(text)
	s.Input.Blurred.Text = ns().Foreground(text)
	s.Input.Focused.Placeholder = s.Placeholder
	s.Input.Blurred.Placeholder = s.Placeholder
	s.Input.Cursor.Color = accent
	s.Input.Cursor.Blink = false // a steady cursor: no timer, and identical frames in tests
	return s
}

// Outcome is the text style of an outcome (✓ ALLOW green, ✗ DENY red,
// ! ERROR amber). The word is always drawn too, so NO_COLOR loses nothing.
func (s Styles) Outcome(o pdp.Outcome) lipgloss.Style {
	switch o {
	case pdp.Allow:
		return s.Allow
	case pdp.Deny:
		return s.Deny
	default:
		return s.Error
	}
}

// Badge is the filled badge style of an outcome.
func (s Styles) Badge(o pdp.Outcome) lipgloss.Style {
	switch o {
	case pdp.Allow:
		return s.AllowBadge
	case pdp.Deny:
		return s.DenyBadge
	default:
		return s.ErrorBadge
	}
}

// Value styles a JSON value by its type, so "true" (a string) and true (a
// bool) look different as well as read differently.
func (s Styles) Value(v any) lipgloss.Style {
	switch pdp.TypeName(v) {
	case "string":
		return s.JSONString
	case "number":
		return s.JSONNumber
	case "bool":
		return s.JSONBool
	case "null":
		return s.JSONNull
	default:
		return s.Muted
	}
}
