package ui

import (
	"context"
	"errors"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/sweep"
	"github.com/pdpx/pdpx/state"
)

// Messages of the many-checks views, each matched by the view's seq.
type (
	matrixBuiltMsg struct {
		seq int
		mx  *sweep.Matrix
		err error
	}
	matrixChunkMsg struct {
		seq, lo int
		ds      []pdp.Decision
	}
	boardRowsMsg struct {
		seq  int
		rows []boardRow
		note string
		err  error
	}
)

// maxAxisValues keeps a default axis readable on a screen; R and C type
// any values.
const maxAxisValues = 50

// matrixBuildCmd picks the axes' values from the check and what is known
// about the target (its policy, else past checks in the history) and
// builds the matrix. It runs in a Cmd because the history may be on disk.
func matrixBuildCmd(ctx context.Context, seq int, base pdp.Check, rk, ck sweep.AxisKind, pol *policy.Policy, hist state.History) tea.Cmd {
	return func() tea.Msg {
		rows, err := defaultAxis(ctx, rk, base, pol, hist, "")
		if err != nil {
			return matrixBuiltMsg{seq: seq, err: err}
		}
		cols, err := defaultAxis(ctx, ck, base, pol, hist, rows.Attr)
		if err != nil {
			return matrixBuiltMsg{seq: seq, err: err}
		}
		mx, err := sweep.New(base, rows, cols)
		return matrixBuiltMsg{seq: seq, mx: mx, err: err}
	}
}

// defaultAxis is an axis of kind over the values the check's context
// suggests: the policy's users, the type's actions, the tenants, the type's
// instances; or, on a remote target, the values used in past checks. The
// check's own value comes first. An attribute axis varies the check's first
// JIT attribute (other than skip) over its value, the same value typed the
// other way ("true" ⇄ true), and the values the policy's users hold.
func defaultAxis(ctx context.Context, kind sweep.AxisKind, c pdp.Check, pol *policy.Policy, hist state.History, skip string) (sweep.Axis, error) {
	ax := sweep.Axis{Kind: kind}
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" && !slices.Contains(ax.Values, v) && len(ax.Values) < maxAxisValues {
				ax.Values = append(ax.Values, v)
			}
		}
	}
	past := func(f state.Field) []string {
		vs, err := hist.Values(ctx, f, maxAxisValues)
		if err != nil {
			return nil
		}
		return vs
	}
	switch kind {
	case sweep.Users:
		add(c.User.Key)
		if pol != nil {
			add(sortedKeys(pol.Users)...)
		} else {
			add(past(state.FieldUser)...)
		}
	case sweep.Actions:
		add(c.Action)
		if pol != nil && pol.Resources[c.Resource.Type] != nil {
			add(pol.Resources[c.Resource.Type].Actions...)
		} else {
			add(past(state.FieldAction)...)
		}
	case sweep.Tenants:
		add(c.Resource.Tenant)
		if pol != nil {
			add(sortedKeys(pol.Tenants)...)
			for _, u := range sortedKeys(pol.Users) {
				for _, r := range pol.Users[u].Roles {
					add(r.Tenant)
				}
				add(pol.Users[u].Tenants...)
			}
		} else {
			add(past(state.FieldTenant)...)
		}
	case sweep.Resources:
		add(c.Resource.Ref(), c.Resource.Type)
		if pol != nil {
			for _, k := range sortedKeys(pol.ResourceInstances) {
				if strings.HasPrefix(k, c.Resource.Type+":") {
					add(k)
				}
			}
		} else {
			for _, k := range past(state.FieldResourceKey) {
				add(c.Resource.Type + ":" + k)
			}
		}
	case sweep.Attribute:
		path, v, ok := firstAttr(c, skip)
		if !ok {
			return ax, errors.New("the check has no JIT attribute to vary: add one (k=v), or press R or C and type path=v1,v2")
		}
		ax.Attr = path
		add(pdp.FormatValue(v))
		switch x := v.(type) {
		case string:
			if _, typed := pdp.ParseValue(x).(string); !typed {
				add(x) // "true" the string ⇄ true the bool
			}
		case bool, float64:
			add(pdp.FormatValue(pdp.FormatValue(x)))
		}
		if name, ok := strings.CutPrefix(path, "user."); ok && pol != nil {
			for _, u := range sortedKeys(pol.Users) {
				if uv, ok := pol.Users[u].Attributes[name]; ok {
					add(pdp.FormatValue(uv))
				}
			}
		}
	}
	return ax, ax.Validate()
}

// firstAttr is the check's first JIT attribute by path, other than skip.
func firstAttr(c pdp.Check, skip string) (string, any, bool) {
	for _, g := range []struct {
		root string
		m    map[string]any
	}{{"user", c.User.Attributes}, {"resource", c.Resource.Attributes}, {"tenant", c.TenantAttributes}, {"context", c.Context}} {
		for _, k := range sortedKeys(g.m) {
			if p := g.root + "." + k; p != skip {
				return p, g.m[k], true
			}
		}
	}
	return "", nil, false
}

// matrixChunkCmd decides one chunk of the matrix (everything at once on the
// embedded engine, 100 checks per bulk request on a remote target). The
// checks are read before the Cmd runs; the answer is merged in Update.
func matrixChunkCmd(ctx context.Context, seq int, t pdp.Target, mx *sweep.Matrix, lo int) tea.Cmd {
	hi := min(lo+sweep.Chunk(t), mx.Len())
	cs := mx.Checks(lo, hi)
	return func() tea.Msg {
		return matrixChunkMsg{seq: seq, lo: lo, ds: sweep.Decide(ctx, t, cs)}
	}
}

func (b *board) onBuilt(msg matrixBuiltMsg, e env) action {
	if msg.seq != b.seq {
		return nil
	}
	if msg.err != nil {
		b.busy, b.err = false, msg.err.Error()
		return nil
	}
	return b.start(msg.mx, e)
}

func (b *board) onChunk(msg matrixChunkMsg, e env) action {
	if b.mx == nil || msg.seq != b.seq {
		return nil
	}
	b.mx.Set(msg.lo, msg.ds)
	next := msg.lo + len(msg.ds)
	if next >= b.mx.Len() || len(msg.ds) == 0 {
		b.busy = false
		return nil
	}
	ctx, cancel := contextWithCancel(e.ctx)
	b.cancel = cancel
	return matrixChunkCmd(ctx, b.seq, e.cur.target, b.mx, next)
}

func (b *board) onRows(msg boardRowsMsg) {
	if msg.seq != b.seq {
		return
	}
	b.busy, b.rows, b.note = false, msg.rows, msg.note
	b.sel = min(b.sel, max(len(b.rows)-1, 0))
	if msg.err != nil {
		b.err = msg.err.Error()
	}
}

// permsCmd asks what the check's user may do: every tenant and instance,
// each permission with the role that grants it.
func permsCmd(ctx context.Context, seq int, t pdp.Target, pol *policy.Policy, c pdp.Check) tea.Cmd {
	return func() tea.Msg {
		ps, err := t.UserPermissions(ctx, pdp.PermissionsQuery{User: c.User, Context: c.Context})
		if err != nil {
			return boardRowsMsg{seq: seq, err: errors.New(pdp.Clean(err.Error()))}
		}
		var rows []boardRow
		for _, g := range sweep.GrantRows(ps, pol) {
			via := "attributes (no role)"
			if len(g.Roles) > 0 {
				via = "via " + strings.Join(g.Roles, ", ")
			}
			row := boardRow{group: g.Scope + " " + g.Key, outcome: pdp.Allow, hasOut: true, cols: []string{g.Permission, via}}
			if ck, ok := grantCheck(c, g); ok {
				row.check = &ck
			}
			rows = append(rows, row)
		}
		note := c.User.Key + " may do nothing here"
		if len(rows) > 0 {
			note = ""
		}
		return boardRowsMsg{seq: seq, rows: rows, note: note}
	}
}

// grantCheck is the check a grant row answers, to open it in the form: the
// query's user and context on the row's resource, in its tenant, without
// the resource and tenant attributes the query did not send.
func grantCheck(base pdp.Check, g sweep.Grant) (pdp.Check, bool) {
	typ, action, ok := strings.Cut(g.Permission, ":")
	if !ok {
		return pdp.Check{}, false
	}
	c := base
	c.Action = action
	c.TenantAttributes = nil
	c.Resource = pdp.Resource{Type: typ, Tenant: base.Resource.Tenant}
	if g.Tenant != "" {
		c.Resource.Tenant = g.Tenant
	}
	if g.Scope == "instance" {
		if _, key, ok := strings.Cut(g.Key, ":"); ok {
			c.Resource.Key = key
		}
	}
	return c, true
}

// whoCmd asks who may do the check's action on its resource in its tenant.
func whoCmd(ctx context.Context, seq int, t pdp.Target, c pdp.Check) tea.Cmd {
	return func() tea.Msg {
		al, ok := t.(pdp.AuthorizedUsersLister)
		if !ok {
			return boardRowsMsg{seq: seq, err: errors.New(pdp.Clean(t.Describe().Name) + " cannot list authorized users")}
		}
		au, err := al.AuthorizedUsers(ctx, pdp.AuthorizedUsersQuery{Action: c.Action, Resource: c.Resource, Context: c.Context})
		if err != nil {
			return boardRowsMsg{seq: seq, err: errors.New(pdp.Clean(err.Error()))}
		}
		var rows []boardRow
		for _, a := range sweep.WhoRows(au) {
			ck := c
			ck.User = pdp.User{Key: a.User}
			rows = append(rows, boardRow{outcome: pdp.Allow, hasOut: true, cols: []string{a.User, a.Via()}, check: &ck})
		}
		note := ""
		if len(rows) == 0 {
			note = "nobody here"
		}
		return boardRowsMsg{seq: seq, rows: rows, note: note}
	}
}

// sweepCmd runs the check in every tenant the user belongs to.
func sweepCmd(ctx context.Context, seq int, t pdp.Target, c pdp.Check) tea.Cmd {
	return func() tea.Msg {
		sw := sweep.InTenants(ctx, t, c)
		var rows []boardRow
		for _, r := range sw.Results {
			ck := r.Check
			member := "member"
			if !r.Member {
				member = "not a member"
			}
			rows = append(rows, boardRow{outcome: r.Decision.Outcome, hasOut: true, decided: true,
				cols: []string{"@" + r.Tenant, member, firstReason(r.Decision)}, check: &ck, dec: r.Decision})
		}
		note := "asked via " + sw.Via
		if sw.Note != "" {
			note += " · " + sw.Note
		}
		return boardRowsMsg{seq: seq, rows: rows, note: note}
	}
}

// firstReason is a decision's reason in one line: the error, or the first
// model's code and sentence (the allowing one for an allow).
func firstReason(d pdp.Decision) string {
	if d.Outcome == pdp.Error {
		return d.ErrorText()
	}
	rs := sweep.Reasons(d)
	for _, r := range rs {
		if r.Allow == (d.Outcome == pdp.Allow) {
			return r.Model + " " + r.Code + " — " + r.Reason
		}
	}
	if len(rs) > 0 {
		return rs[0].Model + " " + rs[0].Code + " — " + rs[0].Reason
	}
	return ""
}
