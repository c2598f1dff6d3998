package state_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/state"
)

func errCheck() pdp.Check {
	return pdp.Check{User: pdp.User{Key: "bob"}, Action: "read", Resource: pdp.Resource{Type: "document", Key: "d1", Tenant: "default"}}
}

// An error read back from history is explained exactly as it was live: the
// kind (and a rate limit's Retry-After) is stored, not guessed again from
// the message or the status.
func TestErrorsReadBackAreExplainedAsLive(t *testing.T) {
	ctx := context.Background()
	te := func(k pdp.ErrorKind, status int, msg string) pdp.Decision {
		return pdp.Decision{Outcome: pdp.Error, Status: status, Target: "pdp: localhost:7766",
			Err: &pdp.TargetError{Kind: k, Status: status, URL: "http://localhost:7766", Msg: msg, Retry: 42 * time.Second}}
	}
	cases := []pdp.Decision{
		te(pdp.ErrorAuth, 401, "the PDP at http://localhost:7766 asked for an API key (HTTP 401)"),
		te(pdp.ErrorAuth, 403, "the PDP at http://localhost:7766 rejected the API key (HTTP 403)"),
		te(pdp.ErrorBadRequest, 422, "refused the request (HTTP 422)"),
		te(pdp.ErrorRateLimited, 429, "is rate limiting (HTTP 429): wait 42s and retry"),
		te(pdp.ErrorNotSupported, 501, "does not support POST /allowed (HTTP 501)"),
		te(pdp.ErrorNoABAC, 501, "the cloud PDP does not evaluate ABAC (HTTP 501)"),
		te(pdp.ErrorServer, 503, "is not ready (HTTP 503)"),
		// No status to go by: only the stored kind tells these apart.
		te(pdp.ErrorRefused, 0, "nothing is listening at http://localhost:7766"),
		te(pdp.ErrorTimeout, 0, "did not answer within 5s"),
		te(pdp.ErrorNetwork, 0, "cannot find the host"),
		te(pdp.ErrorBadResponse, 200, "answered with an HTML page"),
		// The embedded engine's cancelled check: a plain context error.
		{Outcome: pdp.Error, Err: fmt.Errorf("check: %w", context.Canceled), Target: "embedded: demo policy"},
	}
	s, err := state.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, h := range []state.History{s, state.NewMemory()} {
		for _, live := range cases {
			e, err := h.Add(ctx, state.Entry{Check: errCheck(), Decision: live})
			if err != nil {
				t.Fatal(err)
			}
			back, err := h.Get(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := explain.Explain(live, errCheck(), nil).Cards
			got := explain.Explain(back.Decision, errCheck(), nil).Cards
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%T: %q read back is explained\n%+v\nwas live\n%+v", h, live.ErrorText(), got, want)
			}
			if k := pdp.ErrorKindOf(back.Decision.Err); k != pdp.ErrorKindOf(live.Err) {
				t.Errorf("%T: kind %v read back, %v live", h, k, pdp.ErrorKindOf(live.Err))
			}
		}
	}
}

// A history file written by pdpx at schema version 2 (state/testdata, made
// by that pdpx's own clients, see testdata/README.md) opens in this one:
// every row is kept, errors with a status get the kind the client gave
// them then, and new rows are stored with theirs.
func TestMigrationFromVersion2File(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	copyFile(t, "testdata/history-v2.db", path)
	s, err := state.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, err := s.Page(ctx, state.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	// In the order the fixture wrote them (a page is newest first).
	slices.Reverse(es)
	want := []struct {
		outcome pdp.Outcome
		status  int
		kind    pdp.ErrorKind
	}{
		{pdp.Deny, 0, 0}, {pdp.Allow, 0, 0},
		{pdp.Error, 401, pdp.ErrorAuth}, {pdp.Error, 403, pdp.ErrorAuth}, {pdp.Error, 422, pdp.ErrorBadRequest},
		{pdp.Error, 429, pdp.ErrorRateLimited}, {pdp.Error, 503, pdp.ErrorServer}, {pdp.Error, 500, pdp.ErrorServer},
		{pdp.Error, 501, pdp.ErrorNotSupported}, {pdp.Error, 404, pdp.ErrorNotSupported},
		{pdp.Error, 200, pdp.ErrorBadResponse}, {pdp.Error, 302, pdp.ErrorBadResponse},
		// Refused and timed out: no status, so no kind to go by.
		{pdp.Error, 0, 0}, {pdp.Error, 0, 0},
	}
	if len(es) != len(want) {
		t.Fatalf("%d rows after the migration, want %d", len(es), len(want))
	}
	for i, w := range want {
		d := es[i].Decision
		if d.Outcome != w.outcome || d.Status != w.status || pdp.ErrorKindOf(d.Err) != w.kind {
			t.Errorf("row %d: %v %d kind %v, want %v %d kind %v (%q)", i+1, d.Outcome, d.Status, pdp.ErrorKindOf(d.Err), w.outcome, w.status, w.kind, d.ErrorText())
		}
		if d.Outcome == pdp.Error && d.ErrorText() == "" {
			t.Errorf("row %d lost its message", i+1)
		}
	}
	if c, err := s.Counts(ctx, state.Filter{Text: "rate limiting"}); err != nil || c.Total != 1 || c.Errors != 1 {
		t.Errorf("free text after the migration: %+v %v", c, err)
	}
	e, err := s.Add(ctx, state.Entry{Check: errCheck(), Decision: pdp.Decision{Outcome: pdp.Error,
		Err: &pdp.TargetError{Kind: pdp.ErrorRefused, Msg: "nothing is listening at http://localhost:7766"}}})
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Get(ctx, e.ID); pdp.ErrorKindOf(g.Decision.Err) != pdp.ErrorRefused {
		t.Errorf("a new row in the migrated file lost its kind: %v", pdp.ErrorKindOf(g.Decision.Err))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
