// Package sweep asks many checks at once and lays the answers out for
// people: a permission matrix over two axes (users, actions, tenants,
// resource instances, values of one attribute), the current check swept over
// every tenant the user belongs to, what a user may do and who may do an
// action, and the difference between two decisions for the same check.
//
// It decides through a pdp.Target only (one Bulk for many checks), so the
// explorer and the command line share it and it knows no terminal.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

// AxisKind is what an axis varies.
type AxisKind string

// The kinds of axis a matrix can have.
const (
	Users     AxisKind = "user"
	Actions   AxisKind = "action"
	Tenants   AxisKind = "tenant"
	Resources AxisKind = "resource"
	Attribute AxisKind = "attr"
)

// Kinds lists every axis kind in the order front ends offer them.
var Kinds = []AxisKind{Users, Actions, Tenants, Resources, Attribute}

// Axis is one dimension of a matrix: a kind and its values as typed. For an
// Attribute axis, Attr is the dotted path ("user.department",
// "resource.hasApproval") and each value is typed as after '=' in k=v
// ("true" a bool, "\"true\"" a string, England a string).
type Axis struct {
	Kind   AxisKind
	Attr   string
	Values []string
}

// attrRoots are the parts of a check an Attribute axis may set.
var attrRoots = []string{"user", "resource", "tenant", "context"}

// ParseAxis reads an axis from a command-line flag: kind is the flag's
// name ("users", "actions", "tenants", "resources", "attr" or the singular)
// and spec its value, comma-separated ("read,update"); an attribute axis is
// written path=v1,v2 ("user.department=Engineering,Sales"), whose values are
// split like attribute pairs so that quoted text and JSON arrays may hold
// commas.
func ParseAxis(kind, spec string) (Axis, error) {
	k := AxisKind(strings.TrimSuffix(strings.TrimPrefix(kind, "--"), "s"))
	if !slices.Contains(Kinds, k) {
		return Axis{}, fmt.Errorf("unknown axis %q: use users, actions, tenants, resources or attr", kind)
	}
	a := Axis{Kind: k}
	if k == Attribute {
		path, vals, ok := strings.Cut(spec, "=")
		if !ok {
			return Axis{}, fmt.Errorf("--attr %q: write path=v1,v2, for example user.department=Engineering,Sales", spec)
		}
		a.Attr = strings.TrimSpace(path)
		vs, err := pdp.SplitPairs(vals)
		if err != nil {
			return Axis{}, fmt.Errorf("--attr %q: %w", spec, err)
		}
		a.Values = vs
	} else {
		for _, v := range strings.Split(spec, ",") {
			if v = strings.TrimSpace(v); v != "" {
				a.Values = append(a.Values, v)
			}
		}
	}
	return a, a.Validate()
}

// Validate reports an axis that cannot build checks: no values, a
// duplicate value, a malformed resource or attribute path.
func (a Axis) Validate() error {
	if len(a.Values) == 0 {
		return fmt.Errorf("the %s axis has no values", a.Name())
	}
	seen := map[string]bool{}
	for _, v := range a.Values {
		if seen[v] {
			return fmt.Errorf("the %s axis lists %q twice", a.Name(), v)
		}
		seen[v] = true
		if a.Kind == Resources {
			if _, _, err := pdp.ParseResource(v); err != nil {
				return err
			}
		}
	}
	if a.Kind == Attribute {
		root, rest, _ := strings.Cut(a.Attr, ".")
		if !slices.Contains(attrRoots, root) || rest == "" || strings.Contains(rest, "..") || strings.HasSuffix(rest, ".") {
			return fmt.Errorf("attribute %q: write user.<name>, resource.<name>, tenant.<name> or context.<name>", a.Attr)
		}
	}
	return nil
}

// Name is how people read the axis: "user", "action", "user.department".
func (a Axis) Name() string {
	if a.Kind == Attribute {
		return a.Attr
	}
	return string(a.Kind)
}

// Apply returns c with the axis set to its i-th value. Attribute values are
// merged over the check's own attributes, so the rest of them stay.
func (a Axis) Apply(c pdp.Check, i int) (pdp.Check, error) {
	v := a.Values[i]
	switch a.Kind {
	case Users:
		c.User.Key = v
	case Actions:
		c.Action = v
	case Tenants:
		c.Resource.Tenant = v
	case Resources:
		typ, key, err := pdp.ParseResource(v)
		if err != nil {
			return c, err
		}
		c.Resource.Type, c.Resource.Key = typ, key
	case Attribute:
		root, rest, _ := strings.Cut(a.Attr, ".")
		m, err := pdp.ParseAttrs([]string{rest + "=" + v})
		if err != nil {
			return c, err
		}
		switch root {
		case "user":
			c.User.Attributes = pdp.MergeAttrs(c.User.Attributes, m)
		case "resource":
			c.Resource.Attributes = pdp.MergeAttrs(c.Resource.Attributes, m)
		case "tenant":
			c.TenantAttributes = pdp.MergeAttrs(c.TenantAttributes, m)
		default:
			c.Context = pdp.MergeAttrs(c.Context, m)
		}
	}
	return c, nil
}

// Cell is one check of a matrix and, once filled, its decision. A cell not
// decided yet has Done false; its Decision is then the zero (Error) one and
// must not be drawn as an answer.
type Cell struct {
	Check    pdp.Check
	Decision pdp.Decision
	Done     bool
}

// Matrix is a grid of checks: the base check with the row axis and the
// column axis varied. Cells are row-major: Cells[r][c].
type Matrix struct {
	Base       pdp.Check
	Rows, Cols Axis
	Cells      [][]Cell
}

// MaxCells bounds a matrix: 50×20 is the size people read, and a
// thousand-row axis typed by mistake must not send a million checks.
const MaxCells = 10000

// New builds the matrix's checks. The two axes must differ in what they
// set (two attribute axes on different paths are fine).
func New(base pdp.Check, rows, cols Axis) (*Matrix, error) {
	for _, a := range []Axis{rows, cols} {
		if err := a.Validate(); err != nil {
			return nil, err
		}
	}
	if rows.Kind == cols.Kind && (rows.Kind != Attribute || rows.Attr == cols.Attr) {
		return nil, fmt.Errorf("rows and columns both vary %s: choose two different axes", rows.Name())
	}
	if n := len(rows.Values) * len(cols.Values); n > MaxCells {
		return nil, fmt.Errorf("%d×%d is %d checks, more than %d: narrow an axis", len(rows.Values), len(cols.Values), n, MaxCells)
	}
	m := &Matrix{Base: base, Rows: rows, Cols: cols, Cells: make([][]Cell, len(rows.Values))}
	for r := range rows.Values {
		rc, err := rows.Apply(base, r)
		if err != nil {
			return nil, err
		}
		m.Cells[r] = make([]Cell, len(cols.Values))
		for c := range cols.Values {
			cc, err := cols.Apply(rc, c)
			if err != nil {
				return nil, err
			}
			m.Cells[r][c].Check = cc
		}
	}
	return m, nil
}

// Len is the number of cells.
func (m *Matrix) Len() int { return len(m.Rows.Values) * len(m.Cols.Values) }

// At is the i-th cell in row-major order.
func (m *Matrix) At(i int) *Cell {
	n := len(m.Cols.Values)
	return &m.Cells[i/n][i%n]
}

// Checks lists the checks of cells [lo, hi) in row-major order.
func (m *Matrix) Checks(lo, hi int) []pdp.Check {
	out := make([]pdp.Check, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, m.At(i).Check)
	}
	return out
}

// Set records the decisions of cells [lo, lo+len(ds)).
func (m *Matrix) Set(lo int, ds []pdp.Decision) {
	for i, d := range ds {
		if lo+i >= m.Len() {
			return
		}
		c := m.At(lo + i)
		c.Decision, c.Done = d, true
	}
}

// Filled counts the decided cells.
func (m *Matrix) Filled() int {
	n := 0
	for i := range m.Len() {
		if m.At(i).Done {
			n++
		}
	}
	return n
}

// Counts totals the decided cells by outcome.
func (m *Matrix) Counts() (allow, deny, errs int) {
	for i := range m.Len() {
		c := m.At(i)
		if !c.Done {
			continue
		}
		switch c.Decision.Outcome {
		case pdp.Allow:
			allow++
		case pdp.Deny:
			deny++
		default:
			errs++
		}
	}
	return allow, deny, errs
}

// ChunkSize is how many checks go in one bulk request to a remote target:
// a 50×20 matrix is ten requests, each small enough to answer quickly and
// to show progress between them. The embedded engine takes everything at once.
const ChunkSize = 100

// Chunk is the number of checks to send to t per Bulk call.
func Chunk(t pdp.Target) int {
	if t.Describe().Kind == pdp.KindEmbedded {
		return MaxCells
	}
	return ChunkSize
}

// Fill decides every cell of m on t, chunk by chunk (see Chunk). It stops
// early only when ctx is done, leaving the rest undecided.
func Fill(ctx context.Context, t pdp.Target, m *Matrix) {
	step := Chunk(t)
	for lo := 0; lo < m.Len(); lo += step {
		if ctx.Err() != nil {
			return
		}
		hi := min(lo+step, m.Len())
		m.Set(lo, Decide(ctx, t, m.Checks(lo, hi)))
	}
}

// Decide asks t for cs in one Bulk call and returns exactly one decision per
// check. A request that fails as a whole makes every decision an Error with
// its message, never a deny; so does a target that answers with the wrong
// number of decisions.
func Decide(ctx context.Context, t pdp.Target, cs []pdp.Check) []pdp.Decision {
	ds, err := t.Bulk(ctx, cs)
	if len(ds) != len(cs) {
		if err == nil {
			err = fmt.Errorf("%s answered %d decisions for %d checks", t.Describe().Name, len(ds), len(cs))
		}
		ds = make([]pdp.Decision, len(cs))
		for i := range ds {
			ds[i] = pdp.Decision{Outcome: pdp.Error, Err: err, Request: cs[i].Body()}
		}
	}
	name := t.Describe().Name
	for i := range ds {
		d := &ds[i]
		if d.Target == "" {
			d.Target = name
		}
		if d.Outcome == pdp.Error && d.Err == nil {
			d.Err = errors.New("the target returned an error without a message")
			if err != nil {
				d.Err = err
			}
		}
	}
	return ds
}
