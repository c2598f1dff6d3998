package ytree

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Options say how to read one kind of file.
type Options struct {
	// Kind names the kind of file in messages: "policy", "config".
	Kind string
	// Root names the whole document in messages: "the policy".
	Root string
	// MaxDepth bounds how many maps and lists may sit inside each other,
	// aliases expanded. Deeper documents are refused before they are parsed.
	MaxDepth int
	// MaxExpansion bounds the nodes that aliases add to the document, so
	// that a few nested aliases cannot stand for billions of values. Nodes
	// written out in the file are not counted: the file's size bounds them.
	MaxExpansion int
}

// bom is the UTF-8 byte order mark some editors put at the start of a file.
var bom = []byte("\uFEFF")

// Parse reads data, YAML or JSON, as one document. The root is nil when the
// text cannot be read at all (a syntax error, nesting past MaxDepth, aliases
// that run away), and the Problems say why; an empty file gives a Null
// root at 1:1. Problems found in a readable document (a duplicate key, a
// key that is not a name, a bad merge) come with a root: the reader adds
// its own and reports them all.
func Parse(file string, data []byte, opts Options) (*Node, Problems) {
	data = bytes.TrimPrefix(data, bom)
	if line, col, deep := tooDeep(data, opts.MaxDepth); deep {
		b := newBuilder(file, opts)
		b.nestedTooDeep(line, col)
		return nil, b.probs
	}
	// The YAML parser is several times slower than a reader that knows
	// less: JSON, or the common part of YAML (see blockReader). Anything
	// those readers do not take exactly as the YAML parser (or, for JSON,
	// encoding/json) would goes to the parser, which reads it or reports
	// what is wrong.
	b := newBuilder(file, opts)
	if looksLikeJSON(data) {
		if root, ok := b.json(data); ok {
			return root, b.probs
		}
	} else if root, ok := b.block(data); ok {
		return root, b.probs
	}
	b = newBuilder(file, opts)
	docs, err := parseYAML(data)
	if err != nil {
		b.syntaxError(data, err)
		return nil, b.probs
	}
	var bodies []*yaml.Node
	for _, d := range docs {
		if len(d.Content) > 0 && !implicitNull(d.Content[0]) {
			bodies = append(bodies, d.Content[0])
		}
	}
	if len(bodies) == 0 {
		return &Node{Kind: Null, Line: 1, Col: 1}, nil
	}
	for _, extra := range bodies[1:] {
		b.errorAt(extra.Line, extra.Column, "a %s file holds one YAML document, but here another one starts: remove the \"---\" line or split the file", opts.Kind)
	}
	root, _, _ := b.node(bodies[0], 0)
	if b.stop {
		return nil, b.probs
	}
	return root, b.probs
}

// parseYAML is the YAML parser, a variable so that a test can prove that
// an over-deep document never reaches it.
var parseYAML = func(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		// The parser is not ours: whatever it does with a hostile file
		// must end as a problem in that file, not as a crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: the YAML parser failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var d yaml.Node
		if err := dec.Decode(&d); err == io.EOF {
			return docs, nil
		} else if err != nil {
			return docs, err
		}
		docs = append(docs, &d)
	}
}

func looksLikeJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// implicitNull reports whether n is a null written as nothing at all.
func implicitNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Tag == "!!null" && n.Style == 0 && n.Anchor == ""
}

type builder struct {
	file  string
	opts  Options
	probs Problems
	// stop is set by a problem after which the rest of the tree would
	// only add noise or cost: nesting too deep, aliases running away.
	stop bool
	// anchors holds the anchored nodes built so far, so that an alias
	// shares its target instead of copying it.
	anchors map[*yaml.Node]*anchored
	// extra counts the nodes aliases stand for.
	extra int
	// path is where the builder is, for the labels of messages.
	path []step
	// slab is where nodes are allocated, many at a time: a large file has
	// millions of them.
	slab []Node
}

// put stores n in the builder's slab and returns its address.
func (b *builder) put(n Node) *Node {
	if len(b.slab) == cap(b.slab) {
		b.slab = make([]Node, 0, min(1024, max(16, 2*cap(b.slab))))
	}
	b.slab = append(b.slab, n)
	return &b.slab[len(b.slab)-1]
}

type anchored struct {
	n            *Node
	size, height int
	building     bool
}

// step is a key of a map, or an index of a list when key is "" and index
// is not negative.
type step struct {
	key   string
	index int
}

func newBuilder(file string, opts Options) *builder {
	return &builder{file: file, opts: opts, anchors: map[*yaml.Node]*anchored{}}
}

func (b *builder) errorAt(line, col int, format string, args ...any) {
	b.probs = append(b.probs, Problem{File: b.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) nestedTooDeep(line, col int) {
	b.errorAt(line, col, "%s nests more than %d levels deep", b.opts.Root, b.opts.MaxDepth)
	b.stop = true
}

// label names the value the builder is at, as the readers name it in their
// own messages: "the policy", `"tenants"`, `item 2 of "roles"`.
func (b *builder) label() string { return labelOf(b.opts.Root, b.path) }

// labelOf names the value at the end of path below a root named root.
func labelOf(root string, path []step) string {
	if len(path) == 0 {
		return root
	}
	last := path[len(path)-1]
	if last.index >= 0 && last.key == "" {
		return fmt.Sprintf("item %d of %s", last.index+1, labelOf(root, path[:len(path)-1]))
	}
	return strconv.Quote(last.key)
}

// node builds the tree for y, which sits inside depth maps and lists. It
// returns the number of nodes y stands for with its aliases expanded
// (capped just above MaxExpansion) and how many maps and lists deep it is.
func (b *builder) node(y *yaml.Node, depth int) (n *Node, size, height int) {
	if b.stop {
		return b.put(Node{Kind: Null, Line: y.Line, Col: y.Column}), 1, 0
	}
	if y.Kind == yaml.AliasNode {
		return b.alias(y, depth)
	}
	var a *anchored
	if y.Anchor != "" {
		a = &anchored{building: true}
		b.anchors[y] = a
	}
	switch y.Kind {
	case yaml.SequenceNode:
		if depth+1 > b.opts.MaxDepth {
			b.nestedTooDeep(y.Line, y.Column)
			break
		}
		n = b.put(Node{Kind: List, Line: y.Line, Col: y.Column})
		if len(y.Content) > 0 {
			n.Items = make([]*Node, 0, len(y.Content))
		}
		size = 1
		for i, c := range y.Content {
			if b.stop {
				break
			}
			b.path = append(b.path, step{index: i})
			item, s, h := b.node(c, depth+1)
			b.path = b.path[:len(b.path)-1]
			n.Items = append(n.Items, item)
			size, height = b.grow(size, s), max(height, h)
		}
		height++
	case yaml.MappingNode:
		if depth+1 > b.opts.MaxDepth {
			b.nestedTooDeep(y.Line, y.Column)
			break
		}
		n, size, height = b.mapping(y, depth)
	case yaml.ScalarNode:
		n, size = b.put(scalar(y)), 1
	}
	if n == nil {
		n, size = b.put(Node{Kind: Null, Line: y.Line, Col: y.Column}), 1
	}
	if a != nil {
		a.n, a.size, a.height, a.building = n, size, height, false
	}
	return n, size, height
}

// grow adds s nodes to size, capped just above MaxExpansion.
func (b *builder) grow(size, s int) int { return min(size+s, b.opts.MaxExpansion+1) }

// alias is a node at the alias that shares the anchored node's value. The
// parser has already refused aliases without an anchor.
func (b *builder) alias(y *yaml.Node, depth int) (*Node, int, int) {
	a := b.anchors[y.Alias]
	if a == nil || a.building || a.size > b.opts.MaxExpansion {
		b.errorAt(y.Line, y.Column, "alias *%s expands without end or to too many values: is it inside its own anchor?", y.Value)
		b.stop = true
		return b.put(Node{Kind: Null, Line: y.Line, Col: y.Column}), 1, 0
	}
	if b.extra += a.size; b.extra > b.opts.MaxExpansion {
		b.errorAt(y.Line, y.Column, "the aliases of this file expand to more than %d values", b.opts.MaxExpansion)
		b.stop = true
	}
	if depth+a.height > b.opts.MaxDepth {
		b.nestedTooDeep(y.Line, y.Column)
	}
	c := *a.n
	c.Line, c.Col = y.Line, y.Column
	return b.put(c), a.size, a.height
}

// mapping builds a map: keys must be names; a key written twice is reported
// and its second value dropped; merge keys (<<: *anchor) add the entries
// of the mappings they name, which yield to the keys written in the map.
func (b *builder) mapping(y *yaml.Node, depth int) (*Node, int, int) {
	n := b.put(Node{Kind: Map, Line: y.Line, Col: y.Column})
	if len(y.Content) > 0 {
		n.Entries = make([]Entry, 0, len(y.Content)/2)
	}
	size, height := 1, 0
	var merged []Entry
	var index map[string]int
	for i := 0; i+1 < len(y.Content) && !b.stop; i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			m, s, h := b.node(v, depth+1)
			size, height = b.grow(size, s), max(height, h)
			merged = append(merged, b.mergeEntries(k, m)...)
			continue
		}
		kn, s, _ := b.node(k, depth+1)
		size = b.grow(size, s)
		name, ok := keyName(kn)
		if !ok {
			b.errorAt(kn.Line, kn.Col, "a key in %s must be a plain name, not %s", b.label(), kn.Describe())
			continue
		}
		if first := lookup(n.Entries, &index, name); first >= 0 {
			b.errorAt(k.Line, k.Column, "duplicate key %q in %s (first at line %d)", name, b.label(), n.Entries[first].Line)
			continue
		}
		b.path = append(b.path, step{key: name, index: -1})
		val, s, h := b.node(v, depth+1)
		b.path = b.path[:len(b.path)-1]
		size, height = b.grow(size, s), max(height, h)
		if implicitNull(v) {
			// A bare "key:" has nothing of its own to point at.
			val.Line, val.Col = k.Line, k.Column
		}
		n.Entries = append(n.Entries, Entry{Key: name, Line: k.Line, Col: k.Column, Val: val})
		if index != nil {
			index[name] = len(n.Entries) - 1
		}
	}
	for _, e := range merged {
		if lookup(n.Entries, &index, e.Key) < 0 {
			n.Entries = append(n.Entries, e)
			if index != nil {
				index[e.Key] = len(n.Entries) - 1
			}
		}
	}
	return n, size, height + 1
}

// lookup finds key among entries: by scanning while the map is small, by an
// index built on the way once it grows, so that neither a small map pays
// for an index nor a large one for scanning.
func lookup(entries []Entry, index *map[string]int, key string) int {
	if *index == nil {
		for i := range entries {
			if entries[i].Key == key {
				return i
			}
		}
		if len(entries) >= 16 {
			*index = make(map[string]int, 2*len(entries))
			for i, e := range entries {
				if _, dup := (*index)[e.Key]; !dup {
					(*index)[e.Key] = i
				}
			}
		}
		return -1
	}
	if i, ok := (*index)[key]; ok {
		return i
	}
	return -1
}

// mergeEntries is what a merge key adds: the entries of a mapping, or of a
// list of them, where an earlier mapping wins, as YAML says.
func (b *builder) mergeEntries(k *yaml.Node, m *Node) []Entry {
	switch m.Kind {
	case Map:
		return m.Entries
	case List:
		var out []Entry
		var index map[string]int
		for _, it := range m.Items {
			if it.Kind != Map {
				b.errorAt(k.Line, k.Column, "<< merges a mapping or a list of mappings, not a list holding %s", it.Describe())
				continue
			}
			for _, e := range it.Entries {
				if lookup(out, &index, e.Key) < 0 {
					out = append(out, e)
					if index != nil {
						index[e.Key] = len(out) - 1
					}
				}
			}
		}
		return out
	}
	b.errorAt(k.Line, k.Column, "<< merges a mapping or a list of mappings, not %s", m.Describe())
	return nil
}

// keyName is the name a scalar key stands for. A number or bool keeps its
// spelling (2024, not 2024.0), as a JSON object key would.
func keyName(k *Node) (string, bool) {
	switch k.Kind {
	case String, Number, Bool:
		return k.Text, true
	}
	return "", false
}

// scalar types a scalar as encoding/json would type the same JSON, by the
// tag YAML gives it: quoted text is a string, "3" unquoted a number.
func scalar(y *yaml.Node) Node {
	explicit := y.Style&yaml.TaggedStyle != 0
	quoted := y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	return scalarOf(y.Line, y.Column, y.Value, y.Tag, explicit, quoted)
}

// scalarOf types a scalar written at line:col as value, with the tag YAML
// gave it, explicit when the file wrote it, quoted when the text was in
// quotes or a block scalar.
func scalarOf(line, col int, value, tag string, explicit, quoted bool) Node {
	n := Node{Line: line, Col: col, Text: value}
	switch tag {
	case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!merge":
	default:
		// A tag of the author's own (!secret): the value is read as if it
		// had none.
		tag = "!!str"
		if !quoted {
			tag = (&yaml.Node{Kind: yaml.ScalarNode, Value: value}).ShortTag()
		}
	}
	if tag == "!!str" && !quoted && !explicit && value != "" && (value[0] == '-' || value[0] >= '0' && value[0] <= '9') && jsonNumber.MatchString(value) {
		// A JSON number YAML would not take as one, too large for a
		// float64 (1e400): JSON has no such value, and neither has a
		// policy.
		tag = "!!float"
	}
	n.Quoted = quoted || (explicit && tag == "!!str")
	switch tag {
	case "!!null":
		n.Kind = Null
	case "!!bool":
		switch value {
		case "true", "True", "TRUE":
			n.Kind, n.Truth = Bool, true
		case "false", "False", "FALSE":
			n.Kind = Bool
		default:
			n.Kind = Unreadable
		}
	case "!!int", "!!float":
		if f, ok := number(value, tag == "!!int"); ok {
			n.Kind, n.Num = Number, f
		} else {
			n.Kind = Unreadable
		}
	default:
		// Timestamps, binary and the rest stay the text they were written
		// as: JSON has no such types.
		n.Kind = String
	}
	return n
}

// number reads a YAML number (1_000, 0x1F, 0o17, 1e3) as a float64. ok is
// false for .inf, .nan and numbers past float64's range, which JSON cannot
// hold.
func number(text string, integer bool) (float64, bool) {
	plain := strings.ReplaceAll(text, "_", "")
	if integer {
		if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return float64(i), true
		}
		if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return float64(u), true
		}
	}
	f, err := strconv.ParseFloat(plain, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// jsonNumber matches the numbers JSON can write.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
