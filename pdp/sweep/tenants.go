package sweep

import (
	"context"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

// TenantResult is the check's answer in one tenant.
type TenantResult struct {
	Tenant   string
	Check    pdp.Check
	Decision pdp.Decision
	// Member is true when the user belongs to the tenant (it came back
	// from /user-permissions), false for a tenant listed only because the
	// check named it or all-tenants allowed it there.
	Member bool
}

// TenantSweep is the current check run in every tenant the user belongs to.
type TenantSweep struct {
	Results []TenantResult
	// Via says how the answers were got: "all-tenants + bulk" or "bulk".
	Via string
	// Note says what was missing, such as a target that cannot list the
	// user's tenants (then only the check's own tenant and the allowed ones show).
	Note string
}

// InTenants runs c in every tenant the user belongs to. The tenants come
// from /user-permissions (the "__tenant:" keys), plus the check's own.
//
// On local targets (the embedded engine and a PDP, which have
// /allowed/all-tenants) one all-tenants call gives the allowed tenants with
// their decisions, and one bulk request the reasons for the others. The
// cloud PDP has no all-tenants, so there the sweep is one bulk request over
// the tenants. The result is sorted by tenant.
func InTenants(ctx context.Context, t pdp.Target, c pdp.Check) TenantSweep {
	var sw TenantSweep
	member := map[string]bool{}
	var tenants []string
	add := func(tn string) {
		if tn != "" && !slices.Contains(tenants, tn) {
			tenants = append(tenants, tn)
		}
	}
	perms, err := t.UserPermissions(ctx, pdp.PermissionsQuery{User: c.User, Context: c.Context})
	if err != nil {
		sw.Note = "could not list the user's tenants (" + pdp.Clean(err.Error()) + ")"
	}
	for k, e := range perms {
		tn, ok := strings.CutPrefix(k, "__tenant:")
		if !ok {
			continue
		}
		if e.Tenant != nil && e.Tenant.Key != "" {
			tn = e.Tenant.Key
		}
		member[tn] = true
		add(tn)
	}
	add(c.Resource.Tenant)

	allowed := map[string]pdp.Decision{}
	if at, ok := t.(pdp.AllTenantsChecker); ok && t.Describe().Kind != pdp.KindCloud {
		got, err := at.AllTenants(ctx, c)
		if err == nil {
			sw.Via = "all-tenants + bulk"
			for _, td := range got {
				allowed[td.Tenant] = td.Decision
				add(td.Tenant)
			}
		} else if sw.Note == "" {
			sw.Note = "all-tenants failed (" + pdp.Clean(err.Error()) + "): asked tenant by tenant"
		}
	}
	if sw.Via == "" {
		sw.Via = "bulk"
	}
	slices.Sort(tenants)

	var rest []pdp.Check
	var restAt []int
	for _, tn := range tenants {
		tc := c
		tc.Resource.Tenant = tn
		if tn != c.Resource.Tenant {
			// JIT tenant attributes describe the tenant the check named.
			tc.TenantAttributes = nil
		}
		r := TenantResult{Tenant: tn, Check: tc, Member: member[tn]}
		if d, ok := allowed[tn]; ok {
			r.Decision = d
		} else {
			rest = append(rest, tc)
			restAt = append(restAt, len(sw.Results))
		}
		sw.Results = append(sw.Results, r)
	}
	if len(rest) > 0 {
		for i, d := range Decide(ctx, t, rest) {
			sw.Results[restAt[i]].Decision = d
		}
	}
	return sw
}
