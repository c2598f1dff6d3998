// Package policy reads the pdpx policy file (see docs/policy-file.md): a Permit
// environment's schema (resources, actions, roles, relations, user sets,
// resource sets, rules) and its facts (tenants, users, role assignments,
// resource instances, relationships), in YAML or JSON.
package policy

// Policy is one environment. Maps are keyed by the names Permit uses; code
// that needs a stable order sorts the keys.
type Policy struct {
	Version int `json:"version"`
	// Source says where a pulled policy came from (pdpx pull writes it).
	Source    *Source              `json:"source,omitempty"`
	Resources map[string]*Resource `json:"resources,omitempty"`
	Roles     map[string]*Role     `json:"roles,omitempty"`
	// UserAttributes is an optional schema of the users' attributes:
	// attribute name -> a SchemaTypes type.
	UserAttributes    map[string]string       `json:"user_attributes,omitempty"`
	Tenants           map[string]*Tenant      `json:"tenants,omitempty"`
	Users             map[string]*User        `json:"users,omitempty"`
	ResourceInstances map[string]*Instance    `json:"resource_instances,omitempty"`
	Relationships     []Relationship          `json:"relationships,omitempty"`
	UserSets          map[string]*UserSet     `json:"user_sets,omitempty"`
	ResourceSets      map[string]*ResourceSet `json:"resource_sets,omitempty"`
	ConditionSetRules []ConditionSetRule      `json:"condition_set_rules,omitempty"`
}

// Resource is a resource type.
type Resource struct {
	Name    string   `json:"name,omitempty"`
	Actions []string `json:"actions,omitempty"`
	// Attributes is an optional schema: attribute name -> string|number|bool|array|object|time.
	Attributes map[string]string `json:"attributes,omitempty"`
	// Relations maps a relation key to the subject's resource type:
	// parent: folder means "folder:f1 is parent of document:d1".
	Relations map[string]string        `json:"relations,omitempty"`
	Roles     map[string]*ResourceRole `json:"roles,omitempty"`
}

// ResourceRole is a role held on one instance of a resource type (ReBAC).
type ResourceRole struct {
	Name        string   `json:"name,omitempty"`
	Permissions []string `json:"permissions,omitempty"` // actions of this resource type
	// Extends names roles of the same resource type whose permissions this
	// role includes; Permissions must list them too (pdpx pull writes them
	// so), which keeps every reader of Permissions right.
	Extends   []string   `json:"extends,omitempty"`
	GrantedTo *GrantedTo `json:"granted_to,omitempty"`
	When      *When      `json:"when,omitempty"` // applies to every derivation of this role
}

// GrantedTo lists role derivations (Permit's "granted_to").
type GrantedTo struct {
	UsersWithRole []Derivation `json:"users_with_role,omitempty"`
}

// Derivation: a user with Role on an OnResource instance that is linked to
// this instance by LinkedByRelation gets this role here.
type Derivation struct {
	Role             string `json:"role"`
	OnResource       string `json:"on_resource"`
	LinkedByRelation string `json:"linked_by_relation"`
	When             *When  `json:"when,omitempty"`
}

// When holds derivation settings.
type When struct {
	// NoDirectRolesOnObject: the derivation does not apply when the user has
	// any direct role on the object.
	NoDirectRolesOnObject bool `json:"no_direct_roles_on_object"`
}

// Role is a tenant role (RBAC). Permissions are "type:action".
type Role struct {
	Name        string   `json:"name,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
	// Extends names tenant roles whose permissions this role includes;
	// Permissions must list them too, as for resource roles.
	Extends    []string       `json:"extends,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Tenant is a tenant with its stored attributes.
type Tenant struct {
	Name       string         `json:"name,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// User is a synced user with stored attributes and role assignments.
type User struct {
	Email      string           `json:"email,omitempty"`
	FirstName  string           `json:"first_name,omitempty"`
	LastName   string           `json:"last_name,omitempty"`
	Attributes map[string]any   `json:"attributes,omitempty"`
	Tenants    []string         `json:"tenants,omitempty"` // membership without a role
	Roles      []RoleAssignment `json:"roles,omitempty"`
}

// RoleAssignment is a tenant role (Tenant set) or an instance role
// (Resource set to "type:key").
type RoleAssignment struct {
	Role     string `json:"role"`
	Tenant   string `json:"tenant,omitempty"`
	Resource string `json:"resource,omitempty"`
}

// Instance is a resource instance, keyed "type:key" in Policy.ResourceInstances.
type Instance struct {
	Tenant     string         `json:"tenant,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Relationship is a tuple: Subject --Relation--> Object, both "type:key".
type Relationship struct {
	Subject  string `json:"subject"`
	Relation string `json:"relation"`
	Object   string `json:"object"`
}

// UserSet is an ABAC condition set over the user (and tenant, context, roles).
type UserSet struct {
	Name string `json:"name,omitempty"`
	// Parent is the user set Permit files this one under. It is recorded,
	// not evaluated: the set holds by its own conditions.
	Parent     string     `json:"parent,omitempty"`
	Conditions *Condition `json:"conditions,omitempty"`
}

// ResourceSet is an ABAC condition set over resources of one type.
type ResourceSet struct {
	Name     string `json:"name,omitempty"`
	Resource string `json:"resource"`
	// Parent is the resource set Permit files this one under, recorded as
	// for user sets.
	Parent     string     `json:"parent,omitempty"`
	Conditions *Condition `json:"conditions,omitempty"`
}

// ConditionSetRule: users in UserSet may do Permission ("type:action") on
// resources in ResourceSet. UserSet may be a role key and ResourceSet a
// resource type key, which stand for Permit's generated sets.
type ConditionSetRule struct {
	UserSet     string `json:"user_set"`
	Permission  string `json:"permission"`
	ResourceSet string `json:"resource_set"`
}

// Condition is a node of a condition tree: exactly one of AllOf, AnyOf, Not
// (inner nodes) or Path (a leaf) is set.
type Condition struct {
	AllOf []*Condition `json:"allOf,omitempty"`
	AnyOf []*Condition `json:"anyOf,omitempty"`
	// Not is true when the allOf of its children is not true.
	Not []*Condition `json:"not,omitempty"`

	// Leaf: Path Operator Value, or Path Operator Ref when the value is {ref: path}.
	Path     string `json:"-"`
	Operator string `json:"-"`
	Value    any    `json:"-"`
	Ref      string `json:"-"`
}

// Operators lists every condition operator the format accepts.
var Operators = []string{
	"equals", "not-equals",
	"greater-than", "greater-than-equals", "less-than", "less-than-equals",
	"contains", "in", "array_contains", "array_intersect", "array_subset", "array_superset",
}

// IsLeaf reports whether c is a leaf.
func (c *Condition) IsLeaf() bool { return c.Path != "" }

// Source is the provenance of a pulled policy. It never holds an API key.
type Source struct {
	// APIURL is the Permit API the policy was read from.
	APIURL      string    `json:"api_url"`
	Project     SourceRef `json:"project"`
	Environment SourceRef `json:"environment"`
	// PulledAt is when the pull finished, RFC 3339.
	PulledAt    string `json:"pulled_at"`
	PdpxVersion string `json:"pdpx_version,omitempty"`
	// Counts is how many objects of each kind the environment had.
	Counts map[string]int `json:"counts,omitempty"`
	// NotKept names what Permit had that this file does not hold, and why.
	NotKept []string `json:"not_kept,omitempty"`
}

// SourceRef names a Permit project or environment.
type SourceRef struct {
	Key  string `json:"key,omitempty"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}
