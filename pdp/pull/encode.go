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

// nl starts a new line indented by n spaces.
func nl(b []byte, n int) []byte {
	b = append(b, '\n')
	for range n {
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
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
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

// fields writes an object of named fields, each written by its own
// appender; fields with nothing to write (omitempty) are passed over.
type field struct {
	name string
	put  func(b []byte, depth int) ([]byte, bool)
}

func appendObject(b []byte, depth int, fs []field) ([]byte, bool) {
	if len(fs) == 0 {
		return append(b, "{}"...), true
	}
	b = append(b, '{')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = nl(b, depth+1)
		b = append(b, '"')
		b = append(b, f.name...)
		b = append(b, `": `...)
		var ok bool
		if b, ok = f.put(b, depth+1); !ok {
			return b, false
		}
	}
	return append(nl(b, depth), '}'), true
}

func strField(name, s string) field {
	return field{name, func(b []byte, _ int) ([]byte, bool) { return appendString(b, s) }}
}

// appendRelationship writes r as encoding/json does at depth.
func appendRelationship(b []byte, r *policy.Relationship, depth int) ([]byte, bool) {
	// The fields are written in line: there are hundreds of thousands.
	b = append(b, '{')
	var ok bool
	for i, f := range [3]struct{ name, val string }{{"subject", r.Subject}, {"relation", r.Relation}, {"object", r.Object}} {
		if i > 0 {
			b = append(b, ',')
		}
		b = nl(b, depth+1)
		b = append(b, '"')
		b = append(b, f.name...)
		b = append(b, `": `...)
		if b, ok = appendString(b, f.val); !ok {
			return b, false
		}
	}
	return append(nl(b, depth), '}'), true
}

// appendInstance writes in as encoding/json does at depth.
func appendInstance(b []byte, in *policy.Instance, depth int) ([]byte, bool) {
	if in == nil {
		return append(b, "null"...), true
	}
	var fs [2]field
	n := 0
	if in.Tenant != "" {
		fs[n] = strField("tenant", in.Tenant)
		n++
	}
	if len(in.Attributes) > 0 {
		fs[n] = field{"attributes", func(b []byte, d int) ([]byte, bool) { return appendMap(b, in.Attributes, d) }}
		n++
	}
	return appendObject(b, depth, fs[:n])
}

// appendUser writes u as encoding/json does at depth.
func appendUser(b []byte, u *policy.User, depth int) ([]byte, bool) {
	if u == nil {
		return append(b, "null"...), true
	}
	fs := make([]field, 0, 6)
	if u.Email != "" {
		fs = append(fs, strField("email", u.Email))
	}
	if u.FirstName != "" {
		fs = append(fs, strField("first_name", u.FirstName))
	}
	if u.LastName != "" {
		fs = append(fs, strField("last_name", u.LastName))
	}
	if len(u.Attributes) > 0 {
		fs = append(fs, field{"attributes", func(b []byte, d int) ([]byte, bool) { return appendMap(b, u.Attributes, d) }})
	}
	if len(u.Tenants) > 0 {
		fs = append(fs, field{"tenants", func(b []byte, d int) ([]byte, bool) {
			b = append(b, '[')
			for i, t := range u.Tenants {
				if i > 0 {
					b = append(b, ',')
				}
				b = nl(b, d+1)
				var ok bool
				if b, ok = appendString(b, t); !ok {
					return b, false
				}
			}
			return append(nl(b, d), ']'), true
		}})
	}
	if len(u.Roles) > 0 {
		fs = append(fs, field{"roles", func(b []byte, d int) ([]byte, bool) {
			b = append(b, '[')
			for i, r := range u.Roles {
				if i > 0 {
					b = append(b, ',')
				}
				b = nl(b, d+1)
				ra := [3]field{strField("role", r.Role)}
				n := 1
				if r.Tenant != "" {
					ra[n] = strField("tenant", r.Tenant)
					n++
				}
				if r.Resource != "" {
					ra[n] = strField("resource", r.Resource)
					n++
				}
				var ok bool
				if b, ok = appendObject(b, d+1, ra[:n]); !ok {
					return b, false
				}
			}
			return append(nl(b, d), ']'), true
		}})
	}
	return appendObject(b, depth, fs)
}
