package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/policydiff"
)

// diffShown is how many objects of a group the text lists unless --all.
const diffShown = 20

func newPolicyDiffCmd() *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "What changed between two policy files (exit 0 equal, 1 different, 2 error)",
		Long: `Compare two policy files, for example two snapshots pdpx pull wrote: resource
types, resource and tenant roles and their permissions, user and resource sets
and their conditions, rules, tenants, users, role assignments, instances and
relationships, each group counted. Exit 0 when they hold the same things, 1
when they differ, 2 when a file cannot be read.`,
		Example: `  pdpx policy diff prod-monday.json prod.json
  pdpx policy diff --json prod-monday.json prod.json | jq '.groups[].name'`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := loadForDiff(cmd.Context(), args[0])
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			b, err := loadForDiff(cmd.Context(), args[1])
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			res := policydiff.Diff(a, b)
			w := cmd.OutOrStdout()
			if asJSON {
				out := struct {
					Equal  bool               `json:"equal"`
					A      *policy.Source     `json:"a_source,omitempty"`
					B      *policy.Source     `json:"b_source,omitempty"`
					Total  int                `json:"total"`
					Groups []policydiff.Group `json:"groups"`
				}{res.Equal(), a.Source, b.Source, res.Total(), res.Groups}
				if out.Groups == nil {
					out.Groups = []policydiff.Group{}
				}
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return err
				}
			} else {
				printDiff(w, args[0], args[1], a, b, res, all)
			}
			if !res.Equal() {
				return &ExitError{Code: 1, Silent: true}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the differences as JSON")
	cmd.Flags().BoolVar(&all, "all", false, fmt.Sprintf("list every object (the text lists %d of each group)", diffShown))
	return cmd
}

func loadForDiff(ctx context.Context, path string) (*policy.Policy, error) {
	p, err := policy.LoadContext(ctx, path)
	if err == nil {
		return p, nil
	}
	var probs policy.Problems
	if errors.As(err, &probs) {
		return nil, fmt.Errorf("%s has %d problem(s) (pdpx policy validate %s lists them):\n%w", path, len(probs), path, err)
	}
	return nil, err
}

func describeSource(path string, s *policy.Source) string {
	if s == nil {
		return path
	}
	env := s.Environment.Key
	if env == "" {
		env = s.Environment.ID
	}
	proj := s.Project.Key
	if proj == "" {
		proj = s.Project.ID
	}
	return pdp.Clean(fmt.Sprintf("%s (%s/%s, pulled %s)", path, proj, env, s.PulledAt))
}

func printDiff(w io.Writer, pa, pb string, a, b *policy.Policy, res policydiff.Result, all bool) {
	fmt.Fprintf(w, "--- %s\n+++ %s\n", describeSource(pa, a.Source), describeSource(pb, b.Source))
	if res.Equal() {
		fmt.Fprintln(w, "no differences")
		return
	}
	for _, g := range res.Groups {
		var counts []string
		for _, c := range []struct {
			n    int
			word string
		}{{len(g.Added), "added"}, {len(g.Removed), "removed"}, {len(g.Changed), "changed"}} {
			if c.n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", c.n, c.word))
			}
		}
		fmt.Fprintf(w, "\n%s: %s\n", g.Name, strings.Join(counts, ", "))
		shown := 0
		more := func() bool {
			shown++
			return all || shown <= diffShown
		}
		for _, k := range g.Added {
			if more() {
				fmt.Fprintf(w, "  + %s\n", pdp.Clean(k))
			}
		}
		for _, k := range g.Removed {
			if more() {
				fmt.Fprintf(w, "  - %s\n", pdp.Clean(k))
			}
		}
		for _, c := range g.Changed {
			if more() {
				fmt.Fprintf(w, "  ~ %s\n", pdp.Clean(c.Key))
				for _, d := range c.Changes {
					fmt.Fprintf(w, "      %s\n", pdp.Clean(d))
				}
			}
		}
		if !all && shown > diffShown {
			fmt.Fprintf(w, "  … and %d more (--all lists them, --json for scripts)\n", shown-diffShown)
		}
	}
	fmt.Fprintf(w, "\n%d difference(s) in %d group(s)\n", res.Total(), len(res.Groups))
}
