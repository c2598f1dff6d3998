package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/ui/targets"
)

// pinnedDemo is the embedded engine over the demo policy with its latency
// pinned, so that screens of real explanations never change by themselves.
// Embedding *engine.Target keeps its Engine method: the explorer explains
// its decisions with the policy, flips and all.
type pinnedDemo struct{ *engine.Target }

func (p pinnedDemo) Check(ctx context.Context, c pdp.Check) pdp.Decision {
	d := p.Target.Check(ctx, c)
	d.Latency = 87 * time.Microsecond
	return d
}

func newPinnedDemo() pinnedDemo {
	return pinnedDemo{engine.NewTarget(engine.New(policy.Demo()), "demo policy", "")}
}

// The demo policy's story checks: an ABAC denial on a value of the wrong type,
// a typo in an attribute name, and a user without a role in the tenant.
func (h *harness) abacBoolCheck() {
	h.t.Helper()
	h.fill("check@permit.io", "location=England department=Engineering", "publish", "document", "", "hasApproval=true")
	h.key("enter")
}

func (h *harness) typoCheck() {
	h.t.Helper()
	h.fill("check@permit.io", "location=England departmnet=Engineering", "publish", "document", "", `hasApproval="true"`)
	h.key("enter")
}

func (h *harness) noRoleCheck() {
	h.t.Helper()
	h.fill("john@permit.io", "", "read", "document", "", "")
	h.key("enter")
}

func (h *harness) outcome() pdp.Outcome { return h.m.dec.entry.Decision.Outcome }

// pane is the decision pane's text without colours, its wrapped lines
// joined and its spaces collapsed, so that a sentence can be looked for
// whatever the width it was wrapped at.
func (h *harness) pane() string {
	return strings.Join(strings.Fields(plain(strings.Join(h.m.dec.lines, " "))), " ")
}

// footer is the screen's last line, without colours.
func (h *harness) footer() string {
	v := plain(h.view())
	return v[strings.LastIndex(v, "\n")+1:]
}

func TestFlipOneSendsHasApprovalAsAStringAndAllows(t *testing.T) {
	for _, how := range []struct {
		name string
		keys []string
	}{
		{"alt+1 in the form", []string{"alt+1"}},
		{"1 in the history", []string{"esc", "1"}},
		{"1 in the decision pane", []string{"esc", "tab", "1"}},
	} {
		t.Run(how.name, func(t *testing.T) {
			h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
			h.abacBoolCheck()
			if h.outcome() != pdp.Deny {
				t.Fatalf("outcome %v, want deny", h.outcome())
			}
			x := h.m.dec.x
			if x == nil || len(x.Flips) == 0 {
				t.Fatalf("no flips: %+v", x)
			}
			if f := x.Flips[0]; f.Change != "resource.attributes.hasApproval" || f.To != "true" {
				t.Fatalf("flip 1 = %+v", f)
			}
			if v := h.pane(); !strings.Contains(v, `send resource.attributes.hasApproval as "true" (string), not true (bool)`) {
				t.Errorf("flip 1 is not drawn:\n%s", v)
			}
			for _, k := range how.keys {
				h.key(k)
			}
			if got := h.m.form.value(fResAttrs); got != `hasApproval="true"` {
				t.Errorf("resource attrs in the form = %q", got)
			}
			if got := h.m.dec.entry.Check.Resource.Attributes["hasApproval"]; got != "true" {
				t.Errorf("sent hasApproval = %#v, want the string", got)
			}
			if h.outcome() != pdp.Allow {
				t.Fatalf("after flip 1: %v, want allow", h.outcome())
			}
			if c := h.m.list.counts; c.Total != 2 {
				t.Errorf("history = %+v, want the re-run recorded", c)
			}
			// The re-run's answer is drawn: the footer no longer says it
			// is running, but still says what was applied.
			if f := h.footer(); strings.Contains(f, "re-running") || !strings.Contains(f, "applied") {
				t.Errorf("footer after the re-run: %q", f)
			}
		})
	}
}

func TestNoRoleInTenantCardRetriesInAwesomeInc(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.noRoleCheck()
	x := h.m.dec.x
	if x == nil || len(x.Cards) == 0 || x.Cards[0].Code != "no_role_in_tenant" {
		t.Fatalf("cards = %+v", x)
	}
	v := h.pane()
	for _, want := range []string{"No role in default", "john@permit.io has no role in default; they have roles in awesome_inc",
		"a retry in awesome_inc", "https://docs.permit.io/errors/no_role_in_tenant"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if f := h.footer(); !strings.Contains(f, "alt+a retry in awesome_inc") || !strings.Contains(f, "alt+1-4 flip") {
		t.Errorf("footer = %q", f)
	}
	h.key("alt+a")
	if got := h.m.form.value(fTenant); got != "awesome_inc" {
		t.Errorf("tenant in the form = %q", got)
	}
	if h.outcome() != pdp.Allow || h.m.dec.entry.Check.Resource.Tenant != "awesome_inc" {
		t.Fatalf("after the card's action: %v in %q", h.outcome(), h.m.dec.entry.Check.Resource.Tenant)
	}
	// The allow is explained too: by which role.
	if v := h.pane(); !strings.Contains(v, "Allowed by role viewer") {
		t.Errorf("the allow is not explained:\n%s", v)
	}
}

func TestTypoWarningRenamesTheKey(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.typoCheck()
	x := h.m.dec.x
	if x == nil || len(x.Warnings) == 0 || x.Warnings[0].Suggestion != "department" {
		t.Fatalf("warnings = %+v", x)
	}
	acts := keyedActions(x)
	i := -1
	for j, a := range acts {
		if a.action.Kind == explain.RenameAttribute {
			i = j
		}
	}
	if i < 0 {
		t.Fatalf("no keyed rename among %+v", acts)
	}
	v := h.pane()
	for _, want := range []string{"did you mean `department`?", acts[i].key + " rename to department"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	h.key("alt+" + acts[i].key)
	if got := h.m.form.value(fUserAttrs); got != "department=Engineering location=England" {
		t.Errorf("user attrs in the form = %q", got)
	}
	if h.outcome() != pdp.Allow {
		t.Fatalf("after the rename: %v, want allow", h.outcome())
	}
	if x := h.m.dec.x; x == nil || len(x.Warnings) != 0 {
		t.Errorf("warnings after the rename: %+v", x)
	}
}

func TestRefusedPDPGetsAnErrorCardThatOpensTheSwitcher(t *testing.T) {
	h := newHarness(t, New(Options{Target: refusedPDP(t)}), 140, 40, true)
	h.fill("bob@acme.io", "", "read", "document", "2024-report", "")
	h.key("enter")
	x := h.m.dec.x
	if h.outcome() != pdp.Error || x == nil || len(x.Cards) != 1 {
		t.Fatalf("outcome %v, explanation %+v", h.outcome(), x)
	}
	c := x.Cards[0]
	if c.Tone != explain.ToneError || c.Code != "refused" || c.Action == nil || c.Action.Kind != explain.SwitchTarget {
		t.Fatalf("card = %+v", c)
	}
	v := h.pane()
	for _, want := range []string{"! Nothing listens there", "nothing is listening at http://127.0.0.1:1", "a choose another target"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if len(x.Flips) != 0 {
		t.Errorf("a remote error has flips: %+v", x.Flips)
	}
	h.key("alt+a")
	if !isOpen[*switcher](h.m) || h.m.sw.sel != 2 || !h.m.sw.inputs[inURL].Focused() {
		t.Fatalf("switcher: dialog %v sel %d URL focused %v", dialogOf(h.m), h.m.sw.sel, h.m.sw.inputs[inURL].Focused())
	}
	if !strings.Contains(plain(h.view()), "gave no decision: fix its URL") {
		t.Errorf("the switcher does not say why it opened:\n%s", plain(h.view()))
	}
}

func TestRoleFlipShowsThePolicyChange(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.noRoleCheck()
	x := h.m.dec.x
	if len(x.Flips) < 2 || x.Flips[1].Cost != explain.CostRole {
		t.Fatalf("flips = %+v", x.Flips)
	}
	before := h.m.list.counts.Total
	h.key("alt+2")
	if !isOpen[*noteDialog](h.m) {
		t.Fatalf("alt+2 on a role flip: dialog %v, status %q", dialogOf(h.m), h.m.status)
	}
	v := plain(h.view())
	for _, want := range []string{"john@permit.io would need viewer in default",
		"Add {role: viewer, tenant: default} to john@permit.io", "- {role: viewer, tenant: default}", "y copy the snippet"} {
		if !strings.Contains(v, want) {
			t.Errorf("note lacks %q:\n%s", want, v)
		}
	}
	if h.m.list.counts.Total != before {
		t.Errorf("a role flip sent a check")
	}
	h.key("y")
	if h.m.dialog != nil || !strings.Contains(h.m.status, "copied") {
		t.Errorf("y: dialog %v status %q", dialogOf(h.m), h.m.status)
	}
}

func TestCloudWithoutABACOffersALocalTarget(t *testing.T) {
	cloud := storyTarget()
	cloud.info = pdp.TargetInfo{Kind: pdp.KindCloud, Name: "cloud: cloudpdp.api.permit.io", URL: pdp.CloudPDPURL}
	cloud.decide = func(pdp.Check) pdp.Decision {
		return pdp.Decision{Outcome: pdp.Deny, Debug: &pdp.Debug{ABAC: &pdp.Reason{Code: pdp.CodeCloudNoABAC}}}
	}
	h := newHarness(t, New(Options{Target: cloud}), 140, 40, true)
	h.fill("bob@acme.io", "", "read", "document", "", "")
	h.key("enter")
	if v := h.pane(); !strings.Contains(v, "The cloud PDP does no ABAC") || !strings.Contains(v, "a switch to a local target") {
		t.Fatalf("no card:\n%s", v)
	}
	h.key("esc")
	h.key("a") // plain a outside text fields
	if !isOpen[*switcher](h.m) || h.m.sw.sel != 2 || h.m.sw.at != 0 {
		t.Fatalf("switcher: dialog %v sel %d at %d", dialogOf(h.m), h.m.sw.sel, h.m.sw.at)
	}
}

func TestRetryLaterAndTokenActions(t *testing.T) {
	remote := storyTarget()
	remote.info = pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", URL: "http://localhost:7766", ABAC: true}
	remote.decide = func(pdp.Check) pdp.Decision {
		return pdp.Decision{Outcome: pdp.Error, Status: 429, Err: &pdp.TargetError{Kind: pdp.ErrorRateLimited, Status: 429,
			Msg: "the PDP at http://localhost:7766 is rate limiting", Retry: 30 * time.Second}}
	}
	h := newHarness(t, New(Options{Target: remote}), 140, 40, true)
	h.fill("bob@acme.io", "", "read", "document", "", "")
	h.key("enter")
	h.key("alt+a")
	if !strings.Contains(h.m.status, "wait 30s") || h.m.dialog != nil {
		t.Errorf("retry later: status %q dialog %v", h.m.status, dialogOf(h.m))
	}
	if n := len(remote.sent()); n != 1 {
		t.Errorf("retry later sent %d checks, want 1 (it only says when)", n)
	}

	remote.decide = func(pdp.Check) pdp.Decision {
		return pdp.Decision{Outcome: pdp.Error, Status: 401, Err: &pdp.TargetError{Kind: pdp.ErrorAuth, Status: 401, Msg: "the PDP at http://localhost:7766 needs an API key"}}
	}
	h.key("enter")
	h.key("esc") // a 401 opens the token prompt by itself; close it and ask again with the card's key
	if h.m.dialog != nil {
		t.Fatalf("dialog %v", dialogOf(h.m))
	}
	if v := h.pane(); !strings.Contains(v, "API key needed") {
		t.Fatalf("no auth card:\n%s", v)
	}
	h.key("alt+a")
	if !isOpen[*switcher](h.m) || !h.m.sw.inputs[inToken].Focused() {
		t.Errorf("set-token: dialog %v token focused %v", dialogOf(h.m), h.m.sw.inputs[inToken].Focused())
	}
}

func TestTimeoutCardDoublesTheTimeoutAndReruns(t *testing.T) {
	srv, _ := hungPDP(t)
	slow, err := targets.Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: srv.URL, Token: "tok", Timeout: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var got pdp.TargetSpec
	fast := storyTarget()
	fast.info = slow.Describe()
	sw := func(s pdp.TargetSpec) (pdp.Target, error) {
		got = s
		return fast, nil
	}
	h := newHarness(t, New(Options{Target: slow, Switch: sw}), 140, 40, true)
	h.fill("john@smith.com", "", "create", "document", "", "")
	h.key("enter")
	if x := h.m.dec.x; h.outcome() != pdp.Error || x == nil || x.Cards[0].Action == nil || x.Cards[0].Action.Kind != explain.RaiseTimeout {
		t.Fatalf("outcome %v explanation %+v", h.outcome(), x)
	}
	h.key("alt+a")
	if got.Timeout != 80*time.Millisecond || !got.KeepToken || got.URL != srv.URL || got.Kind != pdp.KindPDP || got.Token != "" {
		t.Fatalf("switch spec = %+v", got)
	}
	if len(fast.sent()) != 1 || h.outcome() != pdp.Allow {
		t.Fatalf("not re-run on the rebuilt target: sent %d, outcome %v", len(fast.sent()), h.outcome())
	}
	if !strings.Contains(h.m.status, "timeout raised to 80ms") || strings.Contains(h.m.status, "re-running") {
		t.Errorf("status after the re-run = %q", h.m.status)
	}

	// Without a switch function it says how instead.
	h2 := newHarness(t, New(Options{Target: slow}), 140, 40, true)
	h2.fill("john@smith.com", "", "create", "document", "", "")
	h2.key("enter")
	h2.key("alt+a")
	if !strings.Contains(h2.m.status, "--timeout") {
		t.Errorf("status = %q", h2.m.status)
	}
}

// The explanation re-decides, so it must run in a Cmd: the Update that
// shows a decision returns with no explanation yet, and the Cmd brings it.
func TestExplanationRunsInACmdAndIsCached(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.fill("john@permit.io", "", "read", "document", "", "")
	c, ok := h.m.form.check()
	if !ok {
		t.Fatal("form")
	}
	d := demoTarget().Check(context.Background(), c)
	h.m.flight = &flight{seq: 99, cancel: func() {}, check: c}
	cmd := h.sendAsync(decisionMsg{seq: 99, check: c, d: d})
	if h.m.dec.x != nil {
		t.Fatal("the explanation was computed in Update")
	}
	if !strings.Contains(plain(h.view()), "no_role_in_tenant") {
		t.Errorf("before the explanation, the PDP's reasons are drawn:\n%s", plain(h.view()))
	}
	h.drain(cmd)
	if h.m.dec.x == nil || h.m.dec.x.Cards[0].Code != "no_role_in_tenant" {
		t.Fatalf("explanation = %+v", h.m.dec.x)
	}

	// Another decision, then back to the first in the history: the first
	// one's explanation comes from the cache, in the same Update.
	h.abacBoolCheck()
	h.key("esc")
	h.key("j")
	cmd = h.sendAsync(keyPress("k"))
	h.drain(cmd)
	cmd = h.sendAsync(keyPress("j"))
	if h.m.dec.x == nil || h.m.dec.x.Cards[0].Code != "no_role_in_tenant" {
		t.Fatalf("not from the cache: %+v", h.m.dec.x)
	}
	h.drain(cmd)
}

// A stored decision from the embedded engine is explained with today's
// policy (flips included); one from a remote PDP from its debug object.
func TestHistoryRowsAreExplainedWithTheRightEngine(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.noRoleCheck()
	e := h.m.dec.entry
	if eng := h.m.cur.engineFor(e); eng == nil {
		t.Fatal("an embedded decision is not explained with the engine")
	}
	e.TargetKind, e.TargetURL = pdp.KindPDP, "http://localhost:7766"
	if eng := h.m.cur.engineFor(e); eng != nil {
		t.Error("a remote decision is explained with the engine")
	}
	if x := explain.Explain(e.Decision, e.Check, h.m.cur.engineFor(e)); len(x.Flips) != 0 {
		t.Errorf("remote flips: %+v", x.Flips)
	}
}

func TestFooterAndHelpShowTheExplanationKeys(t *testing.T) {
	h := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h.abacBoolCheck()
	if f := h.footer(); !strings.HasPrefix(strings.TrimSpace(f), "alt+1-2 flip") {
		t.Errorf("form footer = %q", f)
	}
	h.key("esc")
	if f := h.footer(); !strings.HasPrefix(strings.TrimSpace(f), "1-2 flip") {
		t.Errorf("history footer = %q", f)
	}
	h.key("?")
	v := plain(h.view())
	for _, want := range []string{"apply flip N to the check and re-run", "take the next step of the first card", "alt+1-5"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
	h.key("esc")
	h.key("tab")
	h.key("?")
	if v := plain(h.view()); !strings.Contains(v, "take the next step marked b, c, d") {
		t.Errorf("decision help lacks b-d:\n%s", v)
	}

	// An allow has no flips: no hint.
	h2 := newHarness(t, New(Options{Target: demoTarget()}), 140, 40, true)
	h2.fill("john@smith.com", "", "create", "document", "", "")
	h2.key("enter")
	if f := h2.footer(); strings.Contains(f, "flip") {
		t.Errorf("allow footer = %q", f)
	}
	h2.key("alt+1")
	if !strings.Contains(h2.m.status, "no flips") {
		t.Errorf("alt+1 on an allow: status %q", h2.m.status)
	}
}

// Text from a hostile PDP stays cleaned in the cards.
func TestHostileDebugObjectIsCleanedInCards(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J"
	remote := storyTarget()
	remote.info = pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp", URL: "http://x", ABAC: true, Debug: true}
	remote.decide = func(pdp.Check) pdp.Decision {
		return pdp.Decision{Outcome: pdp.Deny, Debug: &pdp.Debug{RBAC: &pdp.Reason{Code: "no_role_in_tenant" + evil,
			Reason: "no role" + evil + "; roles in these tenants: acme" + evil, SupportLink: "https://x/" + evil}}}
	}
	h := newHarness(t, New(Options{Target: remote}), 140, 40, true)
	h.fill("bob", "", "read", "document", "", "")
	h.key("enter")
	if h.m.dec.x == nil {
		t.Fatal("no explanation")
	}
	v := h.view()
	if strings.Contains(v, "\x1b]0;") || strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x07") {
		t.Fatalf("control sequences reached the screen: %q", v)
	}
	_ = tea.KeyPressMsg{}
}
