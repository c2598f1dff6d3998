package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp/policy"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check a policy file, or print its JSON Schema for editors",
	}
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Report every problem in policy files, with line and column (exit 1 on any)",
		Example: `  pdpx policy validate env.yaml
  pdpx policy validate env.yaml --quiet && echo ok`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			quiet, _ := cmd.Flags().GetBool("quiet")
			bad := 0
			for _, path := range args {
				p, err := policy.LoadContext(cmd.Context(), path)
				if errors.Is(err, context.Canceled) {
					// Ctrl-C: stop here, the files not checked are not ok.
					return err
				}
				if err != nil {
					bad++
					var probs policy.Problems
					if errors.As(err, &probs) {
						for _, pr := range probs {
							fmt.Fprintln(cmd.OutOrStdout(), pr.String())
						}
						fmt.Fprintf(cmd.OutOrStdout(), "%s: %d problem(s)\n", path, len(probs))
					} else if strings.HasPrefix(err.Error(), path+":") {
						// The error names the file already (a cap, not text).
						fmt.Fprintln(cmd.OutOrStdout(), err)
					} else {
						fmt.Fprintf(cmd.OutOrStdout(), "%s: %v\n", path, err)
					}
					continue
				}
				if !quiet {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d resource types, %d roles, %d tenants, %d users, %d user sets, %d resource sets)\n",
						path, len(p.Resources), len(p.Roles), len(p.Tenants), len(p.Users), len(p.UserSets), len(p.ResourceSets))
				}
			}
			if bad > 0 {
				return &ExitError{Code: 1, Silent: true}
			}
			return nil
		},
	}
	validate.Flags().BoolP("quiet", "q", false, "print only problems")
	schema := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the policy file format",
		Long: `Print the JSON Schema of the policy file format. Save it and point your
editor at it, for example with a first line in the YAML file:

  # yaml-language-server: $schema=./pdpx-policy.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(policy.Schema())
			return err
		},
	}
	demo := &cobra.Command{
		Use:   "demo",
		Short: "Print the built-in demo policy (a starting point for your own)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(policy.DemoSource)
			return err
		},
	}
	cmd.AddCommand(validate, schema, demo, newPolicyDiffCmd())
	return cmd
}
