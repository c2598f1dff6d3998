package cli

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/permit"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/ui"
	"github.com/pdpx/pdpx/ui/targets"
)

// The explorer's raise-timeout rebuilds the current PDP target with twice
// the timeout and the API key it already had, which the UI never holds.
func TestSwitchFuncKeepsTheKeyAndRaisesTheTimeout(t *testing.T) {
	t.Setenv(targets.TokenEnv, "")
	sw := switchFunc(pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://localhost:7766", Token: "flag-key", Timeout: 5 * time.Second}, "")

	tg, err := sw(pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://localhost:7766", Timeout: 10 * time.Second, KeepToken: true})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := tg.(*permit.Client)
	if !ok || c.Timeout() != 10*time.Second {
		t.Fatalf("target %T, timeout %v", tg, c.Timeout())
	}

	// A key typed in the switcher is the one kept from then on.
	if _, err := sw(pdp.TargetSpec{Kind: pdp.KindCloud, Token: "typed-key"}); err != nil {
		t.Fatal(err)
	}
	tg, err = sw(pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://localhost:7766", KeepToken: true})
	if err != nil || tg.(*permit.Client).Timeout() != 5*time.Second {
		t.Fatalf("err %v", err)
	}

	// Without KeepToken and without a key, the switcher asks for one for
	// a PDP on another machine; one on this machine goes without.
	if _, err := sw(pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://pdp.internal:7766"}); !errors.Is(err, targets.ErrNoToken) {
		t.Errorf("err = %v, want ErrNoToken", err)
	}
	if _, err := sw(pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://localhost:7766"}); err != nil {
		t.Errorf("a local PDP without a key: %v", err)
	}
}

// tui drives the explorer's root model as a tea.Program would, but
// synchronously, through its exported API. Timers cannot be turned off
// from here, so a Cmd that has not answered within a moment (the health
// tick, a cursor blink) is dropped: every Cmd this test relies on is I/O
// that answers at once.
type tui struct {
	t *testing.T
	m tea.Model
}

func newTUI(t *testing.T, opts ui.Options) *tui {
	u := &tui{t: t, m: ui.New(opts)}
	u.run(u.m.Init())
	u.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	return u
}

func (u *tui) send(msg tea.Msg) {
	next, cmd := u.m.Update(msg)
	u.m = next
	u.run(cmd)
}

func (u *tui) run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		select {
		case msg := <-done:
			switch msg := msg.(type) {
			case nil, tea.QuitMsg:
			case tea.BatchMsg:
				queue = append(queue, msg...)
			default:
				next, c2 := u.m.Update(msg)
				u.m = next
				queue = append(queue, c2)
			}
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (u *tui) key(k tea.KeyPressMsg) { u.send(k) }

func (u *tui) typeText(s string) {
	for _, r := range s {
		u.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

func (u *tui) screen() string { return sgr.ReplaceAllString(u.m.View().Content, "") }

var (
	ctrlT = tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl}
	enter = tea.KeyPressMsg{Code: tea.KeyEnter}
	tab   = tea.KeyPressMsg{Code: tea.KeyTab}
)

func digit(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

// The switcher lists the config's profiles; an embedded profile with a
// policy file and a remote one whose key comes from token_env both work,
// and the remote one's default_tenant fills the empty Tenant field. The
// key is never drawn.
func TestExplorerProfilePicker(t *testing.T) {
	const key = "picker-key-9f2"
	url := servePDP(t, key)
	t.Setenv("PDPX_TEST_PICKER_KEY", key)
	cfg := configFile(t, `version: 1
default: mine
profiles:
  mine:
    kind: embedded
    policy: env.yaml
  local:
    kind: pdp
    url: `+url+`
    token_env: PDPX_TEST_PICKER_KEY
    default_tenant: awesome_inc
`)
	// A copy of the demo with john made a viewer in default too, so that
	// the policy file, not the demo, is seen to decide.
	src := strings.Replace(string(policy.DemoSource), "roles: [{role: viewer, tenant: awesome_inc}]",
		"roles: [{role: viewer, tenant: awesome_inc}, {role: viewer, tenant: default}]", 1)
	if src == string(policy.DemoSource) {
		t.Fatal("the demo policy changed shape: fix the test")
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfg), "env.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	demo, err := targets.Embedded("")
	if err != nil {
		t.Fatal(err)
	}
	u := newTUI(t, ui.Options{Target: demo, Switch: switchFunc(pdp.TargetSpec{Timeout: 5 * time.Second}, cfg), Profiles: profilesFunc(cfg)})
	u.key(ctrlT)
	s := u.screen()
	for _, want := range []string{"Profiles · " + cfg, "6 mine", "(default) embedded · ./env.yaml",
		"7 local", "pdp · " + url} {
		if !strings.Contains(s, want) {
			t.Errorf("switcher lacks %q:\n%s", want, s)
		}
	}
	u.key(digit('7'))
	if s := u.screen(); !strings.Contains(s, "local: key from env $PDPX_TEST_PICKER_KEY") {
		t.Errorf("no key source:\n%s", s)
	}

	// The embedded profile: john reads documents in default by env.yaml.
	u.key(digit('6'))
	u.key(enter)
	u.typeText("john@permit.io")
	u.key(tab)
	u.key(tab)
	u.typeText("read")
	u.key(tab)
	u.typeText("document")
	u.key(enter)
	if s := u.screen(); !strings.Contains(s, "embedded: env.yaml") || !strings.Contains(s, "ALLOW") {
		t.Fatalf("not decided by env.yaml:\n%s", s)
	}

	// The remote profile: the PDP demands the key from token_env, and the
	// check goes to the profile's default tenant (john is a viewer there).
	u.key(ctrlT)
	u.key(digit('7'))
	u.key(enter)
	u.key(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}) // the form (from the user field)
	u.key(enter)
	s = u.screen()
	if !strings.Contains(s, "profile local") && !strings.Contains(s, strings.TrimPrefix(url, "http://")) {
		t.Errorf("not on the PDP:\n%s", s)
	}
	if !strings.Contains(s, "ALLOW") || !strings.Contains(s, "@awesome_inc") {
		t.Errorf("the PDP did not allow john in awesome_inc:\n%s", s)
	}
	if strings.Contains(s, key) {
		t.Errorf("the key is on screen:\n%s", s)
	}

	// A broken config shows its problems, with their lines, in the switcher.
	if err := os.WriteFile(cfg, []byte("version: 1\nprofiles:\n  local:\n    kind: pdp\n    tokn_env: X\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u.key(ctrlT)
	if s := u.screen(); !strings.Contains(s, "config.yaml:5:5") || !strings.Contains(s, `"tokn_env"`) {
		t.Errorf("no line-numbered problem:\n%s", s)
	}
}

// ctrl+x in the explorer writes the pins as a scenario file, and `pdpx
// test` on that file passes on the demo policy.
func TestExplorerExportRunsWithPdpxTest(t *testing.T) {
	demo, err := targets.Embedded("")
	if err != nil {
		t.Fatal(err)
	}
	u := newTUI(t, ui.Options{Target: demo})
	u.typeText("john@permit.io")
	u.key(tab)
	u.key(tab)
	u.typeText("read")
	u.key(tab)
	u.typeText("document")
	u.key(enter)                                       // denied: no role in default
	u.key(tea.KeyPressMsg{Code: '1', Mod: tea.ModAlt}) // flip 1: retry in awesome_inc, allowed
	u.key(tea.KeyPressMsg{Code: tea.KeyEscape})        // the history
	u.key(digit('p'))
	u.key(digit('j'))
	u.key(digit('p'))
	if s := u.screen(); !strings.Contains(s, "History 2 · 1 denied") {
		t.Fatalf("two checks were not sent:\n%s", s)
	}
	u.key(tea.KeyPressMsg{Code: 'x', Mod: tea.ModCtrl})
	path := filepath.Join(t.TempDir(), "pins.yaml")
	for range len("pdpx-scenarios.yaml") {
		u.key(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	u.typeText(path)
	u.key(enter)
	if s := u.screen(); !strings.Contains(s, "Exported 2 pinned checks") {
		t.Fatalf("not exported:\n%s", s)
	}
	out, code := run(t, "", "test", path)
	if code != 0 || !strings.Contains(out, "2 passed") {
		t.Fatalf("pdpx test %s: exit %d\n%s", path, code, out)
	}
}
