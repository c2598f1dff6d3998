package permit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/pdphttp"
)

// The PDP's paths (no /v2 prefix).
const (
	pathAllowed         = "/allowed"
	pathBulk            = "/allowed/bulk"
	pathAllTenants      = "/allowed/all-tenants"
	pathUserPermissions = "/user-permissions"
	pathAuthorizedUsers = "/authorized_users"
	pathHealthy         = "/healthy"
	pathHealth          = "/health"
)

// decision starts a Decision for an exchange: an Error until a boolean
// allow is read, carrying whatever was sent and received.
func (c *Client) decision(req []byte, ex *exchange) pdp.Decision {
	return pdp.Decision{
		Outcome:  pdp.Error,
		Request:  req,
		Response: ex.resp,
		Status:   ex.status,
		Latency:  ex.latency,
		Target:   c.info.Name,
	}
}

// Check asks POST /allowed with c.Body(). The Decision is Allow or Deny only
// for HTTP 200 with a boolean allow; everything else is Error with a *pdp.TargetError.
func (c *Client) Check(ctx context.Context, ch pdp.Check) pdp.Decision {
	body := ch.Body()
	ex, err := c.do(ctx, http.MethodPost, pathAllowed, body)
	d := c.decision(body, ex)
	if err != nil {
		d.Err = err
		return d
	}
	if p := c.jsonProblem(ex.raw); p != "" {
		d.Err = c.badResponse(ex, p)
		return d
	}
	out, dbg, p := c.parseDecision(ex.raw)
	if p != "" {
		d.Err = c.badResponse(ex, p)
		return d
	}
	d.Outcome, d.Debug = out, dbg
	return d
}

// Bulk asks POST /allowed/bulk once for all of cs and returns one Decision
// per check, in order. Each Decision's Request is that check's own body (the
// bulk body is their JSON array) and its Response that check's element of the
// answer; Status and Latency are the whole request's.
//
// When the request as a whole fails (transport, status, not JSON, a count
// that does not match cs) every Decision is an Error carrying the same *pdp.TargetError,
// which is also returned. A single malformed element makes only its
// Decision an Error, and the returned error is nil. No checks, no request.
func (c *Client) Bulk(ctx context.Context, cs []pdp.Check) ([]pdp.Decision, error) {
	if len(cs) == 0 {
		return []pdp.Decision{}, nil
	}
	body := pdp.BulkBody(cs)
	ex, err := c.do(ctx, http.MethodPost, pathBulk, body)
	ds := make([]pdp.Decision, len(cs))
	for i, ch := range cs {
		ds[i] = c.decision(ch.Body(), ex)
	}
	fail := func(err error) ([]pdp.Decision, error) {
		for i := range ds {
			ds[i].Err = err
		}
		return ds, err
	}
	if err != nil {
		return fail(err)
	}
	if p := c.jsonProblem(ex.raw); p != "" {
		return fail(c.badResponse(ex, p))
	}
	var top struct {
		Allow json.RawMessage `json:"allow"`
	}
	var items []json.RawMessage
	if json.Unmarshal(ex.raw, &top) != nil || pdphttp.IsNull(top.Allow) || json.Unmarshal(top.Allow, &items) != nil {
		return fail(c.badResponse(ex, `JSON without an "allow" list of decisions`))
	}
	if len(items) != len(cs) {
		return fail(c.badResponse(ex, fmt.Sprintf("%d decisions for %d checks", len(items), len(cs))))
	}
	for i, it := range items {
		ds[i].Response = c.redact(bytes.Clone(it))
		out, dbg, p := c.parseDecision(it)
		if p != "" {
			ds[i].Err = c.badResponse(ex, fmt.Sprintf("for check %d of %d: %s", i+1, len(cs), p))
			continue
		}
		ds[i].Outcome, ds[i].Debug = out, dbg
	}
	return ds, nil
}

// AllTenants asks POST /allowed/all-tenants with c.Body() (the PDP ignores
// the tenant) and returns the tenants where the check is allowed, as the PDP
// lists them. Each Decision's Response is the tenant's element of the answer.
// The error, when not nil, is a *pdp.TargetError.
func (c *Client) AllTenants(ctx context.Context, ch pdp.Check) ([]pdp.TenantDecision, error) {
	body := ch.Body()
	ex, err := c.do(ctx, http.MethodPost, pathAllTenants, body)
	if err != nil {
		return nil, err
	}
	if p := c.jsonProblem(ex.raw); p != "" {
		return nil, c.badResponse(ex, p)
	}
	var top struct {
		AllowedTenants json.RawMessage `json:"allowed_tenants"`
	}
	var items []json.RawMessage
	if json.Unmarshal(ex.raw, &top) != nil || pdphttp.IsNull(top.AllowedTenants) || json.Unmarshal(top.AllowedTenants, &items) != nil {
		return nil, c.badResponse(ex, `JSON without an "allowed_tenants" list`)
	}
	out := make([]pdp.TenantDecision, 0, len(items))
	for i, it := range items {
		var t struct {
			Tenant *struct {
				Key        string         `json:"key"`
				Attributes map[string]any `json:"attributes"`
			} `json:"tenant"`
		}
		if json.Unmarshal(it, &t) != nil || t.Tenant == nil || t.Tenant.Key == "" {
			return nil, c.badResponse(ex, fmt.Sprintf(`an allowed tenant (%d of %d) without a "tenant": {"key": ...}`, i+1, len(items)))
		}
		d := c.decision(body, ex)
		d.Response = c.redact(bytes.Clone(it))
		if o, dbg, p := c.parseDecision(it); p != "" {
			d.Err = c.badResponse(ex, fmt.Sprintf("for tenant %s: %s", c.clean(t.Tenant.Key), p))
		} else {
			d.Outcome, d.Debug = o, dbg
		}
		out = append(out, pdp.TenantDecision{
			Tenant:           c.cleanText(t.Tenant.Key),
			TenantAttributes: c.cleanMap(t.Tenant.Attributes),
			Decision:         d,
		})
	}
	return out, nil
}

// UserPermissions asks POST /user-permissions with q as its body. Keys,
// permissions, roles and attributes are cleaned of terminal escapes.
// The error, when not nil, is a *pdp.TargetError.
func (c *Client) UserPermissions(ctx context.Context, q pdp.PermissionsQuery) (pdp.Permissions, error) {
	body, err := json.Marshal(q)
	if err != nil {
		// Only an attribute value JSON cannot hold (a NaN) gets here.
		return nil, &pdp.TargetError{Kind: pdp.ErrorBadRequest, URL: c.base, Msg: "cannot send the query to " + c.base + ": " + err.Error(), Cause: err}
	}
	ex, err := c.do(ctx, http.MethodPost, pathUserPermissions, body)
	if err != nil {
		return nil, err
	}
	if p := c.jsonProblem(ex.raw); p != "" {
		return nil, c.badResponse(ex, p)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(ex.raw, &raw); err != nil || raw == nil {
		return nil, c.badResponse(ex, "with "+pdp.JSONKind(ex.raw)+" where an object of permissions belongs")
	}
	out := make(pdp.Permissions, len(raw))
	for k, v := range raw {
		var e pdp.PermissionEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, c.badResponse(ex, fmt.Sprintf("an entry %q of an unexpected shape", pdp.Clip(c.clean(k), 80)))
		}
		e.Tenant = c.cleanRef(e.Tenant)
		e.Resource = c.cleanRef(e.Resource)
		e.Permissions = c.cleanStrings(e.Permissions)
		e.Roles = c.cleanStrings(e.Roles)
		out[c.cleanText(k)] = e
	}
	return out, nil
}

func (c *Client) cleanRef(r *pdp.ObjectRef) *pdp.ObjectRef {
	if r == nil {
		return nil
	}
	r.Key, r.Type = c.cleanText(r.Key), c.cleanText(r.Type)
	r.Attributes = c.cleanMap(r.Attributes)
	return r
}

// authorizedUsersBody is the /authorized_users request, as Permit's SDKs send it.
type authorizedUsersBody struct {
	Action   string         `json:"action"`
	Resource pdp.Resource   `json:"resource"`
	Context  map[string]any `json:"context"`
}

// AuthorizedUsers asks POST /authorized_users who may do q.Action on
// q.Resource (an empty key asks about the type: the answer says "type:*").
// The error, when not nil, is a *pdp.TargetError.
func (c *Client) AuthorizedUsers(ctx context.Context, q pdp.AuthorizedUsersQuery) (pdp.AuthorizedUsers, error) {
	ctxt := q.Context
	if ctxt == nil {
		ctxt = map[string]any{}
	}
	body, err := json.Marshal(authorizedUsersBody{Action: q.Action, Resource: q.Resource, Context: ctxt})
	if err != nil {
		return pdp.AuthorizedUsers{}, &pdp.TargetError{Kind: pdp.ErrorBadRequest, URL: c.base, Msg: "cannot send the query to " + c.base + ": " + err.Error(), Cause: err}
	}
	ex, err := c.do(ctx, http.MethodPost, pathAuthorizedUsers, body)
	if err != nil {
		return pdp.AuthorizedUsers{}, err
	}
	if p := c.jsonProblem(ex.raw); p != "" {
		return pdp.AuthorizedUsers{}, c.badResponse(ex, p)
	}
	var au pdp.AuthorizedUsers
	if err := json.Unmarshal(ex.raw, &au); err != nil {
		return pdp.AuthorizedUsers{}, c.badResponse(ex, `JSON that is not {"resource", "tenant", "users": {...}}`)
	}
	out := pdp.AuthorizedUsers{
		Resource: c.cleanText(au.Resource),
		Tenant:   c.cleanText(au.Tenant),
		Users:    make(map[string][]pdp.UserRoleAssignment, len(au.Users)),
	}
	for user, as := range au.Users {
		for i := range as {
			a := &as[i]
			a.User, a.Tenant = c.cleanText(a.User), c.cleanText(a.Tenant)
			a.Resource, a.Role = c.cleanText(a.Resource), c.cleanText(a.Role)
		}
		out.Users[c.cleanText(user)] = as
	}
	return out, nil
}

// Health asks GET /healthy, or /health on PDPs that lack it (HTTP 404), and
// is nil when the PDP answers 200. A 503 means the PDP runs but has not
// loaded its policy yet. The PDP wants no API key there, but the key is sent
// anyway: a gateway in front of a PDP may want it, and it goes only to the
// host that checks receive it. The error, when not nil, is a *pdp.TargetError.
func (c *Client) Health(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodGet, pathHealthy, nil)
	var e *pdp.TargetError
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		_, err = c.do(ctx, http.MethodGet, pathHealth, nil)
	}
	return err
}
