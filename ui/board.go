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
	keys keyMap
	// watched are the watched checks, which the watch list shows.
	watched *watcher
	kind    boardKind
	base    pdp.Check // the check it was opened on
	seq     int
	cancel  context.CancelFunc
	busy    bool
	err     string
	note    string

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

func newBoard(kind boardKind, base pdp.Check, k keyMap, st textinput.Styles, w *watcher) *board {
	b := &board{keys: k, watched: w, kind: kind, base: base, rowKind: sweep.Users, colKind: sweep.Actions}
	b.input = textinput.New()
	b.input.Prompt = ""
	b.input.SetStyles(st)
	return b
}

// stop cancels what the view has in flight.
func (b *board) stop() {
	if b.cancel != nil {
		b.cancel()
	}
}

// refresh (re)starts the view's Cmd.
func (b *board) refresh(e env) tea.Cmd {
	b.stop()
	b.seq = e.next()
	ctx, cancel := contextWithCancel(e.ctx)
	b.cancel, b.busy, b.err, b.note = cancel, true, "", ""
	t := e.cur.target
	switch b.kind {
	case boardMatrix:
		return tea.Batch(matrixBuildCmd(ctx, b.seq, b.base, b.rowKind, b.colKind, e.cur.pol, e.hist), e.spin)
	case boardPerms:
		return tea.Batch(permsCmd(ctx, b.seq, t, e.cur.pol, b.base), e.spin)
	case boardWho:
		return tea.Batch(whoCmd(ctx, b.seq, t, b.base), e.spin)
	case boardSweep:
		return tea.Batch(sweepCmd(ctx, b.seq, t, b.base), e.spin)
	default:
		b.busy = false
		b.rows = b.watched.rows(e.st)
		return nil
	}
}

// update takes a key while the view is open, and the answers of its Cmds.
func (b *board) update(msg tea.Msg, e env) action {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return b.key(msg, e)
	case matrixBuiltMsg:
		return b.onBuilt(msg, e)
	case matrixChunkMsg:
		return b.onChunk(msg, e)
	case boardRowsMsg:
		b.onRows(msg)
	case watchResultMsg:
		if b.kind == boardWatch {
			b.rows = b.watched.rows(e.st)
		}
	}
	return nil
}

// help is the footer of the open view.
func (b *board) help() focusKeys {
	k := b.keys
	closeK := key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "close"))
	if b.editing != 0 {
		apply := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply values"))
		return focusKeys{short: []key.Binding{apply, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")), k.Quit}}
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

// key takes a key while the view is open: y copies the cell's or row's
// check as code, enter opens it in the form.
func (b *board) key(msg tea.KeyPressMsg, e env) action {
	k := b.keys
	if b.editing != 0 {
		switch msg.String() {
		case "enter":
			return b.applyAxisEdit(e)
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
	case key.Matches(msg, k.Copy, k.CopyAlt):
		return b.copy(e)
	case key.Matches(msg, k.Back) || s == "q":
		return closeView{}
	case b.kind == boardMatrix:
		return b.matrixKey(msg, e)
	case s == "tab" && (b.kind == boardPerms || b.kind == boardWho):
		b.kind = boardPerms + boardWho - b.kind
		b.rows, b.sel = nil, 0
		return b.refresh(e)
	case s == "w" && b.kind == boardWatch:
		if b.sel < len(b.rows) && b.rows[b.sel].check != nil {
			b.watched.remove(watchIDOf(b.rows[b.sel]))
			b.rows = b.watched.rows(e.st)
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
			return openInForm(*r.check, r.dec, r.decided, e)
		}
	}
	return nil
}

func (b *board) matrixKey(msg tea.KeyPressMsg, e env) action {
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
		return b.refresh(e)
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
			return openInForm(cl.Check, cl.Decision, cl.Done, e)
		}
	}
	return nil
}

// copy is y in the view: the check of the matrix cell under the cursor, or
// of the selected row, on the current target (where the view sent it).
func (b *board) copy(e env) action {
	var c *pdp.Check
	switch {
	case b.kind == boardMatrix:
		if b.mx != nil && b.r < len(b.mx.Cells) && b.c < len(b.mx.Cells[b.r]) {
			c = &b.mx.Cells[b.r][b.c].Check
		}
	case b.sel < len(b.rows):
		c = b.rows[b.sel].check
	}
	if c == nil {
		return say{status: "nothing to copy here: move to a cell or a row with a check"}
	}
	return copyCode{state.Entry{Check: *c, TargetKind: e.cur.info.Kind, TargetURL: e.cur.info.URL}}
}

// openInForm loads a check into the form and its decision into the
// decision pane (when it has one), and closes the view.
func openInForm(c pdp.Check, d pdp.Decision, decided bool, e env) action {
	a := editInForm{check: c, status: "opened in the form: " + oneLine(c.String()) + " (enter sends it)"}
	if decided {
		a.shown = &state.Entry{Time: e.now, Check: c, Decision: d, TargetKind: e.cur.info.Kind, TargetURL: e.cur.info.URL}
	}
	return a
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
func (b *board) applyAxisEdit(e env) action {
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
	return b.start(mx, e)
}

// start shows mx empty and starts filling it, a chunk per Cmd, so that
// the grid fills in progressively and keys keep working meanwhile.
func (b *board) start(mx *sweep.Matrix, e env) tea.Cmd {
	b.stop()
	b.seq = e.next()
	ctx, cancel := contextWithCancel(e.ctx)
	b.cancel, b.busy, b.err = cancel, true, ""
	b.mx = mx
	b.r, b.c = min(b.r, len(mx.Rows.Values)-1), min(b.c, len(mx.Cols.Values)-1)
	b.rowKind, b.colKind = mx.Rows.Kind, mx.Cols.Kind
	return tea.Batch(matrixChunkCmd(ctx, b.seq, e.cur.target, mx, 0), e.spin)
}
