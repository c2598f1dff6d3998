package cli

import (
	"github.com/spf13/cobra"
)

func runExplorer(cmd *cobra.Command, g *globals, version string) error {
	_ = version
	_, err := g.spec()
	if err != nil {
		return err
	}
	return cmd.Help()
}
