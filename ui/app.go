// Package ui is pdpx's explorer: a Bubble Tea v2 app to build checks, send
// them to any target and read the decisions.
//
// One root Model routes messages, owns the layout and the check in flight,
// and keeps the current target. Below it the panes (the check form, the
// history, the decision), the dialogs (dialog.go) and the features (the
// many-checks board, compare, the watched checks: features.go) each keep
// their own state, take their own keys, and answer with an action for the
// root to carry out (actions.go). None of them does I/O in Update or View:
// every check, history page and health probe runs in a tea.Cmd whose answer
// carries a sequence number or target generation, so a hung PDP never
// freezes a keystroke and a late answer never overwrites newer state.
// README.md in this directory says how the parts fit.
package ui

import (
	"context"
	"errors"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// SwitchFunc builds a target from a spec. It runs in a tea.Cmd, so it may
// load files or dial.
type SwitchFunc func(pdp.TargetSpec) (pdp.Target, error)

// Options configure the explorer.
type Options struct {
	// Target is the target checks go to at start. Required.
	Target pdp.Target
	// Switch builds targets for the ctrl+t switcher; nil disables switching.
	Switch SwitchFunc
	// History stores decisions; nil keeps them in memory for this run.
	History state.History
	// HistoryNote is shown in the header when the history is not what the
	// user would expect, such as "history in memory: … is read-only".
	HistoryNote string
	// Version is shown in the help overlay.
	Version string
	// AskToken opens the switcher on the token field at start, for a
	// remote target given without an API key.
	AskToken bool
	// AskTokenFor is the remote target the token is for (Kind and URL);
	// when empty, the switcher opens on Target's kind.
	AskTokenFor pdp.TargetSpec
	// Profiles reads the config file's profiles for the switcher (each
	// time it opens); nil leaves them out. Switch builds the one chosen.
	Profiles ProfilesFunc
	// Profile is the profile Target was built from ("" for none), and
	// DefaultTenant its default_tenant: the tenant an empty Tenant field
	// sends ("" for Permit's "default").
	Profile, DefaultTenant string
	// StaleAfter is the age past which a pulled policy file or snapshot is
	// marked stale, in the header and the switcher; 0 means
	// state.DefaultStaleAfter.
	StaleAfter time.Duration
}

// staleAfter is Options.StaleAfter, or its default.
func (m Model) staleAfter() time.Duration {
	if m.opts.StaleAfter > 0 {
		return m.opts.StaleAfter
	}
	return state.DefaultStaleAfter
}

type focus int

const (
	focusForm focus = iota
	focusHistory
	focusFilter
	focusDecision
)

// Model is the explorer's root model. It routes messages, owns the layout
// and the checks in flight, and keeps the current target; the panes,
// dialogs and features below it keep their own state and take their own
// keys (see README.md in this directory).
type Model struct {
	opts Options
	ctx  context.Context
	cur  current // the target checks go to

	keys   keyMap
	styles Styles
	lay    layout // the screen's size and where the panes are

	// The panes; focus says which one has the keyboard.
	focus focus
	// zoom gives the decision the whole body (ctrl+z, again to come back),
	// for a shared screen at 80×24 where the stacked decision pane has a
	// few rows; zoomFrom is the focus to return to.
	zoom     bool
	zoomFrom focus
	form     formModel
	list     historyPane
	dec      decisionPane

	// dialog is the open dialog, nil for none. It has the keyboard. sw
	// and export are dialogs kept between opens: what was typed in them
	// is offered again.
	dialog dialog
	sw     *switcher
	export *exportDialog

	// Features. board and cmp are views over the panes, nil when closed;
	// watch keeps the watched checks (shared by every copy of the model,
	// changed only in Update).
	board *board
	cmp   *compareView
	watch *watcher

	// flight is the check in flight, nil for none; seq numbers the Cmds
	// whose answers are matched by number (checks, boards).
	flight *flight
	seq    int
	abacOK bool // "don't ask again" about JIT attributes, for this run
	spin   spinner.Model

	status string
	// statusOf is what goes with status: whether it is bad news, and the
	// check in flight whose answer ends it.
	statusOf statusState

	clock clock
}

// clock is the model's time: now, and whether timers tick (tests turn them
// off, and fix now, for determinism).
type clock struct {
	now   func() time.Time
	ticks bool
}

// statusState goes with the status line's text: bad says it is bad news;
// seq is the check in flight whose answer ends it (0 for none), and done
// what it says then: "… · re-running" must not stay on screen once the
// re-run's answer is drawn.
type statusState struct {
	bad  bool
	seq  int
	done string
}

// New builds the root model. It does no I/O; Init starts the health probe.
func New(opts Options) Model {
	if opts.History == nil {
		opts.History = state.NewMemory()
	}
	st, k := NewStyles(true), defaultKeyMap()
	m := Model{
		opts:   opts,
		ctx:    context.Background(),
		keys:   k,
		styles: st,
		form:   newForm(st.Input),
		list:   newHistoryPane(st.Input),
		dec:    newDecisionPane(),
		sw:     newSwitcher(k, st.Input, opts.Switch),
		export: newExportDialog(k, st.Input),
		spin:   spinner.New(spinner.WithSpinner(spinner.Dot)),
		clock:  clock{now: time.Now, ticks: true},
		watch:  newWatcher(),
	}
	m.list.watched = m.watch.mark
	m.setTarget(opts.Target)
	m.cur.profile = opts.Profile
	m.form.setDefaultTenant(opts.DefaultTenant)
	m.candidatesCmd() // policy suggestions are set at once; history ones come from Init
	if opts.AskToken {
		info := m.cur.info
		if want := opts.AskTokenFor; want.Kind != "" {
			info = pdp.TargetInfo{Kind: want.Kind, URL: want.URL}
		}
		m.sw.open(info, m.cur.profile, "this PDP needs an API key: type it below (it is never shown or saved)")
		m.dialog = m.sw
		asked := "the cloud PDP"
		if info.Kind != pdp.KindCloud && info.URL != "" {
			asked = info.URL
		}
		// Until a key is given, the demo policy answers: the header says
		// so for as long as it does, and esc on the switcher says it too.
		m.cur.standIn = "in place of " + asked + ", which needs an API key (ctrl+t)"
		m.sw.cancelNote = "no API key for " + asked + ": the demo policy answers instead until you give one (ctrl+t)"
	}
	return m
}

// Init asks the terminal for its background and starts the health probe;
// when the switcher opens at start (a missing API key), it reads the
// config's profiles for it too.
func (m Model) Init() tea.Cmd {
	var profiles tea.Cmd
	if m.dialog == dialog(m.sw) {
		profiles = readProfiles(m.opts.Profiles)
	}
	return tea.Batch(tea.RequestBackgroundColor, m.probe(), m.candidatesCmd(), profiles)
}

// Run runs the explorer until the user quits or ctx is done.
func Run(ctx context.Context, opts Options) error {
	if opts.Target == nil {
		return errors.New("ui: no target")
	}
	m := New(opts)
	m.ctx = ctx
	final, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	if fm, ok := final.(Model); ok {
		fm.cancelFlight()
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (m *Model) setStatus(s string, bad bool) {
	m.status, m.statusOf = s, statusState{bad: bad}
}

// setFlightStatus says running while a check sent after number since is
// in the air, and done once its answer lands. When no check was sent (the
// JIT-attribute warning opened instead) it says done.
func (m *Model) setFlightStatus(since int, running, done string) {
	if m.flight == nil || m.flight.seq <= since {
		m.setStatus(done, false)
		return
	}
	m.setStatus(running, false)
	m.statusOf.seq, m.statusOf.done = m.flight.seq, done
}

func (m *Model) setDark(dark bool) {
	m.styles = NewStyles(dark)
	m.form.setStyles(m.styles.Input)
	m.list.filter.SetStyles(m.styles.Input)
	for _, d := range []dialog{m.sw, m.export, m.dialog} {
		if d != nil {
			d.update(themeMsg{m.styles})
		}
	}
	m.spin.Style = m.styles.Key
	m.dec.dirty = true
}

// View draws the screen and declares the terminal modes for this frame.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "pdpx · " + oneLine(m.cur.info.Name)
	v.Cursor = m.cursor()
	return v
}
