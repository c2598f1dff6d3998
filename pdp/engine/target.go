package engine

import (
	"context"

	"github.com/pdpx/pdpx/pdp"
)

// Target is the embedded engine as a pdp.Target (and a
// pdp.AllTenantsChecker and pdp.AuthorizedUsersLister).
type Target struct {
	e    *Engine
	name string
	path string
}

var (
	_ pdp.Target                = (*Target)(nil)
	_ pdp.AllTenantsChecker     = (*Target)(nil)
	_ pdp.AuthorizedUsersLister = (*Target)(nil)
)

// NewTarget wraps an engine. name is how people know the policy ("demo
// policy", "policy.yaml"); path is the policy file ("" for the demo).
func NewTarget(e *Engine, name, path string) *Target {
	return &Target{e: e, name: "embedded: " + name, path: path}
}

// Engine is the engine the target decides with.
func (t *Target) Engine() *Engine { return t.e }

// Describe says what the target is: the embedded engine does ABAC and
// returns both the debug object and the trace.
func (t *Target) Describe() pdp.TargetInfo {
	return pdp.TargetInfo{Kind: pdp.KindEmbedded, Name: t.name, URL: t.path, ABAC: true, Debug: true, Trace: true}
}

// Check decides c. A context already done gives an Error decision: the
// engine never started, so it did not say no.
func (t *Target) Check(ctx context.Context, c pdp.Check) pdp.Decision {
	if err := ctx.Err(); err != nil {
		return pdp.Decision{Outcome: pdp.Error, Err: err, Request: c.Body(), Target: t.name}
	}
	d := t.e.Decide(c)
	d.Target = t.name
	return d
}

// Bulk decides every check in order. Checks after the context is done are
// Error decisions; the call itself fails only when the context was done
// before it started.
func (t *Target) Bulk(ctx context.Context, cs []pdp.Check) ([]pdp.Decision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]pdp.Decision, len(cs))
	for i, c := range cs {
		out[i] = t.Check(ctx, c)
	}
	return out, nil
}

// UserPermissions answers Permit's /user-permissions.
func (t *Target) UserPermissions(ctx context.Context, q pdp.PermissionsQuery) (pdp.Permissions, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return t.e.UserPermissions(q), nil
}

// AllTenants runs c in every tenant the policy knows and returns the allowed ones.
func (t *Target) AllTenants(ctx context.Context, c pdp.Check) ([]pdp.TenantDecision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := t.e.AllTenants(c)
	for i := range out {
		out[i].Decision.Target = t.name
	}
	return out, nil
}

// AuthorizedUsers answers Permit's /authorized_users.
func (t *Target) AuthorizedUsers(ctx context.Context, q pdp.AuthorizedUsersQuery) (pdp.AuthorizedUsers, error) {
	if err := ctx.Err(); err != nil {
		return pdp.AuthorizedUsers{}, err
	}
	return t.e.AuthorizedUsers(q), nil
}

// Health is always nil: the engine is in the process.
func (t *Target) Health(context.Context) error { return nil }
