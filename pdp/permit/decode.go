package permit

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/pdphttp"
)

// jsonProblem says what is wrong with a 200 body that should be JSON, or ""
// when it is JSON. The words are completed into a pdp.TargetError by badResponse.
func (c *Client) jsonProblem(body []byte) string {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return "with an empty body"
	case json.Valid(b):
		return ""
	case pdphttp.LooksHTML(b):
		if t := pdphttp.HTMLTitle(b); t != "" {
			return fmt.Sprintf("with an HTML page titled %q, not JSON", c.clean(t))
		}
		return "with an HTML page, not JSON"
	case b[0] == '{' || b[0] == '[':
		return "with JSON that is cut off or malformed"
	default:
		return "with something that is not JSON"
	}
}

// parseDecision reads one decision object ({allow, result, debug?}). problem
// is "" on success and otherwise says what is wrong, for badResponse.
//
// allow must be a JSON bool. result is read only when allow is absent or
// null: it is the field older PDPs filled, and a PDP that sends allow of
// the wrong type is broken whatever result says.
func (c *Client) parseDecision(raw json.RawMessage) (out pdp.Outcome, dbg *pdp.Debug, problem string) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return pdp.Error, nil, fmt.Sprintf("with %s where a decision object belongs", pdp.JSONKind(raw))
	}
	field := "allow"
	v, ok := obj["allow"]
	if !ok || pdphttp.IsNull(v) {
		field = "result"
		if v, ok = obj["result"]; !ok || pdphttp.IsNull(v) {
			return pdp.Error, nil, `JSON without a boolean "allow"`
		}
	}
	var allow bool
	if err := json.Unmarshal(v, &allow); err != nil {
		return pdp.Error, nil, fmt.Sprintf("%q: %s (%s), not true or false", field, pdp.Clip(c.clean(pdphttp.Compact(v)), 40), pdp.JSONKind(v))
	}
	out = pdp.Deny
	if allow {
		out = pdp.Allow
	}
	return out, c.decodeDebug(obj["debug"]), ""
}

// decodeDebug reads the debug object leniently, block by block: a block of
// an unexpected shape is dropped and the rest kept, because the debug
// object only explains a decision and must never turn a valid allow or deny
// into an error. The raw body stays in Decision.Response regardless.
// Every string in it is cleaned: a PDP's reasons are drawn on the terminal.
func (c *Client) decodeDebug(raw json.RawMessage) *pdp.Debug {
	if pdphttp.IsNull(raw) {
		return nil
	}
	var blocks map[string]json.RawMessage
	if json.Unmarshal(raw, &blocks) != nil {
		return nil
	}
	var d pdp.Debug
	var found bool
	if b, ok := blocks["request"]; ok && !pdphttp.IsNull(b) {
		var r pdp.DebugRequest
		if json.Unmarshal(b, &r) == nil {
			d.Request, found = c.cleanRequest(&r), true
		}
	}
	for name, dst := range map[string]**pdp.Reason{"rbac": &d.RBAC, "abac": &d.ABAC, "rebac": &d.ReBAC} {
		b, ok := blocks[name]
		if !ok || pdphttp.IsNull(b) {
			continue
		}
		var r pdp.Reason
		if json.Unmarshal(b, &r) == nil {
			*dst, found = c.cleanReason(&r), true
		}
	}
	if !found {
		return nil
	}
	return &d
}

func (c *Client) cleanRequest(r *pdp.DebugRequest) *pdp.DebugRequest {
	r.User.Key = c.cleanText(r.User.Key)
	r.User.Attributes = c.cleanMap(r.User.Attributes)
	r.Tenant = c.cleanText(r.Tenant)
	r.Action = c.cleanText(r.Action)
	r.Resource.Type = c.cleanText(r.Resource.Type)
	r.Resource.Key = c.cleanText(r.Resource.Key)
	r.Resource.Attributes = c.cleanMap(r.Resource.Attributes)
	r.Context = c.cleanMap(r.Context)
	return r
}

func (c *Client) cleanReason(r *pdp.Reason) *pdp.Reason {
	r.Code = c.cleanText(r.Code)
	r.Reason = c.cleanText(r.Reason)
	r.SupportLink = c.cleanText(r.SupportLink)
	for i := range r.AllowingRoles {
		a := &r.AllowingRoles[i]
		a.Role, a.Resource, a.Reason = c.cleanText(a.Role), c.cleanText(a.Resource), c.cleanText(a.Reason)
		a.Sources = c.cleanStrings(a.Sources)
	}
	for i := range r.AllowingRules {
		a := &r.AllowingRules[i]
		a.UserSet, a.Role = c.cleanText(a.UserSet), c.cleanText(a.Role)
		a.ResourceSet, a.ResourceType = c.cleanText(a.ResourceSet), c.cleanText(a.ResourceType)
	}
	r.MatchingUsersets = c.cleanStrings(r.MatchingUsersets)
	r.MatchingResourcesets = c.cleanStrings(r.MatchingResourcesets)
	return r
}

// cleanText cleans a remote string kept in a structure. Unlike clean, it
// keeps newlines: a reason may be several lines, and the UI wraps it.
func (c *Client) cleanText(s string) string { return pdp.Clean(c.redactString(s)) }

func (c *Client) cleanStrings(ss []string) []string {
	for i, s := range ss {
		ss[i] = c.cleanText(s)
	}
	return ss
}

func (c *Client) cleanMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[c.cleanText(k)] = c.cleanValue(v)
	}
	return out
}

// cleanValue cleans every string in a decoded JSON value, keys included.
func (c *Client) cleanValue(v any) any {
	switch t := v.(type) {
	case string:
		return c.cleanText(t)
	case map[string]any:
		return c.cleanMap(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = c.cleanValue(e)
		}
		return out
	default:
		return v
	}
}
