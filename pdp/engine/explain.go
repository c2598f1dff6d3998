package engine

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// Decide is the full decision: the outcome (Allow or Deny, never Error),
// Permit's debug object, the condition-level trace, the /allowed request
// body the check stands for and the body pdpx serve answers with it.
func (e *Engine) Decide(c pdp.Check) pdp.Decision {
	start := time.Now()
	d := e.evaluate(&c)
	d.Request = c.Body()
	d.Response = ResponseBody(d.Outcome == pdp.Allow, d.Debug)
	d.Latency = time.Since(start)
	return d
}

// Evaluate is Decide without the JSON bodies (Request and Response stay
// nil): the outcome, the debug object and the trace, for callers in the
// process that read the explanation and never send it anywhere. Its Debug
// and Trace are exactly Decide's.
func (e *Engine) Evaluate(c pdp.Check) pdp.Decision {
	start := time.Now()
	d := e.evaluate(&c)
	d.Latency = time.Since(start)
	return d
}

// explanation holds everything one decision explains with, allocated at
// once: the debug object, its request, the three reasons and the trace are
// pointers into it rather than an allocation each. They live as long as any
// of them does, which costs nothing: they are handed out together.
type explanation struct {
	dbg        pdp.Debug
	req        pdp.DebugRequest
	tr         pdp.Trace
	rb, ab, re pdp.Reason
	// roles holds the trace's tenant roles when they are few, as most
	// users' are.
	roles [4]string
}

func (e *Engine) evaluate(c *pdp.Check) pdp.Decision {
	u := e.users[c.User.Key]
	var v env
	e.fillEnv(&v, c, u)

	x := new(explanation)
	tr := &x.tr
	if u != nil && c.Resource.Tenant != "" {
		// A copy: the trace is the caller's to keep or change.
		if l := u.tenantRoles[c.Resource.Tenant]; len(l) > 0 && len(l) <= len(x.roles) {
			n := copy(x.roles[:], l)
			tr.Roles = x.roles[:n:n]
		} else {
			tr.Roles = slices.Clone(l)
		}
	}
	// Every model is decided and traced; a model's reason is written only
	// when its block appears. The trace is built whatever the outcome: it
	// lists every set evaluated and every instance role.
	rbAllow := e.rbacAllowed(c, u)
	ab := e.abacTrace(c, &v, tr)
	tr.InstanceRoles = e.instanceRoles(c, u)
	reAllow := rebacAllows(tr.InstanceRoles)
	allowed := rbAllow || ab.allow || reAllow

	// Which blocks appear, as Permit's debugger decides it: rbac when it
	// allowed or when neither rbac nor abac did (so it stays beside a ReBAC
	// allow); abac when it allowed or when rbac did not and ABAC is on;
	// rebac when it allowed or when neither of the others did and the
	// environment has relationship tuples.
	dbg := &x.dbg
	dbg.Request = e.debugRequest(&x.req, c, u, &v)
	if rbAllow || !ab.allow {
		dbg.RBAC = e.rbacBlock(&x.rb, c, u)
	}
	if ab.allow || (!rbAllow && e.abacActive) {
		dbg.ABAC = e.abacTraceBlock(&x.ab, c, &v, tr, ab)
	}
	if reAllow || (!rbAllow && !ab.allow && e.hasTuples) {
		dbg.ReBAC = e.rebacBlock(&x.re, c, u, tr.InstanceRoles)
	}

	d := pdp.Decision{Outcome: pdp.Deny, Debug: dbg, Trace: tr}
	if allowed {
		d.Outcome = pdp.Allow
	}
	return d
}

// EvaluateDebug is Evaluate without the trace (Trace stays nil): the
// outcome and Permit's debug object, for callers that send the debug
// object and never read the trace, as pdpx serve does. Its Debug is
// exactly Evaluate's, but read-only: its attribute maps may be shared with
// the engine and with other decisions (Evaluate's are the caller's). It decides each model as Allowed does, with no
// allocation, and then computes only what the blocks that appear show:
// the sets ABAC's block names, and the ReBAC roles whose chains or
// holding it reports. Building the trace (a condition node per set
// evaluated, every instance role with its chains) was most of Evaluate's
// cost.
func (e *Engine) EvaluateDebug(c *pdp.Check) pdp.Decision {
	start := time.Now()
	d, _ := e.evaluateDebug(c, new(debugExplanation))
	d.Latency = time.Since(start)
	return d
}

// AttrsJSON is the JSON encoding (json.Marshal's bytes) of a debug request's
// user and resource attributes, where the engine has it at hand: when they
// are a merge the engine shares (no JIT attributes on top), whose encoding
// it keeps. A nil field means the caller encodes that map itself.
type AttrsJSON struct{ User, Resource []byte }

// EvaluateDebugJSON is EvaluateDebug with the encodings of its debug
// request's attribute maps where the engine keeps them: encoding those
// maps (sorting and escaping their keys) was a large part of writing a
// debug object, and they are the same for every check on a user and tenant,
// or on an instance. The bytes are shared: do not modify them.
//
// The debug object is written into buf, which a caller deciding many checks
// one after another reuses (so a decision costs no allocation for it): it
// is valid until buf's next use. A nil buf gives a debug object of its own.
func (e *Engine) EvaluateDebugJSON(c *pdp.Check, buf *DebugBuffer) (pdp.Decision, AttrsJSON) {
	start := time.Now()
	var x *debugExplanation
	if buf != nil {
		x = &buf.x
		*x = debugExplanation{}
	} else {
		x = new(debugExplanation) // not above: it would be made even with buf
	}
	d, aj := e.evaluateDebug(c, x)
	d.Latency = time.Since(start)
	return d, aj
}

// DebugBuffer is room for one debug object, for EvaluateDebugJSON. Its zero
// value is ready to use; it is not safe for concurrent use.
type DebugBuffer struct{ x debugExplanation }

// debugExplanation is explanation without the trace: the debug object and
// its parts in one allocation.
type debugExplanation struct {
	dbg        pdp.Debug
	req        pdp.DebugRequest
	rb, ab, re pdp.Reason
}

// evaluateDebug writes the debug object into x, which must be zero.
func (e *Engine) evaluateDebug(c *pdp.Check, x *debugExplanation) (pdp.Decision, AttrsJSON) {
	u := e.users[c.User.Key]
	var v env
	e.fillEnv(&v, c, u)

	// The models are decided in the order Allowed decides them, but all
	// three: which blocks appear depends on each model's answer.
	rbAllow := e.rbacAllowed(c, u)
	pr := e.rules[permKey{c.Resource.Type, c.Action}]
	var mu, mr setMemo
	abAllow := pr != nil && pr.allows(&v, &mu, &mr)
	dbg := &x.dbg
	var reAllow bool
	switch {
	case !rbAllow && !abAllow && e.hasTuples:
		// The block appears whatever ReBAC says, and writing it decides ReBAC.
		dbg.ReBAC, reAllow = e.rebacDebug(&x.re, c, u, false)
	case e.rebacAllowed(c, u):
		// The block appears only because ReBAC allows: the search said so
		// without walking the chains, which are walked only now. The walk
		// agrees with the search; were it ever not to, the block follows
		// the walk, as Evaluate's does.
		if r, ok := e.rebacDebug(&x.re, c, u, true); ok {
			dbg.ReBAC, reAllow = r, true
		}
	}
	allowed := rbAllow || abAllow || reAllow

	var aj AttrsJSON
	dbg.Request, aj = e.sharedDebugRequest(&x.req, c, u, &v)
	if rbAllow || !abAllow {
		dbg.RBAC = e.rbacBlock(&x.rb, c, u)
	}
	if abAllow || (!rbAllow && e.abacActive) {
		dbg.ABAC = e.abacDebug(&x.ab, c, &v, pr, &mu, &mr)
	}
	d := pdp.Decision{Outcome: pdp.Deny, Debug: dbg}
	if allowed {
		d.Outcome = pdp.Allow
	}
	return d, aj
}

func (e *Engine) debugRequest(r *pdp.DebugRequest, c *pdp.Check, u *userIndex, v *env) *pdp.DebugRequest {
	*r = pdp.DebugRequest{
		User:     pdp.DebugUser{Key: c.User.Key, Synced: u != nil, Attributes: merged(v.user[:])},
		Tenant:   c.Resource.Tenant,
		Action:   c.Action,
		Resource: pdp.DebugResource{Type: c.Resource.Type, Key: c.Resource.Key, Attributes: merged(v.resource[:])},
		Context:  c.Context,
	}
	return r
}

// sharedDebugRequest is debugRequest with the merge of the policy's layers
// (stored and generated attributes) made once per user and tenant, and
// once per instance, and shared: a check without JIT attributes gets that
// merge itself, one with them a merge of its attributes over it, which is
// the same map as merging all three layers. The debug object must then
// not be modified, which EvaluateDebug's callers agree to. The encodings
// of the shared maps come with it, for the attributes that are one.
func (e *Engine) sharedDebugRequest(r *pdp.DebugRequest, c *pdp.Check, u *userIndex, v *env) (*pdp.DebugRequest, AttrsJSON) {
	var aj AttrsJSON
	jitUser, jitRes := len(v.user[0]) > 0, len(c.Resource.Attributes) > 0
	var user map[string]any
	if u != nil {
		g := u.generated(c.Resource.Tenant)
		user = g.merged.of(u.stored, g.attrs)
		if !jitUser {
			aj.User = g.merged.json(user)
		}
	} else {
		user = e.genUnknown
		if !jitUser {
			aj.User = e.genUnknownJSON
		}
	}
	res := v.resource[2]
	if ti := e.types[c.Resource.Type]; ti != nil {
		// v.resource[2] is ti.gen unless an instance's merge replaces it.
		resJSON := ti.genJSON
		if c.Resource.Key != "" {
			if in := e.instances[instKey{c.Resource.Type, c.Resource.Key}]; in != nil {
				res = in.merged.of(in.attrs, ti.gen)
				resJSON = nil
				if !jitRes {
					resJSON = in.merged.json(res)
				}
			}
		}
		if !jitRes {
			aj.Resource = resJSON
		}
	} else if v.resource[1] != nil {
		// An instance of a type the schema lacks: no shared layer to merge under.
		res = merged(v.resource[1:])
	}
	*r = pdp.DebugRequest{
		User:     pdp.DebugUser{Key: c.User.Key, Synced: u != nil, Attributes: over(v.user[0], user)},
		Tenant:   c.Resource.Tenant,
		Action:   c.Action,
		Resource: pdp.DebugResource{Type: c.Resource.Type, Key: c.Resource.Key, Attributes: over(c.Resource.Attributes, res)},
		Context:  c.Context,
	}
	return r, aj
}

// over is the merge of a check's JIT attributes over a merge of the
// layers below them: that merge itself when there are none.
func over(jit, below map[string]any) map[string]any {
	if len(jit) == 0 {
		return below
	}
	return merged([]map[string]any{jit, below})
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
			if n := len(dbg.RBAC.AllowingRoles); n > 0 {
				w.RBAC.AllowingRoles = make([]string, n)
				for i, r := range dbg.RBAC.AllowingRoles {
					w.RBAC.AllowingRoles[i] = r.Role
				}
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

// allow and deny fill r, one of an explanation's reasons, and return it.
func allow(r *pdp.Reason, reason string) *pdp.Reason {
	*r = pdp.Reason{Allow: true, Code: "allow", Reason: reason}
	return r
}

func deny(r *pdp.Reason, code, reason string) *pdp.Reason {
	*r = pdp.Reason{Code: code, Reason: reason, SupportLink: supportLink(code)}
	return r
}

// maxListed is how many known alternatives a reason names.
const maxListed = 10
