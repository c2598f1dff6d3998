package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// fakeTarget answers checks with canned decisions. (The hung PDP is a real
// HTTP server and the real client: see hung_test.go.)
type fakeTarget struct {
	info   pdp.TargetInfo
	decide func(pdp.Check) pdp.Decision
	health error

	mu     sync.Mutex
	checks []pdp.Check
}

func (f *fakeTarget) Check(_ context.Context, c pdp.Check) pdp.Decision {
	f.mu.Lock()
	f.checks = append(f.checks, c)
	f.mu.Unlock()
	d := f.decide(c)
	d.Request = c.Body()
	if d.Target == "" {
		d.Target = f.info.Name
	}
	return d
}

func (f *fakeTarget) Bulk(ctx context.Context, cs []pdp.Check) ([]pdp.Decision, error) {
	out := make([]pdp.Decision, len(cs))
	for i, c := range cs {
		out[i] = f.Check(ctx, c)
	}
	return out, nil
}

func (f *fakeTarget) UserPermissions(context.Context, pdp.PermissionsQuery) (pdp.Permissions, error) {
	return nil, errors.New("not supported")
}

func (f *fakeTarget) Health(context.Context) error { return f.health }
func (f *fakeTarget) Describe() pdp.TargetInfo     { return f.info }

func (f *fakeTarget) sent() []pdp.Check {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]pdp.Check(nil), f.checks...)
}

var embeddedInfo = pdp.TargetInfo{Kind: pdp.KindEmbedded, Name: "embedded: demo policy", ABAC: true, Debug: true, Trace: true}

// storyTarget decides like the demo policy for the screens in the goldens,
// with fixed latencies, so that the pictures never change by themselves.
func storyTarget() *fakeTarget {
	return &fakeTarget{info: embeddedInfo, decide: storyDecision}
}

func storyDecision(c pdp.Check) pdp.Decision {
	switch {
	case c.User.Key == "john@smith.com":
		return allowDecision()
	case c.User.Key == "check@permit.io":
		return abacDenyDecision(c)
	case c.User.Key == "bob@acme.io":
		return pdp.Decision{Outcome: pdp.Deny, Latency: 38 * time.Microsecond, Response: []byte(`{"allow":false}`),
			Debug: &pdp.Debug{RBAC: &pdp.Reason{Code: "no_permission",
				Reason:      "user 'bob@acme.io' has role 'viewer' in tenant 'default', none of which grants '" + c.Action + "' on '" + c.Resource.Type + "'; roles that grant it: admin",
				SupportLink: pdp.SupportLink("no_permission")}},
			Trace: &pdp.Trace{Roles: []string{"viewer"}}}
	default:
		return pdp.Decision{Outcome: pdp.Allow, Latency: 52 * time.Microsecond, Response: []byte(`{"allow":true}`),
			Debug: &pdp.Debug{RBAC: &pdp.Reason{Allow: true, Code: "allow", Reason: "user '" + c.User.Key + "' has role 'viewer' in tenant 'default', which grants '" + c.Action + "' on '" + c.Resource.Type + "'",
				AllowingRoles: []pdp.AllowingRole{{Role: "viewer"}}}}}
	}
}

func allowDecision() pdp.Decision {
	return pdp.Decision{
		Outcome:  pdp.Allow,
		Latency:  41 * time.Microsecond,
		Response: []byte(`{"allow":true,"result":true,"debug":{"rbac":{"allow":true,"code":"allow","allowing_roles":["admin"]}}}`),
		Debug: &pdp.Debug{RBAC: &pdp.Reason{Allow: true, Code: "allow",
			Reason:        "user 'john@smith.com' has role 'admin' in tenant 'default', which grants 'create' on 'document'",
			AllowingRoles: []pdp.AllowingRole{{Role: "admin"}}}},
		Trace: &pdp.Trace{Roles: []string{"admin"}},
	}
}

// abacDenyDecision is check@permit.io publishing a document with
// location=England but no department, and hasApproval=true as a bool.
func abacDenyDecision(c pdp.Check) pdp.Decision {
	leaf := func(path string, want, got any, missing, ok bool) *pdp.CondTrace {
		return &pdp.CondTrace{Kind: "leaf", Path: path, Operator: "equals", Expected: want, Actual: got, Missing: missing, Result: ok}
	}
	return pdp.Decision{
		Outcome:  pdp.Deny,
		Latency:  63 * time.Microsecond,
		Response: []byte(`{"allow":false,"result":false,"debug":{"abac":{"allow":false,"code":"no_matching_usersets"}}}`),
		Debug: &pdp.Debug{
			RBAC: &pdp.Reason{Code: "user_not_synced", Reason: "user 'check@permit.io' is not synced: it has no roles, only the attributes sent with the check",
				SupportLink: pdp.SupportLink("user_not_synced")},
			ABAC: &pdp.Reason{Code: "no_matching_usersets", Reason: "user 'check@permit.io' is in no user set that a rule for 'publish' on 'document' names: England engineers needs user.department = \"Engineering\" (missing)",
				SupportLink: pdp.SupportLink("no_matching_usersets")},
		},
		Trace: &pdp.Trace{
			UserSets: []pdp.SetTrace{{Key: "england_engineers", Name: "England engineers", Condition: &pdp.CondTrace{Kind: "allOf", Children: []*pdp.CondTrace{
				leaf("user.department", "Engineering", nil, true, false),
				leaf("user.location", "England", c.User.Attributes["location"], false, true),
			}}}},
			ResourceSets: []pdp.SetTrace{{Key: "approved_documents", Name: "approved documents", Condition: &pdp.CondTrace{Kind: "allOf", Children: []*pdp.CondTrace{
				leaf("resource.hasApproval", "true", c.Resource.Attributes["hasApproval"], false, false),
			}}}},
			Rules: []pdp.RuleTrace{{UserSet: "england_engineers", Permission: "document:publish", ResourceSet: "approved_documents"}},
		},
	}
}

// fixedLatency wraps a real target so that its decisions draw the same every run.
type fixedLatency struct {
	pdp.Target
	d time.Duration
}

func (f fixedLatency) Check(ctx context.Context, c pdp.Check) pdp.Decision {
	d := f.Target.Check(ctx, c)
	d.Latency = f.d
	return d
}
