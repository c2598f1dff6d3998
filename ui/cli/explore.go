package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
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
	opts := ui.Options{Version: version, Switch: switchFunc(spec, g.config), Profiles: profilesFunc(g.config)}
	// The profile in use, if any, for the switcher's mark and the form's
	// empty-tenant default. The config was read by g.spec already.
	if p, ok, err := g.selectedProfile(); err == nil && ok && !g.targetFlags() {
		opts.Profile, opts.DefaultTenant = p.Name, p.DefaultTenant
	}
	if c, err := g.loadConfig(); err == nil {
		opts.StaleAfter = c.StaleAfter
	}
	opts.Target, err = targets.BuildContext(cmd.Context(), spec)
	if errors.Is(err, targets.ErrNoToken) {
		opts.AskToken = true
		opts.AskTokenFor = pdp.TargetSpec{Kind: spec.Kind, URL: spec.URL}
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
// flags' unless the spec raises it. A spec naming a profile reads the
// config file (configFlag, as --config) afresh and builds that profile.
func switchFunc(flags pdp.TargetSpec, configFlag string) ui.SwitchFunc {
	var (
		mu   sync.Mutex
		keep = flags.Token
	)
	return func(s pdp.TargetSpec) (pdp.Target, error) {
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
		if s.Profile != "" {
			return buildProfile(s, configFlag, timeout, &keep)
		}
		if token == "" {
			token = os.Getenv(targets.TokenEnvFor(s.Kind))
		}
		ts := pdp.TargetSpec{Kind: s.Kind, Policy: s.Policy, URL: s.URL, Token: token, Timeout: timeout}
		t, err := targets.Build(ts)
		if err == nil {
			keep = ts.Token
		}
		return t, err
	}
}

// buildProfile builds the profile s names, with the key typed in the
// switcher if any, else the profile's own source (never the key of the
// target before: a key meant for one PDP is not sent to another). It runs
// in the explorer's tea.Cmd, so a slow token_command does not freeze it.
func buildProfile(s pdp.TargetSpec, configFlag string, timeout time.Duration, keep *string) (pdp.Target, error) {
	c, err := loadConfigAt(configFlag)
	if err != nil {
		return nil, err
	}
	p, err := c.Profile(s.Profile)
	if err != nil {
		return nil, err
	}
	if p.Timeout > 0 && s.Timeout == 0 {
		timeout = p.Timeout
	}
	ts, err := profileSpec(context.Background(), p, timeout, s.Token, true)
	if err != nil {
		return nil, err
	}
	t, err := targets.Build(ts)
	if errors.Is(err, targets.ErrNoToken) {
		return nil, fmt.Errorf("profile %q names no API key source and $%s is empty: type the key below, or add token_env: to the profile", p.Name, targets.TokenEnv)
	}
	if err == nil {
		*keep = ts.Token
	}
	return t, err
}

func loadConfigAt(flag string) (*state.Config, error) {
	path, explicit, err := state.ConfigPath(flag)
	if err != nil {
		return nil, err
	}
	return state.LoadConfig(path, explicit)
}

// profilesFunc lists the config file's profiles for the switcher: where
// each points and where its key comes from, never the key, and no
// token_command runs. A file that cannot be used gives its problems, each
// with its line, for the switcher to show.
func profilesFunc(configFlag string) ui.ProfilesFunc {
	return func() ui.Profiles {
		path, explicit, err := state.ConfigPath(configFlag)
		if err != nil {
			return ui.Profiles{Err: err.Error()}
		}
		out := ui.Profiles{Path: path}
		c, err := state.LoadConfig(path, explicit)
		if err != nil {
			out.Err = err.Error()
			return out
		}
		out.Exists = c.Exists
		for _, p := range c.Profiles {
			up := ui.Profile{Name: p.Name, Kind: p.Kind, DefaultTenant: p.DefaultTenant, Default: p.Name == c.Default}
			switch {
			case p.Kind == pdp.KindEmbedded && p.Policy == "":
				up.Where = "demo policy"
			case p.Kind == pdp.KindEmbedded:
				// A policy next to the config is shown as the file says it,
				// relative to the config: a temp or home path is long.
				up.Where = p.Policy
				if rel, err := filepath.Rel(filepath.Dir(path), p.Policy); err == nil && filepath.IsLocal(rel) {
					up.Where = "./" + filepath.ToSlash(rel)
				}
			default:
				spec, _ := profileSpec(context.Background(), p, 0, "", false)
				up.Where = stripUserinfo(spec.URL)
				if src := p.TokenSource(); src != "none" {
					up.TokenSource = src
				}
			}
			// A pulled file (the policy, or the snapshot beside a PDP) is
			// named by its header: its environment and age.
			pulled := p.Snapshot
			if p.Kind == pdp.KindEmbedded {
				pulled = p.Policy
			}
			if pulled != "" {
				if src, err := targets.ReadSource(pulled); err == nil {
					up.Environment, up.PulledAt = targets.SourceLabel(src)
				}
			}
			out.List = append(out.List, up)
		}
		return out
	}
}
