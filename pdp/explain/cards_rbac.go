package explain

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// noSuchCard explains a name the environment does not have, with the
// nearest one it does: from the policy on the engine, or from the list a
// PDP's reason ends with.
func (x cardCtx) noSuchCard(code string, r *pdp.Reason) Card {
	var (
		name, field, title string
		cands              []string
		sentence           string
	)
	switch code {
	case "no_such_resource":
		name, field, title = x.n.typ, "resource.type", "No resource type "+x.n.typ
		if x.e != nil {
			cands = x.e.ResourceTypes()
		} else {
			cands = listAfter(r.Reason, "known types:", "known resource types:", "resource types:")
		}
		sentence = "there is no resource type " + tick(name)
	case "no_such_action":
		name, field, title = x.n.action, "action", "No action "+x.n.action+" on "+x.n.typ
		if x.e != nil {
			cands = x.e.ActionsOf(x.c.Resource.Type)
		} else {
			cands = listAfter(r.Reason, "its actions:", "actions:")
		}
		sentence = x.n.typ + " has no action " + tick(name)
	default:
		name, field, title = x.n.tenant, "tenant", "No tenant "+x.n.tenant
		if x.e != nil {
			cands = x.e.Tenants()
		} else {
			cands = listAfter(r.Reason, "known tenants:", "tenants:")
		}
		sentence = "there is no tenant " + tick(name)
	}
	card := Card{Title: title}
	if s := policy.Suggest(name, cands); s != "" {
		sentence += "; did you mean " + tick(s) + "?"
		card.Action = &Action{Kind: UseName, Field: field, Value: s, Label: "use " + s}
	} else if len(cands) > 0 {
		sentence += "; known: " + names(cands)
	}
	card.Sentence = sentence
	return card
}

func (x cardCtx) notSyncedCard() Card {
	card := Card{
		Title:    "User not synced",
		Sentence: x.n.user + " is unknown to the environment: only the check's JIT attributes were used",
		Details:  []string{"sync the user to Permit (permit.api.users.sync), or add them under users: in the policy file"},
	}
	if len(x.c.User.Attributes) == 0 {
		card.Details = append(card.Details, "the check sends no user attributes, so the user has none: no roles, no tenants")
	}
	if x.e != nil {
		if s := suggestUser(x.c.User.Key, x.e.Users()); s != "" {
			card.Sentence += "; did you mean " + tick(s) + "?"
			card.Action = &Action{Kind: UseName, Field: "user.key", Value: s, Label: "use " + s}
		}
	}
	return card
}

func (x cardCtx) noUserRolesCard() Card {
	card := Card{
		Title:    "No roles",
		Sentence: x.n.user + " has no role in any tenant",
	}
	if x.e != nil {
		card.Details = append(card.Details, x.grantingLine())
	}
	return card
}

// grantingLine names the tenant roles that grant the check's permission.
func (x cardCtx) grantingLine() string {
	g := rolesGranting(x.e.Policy(), x.c.Resource.Type, x.c.Action)
	if len(g) == 0 {
		return fmt.Sprintf("no tenant role grants %s on %s", x.n.action, x.n.typ)
	}
	return fmt.Sprintf("roles that grant %s on %s: %s", x.n.action, x.n.typ, names(cleanAll(g)))
}

func (x cardCtx) noRoleInTenantCard(r *pdp.Reason) Card {
	var elsewhere, details []string
	if x.e != nil {
		for _, t := range x.e.Tenants() {
			if roles := x.e.TenantRolesOf(x.c.User.Key, t); len(roles) > 0 {
				elsewhere = append(elsewhere, pdp.Clean(t))
				details = append(details, fmt.Sprintf("%s in %s", names(cleanAll(roles)), pdp.Clean(t)))
			}
		}
	} else {
		elsewhere = listAfter(r.Reason, "roles in these tenants:", "has roles in:", "roles in:")
	}
	card := Card{
		Title:    "No role in " + tenantWord(x.n.tenant),
		Sentence: x.n.user + " has no role in " + tenantWord(x.n.tenant),
		Details:  details,
	}
	if len(elsewhere) > 0 {
		card.Sentence += "; they have roles in " + names(elsewhere)
	}
	if t := x.retryTenant(elsewhere); t != "" {
		card.Action = &Action{Kind: RetryInTenant, Field: "tenant", Value: t, Label: "retry in " + t}
	}
	return card
}

// retryTenant picks the tenant to offer: with the engine, the first of
// tenants where the check allows (else the first); remotely, the first.
func (x cardCtx) retryTenant(tenants []string) string {
	if len(tenants) == 0 {
		return ""
	}
	if x.e != nil {
		c := x.c
		for _, t := range tenants {
			c.Resource.Tenant = t
			if x.e.Allowed(&c) {
				return t
			}
		}
	}
	return tenants[0]
}

func (x cardCtx) rbacNoPermissionCard() Card {
	if x.c.Resource.Tenant == "" {
		card := Card{
			Title:    "No tenant",
			Sentence: "the check has no tenant, so " + x.n.user + "'s tenant roles do not count (Permit's SDKs send " + tick(pdp.DefaultTenant) + ")",
		}
		tenants := []string{pdp.DefaultTenant}
		if x.e != nil {
			tenants = append(userTenants(x.e, x.c.User.Key), pdp.DefaultTenant)
		}
		t := x.retryTenant(tenants)
		card.Action = &Action{Kind: RetryInTenant, Field: "tenant", Value: t, Label: "retry in " + t}
		return card
	}
	card := Card{Title: "No permission in " + x.n.tenant}
	if x.e == nil {
		card.Sentence = fmt.Sprintf("%s's roles in %s do not grant %s on %s", x.n.user, x.n.tenant, x.n.action, x.n.typ)
		return card
	}
	here := cleanAll(x.e.TenantRolesOf(x.c.User.Key, x.c.Resource.Tenant))
	verb := "which does not grant"
	if len(here) > 1 {
		verb = "none of which grants"
	}
	card.Sentence = fmt.Sprintf("%s has %s in %s, %s %s on %s", x.n.user, names(here), x.n.tenant, verb, x.n.action, x.n.typ)
	card.Details = []string{x.grantingLine()}
	return card
}

// userTenants lists the tenants where the user holds a tenant role, sorted.
func userTenants(e *engine.Engine, user string) []string {
	var out []string
	for _, t := range e.Tenants() {
		if len(e.TenantRolesOf(user, t)) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// rolesGranting lists the tenant roles whose permissions include type:action, sorted.
func rolesGranting(p *policy.Policy, typ, action string) []string {
	perm := typ + ":" + action
	var out []string
	for key, r := range p.Roles {
		if r != nil && slices.Contains(r.Permissions, perm) {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

func (x cardCtx) rebacNoPermissionCard() Card {
	if x.c.Resource.Key == "" || x.c.Resource.Tenant == "" {
		return Card{
			Tone:     ToneInfo,
			Title:    "No instance to hold roles on",
			Sentence: "ReBAC needs a resource key and a tenant: the check asks about " + x.n.ref + " in " + tenantWord(x.n.tenant) + ", so no role on an instance applies",
		}
	}
	card := Card{Title: "No role on " + x.n.ref}
	if x.e == nil || x.d.Trace == nil {
		card.Sentence = fmt.Sprintf("%s has no role on %s that grants %s", x.n.user, x.n.ref, x.n.action)
		return card
	}
	var held, suppressed []string
	for _, rt := range x.d.Trace.InstanceRoles {
		switch {
		case rt.Direct:
			held = append(held, pdp.Clean(rt.Role)+" (direct)")
		case len(rt.Chains) > 0:
			held = append(held, pdp.Clean(rt.Role)+" (through "+pdp.Clean(rt.Chains[0])+")")
		case rt.Suppressed:
			suppressed = append(suppressed, pdp.Clean(rt.Role))
		}
	}
	if len(held) == 0 {
		card.Sentence = fmt.Sprintf("%s has no role on %s in %s, directly or through its relations", x.n.user, x.n.ref, x.n.tenant)
	} else {
		verb := "which does not grant"
		if len(held) > 1 {
			verb = "none of which grants"
		}
		card.Sentence = fmt.Sprintf("%s has %s on %s, %s %s", x.n.user, names(held), x.n.ref, verb, x.n.action)
	}
	if g := resourceRolesGranting(x.e.Policy(), x.c.Resource.Type, x.c.Action); len(g) > 0 {
		card.Details = append(card.Details, fmt.Sprintf("roles of %s that grant %s: %s", x.n.typ, x.n.action, names(cleanAll(g))))
	} else {
		card.Details = append(card.Details, fmt.Sprintf("no role of %s grants %s", x.n.typ, x.n.action))
	}
	if len(suppressed) > 0 {
		card.Details = append(card.Details, fmt.Sprintf("not derived: %s (no_direct_roles_on_object, and the user has a direct role on %s)", names(suppressed), x.n.ref))
	}
	return card
}

// resourceRolesGranting lists the roles of a resource type that grant action, sorted.
func resourceRolesGranting(p *policy.Policy, typ, action string) []string {
	r := p.Resources[typ]
	if r == nil {
		return nil
	}
	var out []string
	for key, rr := range r.Roles {
		if rr != nil && slices.Contains(rr.Permissions, action) {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// suggestUser is the known user key key is probably a typo of. Keys are
// often emails, where policy.Suggest's allowance, which grows with length,
// would take check@permit.io for jane@permit.io: the part before the @ is
// compared among the users of the same domain instead.
func suggestUser(key string, users []string) string {
	local, domain, ok := strings.Cut(key, "@")
	if !ok {
		return policy.Suggest(key, users)
	}
	var locals []string
	for _, u := range users {
		if l, d, ok := strings.Cut(u, "@"); ok && d == domain {
			locals = append(locals, l)
		}
	}
	if s := policy.Suggest(local, locals); s != "" {
		return s + "@" + domain
	}
	return ""
}
