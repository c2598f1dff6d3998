// Package jsonscan holds the scanning primitives of pdpx's hand-written
// JSON decoders: the server's decoder of check requests and the Permit API
// client's decoder of list pages.
//
// Those decoders are accelerators, never a second definition of the
// format: whatever they do not read plainly they leave to encoding/json,
// which decides what the text means and words every error. So every method
// here reports false where a decoder gives up (escaped strings, control
// characters, invalid UTF-8, anything malformed), and the position is then
// meaningless. A true is exact: what was read is what encoding/json reads.
//
// A Scanner reads either a string or bytes (see Text), compiled for each,
// so that a decoder of a string can keep substrings without copying while
// a decoder of a reused buffer copies what it keeps.
package jsonscan

import (
	"unicode/utf8"
)

// Text is what a Scanner reads: a string, whose substrings a decoder may
// keep, or bytes, whose subslices it must copy to keep.
type Text interface {
	~string | ~[]byte
}

// Scanner walks a JSON text from Pos. Decoders embed it and add the
// readers of their own types.
type Scanner[T Text] struct {
	Src T   // the text
	Pos int // the index in Src of the next byte to read
}

// WS skips whitespace.
func (d *Scanner[T]) WS() {
	for d.Pos < len(d.Src) {
		switch d.Src[d.Pos] {
		case ' ', '\t', '\n', '\r':
			d.Pos++
		default:
			return
		}
	}
}

// eat consumes c if it is next.
func (d *Scanner[T]) eat(c byte) bool {
	if d.Pos < len(d.Src) && d.Src[d.Pos] == c {
		d.Pos++
		return true
	}
	return false
}

// Peek is the next byte after whitespace, 0 at the end.
func (d *Scanner[T]) Peek() byte {
	d.WS()
	if d.Pos < len(d.Src) {
		return d.Src[d.Pos]
	}
	return 0
}

// Lit consumes the literal word (true, false, null) if it is next.
func (d *Scanner[T]) Lit(word string) bool {
	if len(d.Src)-d.Pos >= len(word) && string(d.Src[d.Pos:d.Pos+len(word)]) == word {
		d.Pos += len(word)
		return true
	}
	return false
}

// Literal reads true, false or null as encoding/json decodes them into
// an interface: true, false, nil.
func (d *Scanner[T]) Literal() (any, bool) {
	switch d.Peek() {
	case 't':
		return true, d.Lit("true")
	case 'f':
		return false, d.Lit("false")
	case 'n':
		return nil, d.Lit("null")
	}
	return nil, false
}

// AtEnd skips whitespace and reports whether the text ends there: a
// document is one value and nothing after it.
func (d *Scanner[T]) AtEnd() bool {
	d.WS()
	return d.Pos == len(d.Src)
}

// Raw reads a string without escapes and returns what is between its
// quotes, which is the string itself. Escapes, control characters and
// invalid UTF-8 (which encoding/json would replace) give up.
func (d *Scanner[T]) Raw() (T, bool) {
	var none T
	d.WS()
	if !d.eat('"') {
		return none, false
	}
	start := d.Pos
	// plainRun's words, here rather than through a call: the call cost
	// the check decoder, whose strings are mostly short, a few percent.
	for d.Pos+8 <= len(d.Src) && !special(word(d.Src, d.Pos)) {
		d.Pos += 8
	}
	ascii := true
	for ; d.Pos < len(d.Src); d.Pos++ {
		switch c := d.Src[d.Pos]; {
		case c == '"':
			v := d.Src[start:d.Pos]
			d.Pos++
			return v, ascii || validUTF8(v)
		case c == '\\' || c < 0x20:
			return none, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return none, false
}

// validUTF8 is utf8.ValidString or utf8.Valid, whichever v is: converting
// it to the other would copy it.
func validUTF8[T Text](v T) bool {
	switch v := any(v).(type) {
	case string:
		return utf8.ValidString(v)
	case []byte:
		return utf8.Valid(v)
	}
	return utf8.ValidString(string(v))
}

// key reads an object key and its colon. With ascii, only a plain ASCII
// key is read, as a struct's field names are: encoding/json matches fields
// by Unicode case folding, so a non-ASCII key might name a field. A map's
// keys are read as they are.
func (d *Scanner[T]) key(ascii bool) (T, bool) {
	k, ok := d.Raw()
	if !ok {
		return k, false
	}
	if ascii {
		for i := 0; i < len(k); i++ {
			if k[i] >= utf8.RuneSelf {
				return k, false
			}
		}
	}
	d.WS()
	return k, d.eat(':')
}

// Object reads {"k": v, ...} whose keys name a struct's fields (plain
// ASCII, see key), calling field for each key with the scanner at its
// value; field consumes the value. An empty object calls nothing.
func (d *Scanner[T]) Object(field func(k T) bool) bool {
	return d.Members(true, field)
}

// Members is Object for a struct's fields (ascii) or a map's entries.
func (d *Scanner[T]) Members(ascii bool, field func(k T) bool) bool {
	d.WS()
	if !d.eat('{') {
		return false
	}
	if d.Peek() == '}' {
		d.Pos++
		return true
	}
	for {
		k, ok := d.key(ascii)
		if !ok || !field(k) {
			return false
		}
		switch d.Peek() {
		case ',':
			d.Pos++
		case '}':
			d.Pos++
			return true
		default:
			return false
		}
	}
}

// Array reads [v, ...], calling elem for each element with the scanner at
// it; elem consumes it. An empty array calls nothing.
func (d *Scanner[T]) Array(elem func() bool) bool {
	d.WS()
	if !d.eat('[') {
		return false
	}
	if d.Peek() == ']' {
		d.Pos++
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch d.Peek() {
		case ',':
			d.Pos++
		case ']':
			d.Pos++
			return true
		default:
			return false
		}
	}
}

// SkipString passes over a string, escapes included, checking them (what
// it means is not needed). A skipped string may hold invalid UTF-8:
// encoding/json accepts it.
func (d *Scanner[T]) SkipString() bool {
	if !d.eat('"') {
		return false
	}
	for d.Pos < len(d.Src) {
		d.Pos = plainRun(d.Src, d.Pos)
		if d.Pos >= len(d.Src) {
			return false
		}
		c := d.Src[d.Pos]
		d.Pos++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if d.Pos >= len(d.Src) {
				return false
			}
			e := d.Src[d.Pos]
			d.Pos++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(d.Src)-d.Pos < 4 {
					return false
				}
				for end := d.Pos + 4; d.Pos < end; d.Pos++ {
					if h := d.Src[d.Pos]; !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
			default:
				return false
			}
		}
	}
	return false
}

// Number reads a JSON number (its exact grammar) and returns its text.
func (d *Scanner[T]) Number() (T, bool) {
	var none T
	d.WS()
	start := d.Pos
	d.eat('-')
	if d.eat('0') {
		// no leading zeros
	} else if !d.digits() {
		return none, false
	}
	if d.eat('.') && !d.digits() {
		return none, false
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if !d.digits() {
			return none, false
		}
	}
	return d.Src[start:d.Pos], true
}

// digits consumes one or more decimal digits.
func (d *Scanner[T]) digits() bool {
	start := d.Pos
	for d.Pos < len(d.Src) && d.Src[d.Pos] >= '0' && d.Src[d.Pos] <= '9' {
		d.Pos++
	}
	return d.Pos > start
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
// like it, see special) is left to the byte at a time loop.
func plainRun[T Text](b T, i int) int {
	for i+8 <= len(b) && !special(word(b, i)) {
		i += 8
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// word is the eight bytes of b from i, little-endian, in one load: the
// compiler merges the eight (as in binary.LittleEndian.Uint64, which takes
// only bytes).
func word[T Text](b T, i int) uint64 {
	w := b[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// special reports whether the word x may hold a byte a string cannot hold
// as is (a control character, a quote, a backslash, a byte of a multi-byte
// character). It may flag a plain byte that follows a special one, never
// miss a special one.
func special(x uint64) bool {
	quote, slash := x^(ones*'"'), x^(ones*'\\')
	return ((x-ones*0x20)|(quote-ones)&^quote|(slash-ones)&^slash|x)&highs != 0
}

// FoldsToAny reports whether the ASCII key k equals one of names but for
// case: a key a struct does not name exactly that encoding/json would
// still match to a field (and a decoder then gives up rather than skip
// it).
func FoldsToAny[T Text](k T, names []string) bool {
	for _, n := range names {
		if equalFoldASCII(k, n) {
			return true
		}
	}
	return false
}

// equalFoldASCII compares an ASCII key with a field name regardless of
// case.
func equalFoldASCII[T Text](k T, n string) bool {
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

// Seen is the set of an object's keys read so far, by the bit each
// decoder gives them: decoders give up on a duplicate key, as
// encoding/json's "last one wins" has corners (null leaves a string field
// as it was, a second object merges into the first map) not worth copying.
type Seen uint16

// First records bit and reports whether it is new.
func (s *Seen) First(bit int) bool {
	if *s&(1<<bit) != 0 {
		return false
	}
	*s |= 1 << bit
	return true
}
