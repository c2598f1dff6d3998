package permitapi

import "strconv"

// attrs reads an attribute object (or null) as encoding/json decodes it
// into map[string]any.
func (d *scanner) attrs(m *map[string]any) bool {
	if d.Peek() == 'n' {
		*m = nil
		return d.Lit("null")
	}
	v, ok := d.object1()
	*m = v
	return ok
}

// value reads any value as encoding/json decodes it into an interface:
// strings, float64, bools, nil, []any and map[string]any.
func (d *scanner) value() (any, bool) {
	switch c := d.Peek(); {
	case c == '"' || c == '-' || c >= '0' && c <= '9':
		return d.scalar()
	case c == 't' || c == 'f' || c == 'n':
		return d.Literal()
	case c == '{':
		return d.object1()
	case c == '[':
		if d.depth++; d.depth > maxDepth {
			return nil, false
		}
		out := make([]any, 0)
		ok := d.Array(func() bool {
			v, ok := d.value()
			out = append(out, v)
			return ok
		})
		d.depth--
		return out, ok
	}
	return nil, false
}

// scalar reads a string or a number as encoding/json decodes it into an
// interface, boxed once for the page: the same token in the page gives the
// same boxed value (strings and float64 are immutable, so sharing them is
// safe).
func (d *scanner) scalar() (any, bool) {
	str := d.Src[d.Pos] == '"'
	var text []byte
	var ok bool
	if str {
		text, ok = d.Raw()
	} else {
		text, ok = d.Number()
	}
	if !ok {
		return nil, false
	}
	var sl *cachedValue
	if len(text) <= 64 {
		h := slot(text)
		if str {
			h = (h + 32) % 64 // "1" is not 1
		}
		if sl = &d.values[h]; sl.v != nil && sl.str == str && sl.text == string(text) {
			return sl.v, true
		}
	}
	var v any
	t := string(text)
	if str {
		v = t
	} else {
		// encoding/json's own conversion; out of range is its error.
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, false
		}
		v = f
	}
	if sl != nil {
		*sl = cachedValue{text: t, str: str, v: v}
	}
	return v, true
}

// cachedValue is a boxed attribute value and its text.
type cachedValue struct {
	text string
	str  bool
	v    any
}

// object1 reads an object into a fresh map, as encoding/json does into an
// interface or a nil map.
func (d *scanner) object1() (map[string]any, bool) {
	if d.depth++; d.depth > maxDepth {
		return nil, false
	}
	out := map[string]any{}
	ok := d.Members(false, func(k []byte) bool {
		v, ok := d.value()
		out[d.intern(k)] = v
		return ok
	})
	d.depth--
	return out, ok
}
