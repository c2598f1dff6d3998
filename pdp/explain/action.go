package explain

import (
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

// ActionKind says what an Action does. Some kinds edit the check (the form's
// fields); the others ask the front end to do something about the target or
// the environment. EditsCheck tells them apart.
type ActionKind string

// The kinds of Action.
const (
	// RetryInTenant sets the tenant (Field "tenant") to Value.
	RetryInTenant ActionKind = "retry-in-tenant"
	// UseName replaces a name the environment does not know by the nearest
	// one it does: Field is "user.key", "action", "resource.type" or "tenant".
	UseName ActionKind = "use-name"
	// UseAction asks for another action the user has (Field "action").
	UseAction ActionKind = "use-action"
	// SetAttribute sets one JIT attribute: Field is an attribute field
	// ("user.attributes.department", "resource.attributes.hasApproval",
	// "tenant.attributes.plan", "context.ip"; dotted below that for nested
	// objects) and Value its JSON value (nil is null).
	SetAttribute ActionKind = "set-attribute"
	// RenameAttribute moves a JIT attribute from Field to the field Value
	// names (a string), keeping its value: a misspelt key.
	RenameAttribute ActionKind = "rename-attribute"
	// AssignRole is a change to the environment, not to the check: assign
	// the tenant role in Value (a RoleAssignment) to the check's user.
	AssignRole ActionKind = "assign-role"
	// SwitchTarget asks to send the check to another target. Value is "local"
	// for a target that evaluates ABAC (a local PDP or the embedded engine),
	// or "" to let the person choose.
	SwitchTarget ActionKind = "switch-target"
	// SetToken asks for the environment's API key.
	SetToken ActionKind = "set-token"
	// RaiseTimeout asks for a longer timeout. Value is nil: the front end
	// knows the current one (it is not in the error) and doubles it.
	RaiseTimeout ActionKind = "raise-timeout"
	// RetryLater asks to send the check again later; Value is the PDP's
	// Retry-After in seconds (float64), or 0 when it gave none.
	RetryLater ActionKind = "retry-later"
)

// Action is a next step a front end can take with one key. Kinds that edit
// the check are applied with Apply; the rest are requests to the front end
// (see ActionKind).
type Action struct {
	Kind ActionKind `json:"kind"`
	// Field is the check field the action changes, when it changes one.
	Field string `json:"field,omitempty"`
	// Value is the new value (see ActionKind for its meaning per kind).
	Value any `json:"value,omitempty"`
	// Label is a short imperative for a key hint: "retry in awesome_inc".
	Label string `json:"label"`
}

// RoleAssignment is a tenant role of a user, the Value of an AssignRole action.
type RoleAssignment struct {
	Role   string `json:"role"`
	Tenant string `json:"tenant"`
}

// EditsCheck reports whether Apply changes the check for this action.
func (a Action) EditsCheck() bool {
	switch a.Kind {
	case RetryInTenant, UseName, UseAction, SetAttribute, RenameAttribute:
		return true
	}
	return false
}

// Apply returns c with the action applied, and whether it applied. c is
// not modified: the attribute objects on the path are copied. Actions that
// do not edit the check, and malformed ones, return c and false.
func (a Action) Apply(c pdp.Check) (pdp.Check, bool) {
	switch a.Kind {
	case RetryInTenant, UseName, UseAction:
		s, ok := a.Value.(string)
		if !ok {
			return c, false
		}
		return setName(c, a.Field, s)
	case SetAttribute:
		return setAttr(c, a.Field, a.Value)
	case RenameAttribute:
		to, ok := a.Value.(string)
		if !ok {
			return c, false
		}
		v, found := getAttr(c, a.Field)
		if !found {
			return c, false
		}
		c, ok = deleteAttr(c, a.Field)
		if !ok {
			return c, false
		}
		return setAttr(c, to, v)
	}
	return c, false
}

func setName(c pdp.Check, field, v string) (pdp.Check, bool) {
	switch field {
	case "tenant":
		c.Resource.Tenant = v
	case "action":
		c.Action = v
	case "resource.type":
		c.Resource.Type = v
	case "resource.key":
		c.Resource.Key = v
	case "user.key":
		c.User.Key = v
	default:
		return c, false
	}
	return c, true
}

// attrMap finds the JIT object a field lives in and the keys below it:
// "user.attributes.a.b" is c.User.Attributes and [a b].
func attrMap(c *pdp.Check, field string) (*map[string]any, []string) {
	for _, s := range []struct {
		prefix string
		m      *map[string]any
	}{
		{"user.attributes.", &c.User.Attributes},
		{"resource.attributes.", &c.Resource.Attributes},
		{"tenant.attributes.", &c.TenantAttributes},
		{"context.", &c.Context},
	} {
		if rest, ok := strings.CutPrefix(field, s.prefix); ok && rest != "" {
			segs := strings.Split(rest, ".")
			for _, seg := range segs {
				if seg == "" {
					return nil, nil
				}
			}
			return s.m, segs
		}
	}
	return nil, nil
}

func getAttr(c pdp.Check, field string) (any, bool) {
	m, segs := attrMap(&c, field)
	if m == nil {
		return nil, false
	}
	return lookup(*m, segs)
}

// lookup reads a dotted path in one object.
func lookup(m map[string]any, segs []string) (any, bool) {
	var cur any = m
	for _, s := range segs {
		o, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = o[s]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// setAttr sets field to v in a copy of the JIT object. An object that the
// check has at the value's place merges under an object value, as the
// front ends do with a.b=1 pairs; anything else is replaced.
func setAttr(c pdp.Check, field string, v any) (pdp.Check, bool) {
	m, segs := attrMap(&c, field)
	if m == nil {
		return c, false
	}
	*m = withPath(*m, segs, v)
	return c, true
}

// withPath returns a copy of m with segs set to v; the objects on the path
// are copied, the rest is shared.
func withPath(m map[string]any, segs []string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, x := range m {
		out[k] = x
	}
	if len(segs) == 1 {
		out[segs[0]] = v
		return out
	}
	child, _ := out[segs[0]].(map[string]any)
	out[segs[0]] = withPath(child, segs[1:], v)
	return out
}

func deleteAttr(c pdp.Check, field string) (pdp.Check, bool) {
	m, segs := attrMap(&c, field)
	if m == nil {
		return c, false
	}
	*m = withoutPath(*m, segs)
	return c, true
}

func withoutPath(m map[string]any, segs []string) map[string]any {
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = x
	}
	if len(segs) == 1 {
		delete(out, segs[0])
		return out
	}
	if child, ok := out[segs[0]].(map[string]any); ok {
		out[segs[0]] = withoutPath(child, segs[1:])
	}
	return out
}

// fieldOf is the check field a condition path reads, when the check can
// set it: user.x is user.attributes.x, context.x stays. role.<attr> comes
// from the policy and resource.type is the question itself: neither is a
// field to change.
func fieldOf(condPath string) (string, bool) {
	scope, rest, ok := strings.Cut(condPath, ".")
	if !ok || rest == "" {
		return "", false
	}
	switch scope {
	case "user", "tenant":
		return scope + ".attributes." + rest, true
	case "resource":
		if rest == "type" {
			return "", false
		}
		return "resource.attributes." + rest, true
	case "context":
		return condPath, true
	}
	return "", false
}
