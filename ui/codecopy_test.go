package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
	"github.com/pdpx/pdpx/state/scenario"
	"github.com/pdpx/pdpx/ui/targets"
)

// runCmd runs cmd the way the harness does, except that a clipboard write
// (tea.SetClipboard's unexported message) is taken out and returned instead
// of being fed back: that is the terminal's part.
func (h *harness) runCmd(cmd tea.Cmd) (clip []string) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if v := reflect.ValueOf(msg); v.IsValid() && v.Type().Name() == "setClipboardMsg" {
			clip = append(clip, v.String())
			continue
		}
		if msg != nil {
			next, c2 := h.m.Update(msg)
			h.m = next.(Model)
			queue = append(queue, c2)
		}
	}
	return clip
}

// pressClip presses a key and returns what it put on the clipboard.
func (h *harness) pressClip(name string) []string {
	h.t.Helper()
	return h.runCmd(h.sendAsync(keyPress(name)))
}

// secretPDP is Permit's real client, with an API key, pointed at a PDP
// that allows everything.
func secretPDP(t *testing.T) pdp.Target {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"allow":true}`))
	}))
	t.Cleanup(srv.Close)
	c, err := targets.Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: srv.URL, Token: "permit_key_TOPSECRET", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCopyAsCodeShowsAndCopiesWithoutTheToken(t *testing.T) {
	h := newHarness(t, New(Options{Target: secretPDP(t)}), 80, 24, true)
	h.fill("john@smith.com", "", "create", "document", "", "")
	h.key("enter")
	if h.outcome() != pdp.Allow {
		t.Fatalf("outcome %v: %v", h.outcome(), h.m.dec.entry.Decision.Err)
	}
	h.key("esc") // the history: y is a plain key there
	if clip := h.pressClip("y"); len(clip) != 0 || !isOpen[*codeDialog](h.m) {
		t.Fatalf("y: dialog %v, clipboard %q", dialogOf(h.m), clip)
	}
	v := plain(h.view())
	for _, want := range []string{"Copy as code", "1 curl", "2 Python SDK", "3 Node SDK", "4 Go SDK"} {
		if !strings.Contains(v, want) {
			t.Errorf("chooser lacks %q:\n%s", want, v)
		}
	}
	clip := h.pressClip("enter") // curl is first
	if len(clip) != 1 || !strings.HasPrefix(clip[0], "# Permit's /allowed, as pdpx sent it: john@smith.com create document") ||
		!strings.Contains(clip[0], "curl -sS -X POST") || !strings.Contains(clip[0], "$PERMIT_API_KEY") {
		t.Fatalf("clipboard = %q", clip)
	}
	v = plain(h.view())
	for _, want := range []string{"curl -sS -X POST", "Authorization: Bearer $PERMIT_API_KEY", "✓ copied", `"john@smith.com"`} {
		if !strings.Contains(v, want) {
			t.Errorf("snippet view lacks %q:\n%s", want, v)
		}
	}
	// The other languages, by number and by letter; each is copied.
	for _, k := range []string{"2", "n", "g", "c"} {
		clip := h.pressClip(k)
		if len(clip) != 1 {
			t.Fatalf("%s: clipboard %q", k, clip)
		}
		all := clip[0] + plain(h.view()) + h.m.status
		if strings.Contains(all, "TOPSECRET") {
			t.Errorf("%s: the API key is on screen or in the clipboard:\n%s", k, all)
		}
	}
	h.key("esc")
	if h.m.dialog != nil {
		t.Errorf("esc left dialog %v", dialogOf(h.m))
	}
	// alt+y works in the form too, where y is typed.
	h.key("i")
	h.key("alt+y")
	if !isOpen[*codeDialog](h.m) {
		t.Errorf("alt+y in the form: dialog %v", dialogOf(h.m))
	}
}

// A check whose values hold newlines and terminal escapes (a clipboard
// write, a window title, C1 controls, a bidi override) is shown and copied
// as text: the snippet's comment quotes them, its literals escape them, and
// nothing but the dialog's own colours reaches the terminal.
func TestCopyAsCodeOfAHostileCheckEmitsNoControlCharacters(t *testing.T) {
	const osc = "\x1b]52;c;cHduZWQ=\x07"
	c := pdp.Check{
		User:     pdp.User{Key: "x\ntouch /tmp/PWNED\n#" + osc, Attributes: map[string]any{"t\x1b]0;title\x07": "\u009b2J\u202e"}},
		Action:   "read\x1b[5m",
		Resource: pdp.Resource{Type: "doc\r\u2028", Tenant: "default"},
		Context:  map[string]any{"k": "\x1b[2J"},
	}
	h := newHarness(t, New(Options{Target: storyTarget()}), 140, 40, true)
	h.drain(h.m.openDialog(newCodeDialog(h.m.keys, state.Entry{Check: c, TargetKind: pdp.KindPDP, TargetURL: "http://pdp.internal:7766"}, h.m.cur.info)))
	safe := func(what, s string) {
		t.Helper()
		for i, r := range s {
			if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0x202e) {
				t.Fatalf("%s: %U at byte %d reaches the terminal:\n%q", what, r, i, s)
			}
		}
	}
	safe("chooser", plain(h.view()))
	for _, k := range []string{"1", "2", "3", "4"} {
		clip := h.pressClip(k)
		if len(clip) != 1 {
			t.Fatalf("%s: clipboard %q", k, clip)
		}
		safe(k+": clipboard", strings.ReplaceAll(clip[0], "\t", " "))
		v := plain(h.view())
		safe(k+": view", v)
		// The values are there to read, escaped.
		if !strings.Contains(clip[0], `x\ntouch /tmp/PWNED\n#\x1b]52;c;cHduZWQ=\a`) {
			t.Errorf("%s: the user key is not shown escaped in the snippet:\n%s", k, clip[0])
		}
	}
}

// Credentials written into a PDP's URL (user:password@host) are dropped
// from the snippet, as the API key is never in it.
func TestCopyAsCodeDropsURLCredentials(t *testing.T) {
	remote := &fakeTarget{info: pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: pdp.internal:7766", URL: "http://admin:url-secret-pw@pdp.internal:7766"}, decide: storyDecision}
	h := newHarness(t, New(Options{Target: remote}), 140, 40, true)
	h.fill("john@smith.com", "", "create", "document", "", "")
	h.key("enter")
	h.key("alt+y")
	for _, k := range []string{"1", "2", "3", "4"} {
		clip := h.pressClip(k)
		if len(clip) != 1 || !strings.Contains(clip[0], "http://pdp.internal:7766") {
			t.Fatalf("%s: clipboard %q", k, clip)
		}
		all := clip[0] + plain(h.view())
		for _, secret := range []string{"url-secret-pw", "admin:"} {
			if strings.Contains(all, secret) {
				t.Errorf("%s: %q is on screen or in the clipboard:\n%s", k, secret, all)
			}
		}
	}
}

// y in the role note still copies the note; outside it, y is copy as code.
func TestYCopiesTheRoleNoteWhileItIsOpen(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.noRoleCheck()
	h.key("alt+2")
	if !isOpen[*noteDialog](h.m) {
		t.Fatalf("dialog %v", dialogOf(h.m))
	}
	clip := h.pressClip("y")
	if len(clip) != 1 || !strings.Contains(clip[0], "{role: viewer, tenant: default}") || h.m.dialog != nil {
		t.Fatalf("y in the note: dialog %v, clipboard %q", dialogOf(h.m), clip)
	}
	h.key("esc") // to the history
	h.key("y")
	if !isOpen[*codeDialog](h.m) || dialogAs[*codeDialog](h).check.User.Key != "john@permit.io" {
		t.Fatalf("y after the note: dialog %v, check %v", dialogOf(h.m), dialogAs[*codeDialog](h).check)
	}
}

func TestCopyAsCodeOfTheSelectedHistoryEntry(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 140, 40, true)
	h.story()
	h.key("esc") // the history, on the newest
	h.key("j")   // the one before it
	want, _ := h.m.list.selected()
	h.key("y")
	h.key("4")
	if dialogAs[*codeDialog](h).check.String() != want.Check.String() || !strings.Contains(dialogAs[*codeDialog](h).text, "client.Check(user, ") {
		t.Fatalf("copied %q, selected %q:\n%s", dialogAs[*codeDialog](h).check.String(), want.Check.String(), dialogAs[*codeDialog](h).text)
	}
}

func TestCopyAsCodeWithNothingShown(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	h.key("alt+y")
	if h.m.dialog != nil || !strings.Contains(h.m.status, "nothing to copy") {
		t.Errorf("dialog %v status %q", dialogOf(h.m), h.m.status)
	}
}

// pinTwo sends three checks to the demo engine and pins the allowed one
// and the denied one with the reason code; the third stays unpinned.
func (h *harness) pinTwo() {
	h.t.Helper()
	for _, c := range []pdp.Check{
		mustCheck("john@permit.io", "read", "document", nil),                                  // deny: no role in default
		mustCheck("check@permit.io", "read", "document", nil),                                 // not pinned
		mustCheck("check@permit.io", "publish", "document", map[string]any{"location": "US"}), // deny, ABAC
	} {
		h.m.form.load(c)
		h.key("enter")
	}
	h.key("esc") // the history, on the newest
	h.key("p")
	h.key("j")
	h.key("j")
	h.key("p")
}

func TestExportPinsWritesAScenarioThatPasses(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, New(Options{Target: demoTarget()}), 80, 24, true)
	h.pinTwo()
	if h.m.list.all.Total != 3 {
		t.Fatalf("history has %d entries", h.m.list.all.Total)
	}
	h.key("ctrl+x")
	if !isOpen[*exportDialog](h.m) || len(h.m.export.entries) != 2 || h.m.export.input.Value() != defaultExportName {
		t.Fatalf("ctrl+x: dialog %v, %d pins, name %q, status %q", dialogOf(h.m), len(h.m.export.entries), h.m.export.input.Value(), h.m.status)
	}
	if v := plain(h.view()); !strings.Contains(v, "2 pinned checks become a scenario file") {
		t.Errorf("dialog:\n%s", v)
	}
	path := filepath.Join(dir, "pins.yaml")
	h.m.export.input.SetValue(path)
	h.key("enter")
	if !isOpen[*noteDialog](h.m) || !strings.Contains(dialogAs[*noteDialog](h).copy, "pdpx test "+path) {
		t.Fatalf("after enter: dialog %v, note %+v, export err %q", dialogOf(h.m), dialogAs[*noteDialog](h), h.m.export.err)
	}
	v := plain(h.view())
	for _, want := range []string{"Exported 2 pinned checks", "pdpx test /", "y copy the snippet"} {
		if !strings.Contains(v, want) {
			t.Errorf("note lacks %q:\n%s", want, v)
		}
	}
	f, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range f.Cases {
		got = append(got, c.Check.String()+" → "+c.Expect.Word()+" "+c.ExpectCode)
	}
	want := []string{
		"john@permit.io read document @default → DENY no_role_in_tenant",
		"check@permit.io publish document @default → DENY user_not_synced",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || f.Cases[1].Check.User.Attributes["location"] != "US" {
		t.Fatalf("cases:\n%s\nwant:\n%s\nattributes %v", strings.Join(got, "\n"), strings.Join(want, "\n"), f.Cases[1].Check.User.Attributes)
	}
	// pdpx test's runner, on the demo policy: every check passes.
	for _, r := range scenario.Run(context.Background(), demoTarget(), f) {
		if !r.Pass {
			t.Errorf("%s: %s", r.Case.Name, r.Why)
		}
	}
}

func TestExportRefusesToOverwriteWithoutConfirmation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pins.yaml")
	if err := os.WriteFile(path, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, false)
	h.pinTwo()
	h.key("ctrl+x")
	h.m.export.input.SetValue(path)
	h.key("enter")
	if b, _ := os.ReadFile(path); string(b) != "keep me\n" || !isOpen[*exportDialog](h.m) || h.m.export.confirm != path {
		t.Fatalf("the file was replaced or no question asked: dialog %v, confirm %q, file %q", dialogOf(h.m), h.m.export.confirm, b)
	}
	if v := plain(h.view()); !strings.Contains(v, "exists: enter again replaces it") {
		t.Errorf("no warning:\n%s", v)
	}
	// Another name starts over: nothing is replaced by accident.
	h.typeText("x")
	h.key("backspace")
	if h.m.export.confirm != "" {
		t.Errorf("editing the name kept the confirmation")
	}
	h.key("enter")
	h.key("enter")
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "version: 1") || !isOpen[*noteDialog](h.m) {
		t.Fatalf("enter, enter did not replace it: dialog %v, file %q", dialogOf(h.m), b)
	}
}

func TestExportWithoutPins(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 80, 24, true)
	h.noRoleCheck()
	h.key("ctrl+x")
	if h.m.dialog != nil || !strings.Contains(h.m.status, "no pins to export") {
		t.Errorf("dialog %v status %q", dialogOf(h.m), h.m.status)
	}
}
