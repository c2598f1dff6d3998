package ytree

// flow reads a flow collection that ends on its line.
func (r *blockReader) flow(p int) (*Node, int) {
	r.enter()
	defer func() { r.depth-- }()
	open := r.data[p]
	n := r.b.put(Node{Kind: List, Line: r.line, Col: r.col(p)})
	closer := byte(']')
	if open == '{' {
		n.Kind, closer = Map, '}'
	}
	q := r.skipSpaces(p + 1)
	if r.at(q) == closer {
		return n, q + 1
	}
	var index map[string]int
	for i := 0; ; i++ {
		if n.Kind == List {
			r.b.path = append(r.b.path, step{index: i})
			item, end := r.flowValue(q)
			r.b.path = r.b.path[:len(r.b.path)-1]
			n.Items = append(n.Items, item)
			q = r.skipSpaces(end)
		} else {
			k, end := r.flowScalar(q, true)
			if end-q > maxKey {
				r.fail()
			}
			q = r.skipSpaces(end)
			if r.at(q) != ':' {
				r.fail()
			}
			name, ok := keyName(k)
			if !ok || name == "<<" && !k.Quoted {
				r.fail()
			}
			r.b.path = append(r.b.path, step{key: name, index: -1})
			probs := len(r.b.probs)
			val, end := r.flowValue(r.skipSpaces(q + 1))
			r.b.path = r.b.path[:len(r.b.path)-1]
			if j := lookup(n.Entries, &index, name); j >= 0 {
				r.b.probs = r.b.probs[:probs]
				r.b.errorAt(k.Line, k.Col, "duplicate key %q in %s (first at line %d)", name, r.b.label(), n.Entries[j].Line)
			} else {
				n.Entries = append(n.Entries, Entry{Key: name, Line: k.Line, Col: k.Col, Val: val})
				if index != nil {
					index[name] = len(n.Entries) - 1
				}
			}
			q = r.skipSpaces(end)
		}
		switch r.at(q) {
		case ',':
			q = r.skipSpaces(q + 1)
			if r.at(q) == closer {
				r.fail() // a trailing comma: the YAML parser's reading
			}
		case closer:
			return n, q + 1
		default:
			r.fail()
		}
	}
}

// flowValue reads a value inside a flow collection.
func (r *blockReader) flowValue(p int) (*Node, int) {
	switch r.at(p) {
	case '[', '{':
		return r.flow(p)
	}
	n, end := r.flowScalar(p, false)
	if r.at(r.skipSpaces(end)) == ':' {
		r.fail() // a pair in a list, "[a: b]"
	}
	return n, end
}

// flowScalar reads a scalar inside a flow collection, a key when isKey.
func (r *blockReader) flowScalar(p int, isKey bool) (*Node, int) {
	switch c := r.at(p); {
	case c == '"' || c == '\'':
		text, end := r.quoted(p)
		return r.b.put(scalarOf(r.line, r.col(p), text, "!!str", false, true)), end
	case indicator(c) && !r.plainDash(p) || c == 0:
		r.fail()
	}
	end := p
scan:
	for end < r.end {
		switch c := r.data[end]; c {
		case ',', ']', '}':
			break scan
		case '[', '{', '?':
			r.fail() // the YAML parser ends the text here and reads on
		case ':':
			if r.blankAt(end + 1) {
				break scan
			}
		case '#':
			if r.data[end-1] == ' ' {
				r.fail()
			}
		}
		end++
	}
	t := end
	for t > p && r.data[t-1] == ' ' {
		t--
	}
	if t == p {
		r.fail()
	}
	text := string(r.data[p:t])
	if isKey && r.at(end) != ':' {
		r.fail()
	}
	return r.b.put(scalarOf(r.line, r.col(p), text, plainTag(text), false, false)), end
}
