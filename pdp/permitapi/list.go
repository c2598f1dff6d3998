package permitapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"net/url"
	"strconv"
	"sync"
)

// Progress reports one page of one list: Kind names the list ("users"),
// Pages and Items count what has arrived so far, Total is the number of
// pages the list has (0 while it is not known).
type Progress struct {
	Kind         string
	Pages, Total int
	Items        int
	Done         bool
}

// page is PaginatedResult: {data, total_count, page_count}.
type page[T any] struct {
	Data       []T `json:"data"`
	TotalCount int `json:"total_count"`
	PageCount  int `json:"page_count"`
}

// seed keys the id hashes: two distinct ids collide with probability 2⁻⁶⁴.
var seed = maphash.MakeSeed()

// listSpec is one list endpoint.
type listSpec struct {
	kind  string
	path  string
	query url.Values
	// counted endpoints accept include_total_count=true and then answer a
	// page object whose page_count lets the remaining pages be fetched at
	// once; some endpoints (users) always answer one.
	counted bool
	// keepIDs keeps the items' ids, which other lists refer to (resources,
	// condition sets).
	keepIDs bool
}

// list fetches every page of one list. A counted list asks for the page
// count on its first page and then fetches the rest concurrently (the
// client's semaphore bounds the requests in flight); any other list is
// walked page by page until a page shorter than PerPage (an empty one
// included). Items are deduplicated by id, since a list can shift while it
// is paged.
func list[T any](ctx context.Context, c *Client, s listSpec, scope string, id func(*T) *string, report func(Progress)) ([]T, error) {
	per := c.cfg.PerPage
	q := func(n int) url.Values {
		v := url.Values{}
		for k, vs := range s.query {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(n))
		v.Set("per_page", strconv.Itoa(per))
		if s.counted {
			v.Set("include_total_count", "true")
		}
		return v
	}
	// fetchPage returns one page's items and, when the answer was a page
	// object, its page count (-1 when it was a bare array).
	fetchPage := func(ctx context.Context, n int) ([]T, int, error) {
		var raw []byte
		if err := c.get(ctx, s.path, q(n), scope, &raw); err != nil {
			return nil, 0, err
		}
		body := bytes.TrimLeft(raw, " \t\r\n")
		if len(body) > 0 && body[0] == '[' {
			var items []T
			if err := json.Unmarshal(body, &items); err != nil {
				return nil, 0, c.shapeError(s.path, err)
			}
			return items, -1, nil
		}
		var p page[T]
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, 0, c.shapeError(s.path, err)
		}
		count := p.PageCount
		if count == 0 && p.TotalCount > 0 {
			count = (p.TotalCount + per - 1) / per
		}
		return p.Data, count, nil
	}

	var out []T
	// Ids are kept as hashes and cleared from the items: a list of 200,000
	// tuples would otherwise hold 200,000 UUID strings only to dedupe them.
	seen := map[uint64]bool{}
	add := func(items []T) {
		for i := range items {
			if p := id(&items[i]); *p != "" {
				h := maphash.String(seed, *p)
				if !s.keepIDs {
					*p = ""
				}
				if seen[h] {
					continue
				}
				seen[h] = true
			}
			out = append(out, items[i])
		}
	}
	first, count, err := fetchPage(ctx, 1)
	if err != nil {
		return nil, err
	}
	add(first)
	report(Progress{Kind: s.kind, Pages: 1, Total: max(count, 0), Items: len(out)})

	if count >= 0 {
		// The page count is known: fetch the rest at once, in order.
		pages := make([][]T, count+1)
		errs := make([]error, count+1)
		var wg sync.WaitGroup
		var mu sync.Mutex
		done, got := 1, len(out)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for n := 2; n <= count; n++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				items, _, err := fetchPage(ctx, n)
				pages[n], errs[n] = items, err
				if err != nil {
					cancel()
					return
				}
				mu.Lock()
				done++
				got += len(items)
				pr := Progress{Kind: s.kind, Pages: done, Total: count, Items: got}
				report(pr)
				mu.Unlock()
			}()
		}
		wg.Wait()
		for n := 2; n <= count; n++ {
			if errs[n] != nil {
				return nil, firstError(errs)
			}
			add(pages[n])
		}
		report(Progress{Kind: s.kind, Pages: max(count, 1), Total: max(count, 1), Items: len(out), Done: true})
		return out, nil
	}

	// No count: walk until a short page.
	n, last := 1, len(first)
	for last == per {
		n++
		items, _, err := fetchPage(ctx, n)
		if err != nil {
			return nil, err
		}
		add(items)
		last = len(items)
		report(Progress{Kind: s.kind, Pages: n, Items: len(out)})
	}
	report(Progress{Kind: s.kind, Pages: n, Total: n, Items: len(out), Done: true})
	return out, nil
}

// firstError picks the error to report from concurrent pages: a real one
// over the cancellations it caused.
func firstError(errs []error) error {
	var fallback error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if e, ok := err.(*Error); ok && e.Status == 0 && e.err == context.Canceled {
			if fallback == nil {
				fallback = err
			}
			continue
		}
		return err
	}
	return fallback
}

func (c *Client) shapeError(path string, err error) error {
	return &Error{Path: path, err: err, Msg: fmt.Sprintf("%s: the answer does not have the shape of Permit's API (%v): is %s Permit's API, and is pdpx current?", c.where(path), err, c.base)}
}
