package server

import (
	"encoding/json"
	"net/http"
	"runtime"
	"strconv"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
)

// The /allowed bodies without a debug object (--no-debug), made once: the
// fast path decides with Engine.Allowed and copies nothing.
var (
	allowBody = []byte(`{"allow":true,"result":true}`)
	denyBody  = []byte(`{"allow":false,"result":false}`)
)

// appendDecision decides one check and appends its /allowed response body
// to b, with Permit's debug object unless NoDebug. With debug it uses
// EvaluateDebug rather than Decide or Evaluate: Decide also marshals the
// request body and the response through encoding/json, Evaluate builds the
// condition-level trace, and the server sends neither.
//
// buf is where the debug object is built; a bulk run passes one for all
// its checks (each debug object is written out before the next is built),
// and nil gives the decision one of its own.
func (s *Server) appendDecision(b []byte, l *loaded, c *pdp.Check, buf *engine.DebugBuffer) ([]byte, bool) {
	if s.cfg.NoDebug {
		if l.eng.Allowed(c) {
			return append(b, allowBody...), true
		}
		return append(b, denyBody...), false
	}
	d, aj := l.eng.EvaluateDebugJSON(c, buf)
	ok := d.Outcome == pdp.Allow
	return appendResponse(b, ok, d.Debug, aj), ok
}

// decide answers one check: whether it allows and its /allowed response
// body in a buffer of its own.
func (s *Server) decide(l *loaded, c pdp.Check) (bool, []byte) {
	b, ok := s.appendDecision(nil, l, &c, nil)
	return ok, b
}

func outcomeWord(allowed bool) string {
	if allowed {
		return "allow"
	}
	return "deny"
}

func (info *reqInfo) check(c *pdp.Check) {
	info.user, info.action, info.resource, info.tenant = c.User.Key, c.Action, c.Resource.Ref(), c.Resource.Tenant
}

// allowed answers POST /allowed: {"allow", "result", "debug"?}. A deny is
// HTTP 200 like an allow.
func (s *Server) allowed(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	var c pdp.Check
	if !decodeCheckFast(string(body), &c) {
		var err error
		if c, err = pdp.DecodeCheck(body); err != nil {
			return bodyError(info, err)
		}
	}
	info.check(&c)
	out, ok := s.appendDecision(info.out[:0], l, &c, nil)
	info.out = out
	info.outcome = outcomeWord(ok)
	return http.StatusOK, out
}

// bulk answers POST /allowed/bulk: {"allow": [one /allowed answer per
// check, in order]}; an empty list gives {"allow": []}.
func (s *Server) bulk(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	cs, fast := decodeChecksFast(string(body), info.checks[:0])
	info.checks = cs
	if !fast {
		var err error
		if cs, err = pdp.DecodeChecks(body); err != nil {
			return bodyError(info, err)
		}
	}
	if len(cs) == 1 {
		info.check(&cs[0])
	}
	if len(cs) > s.streamBatch() {
		return s.streamBulk(l, cs, info)
	}
	out := append(info.out[:0], `{"allow":[`...)
	out, allowed := s.appendDecisions(out, l, cs)
	out = append(out, "]}"...)
	info.out = out
	info.outcome = strconv.Itoa(allowed) + " allow, " + strconv.Itoa(len(cs)-allowed) + " deny"
	return http.StatusOK, out
}

// streamBatch is how many checks of a bulk request are decided and written
// at a time: enough for appendDecisions to give every core runs of its
// minimum length, a few hundred KB of answer with the debug object.
func (s *Server) streamBatch() int {
	minRun := minRunDebug
	if s.cfg.NoDebug {
		minRun = minRunNoDebug
	}
	return 2 * minRun * runtime.GOMAXPROCS(0)
}

// streamBulk writes the answer to a bulk request too large to build whole,
// a batch of decisions at a time: its answer (ten to twenty times the body
// with the debug object) is never held in memory at once, and a client
// that stops reading stops it at the write deadline, releasing what it
// held.
func (s *Server) streamBulk(l *loaded, cs []pdp.Check, info *reqInfo) (int, []byte) {
	w := info.w
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(http.StatusOK)
	info.streamed = true
	per := s.streamBatch()
	out := append(info.out[:0], `{"allow":[`...)
	allowed := 0
	for i := 0; i < len(cs); i += per {
		if i > 0 {
			out = append(out, ',')
		}
		var n int
		out, n = s.appendDecisions(out, l, cs[i:min(i+per, len(cs))])
		allowed += n
		if i+per >= len(cs) {
			out = append(out, "]}"...)
		}
		if _, err := w.Write(out); err != nil {
			info.out = out
			info.outcome = "error"
			info.detail = "the answer could not be written after " + strconv.Itoa(i) + " of " + strconv.Itoa(len(cs)) + " decisions: " + err.Error()
			return http.StatusOK, nil
		}
		out = out[:0]
	}
	info.out = out
	info.outcome = strconv.Itoa(allowed) + " allow, " + strconv.Itoa(len(cs)-allowed) + " deny"
	return http.StatusOK, nil
}

// tenantAnswer is one element of /allowed/all-tenants: the decision in that
// tenant with the tenant it was made in.
type tenantAnswer struct {
	Allow  bool            `json:"allow"`
	Result bool            `json:"result"`
	Debug  json.RawMessage `json:"debug,omitempty"`
	Tenant tenantRef       `json:"tenant"`
}

type tenantRef struct {
	Key        string         `json:"key"`
	Attributes map[string]any `json:"attributes"`
}

// allTenants answers POST /allowed/all-tenants: the check (its tenant
// ignored) in every tenant, listing the tenants where it is allowed.
func (s *Server) allTenants(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	c, err := pdp.DecodeCheck(body)
	if err != nil {
		return bodyError(info, err)
	}
	info.check(&c)
	info.tenant = ""
	tds := l.eng.AllTenants(c)
	answers := make([]tenantAnswer, 0, len(tds))
	for _, td := range tds {
		a := tenantAnswer{Allow: true, Result: true, Tenant: tenantRef{Key: td.Tenant, Attributes: td.TenantAttributes}}
		if a.Tenant.Attributes == nil {
			a.Tenant.Attributes = map[string]any{}
		}
		if !s.cfg.NoDebug {
			var resp struct {
				Debug json.RawMessage `json:"debug"`
			}
			_ = json.Unmarshal(td.Decision.Response, &resp)
			a.Debug = resp.Debug
		}
		answers = append(answers, a)
	}
	info.outcome = "allowed in " + strconv.Itoa(len(answers)) + " tenant(s)"
	return marshal(info, struct {
		AllowedTenants []tenantAnswer `json:"allowed_tenants"`
	}{answers})
}

// userPermissions answers POST /user-permissions.
func (s *Server) userPermissions(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	q, err := pdp.DecodePermissionsQuery(body)
	if err != nil {
		return bodyError(info, err)
	}
	info.user = q.User.Key
	perms := l.eng.UserPermissions(q)
	info.outcome = strconv.Itoa(len(perms)) + " entries"
	return marshal(info, perms)
}

// authorizedUsers answers POST /authorized_users.
func (s *Server) authorizedUsers(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	q, err := pdp.DecodeAuthorizedUsersQuery(body)
	if err != nil {
		return bodyError(info, err)
	}
	info.action, info.resource, info.tenant = q.Action, q.Resource.Ref(), q.Resource.Tenant
	au := l.eng.AuthorizedUsers(q)
	info.outcome = strconv.Itoa(len(au.Users)) + " users"
	return marshal(info, au)
}

// health answers GET /health and /healthy: the policy is in memory, so a
// running server is a healthy one.
func (s *Server) health(*loaded, *http.Request, []byte, *reqInfo) (int, []byte) {
	return http.StatusOK, []byte(`{"status":"ok"}`)
}

// ready answers GET /ready: 200 while serving, 503 once shutdown started.
func (s *Server) ready(_ *loaded, _ *http.Request, _ []byte, info *reqInfo) (int, []byte) {
	if s.draining.Load() {
		info.outcome = "shutting down"
		return http.StatusServiceUnavailable, []byte(`{"status":"error","detail":"shutting down"}`)
	}
	return http.StatusOK, []byte(`{"status":"ok"}`)
}

// marshal answers 200 with v as JSON. Values hold only what JSON decoding
// produced, so failing is a bug; it is still answered, as Permit's PDP
// answers an engine failure: 502 {"detail": ...}.
func marshal(info *reqInfo, v any) (int, []byte) {
	b, err := json.Marshal(v)
	if err != nil {
		return refuse(info, http.StatusBadGateway, "the answer could not be encoded: "+err.Error())
	}
	return http.StatusOK, b
}
