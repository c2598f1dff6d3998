package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/snippet"
	"github.com/pdpx/pdpx/state"
)

// codeDialog is copy as code (y): a chooser of languages for the shown
// decision's check, then the snippet in the chosen one, shown and copied.
// The snippet is drawn in full (long lines wrap rather than being cut), so
// that it can still be selected by hand where the terminal ignores OSC 52.
type codeDialog struct {
	keys   keyMap
	check  pdp.Check
	target snippet.Target
	// from says which decision the check is, for the title.
	from  string
	sel   int  // index into snippet.Langs
	shown bool // a language was chosen: the snippet is on screen
	text  string
	err   string
	top   int // first snippet line shown, when it is taller than the screen
	// sw is the screen's width, which the snippet wraps at.
	sw int
}

// newCodeDialog opens the chooser on e's check, sent where e says (or,
// for an entry that does not say, to cur).
func newCodeDialog(k keyMap, e state.Entry, cur pdp.TargetInfo) *codeDialog {
	return &codeDialog{keys: k, check: e.Check, target: snippetTarget(e, cur), from: oneLine(e.Check.String())}
}

// langKeys are the letters that choose a language, besides 1-4.
var langKeys = map[string]snippet.Lang{"c": snippet.Curl, "p": snippet.Python, "n": snippet.Node, "g": snippet.Go}

var langTitles = map[snippet.Lang]string{
	snippet.Curl:   "curl",
	snippet.Python: "Python SDK (permit)",
	snippet.Node:   "Node SDK (permitio)",
	snippet.Go:     "Go SDK (permit-golang)",
}

// copy opens copy as code on the decision in the pane: the latest one, or
// the history entry selected.
func (d *decisionPane) copy() action {
	if !d.has {
		return say{status: "nothing to copy yet: send a check, or select a history entry"}
	}
	return copyCode{d.entry}
}

// snippetTarget is where the entry's check went: the entry says, unless it
// predates recording that (then the current target is the best guess).
func snippetTarget(e state.Entry, cur pdp.TargetInfo) snippet.Target {
	if e.TargetKind != "" {
		return snippet.Target{Kind: e.TargetKind, URL: e.TargetURL}
	}
	return snippet.Target{Kind: cur.Kind, URL: cur.URL}
}

// chooseLang writes the snippet in language i and copies it. Generate
// never writes the API key (it reads $PERMIT_API_KEY and the like) and drops
// any credentials in the URL, so what is drawn and copied is safe to share.
func (c *codeDialog) chooseLang(i int) action {
	c.sel, c.top, c.err = i, 0, ""
	lang := snippet.Langs[i]
	text, err := snippet.Generate(lang, c.check, c.target)
	if err != nil {
		c.shown, c.text, c.err = false, "", err.Error()
		return nil
	}
	c.shown, c.text = true, text
	return say{status: "copied the " + string(lang) + " snippet to the clipboard", cmd: tea.SetClipboard(text)}
}

// update takes the keys while copy as code is open: 1-4 or c/p/n/g choose
// a language (again, to switch), y copies again, ↑↓ scroll a long snippet.
func (c *codeDialog) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.sw = msg.Width
	case tea.KeyPressMsg:
		return c.key(msg)
	}
	return nil
}

func (c *codeDialog) key(msg tea.KeyPressMsg) action {
	k := c.keys
	n := len(snippet.Langs)
	s := msg.String()
	if len(s) == 1 && s >= "1" && s <= itoa(n) {
		return c.chooseLang(int(s[0] - '1'))
	}
	if l, ok := langKeys[s]; ok {
		for i, x := range snippet.Langs {
			if x == l {
				return c.chooseLang(i)
			}
		}
	}
	switch {
	case key.Matches(msg, k.DialogCancel) || s == "q":
		return closeDialog{}
	case !c.shown && key.Matches(msg, k.DialogOK):
		return c.chooseLang(c.sel)
	case c.shown && key.Matches(msg, k.DialogOK):
		return closeDialog{}
	case c.shown && s == "y":
		return c.chooseLang(c.sel)
	case !c.shown && key.Matches(msg, k.Up):
		c.sel = (c.sel + n - 1) % n
	case !c.shown && key.Matches(msg, k.Down):
		c.sel = (c.sel + 1) % n
	case c.shown && (key.Matches(msg, k.ScrollUp) || s == "pgup"):
		c.top = max(c.top-1, 0)
	case c.shown && (key.Matches(msg, k.ScrollDown) || s == "pgdown"):
		c.top = min(c.top+1, len(wrapCode(c.text, codeWidth(c.sw)-dialogFrameW))-1)
	case c.shown && (s == "tab" || s == "right"):
		return c.chooseLang((c.sel + 1) % n)
	case c.shown && (s == "shift+tab" || s == "left"):
		return c.chooseLang((c.sel + n - 1) % n)
	}
	return nil
}

// view draws the chooser, or the chosen snippet.
func (c *codeDialog) view(s Styles, sw, sh int) string {
	w := codeWidth(sw)
	inner := w - dialogFrameW
	lines := []string{s.DialogTitle.Render("Copy as code") + s.Dim.Render("  "+truncate(c.from, max(inner-16, 8)))}
	var tabs []string
	for i, l := range snippet.Langs {
		label := itoa(i+1) + " " + string(l)
		if i == c.sel {
			tabs = append(tabs, s.LabelFocus.Render("["+label+"]"))
		} else {
			tabs = append(tabs, s.Muted.Render(" "+label+" "))
		}
	}
	if !c.shown {
		lines = append(lines, "", s.Muted.Render("The same check as code, with the API key read from $"+snippet.TokenEnv+":"), "")
		for i, l := range snippet.Langs {
			mark, ts := "  ○ ", s.Row
			if i == c.sel {
				mark, ts = "› ● ", s.LabelFocus
			}
			lines = append(lines, ts.Render(mark+itoa(i+1)+" "+langTitles[l]))
		}
		if c.err != "" {
			lines = append(lines, "", s.ErrText.Render(strings.Join(wrap("✗ "+c.err, inner, "  "), "\n")))
		}
		lines = append(lines, "", s.Key.Render("enter")+s.Dim.Render(" copy · ")+s.Key.Render("↑↓ 1-4 c/p/n/g")+
			s.Dim.Render(" choose · ")+s.Key.Render("esc")+s.Dim.Render(" close"))
		return s.Dialog.Width(min(w, 76)).Render(strings.Join(lines, "\n"))
	}
	lines = append(lines, strings.Join(tabs, " "), "")
	code := wrapCode(c.text, inner)
	for i, l := range code {
		code[i] = s.JSONString.Render(l)
	}
	foot := []string{"", s.Allow.Render("✓ copied") + s.Dim.Render(" to the clipboard (OSC 52; else select the text) · ") +
		s.Key.Render("y") + s.Dim.Render(" again"),
		s.Key.Render("1-4 ←→") + s.Dim.Render(" language · ") + s.Key.Render("esc") + s.Dim.Render(" close")}
	room := max(sh-2-s.Dialog.GetVerticalFrameSize()-len(lines)-len(foot), 3)
	if len(code) > room {
		top := min(c.top, len(code)-room+1)
		end := top + room - 1
		more := s.Dim.Render("  ↑↓ lines " + itoa(top+1) + "–" + itoa(end) + " of " + itoa(len(code)))
		code = append(code[top:end:end], more)
	}
	lines = append(lines, code...)
	lines = append(lines, foot...)
	return s.Dialog.Width(w).Render(strings.Join(lines, "\n"))
}

// codeWidth is the dialog's width on a screen sw cells wide: wider than the
// other dialogs, for a curl line with its JSON body.
func codeWidth(sw int) int { return min(sw-4, 120) }

// wrapCode is the snippet as drawn: long lines wrap at the width, so that
// every character stays on screen. A comment wraps at words and repeats its
// marker, so that text selected by hand is still valid code; other lines
// (a JSON body has no spaces to break at) wrap hard.
func wrapCode(text string, inner int) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		prefix := ""
		for _, p := range []string{"# ", "// "} {
			if strings.HasPrefix(l, p) {
				prefix = p
			}
		}
		var parts []string
		if prefix != "" && inner > len(prefix)+10 {
			parts = strings.Split(ansi.Wrap(l[len(prefix):], inner-len(prefix), ""), "\n")
			for i := range parts {
				parts[i] = prefix + strings.TrimLeft(parts[i], " ")
			}
		} else {
			parts = strings.Split(ansi.Hardwrap(l, inner, false), "\n")
		}
		out = append(out, parts...)
	}
	return out
}
