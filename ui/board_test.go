package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/sweep"
)

// matrixScreen opens the matrix on jane's update of the roadmap: users of
// the demo policy × the document's actions.
func matrixScreen(t *testing.T, w, h int, dark bool) *harness {
	hs := newHarness(t, New(Options{Target: newPinnedDemo()}), w, h, dark)
	hs.fill("jane@permit.io", "", "update", "document", "roadmap", "")
	hs.key("ctrl+g")
	hs.key("down")
	hs.key("right")
	return hs
}

func TestMatrixFillsAndOpensACell(t *testing.T) {
	hs := matrixScreen(t, 140, 40, true)
	b := hs.m.board
	if b == nil || b.mx == nil || b.busy {
		t.Fatalf("no filled matrix: %+v", b)
	}
	if b.mx.Rows.Kind != sweep.Users || b.mx.Cols.Kind != sweep.Actions || b.mx.Filled() != b.mx.Len() {
		t.Fatalf("axes %s × %s, %d/%d filled", b.mx.Rows.Name(), b.mx.Cols.Name(), b.mx.Filled(), b.mx.Len())
	}
	// Row 0 is the check's own user; the cursor is on row 1, column 1.
	if b.mx.Rows.Values[0] != "jane@permit.io" || b.mx.Cols.Values[0] != "update" {
		t.Fatalf("the check's own values do not come first: %v %v", b.mx.Rows.Values, b.mx.Cols.Values)
	}
	cellCheck := b.mx.Cells[1][1].Check
	v := plain(hs.view())
	for _, want := range []string{"Matrix · rows user × cols action", "✓", "✗", cellCheck.String(), "rbac"} {
		if !strings.Contains(v, want) {
			t.Errorf("the matrix lacks %q:\n%s", want, v)
		}
	}
	hs.key("enter")
	if hs.m.board != nil || hs.m.focus != focusForm {
		t.Fatal("enter did not open the cell in the form")
	}
	if got, _ := hs.m.form.check(); got.String() != cellCheck.String() {
		t.Fatalf("form has %s, want %s", got, cellCheck)
	}
	if hs.m.dec.entry.Check.String() != cellCheck.String() {
		t.Errorf("the decision pane does not show the cell's decision")
	}
}

func TestMatrixAxesAndTypedValues(t *testing.T) {
	hs := newHarness(t, New(Options{Target: newPinnedDemo()}), 140, 40, false)
	hs.fill("check@permit.io", "location=England department=Engineering", "publish", "document", "", `hasApproval="true"`)
	hs.key("ctrl+g")
	// rows: user → (action is the columns') tenant → resource → attr
	for range 3 {
		hs.key("r")
	}
	// cols: action → tenant → resource → attr (taken by rows) → user → action… ; type it instead.
	hs.key("C")
	hs.m.board.input.SetValue("")
	hs.typeText(`resource.hasApproval="true",true`)
	hs.key("enter")
	b := hs.m.board
	if b.err != "" || b.mx == nil {
		t.Fatalf("err %q", b.err)
	}
	if b.mx.Rows.Name() != "user.department" || b.mx.Cols.Name() != "resource.hasApproval" {
		t.Fatalf("axes %s × %s", b.mx.Rows.Name(), b.mx.Cols.Name())
	}
	if o := b.mx.Cells[0][0].Decision.Outcome; o != pdp.Allow {
		t.Errorf("Engineering × \"true\" = %v", o)
	}
	if o := b.mx.Cells[0][1].Decision.Outcome; o != pdp.Deny {
		t.Errorf("Engineering × true (bool) = %v", o)
	}
	hs.key("esc")
	if hs.m.board != nil {
		t.Fatal("esc did not close the matrix")
	}
}

// countingRemote is a remote target whose Bulk counts its calls.
type countingRemote struct {
	*fakeTarget
	bulks atomic.Int64
}

func (c *countingRemote) Bulk(ctx context.Context, cs []pdp.Check) ([]pdp.Decision, error) {
	c.bulks.Add(1)
	return c.fakeTarget.Bulk(ctx, cs)
}

func TestRemoteMatrixFillsProgressivelyByChunks(t *testing.T) {
	remote := &countingRemote{fakeTarget: &fakeTarget{info: pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: test"}, decide: storyDecision}}
	hs := newHarness(t, New(Options{Target: remote}), 140, 40, true)
	hs.fill("bob@acme.io", "", "read", "document", "", "")
	hs.send(keyPress("ctrl+g"))
	// Replace the default axes by 30 users × 10 actions: 300 checks, three chunks.
	var users, actions []string
	for i := range 30 {
		users = append(users, "u"+itoa(i))
	}
	for i := range 10 {
		actions = append(actions, "a"+itoa(i))
	}
	mx, err := sweep.New(hs.m.board.base, sweep.Axis{Kind: sweep.Users, Values: users}, sweep.Axis{Kind: sweep.Actions, Values: actions})
	if err != nil {
		t.Fatal(err)
	}
	remote.bulks.Store(0)
	cmd := hs.m.board.start(mx, hs.m.env())
	if hs.m.board.mx.Filled() != 0 {
		t.Fatal("filled before any Cmd ran")
	}
	// Run one chunk by hand: a third of the grid, and the UI takes keys.
	msg := firstMsg(t, cmd)
	next := hs.sendAsync(msg)
	if got := hs.m.board.mx.Filled(); got != sweep.ChunkSize {
		t.Fatalf("after one chunk %d filled", got)
	}
	hs.key("down")
	if hs.m.board.r != 1 {
		t.Fatal("keys do not work while the matrix fills")
	}
	hs.drain(next)
	if hs.m.board.mx.Filled() != 300 || remote.bulks.Load() != 3 || hs.m.board.busy {
		t.Fatalf("%d filled in %d bulk requests", hs.m.board.mx.Filled(), remote.bulks.Load())
	}
}

// firstMsg runs a Cmd (the first non-nil of a batch) and returns its message.
func firstMsg(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	for cmd != nil {
		msg := cmd()
		b, ok := msg.(tea.BatchMsg)
		if !ok {
			return msg
		}
		cmd = nil
		for _, c := range b {
			if c != nil {
				cmd = c
				break
			}
		}
	}
	t.Fatal("no Cmd")
	return nil
}

func TestMatrixErrorsAreBangNotCross(t *testing.T) {
	hs := newHarness(t, New(Options{Target: refusedPDP(t)}), 140, 40, true)
	hs.fill("bob@acme.io", "", "read", "document", "", "")
	hs.key("ctrl+g")
	b := hs.m.board
	if b.mx == nil || b.mx.Filled() == 0 {
		t.Fatalf("matrix not filled: %+v", b.err)
	}
	_, d, e := b.mx.Counts()
	if d != 0 || e != b.mx.Len() {
		t.Fatalf("deny %d error %d of %d", d, e, b.mx.Len())
	}
	v := plain(hs.view())
	if !strings.Contains(v, "[!]") || !strings.Contains(v, "nothing is listening") {
		t.Fatalf("errors not drawn as !:\n%s", v)
	}
}

func TestPermissionsAndWhoViews(t *testing.T) {
	hs := newHarness(t, New(Options{Target: newPinnedDemo()}), 140, 40, true)
	hs.fill("jane@permit.io", "", "update", "document", "roadmap", "")
	hs.key("ctrl+r")
	v := plain(hs.view())
	for _, want := range []string{"What can this user do · jane@permit.io", "instance document:roadmap", "document:update", "via editor"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
	hs.key("tab")
	v = plain(hs.view())
	for _, want := range []string{"Who can do this here · update document:roadmap @default", "jane@permit.io", "editor on document:roadmap", "john@smith.com", "admin in tenant default"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
	hs.key("down") // john@smith.com
	hs.key("enter")
	if got, _ := hs.m.form.check(); got.User.Key != "john@smith.com" || got.Action != "update" {
		t.Fatalf("enter opened %s", got)
	}
}

// ownersPolicy: erin has no role; ABAC lets her act on the record she
// owns (its owner attribute is her key).
const ownersPolicy = `version: 1
resources:
  record: {actions: [view, edit], attributes: {owner: string}}
tenants: {default: {}, other: {}}
users:
  erin: {attributes: {department: ops}}
resource_instances:
  "record:105": {tenant: other, attributes: {owner: erin}}
  "record:106": {tenant: other, attributes: {owner: frank}}
user_sets:
  ops: {conditions: {allOf: [{user.department: {equals: ops}}]}}
resource_sets:
  owned_records: {resource: record, conditions: {allOf: [{resource.owner: {equals: {ref: user.key}}}]}}
condition_set_rules:
  - {user_set: ops, permission: record:view, resource_set: owned_records}
`

func TestPermissionsAndWhoViewsByAttributes(t *testing.T) {
	p, err := policy.Parse("owners.yaml", []byte(ownersPolicy))
	if err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, New(Options{Target: engine.NewTarget(engine.New(p), "owners.yaml", "")}), 140, 40, true)
	hs.fill("erin", "", "view", "record", "105", "")
	hs.key("ctrl+r")
	v := plain(hs.view())
	for _, want := range []string{"What can this user do · erin", "instance record:105", "record:view", "attributes (no role)"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "record:106") || strings.Contains(v, "may do nothing") {
		t.Errorf("lists what erin may not do:\n%s", v)
	}
	// The row opens as the check it stands for, in the record's tenant
	// (not the form's default), and that check is allowed.
	hs.key("enter")
	got, _ := hs.m.form.check()
	if got.User.Key != "erin" || got.Action != "view" || got.Resource.Ref() != "record:105" || got.Resource.Tenant != "other" {
		t.Fatalf("enter opened %s @%s", got, got.Resource.Tenant)
	}
	if d := hs.m.cur.target.Check(context.Background(), got); d.Outcome != pdp.Allow {
		t.Fatalf("the opened check is %v", d.Outcome)
	}

	// Who may do that check: erin, by the ownership rule.
	hs.key("ctrl+r")
	hs.key("tab")
	v = plain(hs.view())
	for _, want := range []string{"Who can do this here · view record:105 @other", "erin", "user set ops, resource set owned_records"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
}

func TestTenantSweepView(t *testing.T) {
	hs := newHarness(t, New(Options{Target: newPinnedDemo()}), 140, 40, true)
	hs.fill("john@permit.io", "", "read", "document", "", "")
	hs.key("ctrl+s")
	rows := hs.m.board.rows
	if len(rows) != 2 || rows[0].cols[0] != "@awesome_inc" || rows[0].outcome != pdp.Allow || rows[1].outcome != pdp.Deny {
		t.Fatalf("%+v", rows)
	}
	v := plain(hs.view())
	if !strings.Contains(v, "asked via all-tenants + bulk") || !strings.Contains(v, "no_role_in_tenant") {
		t.Fatalf("%s", v)
	}
}

func TestTenantSweepOnCloudIsOneBulk(t *testing.T) {
	remote := &countingRemote{fakeTarget: &fakeTarget{info: pdp.TargetInfo{Kind: pdp.KindCloud, Name: "cloud PDP"}, decide: storyDecision}}
	hs := newHarness(t, New(Options{Target: remote}), 140, 40, true)
	hs.fill("bob@acme.io", "", "read", "document", "", "")
	hs.key("ctrl+s")
	b := hs.m.board
	if remote.bulks.Load() != 1 || len(b.rows) != 1 || !strings.Contains(b.note, "asked via bulk") || !strings.Contains(b.note, "could not list") {
		t.Fatalf("%d bulks, rows %+v, note %q", remote.bulks.Load(), b.rows, b.note)
	}
}

// sideScreen sends john@permit.io read document to the demo engine and,
// side by side, to a PDP that allows it.
func sideScreen(t *testing.T, w, h int, dark bool) *harness {
	pdpT := &fakeTarget{info: pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", URL: "http://localhost:7766", ABAC: true, Debug: true}, decide: storyDecision}
	sw := func(pdp.TargetSpec) (pdp.Target, error) { return pdpT, nil }
	hs := newHarness(t, New(Options{Target: newPinnedDemo(), Switch: sw}), w, h, dark)
	hs.fill("john@permit.io", "", "read", "document", "", "")
	hs.key("ctrl+l")
	hs.key("3") // Local PDP
	hs.key("enter")
	return hs
}

func TestSideBySideHeadlinesADisagreement(t *testing.T) {
	hs := sideScreen(t, 140, 40, true)
	if hs.m.cmp == nil || !hs.m.cmp.targets {
		t.Fatal("no side-by-side view")
	}
	if hs.m.cur.target.Describe().Kind != pdp.KindEmbedded {
		t.Fatal("the current target was replaced by the second one")
	}
	v := plain(hs.view())
	for _, want := range []string{"≠ DISAGREE", "✗ DENY from embedded: demo policy", "✓ ALLOW from pdp: localhost:7766", "rbac code", "no_role_in_tenant"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
}

func TestWatchedCheckFlipsWhenThePolicyFileChanges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "env.yaml")
	src := policy.DemoSource
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, New(Options{Target: engine.NewTarget(engine.New(p), "env.yaml", path)}), 140, 40, true)
	hs.fill("john@permit.io", "", "read", "document", "", "")
	hs.key("enter")
	hs.key("esc") // the history
	hs.key("w")
	e, _ := hs.m.list.selected()
	if hs.m.watch.watches[e.ID] == nil || !e.Pinned {
		t.Fatalf("w did not watch and pin: %+v", e)
	}
	// The first look records the file; then give john a viewer role in default.
	hs.send(watchTickMsg{gen: hs.m.watch.gen})
	changed := strings.Replace(string(src), "roles: [{role: viewer, tenant: awesome_inc}]", "roles: [{role: viewer, tenant: awesome_inc}, {role: viewer, tenant: default}]", 1)
	if changed == string(src) {
		t.Fatal("the demo policy changed shape: fix the test")
	}
	if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	_ = os.Chtimes(path, future, future)
	hs.send(watchTickMsg{gen: hs.m.watch.gen}) // changed: wait a poll for it to settle
	hs.send(watchTickMsg{gen: hs.m.watch.gen}) // settled: reload and re-run
	w := hs.m.watch.watches[e.ID]
	if len(w.flips) != 1 || w.flips[0].from != pdp.Deny || w.flips[0].to != pdp.Allow {
		t.Fatalf("flips %+v (status %q)", w.flips, hs.m.status)
	}
	if !strings.Contains(hs.m.status, "⚑ flipped at 09:26:53") {
		t.Errorf("status %q", hs.m.status)
	}
	hs.m.status = ""
	hs.key("W")
	v := plain(hs.view())
	for _, want := range []string{"Watched checks", "⚑ flipped DENY → ALLOW at 09:26:53", "rbac code", "no_role_in_tenant", "✓ allow"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
	hs.key("esc")
	if !strings.Contains(plain(hs.view()), "~✗ DENY") {
		t.Errorf("the history row is not marked flipped:\n%s", plain(hs.view()))
	}
}

func TestWatchedRemoteChecksRerunOnTheInterval(t *testing.T) {
	var allow atomic.Bool
	remote := &fakeTarget{info: pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: test"}, decide: func(c pdp.Check) pdp.Decision {
		if allow.Load() {
			return pdp.Decision{Outcome: pdp.Allow}
		}
		return pdp.Decision{Outcome: pdp.Deny}
	}}
	hs := newHarness(t, New(Options{Target: remote}), 140, 40, true)
	hs.fill("bob@acme.io", "", "read", "document", "", "")
	hs.key("enter")
	hs.key("esc")
	hs.key("w")
	hs.send(watchTickMsg{gen: hs.m.watch.gen})
	e, _ := hs.m.list.selected()
	if len(hs.m.watch.watches[e.ID].flips) != 0 {
		t.Fatal("flipped without a change")
	}
	allow.Store(true)
	hs.send(watchTickMsg{gen: hs.m.watch.gen})
	if w := hs.m.watch.watches[e.ID]; len(w.flips) != 1 || w.last.Outcome != pdp.Allow {
		t.Fatalf("%+v", w)
	}
}

// Side by side picks a second target from the list (where the footer's
// "1-4 choose" works), and refuses the target in use as its own second.
func TestSideBySideRefusesTheSameTarget(t *testing.T) {
	local := pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", URL: "http://localhost:7766", ABAC: true}
	cur := &fakeTarget{info: local, decide: storyDecision}
	var built int
	sw := func(s pdp.TargetSpec) (pdp.Target, error) {
		built++
		if s.Kind == pdp.KindEmbedded {
			return newPinnedDemo(), nil
		}
		return &fakeTarget{info: pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", URL: s.URL + "/"}, decide: storyDecision}, nil
	}
	hs := newHarness(t, New(Options{Target: cur, Switch: sw}), 140, 40, true)
	hs.fill("john@permit.io", "", "read", "document", "", "")
	hs.key("ctrl+l")
	if !isOpen[*switcher](hs.m) || hs.m.sw.at != 0 || hs.m.sw.sel == 2 {
		t.Fatalf("picker: dialog %v at %d sel %d, want the list focused on another kind", dialogOf(hs.m), hs.m.sw.at, hs.m.sw.sel)
	}
	hs.key("3") // Local PDP: the current one
	hs.key("enter")
	if hs.m.cmp != nil || !isOpen[*switcher](hs.m) || !strings.Contains(hs.m.sw.err, "is the target in use") {
		t.Fatalf("the target in use was compared with itself: cmp %v err %q", hs.m.cmp != nil, hs.m.sw.err)
	}
	hs.key("1") // the demo policy
	hs.key("enter")
	if hs.m.cmp == nil || !hs.m.cmp.targets || built != 2 {
		t.Fatalf("no side by side with the demo policy (built %d)", built)
	}
	if v := plain(hs.view()); strings.Contains(v, "agree: both say") && strings.Contains(v, "localhost:7766 · pdp: localhost:7766") {
		t.Errorf("compared with itself:\n%s", v)
	}
}

// An error on one side is no disagreement: the view says the comparison
// could not be made, which side failed, and its error.
func TestSideBySideWithAnErrorCannotCompare(t *testing.T) {
	broken := &fakeTarget{info: pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", URL: "http://localhost:7766"},
		decide: func(pdp.Check) pdp.Decision {
			return pdp.Decision{Outcome: pdp.Error, Err: &pdp.TargetError{Kind: pdp.ErrorRefused, Msg: "nothing answers at http://localhost:7766"}}
		}}
	sw := func(pdp.TargetSpec) (pdp.Target, error) { return broken, nil }
	hs := newHarness(t, New(Options{Target: newPinnedDemo(), Switch: sw}), 140, 40, true)
	hs.fill("john@permit.io", "", "read", "document", "", "")
	hs.key("ctrl+l")
	hs.key("3")
	hs.key("enter")
	if hs.m.cmp == nil {
		t.Fatal("no side-by-side view")
	}
	v := plain(hs.view())
	if strings.Contains(v, "DISAGREE") || strings.Contains(hs.m.status, "disagree") {
		t.Errorf("an error is shown as a disagreement (status %q):\n%s", hs.m.status, v)
	}
	for _, want := range []string{"could not compare: the second target failed", "nothing answers at http://localhost:7766"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
}

// The selected cell's reason is shown in full, wrapped, at the presenter's
// size; and the prompt of R names what enter does there.
func TestMatrixShowsTheSelectedCellsFullReason(t *testing.T) {
	hs := matrixScreen(t, 80, 24, true)
	b := hs.m.board
	cl := b.mx.Cells[b.r][b.c]
	reasons := sweep.Reasons(cl.Decision)
	if len(reasons) == 0 {
		t.Fatal("the cell has no reason")
	}
	screen := strings.Join(strings.Fields(plain(hs.view())), " ")
	for _, r := range reasons {
		if want := strings.Join(strings.Fields(r.Reason), " "); !strings.Contains(screen, want) {
			t.Errorf("the reason %q is not shown in full:\n%s", want, plain(hs.view()))
		}
	}
	hs.key("R")
	foot := plain(hs.view())
	if !strings.Contains(foot, "enter apply values") || strings.Contains(foot, "keep filter") {
		t.Errorf("R prompt footer:\n%s", foot)
	}
}
