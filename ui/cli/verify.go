package cli

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/verify"
	"github.com/pdpx/pdpx/ui/targets"
)

type verifyFlags struct {
	sample int
	seed   uint64
	batch  int
	json   bool
	junit  string
	quiet  bool
}

func newVerifyCmd(g *globals) *cobra.Command {
	f := &verifyFlags{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that a PDP and a pulled snapshot of its environment agree",
		Long: `verify generates checks from the snapshot (every user × every action of every
type in the tenants they belong to, the instances with roles or relationships,
and the attribute values the condition sets compare with), sends them to the
PDP in bulk requests, decides them on the snapshot, and reports agreement.

Every disagreement is printed with both answers and a command that replays
it. Exit 0 when all agree, 1 when some disagree, 2 on errors.`,
		Example: `  pdpx verify --pdp http://localhost:7766 --snapshot prod.json
  pdpx verify --profile prod-local --sample 2000 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVerify(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.sample, "sample", 0, "send a random sample of `N` of the generated checks (0: all of them)")
	fl.Uint64Var(&f.seed, "seed", 1, "the sample's random `seed`: the same seed draws the same checks")
	fl.IntVar(&f.batch, "batch", 100, "checks per bulk request")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON")
	fl.StringVar(&f.junit, "junit", "", "also write a JUnit XML report to `FILE` (a test case per check)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress")
	return cmd
}

func runVerify(cmd *cobra.Command, g *globals, f *verifyFlags) error {
	spec, err := g.spec()
	if err != nil {
		return err
	}
	if !spec.Remote() || spec.Snapshot == "" {
		return errors.New("verify compares a PDP with a pulled snapshot of its environment: give --pdp URL (or --cloud) and --snapshot FILE, or a profile with both")
	}
	snapPath := spec.Snapshot
	spec.Snapshot = ""
	remote, err := targets.BuildContext(cmd.Context(), spec)
	if err != nil {
		return err
	}
	snap, err := targets.LoadSnapshotContext(cmd.Context(), snapPath)
	if err != nil {
		return err
	}
	checks := verify.Generate(snap.Engine, f.sample, f.seed)
	errw := cmd.ErrOrStderr()
	term := writerIsTerminal(errw) && !f.quiet
	opts := verify.Options{Batch: f.batch}
	if term {
		opts.Progress = func(done, total int) {
			fmt.Fprintf(errw, "\r\x1b[Kverifying: %d of %d checks", done, total)
		}
	}
	rep, err := verify.Run(cmd.Context(), remote, snap, checks, opts)
	if term {
		fmt.Fprint(errw, "\r\x1b[K")
	}
	if err != nil {
		return fmt.Errorf("verify stopped after %d of %d checks: %w", rep.Agreed+len(rep.Disagreements)+len(rep.Errors), len(checks), err)
	}
	label := snap.Label(time.Now())
	if f.junit != "" {
		if err := writeVerifyJUnit(f.junit, rep, label); err != nil {
			return err
		}
	}
	replay := replayCommand(spec, snapPath)
	if f.json {
		if err := writeVerifyJSON(cmd.OutOrStdout(), rep, label, replay); err != nil {
			return err
		}
	} else {
		printVerify(cmd.OutOrStdout(), rep, label, remote.Describe().Name, replay)
	}
	switch {
	case len(rep.Errors) > 0:
		return &ExitError{Code: 2, Silent: true, Err: errors.New("the PDP failed some checks")}
	case len(rep.Disagreements) > 0:
		return &ExitError{Code: 1, Silent: true}
	}
	return nil
}

// replayCommand is the pdpx check command that sends one check again,
// its body read from stdin, to the same PDP with the same snapshot.
func replayCommand(spec pdp.TargetSpec, snapshot string) string {
	target := "--pdp " + shellWord(spec.URL)
	if spec.Kind == pdp.KindCloud {
		target = "--cloud"
	}
	if spec.Profile != "" {
		target = "--profile " + shellWord(spec.Profile)
	}
	return "pdpx check " + target + " --snapshot " + shellWord(snapshot) + " --explain --input - <<< "
}

// shellWord quotes s for a POSIX shell.
func shellWord(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func printVerify(w io.Writer, rep verify.Report, label, pdpName, replay string) {
	p := newPrinter(w)
	for _, r := range rep.Disagreements {
		a := r.Agreement
		p.linef("%s %s", p.bad.Render("≠"), pdp.Clean(r.Check.String()))
		p.linef("    the PDP %s, the snapshot %s", p.outcome(r.Remote.Outcome), p.outcome(r.Snapshot.Outcome))
		for _, cd := range a.Codes {
			p.linef("    %s: the PDP %s, the snapshot %s", cd.Model, codeWord(cd.Remote), codeWord(cd.Snapshot))
		}
		p.linef("    %s", p.dim.Render(replay+shellWord(string(r.Check.Body()))))
	}
	for i, r := range rep.Errors {
		if i == 5 {
			p.linef("%s … and %d more errors", p.bad.Render("!"), len(rep.Errors)-5)
			break
		}
		p.linef("%s %s: %s", p.bad.Render("!"), pdp.Clean(r.Check.String()), pdp.Clean(r.Remote.ErrorText()))
	}
	verdict := p.ok.Render("all agree")
	switch {
	case len(rep.Errors) > 0:
		verdict = p.bad.Render(fmt.Sprintf("%d errors", len(rep.Errors)))
	case len(rep.Disagreements) > 0:
		verdict = p.no.Render(fmt.Sprintf("%d disagree", len(rep.Disagreements)))
	}
	p.linef("%s · %d checks, %d agree, %d disagree, %d errors · %s vs %s · %d request(s) in %s",
		verdict, rep.Checks, rep.Agreed, len(rep.Disagreements), len(rep.Errors), pdpName, label, rep.Requests, rep.Duration.Round(time.Millisecond))
	_ = p.flush()
}

type verifyJSONItem struct {
	Check     json.RawMessage `json:"check"`
	Remote    pdp.Report      `json:"pdp"`
	Snapshot  *pdp.Report     `json:"snapshot,omitempty"`
	Agreement *pdp.Agreement  `json:"agreement,omitempty"`
	Replay    string          `json:"replay"`
}

func writeVerifyJSON(w io.Writer, rep verify.Report, label, replay string) error {
	items := func(rs []verify.Result) []verifyJSONItem {
		out := make([]verifyJSONItem, 0, len(rs))
		for _, r := range rs {
			it := verifyJSONItem{Check: r.Check.Body(), Remote: pdp.NewReport(r.Remote), Agreement: r.Agreement,
				Replay: replay + shellWord(string(r.Check.Body()))}
			if r.Agreement != nil {
				s := pdp.NewReport(r.Snapshot)
				s.Trace = nil
				it.Snapshot = &s
			}
			out = append(out, it)
		}
		return out
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{
		"snapshot": label, "checks": rep.Checks, "agreed": rep.Agreed, "requests": rep.Requests,
		"duration_ms":   float64(rep.Duration) / float64(time.Millisecond),
		"disagreements": items(rep.Disagreements), "errors": items(rep.Errors),
	})
}

func writeVerifyJUnit(path string, rep verify.Report, label string) error {
	type problem struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type tc struct {
		Name    string   `xml:"name,attr"`
		Failure *problem `xml:"failure,omitempty"`
		Error   *problem `xml:"error,omitempty"`
	}
	type suite struct {
		XMLName  xml.Name `xml:"testsuite"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Time     string   `xml:"time,attr"`
		Cases    []tc     `xml:"testcase"`
	}
	s := suite{Name: "pdpx verify: " + label, Tests: rep.Checks, Failures: len(rep.Disagreements), Errors: len(rep.Errors),
		Time: fmt.Sprintf("%.3f", rep.Duration.Seconds())}
	for _, r := range rep.Disagreements {
		s.Cases = append(s.Cases, tc{Name: pdp.Clean(r.Check.String()), Failure: &problem{
			Message: fmt.Sprintf("the PDP %s, the snapshot %s", r.Remote.Outcome.Word(), r.Snapshot.Outcome.Word()),
			Text:    string(r.Check.Body())}})
	}
	for _, r := range rep.Errors {
		s.Cases = append(s.Cases, tc{Name: pdp.Clean(r.Check.String()), Error: &problem{Message: pdp.Clean(r.Remote.ErrorText()), Text: string(r.Check.Body())}})
	}
	if n := rep.Agreed; n > 0 {
		s.Cases = append(s.Cases, tc{Name: fmt.Sprintf("%d checks agree", n)})
	}
	b, err := xml.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeReport(path, func(w io.Writer) error {
		_, err := w.Write(append([]byte(xml.Header), append(b, '\n')...))
		return err
	})
}
