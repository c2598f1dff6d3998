package ui

import (
	"errors"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// Update routes a message. Keys go to the dialog on top, else to the focused
// pane; answers from Cmds are matched against sequence numbers so that a
// late answer (a cancelled check, an old history page, a previous target's
// health) never overwrites newer state.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	add := func(c tea.Cmd) { cmds = append(cmds, c) }
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
	case tea.BackgroundColorMsg:
		m.setDark(msg.IsDark())
	case tea.KeyPressMsg:
		add(m.key(msg))
	case tea.PasteMsg:
		add(m.paste(msg))
	case tea.MouseClickMsg:
		add(m.click(msg.Mouse()))
	case tea.MouseWheelMsg:
		m.wheel(msg.Mouse())

	case spinner.TickMsg:
		if m.flight != nil || m.board != nil && m.board.busy {
			var c tea.Cmd
			m.spin, c = m.spin.Update(msg)
			add(c)
		}
	case decisionMsg:
		add(m.onDecision(msg))
	case explainedMsg:
		m.onExplained(msg)
	case addedMsg:
		if msg.err != nil {
			m.setStatus("history: "+msg.err.Error(), true)
			break
		}
		if m.dec.has && m.dec.entry.ID == 0 && m.dec.entry.Time.Equal(msg.e.Time) {
			m.dec.entry.ID = msg.e.ID
			if m.dec.x != nil {
				m.dec.remember(xKey{id: msg.e.ID, eng: m.dec.xEng}, m.dec.x)
			}
		}
		m.list.version++
	case pageMsg:
		if m.onPage(msg) && m.dialog != nil {
			add(m.do(m.dialog.update(msg))) // a count the dialog shows
		}
	case changedMsg:
		if msg.err != nil {
			m.setStatus("history: "+msg.err.Error(), true)
		} else {
			m.setStatus(msg.status, false)
		}
		m.list.version++
	case healthMsg:
		m.cur.healthy(msg)
	case healthTickMsg:
		if msg.gen == m.cur.gen {
			add(m.probe())
		}
	case valuesMsg:
		if msg.gen == m.cur.gen {
			m.form.setCandidates(msg.field, msg.values)
		}
	case switchedMsg:
		add(m.onSwitched(msg))
	case editorReadyMsg:
		add(m.do(execEditor(msg)))
	case editorMsg:
		add(m.do(m.form.edited(msg)))
	case matrixBuiltMsg, matrixChunkMsg, boardRowsMsg:
		if m.board != nil {
			add(m.do(m.board.update(msg, m.env())))
		}
	case sideMsg:
		add(m.onSide(msg))
	case watchTickMsg, policyStatMsg, policyReloadedMsg, watchResultMsg:
		add(m.do(m.watch.update(msg, m.env())))
		if m.board != nil {
			add(m.do(m.board.update(msg, m.env()))) // the watch list shows the new answers
		}
	case profilesMsg:
		m.sw.setProfiles(msg.p)
	case pinsMsg:
		add(m.onPins(msg))
	case notedMsg:
		add(m.onNoted(msg))
	default:
		// An input's cursor blink, or the answer to a Cmd the open dialog
		// started.
		if m.dialog != nil {
			add(m.do(m.dialog.update(msg)))
		}
	}
	add(m.sync())
	return m, tea.Batch(cmds...)
}

// sync brings derived state up to date after any message: the history
// window, the selection shown in the decision pane, the decision content.
func (m *Model) sync() tea.Cmd {
	cmd := m.pageCmd()
	if m.list.follow {
		if e, ok := m.list.selected(); ok {
			m.dec.show(e)
			m.list.follow = false
		}
	}
	xcmd := m.explainCmd()
	m.dec.refresh(m.styles)
	return tea.Batch(cmd, xcmd)
}

func (m *Model) resize() {
	m.lay = computeLayout(m.width, m.height)
	if m.lay.tooSmall {
		return
	}
	fw, _ := innerSize(m.lay.form, m.lay.wide)
	m.form.setWidth(fw)
	hw, hh := innerSize(m.lay.history, m.lay.wide)
	m.list.setSize(hw, hh)
	dw, dh := innerSize(m.lay.decision, m.lay.wide)
	m.dec.setSize(dw, dh)
	if m.dialog != nil {
		m.dialog.update(tea.WindowSizeMsg{Width: m.width, Height: m.height})
	}
}

// send validates the form and sends its check, or shows why it cannot.
func (m *Model) send() tea.Cmd {
	c, ok := m.form.check()
	if !ok {
		bad := m.form.firstError()
		m.setStatus("not sent: fix "+fieldNames[bad]+" (marked ✗)", true)
		return m.focusField(bad)
	}
	return m.sendCheck(c, nil)
}

// sendCheck sends c, after the cloud-ABAC warning when it applies; compare
// is the history entry to compare the answer with, if any.
func (m *Model) sendCheck(c pdp.Check, compare *state.Entry) tea.Cmd {
	if m.cur.target == nil {
		m.setStatus("no target: ctrl+t picks one", true)
		return nil
	}
	if !m.cur.info.ABAC && hasJIT(c) && !m.abacOK {
		return m.openDialog(&confirmDialog{keys: m.keys, target: m.cur.info.Name, check: c, compare: compare})
	}
	return m.start(c, compare)
}

// start sends c in a Cmd with its own context; esc cancels it, and a new
// check replaces it.
func (m *Model) start(c pdp.Check, compare *state.Entry) tea.Cmd {
	m.cancelFlight()
	m.seq++
	ctx, cancel := contextWithCancel(m.ctx)
	m.flight = &flight{seq: m.seq, cancel: cancel, check: c, compare: compare}
	m.dec.pending = &m.flight.check
	return tea.Batch(checkCmd(ctx, m.cur.target, m.cur.info.Name, m.seq, c), m.spinTick())
}

func (m *Model) onDecision(msg decisionMsg) tea.Cmd {
	if m.flight == nil || msg.seq != m.flight.seq {
		return nil // cancelled or replaced: the user has moved on
	}
	pc := m.flight.compare
	m.flight.cancel()
	m.flight = nil
	m.dec.pending = nil
	e := state.Entry{Time: m.now(), Check: msg.check, Decision: msg.d, TargetKind: m.cur.info.Kind, TargetURL: m.cur.info.URL}
	m.dec.show(e)
	if pc != nil {
		m.cmp = &compareView{keys: m.keys, a: *pc, b: e, bLabel: "re-run now"}
		m.setStatus("", false)
	}
	m.dec.dirty = true
	m.list.cursor, m.list.top = 0, 0
	var cmd tea.Cmd
	if pdp.ErrorKindOf(msg.d.Err) == pdp.ErrorAuth && m.cur.info.Kind != pdp.KindEmbedded {
		m.sw.open(m.cur.info, m.cur.profile, "the PDP refused the API key: type the right one (it is never shown or saved)")
		cmd = tea.Batch(m.openDialog(m.sw), m.sw.focusCmd())
	}
	if errors.Is(msg.d.Err, errCancelled) {
		return cmd
	}
	return tea.Batch(cmd, addCmd(m.hist, e))
}

// onPage takes a page of the history; it reports whether the page is the
// one the pane waits for.
func (m *Model) onPage(msg pageMsg) bool {
	h := &m.list
	if msg.seq != h.seq {
		return false
	}
	if msg.err != nil {
		h.err = msg.err.Error()
		return false
	}
	h.err = ""
	if h.earlierID < 0 && msg.top {
		// The first page from the top: what is there now came before this run.
		h.earlierID = 0
		if len(msg.entries) > 0 {
			h.earlierID = msg.entries[0].ID
		}
	}
	h.win, h.winOff = msg.entries, msg.offset
	h.counts, h.all = msg.counts, msg.all
	h.loadedVersion, h.loaded = msg.version, true
	h.clamp()
	return true
}
