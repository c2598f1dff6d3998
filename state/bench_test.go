package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// benchRows is the size of the history the read benchmarks run on:
// PDPX_BENCH_ROWS, default 100,000 so that `go test -bench . -benchtime 1x`
// in CI stays quick. The README's figures are at PDPX_BENCH_ROWS=1000000.
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("PDPX_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchEntry is the i-th decision of a generated history: 1,000 users, five
// actions, 60% allow, 30% deny, 10% error, with realistic bodies.
func benchEntry(i int, at time.Time) Entry {
	c := pdp.Check{User: pdp.User{Key: fmt.Sprintf("user%04d@acme.io", i%1000), Attributes: map[string]any{"location": []string{"England", "France"}[i%2]}},
		Action:   []string{"read", "create", "update", "delete", "publish"}[i%5],
		Resource: pdp.Resource{Type: "document", Key: "doc" + strconv.Itoa(i%5000), Tenant: []string{"default", "acme"}[i%2]}}
	d := pdp.Decision{Outcome: pdp.Allow, Latency: 40 * time.Microsecond, Target: "embedded: demo policy", Request: c.Body(),
		Response: []byte(`{"allow":true}`), Debug: &pdp.Debug{RBAC: &pdp.Reason{Allow: true, Code: "allow", AllowingRoles: []pdp.AllowingRole{{Role: "editor"}}}}}
	switch r := i % 10; {
	case r >= 6 && r < 9:
		d.Outcome, d.Response = pdp.Deny, []byte(`{"allow":false}`)
		d.Debug = &pdp.Debug{RBAC: &pdp.Reason{Code: "no_permission", Reason: "user '" + c.User.Key + "' has no role that grants '" + c.Action + "'"}}
	case r == 9:
		d = pdp.Decision{Outcome: pdp.Error, Err: fmt.Errorf("the PDP at http://localhost:7766 timed out after 5s"), Target: "pdp: localhost:7766", Request: c.Body()}
	}
	return Entry{Time: at.Add(time.Duration(i) * time.Millisecond), Check: c, Decision: d, TargetKind: pdp.KindEmbedded}
}

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchDB is a history of benchRows() decisions, generated once per process
// (in batches of 10,000, through the store's own writer) and shared by the
// read benchmarks.
func benchDB(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pdpx-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchDir = dir
		benchPath = filepath.Join(dir, "history.db")
		s, err := Open(context.Background(), benchPath)
		if err != nil {
			benchErr = err
			return
		}
		defer s.Close()
		start, n := time.Now(), benchRows()
		at := time.Now().Add(-time.Duration(n) * time.Millisecond)
		for i := 0; i < n; i += 10_000 {
			batch := make([]Entry, 0, 10_000)
			for j := i; j < min(i+10_000, n); j++ {
				batch = append(batch, benchEntry(j, at))
			}
			if _, benchErr = s.AddBatch(context.Background(), batch); benchErr != nil {
				return
			}
		}
		fmt.Fprintf(os.Stderr, "generated %d decisions in %v\n", n, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

var benchDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func openBench(b *testing.B) *Store {
	s, err := Open(context.Background(), benchDB(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// firstPage is what the explorer asks when it opens or a filter changes:
// the counts for the title and the first screen (and two more) of rows.
func firstPage(b *testing.B, h History, f Filter) {
	ctx := context.Background()
	if _, err := h.Counts(ctx, f); err != nil {
		b.Fatal(err)
	}
	page, err := h.Page(ctx, Query{Filter: f, Limit: 108})
	if err != nil || len(page) == 0 {
		b.Fatalf("%d rows, %v", len(page), err)
	}
}

// BenchmarkOpenFirstPage opens the history file and reads the first page
// and the counts: the store's part of opening the explorer.
func BenchmarkOpenFirstPage(b *testing.B) {
	path := benchDB(b)
	b.Run(fmt.Sprintf("rows=%d", benchRows()), func(b *testing.B) {
		for b.Loop() {
			s, err := Open(context.Background(), path)
			if err != nil {
				b.Fatal(err)
			}
			firstPage(b, s, Filter{})
			s.Close()
		}
	})
	// Baseline: the same on a history of one row.
	b.Run("baseline-rows=1", func(b *testing.B) {
		p := filepath.Join(b.TempDir(), "one.db")
		s, _ := Open(context.Background(), p)
		s.Add(context.Background(), benchEntry(1, time.Now()))
		s.Close()
		for b.Loop() {
			s, err := Open(context.Background(), p)
			if err != nil {
				b.Fatal(err)
			}
			firstPage(b, s, Filter{})
			s.Close()
		}
	})
}

// BenchmarkFilter is the first page and counts of a filter; the baseline is
// the unfiltered first page of the same file.
func BenchmarkFilter(b *testing.B) {
	s := openBench(b)
	for _, c := range []struct {
		name string
		f    Filter
	}{
		{"baseline-unfiltered", Filter{}},
		{"user", Filter{User: "user0042@acme.io"}},
		{"outcome=deny", Filter{Outcomes: []pdp.Outcome{pdp.Deny}}},
		{"user+outcome", Filter{User: "user0047@acme.io", Outcomes: []pdp.Outcome{pdp.Deny}}},
		{"text-rare", Filter{Text: "user0042"}},
		{"text-common", Filter{Text: "england"}},
		{"text-two-words", Filter{Text: "deny doc42"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				firstPage(b, s, c.f)
			}
		})
	}
	// Baseline for free text: a scan of the same text without the trigram
	// index (what LIKE '%…%' over every row costs).
	b.Run("baseline-text-scan", func(b *testing.B) {
		for b.Loop() {
			var n int
			if err := s.db.QueryRow(`SELECT count(*) FROM decisions_fts WHERE instr(lower(text), 'user0042') > 0`).Scan(&n); err != nil || n == 0 {
				b.Fatal(n, err)
			}
		}
	})
}

// BenchmarkDeepPage reads a page half-way down the history: by keyset (what
// the explorer does) and, as the baseline, by OFFSET.
func BenchmarkDeepPage(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	n := benchRows()
	mid, err := s.Page(ctx, Query{Skip: n / 2, Limit: 1})
	if err != nil || len(mid) == 0 {
		b.Fatal(err)
	}
	b.Run("keyset", func(b *testing.B) {
		for b.Loop() {
			if p, err := s.Page(ctx, Query{Anchor: mid[0].ID, Limit: 108}); err != nil || len(p) != 108 {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-offset", func(b *testing.B) {
		for b.Loop() {
			if p, err := s.Page(ctx, Query{Skip: n / 2, Limit: 108}); err != nil || len(p) != 108 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAppend is sustained appends from concurrent callers (the
// explorer's Cmds, a script of pdpx checks): the writer commits what has
// queued in one transaction. decisions/s is the figure; the baseline is
// the in-memory history.
func BenchmarkAppend(b *testing.B) {
	run := func(b *testing.B, h History) {
		at := time.Now()
		var i int64
		var mu sync.Mutex
		start := time.Now()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				mu.Lock()
				i++
				k := i
				mu.Unlock()
				if _, err := h.Add(context.Background(), benchEntry(int(k), at)); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "decisions/s")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, openTemp(b)) })
	b.Run("sqlite-one-at-a-time", func(b *testing.B) {
		s := openTemp(b)
		at, start := time.Now(), time.Now()
		for i := 0; b.Loop(); i++ {
			if _, err := s.Add(context.Background(), benchEntry(i, at)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "decisions/s")
	})
	b.Run("baseline-memory", func(b *testing.B) { run(b, NewMemory()) })
}
