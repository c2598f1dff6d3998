package state

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is a History kept in memory for one run. Unfiltered pages are
// slices of one array; a filtered view is indexed once and then extended as
// entries arrive, so scrolling a filtered list does not rescan it.
type Memory struct {
	mu      sync.Mutex
	entries []Entry // oldest first
	counts  Counts
	nextID  int64
	now     func() time.Time

	// The last filter's matches (indices into entries, oldest first), and
	// how many entries have been scanned for it.
	cacheKey     string
	cacheIdx     []int
	cacheCounts  Counts
	cacheScanned int

	values [numFields]map[string]int64 // value -> ID of the last entry that used it
}

// NewMemory returns an empty in-memory history.
func NewMemory() *Memory {
	m := &Memory{now: time.Now}
	for i := range m.values {
		m.values[i] = map[string]int64{}
	}
	return m
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
	m.entries = append(m.entries, e)
	m.counts.add(e.Decision.Outcome)
	m.remember(e)
	return e, nil
}

// Page implements History.
func (m *Memory) Page(_ context.Context, f Filter, offset, limit int) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 {
		return nil, nil
	}
	if key := filterKey(f); key != "" {
		idx := m.matches(key)
		out := make([]Entry, 0, min(limit, max(0, len(idx)-offset)))
		for j := offset; j < len(idx) && len(out) < limit; j++ {
			out = append(out, m.entries[idx[len(idx)-1-j]])
		}
		return out, nil
	}
	n := len(m.entries)
	out := make([]Entry, 0, min(limit, max(0, n-offset)))
	for j := offset; j < n && len(out) < limit; j++ {
		out = append(out, m.entries[n-1-j])
	}
	return out, nil
}

// Counts implements History.
func (m *Memory) Counts(_ context.Context, f Filter) (Counts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if key := filterKey(f); key != "" {
		m.matches(key)
		return m.cacheCounts, nil
	}
	return m.counts, nil
}

// Values implements History.
func (m *Memory) Values(_ context.Context, field Field, limit int) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if field < 0 || field >= numFields {
		return nil, nil
	}
	seen := m.values[field]
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b string) int {
		if seen[a] != seen[b] {
			return int(seen[b] - seen[a])
		}
		return strings.Compare(a, b)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// matches returns the indices matching the filter key, indexing the entries
// added since the last call. It must be called with mu held.
func (m *Memory) matches(key string) []int {
	if key != m.cacheKey {
		m.cacheKey, m.cacheIdx, m.cacheCounts, m.cacheScanned = key, nil, Counts{}, 0
	}
	words := strings.Fields(key)
	for i := m.cacheScanned; i < len(m.entries); i++ {
		if matchWords(strings.ToLower(m.entries[i].Text()), words) {
			m.cacheIdx = append(m.cacheIdx, i)
			m.cacheCounts.add(m.entries[i].Decision.Outcome)
		}
	}
	m.cacheScanned = len(m.entries)
	return m.cacheIdx
}

func filterKey(f Filter) string {
	return strings.Join(strings.Fields(strings.ToLower(f.Text)), " ")
}

// remember records the values of e's fields for Values. mu must be held.
func (m *Memory) remember(e Entry) {
	put := func(f Field, v string) {
		if v = strings.TrimSpace(v); v != "" {
			m.values[f][v] = e.ID
		}
	}
	c := e.Check
	put(FieldUser, c.User.Key)
	put(FieldAction, c.Action)
	put(FieldResourceType, c.Resource.Type)
	put(FieldResourceKey, c.Resource.Key)
	put(FieldTenant, c.Resource.Tenant)
	for f, attrs := range map[Field]map[string]any{
		FieldUserAttr: c.User.Attributes, FieldResourceAttr: c.Resource.Attributes,
		FieldTenantAttr: c.TenantAttributes, FieldContext: c.Context,
	} {
		for k := range attrs {
			put(f, k)
		}
	}
}
