package pull

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/pdpx/pdpx/pdp/policy"
)

// The large parts of a pulled file (users, resource instances,
// relationships: hundreds of thousands of entries) are written by the
// appenders below rather than by encoding/json, whose reflection and
// indentation pass made writing the file a large part of a pull.
//
// They are an accelerator, never a second definition of the file: each
// writes exactly what encoding/json (HTML escaping off, indented by one
// space) writes for the same value, or reports false when it meets
// anything it does not know to write that way (a string that needs
// escaping, a float encoding/json refuses, a value of another type), and
// the entry is then written by encoding/json. FuzzAppendUser and
// TestFastEncodeMatchesEncodingJSON hold them to that.

// Words of eight bytes, for appendString.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// newline is a line break and the spaces nl takes its indentation from.
const newline = "\n                                "

// nl starts a new line indented by n spaces.
func nl(b []byte, n int) []byte {
	if n < len(newline) {
		return append(b, newline[:1+n]...)
	}
	b = append(b, newline...)
	for range n - (len(newline) - 1) {
		b = append(b, ' ')
	}
	return b
}

// appendString appends s quoted, when it needs no escaping: encoding/json
// without HTML escaping writes such a string as it is.
func appendString(b []byte, s string) ([]byte, bool) {
	// Eight bytes at a time while they are plain ASCII; a word with
	// anything else in it is looked at a byte at a time.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		quote, slash := x^(ones*'"'), x^(ones*'\\')
		if ((x-ones*0x20)|(quote-ones)&^quote|(slash-ones)&^slash|x)&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' {
			return b, false
		}
		if c >= utf8.RuneSelf {
			// Invalid UTF-8 is replaced and U+2028, U+2029 are escaped:
			// leave those to encoding/json.
			for _, r := range s[i:] {
				if r == utf8.RuneError || r == '\u2028' || r == '\u2029' || r < 0x20 || r == '"' || r == '\\' {
					return b, false
				}
			}
			break
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}

// appendFloat writes f as encoding/json writes a float64.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendAny writes an attribute value as decoded from JSON; depth is the
// indentation of the line the value ends on.
func appendAny(b []byte, v any, depth int) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendString(b, v)
	case float64:
		return appendFloat(b, v)
	case bool:
		return strconv.AppendBool(b, v), true
	case map[string]any:
		if v == nil {
			return append(b, "null"...), true
		}
		return appendMap(b, v, depth)
	case []any:
		if v == nil {
			return append(b, "null"...), true
		}
		if len(v) == 0 {
			return append(b, "[]"...), true
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = nl(b, depth+1)
			var ok bool
			if b, ok = appendAny(b, e, depth+1); !ok {
				return b, false
			}
		}
		return append(nl(b, depth), ']'), true
	}
	return b, false
}

// appendMap writes an attribute map, its keys sorted as encoding/json
// sorts them.
func appendMap(b []byte, m map[string]any, depth int) ([]byte, bool) {
	if len(m) == 0 {
		return append(b, "{}"...), true
	}
	// An attribute map has a handful of keys: sorting them in place on the
	// stack spares an allocation for every user and instance.
	var small [8]string
	var keys []string
	if len(m) <= len(small) {
		keys = small[:0]
	} else {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) <= len(small) {
		for i := 1; i < len(keys); i++ {
			for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
				keys[j], keys[j-1] = keys[j-1], keys[j]
			}
		}
	} else {
		slices.Sort(keys)
	}
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = nl(b, depth+1)
		var ok bool
		if b, ok = appendString(b, k); !ok {
			return b, false
		}
		b = append(b, ": "...)
		if b, ok = appendAny(b, m[k], depth+1); !ok {
			return b, false
		}
	}
	return append(nl(b, depth), '}'), true
}

// openField starts the n-th field of an object at depth, name and all:
// after the object's "{" or the field before it.
func openField(b []byte, n, depth int, name string) []byte {
	if n > 0 {
		b = append(b, ',')
	}
	b = nl(b, depth+1)
	b = append(b, '"')
	b = append(b, name...)
	return append(b, `": `...)
}

// closeObject ends an object at depth that holds n fields.
func closeObject(b []byte, n, depth int) []byte {
	if n == 0 {
		return append(b, '}')
	}
	return append(nl(b, depth), '}')
}

// The appenders of users, instances and relationships write their fields
// in line, without a slice of fields or closures: there are hundreds of
// thousands of them.

// appendRelationship writes r as encoding/json does at depth.
func appendRelationship(b []byte, r *policy.Relationship, depth int) ([]byte, bool) {
	var ok bool
	b = openField(append(b, '{'), 0, depth, "subject")
	if b, ok = appendString(b, r.Subject); !ok {
		return b, false
	}
	b = openField(b, 1, depth, "relation")
	if b, ok = appendString(b, r.Relation); !ok {
		return b, false
	}
	b = openField(b, 2, depth, "object")
	if b, ok = appendString(b, r.Object); !ok {
		return b, false
	}
	return closeObject(b, 3, depth), true
}

// appendInstance writes in as encoding/json does at depth.
func appendInstance(b []byte, in *policy.Instance, depth int) ([]byte, bool) {
	if in == nil {
		return append(b, "null"...), true
	}
	b = append(b, '{')
	n := 0
	var ok bool
	if in.Tenant != "" {
		b = openField(b, n, depth, "tenant")
		n++
		if b, ok = appendString(b, in.Tenant); !ok {
			return b, false
		}
	}
	if len(in.Attributes) > 0 {
		b = openField(b, n, depth, "attributes")
		n++
		if b, ok = appendMap(b, in.Attributes, depth+1); !ok {
			return b, false
		}
	}
	return closeObject(b, n, depth), true
}

// appendUser writes u as encoding/json does at depth.
func appendUser(b []byte, u *policy.User, depth int) ([]byte, bool) {
	if u == nil {
		return append(b, "null"...), true
	}
	b = append(b, '{')
	n := 0
	var ok bool
	for _, f := range [3]struct{ name, val string }{{"email", u.Email}, {"first_name", u.FirstName}, {"last_name", u.LastName}} {
		if f.val == "" {
			continue
		}
		b = openField(b, n, depth, f.name)
		n++
		if b, ok = appendString(b, f.val); !ok {
			return b, false
		}
	}
	if len(u.Attributes) > 0 {
		b = openField(b, n, depth, "attributes")
		n++
		if b, ok = appendMap(b, u.Attributes, depth+1); !ok {
			return b, false
		}
	}
	if len(u.Tenants) > 0 {
		b = openField(b, n, depth, "tenants")
		n++
		b = append(b, '[')
		for i, t := range u.Tenants {
			if i > 0 {
				b = append(b, ',')
			}
			b = nl(b, depth+2)
			if b, ok = appendString(b, t); !ok {
				return b, false
			}
		}
		b = append(nl(b, depth+1), ']')
	}
	if len(u.Roles) > 0 {
		b = openField(b, n, depth, "roles")
		n++
		b = append(b, '[')
		for i := range u.Roles {
			if i > 0 {
				b = append(b, ',')
			}
			b = nl(b, depth+2)
			if b, ok = appendRole(b, &u.Roles[i], depth+2); !ok {
				return b, false
			}
		}
		b = append(nl(b, depth+1), ']')
	}
	return closeObject(b, n, depth), true
}

// appendRole writes r as encoding/json does at depth.
func appendRole(b []byte, r *policy.RoleAssignment, depth int) ([]byte, bool) {
	var ok bool
	b = openField(append(b, '{'), 0, depth, "role")
	if b, ok = appendString(b, r.Role); !ok {
		return b, false
	}
	n := 1
	if r.Tenant != "" {
		b = openField(b, n, depth, "tenant")
		n++
		if b, ok = appendString(b, r.Tenant); !ok {
			return b, false
		}
	}
	if r.Resource != "" {
		b = openField(b, n, depth, "resource")
		n++
		if b, ok = appendString(b, r.Resource); !ok {
			return b, false
		}
	}
	return closeObject(b, n, depth), true
}
