// Package authzen is pdpx's one mapping between the OpenID AuthZEN
// Authorization API 1.0 and its domain: an AuthZEN evaluation to a
// pdp.Check and back, a decision to an AuthZEN answer and back, and the
// shapes of the batch and search APIs. pdpx serve reads requests with it and
// the AuthZEN client writes them with it, so the two directions cannot drift.
//
// How an AuthZEN request becomes a Permit-style check:
//
//   - subject.id is the user's key; subject.type is not part of a check (a
//     Permit subject is always a user). subject.properties are the user's
//     attributes, with the string values of email, first_name and last_name
//     lifted out into the user's own fields, as Permit's PDP does (its
//     policy reads them as user.email etc. all the same).
//   - action.name is the action; action.properties reach the policy as
//     context.action (context.action.<name> in a condition), merged over an
//     object the request's context may already hold there.
//   - resource.type and resource.id are the type and key ("" is a check on
//     the type, with no instance); resource.properties.tenant is the tenant
//     and the other properties the resource's attributes. A request that
//     names no tenant gets the Mapping's DefaultTenant, or none.
//   - context is the check's context.
//
// The way back (FromCheck) is the same table read right to left, so that a
// check sent through an AuthZEN PDP that is pdpx serve arrives unchanged.
// Two parts of a check have no AuthZEN field and are not sent: JIT tenant
// attributes and the resource's own context.
//
// It knows no HTTP: statuses are numbers in its errors and answers.
package authzen

import "encoding/json"

// The default paths of the HTTPS binding, used when a PDP's metadata does
// not name an endpoint.
const (
	PathEvaluation     = "/access/v1/evaluation"
	PathEvaluations    = "/access/v1/evaluations"
	PathSearchSubject  = "/access/v1/search/subject"
	PathSearchResource = "/access/v1/search/resource"
	PathSearchAction   = "/access/v1/search/action"
	// PathMetadata is where a PDP publishes its metadata (RFC 8615).
	PathMetadata = "/.well-known/authzen-configuration"
)

// The evaluation semantics of an evaluations request.
const (
	// ExecuteAll evaluates every item and answers them all (the default).
	ExecuteAll = "execute_all"
	// DenyOnFirstDeny stops after the first deny or error, like &&.
	DenyOnFirstDeny = "deny_on_first_deny"
	// PermitOnFirstPermit stops after the first permit, like ||.
	PermitOnFirstPermit = "permit_on_first_permit"
)

// ActionKey is the context key under which action.properties reach the
// policy.
const ActionKey = "action"

// SubjectType is the subject type pdpx sends, and the only one a subject
// search finds: every Permit subject is a user.
const SubjectType = "user"

// Subject is an AuthZEN subject on the wire.
type Subject struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Properties map[string]any `json:"properties,omitempty"`
}

// Resource is an AuthZEN resource on the wire.
type Resource struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Properties map[string]any `json:"properties,omitempty"`
}

// Action is an AuthZEN action on the wire.
type Action struct {
	Name       string         `json:"name"`
	Properties map[string]any `json:"properties,omitempty"`
}

// Request is one access evaluation request as a PEP sends it.
type Request struct {
	Subject  Subject        `json:"subject"`
	Action   Action         `json:"action"`
	Resource Resource       `json:"resource"`
	Context  map[string]any `json:"context,omitempty"`
}

// Decision is one answer: the decision and, optionally, a context object.
// pdpx serve puts Permit's debug object there; other PDPs put reasons,
// advice or, in a batch, a per-item error.
type Decision struct {
	Decision bool            `json:"decision"`
	Context  json.RawMessage `json:"context,omitempty"`
}

// EvaluationsRequest is a batch with no top-level defaults: every item is a
// whole Request. It is what the AuthZEN client sends (each check's own
// body is then exactly what a single evaluation would send).
type EvaluationsRequest struct {
	Evaluations []Request `json:"evaluations"`
	Options     *Options  `json:"options,omitempty"`
}

// Options are an evaluations request's options.
type Options struct {
	EvaluationsSemantic string `json:"evaluations_semantic,omitempty"`
}

// EvaluationsResponse answers an evaluations request: one decision per
// item evaluated, in request order.
type EvaluationsResponse struct {
	Evaluations []Decision `json:"evaluations"`
}

// ItemError is the context of a batch item that could not be evaluated:
// {"error": {"status": 400, "message": "..."}}, with "decision": false.
type ItemError struct {
	Error struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

// ErrorDecision is the answer to a batch item that could not be evaluated:
// closed (false), with the error in its context, as the spec shows it.
func ErrorDecision(status int, msg string) Decision {
	var e ItemError
	e.Error.Status, e.Error.Message = status, msg
	b, _ := json.Marshal(e)
	return Decision{Context: b}
}

// PageRequest is the page object of a search request.
type PageRequest struct {
	Token      string         `json:"token,omitempty"`
	Limit      *int           `json:"limit,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
}

// PageResponse is the page object of a search answer. NextToken is "" on
// the last page.
type PageResponse struct {
	NextToken string `json:"next_token"`
	Count     *int   `json:"count,omitempty"`
	Total     *int   `json:"total,omitempty"`
}

// SearchRequest is a search as a PEP sends it: the searched-for entity
// carries its type only (an action search carries no action).
type SearchRequest struct {
	Subject  *Subject       `json:"subject,omitempty"`
	Action   *Action        `json:"action,omitempty"`
	Resource *Resource      `json:"resource,omitempty"`
	Context  map[string]any `json:"context,omitempty"`
	Page     *PageRequest   `json:"page,omitempty"`
}

// Entity is a subject or resource in search results.
type Entity struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// ActionName is an action in search results.
type ActionName struct {
	Name string `json:"name"`
}

// SearchResponse answers a search. Page comes first, as the spec
// recommends, so that a PEP can read the count before the results.
type SearchResponse[T any] struct {
	Page    *PageResponse `json:"page,omitempty"`
	Results []T           `json:"results"`
}

// Metadata is a PDP's metadata document. Endpoints left empty are ones the
// PDP does not offer (access_evaluation_endpoint is required).
type Metadata struct {
	PolicyDecisionPoint       string   `json:"policy_decision_point"`
	AccessEvaluationEndpoint  string   `json:"access_evaluation_endpoint"`
	AccessEvaluationsEndpoint string   `json:"access_evaluations_endpoint,omitempty"`
	SearchSubjectEndpoint     string   `json:"search_subject_endpoint,omitempty"`
	SearchResourceEndpoint    string   `json:"search_resource_endpoint,omitempty"`
	SearchActionEndpoint      string   `json:"search_action_endpoint,omitempty"`
	Capabilities              []string `json:"capabilities,omitempty"`
}

// MetadataFor is the metadata of a PDP at base (no trailing slash) that
// serves every API at its default path.
func MetadataFor(base string) Metadata {
	return Metadata{
		PolicyDecisionPoint:       base,
		AccessEvaluationEndpoint:  base + PathEvaluation,
		AccessEvaluationsEndpoint: base + PathEvaluations,
		SearchSubjectEndpoint:     base + PathSearchSubject,
		SearchResourceEndpoint:    base + PathSearchResource,
		SearchActionEndpoint:      base + PathSearchAction,
	}
}
