package ui

import (
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
