package permitapi

import (
	"encoding/binary"
	"hash/maphash"
	"strconv"
	"unicode/utf8"
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

// scanner walks a JSON text; every method reports false where the fast
// path gives up, and the position is then meaningless.
type scanner struct {
	b     []byte
	i     int
	depth int
	// cache interns the short strings that repeat across a page (relation
	// names, tenants, types, roles, attribute names): direct-mapped by a
	// hash of the bytes. values does the same for attribute values, boxed:
	// a page of instances repeats a handful of values hundreds of times.
	cache  [64]string
	values [64]cachedValue
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

func (d *scanner) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// eat consumes c if it is next.
func (d *scanner) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// peek is the next byte after whitespace, 0 at the end.
func (d *scanner) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// lit consumes the literal word (true, false, null).
func (d *scanner) lit(word string) bool {
	if len(d.b)-d.i >= len(word) && string(d.b[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return true
	}
	return false
}

// raw reads a string without escapes and returns its bytes, which are the
// string itself; escapes, control characters and invalid UTF-8 (which
// encoding/json would replace) give up.
func (d *scanner) raw() ([]byte, bool) {
	d.ws()
	if !d.eat('"') {
		return nil, false
	}
	start := d.i
	d.i = plainRun(d.b, d.i)
	ascii := true
	for ; d.i < len(d.b); d.i++ {
		switch c := d.b[d.i]; {
		case c == '"':
			v := d.b[start:d.i]
			d.i++
			return v, ascii || utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// Words of eight bytes, for plainRun.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun is the index of the first byte of b from i on that is not
// printable ASCII other than a quote or a backslash (len(b) when there is
// none): what a string holds up to its end or its first escape. It looks
// at eight bytes at a time; a word with anything else in it (or what looks
// like it: the test may flag a plain byte after a special one, never miss
// a special one) is left to the byte at a time loop of its caller.
func plainRun(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		quote, slash := x^(ones*'"'), x^(ones*'\\')
		special := (x - ones*0x20) | (quote-ones)&^quote | (slash-ones)&^slash | x
		if special&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// str reads a string (or null, which leaves a string field as it was: "")
// into a string of its own.
func (d *scanner) str() (string, bool) {
	if d.peek() == 'n' {
		return "", d.lit("null")
	}
	b, ok := d.raw()
	return string(b), ok
}

// interned is str for values that repeat across a page: equal values share
// one string.
func (d *scanner) interned() (string, bool) {
	if d.peek() == 'n' {
		return "", d.lit("null")
	}
	b, ok := d.raw()
	return d.intern(b), ok
}

// strPtr reads a *string field: null is nil.
func (d *scanner) strPtr() (*string, bool) {
	if d.peek() == 'n' {
		return nil, d.lit("null")
	}
	b, ok := d.raw()
	s := string(b)
	return &s, ok
}

// idHash reads an id (a string, or null for none) as its hash, 0 when there
// is none; the hash is maphash.String's of the decoded id.
func (d *scanner) idHash() (uint64, bool) {
	if d.peek() == 'n' {
		return 0, d.lit("null")
	}
	b, ok := d.raw()
	if !ok || len(b) == 0 {
		return 0, ok
	}
	return maphash.Bytes(seed, b), true
}

// key reads an object key and its colon. Only plain ASCII keys are read
// for a read model's fields (not for a map's keys): encoding/json matches
// struct fields by Unicode case folding, so a non-ASCII key might name a
// field.
func (d *scanner) key(ascii bool) ([]byte, bool) {
	k, ok := d.raw()
	if !ok {
		return nil, false
	}
	if ascii {
		for _, c := range k {
			if c >= utf8.RuneSelf {
				return nil, false
			}
		}
	}
	d.ws()
	return k, d.eat(':')
}

// object reads {"k": v, ...} of a read model, calling field for each key
// with the scanner at its value; field consumes the value. An empty object
// calls nothing.
func (d *scanner) object(field func(k []byte) bool) bool {
	return d.members(true, field)
}

// members is object, for a read model's fields (ascii keys) or a map's.
func (d *scanner) members(ascii bool, field func(k []byte) bool) bool {
	d.ws()
	if !d.eat('{') {
		return false
	}
	if d.peek() == '}' {
		d.i++
		return true
	}
	for {
		k, ok := d.key(ascii)
		if !ok || !field(k) {
			return false
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// array reads [v, ...], calling elem for each element with the scanner at
// it; elem consumes it. An empty array calls nothing.
func (d *scanner) array(elem func() bool) bool {
	d.ws()
	if !d.eat('[') {
		return false
	}
	if d.peek() == ']' {
		d.i++
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return true
		default:
			return false
		}
	}
}

// unknown handles a key the read model does not name: its value is skipped
// (and checked, as encoding/json checks the whole text before it decodes
// any of it), unless the key matches a known one but for case: then
// encoding/json would use it, and the fast path gives up.
func (d *scanner) unknown(k []byte, known []string) bool {
	for _, n := range known {
		if equalFoldASCII(k, n) {
			return false
		}
	}
	return d.skip()
}

// equalFoldASCII compares an ASCII key with a field name regardless of case.
func equalFoldASCII(k []byte, n string) bool {
	if len(k) != len(n) {
		return false
	}
	for i := range len(k) {
		a, b := k[i], n[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// skip passes over any value, checking that it is valid JSON.
func (d *scanner) skip() bool {
	switch c := d.peek(); {
	case c == '"':
		return d.skipString()
	case c == '{':
		if d.depth++; d.depth > maxDepth {
			return false
		}
		ok := d.members(false, func([]byte) bool { return d.skip() })
		d.depth--
		return ok
	case c == '[':
		if d.depth++; d.depth > maxDepth {
			return false
		}
		ok := d.array(d.skip)
		d.depth--
		return ok
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		_, ok := d.number()
		return ok
	}
	return false
}

// skipString passes over a string, escapes included, checking them (what
// it means is not needed). A skipped string may hold invalid UTF-8:
// encoding/json accepts it.
func (d *scanner) skipString() bool {
	if !d.eat('"') {
		return false
	}
	for d.i < len(d.b) {
		d.i = plainRun(d.b, d.i)
		if d.i >= len(d.b) {
			return false
		}
		c := d.b[d.i]
		d.i++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if d.i >= len(d.b) {
				return false
			}
			e := d.b[d.i]
			d.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(d.b)-d.i < 4 {
					return false
				}
				for _, h := range d.b[d.i : d.i+4] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				d.i += 4
			default:
				return false
			}
		}
	}
	return false
}

// number reads a JSON number (its exact grammar) and returns its text.
func (d *scanner) number() ([]byte, bool) {
	d.ws()
	start := d.i
	d.eat('-')
	if d.eat('0') {
		// no leading zeros
	} else if !d.digits() {
		return nil, false
	}
	if d.eat('.') && !d.digits() {
		return nil, false
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if !d.digits() {
			return nil, false
		}
	}
	return d.b[start:d.i], true
}

// digits consumes one or more decimal digits.
func (d *scanner) digits() bool {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}

// integer reads an int field: an integer literal (a fraction, an exponent
// or a value out of range is an error encoding/json words), or null,
// which leaves it as it was.
func (d *scanner) integer(n *int) bool {
	if d.peek() == 'n' {
		return d.lit("null")
	}
	b, ok := d.number()
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
