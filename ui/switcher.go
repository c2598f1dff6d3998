package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
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
}

const defaultLocalURL = "http://localhost:7766"

// switcher is the ctrl+t dialog: pick a kind of target, fill in its path,
// URL or token, and press enter. The token field is masked and cleared as
// soon as the switch is made.
type switcher struct {
	sel    int
	inputs [3]textinput.Model // path, url, token
	at     int                // 0 = the list, else 1+index into the visible inputs
	err    string
	note   string
	busy   bool
	// title replaces "Switch target" when the dialog picks a second
	// target to compare with (ctrl+l).
	title string
}

const (
	inPath = iota
	inURL
	inToken
)

func newSwitcher(st textinput.Styles) switcher {
	var s switcher
	ph := [3]string{"policy.yaml", defaultLocalURL, "permit_key_… (empty: $PERMIT_API_KEY)"}
	for i := range s.inputs {
		in := textinput.New()
		in.Prompt = ""
		in.Placeholder = ph[i]
		in.SetStyles(st)
		s.inputs[i] = in
	}
	s.inputs[inToken].EchoMode = textinput.EchoPassword
	s.inputs[inToken].EchoCharacter = '•'
	return s
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

// open shows the dialog on the current target's kind. With a note (a
// missing or refused token) it goes straight to the token field.
func (s *switcher) open(info pdp.TargetInfo, note string) {
	s.err, s.note, s.busy = "", note, false
	s.sel, s.at = 0, 0
	switch info.Kind {
	case pdp.KindPDP:
		s.sel = 2
		if info.URL != "" {
			s.inputs[inURL].SetValue(info.URL)
		}
	case pdp.KindCloud:
		s.sel = 3
	default:
		if info.URL != "" {
			s.sel = 1
			s.inputs[inPath].SetValue(info.URL)
		}
	}
	if note != "" && choices[s.sel].token {
		s.at = len(s.visible()) // the token is always the last input
	}
	s.focusInputs()
}

func (s *switcher) close() {
	s.inputs[inToken].SetValue("") // never keep a token around
	s.busy, s.err, s.note, s.title = false, "", "", ""
	for i := range s.inputs {
		s.inputs[i].Blur()
	}
}

// visible lists the inputs the selected choice needs.
func (s *switcher) visible() []int {
	c := choices[s.sel]
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

func (s *switcher) focusInputs() {
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

func (s *switcher) update(msg tea.Msg) tea.Cmd {
	vis := s.visible()
	if s.at == 0 || s.at > len(vis) {
		return nil
	}
	i := vis[s.at-1]
	var cmd tea.Cmd
	s.inputs[i], cmd = s.inputs[i].Update(msg)
	return cmd
}

func (s *switcher) spec() TargetSpec {
	c := choices[s.sel]
	sp := TargetSpec{Kind: c.kind}
	if c.path {
		sp.Policy = strings.TrimSpace(s.inputs[inPath].Value())
	}
	if c.url {
		sp.URL = strings.TrimSpace(s.inputs[inURL].Value())
		if sp.URL == "" {
			sp.URL = defaultLocalURL
		}
	}
	if c.token {
		sp.Token = strings.TrimSpace(s.inputs[inToken].Value())
	}
	return sp
}

// switcherKey handles keys while the switcher is open.
func (m *Model) switcherKey(msg tea.KeyPressMsg) tea.Cmd {
	s, k := &m.sw, m.keys
	if s.busy {
		return nil
	}
	vis := s.visible()
	switch {
	case key.Matches(msg, k.DialogCancel):
		s.close()
		m.dialog = dialogNone
		m.sideCheck = nil
		return nil
	case key.Matches(msg, k.DialogOK):
		if s.at == 0 && len(vis) > 0 && choices[s.sel].path && s.inputs[inPath].Value() == "" {
			s.at = 1
			s.focusInputs()
			return s.focusCmd()
		}
		if choices[s.sel].path && s.spec().Policy == "" {
			s.err = "give the policy file's path"
			return nil
		}
		if m.opts.Switch == nil {
			s.err = "this build cannot switch targets (start pdpx with --policy, --pdp or --cloud)"
			return nil
		}
		s.busy, s.err = true, ""
		sp, sw, side := s.spec(), m.opts.Switch, m.sideCheck
		return func() tea.Msg {
			t, err := sw(sp)
			return switchedMsg{target: t, err: err, side: side}
		}
	case msg.String() == "tab" || (s.at > 0 && msg.String() == "down"):
		s.at = (s.at + 1) % (len(vis) + 1)
		s.focusInputs()
		return s.focusCmd()
	case msg.String() == "shift+tab" || (s.at > 0 && msg.String() == "up"):
		s.at = (s.at + len(vis)) % (len(vis) + 1)
		s.focusInputs()
		return s.focusCmd()
	case s.at == 0 && key.Matches(msg, k.Up):
		s.sel = (s.sel + len(choices) - 1) % len(choices)
		s.err = ""
	case s.at == 0 && key.Matches(msg, k.Down):
		s.sel = (s.sel + 1) % len(choices)
		s.err = ""
	case s.at == 0 && msg.Text >= "1" && msg.Text <= "4" && len(msg.Text) == 1:
		s.sel = int(msg.Text[0] - '1')
		s.err = ""
	default:
		return s.update(msg)
	}
	return nil
}

func (s *switcher) view(st Styles, w int) string {
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
	for i, c := range choices {
		mark, ts := "  ○ ", st.Row
		if i == s.sel {
			mark, ts = "  ● ", st.Bold
			if s.at == 0 {
				mark = "› ● "
				ts = st.LabelFocus
			}
		}
		b = append(b, ts.Render(mark+itoa(i+1)+" "+c.title)+st.Dim.Render("  "+c.note))
	}
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
	if choices[s.sel].token {
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
		b = append(b, st.Key.Render("enter")+st.Dim.Render(" switch · ")+st.Key.Render("tab")+st.Dim.Render(" next field · ")+
			st.Key.Render("↑↓ 1-4")+st.Dim.Render(" choose · ")+st.Key.Render("esc")+st.Dim.Render(" close"))
	}
	return st.Dialog.Render(strings.Join(b, "\n"))
}
