package ui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/paired"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/state"
	"github.com/pdpx/pdpx/ui/targets"
)

// current is the target checks go to and what the explorer knows of it.
// A switch replaces it; gen counts the targets, so that an answer about an
// older one (its health, suggestions from its policy, a watched check's
// decision) is dropped.
type current struct {
	target pdp.Target
	info   pdp.TargetInfo
	// pol is the policy behind an embedded target; nil for a remote PDP.
	pol *policy.Policy
	gen int
	// profile is the config profile the target was built from ("").
	profile   string
	health    healthState
	healthErr string
	// healthWord says what a failed health check means ("unreachable").
	healthWord string
	// pulledName and pulledAt are the target's pulled file (its snapshot,
	// or the policy file behind the engine) and when it was pulled, as its
	// header says; zero when it has none.
	pulledName string
	pulledAt   time.Time
	// standIn says why this target answers in place of the one asked
	// for (a PDP started without its API key); "" when it is the one.
	standIn string
}

// staleNote marks the target's pulled file when it is older than
// staleAfter: "prod.json pulled 3 d ago: stale, pdpx pull refreshes it";
// "" when it is fresh or there is none.
func (c *current) staleNote(now time.Time, staleAfter time.Duration) string {
	if c.pulledAt.IsZero() || now.Sub(c.pulledAt) <= staleAfter {
		return ""
	}
	return c.pulledName + " pulled " + paired.Age(now.Sub(c.pulledAt)) + " ago: stale, pdpx pull refreshes it"
}

type healthState int

const (
	healthUnknown healthState = iota
	healthOK
	healthDown
)

const (
	healthEvery   = 30 * time.Second
	healthTimeout = 5 * time.Second
)

type (
	// switchedMsg answers the switcher, or a raised timeout.
	switchedMsg struct {
		target pdp.Target
		err    error
		// rerun is the check to send on the new target, and status what
		// to say then: a target rebuilt with a longer timeout.
		rerun  *pdp.Check
		status string
		// side is the check to send to the current target and this one
		// side by side (ctrl+l); the current target stays.
		side *pdp.Check
		// typedKey says an API key was typed in the switcher: a side by
		// side on the same PDP with another key compares environments.
		typedKey bool
		// profile is the config profile the target was built from.
		profile *Profile
	}
	healthMsg struct {
		gen int
		err error
	}
	healthTickMsg struct{ gen int }
)

// set makes t the target, with its policy if it has one in process.
func (c *current) set(t pdp.Target) {
	c.target = t
	c.gen++
	c.info = pdp.TargetInfo{Name: "no target"}
	if t != nil {
		c.info = t.Describe()
	}
	c.pol = engine.PolicyOf(t)
	c.health, c.healthErr = healthUnknown, ""
	c.pulledName, c.pulledAt = "", time.Time{}
	if pt, ok := pdp.Behind[*paired.Target](t); ok {
		snap := pt.Snapshot()
		c.pulledName, c.pulledAt = snap.Name, snap.PulledAt
	} else if c.pol != nil && c.pol.Source != nil {
		_, c.pulledAt = targets.SourceLabel(c.pol.Source)
		c.pulledName = oneLine(filepath.Base(c.info.URL))
	}
	c.standIn = ""
}

// types are the resource types of the target's policy; nil for a target
// without one to read, which may know any type.
func (c *current) types() []string {
	if c.pol == nil {
		return nil
	}
	return sortedKeys(c.pol.Resources)
}

// healthy records a health answer about target generation gen.
func (c *current) healthy(msg healthMsg) {
	if msg.gen != c.gen {
		return
	}
	c.health, c.healthErr = healthOK, ""
	if msg.err != nil {
		c.health, c.healthErr, c.healthWord = healthDown, msg.err.Error(), healthWord(msg.err)
	}
}

// healthWord says in the header what a failed health check means: only a
// PDP that did not answer is unreachable; one that answered refuses the key
// or fails.
func healthWord(err error) string {
	switch pdp.ErrorKindOf(err) {
	case pdp.ErrorAuth:
		return "key refused"
	case pdp.ErrorServer:
		return "failing"
	case pdp.ErrorBadRequest, pdp.ErrorRateLimited, pdp.ErrorNotSupported, pdp.ErrorBadResponse, pdp.ErrorNoABAC:
		return "answers with errors"
	}
	return "unreachable"
}

// engineFor is the engine to explain e with: the target's engine when e
// was decided by the same embedded target (the same policy file, or the
// demo policy), else nil, and e is explained from its debug object as a
// remote decision is. A stored decision lacks its trace; Explain then
// decides it again and warns when today's policy answers otherwise.
func (c *current) engineFor(e state.Entry) *engine.Engine {
	eng := engine.Of(c.target)
	if eng == nil {
		return nil
	}
	switch {
	case e.TargetKind == pdp.KindEmbedded && e.TargetURL == c.info.URL:
		return eng
	case e.TargetKind == "" && e.Decision.Target == c.info.Name:
		return eng // a row from before targets were recorded
	}
	return nil
}

// pairedFor is the paired target to explain e with: the current target,
// when it pairs a PDP with a snapshot and e is a paired decision of that
// PDP; else nil.
func (c *current) pairedFor(e state.Entry) *paired.Target {
	pt, ok := pdp.Behind[*paired.Target](c.target)
	if !ok || e.Decision.Shadow == nil || e.Decision.Agreement == nil {
		return nil
	}
	if e.TargetKind != c.info.Kind || e.TargetURL != c.info.URL {
		return nil
	}
	return pt
}

// setTarget makes t the current target: the form checks types against its
// policy.
func (m *Model) setTarget(t pdp.Target) {
	m.cur.set(t)
	m.form.setTypes(m.cur.types())
}

// probe asks the target's health now, and again every healthEvery.
func (m *Model) probe() tea.Cmd {
	var ask, tick tea.Cmd
	t, gen := m.cur.target, m.cur.gen
	if t != nil {
		ask = func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
			defer cancel()
			return healthMsg{gen: gen, err: t.Health(ctx)}
		}
	}
	if m.clock.ticks {
		tick = tea.Tick(healthEvery, func(time.Time) tea.Msg { return healthTickMsg{gen: gen} })
	}
	return tea.Batch(ask, tick)
}

// onSwitched makes the target the switcher (or a raised timeout) built the
// current one; for a side-by-side it sends the check to both instead.
func (m *Model) onSwitched(msg switchedMsg) tea.Cmd {
	m.sw.busy = false
	if msg.err != nil {
		if msg.rerun != nil {
			// Not from the switcher (a raised timeout): say it in the footer.
			m.setStatus("could not reconnect: "+inApp(msg.err.Error()), true)
			return nil
		}
		m.sw.err = inApp(msg.err.Error())
		if errors.Is(msg.err, targets.ErrNoToken) {
			return m.sw.focusToken()
		}
		return nil
	}
	if msg.side != nil {
		second := msg.target.Describe()
		if sameTarget(second, m.cur.info) && !msg.typedKey {
			m.sw.err = oneLine(second.Name) + " is the target in use: pick another one to compare it with" + sameHint(second.Kind)
			return nil
		}
		m.sw.close()
		m.dialog = nil
		return m.sideBySideCmd(msg.target, *msg.side, sameTarget(second, m.cur.info))
	}
	m.cancelFlight()
	m.setTarget(msg.target)
	m.watch.forgetFile()
	m.sw.close()
	m.dialog = nil
	m.setStatus("now checking against "+oneLine(m.cur.info.Name), false)
	switch {
	case msg.profile != nil:
		m.cur.profile = msg.profile.Name
		m.form.setDefaultTenant(msg.profile.DefaultTenant)
		m.setStatus("profile "+oneLine(m.cur.profile)+": now checking against "+oneLine(m.cur.info.Name), false)
	case msg.rerun == nil:
		// A target picked by kind is no profile's: its default tenant is
		// Permit's. (A rebuilt target, msg.rerun, stays what it was.)
		m.cur.profile = ""
		m.form.setDefaultTenant("")
	}
	m.closeBoard()
	// Watched checks re-run on the new target: a flip across targets is
	// what a person switching targets wants to see.
	cmds := []tea.Cmd{m.probe(), m.candidatesCmd(), m.watch.rerun(m.env())}
	if msg.rerun != nil {
		since := m.seq
		cmds = append(cmds, m.sendCheck(*msg.rerun, nil))
		m.setFlightStatus(since, msg.status+" · re-running", msg.status)
	}
	return tea.Batch(cmds...)
}

// sameHint says how a remote target can still be compared with itself:
// with another environment's key.
func sameHint(k pdp.Kind) string {
	if k == pdp.KindEmbedded {
		return ""
	}
	return " (or type another environment's API key)"
}

// appWords rewrites what the command line says about giving a key or a URL
// (its flags and variables) into the explorer's own terms: the switcher's
// fields, opened with ctrl+t. The targets' errors and the explanations'
// cards are shared with the command line, which keeps its wording.
var appWords = strings.NewReplacer(
	"pass --token or set "+targets.TokenEnv+" to the environment's API key", "type the environment's API key in the Token field (ctrl+t)",
	// A rejected key's advice follows ": " or "; "; the longer phrase is
	// listed first, since at one position the first match in this list
	// wins.
	": check --token or "+targets.TokenEnv+" is the environment's API key", ": check that the key in the Token field (ctrl+t) is the environment's API key",
	"; check --token or "+targets.TokenEnv+" is the environment's API key", "; check that the key in the Token field (ctrl+t) is the environment's API key",
	"pass the API key with --token or "+targets.TokenEnv, "type the API key in the Token field (ctrl+t), not in the URL",
	"pass the key with --token", "type the key in the Token field (ctrl+t), not in the URL",
	"pass it with --token", "type it in the Token field (ctrl+t)",
	"; check --token", "; check the key in the Token field (ctrl+t)",
	": check --token", ": check the key in the Token field (ctrl+t)",
	"raise --timeout if it is slow", "retry with a longer timeout (the card's action) if it is slow",
	"check the URL given with --pdp", "check the URL field (ctrl+t)",
)

// inApp is s in the explorer's terms (appWords).
func inApp(s string) string { return appWords.Replace(s) }
