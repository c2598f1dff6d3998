package ui

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/ui/targets"
)

func TestCloudWarnsBeforeSendingJITAttributes(t *testing.T) {
	tg := storyTarget()
	tg.info = pdp.TargetInfo{Kind: pdp.KindCloud, Name: "cloud PDP", ABAC: false}
	h := newHarness(t, New(Options{Target: tg}), 80, 24, true)
	h.fill("bob@acme.io", "location=England", "read", "document", "", "")
	h.key("enter")
	if !isOpen[*confirmDialog](h.m) || len(tg.sent()) != 0 {
		t.Fatalf("no warning: dialog %v sent %d", dialogOf(h.m), len(tg.sent()))
	}
	if v := plain(h.view()); !strings.Contains(v, "does not evaluate ABAC") || !strings.Contains(v, "user.location") {
		t.Errorf("warning text:\n%s", v)
	}
	h.key("esc")
	if len(tg.sent()) != 0 || h.m.dialog != nil {
		t.Fatalf("esc sent the check anyway")
	}
	h.key("enter")
	h.key("enter")
	if len(tg.sent()) != 1 {
		t.Fatalf("enter on the warning did not send")
	}
	// Without attributes there is nothing to warn about.
	h.m.form.setValue(fUserAttrs, "")
	h.key("enter")
	if h.m.dialog != nil || len(tg.sent()) != 2 {
		t.Errorf("warned about a check without attributes")
	}
}

func TestSwitcherMasksTheTokenAndSwitches(t *testing.T) {
	var got pdp.TargetSpec
	remote := storyTarget()
	remote.info = pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", URL: "http://localhost:7766", ABAC: true}
	sw := func(s pdp.TargetSpec) (pdp.Target, error) {
		got = s
		if s.Token == "" {
			return nil, errors.New("no token")
		}
		return remote, nil
	}
	h := newHarness(t, New(Options{Target: storyTarget(), Switch: sw}), 80, 24, true)
	h.key("ctrl+t")
	if !isOpen[*switcher](h.m) {
		t.Fatal("ctrl+t did not open the switcher")
	}
	h.key("3")
	h.key("tab") // URL (default shown as placeholder)
	h.key("tab") // token
	h.typeText("s3cr3t-token")
	v := h.view()
	if strings.Contains(v, "s3cr3t") {
		t.Fatalf("the token is drawn:\n%s", plain(v))
	}
	if !strings.Contains(plain(v), "••••") {
		t.Errorf("no mask drawn:\n%s", plain(v))
	}
	h.key("enter")
	if got.Kind != pdp.KindPDP || got.URL != pdp.LocalPDPURL || got.Token != "s3cr3t-token" {
		t.Fatalf("spec = %+v", got)
	}
	if h.m.dialog != nil || h.m.cur.info.Name != "pdp: localhost:7766" {
		t.Fatalf("not switched: dialog %v target %q", dialogOf(h.m), h.m.cur.info.Name)
	}
	if h.m.sw.inputs[inToken].Value() != "" {
		t.Errorf("the token is kept after the switch")
	}
	if !strings.Contains(plain(h.view()), "pdp: localhost:7766") {
		t.Errorf("header does not show the new target")
	}
}

func TestMissingOrRefusedTokenIsAskedFor(t *testing.T) {
	remote := storyTarget()
	remote.info = pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", URL: "http://localhost:7766", ABAC: true}
	h := newHarness(t, New(Options{Target: remote, AskToken: true}), 80, 24, true)
	if !isOpen[*switcher](h.m) || h.m.sw.sel != 2 || h.m.sw.at != 2 {
		t.Fatalf("AskToken: dialog %v sel %d at %d", dialogOf(h.m), h.m.sw.sel, h.m.sw.at)
	}
	h.key("esc")
	// The CLI starts on the demo policy when the key is missing, and says
	// which PDP the key is for.
	h2 := newHarness(t, New(Options{Target: storyTarget(), AskToken: true,
		AskTokenFor: pdp.TargetSpec{Kind: pdp.KindCloud}}), 80, 24, true)
	if h2.m.sw.sel != 3 || !h2.m.sw.inputs[inToken].Focused() {
		t.Errorf("AskTokenFor cloud: sel %d, token focused %v", h2.m.sw.sel, h2.m.sw.inputs[inToken].Focused())
	}
	remote.decide = func(pdp.Check) pdp.Decision {
		return pdp.Decision{Outcome: pdp.Error, Status: 403, Err: &pdp.TargetError{Kind: pdp.ErrorAuth, Status: 403, Msg: "the PDP at http://localhost:7766 refused the API key"}}
	}
	h.fill("bob@acme.io", "", "read", "document", "", "")
	h.key("enter")
	if !isOpen[*switcher](h.m) || !strings.Contains(plain(h.view()), "refused the API key") {
		t.Fatalf("a refused key does not ask for a token:\n%s", plain(h.view()))
	}
}

// The switcher has a row for any AuthZEN PDP: it takes a URL (no Permit
// default) and an optional key that is never offered from $PERMIT_API_KEY.
func TestSwitcherAuthZENRow(t *testing.T) {
	var got pdp.TargetSpec
	az := storyTarget()
	az.info = pdp.TargetInfo{Kind: pdp.KindAuthZEN, Name: "authzen: pdp.example.com", URL: "https://pdp.example.com"}
	sw := func(s pdp.TargetSpec) (pdp.Target, error) {
		got = s
		return az, nil
	}
	h := newHarness(t, New(Options{Target: storyTarget(), Switch: sw}), 80, 24, true)
	h.key("ctrl+t")
	h.key("5")
	v := plain(h.view())
	if !strings.Contains(v, "AuthZEN PDP") || !strings.Contains(v, "$AUTHZEN_PDP_API_KEY") || strings.Contains(v, "PERMIT_API_KEY") {
		t.Fatalf("the AuthZEN row and its key field:\n%s", v)
	}
	h.key("enter")
	if !strings.Contains(plain(h.view()), "give the AuthZEN PDP's base URL") || got.Kind != "" {
		t.Fatalf("an AuthZEN PDP without a URL was built: %+v\n%s", got, plain(h.view()))
	}
	h.key("tab")
	h.typeText("https://pdp.example.com")
	h.key("enter")
	if got.Kind != pdp.KindAuthZEN || got.URL != "https://pdp.example.com" || h.m.cur.info.Kind != pdp.KindAuthZEN {
		t.Fatalf("switched to %+v, current %+v", got, h.m.cur.info)
	}
	// Opened again on the AuthZEN target, it is on its row with its URL.
	h.key("ctrl+t")
	if s := dialogAs[*switcher](h); s.sel != rowAuthZEN || s.inputs[inURL].Value() != "https://pdp.example.com" {
		t.Errorf("reopened on row %d, URL %q", s.sel, s.inputs[inURL].Value())
	}
	// Back on the Local PDP row, the key is Permit's again.
	h.key("3")
	if v := plain(h.view()); !strings.Contains(v, "$PERMIT_API_KEY") {
		t.Errorf("the Local PDP row does not offer $PERMIT_API_KEY:\n%s", v)
	}
}

// A switch refused for want of a key puts the keyboard on the Token field,
// and the error names the explorer's fields, not the command line's flags.
func TestNoKeyFocusesTheTokenFieldInTheAppsWords(t *testing.T) {
	sw := func(s pdp.TargetSpec) (pdp.Target, error) {
		if s.Token == "" {
			return nil, targets.ErrNoToken
		}
		return storyTarget(), nil
	}
	h := newHarness(t, New(Options{Target: storyTarget(), Switch: sw}), 80, 24, true)
	h.key("ctrl+t")
	h.key("4") // Cloud PDP
	h.key("enter")
	if !isOpen[*switcher](h.m) || !h.m.sw.inputs[inToken].Focused() {
		t.Fatalf("after no API key: dialog %v at %d, want the Token field focused", dialogOf(h.m), h.m.sw.at)
	}
	if e := h.m.sw.err; strings.Contains(e, "--token") || !strings.Contains(e, "Token field") {
		t.Errorf("error in the command line's words: %q", e)
	}
}

// A PDP's 401 (sent no key) is shown in the explorer's words, and the
// switcher opens on the Token field.
func TestAskedForAKeyInTheAppsWords(t *testing.T) {
	// Permit's real client, sent no key, so that its wording is the one
	// rewritten.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	local, err := targets.Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, New(Options{Target: local}), 140, 40, true)
	h.fill("bob@acme.io", "", "read", "document", "", "")
	h.key("enter")
	if !isOpen[*switcher](h.m) || !h.m.sw.inputs[inToken].Focused() || !strings.Contains(h.m.sw.note, "asks for an API key") {
		t.Fatalf("401: dialog %v note %q", dialogOf(h.m), h.m.sw.note)
	}
	h.key("esc")
	if v := plain(h.view()); strings.Contains(v, "--token") || strings.Contains(v, "PERMIT_API_KEY") || !strings.Contains(v, "Token field (ctrl+t)") {
		t.Errorf("the decision speaks of flags:\n%s", v)
	}
}

// A URL typed into the URL field replaces the current target's URL shown
// there; moving in it first edits it instead.
func TestTypedURLReplacesTheOneShown(t *testing.T) {
	var got pdp.TargetSpec
	sw := func(s pdp.TargetSpec) (pdp.Target, error) {
		got = s
		t := storyTarget()
		t.info = pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp", URL: s.URL}
		return t, nil
	}
	local := storyTarget()
	local.info = pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", URL: "http://localhost:7766", ABAC: true}
	h := newHarness(t, New(Options{Target: local, Switch: sw}), 80, 24, true)
	h.key("ctrl+t")
	h.key("tab") // the URL field, holding http://localhost:7766
	h.typeText("http://127.0.0.1:7000")
	if v := h.m.sw.inputs[inURL].Value(); v != "http://127.0.0.1:7000" {
		t.Fatalf("URL field = %q", v)
	}
	h.key("enter")
	if got.URL != "http://127.0.0.1:7000" {
		t.Errorf("built %q", got.URL)
	}

	h.key("ctrl+t")
	h.key("tab")
	h.key("backspace") // the cursor is at the URL's end
	h.typeText("1")
	if v := h.m.sw.inputs[inURL].Value(); v != "http://127.0.0.1:7001" {
		t.Errorf("editing the URL shown: %q", v)
	}
}

// Started on a PDP without its key, esc on the switcher leaves the demo
// policy answering: the footer says so, and the header for as long as it
// answers in the PDP's place.
func TestStandInForAPDPWithoutAKeyIsSaid(t *testing.T) {
	sw := func(s pdp.TargetSpec) (pdp.Target, error) {
		t := storyTarget()
		t.info = pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: pdp.internal:7766", URL: s.URL}
		return t, nil
	}
	h := newHarness(t, New(Options{Target: storyTarget(), Switch: sw, AskToken: true,
		AskTokenFor: pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://pdp.internal:7766"}}), 140, 40, true)
	h.key("esc")
	if h.m.dialog != nil || !strings.Contains(h.m.status, "the demo policy answers instead") {
		t.Fatalf("esc: dialog %v status %q", dialogOf(h.m), h.m.status)
	}
	v := plain(h.view())
	if head := v[:strings.Index(v, "\n")]; !strings.Contains(head, "in place of http://pdp.internal:7766") {
		t.Errorf("the header does not say the demo policy stands in:\n%s", head)
	}
	h.key("ctrl+t")
	h.key("3")
	h.key("tab")
	h.key("tab")
	h.typeText("key")
	h.key("enter")
	if v := plain(h.view()); strings.Contains(v, "in place of") {
		t.Errorf("still said after the switch:\n%s", v)
	}
}
