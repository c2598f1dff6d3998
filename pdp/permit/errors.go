package permit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// maxDetail bounds the PDP's own text in a message: enough for a sentence or
// a validation error, not enough for a stack trace to take over the screen.
const maxDetail = 300

// statusError maps a non-200 answer to a pdp.TargetError.
func (c *Client) statusError(ex *exchange) *pdp.TargetError {
	detail := c.detail(ex.resp)
	e := &pdp.TargetError{Status: ex.status, URL: c.base, Detail: detail}
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
		e.Kind = pdp.ErrorAuth
		e.Msg = fmt.Sprintf("%s asked for an API key (HTTP 401): pass --token or set PERMIT_API_KEY to the environment's API key", at)
	case s == 401 || s == 403:
		e.Kind = pdp.ErrorAuth
		e.Msg = fmt.Sprintf("%s rejected the API key (HTTP %d): check --token or PERMIT_API_KEY is the environment's API key", at, s)
	case s == 400 || s == 413 || s == 415 || s == 422:
		e.Kind = pdp.ErrorBadRequest
		if detail == "" {
			detail = "it gave no reason"
		}
		e.Msg = fmt.Sprintf("%s refused the request (HTTP %d): %s", at, s, detail)
	case s == 429:
		e.Kind = pdp.ErrorRateLimited
		e.Retry = retryAfter(ex.header.Get("Retry-After"), time.Now())
		wait := "wait and retry"
		if e.Retry > 0 {
			wait = "wait " + e.Retry.String() + " and retry"
		}
		e.Msg = fmt.Sprintf("%s is rate limiting (HTTP 429): %s", at, wait)
	case s == 501 && c.abacUnsupported(ex.path, detail):
		e.Kind = pdp.ErrorNoABAC
		e.Msg = fmt.Sprintf("the cloud PDP at %s does not evaluate ABAC (HTTP 501): use a local PDP (docker run -p 7766:7000 permitio/pdp-v2) or the embedded engine", c.base)
	case (s == 501 || s == 404 || s == 405) && c.cloud && ex.path == pathAllTenants:
		e.Kind = pdp.ErrorNotSupported
		e.Msg = fmt.Sprintf("the cloud PDP at %s does not check all tenants at once (HTTP %d): use a local PDP (docker run -p 7766:7000 permitio/pdp-v2) or the embedded engine", c.base, s)
	case s == 501:
		e.Kind = pdp.ErrorNotSupported
		e.Msg = withDetail(fmt.Sprintf("%s does not support %s (HTTP 501)", at, endpoint))
	case s == 404 || s == 405:
		e.Kind = pdp.ErrorNotSupported
		e.Msg = fmt.Sprintf("%s has no %s (HTTP %d): check that %s is the base URL of a Permit PDP, or update the PDP", at, endpoint, s, c.base)
	case s == 503:
		e.Kind = pdp.ErrorServer
		e.Msg = withDetail(fmt.Sprintf("%s is not ready (HTTP 503)", at)) + "; wait for it to load its policy, or check the PDP's logs"
	case s >= 500:
		e.Kind = pdp.ErrorServer
		e.Msg = withDetail(fmt.Sprintf("%s failed (HTTP %d)", at, s)) + "; check the PDP's logs"
	case s >= 300 && s < 400:
		e.Kind = pdp.ErrorBadResponse
		loc := clip(c.clean(ex.header.Get("Location")), 200)
		if loc == "" {
			e.Msg = fmt.Sprintf("%s answered with a redirect (HTTP %d) and no address: check --pdp", at, s)
		} else {
			e.Msg = fmt.Sprintf("%s redirects to %s (HTTP %d): pass that address with --pdp", at, loc, s)
		}
	default:
		e.Kind = pdp.ErrorBadResponse
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
	return strings.Contains(d, "abac") || strings.Contains(d, pdp.CodeCloudNoABAC)
}

// badResponse is a 200 answer that is not what the endpoint returns.
func (c *Client) badResponse(ex *exchange, what string) *pdp.TargetError {
	return &pdp.TargetError{
		Kind:   pdp.ErrorBadResponse,
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
