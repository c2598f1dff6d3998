package pdp

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Decision is a target's answer to one Check.
type Decision struct {
	Outcome Outcome
	// Err is set iff Outcome == Error, with a message a person can act on.
	Err error
	// Debug holds Permit-shaped reasons (rbac/abac/rebac blocks) when the
	// target gives them: always for the embedded engine, with PDP_DEBUG for a PDP.
	Debug *Debug
	// Trace is the condition-level trace; the embedded engine only.
	Trace *Trace
	// Reasons are what a PDP that does not speak Permit's debug object said
	// about the decision (an AuthZEN decision's context), a line each,
	// cleaned of terminal escapes.
	Reasons []string
	// Request is the exact JSON sent (embedded: the JSON that would be sent).
	Request []byte
	// Response is the exact body received (embedded: the body pdpx serve would send).
	Response []byte
	// ResponseSize is the size of the body received when Response holds
	// only its first bytes (history keeps a bounded prefix of a large
	// answer); 0 when Response is the whole body.
	ResponseSize int
	// Status is the HTTP status, 0 for the embedded engine.
	Status  int
	Latency time.Duration
	// Target names the target that answered ("embedded: demo policy").
	Target string
	// Shadow is the decision of the same check on a snapshot of the
	// remote environment, when the target carries one, and Agreement how
	// the two compare. Both are nil when the remote decision is an error:
	// a snapshot never turns an error into an answer.
	Shadow    *Decision
	Agreement *Agreement
}

// Allowed reports whether the decision is an allow. An error is not an allow,
// and it is not a deny either: callers that care must look at Outcome.
func (d Decision) Allowed() bool { return d.Outcome == Allow }

// ResponseCut reports whether Response holds only the first bytes of the
// body received.
func (d Decision) ResponseCut() bool { return d.ResponseSize > len(d.Response) }

// ResponseCutNote says how much of the body is kept, for a decision whose
// Response was cut ("" otherwise): "response cut: the first 64 KiB of the
// 8 MiB received are kept".
func (d Decision) ResponseCutNote() string {
	if !d.ResponseCut() {
		return ""
	}
	return "response cut: the first " + FormatBytes(len(d.Response)) + " of the " + FormatBytes(d.ResponseSize) + " received are kept"
}

// FormatBytes writes a byte count as people say it: 8 MiB, 64 KiB, 1.5 MiB,
// 100 bytes.
func FormatBytes(n int) string {
	const kib, mib = 1 << 10, 1 << 20
	switch {
	case n >= mib:
		return trimZero(strconv.FormatFloat(float64(n)/mib, 'f', 1, 64)) + " MiB"
	case n >= kib:
		return trimZero(strconv.FormatFloat(float64(n)/kib, 'f', 1, 64)) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// ErrorText is the error's message, or "" when there is none.
func (d Decision) ErrorText() string {
	if d.Err == nil {
		return ""
	}
	return d.Err.Error()
}

// Debug is the object a Permit PDP returns under "debug" (with PDP_DEBUG on).
// pdpx's engine returns it always. Fields pdpx does not model are dropped
// here; the exact body stays in Decision.Response.
type Debug struct {
	Request *DebugRequest `json:"request,omitempty"`
	RBAC    *Reason       `json:"rbac,omitempty"`
	ABAC    *Reason       `json:"abac,omitempty"`
	ReBAC   *Reason       `json:"rebac,omitempty"`
}

// DebugRequest is the request as the PDP saw it, with merged attributes.
type DebugRequest struct {
	User     DebugUser      `json:"user"`
	Tenant   string         `json:"tenant,omitempty"`
	Action   string         `json:"action"`
	Resource DebugResource  `json:"resource"`
	Context  map[string]any `json:"context,omitempty"`
}

// DebugUser is the user as the PDP resolved it.
type DebugUser struct {
	Key        string         `json:"key"`
	Synced     bool           `json:"synced"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// DebugResource is the resource as the PDP resolved it.
type DebugResource struct {
	Type       string         `json:"type"`
	Key        string         `json:"key,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Reason is one model's verdict (rbac, abac or rebac) with its code.
type Reason struct {
	Allow                bool           `json:"allow"`
	Code                 string         `json:"code"`
	Reason               string         `json:"reason,omitempty"`
	SupportLink          string         `json:"support_link,omitempty"`
	AllowingRoles        []AllowingRole `json:"allowing_roles,omitempty"`
	AllowingRules        []AllowingRule `json:"allowing_rules,omitempty"`
	MatchingUsersets     []string       `json:"matching_usersets,omitempty"`
	MatchingResourcesets []string       `json:"matching_resourcesets,omitempty"`
}

// SupportLink is where Permit documents a debug code.
func SupportLink(code string) string { return "https://docs.permit.io/errors/" + code }

// AllowingRole is a role that granted the action. RBAC blocks carry bare role
// keys; ReBAC blocks carry objects with the instance and how the role was
// obtained. Both decode into this type.
type AllowingRole struct {
	Role     string `json:"role"`
	Resource string `json:"resource,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Sources are the derivation chains that gave the role, one per path.
	Sources []string `json:"sources,omitempty"`
}

// UnmarshalJSON accepts a bare role key (RBAC) or an object (ReBAC).
func (r *AllowingRole) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*r = AllowingRole{Role: s}
		return nil
	}
	type plain AllowingRole
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	// Permit's rebac debugger names the role "role" but some versions use "key".
	if p.Role == "" {
		var alt struct {
			Key string `json:"key"`
		}
		_ = json.Unmarshal(b, &alt)
		p.Role = alt.Key
	}
	*r = AllowingRole(p)
	return nil
}

// MarshalJSON writes a bare role key when the role has nothing else to say
// (RBAC, as Permit writes it) and an object otherwise (ReBAC).
func (r AllowingRole) MarshalJSON() ([]byte, error) {
	if r.Resource == "" && r.Reason == "" && len(r.Sources) == 0 {
		return json.Marshal(r.Role)
	}
	type plain AllowingRole
	return json.Marshal(plain(r))
}

// AllowingRule is an ABAC (user set, resource set) pair that granted the
// action. A role stands in for the user set and a resource type for the
// resource set when Permit generated the set.
type AllowingRule struct {
	UserSet      string `json:"userset,omitempty"`
	Role         string `json:"role,omitempty"`
	ResourceSet  string `json:"resourceset,omitempty"`
	ResourceType string `json:"resource_type,omitempty"`
}

// Trace is the embedded engine's account of how it decided: every set it
// evaluated with its condition tree, and the ReBAC roles with their chains.
type Trace struct {
	// Roles are the user's tenant roles in the check's tenant (RBAC).
	Roles []string `json:"roles,omitempty"`
	// Rules are the condition-set rules that name the check's type and action.
	Rules []RuleTrace `json:"rules,omitempty"`
	// UserSets and ResourceSets are the sets evaluated, in evaluation order.
	UserSets     []SetTrace `json:"user_sets,omitempty"`
	ResourceSets []SetTrace `json:"resource_sets,omitempty"`
	// InstanceRoles are the user's roles on the resource instance (ReBAC).
	InstanceRoles []RoleTrace `json:"instance_roles,omitempty"`
}

// RuleTrace is one condition-set rule that could grant the check's
// permission, and whether both of its sets held.
type RuleTrace struct {
	UserSet     string `json:"user_set"`
	ResourceSet string `json:"resource_set"`
	Permission  string `json:"permission"`
	UserOK      bool   `json:"user_ok"`
	ResourceOK  bool   `json:"resource_ok"`
}

// SetTrace is one user set or resource set and the evaluation of its conditions.
type SetTrace struct {
	Key    string `json:"key"`
	Name   string `json:"name,omitempty"`
	Result bool   `json:"result"`
	// Implicit marks a set Permit generates: "has role R" or "is of type T".
	Implicit  bool       `json:"implicit,omitempty"`
	Condition *CondTrace `json:"condition,omitempty"`
}

// CondTrace is one node of a condition tree as it was evaluated.
type CondTrace struct {
	// Kind is "allOf", "anyOf", "not" or "leaf".
	Kind     string       `json:"kind"`
	Result   bool         `json:"result"`
	Children []*CondTrace `json:"children,omitempty"`

	// Leaf fields.
	Path     string `json:"path,omitempty"`
	Operator string `json:"operator,omitempty"`
	Expected any    `json:"expected,omitempty"`
	// Ref is the path of a referenced attribute when the value is {ref: path}.
	Ref     string `json:"ref,omitempty"`
	Actual  any    `json:"actual,omitempty"`
	Missing bool   `json:"missing,omitempty"`
}

// RoleTrace is one role the user holds on the resource instance, with the
// chains that gave it: "folder:plans#editor --parent--> document:roadmap#editor".
type RoleTrace struct {
	Role     string   `json:"role"`
	Resource string   `json:"resource"`
	Direct   bool     `json:"direct"`
	Chains   []string `json:"chains,omitempty"`
	Grants   bool     `json:"grants"`
	// Suppressed is set when a no_direct_roles_on_object derivation did not apply.
	Suppressed bool `json:"suppressed,omitempty"`
}

// Allowed reports whether some model's block allowed: what the blocks say,
// whatever outcome a decision recorded with them.
func (d *Debug) Allowed() bool {
	for _, r := range []*Reason{d.RBAC, d.ABAC, d.ReBAC} {
		if r != nil && r.Allow {
			return true
		}
	}
	return false
}
