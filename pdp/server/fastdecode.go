package server

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/internal/jsonscan"
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
	d := scanner{jsonscan.Scanner[string]{Src: s}}
	ok := d.Array(func() bool {
		cs = append(cs, pdp.Check{})
		return d.check(&cs[len(cs)-1])
	})
	return cs, ok && d.AtEnd()
}

// decodeCheckFast reads one /allowed body into c.
func decodeCheckFast(s string, c *pdp.Check) bool {
	d := scanner{jsonscan.Scanner[string]{Src: s}}
	return d.check(c) && d.AtEnd()
}

// scanner reads the check types with jsonscan's primitives; every method
// reports false where the fast path gives up.
type scanner struct {
	jsonscan.Scanner[string]
}

// str reads a string into *out (a substring of the body).
func (d *scanner) str(out *string) bool {
	v, ok := d.Raw()
	*out = v
	return ok
}

// strOrNull reads a string, or null as "" (what encoding/json leaves in a
// string field, and in a *string field that then reads as empty).
func (d *scanner) strOrNull(out *string) bool {
	if d.Peek() == 'n' {
		*out = ""
		return d.Lit("null")
	}
	return d.str(out)
}

// unknown handles a key the wire types do not name: it is skipped, as
// encoding/json skips it, unless it matches a known key but for case (then
// encoding/json would use it and the fast path gives up).
func (d *scanner) unknown(k string, known []string) bool {
	return !jsonscan.FoldsToAny(k, known) && d.skip()
}

// skip passes over any value and checks that it is valid JSON, as the
// slow path's json.Unmarshal would.
func (d *scanner) skip() bool {
	d.WS()
	start := d.Pos
	if !d.skipRaw() {
		return false
	}
	return json.Valid([]byte(d.Src[start:d.Pos]))
}

// skipRaw finds the end of a value: a string, a container by its depth
// (strings inside it skipped whole), or a scalar up to a delimiter. It does
// not validate; skip and value do.
func (d *scanner) skipRaw() bool {
	depth := 0
	for d.Pos < len(d.Src) {
		c := d.Src[d.Pos]
		switch {
		case c == '"':
			d.Pos++
			for d.Pos < len(d.Src) && d.Src[d.Pos] != '"' {
				if d.Src[d.Pos] == '\\' {
					d.Pos++
				}
				d.Pos++
			}
			if d.Pos >= len(d.Src) {
				return false
			}
			d.Pos++
		case c == '{' || c == '[':
			depth++
			d.Pos++
		case c == '}' || c == ']':
			if depth == 0 {
				return false // a scalar cannot start with a closing bracket
			}
			depth--
			d.Pos++
		case depth == 0:
			// A scalar: up to the next delimiter.
			for d.Pos < len(d.Src) && !strings.ContainsRune(",}] \t\n\r", rune(d.Src[d.Pos])) {
				d.Pos++
			}
			return true
		default:
			d.Pos++
		}
		if depth == 0 {
			return true
		}
	}
	return false
}

// Known keys of each object, for unknown's case-folding test.
var (
	checkKeys    = []string{"user", "action", "resource", "context", "tenant"}
	userKeys     = []string{"key", "first_name", "firstName", "last_name", "lastName", "email", "attributes"}
	resourceKeys = []string{"type", "key", "tenant", "attributes", "context"}
)

func (d *scanner) check(c *pdp.Check) bool {
	var got jsonscan.Seen
	ok := d.Object(func(k string) bool {
		switch k {
		case "user":
			return got.First(0) && d.user(&c.User)
		case "action":
			return got.First(1) && d.str(&c.Action)
		case "resource":
			return got.First(2) && d.resource(&c.Resource)
		case "context":
			return got.First(3) && d.attrs(&c.Context)
		case "tenant":
			// Top-level tenant objects carry JIT tenant attributes; rare
			// enough to leave to the slow path, and null means none.
			return got.First(4) && d.Peek() == 'n' && d.Lit("null")
		}
		return d.unknown(k, checkKeys)
	})
	// Missing parts are errors the slow path words.
	return ok && got&7 == 7
}

func (d *scanner) user(u *pdp.User) bool {
	var got jsonscan.Seen
	var first, firstCamel, last, lastCamel string
	ok := d.Object(func(k string) bool {
		switch k {
		case "key":
			// A null key is an error the slow path words.
			return got.First(0) && d.Peek() == '"' && d.str(&u.Key)
		case "first_name":
			return got.First(1) && d.strOrNull(&first)
		case "firstName":
			return got.First(2) && d.strOrNull(&firstCamel)
		case "last_name":
			return got.First(3) && d.strOrNull(&last)
		case "lastName":
			return got.First(4) && d.strOrNull(&lastCamel)
		case "email":
			return got.First(5) && d.strOrNull(&u.Email)
		case "attributes":
			return got.First(6) && d.attrs(&u.Attributes)
		}
		return d.unknown(k, userKeys)
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
	var got jsonscan.Seen
	ok := d.Object(func(k string) bool {
		switch k {
		case "type":
			return got.First(0) && d.Peek() == '"' && d.str(&r.Type)
		case "key":
			return got.First(1) && d.strOrNull(&r.Key)
		case "tenant":
			return got.First(2) && d.strOrNull(&r.Tenant)
		case "attributes":
			return got.First(3) && d.attrs(&r.Attributes)
		case "context":
			return got.First(4) && d.attrs(&r.Context)
		}
		return d.unknown(k, resourceKeys)
	})
	return ok && got&1 == 1
}

// attrs reads an attribute object (or null) as encoding/json decodes it
// into map[string]any, leaving nil for null and for {} as pdp does. Flat
// values are read here; a nested object or array is handed to
// json.Unmarshal, whose result is by definition the slow path's.
func (d *scanner) attrs(m *map[string]any) bool {
	if d.Peek() == 'n' {
		return d.Lit("null")
	}
	var out map[string]any
	ok := d.Object(func(k string) bool {
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
	switch c := d.Peek(); {
	case c == '"':
		return d.Raw()
	case c == 't' || c == 'f' || c == 'n':
		return d.Literal()
	case c == '-' || c >= '0' && c <= '9':
		// A float64, as encoding/json decodes a number into an interface;
		// out of range gives up.
		t, ok := d.Number()
		if !ok {
			return nil, false
		}
		f, err := strconv.ParseFloat(t, 64)
		return f, err == nil
	case c == '{' || c == '[':
		start := d.Pos
		if !d.skipRaw() {
			return nil, false
		}
		var v any
		if json.Unmarshal([]byte(d.Src[start:d.Pos]), &v) != nil {
			return nil, false
		}
		return v, true
	}
	return nil, false
}
