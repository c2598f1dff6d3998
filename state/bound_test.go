package state

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// An oversized answer (an error: no PDP decides in 8 MiB) is kept as a
// bounded prefix with its full size, so that six of them make a small file
// rather than fifty megabytes; the caller's decision is not changed.
func TestOversizedResponsesAreCut(t *testing.T) {
	ctx := context.Background()
	body := bytes.Repeat([]byte("x"), 8<<20)
	live := pdp.Decision{Outcome: pdp.Error, Status: 200, Response: body,
		Err:   &pdp.TargetError{Kind: pdp.ErrorBadResponse, Status: 200, Msg: "the PDP's response was larger than 8 MiB"},
		Debug: &pdp.Debug{RBAC: &pdp.Reason{Code: "no_permission", Reason: strings.Repeat("r", 1<<20)}}}
	histories(t, func(t *testing.T, h History) {
		var id int64
		for range 6 {
			e, err := h.Add(ctx, Entry{Check: entry("bob", "read", pdp.Error).Check, Decision: live})
			if err != nil {
				t.Fatal(err)
			}
			id = e.ID
		}
		got, err := h.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		d := got.Decision
		if d.Outcome != pdp.Error || pdp.ErrorKindOf(d.Err) != pdp.ErrorBadResponse {
			t.Errorf("the cut answer is no longer the same error: %v %v", d.Outcome, d.Err)
		}
		if len(d.Response) != MaxResponse || d.ResponseSize != len(body) || !bytes.Equal(d.Response, body[:MaxResponse]) {
			t.Errorf("kept %d bytes, size %d: want the first %d of %d", len(d.Response), d.ResponseSize, MaxResponse, len(body))
		}
		if note := d.ResponseCutNote(); note != "response cut: the first 64 KiB of the 8 MiB received are kept" {
			t.Errorf("note %q", note)
		}
		if len(d.Debug.RBAC.Reason) > maxReason+64 {
			t.Errorf("a 1 MiB reason is kept whole: %d bytes", len(d.Debug.RBAC.Reason))
		}
		if s, ok := h.(*Store); ok {
			s.Close()
			var size int64
			for _, ext := range []string{"", "-wal"} {
				if fi, err := os.Stat(s.Path() + ext); err == nil {
					size += fi.Size()
				}
			}
			if size > 2<<20 {
				t.Errorf("six oversized answers take %d bytes on disk", size)
			}
		}
	})
	if len(live.Response) != len(body) || len(live.Debug.RBAC.Reason) != 1<<20 {
		t.Error("storing the decision changed the caller's copy")
	}
	// A body that fits is kept whole, with no size noted.
	s := openTemp(t)
	small := pdp.Decision{Outcome: pdp.Allow, Response: []byte(`{"allow":true}`)}
	e, _ := s.Add(ctx, Entry{Check: entry("bob", "read", pdp.Allow).Check, Decision: small})
	if g, _ := s.Get(ctx, e.ID); string(g.Decision.Response) != `{"allow":true}` || g.Decision.ResponseCut() || g.Decision.ResponseSize != 0 {
		t.Errorf("a small body came back as %q (size %d)", g.Decision.Response, g.Decision.ResponseSize)
	}
}
