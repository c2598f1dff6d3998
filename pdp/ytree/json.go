package ytree

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// json builds the tree of a JSON document with the scanner below. ok is
// false when data is not exactly one JSON value as encoding/json reads it
// (a trailing comma, a comment, a lone surrogate in a \u escape): the YAML
// parser reads those, or says what is wrong.
func (b *builder) json(data []byte) (root *Node, ok bool) {
	r := &jsonReader{b: b, data: data, line: 1, col: 1}
	root, ok = r.value(0)
	if !ok || b.stop {
		return root, ok
	}
	r.space()
	return root, r.off == len(data)
}

type jsonReader struct {
	b    *builder
	data []byte
	off  int
	// line is the 1-based line of off; lineStart where that line starts.
	line, lineStart int
	// col is the 1-based column (in runes) of colOff, a place on the
	// current line: columns are counted on from the last one asked for, so
	// that a file written on one long line is not counted over and over.
	colOff, col int
}

func (r *jsonReader) space() {
	for r.off < len(r.data) {
		switch r.data[r.off] {
		case ' ', '\t':
		case '\n':
			r.newline(r.off + 1)
		case '\r':
			// "\r\n" is one line break, as the YAML parser counts them.
			if r.off+1 < len(r.data) && r.data[r.off+1] == '\n' {
				r.off++
			}
			r.newline(r.off + 1)
		default:
			return
		}
		r.off++
	}
}

func (r *jsonReader) newline(start int) {
	r.line++
	r.lineStart, r.colOff, r.col = start, start, 1
}

// pos is the line and column of off.
func (r *jsonReader) pos() (int, int) {
	if r.colOff < r.lineStart {
		r.colOff, r.col = r.lineStart, 1
	}
	for _, c := range r.data[r.colOff:r.off] {
		if c&0xC0 != 0x80 { // not a continuation byte: a rune starts
			r.col++
		}
	}
	r.colOff = r.off
	return r.line, r.col
}

func (r *jsonReader) value(depth int) (*Node, bool) {
	r.space()
	if r.off >= len(r.data) {
		return nil, false
	}
	line, col := r.pos()
	switch c := r.data[r.off]; {
	case c == '{':
		if depth+1 > r.b.opts.MaxDepth {
			r.b.nestedTooDeep(line, col)
			return nil, true
		}
		return r.object(line, col, depth)
	case c == '[':
		if depth+1 > r.b.opts.MaxDepth {
			r.b.nestedTooDeep(line, col)
			return nil, true
		}
		return r.array(line, col, depth)
	case c == '"':
		s, ok := r.str()
		return r.b.put(Node{Kind: String, Quoted: true, Line: line, Col: col, Text: s}), ok
	case c == 't' && r.literal("true"):
		return r.b.put(Node{Kind: Bool, Truth: true, Line: line, Col: col, Text: "true"}), true
	case c == 'f' && r.literal("false"):
		return r.b.put(Node{Kind: Bool, Line: line, Col: col, Text: "false"}), true
	case c == 'n' && r.literal("null"):
		return r.b.put(Node{Kind: Null, Line: line, Col: col, Text: "null"}), true
	case c == '-' || c >= '0' && c <= '9':
		return r.number(line, col)
	}
	return nil, false
}

func (r *jsonReader) literal(word string) bool {
	if len(r.data)-r.off < len(word) || string(r.data[r.off:r.off+len(word)]) != word {
		return false
	}
	r.off += len(word)
	return true
}

func (r *jsonReader) object(line, col, depth int) (*Node, bool) {
	n := r.b.put(Node{Kind: Map, Line: line, Col: col})
	r.off++ // {
	r.space()
	if r.off < len(r.data) && r.data[r.off] == '}' {
		r.off++
		return n, true
	}
	var index map[string]int
	for {
		r.space()
		if r.off >= len(r.data) || r.data[r.off] != '"' {
			return nil, false
		}
		kl, kc := r.pos()
		key, ok := r.str()
		if !ok {
			return nil, false
		}
		r.space()
		if r.off >= len(r.data) || r.data[r.off] != ':' {
			return nil, false
		}
		r.off++
		r.b.path = append(r.b.path, step{key: key, index: -1})
		val, ok := r.value(depth + 1)
		r.b.path = r.b.path[:len(r.b.path)-1]
		if !ok || r.b.stop {
			return nil, ok
		}
		if first := lookup(n.Entries, &index, key); first >= 0 {
			r.b.errorAt(kl, kc, "duplicate key %q in %s (first at line %d)", key, r.b.label(), n.Entries[first].Line)
		} else {
			n.Entries = append(n.Entries, Entry{Key: key, Line: kl, Col: kc, Val: val})
			if index != nil {
				index[key] = len(n.Entries) - 1
			}
		}
		r.space()
		if r.off >= len(r.data) {
			return nil, false
		}
		switch r.data[r.off] {
		case ',':
			r.off++
		case '}':
			r.off++
			return n, true
		default:
			return nil, false
		}
	}
}

func (r *jsonReader) array(line, col, depth int) (*Node, bool) {
	n := r.b.put(Node{Kind: List, Line: line, Col: col})
	r.off++ // [
	r.space()
	if r.off < len(r.data) && r.data[r.off] == ']' {
		r.off++
		return n, true
	}
	for i := 0; ; i++ {
		r.b.path = append(r.b.path, step{index: i})
		item, ok := r.value(depth + 1)
		r.b.path = r.b.path[:len(r.b.path)-1]
		if !ok || r.b.stop {
			return nil, ok
		}
		n.Items = append(n.Items, item)
		r.space()
		if r.off >= len(r.data) {
			return nil, false
		}
		switch r.data[r.off] {
		case ',':
			r.off++
		case ']':
			r.off++
			return n, true
		default:
			return nil, false
		}
	}
}

// str reads a string at off (its opening quote) and decodes its escapes.
func (r *jsonReader) str() (string, bool) {
	start := r.off + 1
	i := start
	for i < len(r.data) {
		c := r.data[i]
		if c == '"' {
			r.off = i + 1
			return string(r.data[start:i]), true
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	// The slow way: escapes, or text that must be checked as UTF-8.
	buf := append([]byte(nil), r.data[start:i]...)
	for i < len(r.data) {
		c := r.data[i]
		switch {
		case c == '"':
			r.off = i + 1
			return string(buf), true
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ru, size := utf8.DecodeRune(r.data[i:])
			if ru == utf8.RuneError && size == 1 {
				return "", false
			}
			buf = append(buf, r.data[i:i+size]...)
			i += size
			continue
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(r.data) {
			return "", false
		}
		esc := r.data[i+1]
		i += 2
		switch esc {
		case '"', '\\', '/':
			buf = append(buf, esc)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			ru, ok := hex4(r.data, i)
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(ru) {
				lo, ok := hex4(r.data, i+2)
				if !ok || r.data[i] != '\\' || r.data[i+1] != 'u' {
					return "", false
				}
				if ru = utf16.DecodeRune(ru, lo); ru == utf8.RuneError {
					return "", false
				}
				i += 6
			}
			buf = utf8.AppendRune(buf, ru)
		default:
			return "", false
		}
	}
	return "", false
}

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(data[i:i+4]), 16, 32)
	return rune(v), err == nil
}

// number reads a JSON number. One past float64's range (1e400) is valid
// JSON that no float64 holds: it is kept as Unreadable for the reader to
// report where it is.
func (r *jsonReader) number(line, col int) (*Node, bool) {
	d := r.data
	i := r.off
	digits := func() bool {
		s := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > s
	}
	if d[i] == '-' {
		i++
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if !digits() {
		return nil, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	text := string(d[r.off:i])
	r.off = i
	n := r.b.put(Node{Kind: Number, Line: line, Col: col, Text: text})
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		n.Kind = Unreadable
	}
	n.Num = f
	return n, true
}
