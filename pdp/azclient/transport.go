package azclient

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/pdphttp"
)

// exchange is one request and what came back, whatever came back.
type exchange struct {
	method, url string
	status      int
	header      http.Header
	resp        []byte // capped at maxBody, the key redacted
	latency     time.Duration
}

// do sends one request to url (a full URL on the PDP's origin) and reads
// the answer. The error, when not nil, is a *pdp.TargetError; the exchange
// is always returned, so that a Decision keeps the status and body of a
// failed request.
func (c *Client) do(ctx context.Context, method, url string, body []byte) (*exchange, error) {
	start := time.Now()
	rep, terr := c.peer.Send(ctx, c.hc, pdphttp.Request{Method: method, URL: url, Body: body,
		Token: c.token, UserAgent: "pdpx/" + Version, Limit: c.maxBody})
	ex := &exchange{method: method, url: url, status: rep.Status, header: rep.Header,
		resp: c.redact(rep.Body), latency: time.Since(start)}
	var e *pdp.TargetError
	switch {
	case terr != nil:
		e = terr
	case rep.TooBig:
		e = c.peer.TooLarge(ex.status, method+" "+c.path(url), c.maxBody)
	case ex.status != http.StatusOK:
		return ex, c.statusError(ex)
	default:
		return ex, nil
	}
	e.Msg = c.redactString(e.Msg)
	return ex, e
}

// path is url without the origin, for messages.
func (c *Client) path(url string) string {
	if p := strings.TrimPrefix(url, c.origin); p != "" {
		return p
	}
	return "/"
}

// statusError maps a non-200 answer to a TargetError.
func (c *Client) statusError(ex *exchange) *pdp.TargetError {
	e := c.peer.StatusError(pdphttp.Answer{Endpoint: ex.method + " " + c.path(ex.url), Status: ex.status,
		Header: ex.header, Detail: c.peer.Detail(ex.resp), KeySent: c.token != ""})
	e.Msg = c.redactString(e.Msg)
	return e
}

// jsonProblem says what is wrong with a 200 body that should be a JSON
// object, or "" when it is one.
func jsonProblem(body []byte) string {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return "with an empty body"
	case pdphttp.LooksHTML(b):
		return "with an HTML page, not JSON"
	case !json.Valid(b) && (b[0] == '{' || b[0] == '['):
		return "with JSON that is cut off or malformed"
	case !json.Valid(b):
		return "with something that is not JSON"
	case b[0] != '{':
		return "with JSON that is not an object"
	}
	return ""
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// badResponse is a 200 answer that is not what the endpoint returns.
func (c *Client) badResponse(ex *exchange, what string) *pdp.TargetError {
	e := c.peer.BadResponse(ex.status, c.path(ex.url)+" "+what)
	e.Msg = c.redactString(e.Msg)
	return e
}

// clean makes remote text fit a one-line message: the key redacted,
// escapes removed, whitespace runs folded.
func (c *Client) clean(s string) string {
	return strings.Join(strings.Fields(pdp.Clean(c.redactString(s))), " ")
}

// minRedact is the shortest key redacted from what the PDP sends back: a
// very short test key would otherwise mangle any answer holding its letters.
const minRedact = 8

const redacted = "[redacted]"

// redact removes the key from a body the PDP sent, in case it echoed the
// Authorization header: a body lands in history, exports and the screen.
func (c *Client) redact(b []byte) []byte {
	if len(c.token) < minRedact || !bytes.Contains(b, []byte(c.token)) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(c.token), []byte(redacted))
}

func (c *Client) redactString(s string) string {
	if len(c.token) < minRedact {
		return s
	}
	return strings.ReplaceAll(s, c.token, redacted)
}
