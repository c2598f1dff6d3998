package permitapi

import (
	"hash/maphash"
	"strconv"

	"github.com/pdpx/pdpx/pdp/internal/jsonscan"
)

// The fast decoder reads the pages of the large lists (relationship tuples,
// role assignments, resource instances, users) without encoding/json's
// reflection: with encoding/json, decoding the read models of a large
// environment (100 MB, mostly ids and timestamps the mapping never reads)
// took several times as long as fetching them.
//
// It is an accelerator, never a second definition of the format: whenever
// a page is anything but plainly well-formed and of the expected shape it
// gives up, and the page is decoded with encoding/json, which decides what
// the page means and words every error. So it gives up on escaped strings,
// invalid UTF-8, duplicate keys, non-ASCII keys and keys that encoding/json
// would match to a field case-insensitively, a value of the wrong kind,
// numbers out of range, nesting deeper than maxDepth, anything malformed.
// When it does not give up, the items are exactly encoding/json's
// (FuzzFastPage holds it to that), except that an item's id is not kept but
// hashed: the lists it reads are deduplicated by id and keep no ids.

// maxDepth bounds the nesting the fast decoder follows (attribute values);
// deeper pages are left to encoding/json.
const maxDepth = 64

// scanner reads the read models with jsonscan's primitives; every method
// reports false where the fast path gives up.
type scanner struct {
	jsonscan.Scanner[[]byte]
	depth int
	// cache interns the short strings that repeat across a page (relation
	// names, tenants, types, roles, attribute names): direct-mapped by a
	// hash of the bytes. values does the same for attribute values, boxed:
	// a page of instances repeats a handful of values hundreds of times.
	cache  [64]string
	values [64]cachedValue
	// arena holds the strings the pull keeps (see kept).
	arena *arena
}

// slot is the cache slot of b (FNV-1a: short values, so a byte at a time
// is cheap enough).
func slot(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h % 64
}

// intern is b as a string, shared with the page's earlier equal ones.
func (d *scanner) intern(b []byte) string {
	if len(b) > 64 {
		return string(b)
	}
	sl := &d.cache[slot(b)]
	if *sl != string(b) {
		*sl = string(b)
	}
	return *sl
}

// str reads a string field (null leaves it as it was: "") into a string
// of its own.
func (d *scanner) str(out *string) bool {
	if d.Peek() == 'n' {
		return d.Lit("null")
	}
	b, ok := d.Raw()
	*out = string(b)
	return ok
}

// kept is str for a value the pull keeps to its end: from the arena.
func (d *scanner) kept(out *string) bool {
	if d.Peek() == 'n' {
		return d.Lit("null")
	}
	b, ok := d.Raw()
	*out = d.arena.string(b)
	return ok
}

// keptPtr reads a *string field (null is nil) the pull keeps to its end.
func (d *scanner) keptPtr(out **string) bool {
	if d.Peek() == 'n' {
		*out = nil
		return d.Lit("null")
	}
	b, ok := d.Raw()
	s := d.arena.string(b)
	*out = &s
	return ok
}

// interned is str for values that repeat across a page: equal values share
// one string.
func (d *scanner) interned(out *string) bool {
	if d.Peek() == 'n' {
		return d.Lit("null")
	}
	b, ok := d.Raw()
	*out = d.intern(b)
	return ok
}

// idHash reads an id (a string, or null for none) as its hash, 0 when there
// is none; the hash is maphash.String's of the decoded id.
func (d *scanner) idHash(out *uint64) bool {
	if d.Peek() == 'n' {
		*out = 0
		return d.Lit("null")
	}
	b, ok := d.Raw()
	if !ok || len(b) == 0 {
		*out = 0
		return ok
	}
	*out = maphash.Bytes(seed, b)
	return true
}

// unknown handles a key the read model does not name: its value is skipped
// (and checked, as encoding/json checks the whole text before it decodes
// any of it), unless the key matches a known one but for case: then
// encoding/json would use it, and the fast path gives up.
func (d *scanner) unknown(k []byte, known []string) bool {
	return !jsonscan.FoldsToAny(k, known) && d.skip()
}

// skip passes over any value, checking that it is valid JSON.
func (d *scanner) skip() bool {
	switch c := d.Peek(); {
	case c == '"':
		return d.SkipString()
	case c == '{':
		if d.depth++; d.depth > maxDepth {
			return false
		}
		ok := d.Members(false, func([]byte) bool { return d.skip() })
		d.depth--
		return ok
	case c == '[':
		if d.depth++; d.depth > maxDepth {
			return false
		}
		ok := d.Array(d.skip)
		d.depth--
		return ok
	case c == 't' || c == 'f' || c == 'n':
		_, ok := d.Literal()
		return ok
	case c == '-' || c >= '0' && c <= '9':
		_, ok := d.Number()
		return ok
	}
	return false
}

// integer reads an int field: an integer literal (a fraction, an exponent
// or a value out of range is an error encoding/json words), or null,
// which leaves it as it was.
func (d *scanner) integer(n *int) bool {
	if d.Peek() == 'n' {
		return d.Lit("null")
	}
	b, ok := d.Number()
	if !ok {
		return false
	}
	v, err := strconv.ParseInt(string(b), 10, strconv.IntSize)
	if err != nil {
		return false
	}
	*n = int(v)
	return true
}
