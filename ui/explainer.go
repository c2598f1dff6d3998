package ui

import (
	"fmt"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/explain"
)

// explainedMsg carries the explanation of the decision shown as number seq.
type explainedMsg struct {
	seq int
	key xKey
	x   *explain.Explanation
}

// explainCmd explains the shown decision, from the cache when it is there.
// It is called from sync, so every way a decision gets shown (an answer,
// a history row, a re-run) is explained.
func (m *Model) explainCmd() tea.Cmd {
	d := &m.dec
	if !d.xWant || !d.has {
		return nil
	}
	d.xWant = false
	e := d.entry
	eng := m.cur.engineFor(e)
	d.xEng = eng
	key := xKey{id: e.ID, eng: eng}
	if x, ok := d.cache[key]; ok && e.ID != 0 {
		d.x, d.dirty = x, true
		return nil
	}
	seq := d.xSeq
	return func() tea.Msg {
		x := explain.Explain(e.Decision, e.Check, eng)
		return explainedMsg{seq: seq, key: key, x: &x}
	}
}

func (m *Model) onExplained(msg explainedMsg) {
	d := &m.dec
	d.remember(msg.key, msg.x)
	if msg.seq != d.xSeq {
		return // the pane has moved on to another decision
	}
	d.x, d.dirty = msg.x, true
	// A fresh decision gets its row ID after it was shown: keep it under that.
	d.remember(xKey{id: d.entry.ID, eng: d.xEng}, msg.x)
}

// flipKey reads a flip key: alt+1…alt+5 anywhere, 1…5 outside text fields.
// It returns the flip's index.
func (m *Model) flipKey(msg tea.KeyPressMsg) (int, bool) {
	s := msg.String()
	if len(s) == 5 && s[:4] == "alt+" && s[4] >= '1' && s[4] <= '5' {
		return int(s[4] - '1'), true
	}
	if (m.focus == focusHistory || m.focus == focusDecision) && len(s) == 1 && s[0] >= '1' && s[0] <= '5' {
		return int(s[0] - '1'), true
	}
	return 0, false
}

// actionKey reads an action key: alt+a…alt+d anywhere; a outside text
// fields; b…d in the decision pane, where no other key uses them (the
// history uses c and d).
func (m *Model) actionKey(msg tea.KeyPressMsg) (int, bool) {
	s := msg.String()
	last := maxActions - 1
	if len(s) == 5 && s[:4] == "alt+" && s[4] >= 'a' && s[4] <= byte('a'+last) {
		return int(s[4] - 'a'), true
	}
	if len(s) != 1 {
		return 0, false
	}
	switch {
	case s == "a" && (m.focus == focusHistory || m.focus == focusDecision):
		return 0, true
	case m.focus == focusDecision && s[0] >= 'b' && s[0] <= byte('a'+last):
		return int(s[0] - 'a'), true
	}
	return 0, false
}

// explainReady says why the shown decision's keys cannot act yet, or "".
func (m *Model) explainReady() string {
	switch {
	case m.dec.pending != nil:
		return "a check is in flight: wait for it, or esc to cancel it"
	case !m.dec.has:
		return "no decision yet: send a check first"
	case m.dec.x == nil:
		return "still explaining this decision"
	}
	return ""
}

// applyFlip applies flip i of the shown decision.
func (m *Model) applyFlip(i int) tea.Cmd {
	if why := m.explainReady(); why != "" {
		m.setStatus(why, true)
		return nil
	}
	flips := m.dec.x.Flips
	if i >= len(flips) {
		if len(flips) == 0 {
			m.setStatus("no flips: this decision is not a denial the embedded engine can re-decide", false)
		} else {
			m.setStatus("no flip "+itoa(i+1)+": there are "+itoa(len(flips)), false)
		}
		return nil
	}
	f := flips[i]
	return m.takeAction(f.Action, "flip "+itoa(i+1)+": "+f.Summary)
}

// applyAction takes keyed action i (a card's next step or a warning's fix).
func (m *Model) applyAction(i int) tea.Cmd {
	if why := m.explainReady(); why != "" {
		m.setStatus(why, true)
		return nil
	}
	acts := keyedActions(m.dec.x)
	if i >= len(acts) {
		m.setStatus("no action "+string(rune('a'+i))+" for this decision", false)
		return nil
	}
	return m.takeAction(acts[i].action, acts[i].action.Label)
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
		cmd := m.sendCheck(c, nil)
		if m.status == "" {
			m.setStatus("applied "+oneLine(what)+" · re-running", false)
		}
		return cmd
	}
	switch a.Kind {
	case explain.AssignRole:
		return m.openRoleNote(a)
	case explain.SwitchTarget:
		return m.openSwitcherFor(a)
	case explain.SetToken:
		if m.cur.info.Kind == pdp.KindEmbedded {
			m.setStatus("the embedded engine needs no API key: switch to the PDP first (ctrl+t)", false)
			return nil
		}
		m.sw.open(m.cur.info, m.cur.profile, "type the environment's API key (it is never shown or saved)")
		return tea.Batch(m.openDialog(m.sw), m.sw.focusCmd())
	case explain.RaiseTimeout:
		return m.raiseTimeout()
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

// openSwitcherFor opens the ctrl+t switcher for a switch-target action:
// on "Local PDP" when the action asks for a local target (the cloud PDP
// does no ABAC), else on the current target with its URL field focused,
// so a wrong URL can be fixed or another target picked.
func (m *Model) openSwitcherFor(a explain.Action) tea.Cmd {
	if a.Value == "local" {
		info := pdp.TargetInfo{Kind: pdp.KindPDP, URL: pdp.LocalPDPURL}
		if m.cur.info.Kind == pdp.KindPDP {
			info.URL = m.cur.info.URL
		}
		m.sw.open(info, m.cur.profile, "the cloud PDP does not evaluate ABAC: a local PDP does, and so does the embedded engine (1 or 2)")
		m.sw.at = 0
		m.sw.focusInputs()
		return m.openDialog(m.sw)
	}
	m.sw.open(m.cur.info, m.cur.profile, oneLine(m.cur.info.Name)+" gave no decision: fix its URL, or choose another target")
	if len(m.sw.visible()) > 0 && choices[m.sw.sel].url {
		m.sw.at = 1
	} else {
		m.sw.at = 0
	}
	m.sw.focusInputs()
	return tea.Batch(m.openDialog(m.sw), m.sw.focusCmd())
}

// timeouter is a remote target that says its timeout (permit.Client).
type timeouter interface{ Timeout() time.Duration }

// raiseTimeout rebuilds the current remote target with twice its timeout,
// through the switch function, and re-runs the shown check on it. Without
// a switch function (or a target that says its timeout) it says how.
func (m *Model) raiseTimeout() tea.Cmd {
	if m.cur.info.Kind == pdp.KindEmbedded {
		m.setStatus("the embedded engine has no timeout: this error came from another target (ctrl+t switches)", false)
		return nil
	}
	tt, ok := m.cur.target.(timeouter)
	if !ok || m.opts.Switch == nil || tt.Timeout() <= 0 {
		m.setStatus("start pdpx with a longer --timeout (e.g. --timeout 15s)", false)
		return nil
	}
	next := 2 * tt.Timeout()
	spec := pdp.TargetSpec{Kind: m.cur.info.Kind, URL: m.cur.info.URL, Timeout: next, KeepToken: true}
	c := m.dec.entry.Check
	sw := m.opts.Switch
	m.setStatus("timeout "+tt.Timeout().String()+" → "+next.String()+": reconnecting", false)
	return func() tea.Msg {
		t, err := sw(spec)
		return switchedMsg{target: t, err: err, rerun: &c, status: "timeout raised to " + next.String() + " · re-running"}
	}
}

// openRoleNote explains a role flip, which pdpx cannot apply: it is a change
// to the policy (or to Permit's environment), not to the check.
func (m *Model) openRoleNote(a explain.Action) tea.Cmd {
	ra, ok := a.Value.(explain.RoleAssignment)
	if !ok {
		m.setStatus("cannot read the role of "+oneLine(a.Label), true)
		return nil
	}
	user := m.dec.entry.Check.User.Key
	role, tenant := oneLine(ra.Role), oneLine(ra.Tenant)
	n := &noteDialog{keys: m.keys, title: "A change to the policy, not to the check"}
	n.text = []string{fmt.Sprintf("%s would need %s in %s. pdpx cannot apply that to the check: the role has to be assigned.", oneLine(user), role, tenant), ""}
	if m.dec.xEng != nil {
		where := "the policy file " + oneLine(m.cur.info.URL)
		if m.cur.info.URL == "" {
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
	return m.openDialog(n)
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
