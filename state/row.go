package state

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/pdpx/pdpx/pdp"
)

// entryCols are the columns scanEntries reads, in its order.
const entryCols = `d.id, d.t, d.target_kind, d.target_name, d.target_url, d.outcome, d.error,
	d.latency_ns, d.status, d.check_body, d.request, d.response, d.debug, d.trace, d.pinned, d.note,
	d.error_kind, d.retry_ns, d.response_size, d.shadow`

// encode is e as the values of insertSQL.
func encode(e Entry) []any {
	c, d := e.Check, e.Decision
	body := c.Body()
	var request any // NULL when it is the check body, which is the usual case
	if len(d.Request) > 0 && !bytes.Equal(d.Request, body) {
		request = d.Request
	}
	var response any
	if d.Response != nil {
		response = d.Response
	}
	errText := d.ErrorText()
	var kind string
	var retry time.Duration
	if d.Outcome == pdp.Error {
		if errText == "" {
			// An error is stored as an error, never as a blank that could read as a deny.
			errText = "the target returned an error without a message"
		}
		if k := pdp.ErrorKindOf(d.Err); k != 0 {
			kind = k.String()
		}
		var te *pdp.TargetError
		if errors.As(d.Err, &te) {
			retry = te.Retry
		}
	}
	return []any{
		e.Time.UnixNano(), string(e.TargetKind), d.Target, SafeURL(e.TargetURL),
		c.User.Key, c.Action, c.Resource.Type, c.Resource.Key, c.Resource.Tenant,
		int(d.Outcome), errText, int64(d.Latency), d.Status,
		string(body), request, response, jsonOrNil(d.Debug), jsonOrNil(d.Trace), e.Pinned, e.Note,
		kind, int64(retry), d.ResponseSize, shadowJSON(d), agreed(d),
	}
}

// shadow is how history keeps a paired decision's snapshot side.
type shadow struct {
	Outcome   pdp.Outcome    `json:"outcome"`
	Debug     *pdp.Debug     `json:"debug,omitempty"`
	Agreement *pdp.Agreement `json:"agreement"`
}

func shadowJSON(d pdp.Decision) any {
	if d.Shadow == nil || d.Agreement == nil {
		return nil
	}
	return jsonOrNil(&shadow{Outcome: d.Shadow.Outcome, Debug: d.Shadow.Debug, Agreement: d.Agreement})
}

func agreed(d pdp.Decision) any {
	if d.Agreement == nil {
		return nil
	}
	return d.Agreement.Agrees()
}

// readShadow puts a stored snapshot side back on d.
func readShadow(d *pdp.Decision, s sql.NullString) {
	if !s.Valid {
		return
	}
	var v shadow
	if json.Unmarshal([]byte(s.String), &v) != nil || v.Agreement == nil || (v.Outcome != pdp.Allow && v.Outcome != pdp.Deny) {
		return
	}
	if v.Debug != nil {
		capDebug(v.Debug)
	}
	d.Shadow = &pdp.Decision{Outcome: v.Outcome, Debug: v.Debug, Target: "snapshot"}
	d.Agreement = v.Agreement
}

func jsonOrNil[T any](v *T) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return string(b)
}

// SafeURL is u without credentials, query or fragment: a target's URL as
// history may keep it. A token someone put in the URL never reaches the file.
func SafeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		// A policy file path, or something unparseable: keep what is before
		// any '?' or '#'.
		if i := bytes.IndexAny([]byte(u), "?#"); i >= 0 {
			return u[:i]
		}
		return u
	}
	p.User, p.RawQuery, p.Fragment, p.ForceQuery = nil, "", "", false
	return p.String()
}

func scanEntries(rows *sql.Rows) ([]Entry, error) {
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var (
			e                 Entry
			t, latency, retry int64
			kind, errText     string
			errKind           string
			outcome           int
			body              string
			request, response []byte
			debug, trace      sql.NullString
			shadowCol         sql.NullString
		)
		if err := rows.Scan(&e.ID, &t, &kind, &e.Decision.Target, &e.TargetURL, &outcome, &errText,
			&latency, &e.Decision.Status, &body, &request, &response, &debug, &trace, &e.Pinned, &e.Note,
			&errKind, &retry, &e.Decision.ResponseSize, &shadowCol); err != nil {
			return nil, err
		}
		e.Time = time.Unix(0, t)
		e.TargetKind = pdp.Kind(kind)
		d := &e.Decision
		d.Outcome = outcomeOf(outcome)
		if d.Outcome == pdp.Error {
			// The error as it was made: its kind and Retry-After, so that it
			// is explained as it was live.
			d.Err = &pdp.TargetError{Kind: pdp.ParseErrorKind(errKind), Status: d.Status, URL: e.TargetURL,
				Msg: errText, Retry: time.Duration(retry)}
		}
		d.Latency = time.Duration(latency)
		d.Request = request
		if len(d.Request) == 0 {
			d.Request = []byte(body)
		}
		d.Response = response
		if debug.Valid {
			var v pdp.Debug
			if json.Unmarshal([]byte(debug.String), &v) == nil {
				capDebug(&v)
				d.Debug = &v
			}
		}
		if trace.Valid {
			var v pdp.Trace
			if json.Unmarshal([]byte(trace.String), &v) == nil {
				d.Trace = &v
			}
		}
		readShadow(d, shadowCol)
		if c, err := decodeCheck([]byte(body)); err == nil {
			e.Check = c
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// decodeCheck reads a stored check body. It is the body pdpx built, so it
// decodes; a row written by hand that does not is shown with an empty check.
func decodeCheck(body []byte) (pdp.Check, error) { return pdp.DecodeCheck(body) }

// MaxResponse is the most of a response body history keeps: far more than
// any PDP's decision (a few hundred bytes, a few KiB with its debug object),
// far less than the megabytes a broken or hostile server may send, which
// the decision reports as an error and which would otherwise fill the file
// a row at a time.
const MaxResponse = 64 << 10

// bounded is e as history keeps it: a response body over MaxResponse cut to
// its first MaxResponse bytes, Decision.ResponseSize saying how large it
// was, and the debug object's reasons capped as they are when read back.
// The caller's decision is not changed.
func bounded(e Entry) Entry {
	d := &e.Decision
	if len(d.Response) > MaxResponse {
		if d.ResponseSize < len(d.Response) {
			d.ResponseSize = len(d.Response)
		}
		d.Response = d.Response[:MaxResponse:MaxResponse]
	}
	if d.Debug != nil {
		dbg := *d.Debug
		for _, r := range []**pdp.Reason{&dbg.RBAC, &dbg.ABAC, &dbg.ReBAC} {
			if *r != nil {
				c := **r
				*r = &c
			}
		}
		capDebug(&dbg)
		d.Debug = &dbg
	}
	return e
}

// maxReason caps a stored reason as it is read back. No PDP explains a
// decision in more than a few hundred characters; a megabyte of "reason"
// is a hostile or broken PDP, and the exact body is still in Response.
const maxReason = 4096

func capDebug(d *pdp.Debug) {
	for _, r := range []*pdp.Reason{d.RBAC, d.ABAC, d.ReBAC} {
		if r != nil {
			r.Reason = capText(r.Reason, maxReason)
			r.Code = capText(r.Code, 256)
		}
	}
}

// capText shortens s to at most n bytes (on a rune boundary), saying so.
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (" + strconv.Itoa(len(s)-cut) + " more bytes not shown)"
}

// outcomeIndex is the totals row of o.
func outcomeIndex(o pdp.Outcome) int {
	switch o {
	case pdp.Allow, pdp.Deny:
		return int(o)
	}
	return int(pdp.Error)
}

func outcomeOf(i int) pdp.Outcome {
	switch pdp.Outcome(i) {
	case pdp.Allow:
		return pdp.Allow
	case pdp.Deny:
		return pdp.Deny
	}
	return pdp.Error
}

// fieldValues are the values of field in c, for History.Values.
func fieldValues(c pdp.Check, field Field) []string {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	keys := func(m map[string]any) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	switch field {
	case FieldUser:
		return one(c.User.Key)
	case FieldAction:
		return one(c.Action)
	case FieldResourceType:
		return one(c.Resource.Type)
	case FieldResourceKey:
		return one(c.Resource.Key)
	case FieldTenant:
		return one(c.Resource.Tenant)
	case FieldUserAttr:
		return keys(c.User.Attributes)
	case FieldResourceAttr:
		return keys(c.Resource.Attributes)
	case FieldTenantAttr:
		return keys(c.TenantAttributes)
	case FieldContext:
		return keys(c.Context)
	}
	return nil
}

func isROFS(err error) bool { return errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EACCES) }
