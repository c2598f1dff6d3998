package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// openHistory opens the history the flags name. It never fails: --no-history,
// a read-only location or an unusable file give a history in memory, and
// Note says why (a damaged file is moved aside and a fresh one started).
func (g *globals) openHistory(ctx context.Context, _ io.Writer) state.Opened {
	if g.noHistory {
		return state.Opened{History: state.NewMemory(), Memory: true}
	}
	path, err := state.HistoryPath(g.history)
	if err != nil {
		return state.Opened{History: state.NewMemory(), Memory: true, Note: "history in memory for this run: " + err.Error()}
	}
	return state.OpenOrRecover(ctx, path)
}

// record keeps a decision of `pdpx check` in the history. A history that
// cannot be written never fails the check: it costs one line on stderr.
func (g *globals) record(ctx context.Context, stderr io.Writer, info pdp.TargetInfo, c pdp.Check, d pdp.Decision) {
	if g.noHistory {
		return
	}
	h := g.openHistory(ctx, stderr)
	defer h.Close()
	if h.Memory {
		fmt.Fprintln(stderr, "pdpx: warning: decision not recorded: "+h.Note)
		return
	}
	if h.Note != "" {
		fmt.Fprintln(stderr, "pdpx: "+h.Note)
	}
	if d.Target == "" {
		d.Target = info.Name
	}
	// The decision is already made: the write gets its own deadline rather
	// than the command's context, which a ^C may have just cancelled.
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e := state.Entry{Check: c, Decision: d, TargetKind: info.Kind, TargetURL: info.URL}
	if _, err := h.History.Add(wctx, e); err != nil {
		fmt.Fprintln(stderr, "pdpx: warning: decision not recorded in the history: "+err.Error())
	}
}

type historyFlags struct {
	limit                          int
	denied, errors, allowed        bool
	user, action, resource, tenant string
	target, since                  string
	pinned, json, disagreed        bool
}

func newHistoryCmd(g *globals) *cobra.Command {
	f := &historyFlags{}
	cmd := &cobra.Command{
		Use:   "history [WORDS...]",
		Short: "List, filter and export past decisions",
		Long: `List past decisions, newest first. Every decision made in the explorer or by
pdpx check is kept in a SQLite file ($XDG_STATE_HOME/pdpx/history.db unless
--history or $PDPX_HISTORY name another).

WORDS are free text that every listed decision must contain (the outcome,
user, action, resource, tenant, target, error and attributes).

--json prints one JSON object per line: an /allowed request body (user,
action, resource, context) that pdpx check --input replays, with the
decision under "pdpx".`,
		Example: `  pdpx history --denied --user bob --since 2h
  pdpx history --json --limit 10 > checks.jsonl
  pdpx history --json --limit 1 | pdpx check --input -
  pdpx history rerun 42 57
  pdpx history clear`,
		RunE: func(cmd *cobra.Command, args []string) error {
			filt, err := f.filter(args, time.Now())
			if err != nil {
				return err
			}
			h := g.openHistory(cmd.Context(), cmd.ErrOrStderr())
			defer h.Close()
			if h.Note != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "pdpx: "+h.Note)
			}
			return listHistory(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), h.History, filt, f.limit, f.json)
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&f.limit, "limit", "n", 50, "list at most `N` decisions (0: all)")
	fl.BoolVar(&f.denied, "denied", false, "only denials")
	fl.BoolVar(&f.errors, "errors", false, "only errors (with --denied: denials and errors)")
	fl.BoolVar(&f.allowed, "allowed", false, "only allows")
	fl.StringVar(&f.user, "user", "", "only this user `key`")
	fl.StringVar(&f.action, "action", "", "only this `action`")
	fl.StringVar(&f.resource, "resource", "", "only this resource `type` or type:key")
	fl.StringVar(&f.tenant, "tenant", "", "only this `tenant`")
	fl.StringVar(&f.target, "target", "", "only this target (kind embedded|pdp|cloud, name or URL)")
	fl.StringVar(&f.since, "since", "", "only decisions since a `time`: a duration ago (2h, 30m, 7d) or a date (2026-11-01)")
	fl.BoolVar(&f.pinned, "pinned", false, "only pinned decisions")
	fl.BoolVar(&f.disagreed, "disagreed", false, "only remote decisions the paired snapshot decided otherwise (--snapshot)")
	fl.BoolVar(&f.json, "json", false, "one JSON object per line, each re-runnable with pdpx check --input")
	cmd.AddCommand(newHistoryRerunCmd(g), newHistoryNoteCmd(g), newHistoryClearCmd(g))
	return cmd
}

func (f *historyFlags) filter(words []string, now time.Time) (state.Filter, error) {
	filt := state.Filter{Text: strings.Join(words, " "), User: f.user, Action: f.action,
		Resource: f.resource, Tenant: f.tenant, Target: f.target, Pinned: f.pinned, Disagreed: f.disagreed}
	for _, o := range []struct {
		on bool
		o  pdp.Outcome
	}{{f.allowed, pdp.Allow}, {f.denied, pdp.Deny}, {f.errors, pdp.Error}} {
		if o.on {
			filt.Outcomes = append(filt.Outcomes, o.o)
		}
	}
	if f.since != "" {
		t, err := parseSince(f.since, now)
		if err != nil {
			return filt, err
		}
		filt.Since = t
	}
	return filt, nil
}

// parseSince reads --since: a duration back from now (Go's 90m, 2h, plus
// d for days), a date (local midnight) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return now.AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: give a duration ago (2h, 30m, 7d) or a date (2026-11-01)", s)
}

// listHistory prints the entries that match, newest first, a page at a time
// so that --limit 0 on a million rows streams rather than loads.
func listHistory(ctx context.Context, w, errw io.Writer, h state.History, f state.Filter, limit int, asJSON bool) error {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	q := state.Query{Filter: f}
	n := 0
	defer func() {
		if n == 0 {
			// On stderr, so that a script reading the list sees none.
			fmt.Fprintln(errw, noMatchLine(ctx, h, f))
		}
	}()
	for limit <= 0 || n < limit {
		q.Limit = 500
		if limit > 0 {
			q.Limit = min(q.Limit, limit-n)
		}
		page, err := h.Page(ctx, q)
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		for _, e := range page {
			if asJSON {
				b, err := exportLine(e)
				if err != nil {
					return err
				}
				bw.Write(b)
				bw.WriteByte('\n')
			} else {
				bw.WriteString(listLine(e))
			}
		}
		n += len(page)
		if len(page) < q.Limit {
			break
		}
		q.Anchor = page[len(page)-1].ID
	}
	return nil
}

// noMatchLine says that nothing matched, and which filter emptied the list.
func noMatchLine(ctx context.Context, h state.History, f state.Filter) string {
	all, err := h.Counts(ctx, state.Filter{})
	if err != nil || all.Total == 0 {
		return "the history is empty: decisions are kept as you make them (pdpx check, the explorer)"
	}
	var terms []string
	for _, t := range []struct{ name, v string }{
		{"--user", f.User}, {"--action", f.Action}, {"--resource", f.Resource}, {"--tenant", f.Tenant}, {"--target", f.Target}, {"words", f.Text},
	} {
		if t.v != "" {
			terms = append(terms, t.name+" "+strconv.Quote(t.v))
		}
	}
	if len(f.Outcomes) > 0 {
		terms = append(terms, "the outcome filter")
	}
	if f.Pinned {
		terms = append(terms, "--pinned")
	}
	if f.Disagreed {
		terms = append(terms, "--disagreed")
	}
	if !f.Since.IsZero() {
		terms = append(terms, "--since")
	}
	return fmt.Sprintf("no decision matches %s (of %d in the history; field filters match a part of the field)", strings.Join(terms, ", "), all.Total)
}

// listLine is one entry for people: ID, time, outcome, the check, target,
// latency and any error, cleaned of escape sequences.
func listLine(e state.Entry) string {
	d := e.Decision
	// Stored text may come from any PDP: each part is cleaned of escape
	// sequences and folded onto the one line.
	clean := func(s string) string { return strings.Join(strings.Fields(pdp.Clean(s)), " ") }
	line := fmt.Sprintf("%6d  %s  %-5s  %s · %s · %s", e.ID, e.Time.Format("2006-01-02 15:04:05"),
		d.Outcome.Word(), clean(e.Check.String()), clean(d.Target), fmtDuration(d.Latency))
	if d.Outcome == pdp.Error {
		line += " · " + clean(d.ErrorText())
	}
	if d.ResponseCut() {
		line += " · " + d.ResponseCutNote()
	}
	if a := d.Agreement; a != nil && !a.Agrees() && d.Shadow != nil {
		line += " · ≠ the snapshot said " + d.Shadow.Outcome.Word()
		for _, cd := range a.Codes {
			line += fmt.Sprintf(" (%s %s vs %s)", cd.Model, codeWord(cd.Remote), codeWord(cd.Snapshot))
		}
	}
	if e.Pinned {
		line += " · pinned"
	}
	if e.Note != "" {
		line += " · note: " + clean(e.Note)
	}
	return line + "\n"
}

func fmtDuration(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}

// exportMeta is the "pdpx" key of an exported line: the decision and where
// it came from. The rest of the line is the /allowed body, so pdpx check
// --input (and a PDP, which ignores unknown keys) reads it as a request.
type exportMeta struct {
	ID         int64           `json:"id"`
	Time       time.Time       `json:"time"`
	Outcome    pdp.Outcome     `json:"outcome"`
	Allow      bool            `json:"allow"`
	Error      string          `json:"error,omitempty"`
	Target     string          `json:"target"`
	TargetKind pdp.Kind        `json:"target_kind,omitempty"`
	TargetURL  string          `json:"target_url,omitempty"`
	LatencyMS  float64         `json:"latency_ms"`
	Status     int             `json:"status,omitempty"`
	Pinned     bool            `json:"pinned,omitempty"`
	Note       string          `json:"note,omitempty"`
	Debug      *pdp.Debug      `json:"debug,omitempty"`
	Trace      *pdp.Trace      `json:"trace,omitempty"`
	Response   json.RawMessage `json:"response,omitempty"`
	// ResponseSize is the size of a response history kept only the start of.
	ResponseSize int `json:"response_size,omitempty"`
	// Snapshot is a paired decision's snapshot side.
	Snapshot *exportSnapshot `json:"snapshot,omitempty"`
}

// exportSnapshot is the snapshot's answer to a paired decision, and how
// the two compared.
type exportSnapshot struct {
	Outcome   pdp.Outcome   `json:"outcome"`
	Debug     *pdp.Debug    `json:"debug,omitempty"`
	Agreement pdp.Agreement `json:"agreement"`
}

func exportLine(e state.Entry) ([]byte, error) {
	// The exact body sent when it is a check body, else the check as pdpx knows it.
	body := e.Decision.Request
	if _, err := pdp.DecodeCheck(body); err != nil {
		body = e.Check.Body()
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, err
	}
	r := pdp.NewReport(e.Decision)
	meta := exportMeta{ID: e.ID, Time: e.Time, Outcome: r.Outcome, Allow: r.Allow, Error: r.Error,
		Target: r.Target, TargetKind: e.TargetKind, TargetURL: e.TargetURL, LatencyMS: r.LatencyMS,
		Status: r.Status, Pinned: e.Pinned, Note: e.Note, Debug: r.Debug, Trace: r.Trace, Response: r.Response,
		ResponseSize: r.ResponseSize}
	if d := e.Decision; d.Shadow != nil && d.Agreement != nil {
		meta.Snapshot = &exportSnapshot{Outcome: d.Shadow.Outcome, Debug: d.Shadow.Debug, Agreement: *d.Agreement}
	}
	m, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	obj["pdpx"] = m
	return json.Marshal(obj)
}

func newHistoryRerunCmd(g *globals) *cobra.Command {
	var asJSON, explain bool
	cmd := &cobra.Command{
		Use:   "rerun ID...",
		Short: "Run past decisions again on the current target and record the new ones",
		Long: `Re-run past decisions by ID (pdpx history lists them) against the target the
flags name (default the demo policy), print each new decision and record it.
The exit code is that of the worst outcome: 2 if any is an error, else 1 if
any is a denial, else 0.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ids []int64
			for _, a := range args {
				id, err := strconv.ParseInt(a, 10, 64)
				if err != nil || id <= 0 {
					return fmt.Errorf("%q is not a history ID: pdpx history lists them", a)
				}
				ids = append(ids, id)
			}
			h := g.openHistory(cmd.Context(), cmd.ErrOrStderr())
			defer h.Close()
			if h.Note != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "pdpx: "+h.Note)
			}
			var checks []pdp.Check
			for _, id := range ids {
				e, err := h.History.Get(cmd.Context(), id)
				if err != nil {
					return err
				}
				checks = append(checks, e.Check)
			}
			t, err := g.target(cmd.Context())
			if err != nil {
				return err
			}
			info := t.Describe()
			worst := 0
			for _, c := range checks {
				d := t.Check(cmd.Context(), c)
				if d.Target == "" {
					d.Target = info.Name
				}
				if !h.Memory {
					e := state.Entry{Check: c, Decision: d, TargetKind: info.Kind, TargetURL: info.URL}
					if _, err := h.History.Add(context.WithoutCancel(cmd.Context()), e); err != nil {
						fmt.Fprintln(cmd.ErrOrStderr(), "pdpx: warning: decision not recorded in the history: "+err.Error())
					}
				}
				err := report(cmd.Context(), cmd.OutOrStdout(), c, d, &checkFlags{json: asJSON, explain: explain}, t)
				worst = max(worst, ExitCode(err))
			}
			if worst != 0 {
				return &ExitError{Code: worst, Silent: true}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each decision as JSON")
	cmd.Flags().BoolVarP(&explain, "explain", "e", false, "print the reasons and the trace in words")
	return cmd
}

func newHistoryNoteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "note ID [TEXT...]",
		Short: "Attach a note to a past decision (no text removes it)",
		Long: `Attach a note to a past decision: why it was checked, what was wrong, the
ticket it belongs to. pdpx history shows it on the entry's line and in --json;
free-text filters find it. A note with no text removes the note.`,
		Example: `  pdpx history note 42 bob lost editor when the folder moved, see TICKET-123
  pdpx history note 42          # remove the note`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not a history ID: pdpx history lists them", args[0])
			}
			h := g.openHistory(cmd.Context(), cmd.ErrOrStderr())
			defer h.Close()
			if h.Memory {
				return errors.New("no history file to write the note to: " + h.Note)
			}
			return h.History.SetNote(cmd.Context(), id, strings.TrimSpace(strings.Join(args[1:], " ")))
		},
	}
}

func newHistoryClearCmd(g *globals) *cobra.Command {
	var all, yes bool
	cmd := &cobra.Command{
		Use:   "clear",
		Short: "Remove the past decisions (pinned ones stay unless --all)",
		Long: `Remove the past decisions from the history file. Pinned decisions stay
unless --all. It asks first on a terminal; elsewhere it needs --yes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := g.openHistory(cmd.Context(), cmd.ErrOrStderr())
			defer h.Close()
			if h.Memory {
				return errors.New("no history file to clear: " + h.Note)
			}
			n, err := h.History.Counts(cmd.Context(), state.Filter{})
			if err != nil {
				return err
			}
			if !yes {
				in, ok := cmd.InOrStdin().(*os.File)
				if !ok || !isTerminal(in) {
					return errors.New("pdpx history clear removes decisions for good: add --yes to confirm")
				}
				what := "unpinned decisions"
				if all {
					what = "decisions, pinned ones too"
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Clear the %s from %s (%d in all)? [y/N] ", what, h.Store.Path(), n.Total)
				ans, _ := bufio.NewReader(in).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(ans)); a != "y" && a != "yes" {
					fmt.Fprintln(cmd.ErrOrStderr(), "nothing cleared")
					return nil
				}
			}
			removed, err := h.History.Clear(cmd.Context(), !all)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "cleared %d decision%s from %s\n", removed, map[bool]string{true: "", false: "s"}[removed == 1], h.Store.Path())
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove pinned decisions too")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	return cmd
}

// isTerminal reports whether f is a character device (a terminal), where a
// question can be asked and answered.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
