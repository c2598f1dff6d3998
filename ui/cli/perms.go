package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/sweep"
)

func newPermissionsCmd(g *globals) *cobra.Command {
	var (
		tenants, types, resources, userAttrs []string
		asJSON                               bool
	)
	cmd := &cobra.Command{
		Use:   "permissions USER",
		Short: "List what a user may do, per tenant and per instance, with the role that gives it",
		Long: `List every permission of USER: in each tenant the user belongs to (or those
--tenant names) the type-level permissions and the tenant roles that grant
them; on each instance the user holds a role on, or that ABAC lets the user
act on (or those --resource names), the permissions there and the roles
that grant them.

It asks /user-permissions on a PDP and the engine itself on the embedded
target, whose policy also tells which role grants which permission. A
permission with no role came from attributes (ABAC). On the embedded
target every permission listed is one pdpx check allows, and every check
it allows on an instance the policy knows is listed (on the instance, or
on its tenant when a tenant role allows it everywhere there).

An AuthZEN PDP (--authzen) is asked its action search, for the types
--type names (in each --tenant) and the instances --resource names: it
cannot list a user's tenants and instances, and names no roles.`,
		Example: `  pdpx permissions jane@permit.io
  pdpx permissions john@permit.io --tenant awesome_inc --type document
  pdpx permissions bob@acme.io --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			user := strings.TrimSpace(args[0])
			if user == "" {
				return errors.New("user is empty: give the user's key, for example john@smith.com")
			}
			attrs, err := pdp.ParseAttrs(userAttrs)
			if err != nil {
				return fmt.Errorf("--user-attr %w", err)
			}
			t, err := g.target(cmd.Context())
			if err != nil {
				return err
			}
			q := pdp.PermissionsQuery{User: pdp.User{Key: user, Attributes: attrs},
				Tenants: splitList(tenants), ResourceTypes: splitList(types), Resources: splitList(resources)}
			ps, err := t.UserPermissions(cmd.Context(), q)
			if err != nil {
				return &ExitError{Code: 2, Err: fmt.Errorf("%s: %s", pdp.Clean(t.Describe().Name), pdp.Clean(err.Error()))}
			}
			var pol *policy.Policy
			if e := engine.Of(t); e != nil {
				pol = e.Policy()
			}
			rows := sweep.GrantRows(ps, pol)
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), struct {
					User   string        `json:"user"`
					Target string        `json:"target"`
					Grants []sweep.Grant `json:"grants"`
				}{user, t.Describe().Name, orEmpty(rows)})
			}
			p := newPrinter(cmd.OutOrStdout())
			p.grants(user, t.Describe().Name, rows, t.Describe().Kind == pdp.KindAuthZEN)
			return p.flush()
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVarP(&tenants, "tenant", "t", nil, "only these tenants (comma-separated or repeated)")
	fl.StringSliceVar(&types, "type", nil, "only these resource types")
	fl.StringSliceVar(&resources, "resource", nil, "these instances (type:key) rather than those the user holds a role on")
	fl.StringArrayVarP(&userAttrs, "user-attr", "u", nil, "a JIT user attribute `k=v` (repeatable)")
	fl.BoolVar(&asJSON, "json", false, "print the grants as JSON")
	return cmd
}

func newWhoCmd(g *globals) *cobra.Command {
	var (
		tenant string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "who ACTION RESOURCE",
		Short: "List who may do an action on a resource, with the role assignment that lets them",
		Long: `List the users who may do ACTION on RESOURCE (type or type:key) in the tenant
(default "default"), each with the tenant role, instance role or ABAC rule
(user set and resource set) that lets them: Permit's /authorized_users.
On the embedded target the users are exactly those of the policy that
pdpx check allows; a remote PDP answers for itself (Permit's lists ABAC
users only when the query's context asks for them). An AuthZEN PDP
(--authzen) is asked its subject search: every user it would allow, without
what lets them.`,
		Example: `  pdpx who update document:roadmap
  pdpx who read document --tenant awesome_inc --json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := pdp.NewCheck("-", args[0], args[1], tenant, false)
			if err != nil {
				return err
			}
			t, err := g.target(cmd.Context())
			if err != nil {
				return err
			}
			al, ok := t.(pdp.AuthorizedUsersLister)
			if !ok {
				return fmt.Errorf("%s cannot list authorized users", pdp.Clean(t.Describe().Name))
			}
			au, err := al.AuthorizedUsers(cmd.Context(), pdp.AuthorizedUsersQuery{Action: c.Action, Resource: c.Resource})
			if err != nil {
				return &ExitError{Code: 2, Err: fmt.Errorf("%s: %s", pdp.Clean(t.Describe().Name), pdp.Clean(err.Error()))}
			}
			rows := sweep.WhoRows(au)
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), struct {
					Action   string             `json:"action"`
					Resource string             `json:"resource"`
					Tenant   string             `json:"tenant"`
					Target   string             `json:"target"`
					Users    []sweep.Authorized `json:"users"`
				}{c.Action, c.Resource.Ref(), c.Resource.Tenant, t.Describe().Name, orEmpty(rows)})
			}
			p := newPrinter(cmd.OutOrStdout())
			p.who(c, t.Describe().Name, rows)
			return p.flush()
		},
	}
	cmd.Flags().StringVarP(&tenant, "tenant", "t", "", "the tenant (default \"default\")")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the users as JSON")
	return cmd
}

func splitList(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// grants prints a user's permissions grouped by tenant and instance, each
// with the roles that give it. noRoles says the target names none (an
// AuthZEN PDP), so that a permission without one is not put down to
// attributes.
func (p *printer) grants(user, target string, rows []sweep.Grant, noRoles bool) {
	p.linef("%s %s", p.key.Render(pdp.Clean(user)), p.dim.Render("· "+pdp.Clean(target)))
	if len(rows) == 0 {
		p.linef("  no permissions")
		return
	}
	pw := 0
	for _, g := range rows {
		pw = max(pw, len([]rune(g.Permission)))
	}
	last := ""
	for _, g := range rows {
		head := g.Scope + " " + g.Key
		if g.Scope == "tenant" && g.Key == "" {
			head = "no tenant"
		}
		if head != last {
			p.linef("%s", p.key.Render(head))
			last = head
		}
		via := p.dim.Render("attributes (no role)")
		if noRoles {
			via = ""
		}
		if len(g.Roles) > 0 {
			via = "via " + strings.Join(g.Roles, ", ")
		}
		p.linef("%s", strings.TrimRight(fmt.Sprintf("  %s %s  %s", p.ok.Render("✓"), padText(g.Permission, pw), via), " "))
	}
}

// who prints the users allowed to do an action and the assignment that lets each.
func (p *printer) who(c pdp.Check, target string, rows []sweep.Authorized) {
	p.linef("%s %s", p.key.Render("who may "+pdp.Clean(c.Action)+" "+pdp.Clean(c.Resource.Ref())+" @"+pdp.Clean(c.Resource.Tenant)),
		p.dim.Render("· "+pdp.Clean(target)))
	if len(rows) == 0 {
		p.linef("  nobody")
		return
	}
	uw := 0
	for _, r := range rows {
		uw = max(uw, len([]rune(r.User)))
	}
	for _, r := range rows {
		if r.Role == "" && r.Resource == "" {
			// An AuthZEN PDP's subject search says who, not why.
			p.linef("  %s %s  %s", p.ok.Render("✓"), padText(r.User, uw), p.dim.Render("(the PDP names no role)"))
			continue
		}
		p.linef("  %s %s  %s", p.ok.Render("✓"), padText(r.User, uw), r.Via())
	}
}
