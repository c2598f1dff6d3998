package sweep

import (
	"encoding/json"

	"github.com/pdpx/pdpx/pdp"
)

// Reason is one model's verdict in words: "rbac no_permission — user 'bob'…".
type Reason struct {
	Model  string `json:"model"`
	Allow  bool   `json:"allow"`
	Code   string `json:"code"`
	Reason string `json:"reason,omitempty"`
}

// Reasons lists the decision's verdicts (rbac, abac, rebac, those the target
// gave), their text cleaned of terminal escapes: a remote PDP wrote it.
func Reasons(d pdp.Decision) []Reason {
	if d.Debug == nil {
		return nil
	}
	var out []Reason
	for _, m := range []struct {
		name string
		r    *pdp.Reason
	}{{"rbac", d.Debug.RBAC}, {"abac", d.Debug.ABAC}, {"rebac", d.Debug.ReBAC}} {
		if m.r != nil {
			out = append(out, Reason{Model: m.name, Allow: m.r.Allow, Code: pdp.Clean(m.r.Code), Reason: pdp.Clean(m.r.Reason)})
		}
	}
	return out
}

// CellReport is a cell as pdpx matrix --json writes it.
type CellReport struct {
	Outcome pdp.Outcome     `json:"outcome"`
	Allow   bool            `json:"allow"`
	Error   string          `json:"error,omitempty"`
	Reasons []Reason        `json:"reasons,omitempty"`
	Request json.RawMessage `json:"request,omitempty"`
}

// Report is a matrix as pdpx matrix --json writes it: the axes' names and
// values, and the cells row by row.
type Report struct {
	RowAxis string          `json:"row_axis"`
	ColAxis string          `json:"col_axis"`
	Rows    []string        `json:"rows"`
	Cols    []string        `json:"cols"`
	Cells   [][]CellReport  `json:"cells"`
	Counts  map[string]int  `json:"counts"`
	Target  string          `json:"target"`
	Base    json.RawMessage `json:"base"`
}

// NewReport turns a filled matrix into its JSON form. An undecided cell
// (the fill was cancelled) is an error cell saying so.
func NewReport(m *Matrix, target string) Report {
	r := Report{
		RowAxis: m.Rows.Name(), ColAxis: m.Cols.Name(),
		Rows: m.Rows.Values, Cols: m.Cols.Values,
		Cells:  make([][]CellReport, len(m.Cells)),
		Target: target, Base: m.Base.Body(),
	}
	a, d, e := m.Counts()
	r.Counts = map[string]int{"allow": a, "deny": d, "error": e + m.Len() - m.Filled()}
	for i, row := range m.Cells {
		r.Cells[i] = make([]CellReport, len(row))
		for j, c := range row {
			cr := CellReport{Outcome: pdp.Error, Error: "not decided: the matrix was cancelled", Request: c.Check.Body()}
			if c.Done {
				cr = CellReport{Outcome: c.Decision.Outcome, Allow: c.Decision.Outcome == pdp.Allow,
					Error: pdp.Clean(c.Decision.ErrorText()), Reasons: Reasons(c.Decision), Request: c.Check.Body()}
			}
			r.Cells[i][j] = cr
		}
	}
	return r
}
