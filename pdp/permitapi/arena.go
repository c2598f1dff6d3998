package permitapi

import (
	"strings"
	"sync"
)

// arena hands out the strings a pull keeps (tuples' subjects and objects,
// users' keys and emails) carved from shared blocks rather than allocated
// one by one: the large environment's 200,000 tuples would otherwise be
// 400,000 small allocations, each an object the collector marks on every
// cycle until the pull ends. A block lives as long as any string in it, so
// only strings that are kept go into one.
//
// It relies on strings.Builder's promise that what String returned is never
// written again: writes go after it, and a block is never grown (a string
// that does not fit starts a new block).
type arena struct{ b strings.Builder }

// arenaBlock is the size of a block: a page of tuples keeps about 3 KB.
const arenaBlock = 8 << 10

// string is p as a string, from the arena.
func (a *arena) string(p []byte) string {
	if len(p) == 0 || len(p) > arenaBlock/16 {
		return string(p)
	}
	if a.b.Cap()-a.b.Len() < len(p) {
		a.b = strings.Builder{}
		a.b.Grow(arenaBlock)
	}
	start := a.b.Len()
	a.b.Write(p)
	return a.b.String()[start:]
}

// scanners lend pages being decoded a scanner each, with its arena and its
// caches: a scanner is a few KB (its caches), which 2,900 pages would
// otherwise allocate and clear, and pages decoded one after another fill
// one block of strings between them. What the caches hold from an earlier
// page is as good for the next (strings, and boxed values no one changes).
var scanners = sync.Pool{New: func() any { return &scanner{arena: new(arena)} }}
