package server

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
)

// appendResponse appends the /allowed body for a decision to b: exactly the
// bytes engine.ResponseBody gives (TestAppendResponse and FuzzFastDecode
// compare them), written by hand into the caller's buffer. ResponseBody
// goes through encoding/json's reflection and a fresh buffer per decision;
// profiling put a third of a bulk decision there.
//
// Values encoding/json would treat specially that attributes rarely hold
// (a Go type other than what JSON decodes to, NaN) are handed to
// ResponseBody whole, so its rules, error handling included, stay the only
// definition.
//
// aj holds the engine's encodings of the debug request's attribute maps
// where it keeps them (shared merges, the same for many decisions); those
// bytes are copied rather than the maps encoded again.
func appendResponse(b []byte, allowed bool, dbg *pdp.Debug, aj engine.AttrsJSON) []byte {
	start := len(b)
	b = append(b, `{"allow":`...)
	b = strconv.AppendBool(b, allowed)
	b = append(b, `,"result":`...)
	b = strconv.AppendBool(b, allowed)
	if dbg != nil {
		var ok bool
		b = append(b, `,"debug":`...)
		if b, ok = appendDebug(b, dbg, aj); !ok {
			return append(b[:start], engine.ResponseBody(allowed, dbg)...)
		}
	}
	return append(b, '}')
}

func appendDebug(b []byte, dbg *pdp.Debug, aj engine.AttrsJSON) ([]byte, bool) {
	ok := true
	sep := byte('{')
	field := func(name string) {
		b = append(b, sep, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		sep = ','
	}
	if r := dbg.Request; r != nil {
		field("request")
		b, ok = appendRequest(b, r, aj)
		if !ok {
			return b, false
		}
	}
	if dbg.RBAC != nil {
		field("rbac")
		b = appendReason(b, dbg.RBAC, true)
	}
	if dbg.ABAC != nil {
		field("abac")
		b = appendReason(b, dbg.ABAC, false)
	}
	if dbg.ReBAC != nil {
		field("rebac")
		b = appendReason(b, dbg.ReBAC, false)
	}
	if sep == '{' {
		b = append(b, '{')
	}
	return append(b, '}'), true
}

func appendRequest(b []byte, r *pdp.DebugRequest, aj engine.AttrsJSON) ([]byte, bool) {
	ok := true
	b = append(b, `{"user":{"key":`...)
	b = appendString(b, r.User.Key)
	b = append(b, `,"synced":`...)
	b = strconv.AppendBool(b, r.User.Synced)
	if len(r.User.Attributes) > 0 {
		b = append(b, `,"attributes":`...)
		if aj.User != nil {
			b = append(b, aj.User...)
		} else if b, ok = appendValue(b, r.User.Attributes); !ok {
			return b, false
		}
	}
	b = append(b, '}')
	if r.Tenant != "" {
		b = append(b, `,"tenant":`...)
		b = appendString(b, r.Tenant)
	}
	b = append(b, `,"action":`...)
	b = appendString(b, r.Action)
	b = append(b, `,"resource":{"type":`...)
	b = appendString(b, r.Resource.Type)
	if r.Resource.Key != "" {
		b = append(b, `,"key":`...)
		b = appendString(b, r.Resource.Key)
	}
	if len(r.Resource.Attributes) > 0 {
		b = append(b, `,"attributes":`...)
		if aj.Resource != nil {
			b = append(b, aj.Resource...)
		} else if b, ok = appendValue(b, r.Resource.Attributes); !ok {
			return b, false
		}
	}
	b = append(b, '}')
	if len(r.Context) > 0 {
		b = append(b, `,"context":`...)
		if b, ok = appendValue(b, r.Context); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendReason writes a reason in pdp.Reason's field order. The RBAC block
// names its allowing roles by key, and (as ResponseBody's shadowing field
// sits after the embedded Reason) after every other field.
func appendReason(b []byte, r *pdp.Reason, rbac bool) []byte {
	b = append(b, `{"allow":`...)
	b = strconv.AppendBool(b, r.Allow)
	b = append(b, `,"code":`...)
	b = appendString(b, r.Code)
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendString(b, r.Reason)
	}
	if r.SupportLink != "" {
		b = append(b, `,"support_link":`...)
		b = appendString(b, r.SupportLink)
	}
	if !rbac && len(r.AllowingRoles) > 0 {
		b = append(b, `,"allowing_roles":`...)
		for i, ar := range r.AllowingRoles {
			b = listSep(b, i)
			b = appendRole(b, ar)
		}
		b = append(b, ']')
	}
	if len(r.AllowingRules) > 0 {
		b = append(b, `,"allowing_rules":`...)
		for i, ar := range r.AllowingRules {
			b = listSep(b, i)
			b = appendRule(b, ar)
		}
		b = append(b, ']')
	}
	if len(r.MatchingUsersets) > 0 {
		b = append(b, `,"matching_usersets":`...)
		b = appendStrings(b, r.MatchingUsersets)
	}
	if len(r.MatchingResourcesets) > 0 {
		b = append(b, `,"matching_resourcesets":`...)
		b = appendStrings(b, r.MatchingResourcesets)
	}
	if rbac && len(r.AllowingRoles) > 0 {
		b = append(b, `,"allowing_roles":`...)
		for i, ar := range r.AllowingRoles {
			b = listSep(b, i)
			b = appendString(b, ar.Role)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendRole is pdp.AllowingRole's MarshalJSON: a bare key when the role has
// nothing else to say.
func appendRole(b []byte, r pdp.AllowingRole) []byte {
	if r.Resource == "" && r.Reason == "" && len(r.Sources) == 0 {
		return appendString(b, r.Role)
	}
	b = append(b, `{"role":`...)
	b = appendString(b, r.Role)
	if r.Resource != "" {
		b = append(b, `,"resource":`...)
		b = appendString(b, r.Resource)
	}
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendString(b, r.Reason)
	}
	if len(r.Sources) > 0 {
		b = append(b, `,"sources":`...)
		b = appendStrings(b, r.Sources)
	}
	return append(b, '}')
}

func appendRule(b []byte, r pdp.AllowingRule) []byte {
	sep := byte('{')
	for _, f := range [...][2]string{{"userset", r.UserSet}, {"role", r.Role}, {"resourceset", r.ResourceSet}, {"resource_type", r.ResourceType}} {
		if f[1] != "" {
			b = append(b, sep, '"')
			b = append(b, f[0]...)
			b = append(b, '"', ':')
			b = appendString(b, f[1])
			sep = ','
		}
	}
	if sep == '{' {
		b = append(b, '{')
	}
	return append(b, '}')
}

// listSep opens a list before its first element and separates the others.
func listSep(b []byte, i int) []byte {
	if i == 0 {
		return append(b, '[')
	}
	return append(b, ',')
}

func appendStrings(b []byte, l []string) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendValue writes a value of the types encoding/json decodes to (and
// []string, which the engine's generated attributes use), as json.Marshal
// does: map keys sorted, floats in ES6 form. Any other type reports false.
func appendValue(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendString(b, x), true
	case bool:
		return strconv.AppendBool(b, x), true
	case float64:
		return appendFloat(b, x)
	case []string:
		return appendStrings(b, x), true
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendValue(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		// Attribute maps are small: sort their keys on the stack.
		var arr [16]string
		keys := arr[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendValue(b, x[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// appendFloat is encoding/json's float64 encoding: like %g but with the
// exponent cut-offs of ES6 and no padding of the exponent. NaN and the
// infinities are errors there, so they report false.
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
		// e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// plainWord reports whether the eight bytes of x are all plain (see plain):
// no byte at or above 0x80, below 0x20, or equal to one of the five
// escaped ASCII characters. A byte of y is zero exactly where x's equals
// the byte y was compared with; (y - ones) &^ y has the high bit set in
// some byte exactly when y has a zero byte (its false positives sit only
// above a true one, so the answer for the word is exact). Written out, not
// with a helper closure, so that it inlines into appendString's loop.
func plainWord(x uint64) bool {
	// Bytes below 0x20: subtracting 0x20 sets the high bit of those below
	// 0x80 that were below 0x20 (or borrowed from one).
	ctrl := (x - 0x20*ones) &^ x
	q := x ^ ('"' * ones)
	bs := x ^ ('\\' * ones)
	amp := x ^ ('&' * ones)
	// '<' (0x3c) and '>' (0x3e) differ only in bit 1: one test for both.
	ang := (x | 0x02*ones) ^ ('>' * ones)
	z := (q-ones)&^q | (bs-ones)&^bs | (amp-ones)&^amp | (ang-ones)&^ang
	return (x|ctrl|z)&high == 0
}

// plain marks the ASCII bytes a JSON string holds as they are (json.Marshal
// escapes the rest, HTML's <, > and & included). A table, because reasons
// are long and the per-byte test is most of writing them.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// word is the first eight bytes of s (which has at least eight), in one
// load: the compiler merges the byte loads.
func word(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// appendString is encoding/json's string encoding with HTML escaping (what
// json.Marshal does): <, > and & as \u00XX, control characters escaped,
// invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	i := 0
	// Most strings (codes, keys, reason sentences) are plain ASCII: skip
	// them eight bytes at a time, and go byte by byte only from the word
	// holding something to escape. Profiling had the byte loop at an eighth
	// of a bulk decision.
	// The last few bytes (when every word so far was plain) are checked as
	// the last eight, overlapping the word before.
	for ; i+8 <= len(s); i += 8 {
		if !plainWord(word(s[i:])) {
			break
		}
	}
	if i < len(s) && i+8 > len(s) && len(s) >= 8 && plainWord(word(s[len(s)-8:])) {
		i = len(s)
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
