package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/sweep"
)

type matrixFlags struct {
	checkFlags
	// axes are the axis flags in the order they were given: the first is
	// the rows. (cobra keeps no order between flags, so each axis flag is
	// a Value that appends itself here.)
	axes      []axisArg
	json, csv bool
}

type axisArg struct {
	kind sweep.AxisKind
	spec string
}

// axisFlag is one axis flag (--users, --attr, …) as a pflag.Value.
type axisFlag struct {
	kind sweep.AxisKind
	to   *[]axisArg
	last string
}

func (a *axisFlag) Set(s string) error {
	*a.to = append(*a.to, axisArg{a.kind, s})
	a.last = s
	return nil
}
func (a *axisFlag) String() string { return a.last }
func (a *axisFlag) Type() string   { return "v1,v2" }

func newMatrixCmd(g *globals) *cobra.Command {
	f := &matrixFlags{}
	cmd := &cobra.Command{
		Use:   "matrix [USER] [ACTION] [RESOURCE]",
		Short: "Decide a grid of checks over two axes and print it (✓ allow, ✗ deny, ! error)",
		Long: `Decide every combination of two axes in one bulk request (a few, 100 checks
each, on a remote PDP) and print the grid.

The axes, two of them, in the order given (the first is the rows):
  --users a,b                 users
  --actions read,update       actions
  --tenants t1,t2             tenants
  --resources document:d1,folder:f1   resources (type or type:key)
  --attr user.department=Engineering,Sales   values of one attribute of
                              user., resource., tenant. or context., typed as
                              in k=v (true a bool, '"true"' a string)

Everything else is fixed by the usual check arguments and flags: the
arguments are USER ACTION RESOURCE without those an axis gives (with
--users and --actions, only RESOURCE), then --tenant, --user-attr and the rest.

The exit code is 0 when every cell was decided, 2 when some are errors.`,
		Example: `  pdpx matrix --users john@smith.com,bob@acme.io,jane@permit.io --actions read,update,delete document:roadmap
  pdpx matrix check@permit.io publish document --user-attr location=England \
      --attr user.department=Engineering,Sales --attr 'resource.hasApproval="true",true'
  pdpx matrix --users john@permit.io,john@smith.com --tenants default,awesome_inc read document --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := f.matrix(cmd, args)
			if err != nil {
				return err
			}
			t, err := g.target(cmd.Context())
			if err != nil {
				return err
			}
			sweep.Fill(cmd.Context(), t, m)
			return printMatrix(cmd.OutOrStdout(), m, t.Describe().Name, f)
		},
	}
	fl := cmd.Flags()
	for _, k := range []sweep.AxisKind{sweep.Users, sweep.Actions, sweep.Tenants, sweep.Resources} {
		fl.Var(&axisFlag{kind: k, to: &f.axes}, string(k)+"s", "an axis of "+string(k)+"s, comma-separated")
	}
	fl.Var(&axisFlag{kind: sweep.Attribute, to: &f.axes}, "attr", "an axis of values of one attribute: path=v1,v2 (user.department=Engineering,Sales)")
	f.addCheckFlags(fl)
	fl.BoolVar(&f.json, "json", false, `print {"rows": [...], "cols": [...], "cells": [[{"outcome": ...}]]}`)
	fl.BoolVar(&f.csv, "csv", false, "print the grid as CSV (outcome words)")
	return cmd
}

// matrix reads the two axes (in the order they were given) and the check
// they vary from the arguments and flags.
func (f *matrixFlags) matrix(cmd *cobra.Command, args []string) (*sweep.Matrix, error) {
	if f.json && f.csv {
		return nil, errors.New("choose one of --json and --csv")
	}
	var axes []sweep.Axis
	for _, a := range f.axes {
		ax, err := sweep.ParseAxis(string(a.kind), a.spec)
		if err != nil {
			if a.kind != sweep.Attribute {
				err = fmt.Errorf("--%ss: %w", a.kind, err)
			}
			return nil, err
		}
		axes = append(axes, ax)
	}
	if len(axes) != 2 {
		return nil, fmt.Errorf("give exactly two axes (got %d): two of --users, --actions, --tenants, --resources, --attr", len(axes))
	}

	// The positional arguments are USER ACTION RESOURCE without the parts
	// an axis sets; each such part gets the axis's first value.
	parts := []struct {
		name string
		kind sweep.AxisKind
	}{{"USER", sweep.Users}, {"ACTION", sweep.Actions}, {"RESOURCE", sweep.Resources}}
	var want []string
	full := make([]string, 3)
	for i, p := range parts {
		covered := false
		for _, a := range axes {
			if a.Kind == p.kind {
				covered, full[i] = true, a.Values[0]
			}
		}
		if !covered {
			want = append(want, p.name)
		}
	}
	if len(args) != len(want) {
		return nil, fmt.Errorf("want %s, got %d argument(s): the axes give the rest", strings.Join(want, " "), len(args))
	}
	j := 0
	for i := range full {
		if full[i] == "" {
			full[i] = args[j]
			j++
		}
	}
	base, err := f.build(context.Background(), full, nil)
	if err != nil {
		return nil, err
	}
	return sweep.New(base, axes[0], axes[1])
}

func printMatrix(w io.Writer, m *sweep.Matrix, target string, f *matrixFlags) error {
	switch {
	case f.json:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(sweep.NewReport(m, target)); err != nil {
			return err
		}
	case f.csv:
		cw := csv.NewWriter(w)
		head := append([]string{m.Rows.Name() + `\` + m.Cols.Name()}, m.Cols.Values...)
		_ = cw.Write(head)
		for r, row := range m.Cells {
			rec := []string{m.Rows.Values[r]}
			for _, c := range row {
				rec = append(rec, cellWord(c))
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	default:
		p := newPrinter(w)
		p.grid(m, target)
		if err := p.flush(); err != nil {
			return err
		}
	}
	if _, _, e := m.Counts(); e > 0 || m.Filled() < m.Len() {
		return &ExitError{Code: 2, Silent: true}
	}
	return nil
}

func cellWord(c sweep.Cell) string {
	if !c.Done {
		return "error"
	}
	return c.Decision.Outcome.String()
}

// grid prints the matrix: column labels over the grid, a symbol per cell
// (✓ ✗ !, so that it reads without colour), the totals, and each distinct
// error once, since a "!" alone says nothing about what went wrong.
func (p *printer) grid(m *sweep.Matrix, target string) {
	corner := clipText(pdp.Clean(m.Rows.Name()+` \ `+m.Cols.Name()), 48)
	rw := len([]rune(corner))
	for _, v := range m.Rows.Values {
		rw = max(rw, min(len([]rune(pdp.Clean(v))), 40))
	}
	cols := make([]string, len(m.Cols.Values))
	cw := make([]int, len(cols))
	for i, v := range m.Cols.Values {
		cols[i] = clipText(pdp.Clean(v), 24)
		cw[i] = max(len([]rune(cols[i])), 1)
	}
	var head strings.Builder
	head.WriteString(padText(corner, rw))
	for i, c := range cols {
		head.WriteString("  " + padText(c, cw[i]))
	}
	p.linef("%s", p.key.Render(strings.TrimRight(head.String(), " ")))
	errs := map[string]int{}
	var order []string
	for r, row := range m.Cells {
		var b strings.Builder
		b.WriteString(padText(clipText(pdp.Clean(m.Rows.Values[r]), rw), rw))
		for i, c := range row {
			o := pdp.Error
			if c.Done {
				o = c.Decision.Outcome
			}
			pad := cw[i] - 1
			b.WriteString("  " + strings.Repeat(" ", pad/2) + p.outcomeSymbol(o) + strings.Repeat(" ", pad-pad/2))
			if o == pdp.Error {
				msg := "not decided"
				if c.Done {
					msg = pdp.Clean(c.Decision.ErrorText())
				}
				if errs[msg] == 0 {
					order = append(order, msg)
				}
				errs[msg]++
			}
		}
		p.linef("%s", strings.TrimRight(b.String(), " "))
	}
	a, d, e := m.Counts()
	e += m.Len() - m.Filled()
	p.linef("%s", p.dim.Render(fmt.Sprintf("%d×%d · %d allow · %d deny · %d error · %s", len(m.Rows.Values), len(m.Cols.Values), a, d, e, pdp.Clean(target))))
	for _, msg := range order {
		p.linef("%s %s", p.bad.Render("!"), fmt.Sprintf("%s (%d cell%s)", msg, errs[msg], plural(errs[msg])))
	}
}

func (p *printer) outcomeSymbol(o pdp.Outcome) string {
	switch o {
	case pdp.Allow:
		return p.ok.Render(o.Symbol())
	case pdp.Deny:
		return p.no.Render(o.Symbol())
	default:
		return p.bad.Render(o.Symbol())
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// padText pads plain text to n cells.
func padText(s string, n int) string {
	if k := len([]rune(s)); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// clipText cuts plain text to n cells, ending it with "…".
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
