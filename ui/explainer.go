package ui

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/pdp/paired"
	"github.com/pdpx/pdpx/state"
)

// explainedMsg carries the explanation of the decision shown as number seq.
type explainedMsg struct {
	seq int
	key xKey
	x   *explain.Explanation
	// pair is the snapshot's side of a paired decision: x then explains
	// the snapshot's decision, and pair holds the flips as the PDP judged them.
	pair *pairing
}

// pairing is what the decision pane shows of a paired decision's snapshot
// beyond its explanation: which snapshot it was, what to do about a
// disagreement, and the snapshot's flips, each tried on the PDP.
type pairing struct {
	label  string
	advice string
	flips  []paired.CheckedFlip
}

// flipVerifyTimeout bounds the bulk request that tries a denial's flips on
// the PDP, so that an explanation never waits on a hung PDP for long.
const flipVerifyTimeout = 10 * time.Second

// explainCmd explains the shown decision, from the cache when it is there.
// It is called from the root's sync, so every way a decision gets shown
// (an answer, a history row, a re-run) is explained. engineFor says which
// engine, if any, decides it again.
func (d *decisionPane) explainCmd(engineFor func(state.Entry) *engine.Engine, pairedFor func(state.Entry) *paired.Target, now time.Time) tea.Cmd {
	if !d.xWant || !d.has {
		return nil
	}
	d.xWant = false
	d.pair = nil
	e := d.entry
	if pt := pairedFor(e); pt != nil {
		return d.explainPaired(pt, e, now)
	}
	eng := engineFor(e)
	d.xEng = eng
	key := xKey{id: e.ID, eng: eng}
	if c, ok := d.cache[key]; ok && e.ID != 0 {
		d.x, d.dirty = c.x, true
		return nil
	}
	seq := d.xSeq
	return func() tea.Msg {
		x := explain.Explain(e.Decision, e.Check, eng)
		return explainedMsg{seq: seq, key: key, x: &x}
	}
}

// explainPaired explains a paired decision from its snapshot, as of now,
// and for a remote denial tries the snapshot's flips on the PDP in one bulk
// request. A stored decision's explanation is kept like any other, so that
// moving through the history does not ask the PDP again for each row.
func (d *decisionPane) explainPaired(pt *paired.Target, e state.Entry, now time.Time) tea.Cmd {
	seq := d.xSeq
	snap := pt.Snapshot()
	d.xEng = snap.Engine
	key := xKey{id: e.ID, eng: snap.Engine}
	if c, ok := d.cache[key]; ok && e.ID != 0 && c.pair != nil {
		d.x, d.pair, d.dirty = c.x, c.pair, true
		return nil
	}
	return func() tea.Msg {
		x := explain.Explain(*e.Decision.Shadow, e.Check, snap.Engine)
		p := &pairing{label: snap.Label(now), advice: sentence(snap.Advice(now))}
		if e.Decision.Outcome == pdp.Deny && len(x.Flips) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), flipVerifyTimeout)
			p.flips = paired.VerifyFlips(ctx, pt.Remote(), e.Check, x.Flips)
			cancel()
		}
		return explainedMsg{seq: seq, key: key, x: &x, pair: p}
	}
}

func (d *decisionPane) explained(msg explainedMsg) {
	d.remember(msg.key, msg.x, msg.pair)
	if msg.seq != d.xSeq {
		return // the pane has moved on to another decision
	}
	d.x, d.pair, d.dirty = msg.x, msg.pair, true
	// A fresh decision gets its row ID after it was shown: keep it under that.
	d.remember(xKey{id: d.entry.ID, eng: d.xEng}, msg.x, msg.pair)
}

// takeStep takes one of the shown explanation's next steps: a flip, or a
// card's or warning's action. what describes it for the footer.
type takeStep struct {
	a    explain.Action
	what string
}

// step reads a key that takes one of the explanation's next steps, for the
// pane that has the focus: a flip by number (alt+1…alt+5 anywhere, 1…5
// outside text fields) or an action by letter (alt+a…alt+d anywhere; a
// outside text fields; b…d in the decision pane, where no other key uses
// them: the history uses c and d). ok is false for any other key.
func (d *decisionPane) step(msg tea.KeyPressMsg, f focus) (a action, ok bool) {
	s := msg.String()
	outside := f == focusHistory || f == focusDecision
	last := byte('a' + maxActions - 1)
	switch {
	case len(s) == 5 && s[:4] == "alt+" && s[4] >= '1' && s[4] <= '5':
		return d.flip(int(s[4] - '1')), true
	case outside && len(s) == 1 && s[0] >= '1' && s[0] <= '5':
		return d.flip(int(s[0] - '1')), true
	case len(s) == 5 && s[:4] == "alt+" && s[4] >= 'a' && s[4] <= last:
		return d.act(int(s[4] - 'a')), true
	case outside && s == "a":
		return d.act(0), true
	case f == focusDecision && len(s) == 1 && s[0] >= 'b' && s[0] <= last:
		return d.act(int(s[0] - 'a')), true
	}
	return nil, false
}

// notReady says why the shown decision's steps cannot be taken yet, or "".
func (d *decisionPane) notReady() string {
	switch {
	case d.pending != nil:
		return "a check is in flight: wait for it, or esc to cancel it"
	case !d.has:
		return "no decision yet: send a check first"
	case d.x == nil:
		return "still explaining this decision"
	}
	return ""
}

// flip is flip i of the shown decision.
func (d *decisionPane) flip(i int) action {
	if why := d.notReady(); why != "" {
		return say{status: why, bad: true}
	}
	flips := d.x.Flips
	switch {
	case len(flips) == 0:
		return say{status: "no flips: this decision is not a denial the embedded engine can re-decide"}
	case i >= len(flips):
		return say{status: "no flip " + itoa(i+1) + ": there are " + itoa(len(flips))}
	}
	f := flips[i]
	return takeStep{f.Action, "flip " + itoa(i+1) + ": " + f.Summary}
}

// act is keyed action i: a card's next step or a warning's fix.
func (d *decisionPane) act(i int) action {
	if why := d.notReady(); why != "" {
		return say{status: why, bad: true}
	}
	acts := keyedActions(d.x)
	if i >= len(acts) {
		return say{status: "no action " + string(rune('a'+i)) + " for this decision"}
	}
	return takeStep{acts[i].action, acts[i].action.Label}
}

// takeAction does what an action asks. Actions that edit the check are
// applied to the shown decision's check (the one they were found for, not
// what the form holds now), loaded into the form, and sent again. The
// others are routed to the part of the explorer that can do them.
func (m *Model) takeAction(a explain.Action, what string) tea.Cmd {
	if a.EditsCheck() {
		c, ok := a.Apply(m.dec.entry.Check)
		if !ok {
			m.setStatus("cannot apply "+oneLine(what)+" to this check", true)
			return nil
		}
		m.form.load(c)
		since := m.seq
		cmd := m.sendCheck(c, nil)
		if m.status == "" {
			m.setFlightStatus(since, "applied "+oneLine(what)+" · re-running", "applied "+oneLine(what))
		}
		return cmd
	}
	switch a.Kind {
	case explain.AssignRole:
		user := m.dec.entry.Check.User.Key
		// A paired decision is explained with the snapshot's engine, but
		// the role goes to Permit's environment, not to the snapshot.
		embedded := m.dec.xEng != nil && m.dec.pair == nil
		return m.do(roleNote(m.keys, a, user, embedded, m.cur.info.URL))
	case explain.SwitchTarget:
		return m.do(switchFor(a, m.cur.info))
	case explain.SetToken:
		if m.cur.info.Kind == pdp.KindEmbedded {
			m.setStatus("the embedded engine needs no API key: switch to the PDP first (ctrl+t)", false)
			return nil
		}
		return m.do(showSwitcher{info: m.cur.info, note: "type the environment's API key (it is never shown or saved)"})
	case explain.RaiseTimeout:
		return m.do(raiseTimeout(m.cur, m.opts.Switch, m.dec.entry.Check))
	case explain.RetryLater:
		wait := "wait a moment"
		if secs, ok := a.Value.(float64); ok && secs > 0 {
			wait = "the PDP asks to wait " + strconv.FormatFloat(secs, 'f', -1, 64) + "s"
		}
		m.setStatus(wait+", then re-run: r on the history row, or enter in the form", false)
	default:
		m.setStatus("pdpx cannot do "+oneLine(what)+" here", true)
	}
	return nil
}

// switchFor opens the switcher for a switch-target action: on "Local PDP"
// when the action asks for a local target (the cloud PDP does no ABAC),
// else on the current target with its URL field focused, so a wrong URL
// can be fixed or another target picked.
func switchFor(a explain.Action, cur pdp.TargetInfo) showSwitcher {
	if a.Value == "local" {
		info := pdp.TargetInfo{Kind: pdp.KindPDP, URL: pdp.LocalPDPURL}
		if cur.Kind == pdp.KindPDP {
			info.URL = cur.URL
		}
		return showSwitcher{info: info, note: "the cloud PDP does not evaluate ABAC: a local PDP does, and so does the embedded engine (1 or 2)", at: atList}
	}
	return showSwitcher{info: cur, note: oneLine(cur.Name) + " gave no decision: fix its URL, or choose another target", at: atURL}
}

// timeouter is a remote target that says its timeout (the HTTP client).
type timeouter interface{ Timeout() time.Duration }

// raiseTimeout rebuilds the current remote target with twice its timeout,
// through the switch function, and re-runs check on it. Without a switch
// function (or a target that says its timeout) it says how.
func raiseTimeout(cur current, build SwitchFunc, c pdp.Check) action {
	if cur.info.Kind == pdp.KindEmbedded {
		return say{status: "the embedded engine has no timeout: this error came from another target (ctrl+t switches)"}
	}
	tt, ok := pdp.Behind[timeouter](cur.target)
	if !ok || build == nil || tt.Timeout() <= 0 {
		return say{status: "start pdpx with a longer --timeout (e.g. --timeout 15s)"}
	}
	next := 2 * tt.Timeout()
	spec := pdp.TargetSpec{Kind: cur.info.Kind, URL: cur.info.URL, Timeout: next, KeepToken: true}
	return say{status: "timeout " + tt.Timeout().String() + " → " + next.String() + ": reconnecting", cmd: func() tea.Msg {
		t, err := build(spec)
		return switchedMsg{target: t, err: err, rerun: &c, status: "timeout raised to " + next.String()}
	}}
}

// roleNote explains a role flip, which pdpx cannot apply: it is a change to
// the policy (or to Permit's environment), not to the check. embedded says
// the decision was explained with the embedded engine, whose policy file
// (url; "" for the demo policy) is where the role goes.
func roleNote(k keyMap, a explain.Action, user string, embedded bool, url string) action {
	ra, ok := a.Value.(explain.RoleAssignment)
	if !ok {
		return say{status: "cannot read the role of " + oneLine(a.Label), bad: true}
	}
	role, tenant := oneLine(ra.Role), oneLine(ra.Tenant)
	n := &noteDialog{keys: k, title: "A change to the policy, not to the check"}
	n.text = []string{fmt.Sprintf("%s would need %s in %s. pdpx cannot apply that to the check: the role has to be assigned.", oneLine(user), role, tenant), ""}
	if embedded {
		where := "the policy file " + oneLine(url)
		if url == "" {
			where = "your copy of the demo policy (pdpx policy demo > policy.yaml)"
		}
		n.text = append(n.text, fmt.Sprintf("Add {role: %s, tenant: %s} to %s in %s:", role, tenant, oneLine(user), where))
		n.copy = fmt.Sprintf("users:\n  %s:\n    roles:\n      - {role: %s, tenant: %s}\n", yamlKey(user), role, tenant)
		n.after = "then open it with ctrl+t (Embedded · policy file) and re-run."
	} else {
		n.text = append(n.text, fmt.Sprintf("Assign %s in %s to %s in Permit: the dashboard's Directory, or the API:", role, tenant, oneLine(user)))
		n.copy = fmt.Sprintf("await permit.api.users.assignRole({ user: %q, role: %q, tenant: %q });\n", oneLine(user), role, tenant)
		n.after = "a local PDP picks the change up within seconds; then re-run."
	}
	return showDialog{d: n}
}

// yamlKey quotes a map key for YAML when it needs it (an email is fine bare).
func yamlKey(s string) string {
	s = oneLine(s)
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '@' || r == '.' || r == '_' || r == '-') {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}

// sentence makes a clause a sentence: a capital first, a full stop last.
func sentence(clause string) string {
	if clause == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(clause)
	return string(unicode.ToUpper(r)) + clause[n:] + "."
}
