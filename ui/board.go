package ui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/sweep"
	"github.com/pdpx/pdpx/state"
)

// boardKind is which many-checks view is open.
type boardKind int

const (
	boardMatrix boardKind = iota
	boardPerms            // what this user can do
	boardWho              // who can do this action here
	boardSweep            // the check in every tenant
	boardWatch            // watched checks
)

var boardTitles = map[boardKind]string{
	boardMatrix: "Matrix", boardPerms: "What can this user do", boardWho: "Who can do this here",
	boardSweep: "Tenant sweep", boardWatch: "Watched checks",
}

// board is the view over the panes that shows many checks at once: a
// matrix, a user's permissions, who may do an action, a tenant sweep, the
// watched checks. Its answers come from Cmds, matched by seq; closing it
// cancels whatever is in flight.
type board struct {
	kind   boardKind
	base   pdp.Check // the check it was opened on
	seq    int
	cancel context.CancelFunc
	busy   bool
	err    string
	note   string

	// Matrix: the axis kinds, the grid and the cursor.
	rowKind, colKind sweep.AxisKind
	mx               *sweep.Matrix
	r, c             int
	// editing is the axis whose values are being typed (rows 1, cols 2).
	editing int
	input   textinput.Model

	// Lists: one row per grant, user, tenant or watched check.
	rows []boardRow
	sel  int
}

// boardRow is one line of a list view. A row with a check can be opened in
// the form (enter); its decision is shown under the list.
type boardRow struct {
	group   string // a heading drawn before the first row of a group
	outcome pdp.Outcome
	hasOut  bool // draw the outcome's symbol
	decided bool // dec is a real decision, shown when the row is opened
	cols    []string
	check   *pdp.Check
	dec     pdp.Decision
	detail  []string // extra lines shown when the row is selected
	flagged bool     // drawn in the warning colour (a flipped watch)
}

func (m *Model) closeBoard() {
	if m.board != nil && m.board.cancel != nil {
		m.board.cancel()
	}
	m.board = nil
}

// formCheck is the check in the form, for a view that starts from it; ok
// is false (with the reason in the footer) when the form cannot build one.
func (m *Model) formCheck() (pdp.Check, bool) {
	c, ok := m.form.check()
	if !ok {
		m.setStatus("fix "+fieldNames[m.form.firstError()]+" (marked ✗) first: the view starts from the check in the form", true)
	}
	return c, ok
}

// openBoard opens a view of kind on the form's check and starts its Cmd.
func (m *Model) openBoard(kind boardKind) tea.Cmd {
	c, ok := m.formCheck()
	if !ok && kind != boardWatch {
		return nil
	}
	m.closeBoard()
	m.board = &board{kind: kind, base: c, rowKind: sweep.Users, colKind: sweep.Actions}
	m.board.input = textinput.New()
	m.board.input.Prompt = ""
	m.board.input.SetStyles(m.styles.Input)
	return m.refreshBoard()
}

// refreshBoard (re)starts the open view's Cmd.
func (m *Model) refreshBoard() tea.Cmd {
	b := m.board
	if b.cancel != nil {
		b.cancel()
	}
	m.seq++
	b.seq = m.seq
	ctx, cancel := contextWithCancel(m.ctx)
	b.cancel, b.busy, b.err, b.note = cancel, true, "", ""
	switch b.kind {
	case boardMatrix:
		return tea.Batch(matrixBuildCmd(ctx, b.seq, b.base, b.rowKind, b.colKind, m.pol, m.hist), m.spinTick())
	case boardPerms:
		return tea.Batch(permsCmd(ctx, b.seq, m.target, m.pol, b.base), m.spinTick())
	case boardWho:
		return tea.Batch(whoCmd(ctx, b.seq, m.target, b.base), m.spinTick())
	case boardSweep:
		return tea.Batch(sweepCmd(ctx, b.seq, m.target, b.base), m.spinTick())
	default:
		b.busy = false
		b.rows = m.watchRows()
		return nil
	}
}

// boardKeys is the footer of the open view.
func (k keyMap) boardKeys(b *board) focusKeys {
	closeK := key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "close"))
	if b.editing != 0 {
		return focusKeys{short: []key.Binding{k.FilterApply, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")), k.Quit}}
	}
	switch b.kind {
	case boardMatrix:
		return focusKeys{short: []key.Binding{
			key.NewBinding(key.WithKeys("left"), key.WithHelp("←↑↓→", "move")),
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open in form")),
			key.NewBinding(key.WithKeys("r"), key.WithHelp("r/c", "row/col axis")),
			key.NewBinding(key.WithKeys("R"), key.WithHelp("R/C", "edit values")),
			closeK, k.Quit}}
	case boardPerms, boardWho:
		return focusKeys{short: []key.Binding{short(k.Up, "up"), short(k.Down, "down"),
			key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "user ⇄ who")), closeK, k.Quit}}
	case boardWatch:
		return focusKeys{short: []key.Binding{short(k.Up, "up"), short(k.Down, "down"),
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open in form")),
			key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "unwatch")), closeK, k.Quit}}
	default:
		return focusKeys{short: []key.Binding{short(k.Up, "up"), short(k.Down, "down"),
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open in form")), closeK, k.Quit}}
	}
}

// boardKey handles keys while a view is open.
func (m *Model) boardKey(msg tea.KeyPressMsg) tea.Cmd {
	b, k := m.board, m.keys
	if b.editing != 0 {
		switch msg.String() {
		case "enter":
			return m.applyAxisEdit()
		case "esc":
			b.editing = 0
			b.input.Blur()
			return nil
		}
		var cmd tea.Cmd
		b.input, cmd = b.input.Update(msg)
		return cmd
	}
	switch s := msg.String(); {
	case key.Matches(msg, k.Back) || s == "q":
		m.closeBoard()
		return nil
	case b.kind == boardMatrix:
		return m.matrixKey(msg)
	case s == "tab" && (b.kind == boardPerms || b.kind == boardWho):
		b.kind = boardPerms + boardWho - b.kind
		b.rows, b.sel = nil, 0
		return m.refreshBoard()
	case s == "w" && b.kind == boardWatch:
		if b.sel < len(b.rows) && b.rows[b.sel].check != nil {
			m.toggleWatchID(watchIDOf(b.rows[b.sel]))
			b.rows = m.watchRows()
			b.sel = min(b.sel, max(len(b.rows)-1, 0))
		}
	case key.Matches(msg, k.Up):
		b.sel = max(b.sel-1, 0)
	case key.Matches(msg, k.Down):
		b.sel = min(b.sel+1, max(len(b.rows)-1, 0))
	case key.Matches(msg, k.PageUp):
		b.sel = max(b.sel-10, 0)
	case key.Matches(msg, k.PageDown):
		b.sel = min(b.sel+10, max(len(b.rows)-1, 0))
	case s == "enter":
		if b.sel < len(b.rows) && b.rows[b.sel].check != nil {
			r := b.rows[b.sel]
			return m.openInForm(*r.check, r.dec, r.decided)
		}
	}
	return nil
}

func (m *Model) matrixKey(msg tea.KeyPressMsg) tea.Cmd {
	b := m.board
	rows, cols := 0, 0
	if b.mx != nil {
		rows, cols = len(b.mx.Rows.Values), len(b.mx.Cols.Values)
	}
	switch msg.String() {
	case "up", "k":
		b.r = max(b.r-1, 0)
	case "down", "j":
		b.r = min(b.r+1, max(rows-1, 0))
	case "left", "h":
		b.c = max(b.c-1, 0)
	case "right", "l":
		b.c = min(b.c+1, max(cols-1, 0))
	case "home", "g":
		b.r, b.c = 0, 0
	case "end", "G":
		b.r, b.c = max(rows-1, 0), max(cols-1, 0)
	case "r", "c":
		// Cycle the axis kind, skipping the other axis's kind (two attribute
		// axes need different paths, which only typing can give).
		cur, other := &b.rowKind, b.colKind
		if msg.String() == "c" {
			cur, other = &b.colKind, b.rowKind
		}
		for {
			*cur = nextKind(*cur)
			if *cur != other {
				break
			}
		}
		b.r, b.c = 0, 0
		return m.refreshBoard()
	case "R", "C":
		if b.mx == nil {
			return nil
		}
		b.editing = 1
		ax := b.mx.Rows
		if msg.String() == "C" {
			b.editing, ax = 2, b.mx.Cols
		}
		b.input.SetValue(axisSpec(ax))
		b.input.CursorEnd()
		return b.input.Focus()
	case "enter":
		if b.mx != nil && rows > 0 && cols > 0 {
			cl := b.mx.Cells[b.r][b.c]
			return m.openInForm(cl.Check, cl.Decision, cl.Done)
		}
	}
	return nil
}

func nextKind(k sweep.AxisKind) sweep.AxisKind {
	for i, x := range sweep.Kinds {
		if x == k {
			return sweep.Kinds[(i+1)%len(sweep.Kinds)]
		}
	}
	return sweep.Kinds[0]
}

// axisSpec writes an axis as it is typed back: "a,b" or "user.x=a,b".
func axisSpec(a sweep.Axis) string {
	v := strings.Join(a.Values, ",")
	if a.Kind == sweep.Attribute {
		return a.Attr + "=" + v
	}
	return v
}

// applyAxisEdit rebuilds the matrix with the typed values for one axis.
func (m *Model) applyAxisEdit() tea.Cmd {
	b := m.board
	kind := b.rowKind
	if b.editing == 2 {
		kind = b.colKind
	}
	spec := strings.TrimSpace(b.input.Value())
	// Typing path=v1,v2 makes it an attribute axis whatever it was: that is
	// how a person gets two attribute axes, or one without cycling to it.
	if path, _, ok := strings.Cut(spec, "="); ok && strings.Contains(path, ".") {
		kind = sweep.Attribute
	}
	ax, err := sweep.ParseAxis(string(kind), spec)
	if err != nil {
		b.err = err.Error()
		return nil
	}
	rows, cols := b.mx.Rows, b.mx.Cols
	if b.editing == 1 {
		rows = ax
	} else {
		cols = ax
	}
	b.editing = 0
	b.input.Blur()
	mx, err := sweep.New(b.base, rows, cols)
	if err != nil {
		b.err = err.Error()
		return nil
	}
	return m.startMatrix(mx)
}

// startMatrix shows mx empty and starts filling it, a chunk per Cmd, so
// that the grid fills in progressively and keys keep working meanwhile.
func (m *Model) startMatrix(mx *sweep.Matrix) tea.Cmd {
	b := m.board
	if b.cancel != nil {
		b.cancel()
	}
	m.seq++
	b.seq = m.seq
	ctx, cancel := contextWithCancel(m.ctx)
	b.cancel, b.busy, b.err = cancel, true, ""
	b.mx = mx
	b.r, b.c = min(b.r, len(mx.Rows.Values)-1), min(b.c, len(mx.Cols.Values)-1)
	b.rowKind, b.colKind = mx.Rows.Kind, mx.Cols.Kind
	return tea.Batch(matrixChunkCmd(ctx, b.seq, m.target, mx, 0), m.spinTick())
}

// openInForm loads a check into the form and its decision into the
// decision pane (when it has one), and closes the view.
func (m *Model) openInForm(c pdp.Check, d pdp.Decision, decided bool) tea.Cmd {
	a := editInForm{check: c, status: "opened in the form: " + oneLine(c.String()) + " (enter sends it)"}
	if decided {
		a.shown = &state.Entry{Time: m.now(), Check: c, Decision: d, TargetKind: m.info.Kind, TargetURL: m.info.URL}
	}
	return m.do(a)
}
