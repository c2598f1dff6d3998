package ui

import (
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/ui/targets"
)

// choice is one kind of target the switcher offers.
type choice struct {
	title, note string
	kind        pdp.Kind
	path, url   bool // which inputs it needs
	token       bool
}

var choices = []choice{
	{"Embedded · demo policy", "the built-in policy, in process", pdp.KindEmbedded, false, false, false},
	{"Embedded · policy file", "a YAML or JSON policy, in process", pdp.KindEmbedded, true, false, false},
	{"Local PDP", "Permit's PDP container or pdpx serve", pdp.KindPDP, false, true, true},
	{"Cloud PDP", "cloudpdp.api.permit.io · RBAC and ReBAC, no ABAC", pdp.KindCloud, false, false, true},
	{"AuthZEN PDP", "any AuthZEN 1.0 PDP: Cerbos, Topaz, pdpx serve…", pdp.KindAuthZEN, false, true, true},
}

// Rows of choices the switcher opens on for a target of that kind.
const (
	rowLocal   = 2
	rowCloud   = 3
	rowAuthZEN = 4
)

// switcher is the ctrl+t dialog: pick a kind of target, fill in its path,
// URL or token, or pick a profile of the config file, and press enter. The
// token field is masked and cleared as soon as the switch is made. The root
// keeps it between opens, so that a path or URL typed once is there again.
type switcher struct {
	keys keyMap
	// build makes the target chosen (Options.Switch); nil in a build that
	// cannot switch.
	build SwitchFunc
	// side is the check to send to the target chosen and the current one,
	// side by side (ctrl+l); nil for a plain switch.
	side *pdp.Check
	// current is the profile in use ("" for none).
	current string
	// sel is the selected row: a kind (choices), then the profiles.
	sel    int
	inputs [3]textinput.Model // path, url, token
	at     int                // 0 = the list, else 1+index into the visible inputs
	err    string
	note   string
	busy   bool
	// title replaces "Switch target" when the dialog picks a second
	// target to compare with (ctrl+l).
	title string
	// profs is the config file as last read; profLoading while it is read.
	profs       Profiles
	profLoading bool
	// now and staleAfter date the profiles' pulled files, as of the read.
	now        time.Time
	staleAfter time.Duration
	// urlGiven says the URL field still holds the current target's URL,
	// untouched: text typed or pasted there replaces it, as in a browser's
	// address bar, instead of being added to its end.
	urlGiven bool
	// cancelNote is what esc says in the footer: that the target in use
	// stands in for the one the switcher was opened to give a key to.
	cancelNote string
}

// showSwitcher opens the switcher on info (its kind, URL or path), saying
// note; at says where the keyboard starts.
type showSwitcher struct {
	info pdp.TargetInfo
	note string
	at   switcherAt
}

type switcherAt int

const (
	atDefault switcherAt = iota // where open puts it: the token when asked for
	atList                      // the list of targets
	atURL                       // the URL field, when the target has one
)

// focusAt puts the keyboard on the list, or on the URL field.
func (s *switcher) focusAt(at switcherAt) {
	s.at = 0
	if at == atURL && len(s.visible()) > 0 && choices[s.sel].url {
		s.at = 1
	}
	s.focusInputs()
}

// rows counts the selectable rows: the kinds, then the profiles.
func (s *switcher) rows() int { return len(choices) + len(s.profs.List) }

// profile is the selected profile, if a profile row is selected.
func (s *switcher) profile() (Profile, bool) {
	if i := s.sel - len(choices); i >= 0 && i < len(s.profs.List) {
		return s.profs.List[i], true
	}
	return Profile{}, false
}

// choice is the selected kind; a profile row has none (the zero choice,
// which needs no input).
func (s *switcher) choice() choice {
	if s.sel < len(choices) {
		return choices[s.sel]
	}
	return choice{}
}

const (
	inPath = iota
	inURL
	inToken
)

func newSwitcher(k keyMap, st textinput.Styles, build SwitchFunc) *switcher {
	s := &switcher{keys: k, build: build}
	ph := [3]string{"policy.yaml", pdp.LocalPDPURL, ""}
	for i := range s.inputs {
		in := textinput.New()
		in.Prompt = ""
		in.Placeholder = ph[i]
		in.SetStyles(st)
		s.inputs[i] = in
	}
	s.inputs[inToken].EchoMode = textinput.EchoPassword
	s.inputs[inToken].EchoCharacter = '•'
	s.placeholders()
	return s
}

// kind is the kind of target the selected row builds.
func (s *switcher) kind() pdp.Kind {
	if p, ok := s.profile(); ok {
		return p.Kind
	}
	return s.choice().kind
}

// placeholders say what the URL and token fields take for the selected
// row: an AuthZEN PDP may be another vendor's, so it is never offered
// $PERMIT_API_KEY, and it has no usual local address to suggest.
func (s *switcher) placeholders() {
	k := s.kind()
	tok := "permit_key_… (empty: $" + targets.TokenEnvFor(k) + ")"
	url := pdp.LocalPDPURL
	if k == pdp.KindAuthZEN {
		tok = "optional (empty: $" + targets.TokenEnvFor(k) + ")"
		url = "its base URL, e.g. https://pdp.example.com"
	}
	s.inputs[inToken].Placeholder = tok
	s.inputs[inURL].Placeholder = url
}

func (s *switcher) setStyles(st textinput.Styles) {
	for i := range s.inputs {
		s.inputs[i].SetStyles(st)
	}
}

func (s *switcher) setWidth(w int) {
	for i := range s.inputs {
		s.inputs[i].SetWidth(max(w-16, 10))
	}
}

// open readies the dialog on the current target's kind. With a note (a
// missing or refused token) it goes straight to the token field.
func (s *switcher) open(info pdp.TargetInfo, current, note string) {
	s.err, s.note, s.busy, s.current, s.cancelNote = "", note, false, current, ""
	s.sel, s.at = 0, 0
	switch info.Kind {
	case pdp.KindPDP, pdp.KindAuthZEN:
		s.sel = rowLocal
		if info.Kind == pdp.KindAuthZEN {
			s.sel = rowAuthZEN
		}
		if info.URL != "" {
			s.inputs[inURL].SetValue(info.URL)
			s.urlGiven = true
		}
	case pdp.KindCloud:
		s.sel = rowCloud
	default:
		if info.URL != "" {
			s.sel = 1
			s.inputs[inPath].SetValue(info.URL)
		}
	}
	if note != "" && s.choice().token {
		s.at = len(s.visible()) // the token is always the last input
	}
	s.focusInputs()
}

func (s *switcher) close() {
	s.inputs[inToken].SetValue("") // never keep a token around
	s.busy, s.err, s.note, s.title, s.side, s.cancelNote = false, "", "", "", nil, ""
	for i := range s.inputs {
		s.inputs[i].Blur()
	}
}

// visible lists the inputs the selected row needs. A profile needs none,
// except a remote one that names no token source: it takes a typed key
// (or $PERMIT_API_KEY when the field is left empty).
func (s *switcher) visible() []int {
	if p, ok := s.profile(); ok {
		if p.remote() && p.TokenSource == "" {
			return []int{inToken}
		}
		return nil
	}
	c := s.choice()
	var out []int
	if c.path {
		out = append(out, inPath)
	}
	if c.url {
		out = append(out, inURL)
	}
	if c.token {
		out = append(out, inToken)
	}
	return out
}

// focusToken puts the keyboard on the API key field, when the selected
// row has one, and returns the Cmd that starts its cursor.
func (s *switcher) focusToken() tea.Cmd {
	if j := slices.Index(s.visible(), inToken); j >= 0 {
		s.at = j + 1
		s.focusInputs()
	}
	return s.focusCmd()
}

func (s *switcher) focusInputs() {
	s.placeholders()
	vis := s.visible()
	for i := range s.inputs {
		s.inputs[i].Blur()
	}
	if s.at > 0 && s.at <= len(vis) {
		s.inputs[vis[s.at-1]].Focus()
	}
}

func (s *switcher) focusCmd() tea.Cmd {
	vis := s.visible()
	if s.at > 0 && s.at <= len(vis) {
		return s.inputs[vis[s.at-1]].Focus()
	}
	return nil
}

// updateInput passes msg to the focused input, if any.
func (s *switcher) updateInput(msg tea.Msg) tea.Cmd {
	vis := s.visible()
	if s.at == 0 || s.at > len(vis) {
		return nil
	}
	i := vis[s.at-1]
	if i == inURL && s.urlGiven {
		switch msg := msg.(type) {
		case tea.PasteMsg:
			s.inputs[inURL].SetValue("")
			s.urlGiven = false
		case tea.KeyPressMsg:
			// Typing replaces the URL given; moving in it or deleting
			// from it edits it instead.
			if msg.Text != "" {
				s.inputs[inURL].SetValue("")
			}
			s.urlGiven = false
		}
	}
	var cmd tea.Cmd
	s.inputs[i], cmd = s.inputs[i].Update(msg)
	return cmd
}

func (s *switcher) spec() pdp.TargetSpec {
	if p, ok := s.profile(); ok {
		return pdp.TargetSpec{Profile: p.Name, Kind: p.Kind, Token: strings.TrimSpace(s.inputs[inToken].Value())}
	}
	c := s.choice()
	sp := pdp.TargetSpec{Kind: c.kind}
	if c.path {
		sp.Policy = strings.TrimSpace(s.inputs[inPath].Value())
	}
	if c.url {
		sp.URL = strings.TrimSpace(s.inputs[inURL].Value())
		if sp.URL == "" && c.kind != pdp.KindAuthZEN {
			sp.URL = pdp.LocalPDPURL
		}
	}
	if c.token {
		sp.Token = strings.TrimSpace(s.inputs[inToken].Value())
	}
	return sp
}

func (s *switcher) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.setWidth(min(msg.Width-8, 64))
		return nil
	case themeMsg:
		s.setStyles(msg.s.Input)
		return nil
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return s.updateInput(msg)
}

// key takes a key while the switcher is open.
func (s *switcher) key(msg tea.KeyPressMsg) action {
	k := s.keys
	if s.busy {
		return nil
	}
	vis := s.visible()
	switch {
	case key.Matches(msg, k.DialogCancel):
		note := s.cancelNote
		s.close()
		return closeDialog{status: note, bad: note != ""}
	case key.Matches(msg, k.DialogOK):
		if s.at == 0 && len(vis) > 0 && s.choice().path && s.inputs[inPath].Value() == "" {
			s.at = 1
			s.focusInputs()
			return s.focusCmd()
		}
		if s.choice().path && s.spec().Policy == "" {
			s.err = "give the policy file's path"
			return nil
		}
		if s.choice().kind == pdp.KindAuthZEN && s.spec().URL == "" {
			s.err = "give the AuthZEN PDP's base URL (pdpx finds its endpoints at /.well-known/authzen-configuration)"
			return nil
		}
		if s.build == nil {
			s.err = "this build cannot switch targets (start pdpx with --policy, --pdp or --cloud)"
			return nil
		}
		s.busy, s.err = true, ""
		sp, build, side := s.spec(), s.build, s.side
		var prof *Profile
		// A key typed, or a remote profile other than the one in use,
		// may be another environment's even at the current target's URL.
		otherKey := sp.Token != ""
		if p, ok := s.profile(); ok {
			prof = &p
			otherKey = otherKey || (p.remote() && p.Name != s.current)
		}
		// A profile's token_command may take a while (a password manager
		// asking for a touch): it runs here, in the Cmd, never in Update.
		return tea.Cmd(func() tea.Msg {
			t, err := build(sp)
			return switchedMsg{target: t, err: err, side: side, profile: prof, typedKey: otherKey}
		})
	case msg.String() == "tab" || (s.at > 0 && msg.String() == "down"):
		s.at = (s.at + 1) % (len(vis) + 1)
		s.focusInputs()
		return s.focusCmd()
	case msg.String() == "shift+tab" || (s.at > 0 && msg.String() == "up"):
		s.at = (s.at + len(vis)) % (len(vis) + 1)
		s.focusInputs()
		return s.focusCmd()
	case s.at == 0 && key.Matches(msg, k.Up):
		s.sel = (s.sel + s.rows() - 1) % s.rows()
		s.err = ""
		s.placeholders()
	case s.at == 0 && key.Matches(msg, k.Down):
		s.sel = (s.sel + 1) % s.rows()
		s.err = ""
		s.placeholders()
	case s.at == 0 && len(msg.Text) == 1 && msg.Text >= "1" && msg.Text <= "9" && int(msg.Text[0]-'1') < s.rows():
		s.sel = int(msg.Text[0] - '1')
		s.err = ""
		s.placeholders()
	default:
		return s.updateInput(msg)
	}
	return nil
}

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
