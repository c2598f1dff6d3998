package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/pull"
	"github.com/pdpx/pdpx/ui/targets"
)

// APIURLEnv names another Permit API (a region, a self-hosted one).
const APIURLEnv = "PERMIT_API_URL"

type pullFlags struct {
	output, project, env, apiURL string
	concurrency, perPage         int
	retries                      int
	quiet                        bool
}

func newPullCmd(g *globals, version string) *cobra.Command {
	f := &pullFlags{}
	cmd := &cobra.Command{
		Use:   "pull -o FILE",
		Short: "Read a Permit environment into a policy file the embedded engine decides from",
		Long: `Read a whole Permit environment through Permit's REST API (resources, roles,
condition sets and rules, tenants, users, role assignments, instances and
relationship tuples) and write it as a pdpx policy file (JSON), with a header
saying where and when it came from. Every pdpx feature then works on it,
offline: pdpx --policy FILE, pdpx check --policy FILE ... --explain.

The API key comes from --token, the profile's token source, or $PERMIT_API_KEY.
An environment key reads its own environment; an organization or project key
needs --project and --env. The file is replaced only when the pull succeeds.
Exit 0 on success, 2 on any failure.`,
		Example: `  export PERMIT_API_KEY=permit_key_...
  pdpx pull -o prod.json
  pdpx pull --project web --env production -o prod.json
  pdpx check --policy prod.json alice@corp.com edit document:q3-plan --tenant acme --explain`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := runPull(cmd, g, f, version)
			if err != nil {
				var ee *ExitError
				if !errors.As(err, &ee) {
					err = &ExitError{Code: 2, Err: err}
				}
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "write the policy to this `file` (replaced only when the pull succeeds)")
	fl.StringVar(&f.project, "project", "", "the project to read (key or id), for an organization key")
	fl.StringVar(&f.env, "env", "", "the environment to read (key or id), for an organization or project key")
	fl.StringVar(&f.apiURL, "api-url", "", "Permit's REST API `URL` (default $"+APIURLEnv+", else "+permitapi.DefaultURL+")")
	fl.IntVar(&f.concurrency, "concurrency", permitapi.DefaultConcurrency, "requests in flight at once")
	fl.IntVar(&f.perPage, "per-page", permitapi.MaxPerPage, "items asked for per page (at most 100)")
	fl.IntVar(&f.retries, "retries", permitapi.DefaultRetries, "retries of a request after 429, 5xx or a network error")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but errors")
	_ = cmd.MarkFlagRequired("output")
	return cmd
}

// pullKey finds the API key as the PDP targets do: --token, then the
// profile's token source, then $PERMIT_API_KEY. source names it for messages.
func (g *globals) pullKey(ctx context.Context) (key, source string, err error) {
	if g.token != "" {
		return g.token, "the key given with --token", nil
	}
	p, ok, err := g.selectedProfile()
	if err != nil {
		return "", "", err
	}
	if ok && p.Kind != pdp.KindEmbedded {
		key, err := p.ResolveToken(ctx)
		if err != nil {
			return "", "", err
		}
		if key != "" {
			return key, fmt.Sprintf("the key of profile %q (%s)", p.Name, p.TokenSource()), nil
		}
	}
	if key := os.Getenv(targets.TokenEnv); key != "" {
		return key, "the key in $" + targets.TokenEnv, nil
	}
	return "", "", errors.New("no API key: set " + targets.TokenEnv + " (or pass --token) to an API key from Permit's dashboard (Settings → API Keys)")
}

func runPull(cmd *cobra.Command, g *globals, f *pullFlags, version string) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
	defer stop()
	key, source, err := g.pullKey(ctx)
	if err != nil {
		return err
	}
	apiURL := f.apiURL
	if apiURL == "" {
		apiURL = os.Getenv(APIURLEnv)
	}
	cfg := permitapi.Config{URL: apiURL, Key: key, KeySource: source, PerPage: f.perPage, Concurrency: f.concurrency,
		UserAgent: "pdpx/" + version}
	if f.retries == 0 {
		cfg.Retries = -1
	} else {
		cfg.Retries = f.retries
	}
	if g.changed("timeout") {
		cfg.Timeout = g.timeout
	}
	c, err := permitapi.New(cfg)
	if err != nil {
		return err
	}
	defer pull.TuneGC()()
	errw := cmd.ErrOrStderr()
	prog := newPullProgress(errw, f.quiet, writerIsTerminal(errw))
	got, err := pull.Run(ctx, c, pull.Options{
		Project: f.project, Env: f.env, Version: version,
		Progress: prog.page,
		Resolved: func(t permitapi.Target) { prog.line("pulling %s from %s", t.Label(), c.URL()) },
		Output:   f.output,
	})
	prog.finish()
	if err != nil {
		if _, ok := errors.AsType[*pull.WriteError](err); ok {
			return fmt.Errorf("%w (%s left as it was)", err, f.output)
		}
		return fmt.Errorf("pull failed, %s left as it was: %w", f.output, err)
	}
	if !f.quiet {
		printPullSummary(cmd.OutOrStdout(), f.output, got)
	}
	return nil
}

// printPullSummary says what was written: counts, what was not kept,
// duration and requests.
func printPullSummary(w io.Writer, path string, got *pull.Pulled) {
	fmt.Fprintf(w, "wrote %s (%s): %s\n", path, byteSize(got.Size), got.Target.Label())
	keys := make([]string, 0, len(got.Counts))
	for k := range got.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), got.Counts[k]))
	}
	fmt.Fprintf(w, "  %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(w, "  %d requests (%d retried) in %s\n", got.Requests, got.Retries, got.Duration.Round(time.Millisecond))
	if len(got.NotKept) > 0 {
		fmt.Fprintf(w, "warning: %d thing(s) Permit has are not in the file (also listed in its source.not_kept):\n", len(got.NotKept))
		for _, n := range got.NotKept {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// writerIsTerminal reports whether w is a terminal.
func writerIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

// pullProgress shows the pull as it goes: one status line redrawn in place
// on a terminal, a plain line per finished list otherwise, nothing with
// --quiet.
type pullProgress struct {
	w           io.Writer
	quiet, term bool
	mu          sync.Mutex
	lists       map[string]permitapi.Progress
	last        time.Time
	drawn       bool
}

func newPullProgress(w io.Writer, quiet, term bool) *pullProgress {
	return &pullProgress{w: w, quiet: quiet, term: term, lists: map[string]permitapi.Progress{}}
}

func (p *pullProgress) line(format string, args ...any) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *pullProgress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func (p *pullProgress) page(pr permitapi.Progress) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lists[pr.Kind] = pr
	if !p.term {
		if pr.Done {
			fmt.Fprintf(p.w, "  %-20s %7d in %d page(s)\n", pr.Kind, pr.Items, pr.Pages)
		}
		return
	}
	now := time.Now()
	if !pr.Done && now.Sub(p.last) < 80*time.Millisecond {
		return
	}
	p.last = now
	if pr.Done {
		p.clear()
		fmt.Fprintf(p.w, "  ✓ %-20s %7d in %d page(s)\n", pr.Kind, pr.Items, pr.Pages)
	}
	// The status line: the lists still being fetched.
	var parts []string
	for _, k := range permitapi.Kinds {
		l, ok := p.lists[k]
		if !ok || l.Done {
			continue
		}
		total := "?"
		if l.Total > 0 {
			total = fmt.Sprint(l.Total)
		}
		parts = append(parts, fmt.Sprintf("%s %d/%s", k, l.Pages, total))
	}
	// One line that never wraps, or \r could not redraw it.
	if len(parts) > 3 {
		parts = append(parts[:3], fmt.Sprintf("+%d more", len(parts)-3))
	}
	p.clear()
	if len(parts) > 0 {
		fmt.Fprintf(p.w, "  fetching %s", strings.Join(parts, " · "))
		p.drawn = true
	}
}

func (p *pullProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}
