package ui

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/state"
)

var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// plain is the screen without colours, for assertions on text.
func plain(s string) string { return sgr.ReplaceAllString(s, "") }

func demoTarget() pdp.Target {
	return engine.NewTarget(engine.New(policy.Demo()), "demo policy", "")
}

func TestStartsOnUserAndTabsThroughFieldsInOrder(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	if h.m.focus != focusForm || h.m.form.focus != fUser {
		t.Fatalf("focus = %v/%v, want the User field", h.m.focus, h.m.form.focus)
	}
	want := []field{fUserAttrs, fAction, fType, fKey, fResAttrs, fTenant, fTenantAttrs, fContext, fUser}
	for _, w := range want {
		h.key("tab")
		if h.m.form.focus != w {
			t.Fatalf("after tab focus = %s, want %s", fieldNames[h.m.form.focus], fieldNames[w])
		}
	}
	h.key("shift+tab")
	if h.m.form.focus != fContext {
		t.Fatalf("shift+tab from User = %s, want context", fieldNames[h.m.form.focus])
	}
}

func TestEnterSendsFromAnyFieldWithDefaultTenant(t *testing.T) {
	tg := storyTarget()
	h := newHarness(t, New(Options{Target: tg}), 80, 24, true)
	h.fill("john@smith.com", "", "create", "document", "", "")
	for range 3 {
		h.key("tab") // to Context, the last field
	}
	if h.m.form.focus != fContext {
		t.Fatalf("focus = %s", fieldNames[h.m.form.focus])
	}
	if !strings.Contains(plain(h.view()), "Tenant   default") {
		t.Errorf("the empty tenant does not show default:\n%s", plain(h.view()))
	}
	h.key("enter")
	sent := tg.sent()
	if len(sent) != 1 || sent[0].Resource.Tenant != "default" || sent[0].Action != "create" {
		t.Fatalf("sent = %+v", sent)
	}
	v := plain(h.view())
	for _, w := range []string{"✓ ALLOW", "john@smith.com create document @default", "41µs", "History 1"} {
		if !strings.Contains(v, w) {
			t.Errorf("view lacks %q:\n%s", w, v)
		}
	}
}

func TestAttributeValuesKeepTheirJSONType(t *testing.T) {
	tg := storyTarget()
	h := newHarness(t, New(Options{Target: tg}), 80, 24, true)
	h.fill("bob@acme.io", `flag="true" on=true n=3 city="New York"`, "read", "document", "", "")
	h.key("shift+tab")
	h.key("shift+tab")
	h.key("shift+tab")
	h.key("shift+tab") // back on User attrs: the hint reads the pairs
	v := plain(h.view())
	for _, w := range []string{`flag "true" string`, "on true bool", "n 3 number", `city "New York" string`} {
		if !strings.Contains(v, w) {
			t.Errorf("hint lacks %q:\n%s", w, v)
		}
	}
	h.key("enter")
	got := tg.sent()[0].User.Attributes
	if got["flag"] != "true" || got["on"] != true || got["n"] != 3.0 || got["city"] != "New York" {
		t.Fatalf("attributes = %#v", got)
	}
}

func TestFieldErrorsBlockSending(t *testing.T) {
	tg := storyTarget()
	h := newHarness(t, New(Options{Target: tg}), 80, 24, true)
	h.fill("bob@acme.io", "", "read", "document", "", "broken")
	h.key("tab")
	h.key("enter")
	if n := len(tg.sent()); n != 0 {
		t.Fatalf("sent %d checks with a bad field", n)
	}
	if h.m.form.focus != fResAttrs {
		t.Errorf("focus = %s, want the bad field", fieldNames[h.m.form.focus])
	}
	v := plain(h.view())
	if !strings.Contains(v, "✗  attrs") || !strings.Contains(v, `"broken" is not a k=v pair`) || !strings.Contains(v, "not sent") {
		t.Errorf("the error is not at the field:\n%s", v)
	}

	// Required fields complain only after a send was tried.
	h2 := newHarness(t, New(Options{Target: tg}), 80, 24, true)
	if h2.m.form.firstError() >= 0 || strings.Contains(plain(h2.view()), "✗ User") {
		t.Errorf("a fresh form shows errors: %q", h2.m.form.errs)
	}
	h2.key("enter")
	if h2.m.form.errs[fUser] == "" || h2.m.form.errs[fAction] == "" || h2.m.form.errs[fType] == "" {
		t.Errorf("errs = %q", h2.m.form.errs)
	}
}

func TestUnknownTypeIsAnErrorOnTheEmbeddedTarget(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 80, 24, true)
	h.fill("bob@acme.io", "", "read", "docment", "", "")
	h.key("enter")
	if e := h.m.form.errs[fType]; !strings.Contains(e, "did you mean document?") {
		t.Fatalf("type error = %q", e)
	}
	if h.m.dec.has {
		t.Errorf("a check with an unknown type was sent")
	}
}

func TestRealEngineDecisionFlipsWithAnAttribute(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.fill("check@permit.io", "location=England department=Engineering", "publish", "document", "", `hasApproval=true`)
	h.key("enter")
	if o := h.m.dec.entry.Decision.Outcome; o != pdp.Deny {
		t.Fatalf("bool true: outcome %v, want deny", o)
	}
	if v := plain(h.m.dec.vp.GetContent()); !strings.Contains(v, "resource.hasApproval equals") || !strings.Contains(v, "approved documents") {
		t.Errorf("no ABAC trace:\n%s", v)
	}
	// Make it the string "true": the answer flips.
	h.m.form.setValue(fResAttrs, `hasApproval="true"`)
	h.key("enter")
	if o := h.m.dec.entry.Decision.Outcome; o != pdp.Allow {
		t.Fatalf(`string "true": outcome %v, want allow`, o)
	}
	if c := h.m.list.counts; c.Total != 2 || c.Denied != 1 {
		t.Errorf("history counts = %+v", c)
	}
}

func TestSuggestionsFromThePolicy(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 80, 24, true)
	h.typeText("jo")
	if !h.m.form.popup || len(h.m.form.matches) != 2 {
		t.Fatalf("popup=%v matches=%v", h.m.form.popup, h.m.form.matches)
	}
	if v := plain(h.view()); !strings.Contains(v, "john@permit.io") || !strings.Contains(v, "john@smith.com") {
		t.Errorf("popup not drawn:\n%s", v)
	}
	h.key("down")
	h.key("tab") // accepts, does not move
	if got := h.m.form.value(fUser); got != "john@smith.com" || h.m.form.focus != fUser {
		t.Fatalf("accepted %q, focus %s", got, fieldNames[h.m.form.focus])
	}
	h.key("tab") // now it moves
	h.typeText("loc")
	h.key("tab")
	if got := h.m.form.value(fUserAttrs); got != "location=" {
		t.Fatalf("attribute name completion = %q", got)
	}
	h.typeText("England")
	h.key("tab")
	h.key("tab")
	h.typeText("document")
	h.key("shift+tab") // back to Action: its suggestions follow the type
	h.key("ctrl+n")
	var actions []string
	for _, m := range h.m.form.matches {
		actions = append(actions, m.value)
	}
	if got := strings.Join(actions, " "); got != "read create update delete publish" {
		t.Errorf("actions of document = %q", got)
	}
	h.key("esc")
	if h.m.form.popup || h.m.focus != focusForm {
		t.Errorf("esc should close the popup and stay in the form")
	}
}

func TestSuggestionsFromHistoryForRemoteTargets(t *testing.T) {
	tg := storyTarget()
	tg.info = pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", ABAC: true}
	h := newHarness(t, New(Options{Target: tg}), 80, 24, true)
	h.fill("bob@acme.io", "", "delete", "document", "", "")
	h.key("enter")
	h.m.form.setValue(fUser, "")
	for h.m.form.focus != fUser { // back to User: suggestions load from the history
		h.key("tab")
	}
	h.typeText("b")
	if !h.m.form.popup || h.m.form.matches[0].value != "bob@acme.io" {
		t.Fatalf("matches = %v", h.m.form.matches)
	}
}

func TestHistoryPaneSelectRerunEditFilter(t *testing.T) {
	tg := storyTarget()
	h := newHarness(t, New(Options{Target: tg}), 140, 40, true)
	h.story()
	h.key("esc")
	if h.m.focus != focusHistory {
		t.Fatalf("esc from the form: focus %v", h.m.focus)
	}
	v := plain(h.view())
	if !strings.Contains(v, "History 7 · 3 denied") {
		t.Errorf("title:\n%s", v)
	}
	// Newest first: the last check of the story is on top.
	if e, _ := h.m.list.selected(); e.Check.User.Key != "alice@acme.io" || e.Check.Resource.Key != "roadmap" {
		t.Fatalf("top row = %v", e.Check)
	}
	h.key("j")
	h.key("j")
	sel, _ := h.m.list.selected()
	if h.m.dec.entry.ID != sel.ID || sel.Check.Action != "update" {
		t.Fatalf("decision shows %d (%v), selection %d", h.m.dec.entry.ID, h.m.dec.entry.Check, sel.ID)
	}
	h.key("r")
	if n := len(tg.sent()); n != 8 {
		t.Fatalf("re-run sent %d checks in all, want 8", n)
	}
	if c := h.m.list.counts; c.Total != 8 {
		t.Fatalf("after re-run counts = %+v", c)
	}
	if e, _ := h.m.list.selected(); e.Check.User.Key != "bob@acme.io" || e.Check.Action != "update" {
		t.Errorf("the re-run is not the selected newest row: %v", e.Check)
	}
	h.key("j")
	h.key("e")
	if h.m.focus != focusForm || h.m.form.value(fUser) != "alice@acme.io" || h.m.form.value(fKey) != "roadmap" {
		t.Fatalf("e did not load the form: focus %v user %q", h.m.focus, h.m.form.value(fUser))
	}
	h.key("esc")
	h.key("/")
	h.typeText("bob deny")
	if c := h.m.list.counts; c.Total != 3 {
		t.Errorf("filter 'bob deny' counts = %+v", c)
	}
	h.key("enter")
	if v := plain(h.view()); !strings.Contains(v, "History 3 of 8 · 3 denied") || !strings.Contains(v, "/ bob deny") {
		t.Errorf("filtered title:\n%s", v)
	}
	h.key("esc") // clears the filter
	if c := h.m.list.counts; c.Total != 8 || h.m.list.filterText() != "" {
		t.Errorf("after esc counts = %+v filter %q", c, h.m.list.filterText())
	}
}

// countingHistory records every page request.
type countingHistory struct {
	state.History
	pages []string
}

func (c *countingHistory) Page(ctx context.Context, q state.Query) ([]state.Entry, error) {
	c.pages = append(c.pages, fmt.Sprintf("%d+%d", q.Skip, q.Limit))
	return c.History.Page(ctx, q)
}

func TestHistoryAsksOnlyForTheRowsItShows(t *testing.T) {
	mem := state.NewMemory()
	for i := range 10_000 {
		c := mustCheck(fmt.Sprintf("user%05d", i), "read", "document", nil)
		mem.Add(context.Background(), state.Entry{Check: c, Decision: pdp.Decision{Outcome: pdp.Outcome(i % 3), Target: "t"}})
	}
	ch := &countingHistory{History: mem}
	h := newHarness(t, New(Options{Target: storyTarget(), History: ch}), 80, 24, true)
	h.key("esc")
	h.key("G")
	if e, ok := h.m.list.selected(); !ok || e.Check.User.Key != "user00000" {
		t.Fatalf("G: selected %v %v", e.Check.User.Key, ok)
	}
	for _, p := range ch.pages {
		var off, lim int
		fmt.Sscanf(p, "%d+%d", &off, &lim)
		if lim > 3*h.m.list.rows {
			t.Errorf("page %s asks for more than three screens", p)
		}
	}
	if len(ch.pages) > 3 {
		t.Errorf("pages = %v", ch.pages)
	}
	if !strings.Contains(plain(h.view()), "user00000") {
		t.Errorf("the oldest row is not drawn")
	}
}

func TestMouseFocusesFieldsAndSelectsRows(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	h.story()
	_, by := bodyOrigin(h.m.lay.form, h.m.lay.wide)
	h.send(tea.MouseClickMsg{X: 20, Y: by + int(fAction), Button: tea.MouseLeft})
	if h.m.form.focus != fAction {
		t.Fatalf("click on Action: focus %s", fieldNames[h.m.form.focus])
	}
	_, hy := bodyOrigin(h.m.lay.history, h.m.lay.wide)
	h.send(tea.MouseClickMsg{X: 10, Y: hy + 2, Button: tea.MouseLeft})
	if h.m.focus != focusHistory || h.m.list.cursor != 2 {
		t.Fatalf("click on row 2: focus %v cursor %d", h.m.focus, h.m.list.cursor)
	}
	sel, _ := h.m.list.selected()
	if h.m.dec.entry.ID != sel.ID {
		t.Errorf("the clicked row is not in the decision pane")
	}
	h.send(tea.MouseWheelMsg{X: 10, Y: hy + 1, Button: tea.MouseWheelDown})
	if h.m.list.top == 0 {
		t.Errorf("wheel did not scroll the history")
	}
}

func TestHelpQuestionMarkTypesInFieldsAndF1AlwaysWorks(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	h.typeText("?")
	if h.m.dialog != nil || h.m.form.value(fUser) != "?" {
		t.Fatalf("? in a field: dialog %v value %q", dialogOf(h.m), h.m.form.value(fUser))
	}
	h.key("f1")
	if !isOpen[*helpDialog](h.m) || !strings.Contains(plain(h.view()), "Keys in the check form") {
		t.Fatalf("F1 did not open the help")
	}
	for _, b := range h.m.keys.forFocus(focusForm).FullHelp() {
		for _, k := range b {
			if !strings.Contains(plain(h.view()), k.Help().Desc) {
				t.Errorf("help lacks %q", k.Help().Desc)
			}
		}
	}
	h.key("esc")
	h.key("esc") // to the history
	h.key("?")
	if !isOpen[*helpDialog](h.m) || !strings.Contains(plain(h.view()), "Keys in the history") {
		t.Fatalf("? outside a field did not open the history's help")
	}
	h.key("?")
	if h.m.dialog != nil {
		t.Errorf("? did not close the help")
	}
}

func TestQuitKeys(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	h.typeText("q")
	if h.quit || h.m.form.value(fUser) != "q" {
		t.Fatalf("q in a field quit (or was lost)")
	}
	h.key("esc")
	h.key("q")
	if !h.quit {
		t.Fatalf("q in the history did not quit")
	}
	h2 := newHarness(t, New(Options{Target: storyTarget()}), 80, 24, true)
	h2.key("ctrl+c")
	if !h2.quit {
		t.Fatalf("ctrl+c did not quit")
	}
}

// The help fits every screen pdpx draws on, for every pane, however long
// the version; what does not fit scrolls, and the footer says how to
// scroll and how to close.
func TestHelpFitsTheScreenAndScrolls(t *testing.T) {
	const version = "v0.0.0-20261204172800-abcdef123456+dirty (built from a checkout with local changes)"
	for _, sz := range []struct{ w, h int }{{minWidth, minHeight}, {80, 24}, {100, 30}, {140, 40}} {
		for _, f := range []focus{focusForm, focusHistory, focusFilter, focusDecision} {
			for _, dark := range []bool{true, false} {
				s := NewStyles(dark)
				d := newHelp(defaultKeyMap(), f, version, s)
				d.update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
				v := d.view(s, sz.w, sz.h)
				if w, h := lipgloss.Width(v), lipgloss.Height(v); w > sz.w || h > sz.h {
					t.Errorf("%d×%d %s: the help is %d×%d", sz.w, sz.h, focusNames[f], w, h)
				}
				if p := plain(v); !strings.Contains(p, "close") || !strings.Contains(p, "Keys in") {
					t.Errorf("%d×%d %s: no title or close hint:\n%s", sz.w, sz.h, focusNames[f], p)
				}
			}
		}
	}

	h := newHarness(t, New(Options{Target: storyTarget()}), minWidth, minHeight, true)
	h.key("f1")
	const last = "true a bool."
	if v := plain(h.view()); strings.Contains(v, last) || !strings.Contains(v, "scroll") {
		t.Fatalf("at %d×%d the help should scroll and say so:\n%s", minWidth, minHeight, v)
	}
	h.key("G")
	if v := plain(h.view()); !strings.Contains(v, last) {
		t.Errorf("G did not scroll to the end:\n%s", v)
	}
	h.key("g")
	h.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if h.m.dialog.(*helpDialog).vp.YOffset() != 3 {
		t.Errorf("the wheel did not scroll the help: offset %d", h.m.dialog.(*helpDialog).vp.YOffset())
	}
	h.key("esc")
	if h.m.dialog != nil {
		t.Errorf("esc did not close the help")
	}
}

// The placeholder of the resource attributes is what a new user copies:
// typed as shown, its example must be the string form the demo allows.
func TestResourceAttrPlaceholderTeachesTheAllowedForm(t *testing.T) {
	ph := fieldPlaceholders[fResAttrs]
	i := strings.Index(ph, "e.g. ")
	if i < 0 {
		t.Fatalf("placeholder %q has no example", ph)
	}
	example := strings.Fields(ph[i+len("e.g. "):])[0]
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.fill("check@permit.io", "location=England department=Engineering", "publish", "document", "", example)
	h.key("enter")
	if o := h.m.dec.entry.Decision.Outcome; o != pdp.Allow {
		t.Errorf("the placeholder's example %q gives %v on the demo, want allow", example, o)
	}
}

// The suggestion popup hides what lies beside it on its rows: the next
// field's placeholder must not show as the tail of a suggestion.
func TestSuggestionPopupHidesTheRowsBesideIt(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {140, 40}} {
		h := newHarness(t, New(Options{Target: demoTarget()}), sz.w, sz.h, true)
		h.typeText("jo")
		if !h.m.form.popup {
			t.Fatal("no popup")
		}
		lines := strings.Split(plain(h.view()), "\n")
		for _, l := range lines {
			if strings.Contains(l, "john@") && (strings.Contains(l, "England") || strings.Contains(l, "e.g.") || strings.Contains(l, "optional")) {
				t.Errorf("%d×%d: a suggestion row shows the field behind it: %q", sz.w, sz.h, l)
			}
		}
	}
}
