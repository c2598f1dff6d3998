package ytree

import (
	"bytes"
	"unicode/utf8"
)

// tooDeep reports where data first nests more than max maps and lists
// inside each other, from the text alone, before any parser reads it: YAML
// libraries spend time and memory that grow with the square of the depth
// (goccy/go-yaml took 2 s and 660 MB for a 40 KB file), and a file nested
// a few hundred deep is a mistake or an attack, never a policy.
//
// The scan is a lower bound of the depth a parser would find. It follows
// flow collections ([ and {) outside quotes and comments, and block
// collections by their indentation: a line that starts a sequence entry
// ("- "), an explicit key ("? ") or a "key:" opens a level at its column,
// and a line indented less closes the levels deeper than it. It skips
// quoted scalars (also across lines), block scalars (| and >) and plain
// text, so nothing written inside a value counts. What it does not
// recognise it does not count: a document it passes is still held to
// max by the tree builder, with aliases expanded.
func tooDeep(data []byte, max int) (line, col int, deep bool) {
	s := depthScan{max: max, blockParent: noBlockScalar}
	for len(data) > 0 && !s.deep {
		s.line++
		l := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		s.text = bytes.TrimSuffix(l, []byte("\r"))
		s.scanLine()
	}
	if !s.deep {
		return 0, 0, false
	}
	return s.line, utf8.RuneCount(s.text[:s.at]) + 1, true
}

const noBlockScalar = -2

type depthScan struct {
	max  int
	line int
	text []byte
	// stack holds the columns of the open block collections.
	stack []int
	// flow counts the open flow collections.
	flow int
	// quote is the quote of a quoted scalar that goes on to the next line.
	quote byte
	// blockParent is the column of the collection holding a block scalar
	// that is being skipped (-1: the document itself), or noBlockScalar.
	blockParent int
	deep        bool
	at          int // where the limit was passed, a byte offset in text
}

func (s *depthScan) scanLine() {
	l := s.text
	i := 0
	if s.quote != 0 {
		if i = s.skipQuoted(0, s.quote); i < 0 {
			return
		}
		if s.flow > 0 {
			s.scanFlow(i, false)
		}
		return
	}
	if s.blockParent != noBlockScalar {
		ind := spaces(l, 0)
		if ind == len(l) || ind > s.blockParent {
			return
		}
		s.blockParent = noBlockScalar
	}
	if s.flow > 0 {
		s.scanFlow(0, false)
		return
	}
	c := spaces(l, 0)
	if c == len(l) || l[c] == '#' || l[c] == '\t' {
		return
	}
	if c == 0 && len(l) >= 3 && (bytes.HasPrefix(l, []byte("---")) || bytes.HasPrefix(l, []byte("..."))) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t') {
		s.stack = s.stack[:0]
		if l[0] == '-' {
			s.value(3)
		}
		return
	}
	if c == 0 && l[0] == '%' {
		return // a directive
	}
	for len(s.stack) > 0 && s.stack[len(s.stack)-1] > c {
		s.stack = s.stack[:len(s.stack)-1]
	}
	s.node(c)
}

// node reads the start of a node at p, at the start of a line or after a
// "- " or "? " on it.
func (s *depthScan) node(p int) {
	l := s.text
	p = spaces(l, p)
	if p >= len(l) || l[p] == '#' {
		return
	}
	switch ch := l[p]; ch {
	case '-', '?', ':':
		if p+1 == len(l) || l[p+1] == ' ' || l[p+1] == '\t' {
			if ch != ':' {
				s.push(p)
			}
			if !s.deep {
				s.node(p + 1)
			}
			return
		}
	case '[', '{':
		s.openFlow(p)
		return
	case '|', '>':
		s.blockParent = s.top()
		return
	case '&', '!', '*':
		// An anchor, a tag or an alias: the node goes on after it.
		q := p
		for q < len(l) && l[q] != ' ' && l[q] != '\t' {
			q++
		}
		if ch == '*' {
			s.afterScalar(p, q)
			return
		}
		s.node(q)
		return
	case '"', '\'':
		if q := s.skipQuoted(p+1, ch); q >= 0 {
			s.afterScalar(p, q)
		}
		return
	}
	// Plain text: a key when a ": " follows it on the line.
	for q := p; q < len(l); q++ {
		switch l[q] {
		case ':':
			if q+1 == len(l) || l[q+1] == ' ' || l[q+1] == '\t' {
				s.push(p)
				s.value(q + 1)
				return
			}
		case '#':
			if l[q-1] == ' ' || l[q-1] == '\t' {
				return
			}
		}
	}
}

// afterScalar looks past a quoted scalar or alias that started at start and
// ends at q: a ':' makes it the first key of a mapping.
func (s *depthScan) afterScalar(start, q int) {
	l := s.text
	q = spaces(l, q)
	if q < len(l) && l[q] == ':' && (q+1 == len(l) || l[q+1] == ' ' || l[q+1] == '\t') {
		s.push(start)
		s.value(q + 1)
	}
}

// value reads what follows a key's ':' on the same line. Only a flow
// collection, a block scalar or a quoted scalar going on to the next line
// matter; plain text is the value itself.
func (s *depthScan) value(p int) {
	l := s.text
	for {
		p = spaces(l, p)
		if p >= len(l) {
			return
		}
		switch ch := l[p]; ch {
		case '[', '{':
			s.openFlow(p)
			return
		case '|', '>':
			s.blockParent = s.top()
			return
		case '&', '!':
			for p < len(l) && l[p] != ' ' && l[p] != '\t' {
				p++
			}
			continue
		case '"', '\'':
			s.skipQuoted(p+1, ch)
			return
		}
		return
	}
}

func (s *depthScan) openFlow(p int) {
	s.flow++
	if s.depth() > s.max {
		s.deep, s.at = true, p
		return
	}
	s.scanFlow(p+1, true)
}

// scanFlow reads flow collections from p to the end of the line or until
// the outermost closes. start says whether p is where a node may start.
func (s *depthScan) scanFlow(p int, start bool) {
	l := s.text
	for q := p; q < len(l); q++ {
		switch ch := l[q]; ch {
		case '[', '{':
			s.flow++
			if s.depth() > s.max {
				s.deep, s.at = true, q
				return
			}
			start = true
		case ']', '}':
			if s.flow > 0 {
				s.flow--
			}
			if s.flow == 0 {
				return
			}
			start = false
		case ',', ':', '?':
			start = true
		case ' ', '\t':
		case '#':
			if q == 0 || l[q-1] == ' ' || l[q-1] == '\t' {
				return
			}
			start = false
		case '"', '\'':
			if !start {
				continue // an apostrophe inside plain text
			}
			r := s.skipQuoted(q+1, ch)
			if r < 0 {
				return
			}
			q, start = r-1, false
		case '&', '!':
			if !start {
				continue
			}
			for q+1 < len(l) && bytes.IndexByte([]byte(" \t,[]{}"), l[q+1]) < 0 {
				q++
			}
		default:
			start = false
		}
	}
}

// skipQuoted returns the offset just past the quote that closes a scalar
// whose text starts at p, or -1 when it goes on to the next line (then
// the scan resumes inside it there).
func (s *depthScan) skipQuoted(p int, quote byte) int {
	l := s.text
	for q := p; q < len(l); q++ {
		switch l[q] {
		case '\\':
			if quote == '"' {
				q++
			}
		case quote:
			if quote == '\'' && q+1 < len(l) && l[q+1] == '\'' {
				q++ // '' is a quote inside a single-quoted scalar
				continue
			}
			s.quote = 0
			return q + 1
		}
	}
	s.quote = quote
	return -1
}

func (s *depthScan) push(col int) {
	if n := len(s.stack); n > 0 && s.stack[n-1] >= col {
		return // another entry of the open collection
	}
	s.stack = append(s.stack, col)
	if s.depth() > s.max {
		s.deep, s.at = true, col
	}
}

func (s *depthScan) depth() int { return len(s.stack) + s.flow }

func (s *depthScan) top() int {
	if len(s.stack) == 0 {
		return -1
	}
	return s.stack[len(s.stack)-1]
}

// spaces returns the offset of the first byte at or after p that is not a
// space.
func spaces(l []byte, p int) int {
	for p < len(l) && l[p] == ' ' {
		p++
	}
	return p
}
