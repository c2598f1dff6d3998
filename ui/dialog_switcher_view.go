package ui

import (
	"os"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/ui/targets"
)

// view draws the dialog; what rows the screen has left go to the profiles.
func (s *switcher) view(st Styles, sw, sh int) string {
	// Rows left for profiles once the rest of the dialog is drawn: the
	// dialog must fit the screen whatever the config holds.
	rows := sh - 20
	if s.note != "" {
		rows -= 2
	}
	return s.draw(st, dialogWidth(sw)-6, max(rows, 2))
}

// draw draws the dialog w cells wide inside; at most profRows rows go to
// the profiles, scrolled to keep the selected one in sight.
func (s *switcher) draw(st Styles, w, profRows int) string {
	var b []string
	title := "Switch target"
	if s.title != "" {
		title = s.title
	}
	b = append(b, st.DialogTitle.Render(title))
	if s.note != "" {
		b = append(b, wrap(s.note, w, "")...)
	}
	b = append(b, "")
	row := func(i int, label, note string) string {
		mark, ts := "  ○ ", st.Row
		if i == s.sel {
			mark, ts = "  ● ", st.Bold
			if s.at == 0 {
				mark = "› ● "
				ts = st.LabelFocus
			}
		}
		num := "  "
		if i < 9 {
			num = itoa(i+1) + " "
		}
		return fitLine(ts.Render(mark+num+label)+st.Dim.Render("  "+note), w)
	}
	for i, c := range choices {
		b = append(b, row(i, c.title, c.note))
	}
	b = append(b, s.profilesView(st, w, profRows, row)...)
	vis := s.visible()
	if len(vis) > 0 {
		b = append(b, "")
	}
	labels := [3]string{"Policy file", "URL", "Token"}
	for j, i := range vis {
		ls := st.Label
		if s.at == j+1 {
			ls = st.LabelFocus
		}
		b = append(b, ls.Render(padRight(labels[i], 13))+s.inputs[i].View())
	}
	if slices.Contains(vis, inToken) {
		b = append(b, st.Dim.Render("the token stays in memory: never drawn, logged or saved"))
	}
	if s.err != "" {
		b = append(b, "")
		b = append(b, st.ErrText.Render(strings.Join(wrap("✗ "+s.err, w, "  "), "\n")))
	}
	b = append(b, "")
	if s.busy {
		b = append(b, st.Muted.Render("connecting…"))
	} else {
		verb := " switch · "
		if s.side != nil {
			verb = " compare · "
		}
		b = append(b, st.Key.Render("enter")+st.Dim.Render(verb)+st.Key.Render("tab")+st.Dim.Render(" next field · ")+
			st.Key.Render("↑↓ 1-"+itoa(min(s.rows(), 9)))+st.Dim.Render(" choose · ")+st.Key.Render("esc")+st.Dim.Render(" close"))
	}
	return st.Dialog.Render(strings.Join(b, "\n"))
}

// profilesView is the config file's part of the switcher: its profiles
// (where each points and where its key comes from, never the key), or why
// the file cannot be used, or where one would go.
func (s *switcher) profilesView(st Styles, w, maxRows int, row func(int, string, string) string) []string {
	p := s.profs
	if p.Path == "" && p.Err == "" {
		if s.profLoading {
			return []string{"", st.Dim.Render("reading the config file…")}
		}
		return nil // no profiles in this build (Options.Profiles is nil)
	}
	head := st.Label.Render("Profiles") + st.Dim.Render(" · "+truncate(tildePath(p.Path), max(w-12, 10)))
	out := []string{"", fitLine(head, w)}
	switch {
	case p.Err != "":
		lines := strings.Split(p.Err, "\n")
		const most = 5
		var wrapped []string
		for _, l := range lines {
			wrapped = append(wrapped, wrap("✗ "+l, w, "  ")...)
		}
		if len(wrapped) > most {
			wrapped = append(wrapped[:most-1], "  … and more: pdpx config show lists them all")
		}
		out = append(out, st.ErrText.Render(strings.Join(wrapped, "\n")))
		return out
	case !p.Exists:
		return append(out, st.Dim.Render(fitLine("no config file here · pdpx config init writes an example", w)))
	case len(p.List) == 0:
		return append(out, st.Dim.Render("no profiles in the file"))
	}
	nameW := 0
	for _, pr := range p.List {
		nameW = max(nameW, width(pr.Name))
	}
	nameW = min(nameW, 16)
	first, last := 0, len(p.List)
	if maxRows < len(p.List) {
		maxRows = max(maxRows, 1)
		sel := max(s.sel-len(choices), 0)
		first = min(max(sel-maxRows/2, 0), len(p.List)-maxRows)
		last = first + maxRows
	}
	if first > 0 {
		out = append(out, st.Dim.Render("    ↑ "+itoa(first)+" more"))
	}
	for i := first; i < last; i++ {
		pr := p.List[i]
		var tags []string
		if pr.Name == s.current {
			tags = append(tags, "in use")
		}
		if pr.Default {
			tags = append(tags, "default")
		}
		label := padRight(truncate(pr.Name, nameW), nameW)
		note := string(pr.Kind) + " · " + pr.Where
		if p := pr.pulled(s.now, s.staleAfter); p != "" {
			// What the file is comes first: its path is long.
			note = p + " · " + note
		}
		if len(tags) > 0 {
			note = "(" + strings.Join(tags, ", ") + ") " + note
		}
		out = append(out, row(len(choices)+i, label, oneLine(note)))
	}
	if last < len(p.List) {
		out = append(out, st.Dim.Render("    ↓ "+itoa(len(p.List)-last)+" more"))
	}
	// The selected profile's key source and tenant go on a line of their
	// own: in the rows they would push the targets off an 80-column screen.
	if pr, ok := s.profile(); ok {
		var facts []string
		if pr.remote() {
			src := pr.TokenSource
			if src == "" {
				src = "$" + targets.TokenEnvFor(pr.Kind) + ", or typed below"
			}
			facts = append(facts, "key from "+src)
		}
		tenant := pr.DefaultTenant
		if tenant == "" {
			tenant = pdp.DefaultTenant
		}
		facts = append(facts, "default tenant "+tenant)
		for _, l := range wrap(oneLine(pr.Name+": "+strings.Join(facts, " · ")), w-6, "  ") {
			out = append(out, st.Muted.Render("      "+l))
		}
	}
	return out
}

// tildePath shortens a path under the home directory to ~/….
func tildePath(p string) string {
	if home, err := os.UserHomeDir(); err == nil && home != "" && strings.HasPrefix(p, home+string(os.PathSeparator)) {
		return "~" + p[len(home):]
	}
	return p
}
