// Package ytree reads a small YAML file (pdpx's config, a scenario file)
// into a tree of values that remember their line and column, so that the
// code reading it can report every mistake at once, each where it was
// written, in the "file:line:col: message" form of pdp/policy.
//
// It is deliberately smaller than pdp/policy's decoder: these files are
// short and hand-written, so aliases are resolved by name without the
// expansion accounting a generated policy needs; a depth bound keeps a
// self-referencing alias from looping.
package ytree

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Problem is one mistake in a file at a 1-based line and column (0 when
// the position is unknown).
type Problem struct {
	File      string
	Line, Col int
	Msg       string
}

// String is "file:line:col: message", as compilers print it.
func (p Problem) String() string {
	if p.Line == 0 {
		return p.File + ": " + p.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg)
}

// Problems is every mistake found in a file, sorted by position.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Err sorts the problems and returns them as an error, or nil when there
// are none (a nil Problems in an error interface would not be nil).
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return ps
}

// Kind is what a node holds.
type Kind int

// The kinds of node.
const (
	Null Kind = iota
	Scalar
	Map
	List
)

// Node is a value with its position. A scalar's Value is what encoding/json
// would give for the same JSON (string, float64, bool); a map keeps its
// entries in file order; a list its items.
type Node struct {
	Kind      Kind
	Line, Col int
	Value     any
	Entries   []Entry
	Items     []*Node
	// Quoted is set for a scalar written in quotes: "3" is a string the
	// author meant as a string.
	Quoted bool
}

// Entry is one key: value pair of a map, with the key's position.
type Entry struct {
	Key       string
	Line, Col int
	Val       *Node
}

// Describe names what a node holds, for "must be X, not Y" messages.
func (n *Node) Describe() string {
	if n == nil {
		return "null"
	}
	switch n.Kind {
	case Map:
		return "a mapping"
	case List:
		return "a list"
	case Null:
		return "null"
	}
	switch n.Value.(type) {
	case string:
		return "a string"
	case bool:
		return "a bool"
	case float64:
		return "a number"
	}
	return "a value"
}

// String returns a scalar string and whether the node is one.
func (n *Node) String() (string, bool) {
	if n == nil || n.Kind != Scalar {
		return "", false
	}
	s, ok := n.Value.(string)
	return s, ok
}

// Text returns a scalar written as text whatever YAML typed it as, so that
// a user key 12345 or a tenant "true" still reads as the name it is. ok is
// false for maps, lists and null.
func (n *Node) Text() (string, bool) {
	if n == nil || n.Kind != Scalar {
		return "", false
	}
	switch v := n.Value.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// JSON converts the node to the value encoding/json would produce for the
// same JSON: map[string]any, []any, string, float64, bool or nil.
func (n *Node) JSON() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case Map:
		m := make(map[string]any, len(n.Entries))
		for _, e := range n.Entries {
			m[e.Key] = e.Val.JSON()
		}
		return m
	case List:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = it.JSON()
		}
		return l
	case Null:
		return nil
	}
	return n.Value
}

// Get returns the value of key in a map node, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil {
		return nil
	}
	for _, e := range n.Entries {
		if e.Key == key {
			return e.Val
		}
	}
	return nil
}

const maxDepth = 100

type reader struct {
	file    string
	probs   Problems
	anchors map[string]ast.Node
}

func (r *reader) errorAt(line, col int, format string, args ...any) {
	r.probs = append(r.probs, Problem{File: r.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// Parse reads data as one YAML document. The root is nil (and Problems
// say why) when the text is not YAML; an empty file gives a Null root.
// Duplicate keys are reported with the line of the first one.
func Parse(file string, data []byte) (*Node, Problems) {
	r := &reader{file: file, anchors: map[string]ast.Node{}}
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			line, col := 1, 1
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				line, col = tk.Position.Line, tk.Position.Column
			}
			r.errorAt(line, col, "YAML syntax error: %s", strings.ReplaceAll(ye.GetMessage(), "\t", `\t`))
		} else {
			r.errorAt(1, 1, "YAML syntax error: %v", err)
		}
		return nil, r.probs
	}
	var bodies []ast.Node
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			bodies = append(bodies, doc.Body)
		}
	}
	if len(bodies) == 0 {
		return &Node{Kind: Null, Line: 1, Col: 1}, nil
	}
	for _, extra := range bodies[1:] {
		l, c := posOf(extra)
		r.errorAt(l, c, "the file holds one YAML document, but here another one starts: remove the \"---\" line")
	}
	r.collect(bodies[0], 0)
	return r.node(bodies[0], 0), r.probs
}

func (r *reader) collect(n ast.Node, depth int) {
	if depth > maxDepth {
		return
	}
	switch v := n.(type) {
	case *ast.AnchorNode:
		if v.Name != nil {
			r.anchors[v.Name.GetToken().Value] = v.Value
		}
		r.collect(v.Value, depth+1)
	case *ast.TagNode:
		r.collect(v.Value, depth+1)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			r.collect(mv.Value, depth+1)
		}
	case *ast.MappingValueNode:
		r.collect(v.Value, depth+1)
	case *ast.SequenceNode:
		for _, it := range v.Values {
			r.collect(it, depth+1)
		}
	}
}

// posOf is where a node starts; a block mapping's own token is the colon
// after its first key, so its position is that key's.
func posOf(n ast.Node) (int, int) {
	switch v := n.(type) {
	case nil:
		return 0, 0
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return posOf(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return posOf(v.Key)
	case *ast.AnchorNode:
		return posOf(v.Value)
	case *ast.TagNode:
		return posOf(v.Value)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

func (r *reader) node(n ast.Node, depth int) *Node {
	line, col := posOf(n)
	if depth > maxDepth {
		r.errorAt(line, col, "the file nests more than %d levels deep (an alias inside its own anchor?)", maxDepth)
		return &Node{Kind: Null, Line: line, Col: col}
	}
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return &Node{Kind: Null, Line: line, Col: col}
	case *ast.AnchorNode:
		return r.node(v.Value, depth+1)
	case *ast.TagNode:
		out := r.node(v.Value, depth+1)
		if v.Start != nil && v.Start.Value == "!!str" && out.Kind == Scalar {
			out.Value, _ = out.Text()
			out.Quoted = true
		}
		return out
	case *ast.AliasNode:
		name := ""
		if v.Value != nil {
			name = v.Value.GetToken().Value
		}
		target, ok := r.anchors[name]
		if !ok {
			r.errorAt(line, col, "alias *%s has no anchor &%s", name, name)
			return &Node{Kind: Null, Line: line, Col: col}
		}
		out := *r.node(target, depth+1)
		out.Line, out.Col = line, col
		return &out
	case *ast.MappingNode:
		return r.mapping(v.Values, line, col, depth)
	case *ast.MappingValueNode:
		return r.mapping([]*ast.MappingValueNode{v}, line, col, depth)
	case *ast.SequenceNode:
		out := &Node{Kind: List, Line: line, Col: col}
		for _, it := range v.Values {
			out.Items = append(out.Items, r.node(it, depth+1))
		}
		return out
	case *ast.BoolNode:
		return &Node{Kind: Scalar, Line: line, Col: col, Value: v.Value}
	case *ast.IntegerNode:
		f, err := strconv.ParseFloat(strings.ReplaceAll(v.GetToken().Value, "_", ""), 64)
		if err != nil {
			switch i := v.Value.(type) {
			case int64:
				f = float64(i)
			case uint64:
				f = float64(i)
			}
		}
		return &Node{Kind: Scalar, Line: line, Col: col, Value: f}
	case *ast.FloatNode:
		if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
			r.errorAt(line, col, "%s is not a number JSON can hold", v.GetToken().Value)
			return &Node{Kind: Null, Line: line, Col: col}
		}
		return &Node{Kind: Scalar, Line: line, Col: col, Value: v.Value}
	case *ast.StringNode:
		quoted := v.Token != nil && (v.Token.Type == token.SingleQuoteType || v.Token.Type == token.DoubleQuoteType)
		return &Node{Kind: Scalar, Line: line, Col: col, Value: v.Value, Quoted: quoted}
	case *ast.LiteralNode:
		s := ""
		if v.Value != nil {
			s = v.Value.Value
		}
		return &Node{Kind: Scalar, Line: line, Col: col, Value: s, Quoted: true}
	}
	tk := n.GetToken()
	text := ""
	if tk != nil {
		text = tk.Value
	}
	r.errorAt(line, col, "%q is not a value this file can hold", text)
	return &Node{Kind: Null, Line: line, Col: col}
}

func (r *reader) mapping(values []*ast.MappingValueNode, line, col, depth int) *Node {
	out := &Node{Kind: Map, Line: line, Col: col}
	seen := map[string]int{}
	// Merged entries (<<: *anchor) yield to keys written in the mapping,
	// as YAML says, so they are added after those.
	var merged []Entry
	for _, mv := range values {
		kl, kc := posOf(mv.Key)
		if mv.Key != nil && mv.Key.IsMergeKey() {
			m := r.node(mv.Value, depth+1)
			if m.Kind != Map {
				r.errorAt(kl, kc, "<< merges a mapping, not %s", m.Describe())
			}
			merged = append(merged, m.Entries...)
			continue
		}
		k := r.node(mv.Key, depth+1)
		name, ok := k.Text()
		if !ok {
			r.errorAt(kl, kc, "a key must be a plain name, not %s", k.Describe())
			continue
		}
		if first, dup := seen[name]; dup {
			r.errorAt(kl, kc, "duplicate key %q (first at line %d)", name, first)
			continue
		}
		seen[name] = kl
		val := r.node(mv.Value, depth+1)
		if val.Kind == Null && val.Line == 0 {
			// A bare "key:" has no token of its own; point at the key.
			val.Line, val.Col = kl, kc
		}
		out.Entries = append(out.Entries, Entry{Key: name, Line: kl, Col: kc, Val: val})
	}
	for _, e := range merged {
		if _, explicit := seen[e.Key]; !explicit {
			seen[e.Key] = e.Line
			out.Entries = append(out.Entries, e)
		}
	}
	return out
}

// Reader collects problems while a caller walks a tree, so that a file's
// every mistake is reported in one go.
type Reader struct {
	File  string
	Probs Problems
}

// Errorf records a problem at n (or at the file's start when n is nil).
func (r *Reader) Errorf(n *Node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Col
	}
	r.Probs = append(r.Probs, Problem{File: r.File, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// ErrorAt records a problem at an entry's key.
func (r *Reader) ErrorAt(e Entry, format string, args ...any) {
	r.Probs = append(r.Probs, Problem{File: r.File, Line: e.Line, Col: e.Col, Msg: fmt.Sprintf(format, args...)})
}

// Entries returns a map node's entries, reporting a node that is not a
// mapping (null is an empty one) and keys not in allowed, with a "did you
// mean" from suggest when it has one. label names the mapping in messages.
func (r *Reader) Entries(n *Node, label string, allowed []string, suggest func(string, []string) string) ([]Entry, bool) {
	if n == nil || n.Kind == Null {
		return nil, true
	}
	if n.Kind != Map {
		r.Errorf(n, "%s must be a mapping, not %s", label, n.Describe())
		return nil, false
	}
	var out []Entry
	for _, e := range n.Entries {
		if allowed != nil && !contains(allowed, e.Key) {
			hint := ""
			if suggest != nil {
				if s := suggest(e.Key, allowed); s != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", s)
				}
			}
			if hint == "" {
				hint = "; expected one of " + strings.Join(allowed, ", ")
			}
			r.ErrorAt(e, "unknown key %q in %s%s", e.Key, label, hint)
			continue
		}
		out = append(out, e)
	}
	return out, true
}

// String reads a scalar as text (see Node.Text), reporting anything else.
func (r *Reader) String(n *Node, label string) (string, bool) {
	s, ok := n.Text()
	if !ok {
		r.Errorf(n, "%s must be a string, not %s", label, n.Describe())
	}
	return s, ok
}

// Object reads a mapping as a JSON object (nil for null or an empty one).
func (r *Reader) Object(n *Node, label string) (map[string]any, bool) {
	if n == nil || n.Kind == Null {
		return nil, true
	}
	if n.Kind != Map {
		r.Errorf(n, "%s must be a mapping of names to values, not %s", label, n.Describe())
		return nil, false
	}
	m, _ := n.JSON().(map[string]any)
	if len(m) == 0 {
		return nil, true
	}
	return m, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
