package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/pdp/paired"
)

type checkFlags struct {
	tenant          string
	noDefaultTenant bool
	userAttrs       []string
	resourceAttrs   []string
	tenantAttrs     []string
	context         []string
	input           string
	json            bool
	explain         bool
	print           string
}

func newCheckCmd(g *globals) *cobra.Command {
	f := &checkFlags{}
	cmd := &cobra.Command{
		Use:   "check USER ACTION RESOURCE",
		Short: "Decide one check and print the decision (exit 0 allow, 1 deny, 2 error)",
		Long: `Decide one check, as permit.check(user, action, resource) would.

RESOURCE is a type (document) or type:key (document:d1). The tenant is
"default" unless --tenant names another (or --no-default-tenant sends none),
as Permit's SDKs do. Attribute values are JSON when they parse as JSON
(3, true, "true", [1,2]) and text otherwise (England); a.b=1 nests.

--input replays a whole /allowed request body exactly as a PDP receives it.

The exit code is 0 for allow, 1 for deny and 2 for an error, like grep.`,
		Example: `  pdpx check john@smith.com create document
  pdpx check john@permit.io read document --explain
  pdpx check check@permit.io publish document --user-attr location=England \
      --user-attr department=Engineering --resource-attr 'hasApproval="true"'
  pdpx check --input request.json --json
  pdpx check --pdp http://localhost:7766 alice read document:d1 --tenant acme`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.input != "" {
				if len(args) > 0 {
					return errors.New("--input takes the whole check from the file: drop USER ACTION RESOURCE")
				}
				return nil
			}
			if len(args) != 3 {
				return fmt.Errorf("want USER ACTION RESOURCE, got %d argument(s): for example pdpx check john@smith.com read document", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.tenant == "" && !f.noDefaultTenant && f.input == "" {
				// The profile's default_tenant, else "default".
				tenant, err := g.defaultTenant()
				if err != nil {
					return err
				}
				f.tenant = tenant
			}
			c, err := f.build(cmd.Context(), args, cmd.InOrStdin())
			if err != nil {
				return err
			}
			if f.print != "" {
				return printSnippet(cmd.OutOrStdout(), g, f.print, c)
			}
			t, err := g.target(cmd.Context())
			if err != nil {
				return err
			}
			d := t.Check(cmd.Context(), c)
			g.record(cmd.Context(), cmd.ErrOrStderr(), t.Describe(), c, d)
			return report(cmd.Context(), cmd.OutOrStdout(), c, d, f, t)
		},
	}
	fl := cmd.Flags()
	f.addCheckFlags(fl)
	fl.StringVarP(&f.input, "input", "i", "", "read a whole /allowed request body from `FILE` (- for stdin)")
	fl.BoolVar(&f.json, "json", false, "print the full decision as JSON")
	fl.BoolVarP(&f.explain, "explain", "e", false, "print the reasons and the trace in words")
	fl.StringVar(&f.print, "print", "", "print the check as code in `LANG` (curl, python, node, go) instead of deciding it")
	return cmd
}

// addCheckFlags adds the flags that shape a check (tenant, attributes,
// context), shared by every command that takes the usual check arguments.
func (f *checkFlags) addCheckFlags(fl *pflag.FlagSet) {
	fl.StringVarP(&f.tenant, "tenant", "t", "", "the tenant to check in (default \"default\")")
	fl.BoolVar(&f.noDefaultTenant, "no-default-tenant", false, "send no tenant when --tenant is not given (the PDP then grants no tenant roles)")
	fl.StringArrayVarP(&f.userAttrs, "user-attr", "u", nil, "a JIT user attribute `k=v` (repeatable)")
	fl.StringArrayVarP(&f.resourceAttrs, "resource-attr", "r", nil, "a JIT resource attribute `k=v` (repeatable)")
	fl.StringArrayVar(&f.tenantAttrs, "tenant-attr", nil, "a JIT tenant attribute `k=v` (repeatable)")
	fl.StringArrayVarP(&f.context, "context", "c", nil, "a context value `k=v` (repeatable)")
}

// MaxInputSize is the largest --input pdpx reads, from a file or standard
// input: an /allowed body is a few KiB; a few MiB leaves room for large
// attribute values.
const MaxInputSize = 8 << 20

// build makes the check from the arguments, or from --input exactly as sent.
func (f *checkFlags) build(ctx context.Context, args []string, stdin io.Reader) (pdp.Check, error) {
	if f.input != "" {
		var (
			b   []byte
			err error
		)
		if f.input == "-" {
			b, err = pdp.ReadAll(ctx, stdin, MaxInputSize, "--input")
		} else {
			b, err = pdp.ReadFile(ctx, f.input, MaxInputSize, "--input")
		}
		var big *pdp.TooLargeError
		if errors.As(err, &big) || errors.Is(err, context.Canceled) {
			return pdp.Check{}, err
		}
		if err != nil {
			return pdp.Check{}, fmt.Errorf("reading --input: %w", err)
		}
		c, err := pdp.DecodeCheck(b)
		if err != nil {
			return pdp.Check{}, fmt.Errorf("%s: %w", inputName(f.input), err)
		}
		return c, nil
	}
	c, err := pdp.NewCheck(args[0], args[1], args[2], f.tenant, f.noDefaultTenant)
	if err != nil {
		return c, err
	}
	for _, a := range []struct {
		flag  string
		pairs []string
		dst   *map[string]any
	}{
		{"--user-attr", f.userAttrs, &c.User.Attributes},
		{"--resource-attr", f.resourceAttrs, &c.Resource.Attributes},
		{"--tenant-attr", f.tenantAttrs, &c.TenantAttributes},
		{"--context", f.context, &c.Context},
	} {
		m, err := pdp.ParseAttrs(a.pairs)
		if err != nil {
			return c, fmt.Errorf("%s %w", a.flag, err)
		}
		*a.dst = m
	}
	return c, nil
}

func inputName(s string) string {
	if s == "-" {
		return "stdin"
	}
	return s
}

// report prints the decision, explained with the engine that decided (nil for a
// PDP: the explanation then has only the debug object), and turns its
// outcome into the exit code.
func report(ctx context.Context, w io.Writer, c pdp.Check, d pdp.Decision, f *checkFlags, t pdp.Target) error {
	e := engine.Of(t)
	pt, _ := t.(*paired.Target)
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		r := newJSONReport(c, d, e)
		if pt != nil && d.Shadow != nil {
			r.Snapshot = newSnapshotReport(ctx, pt, c, d)
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		p := newPrinter(w)
		p.summary(c, d)
		if pt != nil && d.Shadow != nil {
			p.paired(ctx, pt, c, d, f.explain)
		} else if f.explain {
			p.explanation(explain.Explain(d, c, e), d)
		} else if d.Outcome == pdp.Deny {
			p.typoHint(explain.Explain(d, c, e))
		}
		if err := p.flush(); err != nil {
			return err
		}
	}
	switch d.Outcome {
	case pdp.Allow:
		return nil
	case pdp.Deny:
		return &ExitError{Code: 1, Silent: true}
	default:
		// The error was printed with the decision (or in the JSON) already.
		return &ExitError{Code: 2, Err: d.Err, Silent: true}
	}
}
