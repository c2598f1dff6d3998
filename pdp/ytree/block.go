package ytree

import (
	"bytes"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The YAML parser builds a node of its own for every value and scans the
// text a character at a time through a general state machine: a large
// policy written in YAML took it four times as long as encoding/json takes
// for the same policy as JSON. Most YAML files use a small part of YAML:
// block mappings and lists, scalars on one line, flow collections on one
// line, comments. blockReader reads exactly that part straight into the
// tree, and gives up at the first thing outside it (an anchor, a tag, a
// block scalar, a scalar over several lines, an escape, a tab, a second
// document, anything it would have to guess about), leaving the file to
// the YAML parser. Whatever it reads, it reads as the YAML parser does,
// positions included: a test compares the two on every file they share.

// giveUp ends a blockReader's attempt; it never leaves this file.
type giveUp struct{}

// blockStrict makes a panic in the block reader a panic, for the tests.
var blockStrict = false

type blockReader struct {
	b    *builder
	data []byte
	// The current significant line (not blank, not only a comment).
	line      int // 1-based
	start     int // offset of its first byte
	end       int // offset of its end, without the line break
	ind       int // its indentation, in spaces
	ascii     bool
	eof       bool
	nextStart int // where the line after it starts
	depth     int
}

// block reads data with the blockReader. ok is false when data holds
// something outside the part of YAML it reads.
func (b *builder) block(data []byte) (root *Node, ok bool) {
	r := &blockReader{b: b, data: data}
	defer func() {
		if v := recover(); v != nil {
			if _, gaveUp := v.(giveUp); !gaveUp && blockStrict {
				panic(v)
			}
			// A mistake of the reader's own must not cost the user the
			// file: the YAML parser reads it.
			root, ok = nil, false
		}
	}()
	r.advance()
	if r.eof {
		return nil, false // an empty document: the YAML parser says what it is
	}
	root = r.node()
	if !r.eof {
		r.fail()
	}
	return root, true
}

func (r *blockReader) fail() { panic(giveUp{}) }

// advance moves to the next significant line.
func (r *blockReader) advance() {
	for {
		if r.nextStart >= len(r.data) {
			r.eof = true
			return
		}
		r.line++
		r.start = r.nextStart
		end := bytes.IndexByte(r.data[r.start:], '\n')
		if end < 0 {
			r.end, r.nextStart = len(r.data), len(r.data)
		} else {
			r.end, r.nextStart = r.start+end, r.start+end+1
		}
		if r.end > r.start && r.data[r.end-1] == '\r' {
			r.end--
		}
		l := r.data[r.start:r.end]
		r.ascii = true
		for _, c := range l {
			switch {
			case c == '\t' || c == '\r' || c < 0x20 || c == 0x7F:
				r.fail()
			case c >= utf8.RuneSelf:
				r.ascii = false
			}
		}
		if !r.ascii {
			for _, ru := range string(l) {
				if !printable(ru) {
					r.fail() // the YAML parser refuses it, or reads it its own way
				}
			}
		}
		i := 0
		for i < len(l) && l[i] == ' ' {
			i++
		}
		if i == len(l) || l[i] == '#' {
			continue
		}
		if i == 0 && (bytes.HasPrefix(l, []byte("---")) || bytes.HasPrefix(l, []byte("...")) || l[0] == '%') {
			r.fail()
		}
		r.ind = i
		return
	}
}

// printable reports whether YAML allows r in a file. Invalid UTF-8 decodes
// as U+FFFD and is refused with it: a file that means U+FFFD is rare
// enough to leave to the YAML parser.
func printable(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case r == 0x85, r >= 0xA0 && r <= 0xD7FF, r >= 0x10000 && r <= 0x10FFFF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return r != 0xFEFF
	}
	return r >= 0x20 && r < 0x7F
}

// col is the 1-based column of offset off on the current line.
func (r *blockReader) col(off int) int {
	if r.ascii {
		return off - r.start + 1
	}
	return utf8.RuneCount(r.data[r.start:off]) + 1
}

func (r *blockReader) at(off int) byte {
	if off < r.end {
		return r.data[off]
	}
	return 0
}

// blankAt reports whether off is past the end of the line or at a space.
func (r *blockReader) blankAt(off int) bool { return off >= r.end || r.data[off] == ' ' }

func (r *blockReader) skipSpaces(off int) int {
	for off < r.end && r.data[off] == ' ' {
		off++
	}
	return off
}

// restIsEmpty reports whether nothing but a comment follows off on the line.
func (r *blockReader) restIsEmpty(off int) bool {
	p := r.skipSpaces(off)
	return p >= r.end || r.data[p] == '#' && p > r.start && r.data[p-1] == ' '
}

func (r *blockReader) isDash(off int) bool { return r.at(off) == '-' && r.blankAt(off+1) }

// enter counts a level of nesting; past the limit the YAML parser's tree
// reports it.
func (r *blockReader) enter() {
	if r.depth++; r.depth > r.b.opts.MaxDepth {
		r.fail()
	}
}

// node reads the block node that starts the current line.
func (r *blockReader) node() *Node {
	p := r.start + r.ind
	if r.isDash(p) {
		return r.sequence(r.ind)
	}
	return r.mapping(r.ind, p)
}

// sequence reads "- item" lines at indentation ind.
func (r *blockReader) sequence(ind int) *Node {
	r.enter()
	defer func() { r.depth-- }()
	n := r.b.put(Node{Kind: List, Line: r.line, Col: r.col(r.start + ind)})
	for i := 0; !r.eof && r.ind == ind && r.isDash(r.start+ind); i++ {
		p := r.skipSpaces(r.start + ind + 1)
		if r.restIsEmpty(p) || r.isDash(p) {
			r.fail() // an item on the lines below, or a list in a list
		}
		r.b.path = append(r.b.path, step{index: i})
		var item *Node
		if _, ok := r.key(p, false); ok {
			// "- key: value" starts a mapping whose keys line up with key.
			item = r.mapping(p-r.start, p)
		} else {
			item = r.inline(p)
			r.advance()
			if !r.eof && r.ind > ind {
				r.fail()
			}
		}
		r.b.path = r.b.path[:len(r.b.path)-1]
		n.Items = append(n.Items, item)
	}
	if !r.eof && r.ind > ind {
		r.fail()
	}
	return n
}

// mapping reads "key: value" entries whose keys are at indentation ind; the
// first one starts at offset first of the current line.
func (r *blockReader) mapping(ind, first int) *Node {
	r.enter()
	defer func() { r.depth-- }()
	n := r.b.put(Node{Kind: Map, Line: r.line, Col: r.col(first)})
	var index map[string]int
	p := first
	for {
		k, ok := r.key(p, true)
		if !ok {
			r.fail()
		}
		name, ok := keyName(&k.node)
		if !ok || name == "<<" && !k.node.Quoted {
			r.fail() // merge keys and keys that are no names: the YAML parser's business
		}
		r.b.path = append(r.b.path, step{key: name, index: -1})
		// A key written twice has its second value dropped unread, as the
		// tree builder does: problems found in it are dropped too.
		probs := len(r.b.probs)
		var val *Node
		v := r.skipSpaces(k.after)
		if r.restIsEmpty(v) {
			r.advance()
			switch {
			case !r.eof && r.ind > ind:
				val = r.node()
			case !r.eof && r.ind == ind && r.isDash(r.start+ind):
				val = r.sequence(ind)
			default:
				val = r.b.put(Node{Kind: Null, Line: k.node.Line, Col: k.node.Col})
			}
		} else {
			val = r.inline(v)
			r.advance()
			if !r.eof && r.ind > ind {
				r.fail() // a scalar going on below, or a mistake
			}
		}
		r.b.path = r.b.path[:len(r.b.path)-1]
		if i := lookup(n.Entries, &index, name); i >= 0 {
			r.b.probs = r.b.probs[:probs]
			r.b.errorAt(k.node.Line, k.node.Col, "duplicate key %q in %s (first at line %d)", name, r.b.label(), n.Entries[i].Line)
		} else {
			n.Entries = append(n.Entries, Entry{Key: name, Line: k.node.Line, Col: k.node.Col, Val: val})
			if index != nil {
				index[name] = len(n.Entries) - 1
			}
		}
		if r.eof || r.ind != ind {
			return n
		}
		p = r.start + ind
		if r.isDash(p) {
			r.fail()
		}
	}
}

// maxKey is the longest key the reader takes, in bytes: the YAML parser
// refuses a key whose ':' is more than 1024 characters from its start.
const maxKey = 1000

type key struct {
	node  Node
	after int // just past the ':'
}

// key reads "key:" at p. ok is false when the line at p is not a key; with
// must set, anything but a plain or single-line quoted key gives up.
func (r *blockReader) key(p int, must bool) (key, bool) {
	c := r.at(p)
	if c == '"' || c == '\'' {
		text, end := r.quoted(p)
		q := r.skipSpaces(end)
		if r.at(q) != ':' || !r.blankAt(q+1) {
			if must {
				r.fail()
			}
			return key{}, false
		}
		if q-p > maxKey {
			r.fail()
		}
		return key{node: scalarOf(r.line, r.col(p), text, "!!str", false, true), after: q + 1}, true
	}
	if indicator(c) && !r.plainDash(p) {
		if must {
			r.fail()
		}
		return key{}, false
	}
	for q := p; q < r.end; q++ {
		switch r.data[q] {
		case ':':
			if r.blankAt(q + 1) {
				if q-p > maxKey {
					r.fail()
				}
				end := q
				for end > p && r.data[end-1] == ' ' {
					end--
				}
				text := string(r.data[p:end])
				return key{node: scalarOf(r.line, r.col(p), text, plainTag(text), false, false), after: q + 1}, true
			}
		case '#':
			if r.data[q-1] == ' ' {
				if must {
					r.fail()
				}
				return key{}, false
			}
		}
	}
	if must {
		r.fail()
	}
	return key{}, false
}

// inline reads a value that starts at p and ends on the line: a scalar or
// a flow collection. Nothing but a comment may follow it.
func (r *blockReader) inline(p int) *Node {
	var n *Node
	var end int
	switch c := r.at(p); {
	case c == '[' || c == '{':
		n, end = r.flow(p)
	case c == '"' || c == '\'':
		var text string
		text, end = r.quoted(p)
		n = r.b.put(scalarOf(r.line, r.col(p), text, "!!str", false, true))
	case indicator(c) && !r.plainDash(p):
		r.fail()
	default:
		end = p
		for end < r.end && !(r.data[end] == '#' && r.data[end-1] == ' ') {
			if r.data[end] == ':' && r.blankAt(end+1) {
				r.fail() // "a: b: c" is a mistake the YAML parser reports
			}
			end++
		}
		t := end
		for t > p && r.data[t-1] == ' ' {
			t--
		}
		text := string(r.data[p:t])
		n = r.b.put(scalarOf(r.line, r.col(p), text, plainTag(text), false, false))
	}
	if !r.restIsEmpty(end) {
		r.fail()
	}
	return n
}

// quoted reads a quoted scalar that ends on its line and returns its text
// and the offset past its closing quote. Escapes give up: the YAML parser
// knows them all.
func (r *blockReader) quoted(p int) (string, int) {
	q := r.data[p]
	var buf []byte
	for i := p + 1; i < r.end; i++ {
		switch c := r.data[i]; {
		case c == '\\' && q == '"':
			r.fail()
		case c == q && q == '\'' && r.at(i+1) == '\'':
			if buf == nil {
				buf = append([]byte{}, r.data[p+1:i]...)
			}
			buf = append(buf, '\'')
			i++
		case c == q:
			if buf == nil {
				return string(r.data[p+1 : i]), i + 1
			}
			return string(buf), i + 1
		case buf != nil:
			buf = append(buf, c)
		}
	}
	r.fail()
	return "", 0
}

// plainDash reports whether p starts plain text with a '-' ("-5").
func (r *blockReader) plainDash(p int) bool {
	next := r.at(p + 1)
	return r.at(p) == '-' && next != 0 && next != ' ' && !indicator(next)
}

// indicator reports whether c cannot start a plain scalar this reader
// takes: YAML's indicators, which start everything but plain text.
func indicator(c byte) bool {
	switch c {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', 0:
		return true
	}
	return false
}

// plainTag is the tag the YAML parser gives a plain scalar, asked of it
// only when the text could be something other than a string: most of a
// policy is names, which cannot.
func plainTag(text string) string {
	if text == "" {
		return "!!null"
	}
	switch c := text[0]; {
	case c >= '0' && c <= '9', c == '+', c == '-', c == '.':
		return (&yaml.Node{Kind: yaml.ScalarNode, Value: text}).ShortTag()
	case c == '<' || c == '~' || bytes.IndexByte([]byte("yYnNtTfFoO"), c) >= 0:
		switch text {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "~", "null", "Null", "NULL":
			return "!!null"
		case "<<":
			return "!!merge"
		}
	}
	return "!!str"
}
