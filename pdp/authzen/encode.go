package authzen

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

// FromCheck is the AuthZEN request for c: the mapping of Check read right
// to left. The subject's type is SubjectType; a check with no resource key
// sends "id": "" (a check on the type, as pdpx serve reads it).
func FromCheck(c pdp.Check) Request {
	r := Request{
		Subject:  Subject{Type: SubjectType, ID: c.User.Key},
		Action:   Action{Name: c.Action},
		Resource: Resource{Type: c.Resource.Type, ID: c.Resource.Key},
	}
	if len(c.User.Attributes) > 0 || c.User.Email != "" || c.User.FirstName != "" || c.User.LastName != "" {
		p := maps.Clone(c.User.Attributes)
		if p == nil {
			p = map[string]any{}
		}
		for k, v := range map[string]string{"email": c.User.Email, "first_name": c.User.FirstName, "last_name": c.User.LastName} {
			if v != "" {
				p[k] = v
			}
		}
		r.Subject.Properties = p
	}
	if len(c.Resource.Attributes) > 0 || c.Resource.Tenant != "" {
		p := maps.Clone(c.Resource.Attributes)
		if p == nil {
			p = map[string]any{}
		}
		if c.Resource.Tenant != "" {
			p["tenant"] = c.Resource.Tenant
		}
		r.Resource.Properties = p
	}
	ctx := maps.Clone(c.Context)
	if props, ok := ctx[ActionKey].(map[string]any); ok {
		r.Action.Properties = nilIfEmpty(maps.Clone(props))
		delete(ctx, ActionKey)
	}
	r.Context = nilIfEmpty(ctx)
	return r
}

// Body is the request as JSON. A value JSON cannot hold (a NaN attribute)
// is an error.
func (r Request) Body() ([]byte, error) { return json.Marshal(r) }

// DecisionOf is pdpx serve's answer for a decision: the boolean and, when
// debug is on, Permit's debug object as its context.
func DecisionOf(allowed bool, debug json.RawMessage) Decision {
	return Decision{Decision: allowed, Context: orNil(debug)}
}

// Answer is one decision as a PEP reads it.
type Answer struct {
	// Outcome is Allow or Deny, or Error when the decision's context
	// reports an error for this evaluation (a closed decision that is not
	// a deny: nothing was decided).
	Outcome pdp.Outcome
	// Debug is Permit's debug object when the context is one (pdpx serve,
	// Permit's PDP with debug on).
	Debug *pdp.Debug
	// Reasons are what any other context says, a line per key, cleaned of
	// terminal escapes.
	Reasons []string
	// Status and Message are the error the context reported (Outcome
	// Error): its status (0 when none was given) and message, cleaned.
	Status  int
	Message string
}

// maxReasons and maxReasonLen bound what a context may put on the screen.
const (
	maxReasons   = 20
	maxReasonLen = 300
)

// ReadDecision reads one decision object. problem is "" when it is one and
// otherwise says what is wrong with it, in words that complete "the PDP
// answered ...". Every string kept is cleaned of escapes.
func ReadDecision(raw json.RawMessage) (a Answer, problem string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return a, fmt.Sprintf("with %s where a decision object belongs", kindOf(raw))
	}
	v, ok := obj["decision"]
	if !ok || isNull(v) {
		return a, `JSON without a boolean "decision"`
	}
	var allow bool
	if json.Unmarshal(v, &allow) != nil {
		return a, fmt.Sprintf(`"decision": %s (%s), not true or false`, pdp.Clip(pdp.Clean(compact(v)), 40), kindOf(v))
	}
	a.Outcome = pdp.Deny
	if allow {
		a.Outcome = pdp.Allow
	}
	ctx := obj["context"]
	if isNull(ctx) {
		return a, ""
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(ctx, &fields) != nil || fields == nil {
		// The context explains; one of the wrong type never turns a
		// decision into an error.
		a.Reasons = []string{"context: " + pdp.Clip(pdp.Clean(compact(ctx)), maxReasonLen)}
		return a, ""
	}
	if e, ok := fields["error"]; ok && !isNull(e) {
		a.Outcome = pdp.Error
		a.Status, a.Message = itemError(e)
		return a, ""
	}
	if a.Debug = readDebug(fields); a.Debug != nil {
		return a, ""
	}
	a.Reasons = reasons(fields)
	return a, ""
}

// itemError reads a per-evaluation error: {"status": 404, "message": "..."}
// as the spec shows it, or a bare string.
func itemError(raw json.RawMessage) (int, string) {
	var e struct {
		Status  json.RawMessage `json:"status"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(raw, &e) != nil {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return 0, pdp.Clip(oneLine(s), maxReasonLen)
		}
		return 0, pdp.Clip(pdp.Clean(compact(raw)), maxReasonLen)
	}
	status := 0
	var n float64
	var s string
	switch {
	case json.Unmarshal(e.Status, &n) == nil && n >= 100 && n < 600:
		status = int(n)
	case json.Unmarshal(e.Status, &s) == nil:
		fmt.Sscanf(s, "%d", &status)
	}
	msg := ""
	if json.Unmarshal(e.Message, &s) == nil {
		msg = s
	} else if !isNull(e.Message) {
		msg = compact(e.Message)
	}
	if msg == "" {
		msg = compact(raw)
	}
	return status, pdp.Clip(oneLine(msg), maxReasonLen)
}

// reasons renders a context a line per key, sorted: a string as is, an
// object of strings (reason_admin: {"403": "..."}) as "k: v" pairs, and
// anything else as compact JSON.
func reasons(fields map[string]json.RawMessage) []string {
	keys := slices.Sorted(maps.Keys(fields))
	var out []string
	for _, k := range keys {
		if len(out) == maxReasons {
			out = append(out, fmt.Sprintf("(%d more)", len(keys)-maxReasons))
			break
		}
		v := fields[k]
		var s string
		var m map[string]string
		text := compact(v)
		switch {
		case json.Unmarshal(v, &s) == nil:
			text = s
		case json.Unmarshal(v, &m) == nil && len(m) > 0:
			parts := make([]string, 0, len(m))
			for _, mk := range slices.Sorted(maps.Keys(m)) {
				parts = append(parts, mk+": "+m[mk])
			}
			text = strings.Join(parts, "; ")
		}
		out = append(out, pdp.Clip(oneLine(k+": "+text), maxReasonLen))
	}
	return out
}

// readDebug reads Permit's debug object leniently, block by block: a block
// of an unexpected shape is dropped, because the debug object only
// explains a decision. It is nil when the context has none of the blocks.
func readDebug(fields map[string]json.RawMessage) *pdp.Debug {
	var d pdp.Debug
	found := false
	for name, dst := range map[string]**pdp.Reason{"rbac": &d.RBAC, "abac": &d.ABAC, "rebac": &d.ReBAC} {
		b, ok := fields[name]
		if !ok || isNull(b) {
			continue
		}
		var r pdp.Reason
		if json.Unmarshal(b, &r) == nil {
			*dst, found = cleanReason(&r), true
		}
	}
	if !found {
		return nil
	}
	if b, ok := fields["request"]; ok && !isNull(b) {
		var r pdp.DebugRequest
		if json.Unmarshal(b, &r) == nil {
			d.Request = cleanRequest(&r)
		}
	}
	return &d
}

func cleanRequest(r *pdp.DebugRequest) *pdp.DebugRequest {
	r.User.Key = pdp.Clean(r.User.Key)
	r.User.Attributes = cleanMap(r.User.Attributes)
	r.Tenant, r.Action = pdp.Clean(r.Tenant), pdp.Clean(r.Action)
	r.Resource.Type, r.Resource.Key = pdp.Clean(r.Resource.Type), pdp.Clean(r.Resource.Key)
	r.Resource.Attributes = cleanMap(r.Resource.Attributes)
	r.Context = cleanMap(r.Context)
	return r
}

func cleanReason(r *pdp.Reason) *pdp.Reason {
	r.Code, r.Reason, r.SupportLink = pdp.Clean(r.Code), pdp.Clean(r.Reason), pdp.Clean(r.SupportLink)
	for i := range r.AllowingRoles {
		a := &r.AllowingRoles[i]
		a.Role, a.Resource, a.Reason = pdp.Clean(a.Role), pdp.Clean(a.Resource), pdp.Clean(a.Reason)
		a.Sources = CleanStrings(a.Sources)
	}
	for i := range r.AllowingRules {
		a := &r.AllowingRules[i]
		a.UserSet, a.Role = pdp.Clean(a.UserSet), pdp.Clean(a.Role)
		a.ResourceSet, a.ResourceType = pdp.Clean(a.ResourceSet), pdp.Clean(a.ResourceType)
	}
	r.MatchingUsersets = CleanStrings(r.MatchingUsersets)
	r.MatchingResourcesets = CleanStrings(r.MatchingResourcesets)
	return r
}

// CleanStrings cleans every string of ss in place and returns it.
func CleanStrings(ss []string) []string {
	for i, s := range ss {
		ss[i] = pdp.Clean(s)
	}
	return ss
}

func cleanMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[pdp.Clean(k)] = cleanValue(v)
	}
	return out
}

func cleanValue(v any) any {
	switch t := v.(type) {
	case string:
		return pdp.Clean(t)
	case map[string]any:
		return cleanMap(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cleanValue(e)
		}
		return out
	default:
		return v
	}
}

// oneLine cleans s and folds its whitespace runs (newlines included) into
// single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(pdp.Clean(s)), " ") }

func compact(b []byte) string {
	var out strings.Builder
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(out.String())
}
