package pdp

import (
	"encoding/json"
	"time"
)

// Report is a decision as pdpx exports it (pdpx check --json, history
// exports): plain JSON, the request as JSON rather than bytes, and never a token.
type Report struct {
	Outcome  Outcome         `json:"outcome"`
	Allow    bool            `json:"allow"`
	Error    string          `json:"error,omitempty"`
	Debug    *Debug          `json:"debug,omitempty"`
	Trace    *Trace          `json:"trace,omitempty"`
	Reasons  []string        `json:"reasons,omitempty"`
	Request  json.RawMessage `json:"request,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	// ResponseSize is the size of the body received when history kept only
	// its start (Response is then left out: a cut body is not JSON).
	ResponseSize int     `json:"response_size,omitempty"`
	Status       int     `json:"status,omitempty"`
	Target       string  `json:"target"`
	LatencyMS    float64 `json:"latency_ms"`
}

// NewReport turns a decision into its export form. Response is kept only
// when it is JSON, so a hostile or broken body cannot break the export.
func NewReport(d Decision) Report {
	r := Report{
		Outcome:   d.Outcome,
		Allow:     d.Outcome == Allow,
		Error:     d.ErrorText(),
		Debug:     d.Debug,
		Trace:     d.Trace,
		Reasons:   d.Reasons,
		Status:    d.Status,
		Target:    d.Target,
		LatencyMS: float64(d.Latency) / float64(time.Millisecond),
	}
	if json.Valid(d.Request) {
		r.Request = d.Request
	}
	if json.Valid(d.Response) {
		r.Response = d.Response
	}
	if d.ResponseCut() {
		r.ResponseSize = d.ResponseSize
	}
	return r
}
