package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state/scenario"
)

type testFlags struct {
	junit string
	json  bool
}

func newTestCmd(g *globals) *cobra.Command {
	f := &testFlags{}
	cmd := &cobra.Command{
		Use:   "test FILE...",
		Short: "Run scenario files: named checks with expected outcomes (exit 1 on any mismatch)",
		Long: `Run every check of each scenario file on the target (--policy, --pdp,
--cloud or --profile; default the demo policy) and compare the outcome, and
the reason code when the check names one, with what the file expects.

A line per check, then a summary. The exit code is 0 when every check
passed, 1 when any did not, and 2 when a file or the target is unusable
(a bad file lists every problem with its line). An error (a refused key, a
timeout) fails a check that expects allow or deny: it is not a deny.

Decisions made by pdpx test are not added to the history.`,
		Example: `  pdpx test scenarios/demo.yaml
  pdpx test --policy env.yaml tests/*.yaml --junit report.xml
  pdpx test --pdp http://localhost:7766 scenarios/demo.yaml --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTests(cmd, g, f, args)
		},
	}
	cmd.Flags().StringVar(&f.junit, "junit", "", "also write a JUnit XML report to `FILE`")
	cmd.Flags().BoolVar(&f.json, "json", false, "print the results as JSON instead of lines")
	return cmd
}

func runTests(cmd *cobra.Command, g *globals, f *testFlags, paths []string) error {
	// Every file is read before anything runs, and all their problems are
	// reported together: a CI log then shows everything to fix at once.
	var (
		files []*scenario.File
		probs []string
	)
	for _, p := range paths {
		sf, err := scenario.LoadContext(cmd.Context(), p)
		if errors.Is(err, context.Canceled) {
			return err
		}
		if err != nil {
			probs = append(probs, err.Error())
			continue
		}
		files = append(files, sf)
	}
	if len(probs) > 0 {
		return &ExitError{Code: 2, Err: errors.New(strings.Join(probs, "\n"))}
	}
	t, err := g.target(cmd.Context())
	if errors.Is(err, context.Canceled) {
		return err
	}
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	info := t.Describe()
	var all []scenario.FileResults
	for _, sf := range files {
		all = append(all, scenario.FileResults{Path: sf.Path, Results: scenario.Run(cmd.Context(), t, sf)})
	}
	if err := cmd.Context().Err(); err != nil {
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("interrupted: %w", context.Cause(cmd.Context()))}
	}
	out := cmd.OutOrStdout()
	if f.json {
		err = scenario.WriteJSON(out, info.Name, all)
	} else {
		err = printResults(out, info.Name, all)
	}
	if err != nil {
		return err
	}
	if f.junit != "" {
		if err := writeJUnit(f.junit, all); err != nil {
			return &ExitError{Code: 2, Err: err}
		}
	}
	if _, failed, _ := scenario.Counts(all); failed > 0 {
		return &ExitError{Code: 1, Silent: true}
	}
	return nil
}

func writeJUnit(path string, all []scenario.FileResults) error {
	if err := writeReport(path, func(w io.Writer) error { return scenario.WriteJUnit(w, all) }); err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	return nil
}

// writeReport writes a report file (--junit) into a temporary file beside
// path and renames it into place, so that an interrupted or failed write
// never leaves a partial report where CI looks for one.
func writeReport(path string, write func(io.Writer) error) error {
	fh, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := fh.Name()
	err = write(fh)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp makes the file 0600; a report is not a secret.
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// printResults writes a line per check and a summary:
//
//	✓ john can create documents   ALLOW  rbac:allow
//	✗ jane cannot delete          ALLOW  rebac:allow — expected deny, got allow
func printResults(w io.Writer, target string, all []scenario.FileResults) error {
	p := newPrinter(w)
	width := 0
	for _, fr := range all {
		for _, r := range fr.Results {
			width = max(width, len([]rune(r.Case.Name)))
		}
	}
	width = min(width, 60)
	for _, fr := range all {
		p.linef("%s %s", p.key.Render(fr.Path), p.dim.Render("· "+target))
		for _, r := range fr.Results {
			// Names, codes and errors come from files and PDPs: cleaned of
			// terminal escapes before they reach the terminal.
			name := pdp.Clean(r.Case.Name)
			if pad := width - len([]rune(name)); pad > 0 {
				name += strings.Repeat(" ", pad)
			}
			codes := strings.Join(scenario.Codes(r.Decision), " ")
			if r.Decision.Outcome == pdp.Error {
				codes = r.Decision.ErrorText()
			}
			o := r.Decision.Outcome
			line := fmt.Sprintf("  %s %s  %s%s  %s", p.mark(r.Pass), name, p.outcome(o),
				strings.Repeat(" ", 5-len(o.Word())), p.dim.Render(pdp.Clean(codes)))
			if !r.Pass {
				line += "\n      " + p.no.Render(pdp.Clean(fmt.Sprintf("%s:%d: %s", fr.Path, r.Case.Line, r.Why)))
			}
			p.linef("%s", line)
		}
	}
	passed, failed, errs := scenario.Counts(all)
	summary := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if errs > 0 {
		summary += fmt.Sprintf(" (%d of them errors, not decisions)", errs)
	}
	if failed == 0 {
		p.linef("%s", p.ok.Render("ok")+" "+summary)
	} else {
		p.linef("%s", p.no.Render("FAIL")+" "+summary)
	}
	return p.flush()
}
