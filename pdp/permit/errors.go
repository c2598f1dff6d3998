package permit

import (
	"fmt"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/pdphttp"
)

// statusError maps a non-200 answer to a pdp.TargetError: what only
// Permit's cloud PDP answers here, the rest as any PDP's.
func (c *Client) statusError(ex *exchange) *pdp.TargetError {
	detail := c.peer.Detail(ex.resp)
	var e *pdp.TargetError
	switch s := ex.status; {
	case s == 501 && c.abacUnsupported(ex.path, detail):
		e = &pdp.TargetError{Kind: pdp.ErrorNoABAC, Status: s, URL: c.base, Detail: detail,
			Msg: fmt.Sprintf("the cloud PDP at %s does not evaluate ABAC (HTTP 501): use a local PDP (docker run -p 7766:7000 permitio/pdp-v2) or the embedded engine", c.base)}
	case (s == 501 || s == 404 || s == 405) && c.cloud && ex.path == pathAllTenants:
		e = &pdp.TargetError{Kind: pdp.ErrorNotSupported, Status: s, URL: c.base, Detail: detail,
			Msg: fmt.Sprintf("the cloud PDP at %s does not check all tenants at once (HTTP %d): use a local PDP (docker run -p 7766:7000 permitio/pdp-v2) or the embedded engine", c.base, s)}
	default:
		e = c.peer.StatusError(pdphttp.Answer{Endpoint: ex.method + " " + ex.path, Status: s,
			Header: ex.header, Detail: detail, KeySent: c.token != ""})
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
	e := c.peer.BadResponse(ex.status, what)
	e.Msg = c.redactString(e.Msg)
	return e
}

// clean makes remote text fit a one-line message: the API key redacted,
// escapes removed, and whitespace runs (newlines included) collapsed.
func (c *Client) clean(s string) string {
	return strings.Join(strings.Fields(pdp.Clean(c.redactString(s))), " ")
}
