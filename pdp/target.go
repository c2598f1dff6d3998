package pdp

import "context"

// Kind is the kind of a target.
type Kind string

// The kinds of target pdpx talks to.
const (
	KindEmbedded Kind = "embedded"
	KindPDP      Kind = "pdp"
	KindCloud    Kind = "cloud"
	// KindAuthZEN is any PDP that speaks the OpenID AuthZEN Authorization
	// API (pdpx serve and Permit's PDP among them).
	KindAuthZEN Kind = "authzen"
)

// TargetInfo describes a target for people (header, history) and for
// features that depend on what it can do.
type TargetInfo struct {
	Kind Kind
	// Name is short and human: "embedded: demo policy", "pdp: localhost:7766".
	Name string
	// URL is the PDP's base URL, or the policy file path for the embedded engine.
	// It never contains a token.
	URL string
	// ABAC is false for the cloud PDP, which does not evaluate ABAC.
	ABAC bool
	// Debug is true when decisions carry Permit's debug object.
	Debug bool
	// Trace is true when decisions carry a condition-level Trace.
	Trace bool
}

// Target is anything that decides checks: the embedded engine, Permit's PDP
// container, the cloud PDP, pdpx serve.
type Target interface {
	Check(ctx context.Context, c Check) Decision
	Bulk(ctx context.Context, cs []Check) ([]Decision, error)
	UserPermissions(ctx context.Context, q PermissionsQuery) (Permissions, error)
	Health(ctx context.Context) error
	Describe() TargetInfo
}

// PermissionsQuery asks what a user may do (Permit's /user-permissions).
type PermissionsQuery struct {
	User          User           `json:"user"`
	Tenants       []string       `json:"tenants,omitempty"`
	Resources     []string       `json:"resources,omitempty"`
	ResourceTypes []string       `json:"resource_types,omitempty"`
	Context       map[string]any `json:"context,omitempty"`
}

// Permissions is keyed "__tenant:<t>" or "<type>:<key>", as Permit answers.
type Permissions map[string]PermissionEntry

// PermissionEntry is what the user may do in one tenant or on one instance.
type PermissionEntry struct {
	Tenant      *ObjectRef `json:"tenant,omitempty"`
	Resource    *ObjectRef `json:"resource,omitempty"`
	Permissions []string   `json:"permissions"`
	Roles       []string   `json:"roles,omitempty"`
}

// ObjectRef is a tenant or resource instance in a permissions answer.
type ObjectRef struct {
	Key        string         `json:"key"`
	Type       string         `json:"type,omitempty"`
	Attributes map[string]any `json:"attributes"`
}

// TenantDecision is the decision of a check in one tenant (Permit's
// /allowed/all-tenants answer lists only the allowed ones).
type TenantDecision struct {
	Tenant           string
	TenantAttributes map[string]any
	Decision         Decision
}

// AllTenantsChecker is a target that can run a check in every tenant at once.
type AllTenantsChecker interface {
	AllTenants(ctx context.Context, c Check) ([]TenantDecision, error)
}

// AuthorizedUsersQuery asks who may do Action on Resource (Permit's /authorized_users).
type AuthorizedUsersQuery struct {
	Action   string
	Resource Resource
	Context  map[string]any
}

// AuthorizedUsers is Permit's /authorized_users answer.
type AuthorizedUsers struct {
	// Resource is "type:key", or "type:*" when the query had no key.
	Resource string                          `json:"resource"`
	Tenant   string                          `json:"tenant"`
	Users    map[string][]UserRoleAssignment `json:"users"`
}

// UserRoleAssignment is one assignment that lets a user do the action.
type UserRoleAssignment struct {
	User     string `json:"user"`
	Tenant   string `json:"tenant"`
	Resource string `json:"resource"`
	Role     string `json:"role"`
}

// AuthorizedUsersLister is a target that can answer who may do an action.
type AuthorizedUsersLister interface {
	AuthorizedUsers(ctx context.Context, q AuthorizedUsersQuery) (AuthorizedUsers, error)
}
