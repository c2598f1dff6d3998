package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// Decide is the full decision: the outcome (Allow or Deny, never Error),
// Permit's debug object, the condition-level trace, the /allowed request
// body the check stands for and the body pdpx serve answers with it.
func (e *Engine) Decide(c pdp.Check) pdp.Decision {
	start := time.Now()
	u := e.users[c.User.Key]
	var v env
	e.fillEnv(&v, &c, u)

	tr := &pdp.Trace{}
	if u != nil && c.Resource.Tenant != "" {
		tr.Roles = slices.Clone(u.tenantRoles[c.Resource.Tenant])
	}
	rb := e.rbacReason(&c, u)
	ab := e.abacReason(&c, &v, tr)
	tr.InstanceRoles = e.instanceRoles(&c, u)
	re := e.rebacReason(&c, u, tr.InstanceRoles)
	allowed := rb.Allow || ab.Allow || re.Allow

	// Which blocks appear (permit-pdp.md §4): a model's block when it
	// allowed, or when nothing allowed and the environment uses the model.
	dbg := &pdp.Debug{Request: e.debugRequest(&c, u, &v)}
	if rb.Allow || !allowed {
		dbg.RBAC = rb
	}
	if ab.Allow || (!allowed && e.hasSets) {
		dbg.ABAC = ab
	}
	if re.Allow || (!allowed && (len(e.p.Relationships) > 0 || e.hasInstanceRoles)) {
		dbg.ReBAC = re
	}

	d := pdp.Decision{Outcome: pdp.Deny, Debug: dbg, Trace: tr, Request: c.Body()}
	if allowed {
		d.Outcome = pdp.Allow
	}
	d.Response = ResponseBody(allowed, dbg)
	d.Latency = time.Since(start)
	return d
}

func (e *Engine) debugRequest(c *pdp.Check, u *userIndex, v *env) *pdp.DebugRequest {
	return &pdp.DebugRequest{
		User:     pdp.DebugUser{Key: c.User.Key, Synced: u != nil, Attributes: merged(v.user[:])},
		Tenant:   c.Resource.Tenant,
		Action:   c.Action,
		Resource: pdp.DebugResource{Type: c.Resource.Type, Key: c.Resource.Key, Attributes: merged(v.resource[:])},
		Context:  c.Context,
	}
}

// ResponseBody is the /allowed response body for a decision, exactly as
// Permit's PDP shapes it: {"allow": b, "result": b, "debug": {...}}, with the
// rbac block's allowing_roles as bare role keys.
func ResponseBody(allowed bool, dbg *pdp.Debug) []byte {
	type wireReason struct {
		*pdp.Reason
		// Shadows the embedded field: RBAC names roles by key only.
		AllowingRoles []string `json:"allowing_roles,omitempty"`
	}
	type wireDebug struct {
		Request *pdp.DebugRequest `json:"request,omitempty"`
		RBAC    *wireReason       `json:"rbac,omitempty"`
		ABAC    *pdp.Reason       `json:"abac,omitempty"`
		ReBAC   *pdp.Reason       `json:"rebac,omitempty"`
	}
	var w *wireDebug
	if dbg != nil {
		w = &wireDebug{Request: dbg.Request, ABAC: dbg.ABAC, ReBAC: dbg.ReBAC}
		if dbg.RBAC != nil {
			w.RBAC = &wireReason{Reason: dbg.RBAC}
			for _, r := range dbg.RBAC.AllowingRoles {
				w.RBAC.AllowingRoles = append(w.RBAC.AllowingRoles, r.Role)
			}
		}
	}
	b, err := json.Marshal(struct {
		Allow  bool       `json:"allow"`
		Result bool       `json:"result"`
		Debug  *wireDebug `json:"debug,omitempty"`
	}{allowed, allowed, w})
	if err != nil {
		// Attributes are JSON values; only a caller's non-JSON Go value
		// (a channel, a func) gets here. Keep the answer, drop the debug.
		b, _ = json.Marshal(map[string]bool{"allow": allowed, "result": allowed})
	}
	return b
}

func allow(reason string) *pdp.Reason {
	return &pdp.Reason{Allow: true, Code: "allow", Reason: reason}
}

func deny(code, reason string) *pdp.Reason {
	return &pdp.Reason{Code: code, Reason: reason, SupportLink: pdp.SupportLink(code)}
}

// q quotes a name in a reason: 'john@permit.io'.
func q(s string) string { return "'" + s + "'" }

// maxListed is how many known alternatives a reason names.
const maxListed = 10

// list joins names for a reason, at most maxListed of them.
func list(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	if len(items) <= maxListed {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:maxListed], ", "), len(items)-maxListed)
}

// plural names a kind of thing with its quoted keys: "role 'admin'" or
// "roles 'admin', 'editor'".
func plural(kind string, keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = q(k)
	}
	if len(keys) == 1 {
		return kind + " " + quoted[0]
	}
	return kind + "s " + list(quoted)
}

func grantVerb(keys []string) string {
	if len(keys) == 1 {
		return "grants"
	}
	return "grant"
}
