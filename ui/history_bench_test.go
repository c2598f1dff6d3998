package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/state"
)

// bigStore writes a history file of n decisions (PDPX_BENCH_ROWS, default
// 100,000 so that CI's single run stays quick; the README's figure is at
// 1,000,000) in batches through the store's writer.
func bigStore(b *testing.B) string {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("PDPX_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	path := filepath.Join(b.TempDir(), "history.db")
	s, err := state.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	at := time.Now().Add(-24 * time.Hour)
	for i := 0; i < n; i += 10_000 {
		batch := make([]state.Entry, 0, 10_000)
		for j := i; j < min(i+10_000, n); j++ {
			c := mustCheck(fmt.Sprintf("user%04d@acme.io", j%1000), []string{"read", "update", "delete"}[j%3], "document:doc"+itoa(j%5000), nil)
			d := storyDecision(c)
			d.Outcome = pdp.Outcome(j % 3)
			if d.Outcome == pdp.Error {
				d.Err = errNoReason
			}
			batch = append(batch, state.Entry{Time: at.Add(time.Duration(j) * time.Millisecond), Check: c, Decision: d})
		}
		if _, err := s.AddBatch(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	return path
}

// BenchmarkOpenExplorer is opening the explorer on a big history file until
// the first history page is painted: open the file, build the model, size
// it, run the page Cmd, draw. The baseline is the same with a history in
// memory (nothing to open or read from disk).
func BenchmarkOpenExplorer(b *testing.B) {
	path := bigStore(b)
	open := func(b *testing.B, h state.History) {
		m := New(Options{Target: storyTarget(), History: h})
		m.clock.ticks = false
		next, cmd := m.Update(tea.WindowSizeMsg{Width: 140, Height: 40})
		m = next.(Model)
		msg := runPage(b, cmd)
		next, _ = m.Update(msg)
		m = next.(Model)
		if m.list.counts.Total == 0 || len(m.list.win) == 0 {
			b.Fatalf("no page: %+v", m.list.counts)
		}
		_ = m.View()
	}
	b.Run("sqlite", func(b *testing.B) {
		for b.Loop() {
			s, err := state.Open(context.Background(), path)
			if err != nil {
				b.Fatal(err)
			}
			open(b, s)
			s.Close()
		}
	})
	b.Run("baseline-memory", func(b *testing.B) {
		mem := state.NewMemory()
		for i := range 1000 {
			c := mustCheck(fmt.Sprintf("user%04d@acme.io", i), "read", "document", nil)
			mem.Add(context.Background(), state.Entry{Check: c, Decision: storyDecision(c)})
		}
		for b.Loop() {
			open(b, mem)
		}
	})
}

// runPage runs the Cmds of a resize until the history page arrives.
func runPage(b *testing.B, cmd tea.Cmd) tea.Msg {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case pageMsg:
			return msg
		case tea.BatchMsg:
			queue = append(queue, msg...)
		}
	}
	b.Fatal("no page was asked for")
	return nil
}
