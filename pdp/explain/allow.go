package explain

import (
	"fmt"

	"github.com/pdpx/pdpx/pdp"
)

// Grant is one thing that allowed the check: a tenant role (rbac), a
// condition-set rule (abac) or a role on the instance, direct or derived
// (rebac).
type Grant struct {
	Model string `json:"model"`
	// Role is the tenant role (rbac), the role standing for the user set
	// (abac, when the rule names a role) or the instance role (rebac).
	Role   string `json:"role,omitempty"`
	Tenant string `json:"tenant,omitempty"`
	// UserSet and ResourceSet are the rule's sets (abac); ResourceSet is a
	// resource type when the rule names one.
	UserSet     string `json:"user_set,omitempty"`
	ResourceSet string `json:"resource_set,omitempty"`
	// Resource is the instance the role is on (rebac), "type:key".
	Resource string `json:"resource,omitempty"`
	// Chains are the derivations that gave the role (rebac), each
	// "folder:plans#editor --parent--> document:roadmap#editor"; a direct
	// role's chain is its bare node.
	Chains   []string `json:"chains,omitempty"`
	Direct   bool     `json:"direct,omitempty"`
	Sentence string   `json:"sentence"`
}

// grants reads what allowed the check from the debug object's allowing
// blocks: it works for a remote PDP's debug object as for the engine's.
func grants(dbg *pdp.Debug, c pdp.Check) []Grant {
	if dbg == nil {
		return nil
	}
	n := newNames(c)
	var out []Grant
	if r := dbg.RBAC; r != nil && r.Allow {
		for _, ar := range r.AllowingRoles {
			role := pdp.Clean(ar.Role)
			out = append(out, Grant{Model: "rbac", Role: role, Tenant: n.tenant,
				Sentence: fmt.Sprintf("%s has %s in %s, which grants %s on %s", n.user, role, tenantWord(n.tenant), n.action, n.typ)})
		}
		if len(r.AllowingRoles) == 0 {
			out = append(out, Grant{Model: "rbac", Tenant: n.tenant, Sentence: orText(r.Reason, "a tenant role of "+n.user+" in "+tenantWord(n.tenant)+" grants it")})
		}
	}
	if r := dbg.ABAC; r != nil && r.Allow {
		for _, ar := range r.AllowingRules {
			out = append(out, abacGrant(ar, n))
		}
		if len(r.AllowingRules) == 0 {
			out = append(out, Grant{Model: "abac", Sentence: orText(r.Reason, "a condition-set rule grants it")})
		}
	}
	if r := dbg.ReBAC; r != nil && r.Allow {
		for _, ar := range r.AllowingRoles {
			out = append(out, rebacGrant(ar, n))
		}
		if len(r.AllowingRoles) == 0 {
			out = append(out, Grant{Model: "rebac", Sentence: orText(r.Reason, "a role on "+n.ref+" grants it")})
		}
	}
	return out
}

func abacGrant(ar pdp.AllowingRule, n checkNames) Grant {
	g := Grant{Model: "abac", UserSet: pdp.Clean(ar.UserSet), ResourceSet: pdp.Clean(ar.ResourceSet)}
	who := n.user + " is in user set " + g.UserSet
	if g.UserSet == "" {
		g.Role = pdp.Clean(ar.Role)
		g.UserSet = g.Role
		who = fmt.Sprintf("%s has role %s in %s", n.user, g.Role, tenantWord(n.tenant))
	}
	what := "the " + n.typ + " is in resource set " + g.ResourceSet
	if g.ResourceSet == "" {
		g.ResourceSet = pdp.Clean(ar.ResourceType)
		what = "the rule covers every " + g.ResourceSet
	}
	g.Sentence = fmt.Sprintf("%s and %s; a rule gives %s %s on %s", who, what, g.UserSet, n.action, n.typ)
	return g
}

func rebacGrant(ar pdp.AllowingRole, n checkNames) Grant {
	g := Grant{Model: "rebac", Role: pdp.Clean(ar.Role), Resource: pdp.Clean(ar.Resource), Chains: cleanAll(ar.Sources)}
	if g.Resource == "" {
		g.Resource = n.ref
	}
	node := g.Resource + "#" + g.Role
	g.Direct = len(g.Chains) == 0 || g.Chains[0] == node
	how := "directly"
	if !g.Direct {
		how = "through " + g.Chains[0]
		if len(g.Chains) > 1 {
			how += fmt.Sprintf(" (and %d more paths)", len(g.Chains)-1)
		}
	}
	g.Sentence = fmt.Sprintf("%s has %s on %s %s, which grants %s", n.user, g.Role, g.Resource, how, n.action)
	return g
}

// orText is the cleaned reason, or the fallback when the PDP gave none.
func orText(reason, fallback string) string {
	if s := pdp.Clean(reason); s != "" {
		return s
	}
	return fallback
}

// checkNames are the check's names, cleaned, as sentences use them.
type checkNames struct {
	user, action, typ, tenant, ref string
}

func newNames(c pdp.Check) checkNames {
	return checkNames{
		user:   pdp.Clean(c.User.Key),
		action: pdp.Clean(c.Action),
		typ:    pdp.Clean(c.Resource.Type),
		tenant: pdp.Clean(c.Resource.Tenant),
		ref:    pdp.Clean(c.Resource.Ref()),
	}
}
