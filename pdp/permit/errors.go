package permit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// ErrorKind tells apart the ways a request to a PDP can fail, so that the UI
// can show a card that fits (re-enter the key, start the PDP, wait, ...).
type ErrorKind int

// The kinds of Error. The zero value is not used, so a Kind read from a
// zero Error is visibly "unknown".
const (
	// Auth: HTTP 401 or 403, the API key is missing or wrong.
	Auth ErrorKind = iota + 1
	// BadRequest: HTTP 400, 413, 415 or 422, the PDP refused the body.
	BadRequest
	// RateLimited: HTTP 429 (the cloud PDP); Error.Retry holds Retry-After.
	RateLimited
	// NotSupported: HTTP 501, or 404/405 for an endpoint this PDP lacks
	// (the cloud PDP evaluates no ABAC and has no all-tenants check).
	NotSupported
	// Server: HTTP 5xx, the PDP failed or is not ready.
	Server
	// Refused: nothing listens at the URL.
	Refused
	// Timeout: no complete answer within the time limit.
	Timeout
	// Canceled: the caller cancelled the request.
	Canceled
	// BadResponse: HTTP 200 that is not a decision (not JSON, no boolean
	// allow, too large, wrong count), a redirect or an unexpected status.
	BadResponse
	// Network: DNS, TLS and other transport failures.
	Network
)

var kindNames = map[ErrorKind]string{
	Auth:         "auth",
	BadRequest:   "bad_request",
	RateLimited:  "rate_limited",
	NotSupported: "not_supported",
	Server:       "server",
	Refused:      "refused",
	Timeout:      "timeout",
	Canceled:     "canceled",
	BadResponse:  "bad_response",
	Network:      "network",
}

// String is a stable snake_case name for history and exports.
func (k ErrorKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "unknown"
}

// Error is why a request to a PDP produced no decision. Every field is safe
// to show and store: none holds the API key, and text that came from the
// PDP has been passed through pdp.Clean.
type Error struct {
	Kind ErrorKind
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// URL is the PDP's base URL (no credentials).
	URL string
	// Msg is the whole message for a person, naming URL and what to do.
	Msg string
	// Detail is the PDP's own explanation, cleaned and truncated, if it gave one.
	Detail string
	// Retry is the PDP's Retry-After for RateLimited, 0 when not given.
	Retry time.Duration

	cause error
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the transport error behind the failure, if any, so that
// errors.Is(err, context.Canceled) and friends work.
func (e *Error) Unwrap() error { return e.cause }

// KindOf returns the Kind of err if it is (or wraps) an *Error, else 0.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// maxDetail bounds the PDP's own text in a message: enough for a sentence or
// a validation error, not enough for a stack trace to take over the screen.
const maxDetail = 300

// statusError maps a non-200 answer to an Error.
func (c *Client) statusError(ex *exchange) *Error {
	detail := c.detail(ex.resp)
	e := &Error{Status: ex.status, URL: c.base, Detail: detail}
	at := "the PDP at " + c.base
	withDetail := func(s string) string {
		if detail == "" {
			return s
		}
		return s + ": " + detail
	}
	endpoint := ex.method + " " + ex.path
	switch s := ex.status; {
	case s == 401 && c.token == "":
		e.Kind = Auth
		e.Msg = fmt.Sprintf("%s asked for an API key (HTTP 401): pass --token or set PERMIT_API_KEY to the environment's API key", at)
	case s == 401 || s == 403:
		e.Kind = Auth
		e.Msg = fmt.Sprintf("%s rejected the API key (HTTP %d): check --token or PERMIT_API_KEY is the environment's API key", at, s)
	case s == 400 || s == 413 || s == 415 || s == 422:
		e.Kind = BadRequest
		if detail == "" {
			detail = "it gave no reason"
		}
		e.Msg = fmt.Sprintf("%s refused the request (HTTP %d): %s", at, s, detail)
	case s == 429:
		e.Kind = RateLimited
		e.Retry = retryAfter(ex.header.Get("Retry-After"), time.Now())
		wait := "wait and retry"
		if e.Retry > 0 {
			wait = "wait " + e.Retry.String() + " and retry"
		}
		e.Msg = fmt.Sprintf("%s is rate limiting (HTTP 429): %s", at, wait)
	case s == 501 && c.abacUnsupported(ex.path, detail):
		e.Kind = NotSupported
		e.Msg = fmt.Sprintf("the cloud PDP at %s does not evaluate ABAC (HTTP 501): use a local PDP (docker run -p 7766:7000 permitio/pdp-v2) or the embedded engine", c.base)
	case (s == 501 || s == 404 || s == 405) && c.cloud && ex.path == pathAllTenants:
		e.Kind = NotSupported
		e.Msg = fmt.Sprintf("the cloud PDP at %s does not check all tenants at once (HTTP %d): use a local PDP (docker run -p 7766:7000 permitio/pdp-v2) or the embedded engine", c.base, s)
	case s == 501:
		e.Kind = NotSupported
		e.Msg = withDetail(fmt.Sprintf("%s does not support %s (HTTP 501)", at, endpoint))
	case s == 404 || s == 405:
		e.Kind = NotSupported
		e.Msg = fmt.Sprintf("%s has no %s (HTTP %d): check that %s is the base URL of a Permit PDP, or update the PDP", at, endpoint, s, c.base)
	case s == 503:
		e.Kind = Server
		e.Msg = withDetail(fmt.Sprintf("%s is not ready (HTTP 503)", at)) + "; wait for it to load its policy, or check the PDP's logs"
	case s >= 500:
		e.Kind = Server
		e.Msg = withDetail(fmt.Sprintf("%s failed (HTTP %d)", at, s)) + "; check the PDP's logs"
	case s >= 300 && s < 400:
		e.Kind = BadResponse
		loc := clip(c.clean(ex.header.Get("Location")), 200)
		if loc == "" {
			e.Msg = fmt.Sprintf("%s answered with a redirect (HTTP %d) and no address: check --pdp", at, s)
		} else {
			e.Msg = fmt.Sprintf("%s redirects to %s (HTTP %d): pass that address with --pdp", at, loc, s)
		}
	default:
		e.Kind = BadResponse
		e.Msg = withDetail(fmt.Sprintf("%s answered HTTP %d to %s", at, s, endpoint)) + fmt.Sprintf(" (is %s a Permit PDP?)", c.base)
	}
	e.Msg = c.redactString(e.Msg)
	return e
}

// abacUnsupported tells whether a 501 is the cloud PDP refusing ABAC:
// the cloud PDP on a check endpoint, or any PDP that says so itself.
func (c *Client) abacUnsupported(path, detail string) bool {
	if c.cloud && (path == pathAllowed || path == pathBulk) {
		return true
	}
	d := strings.ToLower(detail)
	return strings.Contains(d, "abac") || strings.Contains(d, CodeCloudNoABAC)
}

// badResponse is a 200 answer that is not what the endpoint returns.
func (c *Client) badResponse(ex *exchange, what string) *Error {
	return &Error{
		Kind:   BadResponse,
		Status: ex.status,
		URL:    c.base,
		Msg:    c.redactString(fmt.Sprintf("the PDP at %s answered %s (is %s a Permit PDP?)", c.base, what, c.base)),
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0
		}
		// A day is already absurd; cap it so a hostile value cannot overflow.
		return time.Duration(min(n, 86400)) * time.Second
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil {
		if d := t.Sub(now).Round(time.Second); d > 0 {
			return min(d, 24*time.Hour)
		}
	}
	return 0
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

// clean makes remote text fit a one-line message: the API key redacted,
// escapes removed, and whitespace runs (newlines included) collapsed.
func (c *Client) clean(s string) string {
	return strings.Join(strings.Fields(pdp.Clean(c.redactString(s))), " ")
}
