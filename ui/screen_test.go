package ui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
)

func TestHostileTextIsCleaned(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07\u009b31m"
	tg := storyTarget()
	tg.info.Name = "embedded" + evil
	tg.decide = func(pdp.Check) pdp.Decision {
		return pdp.Decision{Outcome: pdp.Deny, Target: "t" + evil, Status: 200,
			Response: []byte(`{"allow":false,"x":"` + "\u009b2J" + `"}` + evil),
			Debug: &pdp.Debug{RBAC: &pdp.Reason{Code: "no" + evil, Reason: "because" + evil, SupportLink: "l" + evil,
				AllowingRoles: []pdp.AllowingRole{{Role: "r" + evil}}}},
			Trace: &pdp.Trace{Roles: []string{"x" + evil}, UserSets: []pdp.SetTrace{{Key: "k" + evil, Condition: &pdp.CondTrace{Kind: "leaf", Path: "p" + evil, Operator: "equals" + evil, Expected: "e" + evil, Actual: "a" + evil}}}}}
	}
	h := newHarness(t, New(Options{Target: tg}), 140, 40, true)
	h.fill("bob"+evil, "", "read", "document", "", "")
	h.key("enter")
	for _, raw := range []bool{false, true} {
		if raw {
			h.key("ctrl+o")
		}
		v := sgr.ReplaceAllString(h.view(), "")
		if strings.ContainsAny(v, "\x1b\x07\u009b") {
			t.Errorf("raw=%v: an escape reached the screen: %q", raw, v)
		}
	}
	if tt := h.m.View().WindowTitle; strings.ContainsAny(tt, "\x1b\x07") {
		t.Errorf("window title = %q", tt)
	}
}

func TestRawToggleShowsPrettyJSON(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 140, 40, true)
	h.fill("john@smith.com", "", "create", "document", "", "")
	h.key("enter")
	h.key("ctrl+o")
	v := plain(h.view())
	for _, w := range []string{"Decision · raw JSON", "Request", `"user": {`, `"key": "john@smith.com"`, "Response", `"allow": true`} {
		if !strings.Contains(v, w) {
			t.Errorf("raw view lacks %q:\n%s", w, v)
		}
	}
	if !strings.Contains(h.view(), h.m.styles.JSONKey.Render(`"allow"`)) {
		t.Errorf("keys are not highlighted")
	}
	h.key("ctrl+o")
	if strings.Contains(plain(h.view()), "raw JSON") {
		t.Errorf("ctrl+o did not toggle back")
	}
}

func TestLayoutFollowsTheTerminal(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	if h.m.lay.wide {
		t.Errorf("80×24 should stack")
	}
	checkSize := func(w, ht int) {
		t.Helper()
		lines := strings.Split(plain(h.view()), "\n")
		if len(lines) != ht {
			t.Errorf("%d×%d: %d lines", w, ht, len(lines))
		}
		for i, l := range lines {
			if n := len([]rune(l)); n > w {
				t.Errorf("%d×%d: line %d is %d wide", w, ht, i, n)
			}
		}
	}
	checkSize(80, 24)
	h.send(tea.WindowSizeMsg{Width: 140, Height: 40})
	if !h.m.lay.wide {
		t.Errorf("140×40 should go side by side")
	}
	checkSize(140, 40)
	h.send(tea.WindowSizeMsg{Width: 50, Height: 10})
	if !strings.Contains(plain(h.view()), "pdpx needs at least") {
		t.Errorf("a tiny terminal gets no message")
	}
}

func TestLightAndDarkFollowTheTerminal(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, false)
	if h.m.styles.IsDark {
		t.Fatal("a white background gave dark styles")
	}
	light := h.view()
	h.send(tea.BackgroundColorMsg{Color: colorBlack})
	if !h.m.styles.IsDark || h.view() == light {
		t.Fatal("a black background did not switch to dark styles")
	}
}

func TestWindowTitleAndModes(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	v := h.m.View()
	if !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion || v.WindowTitle != "pdpx · embedded: demo policy" {
		t.Errorf("view modes: alt %v mouse %v title %q", v.AltScreen, v.MouseMode, v.WindowTitle)
	}
	if v.Cursor == nil || v.Cursor.Y != 2 || v.Cursor.X != labelWidth {
		t.Errorf("cursor = %+v, want in the User field", v.Cursor)
	}
}

func TestHealthShowsInTheHeader(t *testing.T) {
	tg := storyTarget()
	tg.health = errors.New("connection refused")
	h := newHarness(t, New(Options{Target: tg}), 80, 24, true)
	if v := plain(h.view()); !strings.Contains(v, "● unreachable connection refused") {
		t.Errorf("header:\n%s", v)
	}
	tg.health = nil
	h.send(healthTickMsg{gen: h.m.cur.gen})
	if v := plain(h.view()); !strings.Contains(v, "● ready") {
		t.Errorf("after the tick:\n%s", v)
	}
	// A PDP that answers is not unreachable, whatever it answers.
	for _, tt := range []struct {
		kind pdp.ErrorKind
		want string
	}{{pdp.ErrorAuth, "● key refused"}, {pdp.ErrorServer, "● failing"}, {pdp.ErrorBadResponse, "● answers with errors"}, {pdp.ErrorTimeout, "● unreachable"}} {
		h.send(healthMsg{gen: h.m.cur.gen, err: &pdp.TargetError{Kind: tt.kind, Msg: "the answer"}})
		if v := plain(h.view()); !strings.Contains(v, tt.want+" the answer") {
			t.Errorf("health %v: no %q in the header:\n%s", tt.kind, tt.want, v)
		}
	}
	h.send(healthMsg{gen: h.m.cur.gen})
	h.send(healthMsg{gen: h.m.cur.gen - 1, err: errors.New("old")})
	if h.m.cur.health != healthOK {
		t.Errorf("an old target's health overwrote the current one")
	}
}

func TestDecisionPaneScrolls(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	h.fill("check@permit.io", "location=England", "publish", "document", "", "hasApproval=true")
	h.key("enter")
	before := h.m.dec.vp.YOffset()
	h.key("pgdown")
	if h.m.dec.vp.YOffset() == before {
		t.Fatal("pgdown did not scroll the decision")
	}
	if !strings.Contains(plain(h.view()), "%") && !strings.Contains(plain(h.view()), "end ↑") {
		t.Errorf("no scroll position in the title")
	}
}

func TestEditorRoundTrip(t *testing.T) {
	text, err := jsonToPairs([]byte("{\n  \"location\": \"England\",\n  \"age\": 30,\n  \"flag\": \"true\"\n}\n"))
	if err != nil || text != `age=30 flag="true" location=England` {
		t.Fatalf("jsonToPairs = %q, %v", text, err)
	}
	if _, err := jsonToPairs([]byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "not an array") {
		t.Errorf("an array: %v, want an error saying it is not an array", err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", "sed -i s/England/France/")
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	h.key("tab")
	h.typeText("location=England")
	cmd := h.sendAsync(keyPress("ctrl+e"))
	ready, ok := cmd().(editorReadyMsg)
	if !ok || ready.err != nil {
		t.Fatalf("ctrl+e: %#v", ready)
	}
	// tea.ExecProcess needs a running program; run the same command here.
	if err := editorCommand(ready.path).Run(); err != nil {
		t.Fatal(err)
	}
	b, _ := readFile(ready.path)
	text, err = jsonToPairs(b)
	h.send(editorMsg{field: ready.field, text: text, err: err})
	if got := h.m.form.value(fUserAttrs); got != "location=France" {
		t.Fatalf("after the editor: %q", got)
	}
}
