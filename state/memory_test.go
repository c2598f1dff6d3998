package state

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

func entry(user, action string, o pdp.Outcome) Entry {
	c, _ := pdp.NewCheck(user, action, "document:d1", "", false)
	d := pdp.Decision{Outcome: o, Target: "embedded: demo policy"}
	if o == pdp.Error {
		d.Err = errors.New("connection refused")
	}
	return Entry{Check: c, Decision: d}
}

func TestMemoryPagesNewestFirst(t *testing.T) {
	ctx := context.Background()
	h := NewMemory()
	for i := range 10 {
		if _, err := h.Add(ctx, entry(fmt.Sprintf("u%d", i), "read", pdp.Allow)); err != nil {
			t.Fatal(err)
		}
	}
	page, _ := h.Page(ctx, Query{Skip: 2, Limit: 3})
	if len(page) != 3 || page[0].Check.User.Key != "u7" || page[2].Check.User.Key != "u5" {
		t.Fatalf("page = %+v", page)
	}
	if page[0].ID != 8 || page[0].Time.IsZero() {
		t.Errorf("ID/Time not assigned: %d %v", page[0].ID, page[0].Time)
	}
	if tail, _ := h.Page(ctx, Query{Skip: 9, Limit: 5}); len(tail) != 1 {
		t.Errorf("tail = %d entries, want 1", len(tail))
	}
	if none, _ := h.Page(ctx, Query{Skip: 20, Limit: 5}); len(none) != 0 {
		t.Errorf("past the end = %d entries", len(none))
	}
}

func TestMemoryFilterAndCounts(t *testing.T) {
	ctx := context.Background()
	h := NewMemory()
	h.Add(ctx, entry("bob", "delete", pdp.Deny))
	h.Add(ctx, entry("alice", "read", pdp.Allow))
	h.Add(ctx, entry("bob", "read", pdp.Error))
	c, _ := h.Counts(ctx, Filter{})
	if c != (Counts{Total: 3, Allowed: 1, Denied: 1, Errors: 1}) {
		t.Errorf("counts = %+v", c)
	}
	f := Filter{Text: "  BOB "}
	c, _ = h.Counts(ctx, f)
	if c.Total != 2 || c.Allowed != 0 {
		t.Errorf("bob counts = %+v", c)
	}
	// The cached index grows with new entries.
	h.Add(ctx, entry("bob", "write", pdp.Allow))
	page, _ := h.Page(ctx, Query{Filter: f, Limit: 10})
	if len(page) != 3 || page[0].Check.Action != "write" {
		t.Fatalf("bob page = %+v", page)
	}
	if p, _ := h.Page(ctx, Query{Filter: Filter{Text: "deny bob"}, Limit: 10}); len(p) != 1 || p[0].Check.Action != "delete" {
		t.Errorf("words are ANDed: %+v", p)
	}
	if p, _ := h.Page(ctx, Query{Filter: Filter{Text: "refused"}, Limit: 10}); len(p) != 1 {
		t.Errorf("error text is searchable: %+v", p)
	}
}

func TestMemoryValuesMostRecentFirst(t *testing.T) {
	ctx := context.Background()
	h := NewMemory()
	e := entry("bob", "read", pdp.Allow)
	e.Check.User.Attributes = map[string]any{"location": "England"}
	h.Add(ctx, e)
	h.Add(ctx, entry("alice", "read", pdp.Allow))
	users, _ := h.Values(ctx, FieldUser, 10)
	if fmt.Sprint(users) != "[alice bob]" {
		t.Errorf("users = %v", users)
	}
	if a, _ := h.Values(ctx, FieldUserAttr, 10); fmt.Sprint(a) != "[location]" {
		t.Errorf("user attrs = %v", a)
	}
	if tn, _ := h.Values(ctx, FieldTenant, 1); fmt.Sprint(tn) != "[default]" {
		t.Errorf("tenants = %v", tn)
	}
}

func TestMemoryConcurrent(t *testing.T) {
	ctx := context.Background()
	h := NewMemory()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				h.Add(ctx, entry(fmt.Sprint(i), "read", pdp.Outcome(j%3)))
				h.Page(ctx, Query{Filter: Filter{Text: "read"}, Limit: 5})
				h.Counts(ctx, Filter{})
			}
		})
	}
	wg.Wait()
	if c, _ := h.Counts(ctx, Filter{Text: "read"}); c.Total != 400 {
		t.Errorf("total = %d", c.Total)
	}
}

func BenchmarkMemoryPageMillion(b *testing.B) {
	ctx := context.Background()
	h := NewMemory()
	for i := range 1_000_000 {
		e := entry(fmt.Sprint(i), "read", pdp.Allow)
		e.ID = int64(i + 1)
		h.entries = append(h.entries, e)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h.Page(ctx, Query{Anchor: int64(1_000_000 - i%999_000), Limit: 60})
	}
}
