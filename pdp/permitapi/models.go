package permitapi

import "encoding/json"

// The read models below keep the fields a policy needs, under the API's JSON
// names. Ids are kept where a list must be deduplicated (lists can shift
// while they are paged) or where another model refers to an id.

// Scope is what /v2/api-key/scope answers: an environment key has all three,
// a project key no environment, an organization key neither.
type Scope struct {
	OrganizationID string `json:"organization_id"`
	ProjectID      string `json:"project_id"`
	EnvironmentID  string `json:"environment_id"`
}

// Project is ProjectRead.
type Project struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Environment is EnvironmentRead.
type Environment struct {
	ID        string `json:"id"`
	Key       string `json:"key"`
	Name      string `json:"name"`
	ProjectID string `json:"project_id"`
}

// Resource is ResourceRead: a resource type with its actions, attributes,
// roles, relations and action groups.
type Resource struct {
	ID           string                      `json:"id"`
	Key          string                      `json:"key"`
	Name         string                      `json:"name"`
	Description  string                      `json:"description"`
	Actions      map[string]Action           `json:"actions"`
	Attributes   map[string]Attribute        `json:"attributes"`
	Roles        map[string]ResourceRole     `json:"roles"`
	Relations    map[string]ResourceRelation `json:"relations"`
	ActionGroups map[string]json.RawMessage  `json:"action_groups"`
}

// Action is one action of a resource type.
type Action struct {
	ID          string `json:"id"`
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Attribute is one attribute of a resource type's schema (and, for the
// __user resource, of users).
type Attribute struct {
	ID          string `json:"id"`
	Key         string `json:"key"`
	Type        string `json:"type"`
	Description string `json:"description"`
	BuiltIn     bool   `json:"built_in"`
}

// ResourceRelation is a relation as ResourceRead holds it: Resource is the
// subject's type key.
type ResourceRelation struct {
	ResourceID   string `json:"resource_id"`
	Resource     string `json:"resource"`
	RelationName string `json:"relation_name"`
	Description  string `json:"description"`
}

// ResourceRole is ResourceRoleRead.
type ResourceRole struct {
	ID          string         `json:"id"`
	Key         string         `json:"key"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Resource    string         `json:"resource"`
	Permissions []string       `json:"permissions"`
	Attributes  map[string]any `json:"attributes"`
	Extends     []string       `json:"extends"`
	GrantedTo   *GrantedTo     `json:"granted_to"`
}

// GrantedTo is a role's derivations: users with Role on an OnResource
// instance linked by LinkedByRelation get the role.
type GrantedTo struct {
	When          *When           `json:"when"`
	UsersWithRole []UsersWithRole `json:"users_with_role"`
}

// UsersWithRole is one derivation.
type UsersWithRole struct {
	Role             string `json:"role"`
	OnResource       string `json:"on_resource"`
	LinkedByRelation string `json:"linked_by_relation"`
	When             *When  `json:"when"`
}

// When holds a derivation's condition.
type When struct {
	NoDirectRolesOnObject bool `json:"no_direct_roles_on_object"`
}

// Role is RoleRead, a tenant role.
type Role struct {
	ID          string         `json:"id"`
	Key         string         `json:"key"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Permissions []string       `json:"permissions"`
	Attributes  map[string]any `json:"attributes"`
	Extends     []string       `json:"extends"`
	GrantedTo   *GrantedTo     `json:"granted_to"`
}

// Tenant is TenantRead.
type Tenant struct {
	ID          string         `json:"id"`
	Key         string         `json:"key"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Attributes  map[string]any `json:"attributes"`
}

// User is UserRead with associated_tenants (asked for with
// include_resource_instance_roles=true).
type User struct {
	ID                string             `json:"id"`
	Key               string             `json:"key"`
	Email             *string            `json:"email"`
	FirstName         *string            `json:"first_name"`
	LastName          *string            `json:"last_name"`
	Attributes        map[string]any     `json:"attributes"`
	AssociatedTenants []AssociatedTenant `json:"associated_tenants"`
}

// AssociatedTenant is a user's membership in one tenant.
type AssociatedTenant struct {
	Tenant                string            `json:"tenant"`
	Roles                 []string          `json:"roles"`
	Status                string            `json:"status"`
	ResourceInstanceRoles []json.RawMessage `json:"resource_instance_roles"`
}

// RoleAssignment is RoleAssignmentRead: a tenant role (ResourceInstance
// empty) or an instance role (ResourceInstance "type:key").
type RoleAssignment struct {
	ID               string  `json:"id"`
	User             string  `json:"user"`
	Role             string  `json:"role"`
	Tenant           string  `json:"tenant"`
	ResourceInstance *string `json:"resource_instance"`
}

// ResourceInstance is ResourceInstanceRead; Key is without the type.
type ResourceInstance struct {
	ID         string         `json:"id"`
	Key        string         `json:"key"`
	Resource   string         `json:"resource"`
	Tenant     string         `json:"tenant"`
	Attributes map[string]any `json:"attributes"`
}

// RelationshipTuple is RelationshipTupleRead: Subject --Relation--> Object.
type RelationshipTuple struct {
	ID       string `json:"id"`
	Subject  string `json:"subject"`
	Relation string `json:"relation"`
	Object   string `json:"object"`
	Tenant   string `json:"tenant"`
}

// ConditionSet is ConditionSetRead: a user set or a resource set.
type ConditionSet struct {
	ID            string  `json:"id"`
	Key           string  `json:"key"`
	Name          string  `json:"name"`
	Description   string  `json:"description"`
	Type          string  `json:"type"`
	Autogenerated bool    `json:"autogenerated"`
	ResourceID    *string `json:"resource_id"`
	Resource      *struct {
		Key string `json:"key"`
	} `json:"resource"`
	Conditions json.RawMessage `json:"conditions"`
	ParentID   *string         `json:"parent_id"`
}

// ConditionSetRule is ConditionSetRuleRead.
type ConditionSetRule struct {
	ID          string `json:"id"`
	Key         string `json:"key"`
	UserSet     string `json:"user_set"`
	Permission  string `json:"permission"`
	ResourceSet string `json:"resource_set"`
}
