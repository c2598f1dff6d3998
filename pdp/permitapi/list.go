package permitapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pdpx/pdpx/pdp"
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
	// launched, when not nil, is called once the list's last page has been
	// asked for (a counted list's; an uncounted one's pages are asked for
	// one by one), or the list ended: a list started after it queues its
	// pages behind. It may be called more than once.
	launched func()
}

// launchedAll tells s.launched, if any.
func (s listSpec) launchedAll() {
	if s.launched != nil {
		s.launched()
	}
}

// list fetches every page of one list. A counted list asks for the page
// count on its first page and then fetches the rest concurrently (the
// client's semaphore bounds the requests in flight); any other list is
// walked page by page until a page shorter than PerPage (an empty one
// included). Items are deduplicated by id, since a list can shift while it
// is paged. fast, when not nil, decodes the pages it can (see
// fastdecode.go); encoding/json decodes the rest. sink, when not nil, is
// handed the items a page at a time, in the list's order, deduplicated, as
// soon as the pages before have been: the list is then not kept, and list
// returns none.
func list[T any](ctx context.Context, c *Client, s listSpec, scope string, id func(*T) *string, fast itemFunc[T], sink Sink[T], report func(Progress)) ([]T, error) {
	defer s.launchedAll()
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
	// fetchPage returns one page's items, the hashes of their ids (0 for
	// none) and, when the answer was a page object, its page count (-1 when
	// it was a bare array) and total count. Ids are kept as hashes and
	// cleared from the items (unless keepIDs): a list of 200,000 tuples
	// would otherwise hold 200,000 UUID strings only to dedupe them. The fast
	// decoder appends the items and their hashes to the slices dst gives, once
	// the page is in, when dst is not nil.
	fetchPage := func(ctx context.Context, n int, dst func() ([]T, []uint64)) (items []T, ids []uint64, count, total int, err error) {
		count = -1
		err = c.get(ctx, s.path, q(n), scope, bodyFunc(func(raw []byte) error {
			if fast != nil {
				var into []T
				var intoIDs []uint64
				if dst != nil {
					into, intoIDs = dst()
				}
				if p, ok := decodePageFast(raw, fast, into, intoIDs); ok {
					items, ids = p.items, p.ids
					if p.object {
						count, total = pageCount(p.pageCount, p.totalCount, per), p.totalCount
					}
					return nil
				}
			}
			body := bytes.TrimLeft(raw, " \t\r\n")
			if len(body) > 0 && body[0] == '[' {
				if err := json.Unmarshal(body, &items); err != nil {
					return c.shapeError(s, n, err)
				}
			} else {
				var p page[T]
				if err := json.Unmarshal(body, &p); err != nil {
					return c.shapeError(s, n, err)
				}
				items, count, total = p.Data, pageCount(p.PageCount, p.TotalCount, per), p.TotalCount
			}
			ids = make([]uint64, len(items))
			for i := range items {
				if p := id(&items[i]); *p != "" {
					ids[i] = maphash.String(seed, *p)
					if !s.keepIDs {
						*p = ""
					}
				}
			}
			return nil
		}))
		return items, ids, count, total, err
	}

	var out []T
	var seen map[uint64]struct{}
	delivered, total := 0, 0
	add := func(items []T, ids []uint64) {
		if sink != nil {
			// The page is deduplicated where it lies and handed over.
			w := 0
			for i := range items {
				if h := ids[i]; h != 0 {
					if _, dup := seen[h]; dup {
						continue
					}
					seen[h] = struct{}{}
				}
				items[w] = items[i]
				w++
			}
			delivered += w
			sink(items[:w], total)
			return
		}
		for i := range items {
			if h := ids[i]; h != 0 {
				if _, dup := seen[h]; dup {
					continue
				}
				seen[h] = struct{}{}
			}
			out = append(out, items[i])
		}
	}
	first, firstIDs, count, total, err := fetchPage(ctx, 1, nil)
	if err != nil {
		return nil, err
	}
	if sink != nil {
		return nil, stream(ctx, s, per, c.cfg.Concurrency, fetchPage, first, firstIDs, count, total, &seen, add, &delivered, report)
	}

	if count >= 0 {
		report(Progress{Kind: s.kind, Pages: 1, Total: count, Items: len(first)})
		// The page count is known: fetch the rest at once, in order.
		pages := make([][]T, count+1)
		ids := make([][]uint64, count+1)
		errs := make([]error, count+1)
		pages[min(1, count)], ids[min(1, count)] = first, firstIDs
		// When the counts agree, the list is allocated once, at its size, and
		// the fast decoder writes each page into its place in it: no page is
		// a slice of its own to be copied and thrown away.
		var all []T
		region := func(n int) []T { return all[(n-1)*per : min(n*per, total)] }
		if fast != nil && total > 0 && count == (total+per-1)/per {
			all = make([]T, total)
			if r := region(1); len(first) == len(r) {
				copy(r, first)
				pages[1] = r
			}
		}
		var mu sync.Mutex
		done, got := 1, len(first)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		fetch := func(n int) bool {
			var dst func() ([]T, []uint64)
			if all != nil {
				dst = func() ([]T, []uint64) {
					r := region(n)
					return r[:0:len(r)], nil
				}
			}
			items, h, _, _, err := fetchPage(ctx, n, dst)
			pages[n], ids[n], errs[n] = items, h, err
			if err != nil {
				cancel()
				return false
			}
			mu.Lock()
			done++
			got += len(items)
			pr := Progress{Kind: s.kind, Pages: done, Total: count, Items: got}
			report(pr)
			mu.Unlock()
			return true
		}
		// Once the last page has been asked for, a list started after this
		// one may queue its own.
		inTurn(ctx, c.cfg.Concurrency, count, func(n int) bool {
			if n == count {
				s.launchedAll()
			}
			return fetch(n)
		})
		if err := firstError(errs); err != nil {
			return nil, err
		}
		inPlace := all != nil
		for n := 1; inPlace && n <= count; n++ {
			r := region(n)
			inPlace = len(pages[n]) == len(r) && (len(r) == 0 || &pages[n][0] == &r[0])
		}
		if inPlace {
			// Deduplicated where it lies: an item only ever moves back.
			seen = make(map[uint64]struct{}, total)
			w, i := 0, 0
			for n := 1; n <= count; n++ {
				for _, h := range ids[n] {
					if h != 0 {
						if _, dup := seen[h]; dup {
							i++
							continue
						}
						seen[h] = struct{}{}
					}
					all[w] = all[i]
					w++
					i++
				}
			}
			clear(all[w:])
			out = all[:w]
		} else {
			// A page longer or shorter than the counts said (the list
			// changed while it was read): the pages are copied.
			n := 0
			for _, p := range pages {
				n += len(p)
			}
			out = make([]T, 0, n)
			seen = make(map[uint64]struct{}, n)
			for n := range pages {
				add(pages[n], ids[n])
				pages[n], ids[n] = nil, nil
			}
		}
		report(Progress{Kind: s.kind, Pages: max(count, 1), Total: max(count, 1), Items: len(out), Done: true})
		return out, nil
	}

	// No count: walk until a short page, a page at a time.
	s.launchedAll()
	seen = map[uint64]struct{}{}
	add(first, firstIDs)
	report(Progress{Kind: s.kind, Pages: 1, Items: len(out)})
	n, last := 1, len(first)
	for last == per {
		n++
		items, h, _, _, err := fetchPage(ctx, n, nil)
		if err != nil {
			return nil, err
		}
		add(items, h)
		last = len(items)
		report(Progress{Kind: s.kind, Pages: n, Items: len(out)})
	}
	report(Progress{Kind: s.kind, Pages: n, Total: n, Items: len(out), Done: true})
	return out, nil
}

// Sink receives a list a page at a time: the page's items (the slice is
// not the sink's to keep, what it holds is) and the list's total count
// when the API gave one (0 when not), for sizing what the sink builds.
type Sink[T any] func(items []T, total int)

// stream is list with a sink: the pages are fetched as list fetches them,
// and each is handed over (by add) once every page before it has been.
func stream[T any](ctx context.Context, s listSpec, per, workers int,
	fetchPage func(ctx context.Context, n int, dst func() ([]T, []uint64)) ([]T, []uint64, int, int, error),
	first []T, firstIDs []uint64, count, total int, seen *map[uint64]struct{}, add func([]T, []uint64), delivered *int, report func(Progress)) error {
	*seen = make(map[uint64]struct{}, max(total, len(first)))
	add(first, firstIDs)
	if count < 0 {
		// No count: walk until a short page.
		report(Progress{Kind: s.kind, Pages: 1, Items: *delivered})
		n, last := 1, len(first)
		for last == per {
			n++
			items, h, _, _, err := fetchPage(ctx, n, nil)
			if err != nil {
				return err
			}
			last = len(items)
			add(items, h)
			report(Progress{Kind: s.kind, Pages: n, Items: *delivered})
		}
		report(Progress{Kind: s.kind, Pages: n, Total: n, Items: *delivered, Done: true})
		return nil
	}
	report(Progress{Kind: s.kind, Pages: 1, Total: count, Items: *delivered})
	pages := make([][]T, count+1)
	ids := make([][]uint64, count+1)
	arrived := make([]bool, count+1)
	errs := make([]error, count+1)
	var mu sync.Mutex
	// next is the first page not handed over yet.
	done, next := 1, 2
	// free are pages handed over, whose slices the next pages are decoded
	// into: a page's items are the sink's only while it is called, and the
	// tuples' 2,000 pages would otherwise be 2,000 slices thrown away.
	type pageSlices struct {
		items []T
		ids   []uint64
	}
	var free []pageSlices
	// reuse is the slices of a page handed over, if there is one, taken
	// once a page is in to be decoded.
	reuse := func() ([]T, []uint64) {
		mu.Lock()
		defer mu.Unlock()
		if k := len(free); k > 0 {
			var p pageSlices
			p, free = free[k-1], free[:k-1]
			return p.items, p.ids
		}
		return nil, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fetch := func(n int) bool {
		items, h, _, _, err := fetchPage(ctx, n, reuse)
		if err != nil {
			errs[n] = err
			cancel()
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		pages[n], ids[n], arrived[n] = items, h, true
		for next <= count && arrived[next] && ctx.Err() == nil {
			add(pages[next], ids[next])
			free = append(free, pageSlices{pages[next][:0], ids[next][:0]})
			pages[next], ids[next] = nil, nil
			next++
		}
		done++
		report(Progress{Kind: s.kind, Pages: done, Total: count, Items: *delivered})
		return true
	}
	inTurn(ctx, workers, count, fetch)
	if err := firstError(errs); err != nil {
		return err
	}
	report(Progress{Kind: s.kind, Pages: max(count, 1), Total: max(count, 1), Items: *delivered, Done: true})
	return nil
}

// inTurn fetches pages 2 to count with a few goroutines (workers, at
// least one), each asking for the next page not yet asked for, until
// every page is, fetch fails or ctx ends; it returns once they have all
// ended. One goroutine a page cost more in stacks made and grown (a page's
// decoding runs deep) than the tuples' 2,000 requests did.
func inTurn(ctx context.Context, workers, count int, fetch func(n int) bool) {
	var next atomic.Int64
	next.Store(1)
	var wg sync.WaitGroup
	for range min(max(workers, 1), count-1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				n := int(next.Add(1))
				if n > count || !fetch(n) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// pageCount is a page object's page count, or the one its total count
// implies.
func pageCount(pages, total, per int) int {
	if pages == 0 && total > 0 {
		return (total + per - 1) / per
	}
	return pages
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

func (c *Client) shapeError(s listSpec, page int, err error) error {
	return &Error{Path: s.path, err: err, Msg: fmt.Sprintf("%s: page %d of the %s: the answer does not have the shape of Permit's API (%s): is %s Permit's API, and is pdpx current?",
		c.where(s.path), page, s.kind, describeJSONError(err), c.base)}
}

// describeJSONError words what encoding/json found wrong with a page, where
// in the page, without the Go type names it uses.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return pdp.Clean(fmt.Sprintf("%s, at byte %d", strings.TrimPrefix(syn.Error(), "json: "), syn.Offset))
	case errors.As(err, &typ):
		where := typ.Field
		if where == "" {
			where = "the answer"
		}
		want := jsonKind(typ.Type)
		if n, ok := strings.CutPrefix(typ.Value, "number "); ok && (want == "number" || want == "whole number") {
			return pdp.Clean(fmt.Sprintf("%s holds the number %s, which is out of range or not a %s, at byte %d", where, n, want, typ.Offset))
		}
		return pdp.Clean(fmt.Sprintf("%s holds %s where %s belongs, at byte %d", where, article(typ.Value), article(want), typ.Offset))
	}
	return pdp.Clean(strings.TrimPrefix(err.Error(), "json: "))
}

// article puts "a" or "an" before a word.
func article(w string) string {
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an " + w
	}
	return "a " + w
}

// jsonKind names a Go type by the JSON it decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "value"
}
