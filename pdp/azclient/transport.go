package azclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// exchange is one request and what came back, whatever came back.
type exchange struct {
	method, url string
	status      int
	header      http.Header
	resp        []byte // capped at maxBody, the key redacted
	latency     time.Duration
}

// errOwnTimeout is the cause of the per-request deadline, to tell our time
// limit from the caller's.
var errOwnTimeout = errors.New("azclient: request time limit")

// do sends one request to url (a full URL on the PDP's origin) and reads
// the answer. The error, when not nil, is a *pdp.TargetError; the exchange
// is always returned, so that a Decision keeps the status and body of a
// failed request.
func (c *Client) do(ctx context.Context, method, url string, body []byte) (*exchange, error) {
	ex := &exchange{method: method, url: url, header: http.Header{}}
	start := time.Now()
	defer func() { ex.latency = time.Since(start) }()

	rctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errOwnTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rctx, method, url, rd)
	if err != nil {
		return ex, &pdp.TargetError{Kind: pdp.ErrorNetwork, URL: c.base, Msg: "cannot build a request to " + c.clean(url), Cause: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "pdpx/"+Version)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return ex, c.transportError(ctx, rctx, err, time.Since(start))
	}
	defer resp.Body.Close()
	ex.status, ex.header = resp.StatusCode, resp.Header
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	tooBig := int64(len(data)) > c.maxBody
	if tooBig {
		data = data[:c.maxBody]
	}
	ex.resp = c.redact(data)
	if err != nil {
		return ex, c.transportError(ctx, rctx, err, time.Since(start))
	}
	if tooBig {
		return ex, &pdp.TargetError{Kind: pdp.ErrorBadResponse, Status: ex.status, URL: c.base,
			Msg: fmt.Sprintf("the AuthZEN PDP's answer to %s %s was larger than %d MiB: is %s an AuthZEN PDP?", method, c.path(url), c.maxBody>>20, c.base)}
	}
	if ex.status != http.StatusOK {
		return ex, c.statusError(ex)
	}
	return ex, nil
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
	detail := c.detail(ex.resp)
	e := &pdp.TargetError{Status: ex.status, URL: c.base, Detail: detail}
	at := "the AuthZEN PDP at " + c.base
	endpoint := ex.method + " " + c.path(ex.url)
	withDetail := func(s string) string {
		if detail == "" {
			return s
		}
		return s + ": " + detail
	}
	switch s := ex.status; {
	case s == 401 && c.token == "":
		e.Kind = pdp.ErrorAuth
		e.Msg = fmt.Sprintf("%s asked for a key (HTTP 401): pass it with --token", at)
	case s == 401 || s == 403:
		e.Kind = pdp.ErrorAuth
		e.Msg = withDetail(fmt.Sprintf("%s rejected the key (HTTP %d)", at, s)) + "; check --token"
	case s == 400 || s == 413 || s == 415 || s == 422:
		e.Kind = pdp.ErrorBadRequest
		if detail == "" {
			detail = "it gave no reason"
		}
		e.Msg = fmt.Sprintf("%s refused %s (HTTP %d): %s", at, endpoint, s, detail)
	case s == 429:
		e.Kind = pdp.ErrorRateLimited
		if n, err := strconv.Atoi(strings.TrimSpace(ex.header.Get("Retry-After"))); err == nil && n > 0 {
			e.Retry = time.Duration(min(n, 86400)) * time.Second
		}
		wait := "wait and retry"
		if e.Retry > 0 {
			wait = "wait " + e.Retry.String() + " and retry"
		}
		e.Msg = fmt.Sprintf("%s is rate limiting (HTTP 429): %s", at, wait)
	case s == 404 || s == 405 || s == 501:
		e.Kind = pdp.ErrorNotSupported
		e.Msg = fmt.Sprintf("%s has no %s (HTTP %d): check that %s is the PDP's base URL (its policy_decision_point)", at, endpoint, s, c.base)
	case s >= 500:
		e.Kind = pdp.ErrorServer
		e.Msg = withDetail(fmt.Sprintf("%s failed (HTTP %d)", at, s)) + "; check the PDP's logs"
	case s >= 300 && s < 400:
		e.Kind = pdp.ErrorBadResponse
		if loc := clip(c.clean(ex.header.Get("Location")), 200); loc != "" {
			e.Msg = fmt.Sprintf("%s redirects to %s (HTTP %d): pass that address with --authzen", at, loc, s)
		} else {
			e.Msg = fmt.Sprintf("%s answered with a redirect (HTTP %d) and no address: check --authzen", at, s)
		}
	default:
		e.Kind = pdp.ErrorBadResponse
		e.Msg = withDetail(fmt.Sprintf("%s answered HTTP %d to %s", at, s, endpoint)) + fmt.Sprintf(" (is %s an AuthZEN PDP?)", c.base)
	}
	e.Msg = c.redactString(e.Msg)
	return e
}

// transportError maps a failure to get an answer to a TargetError.
func (c *Client) transportError(parent, rctx context.Context, err error, elapsed time.Duration) *pdp.TargetError {
	e := &pdp.TargetError{URL: c.base, Cause: err}
	at := "the AuthZEN PDP at " + c.base
	var (
		dnsErr  *net.DNSError
		netErr  net.Error
		recErr  tls.RecordHeaderError
		verErr  *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
	)
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		e.Kind, e.Msg = pdp.ErrorCanceled, "cancelled"
	case errors.Is(context.Cause(rctx), errOwnTimeout):
		e.Kind = pdp.ErrorTimeout
		e.Msg = fmt.Sprintf("%s did not answer within %s: check it is running, or raise --timeout", at, c.timeout)
	case errors.Is(parent.Err(), context.DeadlineExceeded):
		e.Kind = pdp.ErrorTimeout
		e.Msg = fmt.Sprintf("%s did not answer within %s: check it is running, or raise --timeout", at, elapsed.Round(time.Millisecond))
	case errors.As(err, &dnsErr):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("cannot find the host of %s (DNS): check the spelling of --authzen, or your network", c.base)
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind = pdp.ErrorRefused
		e.Msg = fmt.Sprintf("nothing is listening at %s: start the PDP (pdpx serve, for one) or check --authzen", c.base)
	case errors.As(err, &recErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("%s does not speak TLS: use %s", at, strings.Replace(c.base, "https://", "http://", 1))
	case errors.As(err, &verErr), errors.As(err, &unkAuth), errors.As(err, &hostErr):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("the TLS certificate of %s is not trusted: check the URL, or the system's certificate authorities", c.base)
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = pdp.ErrorTimeout
		e.Msg = fmt.Sprintf("%s did not answer within %s: check it is running, or raise --timeout", at, elapsed.Round(time.Millisecond))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("%s closed the connection without a complete answer: check the PDP's logs", at)
	default:
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("cannot reach the AuthZEN PDP at %s (%s): check the network and --authzen", c.base, clip(c.clean(innermost(err).Error()), maxDetail))
	}
	e.Msg = c.redactString(e.Msg)
	return e
}

func innermost(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// maxDetail bounds the PDP's own text in a message.
const maxDetail = 300

// detail is the PDP's own explanation in an error body: AuthZEN's plain
// message, or a JSON object's detail, message or error, or an HTML page's
// title. Cleaned, redacted, on one line, clipped.
func (c *Client) detail(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return ""
	}
	out := string(b)
	var obj map[string]json.RawMessage
	var s string
	switch {
	case json.Unmarshal(b, &obj) == nil && obj != nil:
		for _, k := range []string{"detail", "message", "error_description", "error"} {
			if v, ok := obj[k]; ok {
				if json.Unmarshal(v, &s) == nil {
					out = s
				} else {
					out = string(v)
				}
				break
			}
		}
	case json.Unmarshal(b, &s) == nil:
		out = s
	case looksHTML(b):
		out = "an HTML page"
	}
	return clip(c.clean(out), maxDetail)
}

func looksHTML(b []byte) bool {
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}

// jsonProblem says what is wrong with a 200 body that should be a JSON
// object, or "" when it is one.
func jsonProblem(body []byte) string {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return "with an empty body"
	case looksHTML(b):
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
	return &pdp.TargetError{
		Kind:   pdp.ErrorBadResponse,
		Status: ex.status,
		URL:    c.base,
		Msg:    c.redactString(fmt.Sprintf("the AuthZEN PDP at %s answered %s %s (is %s an AuthZEN PDP?)", c.base, c.path(ex.url), what, c.base)),
	}
}

// clip shortens s to n runes, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
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
