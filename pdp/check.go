// Package pdp holds pdpx's domain: a permission check, the decision a Policy
// Decision Point returns for it, and the Target interface every PDP (the
// embedded engine, Permit's local PDP, the cloud PDP) satisfies.
//
// It imports nothing else of the project; every other package speaks its types.
package pdp

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultTenant is the tenant Permit's SDKs fill in when a check names none.
// The PDP itself never defaults it, so pdpx fills it visibly in its front ends
// and never inside the engine.
const DefaultTenant = "default"

// User is the subject of a check. Attributes are JIT attributes sent with
// the check; they override what the environment stores for the user.
type User struct {
	Key        string         `json:"key"`
	FirstName  string         `json:"first_name,omitempty"`
	LastName   string         `json:"last_name,omitempty"`
	Email      string         `json:"email,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Resource is the object of a check. An empty Key means "any instance of
// Type" and an empty Tenant means "no tenant" (RBAC and ReBAC then deny).
type Resource struct {
	Type       string         `json:"type"`
	Key        string         `json:"key,omitempty"`
	Tenant     string         `json:"tenant,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	Context    map[string]any `json:"context,omitempty"`
}

// Check is one question to a PDP: may User do Action on Resource?
//
// TenantAttributes are JIT tenant attributes. Permit's SDKs never send them,
// but the PDP's policy reads a top-level "tenant" object, so pdpx can.
type Check struct {
	User             User
	Action           string
	Resource         Resource
	Context          map[string]any
	TenantAttributes map[string]any
}

// Tenant returns the tenant the check is evaluated in ("" for none).
func (c Check) Tenant() string { return c.Resource.Tenant }

// String renders the check the way pdpx prints it on one line:
// "john create document:d1 @default".
func (c Check) String() string {
	var b strings.Builder
	b.WriteString(c.User.Key)
	b.WriteByte(' ')
	b.WriteString(c.Action)
	b.WriteByte(' ')
	b.WriteString(c.Resource.Ref())
	if c.Resource.Tenant != "" {
		b.WriteString(" @")
		b.WriteString(c.Resource.Tenant)
	} else {
		b.WriteString(" (no tenant)")
	}
	return b.String()
}

// Ref is the resource as "type:key", or "type" when it has no key.
func (r Resource) Ref() string {
	if r.Key == "" {
		return r.Type
	}
	return r.Type + ":" + r.Key
}

// ErrEmpty reports a required part of a check that was left empty.
var ErrEmpty = errors.New("empty")

// ParseResource splits a resource string as Permit's SDKs do: "type" or
// "type:key". More than one ':' is an error, as in the SDKs.
func ParseResource(s string) (typ, key string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", fmt.Errorf("resource is empty: give a type (document) or type:key (document:d1)")
	}
	parts := strings.Split(s, ":")
	switch len(parts) {
	case 1:
		return parts[0], "", nil
	case 2:
		if parts[0] == "" {
			return "", "", fmt.Errorf("resource %q has no type before ':': write type:key, for example document:%s", s, parts[1])
		}
		return parts[0], parts[1], nil
	default:
		return "", "", fmt.Errorf("resource %q has more than one ':': write type or type:key", s)
	}
}

// NewCheck builds a check from the words a person types (as the SDKs'
// check(user, action, resource) does): user is a key, resource is "type" or
// "type:key", and an empty tenant becomes DefaultTenant unless noDefault.
func NewCheck(user, action, resource, tenant string, noDefault bool) (Check, error) {
	var c Check
	user, action = strings.TrimSpace(user), strings.TrimSpace(action)
	if user == "" {
		return c, fmt.Errorf("user is empty: give the user's key, for example john@smith.com")
	}
	if action == "" {
		return c, fmt.Errorf("action is empty: give an action, for example read")
	}
	typ, key, err := ParseResource(resource)
	if err != nil {
		return c, err
	}
	tenant = strings.TrimSpace(tenant)
	if tenant == "" && !noDefault {
		tenant = DefaultTenant
	}
	c.User.Key = user
	c.Action = action
	c.Resource = Resource{Type: typ, Key: key, Tenant: tenant}
	return c, nil
}
