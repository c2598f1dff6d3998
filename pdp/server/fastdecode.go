package server

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pdpx/pdpx/pdp"
)

// The fast decoder reads /allowed and /allowed/bulk bodies in the shape
// Permit's SDKs send them, without encoding/json's reflection: profiling put
// half of a bulk decision in json.Unmarshal (each check is unmarshalled
// four times over through json.RawMessage).
//
// It is an accelerator, never a second definition of the format: whenever
// a body is anything but plainly well-formed and of the expected shape it
// reports false, and the caller decodes with pdp.DecodeCheck(s), which
// decides what the body means and words every error. So it gives up on
// escaped strings, duplicate keys, keys that encoding/json would match
// case-insensitively, a top-level "tenant", a null user key or action, any
// value of the wrong kind, anything malformed. When it reports true the
// checks are exactly pdp.DecodeCheck's (FuzzFastDecode holds it to that).
//
// It reads a string (the body converted once) so that every key and value
// it returns is a substring of it rather than an allocation of its own.

// decodeChecksFast appends the checks of a bulk body (a JSON array) to cs.
func decodeChecksFast(s string, cs []pdp.Check) ([]pdp.Check, bool) {
	d := scanner{s: s}
	d.ws()
	if !d.eat('[') {
		return cs, false
	}
	d.ws()
	if !d.eat(']') {
		for {
			cs = append(cs, pdp.Check{})
			if !d.check(&cs[len(cs)-1]) {
				return cs, false
			}
			d.ws()
			if d.eat(']') {
				break
			}
			if !d.eat(',') {
				return cs, false
			}
		}
	}
	d.ws()
	return cs, d.i == len(d.s)
}

// decodeCheckFast reads one /allowed body into c.
func decodeCheckFast(s string, c *pdp.Check) bool {
	d := scanner{s: s}
	if !d.check(c) {
		return false
	}
	d.ws()
	return d.i == len(d.s)
}

// scanner walks a JSON text; every method reports false where the fast
// path gives up, and the position is then meaningless.
type scanner struct {
	s string
	i int
}

func (d *scanner) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// eat consumes c if it is next.
func (d *scanner) eat(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// peek is the next byte after whitespace, 0 at the end.
func (d *scanner) peek() byte {
	d.ws()
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

// lit consumes the literal word (true, false, null).
func (d *scanner) lit(word string) bool {
	if strings.HasPrefix(d.s[d.i:], word) {
		d.i += len(word)
		return true
	}
	return false
}

// str reads a string without escapes, which is the string itself; escapes,
// control characters and invalid UTF-8 (which encoding/json would replace)
// give up.
func (d *scanner) str() (string, bool) {
	d.ws()
	if !d.eat('"') {
		return "", false
	}
	start := d.i
	ascii := true
	for ; d.i < len(d.s); d.i++ {
		switch b := d.s[d.i]; {
		case b == '"':
			v := d.s[start:d.i]
			d.i++
			return v, ascii || utf8.ValidString(v)
		case b == '\\' || b < 0x20:
			return "", false
		case b >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// strOrNull reads a string, or null as "" (what encoding/json leaves in a
// string field, and in a *string field that then reads as empty).
func (d *scanner) strOrNull() (string, bool) {
	if d.peek() == 'n' {
		return "", d.lit("null")
	}
	return d.str()
}

// key reads an object key and its colon. Only plain ASCII keys are read:
// encoding/json matches struct fields by Unicode case folding, so a
// non-ASCII key might name a field.
func (d *scanner) key() (string, bool) {
	d.ws()
	k, ok := d.str()
	if !ok {
		return "", false
	}
	for i := 0; i < len(k); i++ {
		if k[i] >= utf8.RuneSelf {
			return "", false
		}
	}
	d.ws()
	return k, d.eat(':')
}

// object reads {"k": v, ...}, calling field for each key with the scanner
// at its value; field consumes the value. An empty object calls nothing.
func (d *scanner) object(field func(k string) bool) bool {
	d.ws()
	if !d.eat('{') {
		return false
	}
	if d.peek() == '}' {
		d.i++
		return true
	}
	for {
		k, ok := d.key()
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

// unknown handles a key the wire types do not name: it is skipped, as
// encoding/json skips it, unless it matches a known key but for case (then
// encoding/json would use it and the fast path gives up).
func (d *scanner) unknown(k string, known *[8]string) bool {
	for _, n := range known {
		if n != "" && strings.EqualFold(k, n) {
			return false
		}
	}
	return d.skip()
}

// skip passes over any value and checks that it is valid JSON, as the
// slow path's json.Unmarshal would.
func (d *scanner) skip() bool {
	d.ws()
	start := d.i
	if !d.skipRaw() {
		return false
	}
	return json.Valid([]byte(d.s[start:d.i]))
}

// skipRaw finds the end of a value: a string, a container by its depth
// (strings inside it skipped whole), or a scalar up to a delimiter. It does
// not validate; skip and value do.
func (d *scanner) skipRaw() bool {
	depth := 0
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			for d.i < len(d.s) && d.s[d.i] != '"' {
				if d.s[d.i] == '\\' {
					d.i++
				}
				d.i++
			}
			if d.i >= len(d.s) {
				return false
			}
			d.i++
		case c == '{' || c == '[':
			depth++
			d.i++
		case c == '}' || c == ']':
			if depth == 0 {
				return false // a scalar cannot start with a closing bracket
			}
			depth--
			d.i++
		case depth == 0:
			// A scalar: up to the next delimiter.
			for d.i < len(d.s) && !strings.ContainsRune(",}] \t\n\r", rune(d.s[d.i])) {
				d.i++
			}
			return true
		default:
			d.i++
		}
		if depth == 0 {
			return true
		}
	}
	return false
}

// Known keys of each object, for unknown's case-folding test.
var (
	checkKeys    = [8]string{"user", "action", "resource", "context", "tenant"}
	userKeys     = [8]string{"key", "first_name", "firstName", "last_name", "lastName", "email", "attributes"}
	resourceKeys = [8]string{"type", "key", "tenant", "attributes", "context"}
)

// seen guards against duplicate keys: encoding/json's "last one wins" has
// corners (null leaves a string field as it was) not worth copying.
type seen uint16

func (s *seen) first(bit int) bool {
	if *s&(1<<bit) != 0 {
		return false
	}
	*s |= 1 << bit
	return true
}

func (d *scanner) check(c *pdp.Check) bool {
	var got seen
	ok := d.object(func(k string) bool {
		switch k {
		case "user":
			return got.first(0) && d.user(&c.User)
		case "action":
			if !got.first(1) {
				return false
			}
			a, ok := d.str()
			c.Action = a
			return ok
		case "resource":
			return got.first(2) && d.resource(&c.Resource)
		case "context":
			return got.first(3) && d.attrs(&c.Context)
		case "tenant":
			// Top-level tenant objects carry JIT tenant attributes; rare
			// enough to leave to the slow path, and null means none.
			if !got.first(4) || d.peek() != 'n' {
				return false
			}
			return d.lit("null")
		}
		return d.unknown(k, &checkKeys)
	})
	// Missing parts are errors the slow path words.
	return ok && got&7 == 7
}

func (d *scanner) user(u *pdp.User) bool {
	var got seen
	var first, firstCamel, last, lastCamel string
	ok := d.object(func(k string) bool {
		var ok bool
		switch k {
		case "key":
			if !got.first(0) || d.peek() != '"' {
				return false
			}
			u.Key, ok = d.str()
			return ok
		case "first_name":
			first, ok = d.strOrNull()
			return got.first(1) && ok
		case "firstName":
			firstCamel, ok = d.strOrNull()
			return got.first(2) && ok
		case "last_name":
			last, ok = d.strOrNull()
			return got.first(3) && ok
		case "lastName":
			lastCamel, ok = d.strOrNull()
			return got.first(4) && ok
		case "email":
			u.Email, ok = d.strOrNull()
			return got.first(5) && ok
		case "attributes":
			return got.first(6) && d.attrs(&u.Attributes)
		}
		return d.unknown(k, &userKeys)
	})
	u.FirstName, u.LastName = orElse(first, firstCamel), orElse(last, lastCamel)
	return ok && got&1 == 1
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (d *scanner) resource(r *pdp.Resource) bool {
	var got seen
	ok := d.object(func(k string) bool {
		var ok bool
		switch k {
		case "type":
			if !got.first(0) || d.peek() != '"' {
				return false
			}
			r.Type, ok = d.str()
			return ok
		case "key":
			r.Key, ok = d.strOrNull()
			return got.first(1) && ok
		case "tenant":
			r.Tenant, ok = d.strOrNull()
			return got.first(2) && ok
		case "attributes":
			return got.first(3) && d.attrs(&r.Attributes)
		case "context":
			return got.first(4) && d.attrs(&r.Context)
		}
		return d.unknown(k, &resourceKeys)
	})
	return ok && got&1 == 1
}

// attrs reads an attribute object (or null) as encoding/json decodes it
// into map[string]any, leaving nil for null and for {} as pdp does. Flat
// values are read here; a nested object or array is handed to
// json.Unmarshal, whose result is by definition the slow path's.
func (d *scanner) attrs(m *map[string]any) bool {
	if d.peek() == 'n' {
		return d.lit("null")
	}
	var out map[string]any
	ok := d.object(func(k string) bool {
		if out == nil {
			out = make(map[string]any, 4)
		}
		v, ok := d.value()
		out[k] = v
		return ok
	})
	*m = out
	return ok
}

// value reads any value as encoding/json decodes it into an interface.
func (d *scanner) value() (any, bool) {
	switch c := d.peek(); {
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.lit("true")
	case c == 'f':
		return false, d.lit("false")
	case c == 'n':
		return nil, d.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == '{' || c == '[':
		start := d.i
		if !d.skipRaw() {
			return nil, false
		}
		var v any
		if json.Unmarshal([]byte(d.s[start:d.i]), &v) != nil {
			return nil, false
		}
		return v, true
	}
	return nil, false
}

// number reads a JSON number (its exact grammar) as a float64, as
// encoding/json does for an interface; out of range gives up.
func (d *scanner) number() (any, bool) {
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
	f, err := strconv.ParseFloat(d.s[start:d.i], 64)
	return f, err == nil
}

// digits consumes one or more decimal digits.
func (d *scanner) digits() bool {
	start := d.i
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}
