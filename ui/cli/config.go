package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
	"github.com/pdpx/pdpx/ui/targets"
)

// loadConfig reads the config file once per process: --config, else
// $PDPX_CONFIG, else the XDG path (which may be missing).
func (g *globals) loadConfig() (*state.Config, error) {
	if g.cfg != nil {
		return g.cfg, nil
	}
	path, explicit, err := state.ConfigPath(g.config)
	if err != nil {
		return nil, err
	}
	c, err := state.LoadConfig(path, explicit)
	if err != nil {
		return nil, err
	}
	g.cfg = c
	return c, nil
}

// targetFlags reports whether --policy, --pdp, --cloud or --authzen chose the target.
func (g *globals) targetFlags() bool {
	return g.policy != "" || g.pdpURL != "" || g.cloud || g.authzen != ""
}

// changed reports whether a global flag was given on the command line.
func (g *globals) changed(name string) bool {
	if g.root == nil {
		return false
	}
	f := g.root.PersistentFlags().Lookup(name)
	return f != nil && f.Changed
}

// selectedProfile is the profile in use: --profile's, or the config's
// default when no flag chose a target. A default profile is not applied
// under --policy/--pdp/--cloud, which ask for a target of their own.
func (g *globals) selectedProfile() (state.Profile, bool, error) {
	if g.profile == "" && g.targetFlags() {
		return state.Profile{}, false, nil
	}
	c, err := g.loadConfig()
	if err != nil {
		return state.Profile{}, false, err
	}
	return c.Selected(g.profile)
}

// resolveSpec turns the flags and the profile into a target Spec. Flags
// given on the command line override the profile: --policy, --pdp or
// --cloud replace its target, and then its token sources are not used, so
// that a key meant for one PDP is never sent to another; --token and
// --timeout replace its token and timeout. withToken false leaves the
// token unresolved (no token_command runs), for --print.
func (g *globals) resolveSpec(withToken bool) (pdp.TargetSpec, error) {
	p, ok, err := g.selectedProfile()
	if err != nil {
		return pdp.TargetSpec{}, err
	}
	if !ok || g.targetFlags() {
		s, err := targets.FromFlags(g.policy, g.pdpURL, g.authzen, g.cloud, g.token, g.timeout, g.snapshot)
		if err == nil && ok && !g.changed("timeout") && p.Timeout > 0 {
			s.Timeout = p.Timeout
		}
		return s, err
	}
	timeout := g.timeout
	if !g.changed("timeout") && p.Timeout > 0 {
		timeout = p.Timeout
	}
	s, err := profileSpec(context.Background(), p, timeout, g.token, withToken)
	if err == nil && g.snapshot != "" {
		// --snapshot pairs the profile's PDP with a file, or replaces its snapshot.
		if !s.Remote() {
			return pdp.TargetSpec{}, fmt.Errorf("--snapshot pairs a remote PDP with a pulled policy file, and profile %q is kind %s: choose a pdp or cloud profile, or add --pdp URL", p.Name, s.Kind)
		}
		s.Snapshot = g.snapshot
	}
	return s, err
}

// profileSpec is the target profile p names, with timeout. With withToken,
// a remote target's key is token when given, else from the profile's
// source (which may run its token_command: call this off the UI's event
// loop), else $PERMIT_API_KEY ($AUTHZEN_PDP_API_KEY for an AuthZEN PDP).
func profileSpec(ctx context.Context, p state.Profile, timeout time.Duration, token string, withToken bool) (pdp.TargetSpec, error) {
	s := p.Spec()
	s.Timeout = timeout
	if !s.Remote() || !withToken {
		return s, nil
	}
	s.Token = token
	if s.Token == "" {
		var err error
		if s.Token, err = p.ResolveToken(ctx); err != nil {
			return pdp.TargetSpec{}, err
		}
	}
	if s.Token == "" {
		s.Token = os.Getenv(targets.TokenEnvFor(s.Kind))
	}
	return s, nil
}

// defaultTenant is the tenant of a check that names none: the profile's
// default_tenant, else "default" as in Permit's SDKs.
func (g *globals) defaultTenant() (string, error) {
	p, ok, err := g.selectedProfile()
	if err != nil {
		return "", err
	}
	if ok && p.DefaultTenant != "" {
		return p.DefaultTenant, nil
	}
	return pdp.DefaultTenant, nil
}

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Profiles: named targets in " + "$XDG_CONFIG_HOME/pdpx/config.yaml",
		Long: `The config file names targets ("profiles"): the embedded engine over a policy
file, a Permit PDP, the cloud PDP, or any AuthZEN PDP (kind: authzen), each
with where its API key comes from (an environment variable or a command,
never the key itself), a timeout and a default tenant. pdpx --profile NAME
uses one; "default:" names the one used when no --profile, --policy, --pdp,
--cloud or --authzen is given.

The file is --config, else $PDPX_CONFIG, else
$XDG_CONFIG_HOME/pdpx/config.yaml (~/.config/pdpx/config.yaml).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var force bool
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented example config (mode 0600); --force replaces one",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, _, err := state.ConfigPath(g.config)
			if err != nil {
				return err
			}
			if err := state.WriteExampleConfig(path, force); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\nedit it, then: pdpx config show\n", path)
			return nil
		},
	}
	initCmd.Flags().BoolVar(&force, "force", false, "replace an existing config file")
	showCmd := &cobra.Command{
		Use:   "show",
		Short: "List the profiles and where each one's token comes from (never the token)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.loadConfig()
			if err != nil {
				return err
			}
			return showConfig(cmd.OutOrStdout(), c, g.profile)
		},
	}
	pathCmd := &cobra.Command{
		Use:   "path",
		Short: "Print the config file's path",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, _, err := state.ConfigPath(g.config)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), path)
			return nil
		},
	}
	cmd.AddCommand(initCmd, showCmd, pathCmd)
	return cmd
}

// showConfig lists the profiles. It shows where a token comes from and
// never its value: not even a literal one from the file.
func showConfig(w io.Writer, c *state.Config, selected string) error {
	if !c.Exists {
		fmt.Fprintf(w, "no config file at %s: the embedded demo policy is the default target\n(pdpx config init writes an example)\n", c.Path)
		return nil
	}
	fmt.Fprintf(w, "config: %s\n", c.Path)
	if len(c.Profiles) == 0 {
		fmt.Fprintln(w, "no profiles")
		return nil
	}
	if selected == "" {
		selected = c.Default
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PROFILE\tKIND\tTARGET\tTOKEN\tTIMEOUT\tTENANT")
	for _, p := range c.Profiles {
		mark := " "
		if p.Name == selected {
			mark = "*"
		}
		target := p.Spec().URL
		switch {
		case p.Kind == pdp.KindEmbedded && p.Policy == "":
			target = "demo policy"
		case p.Kind == pdp.KindEmbedded:
			target = p.Policy
		}
		token := "-"
		if p.Kind != pdp.KindEmbedded {
			token = p.TokenSource()
			if token == "none" {
				token = "$" + targets.TokenEnvFor(p.Kind) + " or --token"
			}
		}
		timeout := "-"
		if p.Timeout > 0 {
			timeout = p.Timeout.String()
		}
		tenant := p.DefaultTenant
		if tenant == "" {
			tenant = pdp.DefaultTenant
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s\n", mark, p.Name, p.Kind, stripUserinfo(target), token, timeout, tenant)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if selected != "" {
		fmt.Fprintln(w, "* is the profile in use (--profile, else default:)")
	}
	return nil
}

// stripUserinfo hides credentials written into a URL (https://user:pass@host).
func stripUserinfo(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	host, path, _ := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if path != "" {
		return scheme + "://" + host + "/" + path
	}
	return scheme + "://" + host
}
