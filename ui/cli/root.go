// Package cli is pdpx's command tree: the explorer (no subcommand), check,
// serve, policy and the rest. main.go only hands it to fang.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
	"github.com/pdpx/pdpx/ui/targets"
)

// ExitError ends the process with Code. Silent ones (a deny is exit 1, and the
// decision was already printed) print nothing more.
type ExitError struct {
	Code   int
	Err    error
	Silent bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// ExitInterrupted is the exit code of a command stopped by Ctrl-C or
// SIGTERM: 128 + SIGINT, as shells report an interrupted program.
const ExitInterrupted = 130

// ExitCode is the process exit code for an error returned by the command
// tree: ExitInterrupted when the command's context was cancelled (main's
// context is cancelled only by SIGINT or SIGTERM), whatever wraps that;
// else an ExitError's own code; 2 for anything else (bad input, usage), as
// grep uses 2 for trouble.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return 2
}

// ErrorHandler prints errors as fang does, except silent exits, with two
// changes: the text is cleaned of escape sequences (it may quote a file or
// a PDP), and only an ordinary first word is capitalised (fang's title
// case turns "/etc/shadow: ..." into "/Etc/Shadow: ...").
func ErrorHandler(w io.Writer, styles fang.Styles, err error) {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Silent {
		return
	}
	styles.ErrorText = styles.ErrorText.Transform(sentenceCase)
	fang.DefaultErrorHandler(w, styles, cleanError{err})
}

// cleanError is an error whose text is safe to draw on a terminal.
type cleanError struct{ err error }

func (e cleanError) Error() string { return pdp.Clean(e.err.Error()) }
func (e cleanError) Unwrap() error { return e.err }

// sentenceCase capitalises the first word of s when it is an ordinary
// lower-case word ("cannot read" → "Cannot read"), and leaves s alone when
// the first word is a path, a file or flag name, a key or anything with
// digits, dots, slashes or capitals (/etc/shadow, e1.yaml, --policy,
// john@permit.io, HTTP), and for pdpx's own name. Only the first letter
// changes: fang's title case would also lower the rest of the word.
func sentenceCase(s string) string {
	start := len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
	end := strings.IndexFunc(s[start:], unicode.IsSpace)
	if end < 0 {
		end = len(s)
	} else {
		end += start
	}
	word := strings.TrimRight(s[start:end], ":,;.!?")
	if word == "" || word == "pdpx" {
		return s
	}
	for i, r := range word {
		if !unicode.IsLower(r) && (i == 0 || r != '-' && r != '\'') {
			return s
		}
	}
	r, n := utf8.DecodeRuneInString(word)
	return s[:start] + string(unicode.ToUpper(r)) + s[start+n:]
}

// globals are the flags every command shares: which target to ask, and
// where the history is.
type globals struct {
	policy    string
	snapshot  string
	pdpURL    string
	authzen   string
	cloud     bool
	token     string
	timeout   time.Duration
	history   string
	noHistory bool
	// profile and config choose a named target from the config file
	// (config.go); root is the root command, whose persistent flags tell a
	// flag given on the command line from its default; cfg caches the file.
	profile string
	config  string
	root    *cobra.Command
	cfg     *state.Config
}

// spec is the target the flags and the profile name (see resolveSpec).
func (g *globals) spec() (pdp.TargetSpec, error) {
	return g.resolveSpec(true)
}

// target builds the target the flags and the profile name. Loading a
// policy file stops when ctx is done (Ctrl-C).
func (g *globals) target(ctx context.Context) (pdp.Target, error) {
	spec, err := g.spec()
	if err != nil {
		return nil, err
	}
	return targets.BuildContext(ctx, spec)
}

// NewRoot builds the command tree. version is printed by --version.
func NewRoot(version string) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "pdpx",
		Short: "Explore Permit.io authorization decisions in the terminal",
		Long: `pdpx sends permission checks to a Permit.io Policy Decision Point and shows
the decision, the reasons behind it, and a history of every decision.

With no flags it decides from a built-in demo policy with an embedded engine
that decides as Permit's PDP does: no account, no network.`,
		Example: `  pdpx                                      # the explorer on the demo policy
  pdpx check john@smith.com create document  # one decision, exit 0 allow / 1 deny / 2 error
  pdpx --pdp http://localhost:7766 --token "$PERMIT_API_KEY"`,
		Args:          unknownCommand,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExplorer(cmd, g, version)
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&g.policy, "policy", "", "decide with the embedded engine from this policy `file` (default: the demo policy)")
	f.StringVar(&g.pdpURL, "pdp", "", "ask the Permit PDP at this `URL` (Permit's container listens on http://localhost:7766)")
	f.StringVar(&g.snapshot, "snapshot", "", "with --pdp or --cloud: also decide each check on this policy `file` pulled from the PDP's environment (pdpx pull), to explain the PDP's decisions and compare")
	f.BoolVar(&g.cloud, "cloud", false, "ask Permit's cloud PDP (RBAC and ReBAC only)")
	f.StringVar(&g.authzen, "authzen", "", "ask the AuthZEN PDP at this base `URL` (any PDP speaking AuthZEN 1.0; key from --token or $"+targets.AuthZENTokenEnv+", optional)")
	f.StringVar(&g.token, "token", "", "the environment's API `key` for --pdp/--cloud (default $PERMIT_API_KEY)")
	f.DurationVar(&g.timeout, "timeout", targets.DefaultTimeout, "how long a remote check may take")
	f.StringVar(&g.history, "history", "", "keep the history in this SQLite `file` (default $PDPX_HISTORY, else $XDG_STATE_HOME/pdpx/history.db)")
	f.BoolVar(&g.noHistory, "no-history", false, "keep no history on disk (the explorer keeps this run's in memory)")
	f.StringVar(&g.profile, "profile", "", "use this `profile` of the config file (flags given override it)")
	f.StringVar(&g.config, "config", "", "read profiles from this `file` (default $PDPX_CONFIG, else $XDG_CONFIG_HOME/pdpx/config.yaml)")
	g.root = root

	root.AddCommand(newCheckCmd(g), newPolicyCmd(), newHistoryCmd(g))
	root.AddCommand(newConfigCmd(g), newTestCmd(g), newPresentCmd(g))
	root.AddCommand(newMatrixCmd(g), newPermissionsCmd(g), newWhoCmd(g))
	root.AddCommand(newPullCmd(g, version), newVerifyCmd(g), newServeCmd(g))
	// Added now rather than when it runs, so that its help is laid out too.
	root.InitDefaultCompletionCmd()
	tidyHelp(root)
	return root
}

// unknownCommand refuses arguments to the root (which opens the explorer
// and takes none), naming the command meant when a word is near one:
// "pdpx chek" suggests check.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(": did you mean %q? (pdpx %s --help)", s[0], s[0])
	} else {
		msg += ": pdpx --help lists the commands"
	}
	return errors.New(msg)
}
