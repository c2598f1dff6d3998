package cli

import (
	"errors"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/state/scenario"
	"github.com/pdpx/pdpx/ui/present"
)

func newPresentCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "present FILE",
		Short: "Step through a scenario file as a demo, full screen",
		Long: `Show a scenario file's checks one at a time, for a room: the check, its
decision in large type, what changed since the previous step (highlighted
and marked ▸), and the step's narration: line.

space, → or enter: next · ←: back · home/end · r: decide again · q: quit

It shows no token and no URL credentials, and keeps and shows no history:
only the checks of the file, decided on the target (--policy, --pdp,
--cloud or --profile; default the demo policy).`,
		Example: `  pdpx present scenarios/demo.yaml
  pdpx present --pdp http://localhost:7766 scenarios/demo.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := scenario.Load(args[0])
			if err != nil {
				return err
			}
			t, err := g.target(cmd.Context())
			if err != nil {
				return err
			}
			p := tea.NewProgram(present.New(cmd.Context(), f, t), tea.WithContext(cmd.Context()))
			if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
				return err
			}
			return nil
		},
	}
}
