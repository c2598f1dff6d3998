package state

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Memory is a History kept in memory for one run: the explorer's history in
// tests, and its fallback when the history file cannot be written. A filtered
// view is indexed once and then extended as entries arrive, so scrolling a
// filtered list does not rescan it.
type Memory struct {
	mu      sync.Mutex
	entries []Entry // oldest first, so IDs ascend
	nextID  int64
	now     func() time.Time

	// The last filter's matches (indices into entries, oldest first), and
	// how many entries have been scanned for it. Any change other than an
	// append (pin, delete, clear) drops it.
	cacheKey     string
	cacheIdx     []int
	cacheCounts  Counts
	cacheScanned int
}

// NewMemory returns an empty in-memory history.
func NewMemory() *Memory {
	return &Memory{now: time.Now}
}

var _ History = (*Memory)(nil)

// Add implements History.
func (m *Memory) Add(_ context.Context, e Entry) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	e.ID = m.nextID
	if e.Time.IsZero() {
		e.Time = m.now()
	}
	e = bounded(e)
	m.entries = append(m.entries, e)
	return e, nil
}

// Page implements History.
func (m *Memory) Page(_ context.Context, q Query) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if q.Limit <= 0 {
		return nil, nil
	}
	idx := m.matches(q.Filter) // nil means every entry
	n := len(m.entries)
	if idx != nil {
		n = len(idx)
	}
	at := func(j int) Entry { // j-th match, oldest first
		if idx != nil {
			return m.entries[idx[j]]
		}
		return m.entries[j]
	}
	// pos is the number of matches with an ID below id.
	pos := func(id int64) int { return sort.Search(n, func(j int) bool { return at(j).ID >= id }) }
	var lo, hi int // the page is matches [lo, hi), oldest first
	if q.Up {
		lo = 0
		if q.Anchor > 0 {
			lo = pos(q.Anchor + 1)
		}
		lo = min(lo+max(q.Skip, 0), n)
		hi = min(lo+q.Limit, n)
	} else {
		hi = n
		if q.Anchor > 0 {
			hi = pos(q.Anchor)
		}
		hi = max(hi-max(q.Skip, 0), 0)
		lo = max(hi-q.Limit, 0)
	}
	out := make([]Entry, 0, hi-lo)
	for j := hi - 1; j >= lo; j-- {
		out = append(out, at(j))
	}
	return out, nil
}

// Counts implements History.
func (m *Memory) Counts(_ context.Context, f Filter) (Counts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if idx := m.matches(f); idx != nil {
		return m.cacheCounts, nil
	}
	var c Counts
	for _, e := range m.entries {
		c.add(e.Decision.Outcome, 1)
	}
	return c, nil
}

// Values implements History.
func (m *Memory) Values(_ context.Context, field Field, limit int) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for i := len(m.entries) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		for _, v := range fieldValues(m.entries[i].Check, field) {
			if !seen[v] && (limit <= 0 || len(out) < limit) {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// Get implements History.
func (m *Memory) Get(_ context.Context, id int64) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i, ok := m.find(id); ok {
		return m.entries[i], nil
	}
	return Entry{}, fmt.Errorf("%w: %d", ErrNotFound, id)
}

// SetPinned implements History.
func (m *Memory) SetPinned(_ context.Context, id int64, pinned bool) error {
	return m.change(id, func(i int) { m.entries[i].Pinned = pinned })
}

// SetNote implements History.
func (m *Memory) SetNote(_ context.Context, id int64, note string) error {
	return m.change(id, func(i int) { m.entries[i].Note = note })
}

// Delete implements History.
func (m *Memory) Delete(_ context.Context, id int64) error {
	return m.change(id, func(i int) { m.entries = slices.Delete(m.entries, i, i+1) })
}

// change applies fn to the entry with this ID under the lock and drops the
// cached filter result, which fn may have made stale.
func (m *Memory) change(id int64, fn func(i int)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.find(id)
	if !ok {
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	fn(i)
	m.cacheKey = ""
	return nil
}

// Clear implements History.
func (m *Memory) Clear(_ context.Context, keepPinned bool) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	before := len(m.entries)
	if keepPinned {
		m.entries = slices.DeleteFunc(m.entries, func(e Entry) bool { return !e.Pinned })
	} else {
		m.entries = nil
	}
	m.cacheKey = ""
	return before - len(m.entries), nil
}

func (m *Memory) find(id int64) (int, bool) {
	return slices.BinarySearchFunc(m.entries, id, func(e Entry, id int64) int { return int(e.ID - id) })
}

// matches returns the indices matching f, indexing the entries added since
// the last call, or nil when f selects everything. mu must be held.
func (m *Memory) matches(f Filter) []int {
	if f.IsZero() {
		return nil
	}
	key := filterKey(f)
	if key != m.cacheKey {
		m.cacheKey, m.cacheIdx, m.cacheCounts, m.cacheScanned = key, []int{}, Counts{}, 0
	}
	for i := m.cacheScanned; i < len(m.entries); i++ {
		if f.Match(m.entries[i]) {
			m.cacheIdx = append(m.cacheIdx, i)
			m.cacheCounts.add(m.entries[i].Decision.Outcome, 1)
		}
	}
	m.cacheScanned = len(m.entries)
	return m.cacheIdx
}

func filterKey(f Filter) string {
	f.Text = strings.Join(strings.Fields(strings.ToLower(f.Text)), " ")
	return fmt.Sprintf("%#v", f)
}
