package cli

import (
	"errors"
	"fmt"
	"sync"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/ui"
	"github.com/pdpx/pdpx/ui/targets"
)

// runExplorer opens the explorer on the target the flags name. A remote
// target without an API key opens on the demo policy with the switcher
// asking for the key in a masked field, rather than failing.
func runExplorer(cmd *cobra.Command, g *globals, version string) error {
	spec, err := g.spec()
	if err != nil {
		return err
	}
	opts := ui.Options{Version: version, Switch: switchFunc(spec)}
	opts.Target, err = targets.Build(spec)
	if errors.Is(err, targets.ErrNoToken) {
		opts.AskToken = true
		opts.AskTokenFor = ui.TargetSpec{Kind: spec.Kind, URL: spec.URL}
		opts.Target, err = targets.Embedded("")
	}
	if err != nil {
		return err
	}
	hist := g.openHistory(cmd.Context(), cmd.ErrOrStderr())
	defer hist.Close()
	opts.History = hist.History
	if hist.Memory && !g.noHistory {
		opts.HistoryNote = "history in memory only (see the line printed on exit)"
	}
	if hist.Note != "" {
		// Said in the header while the explorer runs, and printed again on
		// exit, when the alternate screen is gone and the line can be read.
		if !hist.Memory {
			opts.HistoryNote = "history file was damaged: moved aside, started a fresh one"
		}
		defer fmt.Fprintln(cmd.ErrOrStderr(), "pdpx: "+hist.Note)
	}
	return ui.Run(cmd.Context(), opts)
}

// switchFunc builds the explorer's targets from the switcher's specs. It
// keeps the API key of the target it built last, in memory as the target
// itself holds it, so that the explorer can rebuild the same target (with
// a longer timeout) without asking for the key again; the timeout is the
// flags' unless the spec raises it.
func switchFunc(flags targets.Spec) ui.SwitchFunc {
	var (
		mu   sync.Mutex
		keep = flags.Token
	)
	return func(s ui.TargetSpec) (pdp.Target, error) {
		mu.Lock()
		defer mu.Unlock()
		token := s.Token
		if token == "" && s.KeepToken {
			token = keep
		}
		timeout := flags.Timeout
		if s.Timeout > 0 {
			timeout = s.Timeout
		}
		ts, err := targets.FromFlags("", "", false, token, timeout)
		if err != nil {
			return nil, err
		}
		ts.Kind, ts.Policy, ts.URL = s.Kind, s.Policy, s.URL
		t, err := targets.Build(ts)
		if err == nil {
			keep = ts.Token
		}
		return t, err
	}
}
