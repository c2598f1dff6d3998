package ui

import (
	"context"
	"errors"

	"charm.land/bubbles/v2/key"
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
		add(m.handleKey(msg))
	case tea.PasteMsg:
		add(m.handlePaste(msg))
	case tea.MouseClickMsg:
		add(m.handleClick(msg.Mouse()))
	case tea.MouseWheelMsg:
		m.handleWheel(msg.Mouse())

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
		if msg.gen == m.gen {
			m.health, m.healthEr = healthOK, ""
			if msg.err != nil {
				m.health, m.healthEr = healthDown, msg.err.Error()
			}
		}
	case healthTickMsg:
		if msg.gen == m.gen {
			add(m.healthCmd())
			add(m.healthTick())
		}
	case valuesMsg:
		if msg.gen == m.gen {
			m.form.setCandidates(msg.field, msg.values)
		}
	case switchedMsg:
		add(m.onSwitched(msg))
	case editorReadyMsg:
		add(m.execEditor(msg))
	case editorMsg:
		m.onEditor(msg)
	case matrixBuiltMsg:
		add(m.onMatrixBuilt(msg))
	case matrixChunkMsg:
		add(m.onMatrixChunk(msg))
	case boardRowsMsg:
		m.onBoardRows(msg)
	case sideMsg:
		add(m.onSide(msg))
	case watchTickMsg:
		add(m.onWatchTick(msg))
	case policyStatMsg:
		add(m.onPolicyStat(msg))
	case policyReloadedMsg:
		add(m.onPolicyReloaded(msg))
	case watchResultMsg:
		add(m.onWatchResult(msg))
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

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Quit) {
		m.cancelFlight()
		return tea.Quit
	}
	m.status = ""
	if m.dialog != nil {
		return m.do(m.dialog.update(msg))
	}
	// The export is global: it reads the pins, whatever is on screen.
	if key.Matches(msg, k.Export) {
		return m.startExport()
	}
	if m.board != nil {
		if b := m.board; b.editing == 0 && key.Matches(msg, k.Copy, k.CopyAlt) {
			return m.copyBoard()
		}
		return m.boardKey(msg)
	}
	if m.cmp != nil {
		if key.Matches(msg, k.Copy, k.CopyAlt) {
			return m.copyCompare()
		}
		return m.compareKey(msg)
	}
	switch {
	case key.Matches(msg, k.Matrix):
		return m.openBoard(boardMatrix)
	case key.Matches(msg, k.Perms):
		return m.openBoard(boardPerms)
	case key.Matches(msg, k.Sweep):
		return m.openBoard(boardSweep)
	case key.Matches(msg, k.Side):
		return m.openSideBySide()
	case key.Matches(msg, k.CopyAlt):
		return m.openCode()
	}
	// The explanation's keys: flips by number, actions by letter. They
	// come before the focused pane's keys, which never use them (see
	// flipKey and actionKey for where the plain forms work).
	if i, ok := m.flipKey(msg); ok {
		return m.applyFlip(i)
	}
	if i, ok := m.actionKey(msg); ok {
		return m.applyAction(i)
	}
	switch {
	case key.Matches(msg, k.Help):
		return m.openHelp()
	case key.Matches(msg, k.Target):
		return m.openSwitcher("")
	case key.Matches(msg, k.Raw):
		m.dec.toggleRaw()
		return nil
	case key.Matches(msg, k.DecUp):
		m.dec.vp.PageUp()
		return nil
	case key.Matches(msg, k.DecDown):
		m.dec.vp.PageDown()
		return nil
	}
	// esc cancels a check in flight from anywhere, before it means anything else.
	if m.flight != nil && key.Matches(msg, k.Cancel) && !(m.focus == focusForm && m.form.popup) {
		m.setStatus("cancelled: "+m.flight.check.String(), false)
		m.cancelFlight()
		return nil
	}
	if m.focus != focusForm && m.focus != focusFilter {
		switch {
		case key.Matches(msg, k.QuitQ):
			m.cancelFlight()
			return tea.Quit
		case key.Matches(msg, k.HelpQ):
			return m.openHelp()
		case key.Matches(msg, k.FocusForm):
			return m.setFocus(focusForm)
		case key.Matches(msg, k.Copy):
			// Dialogs come first, so y in the role note still copies the
			// note; here it is the shown check as code.
			return m.openCode()
		}
	}
	switch m.focus {
	case focusHistory:
		return m.historyKey(msg)
	case focusFilter:
		return m.filterKey(msg)
	case focusDecision:
		return m.decisionKey(msg)
	default:
		return m.formKey(msg)
	}
}

func (m *Model) setFocus(f focus) tea.Cmd {
	if m.focus == focusForm && f != focusForm {
		m.form.blur()
		m.form.popup = false
	}
	if m.focus == focusFilter && f != focusFilter {
		m.list.filtering = false
		m.list.filter.Blur()
		m.resize()
	}
	m.focus = f
	switch f {
	case focusForm:
		return tea.Batch(m.form.refocus(), m.candidatesCmd())
	case focusFilter:
		m.list.filtering = true
		m.resize()
		return m.list.filter.Focus()
	}
	return nil
}

func (m *Model) formKey(msg tea.KeyPressMsg) tea.Cmd {
	k, f := m.keys, &m.form
	switch {
	case key.Matches(msg, k.Send):
		f.popup = false
		return m.send()
	case key.Matches(msg, k.Complete) && f.popup:
		f.accept()
		m.form.validate(m.types)
		return m.candidatesCmd()
	case key.Matches(msg, k.Next):
		return m.focusField(f.focus + 1)
	case key.Matches(msg, k.Prev):
		return m.focusField(f.focus - 1)
	case key.Matches(msg, k.SuggestNext, k.FieldDown) && f.popup:
		f.moveSel(1)
		return nil
	case key.Matches(msg, k.SuggestPrev, k.FieldUp) && f.popup:
		f.moveSel(-1)
		return nil
	case key.Matches(msg, k.SuggestNext):
		f.refreshMatches(true)
		return nil
	case key.Matches(msg, k.FieldDown):
		return m.focusField(f.focus + 1)
	case key.Matches(msg, k.FieldUp):
		return m.focusField(f.focus - 1)
	case key.Matches(msg, k.Leave):
		if f.popup {
			f.popup = false
			return nil
		}
		return m.setFocus(focusHistory)
	case key.Matches(msg, k.Editor):
		return m.openEditor()
	}
	cmd, changed := f.updateInput(msg)
	if changed {
		f.validate(m.types)
		f.refreshMatches(false)
	}
	return cmd
}

func (m *Model) focusField(i field) tea.Cmd {
	c := m.form.focusField(i)
	return tea.Batch(c, m.candidatesCmd())
}

func (m *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	switch {
	case m.dialog != nil:
		return m.do(m.dialog.update(msg))
	case m.focus == focusForm:
		cmd, changed := m.form.updateInput(msg)
		if changed {
			m.form.validate(m.types)
		}
		return cmd
	case m.focus == focusFilter:
		var cmd tea.Cmd
		m.list.filter, cmd = m.list.filter.Update(msg)
		m.list.version++
		return cmd
	}
	return nil
}

func (m *Model) historyKey(msg tea.KeyPressMsg) tea.Cmd {
	k, h := m.keys, &m.list
	switch {
	case key.Matches(msg, k.Up):
		h.move(-1)
	case key.Matches(msg, k.Down):
		h.move(1)
	case key.Matches(msg, k.PageUp):
		h.move(-h.rows)
	case key.Matches(msg, k.PageDown):
		h.move(h.rows)
	case key.Matches(msg, k.Top):
		h.move(-h.counts.Total)
	case key.Matches(msg, k.Bottom):
		h.move(h.counts.Total)
	case key.Matches(msg, k.Filter):
		return m.setFocus(focusFilter)
	case key.Matches(msg, k.FilterClear) && h.filterText() != "":
		h.filter.SetValue("")
		h.refilter()
		m.resize()
	case key.Matches(msg, k.DeniedOnly):
		h.toggleOutcome(pdp.Deny)
	case key.Matches(msg, k.ErrorsOnly):
		h.toggleOutcome(pdp.Error)
	case key.Matches(msg, k.PinsOnly):
		h.pinsOnly = !h.pinsOnly
		h.refilter()
	case key.Matches(msg, k.Pin):
		if e, ok := h.selected(); ok && e.ID != 0 {
			word := "pinned"
			if e.Pinned {
				word = "unpinned"
			}
			return historyCmd(m.hist, word+": "+oneLine(e.Check.String()), func(ctx context.Context, st state.History) error {
				return st.SetPinned(ctx, e.ID, !e.Pinned)
			})
		}
	case key.Matches(msg, k.Delete):
		if e, ok := h.selected(); ok && e.ID != 0 {
			if h.mark.ID == e.ID {
				h.mark = state.Entry{}
			}
			return historyCmd(m.hist, "deleted: "+oneLine(e.Check.String()), func(ctx context.Context, st state.History) error {
				return st.Delete(ctx, e.ID)
			})
		}
	case key.Matches(msg, k.ClearAll):
		if h.all.Total > 0 {
			return m.openDialog(&clearDialog{keys: m.keys, total: h.all.Total})
		}
	case key.Matches(msg, k.Mark):
		e, ok := h.selected()
		switch {
		case !ok:
		case h.mark.ID == 0:
			h.mark = e
			m.setStatus("marked: select another entry and press m to compare", false)
		case h.mark.ID == e.ID:
			h.mark = state.Entry{}
		default:
			m.openCompare(h.mark, e, "")
			h.mark = state.Entry{}
		}
	case key.Matches(msg, k.Compare):
		if e, ok := h.selected(); ok {
			return m.sendCheck(e.Check, &e)
		}
	case key.Matches(msg, k.Note):
		return m.openAnnotate()
	case key.Matches(msg, k.Watch):
		return m.toggleWatch()
	case key.Matches(msg, k.Watched):
		if len(m.watches) == 0 {
			m.setStatus("no watched checks: w on a history entry watches it", false)
			return nil
		}
		return m.openBoard(boardWatch)
	case key.Matches(msg, k.Rerun):
		if e, ok := h.selected(); ok {
			return m.sendCheck(e.Check, nil)
		}
	case key.Matches(msg, k.Edit):
		if e, ok := h.selected(); ok {
			m.form.load(e.Check)
			m.form.validate(m.types)
			m.setStatus("loaded into the form: "+oneLine(e.Check.String()), false)
			cmd := m.setFocus(focusForm)
			return tea.Batch(cmd, m.focusField(fUser))
		}
	case key.Matches(msg, k.Read, k.NextPane):
		return m.setFocus(focusDecision)
	case key.Matches(msg, k.PrevPane):
		return m.setFocus(focusForm)
	}
	return nil
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	k, h := m.keys, &m.list
	switch {
	case key.Matches(msg, k.FilterApply):
		return m.setFocus(focusHistory)
	case key.Matches(msg, k.FilterClear):
		h.filter.SetValue("")
		h.refilter()
		return m.setFocus(focusHistory)
	case key.Matches(msg, k.Up, k.Down) && msg.Text == "":
		cmd := m.setFocus(focusHistory)
		return tea.Batch(cmd, m.historyKey(msg))
	}
	before := h.filter.Value()
	var cmd tea.Cmd
	h.filter, cmd = h.filter.Update(msg)
	if h.filter.Value() != before {
		h.refilter()
	}
	return cmd
}

func (m *Model) decisionKey(msg tea.KeyPressMsg) tea.Cmd {
	k, vp := m.keys, &m.dec.vp
	switch {
	case key.Matches(msg, k.ScrollUp):
		vp.ScrollUp(1)
	case key.Matches(msg, k.ScrollDown):
		vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.Top):
		vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		vp.GotoBottom()
	case key.Matches(msg, k.RawV):
		m.dec.toggleRaw()
	case key.Matches(msg, k.Back, k.PrevPane):
		return m.setFocus(focusHistory)
	case key.Matches(msg, k.NextPane):
		return m.setFocus(focusForm)
	}
	return nil
}

// send validates the form and sends its check, or shows why it cannot.
func (m *Model) send() tea.Cmd {
	c, ok := m.form.check(m.types)
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
	if m.target == nil {
		m.setStatus("no target: ctrl+t picks one", true)
		return nil
	}
	if !m.info.ABAC && hasJIT(c) && !m.abacOK {
		return m.openDialog(&confirmDialog{keys: m.keys, target: m.info.Name, check: c, compare: compare})
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
	return tea.Batch(checkCmd(ctx, m.target, m.info.Name, m.seq, c), m.spinTick())
}

func (m *Model) onDecision(msg decisionMsg) tea.Cmd {
	if m.flight == nil || msg.seq != m.flight.seq {
		return nil // cancelled or replaced: the user has moved on
	}
	pc := m.flight.compare
	m.flight.cancel()
	m.flight = nil
	m.dec.pending = nil
	e := state.Entry{Time: m.now(), Check: msg.check, Decision: msg.d, TargetKind: m.info.Kind, TargetURL: m.info.URL}
	m.dec.show(e)
	if pc != nil {
		m.openCompare(*pc, e, "re-run now")
	}
	m.dec.dirty = true
	m.list.cursor, m.list.top = 0, 0
	var cmd tea.Cmd
	if pdp.ErrorKindOf(msg.d.Err) == pdp.ErrorAuth && m.info.Kind != pdp.KindEmbedded {
		m.sw.open(m.info, m.profile, "the PDP refused the API key: type the right one (it is never shown or saved)")
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

func (m *Model) onSwitched(msg switchedMsg) tea.Cmd {
	m.sw.busy = false
	if msg.err != nil {
		if msg.rerun != nil {
			// Not from the switcher (a raised timeout): say it in the footer.
			m.setStatus("could not reconnect: "+msg.err.Error(), true)
			return nil
		}
		m.sw.err = msg.err.Error()
		return nil
	}
	if msg.side != nil {
		m.sw.close()
		m.dialog = nil
		return m.sideBySideCmd(msg.target, *msg.side)
	}
	m.cancelFlight()
	m.setTarget(msg.target)
	m.sw.close()
	m.dialog = nil
	m.setStatus("now checking against "+oneLine(m.info.Name), false)
	switch {
	case msg.profile != nil:
		m.profile = msg.profile.Name
		m.form.setDefaultTenant(msg.profile.DefaultTenant)
		m.setStatus("profile "+oneLine(m.profile)+": now checking against "+oneLine(m.info.Name), false)
	case msg.rerun == nil:
		// A target picked by kind is no profile's: its default tenant is
		// Permit's. (A rebuilt target, msg.rerun, stays what it was.)
		m.profile = ""
		m.form.setDefaultTenant("")
	}
	m.closeBoard()
	// Watched checks re-run on the new target: a flip across targets is
	// what a person switching targets wants to see.
	cmds := []tea.Cmd{m.healthCmd(), m.healthTick(), m.candidatesCmd(), m.rerunWatched()}
	if msg.rerun != nil {
		cmds = append(cmds, m.sendCheck(*msg.rerun, nil))
		m.setStatus(msg.status, false)
	}
	return tea.Batch(cmds...)
}
