package policy

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// The policy is decoded from goccy/go-yaml's AST by hand rather than with
// yaml.Unmarshal because a policy author wants every mistake at once, each
// with its line and column, and a decoder that stops at the first type error
// cannot give that. Walking the AST also lets numbers become float64
// everywhere, as encoding/json makes them, which the engine relies on.

// pos is a 1-based position in the source; the zero pos means "unknown".
type pos struct{ line, col int }

// sourceMap remembers where each value of a decoded Policy was written, so
// that the cross-reference checks, which run on the Policy itself, can point
// into the file. Paths are the keys and list indexes leading to a value.
type sourceMap struct {
	val map[string]pos // where a value starts
	key map[string]pos // where the key of a mapping entry is
	// bad marks values already reported as malformed, so that the checks do
	// not pile a second, confusing message ("has no role") on the first.
	bad map[string]bool
	// unknown marks mappings that had an unknown key: a "missing key"
	// message there would only repeat the typo.
	unknown map[string]bool
}

func newSourceMap() *sourceMap {
	return &sourceMap{val: map[string]pos{}, key: map[string]pos{}, bad: map[string]bool{}, unknown: map[string]bool{}}
}

// pathKey joins path segments with a byte no key in a sane file contains.
func pathKey(path []string) string { return strings.Join(path, "\x1f") }

// join returns path extended by more segments, never sharing path's array:
// sibling paths built from one parent must not overwrite each other.
func join(path []string, more ...string) []string {
	out := make([]string, 0, len(path)+len(more))
	return append(append(out, path...), more...)
}

type decoder struct {
	file    string
	src     *sourceMap
	probs   Problems
	anchors map[string]ast.Node

	// depth bounds the recursion: YAML can nest as deep as it likes.
	depth  int
	tooBig bool
	// sizes memoizes how many nodes each anchor expands to.
	sizes map[string]int
}

const (
	maxDepth = 200
	// maxExpansion bounds the nodes aliases add to a file, so that a few
	// nested aliases cannot expand to billions of values. Nodes written out
	// in the file are not counted: their number is bounded by its size.
	maxExpansion = 100_000
)

// enter counts a level of nesting and reports whether to go on. The caller
// must defer leave whatever enter answers.
func (d *decoder) enter(n ast.Node) bool {
	d.depth++
	if d.depth <= maxDepth {
		return true
	}
	if !d.tooBig {
		d.tooBig = true
		d.errorAt(posOf(n), "the policy nests more than %d levels deep", maxDepth)
	}
	return false
}

// checkAliases walks the document before it is decoded and reports an alias
// inside its own anchor (which would expand forever) or aliases that expand
// to more than maxExpansion nodes in all.
func (d *decoder) checkAliases(n ast.Node) {
	d.sizes = map[string]int{}
	extra := 0
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if d.tooBig {
			return
		}
		switch v := n.(type) {
		case *ast.AliasNode:
			size := d.expandedSize(v, map[string]bool{})
			if size > maxExpansion {
				d.tooBig = true
				d.errorAt(posOf(v), "alias *%s expands without end or to too many values: is it inside its own anchor?", nodeText(v.Value))
				return
			}
			if extra += size; extra > maxExpansion {
				d.tooBig = true
				d.errorAt(posOf(v), "the aliases of this file expand to more than %d values", maxExpansion)
			}
		case *ast.AnchorNode:
			walk(v.Value)
		case *ast.TagNode:
			walk(v.Value)
		case *ast.MappingNode:
			for _, mv := range v.Values {
				walk(mv.Key)
				walk(mv.Value)
			}
		case *ast.MappingValueNode:
			walk(v.Key)
			walk(v.Value)
		case *ast.SequenceNode:
			for _, item := range v.Values {
				walk(item)
			}
		}
	}
	walk(n)
}

// expandedSize counts the nodes n stands for once its aliases are expanded,
// capped just above maxExpansion; a cycle counts as too many.
func (d *decoder) expandedSize(n ast.Node, visiting map[string]bool) int {
	sum := func(nodes ...ast.Node) int {
		total := 1
		for _, c := range nodes {
			total = min(total+d.expandedSize(c, visiting), maxExpansion+1)
		}
		return total
	}
	switch v := n.(type) {
	case nil:
		return 0
	case *ast.AliasNode:
		name := nodeText(v.Value)
		if size, ok := d.sizes[name]; ok {
			return size
		}
		if visiting[name] {
			return maxExpansion + 1
		}
		visiting[name] = true
		size := d.expandedSize(d.anchors[name], visiting)
		delete(visiting, name)
		d.sizes[name] = size
		return size
	case *ast.AnchorNode:
		return d.expandedSize(v.Value, visiting)
	case *ast.TagNode:
		return d.expandedSize(v.Value, visiting)
	case *ast.MappingNode:
		var nodes []ast.Node
		for _, mv := range v.Values {
			nodes = append(nodes, mv.Key, mv.Value)
		}
		return sum(nodes...)
	case *ast.MappingValueNode:
		return sum(v.Key, v.Value)
	case *ast.SequenceNode:
		return sum(v.Values...)
	}
	return 1
}

func (d *decoder) leave() { d.depth-- }

func (d *decoder) errorAt(p pos, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)})
}

// markBad reports a malformed value at path and remembers not to check it again.
func (d *decoder) markBad(n ast.Node, path []string, format string, args ...any) {
	d.src.bad[pathKey(path)] = true
	d.errorAt(posOf(n), format, args...)
}

// parse reads data into a Policy and its source map. It returns the
// structural problems (syntax, unknown keys, wrong types); the cross-reference
// checks run on the result afterwards. The Policy is nil when the text is
// not YAML at all or its aliases run away; checking a fragment would only
// add noise.
func parse(file string, data []byte) (*Policy, *sourceMap, Problems) {
	d := &decoder{file: file, src: newSourceMap(), anchors: map[string]ast.Node{}}
	// Duplicate keys are allowed by the parser only so that it goes on: the
	// decoder reports each of them itself, naming the line of the first.
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		d.syntaxError(err)
		return nil, d.src, d.probs
	}
	var bodies []ast.Node
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			bodies = append(bodies, doc.Body)
		}
	}
	p := &Policy{}
	if len(bodies) == 0 {
		d.errorAt(pos{1, 1}, "the policy is empty: it needs at least \"version: 1\"")
		d.src.bad[pathKey([]string{"version"})] = true
		return p, d.src, d.probs
	}
	for _, extra := range bodies[1:] {
		d.errorAt(posOf(extra), "a policy file holds one YAML document, but here another one starts: remove the \"---\" line or split the file")
	}
	d.src.val[pathKey(nil)] = posOf(bodies[0])
	d.collectAnchors(bodies[0])
	d.checkAliases(bodies[0])
	if d.tooBig {
		return nil, d.src, d.probs
	}
	d.decode(bodies[0], reflect.ValueOf(p).Elem(), nil, "the policy")
	if d.tooBig {
		// What was decoded is a fragment; checking it would only add noise.
		return nil, d.src, d.probs
	}
	return p, d.src, d.probs
}

// syntaxError turns a YAML syntax error into a Problem at its token.
func (d *decoder) syntaxError(err error) {
	var ye yaml.Error
	if errors.As(err, &ye) {
		at := pos{1, 1}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			at = pos{tk.Position.Line, tk.Position.Column}
		}
		// A tab in the message would print as blank space.
		d.errorAt(at, "YAML syntax error: %s", strings.ReplaceAll(ye.GetMessage(), "\t", `\t`))
		return
	}
	d.errorAt(pos{1, 1}, "YAML syntax error: %v", err)
}

// collectAnchors records every &anchor so that *aliases can be resolved.
// When a file reuses an anchor name, the last one wins for every alias
// (YAML would take the nearest one before each alias); such files are rare
// enough not to need a position-aware lookup.
func (d *decoder) collectAnchors(n ast.Node) {
	switch n := n.(type) {
	case *ast.AnchorNode:
		if name := nodeText(n.Name); name != "" {
			d.anchors[name] = n.Value
		}
		d.collectAnchors(n.Value)
	case *ast.MappingNode:
		for _, mv := range n.Values {
			d.collectAnchors(mv.Key)
			d.collectAnchors(mv.Value)
		}
	case *ast.MappingValueNode:
		d.collectAnchors(n.Key)
		d.collectAnchors(n.Value)
	case *ast.SequenceNode:
		for _, v := range n.Values {
			d.collectAnchors(v)
		}
	case *ast.TagNode:
		d.collectAnchors(n.Value)
	}
}

// resolve looks through anchors and aliases to the value node, and returns
// the explicit tag ("!!str") if the value carried one.
func (d *decoder) resolve(n ast.Node) (ast.Node, string) {
	tag := ""
	for depth := 0; n != nil && depth < 100; depth++ {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			target, ok := d.anchors[nodeText(v.Value)]
			if !ok {
				return nil, tag
			}
			n = target
		case *ast.TagNode:
			if tag == "" && v.Start != nil {
				tag = v.Start.Value
			}
			n = v.Value
		case *ast.MappingNode:
			if s, ok := glued(v); ok {
				return s, tag
			}
			return n, tag
		default:
			return n, tag
		}
	}
	return n, tag
}

// glued recognizes a goccy/go-yaml quirk: inside a flow list inside a flow
// mapping, {permissions: [document:read]}, it reads document:read as the
// mapping {document: read}. YAML says a ':' not followed by a space does not
// separate a key from its value, so such a one-entry mapping whose key, colon
// and value touch is turned back into the string it was written as.
func glued(m *ast.MappingNode) (*ast.StringNode, bool) {
	if m.IsFlowStyle || len(m.Values) != 1 {
		return nil, false
	}
	mv := m.Values[0]
	k, ok := mv.Key.(*ast.StringNode)
	if !ok || k.Token == nil || k.Token.Type != token.StringType || mv.Start == nil || mv.Value == nil {
		return nil, false
	}
	vt := mv.Value.GetToken()
	switch mv.Value.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
	default:
		return nil, false
	}
	kp, cp := k.Token.Position, mv.Start.Position
	if vt == nil || vt.Type == token.SingleQuoteType || vt.Type == token.DoubleQuoteType ||
		kp.Line != cp.Line || vt.Position.Line != cp.Line ||
		cp.Column != kp.Column+utf8.RuneCountInString(k.Value) || vt.Position.Column != cp.Column+1 {
		return nil, false
	}
	text := k.Value + ":" + vt.Value
	at := *kp
	return ast.String(token.String(text, text, &at)), true
}

// nodeText is the text of a scalar node as written.
func nodeText(n ast.Node) string {
	switch v := n.(type) {
	case nil:
		return ""
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value
		}
		return ""
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// posOf is where a node starts. A block mapping's own token is the colon
// after its first key, so its position is that key's.
func posOf(n ast.Node) pos {
	switch v := n.(type) {
	case nil:
		return pos{}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return posOf(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return posOf(v.Key)
	case *ast.DocumentNode:
		return posOf(v.Body)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return pos{}
	}
	return pos{tk.Position.Line, tk.Position.Column}
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return n == nil || ok
}

// kind names what a node holds, for "must be X, not Y" messages.
func (d *decoder) kind(n ast.Node) string {
	n, tag := d.resolve(n)
	v, ok := d.scalar(n, tag)
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	if !ok {
		return "an unreadable value"
	}
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a bool"
	default:
		return "a number"
	}
}

// jsonNumber matches the numbers JSON can write. goccy/go-yaml leaves some of
// them ("1e3") as plain strings, which would make the same file mean
// different things as JSON and as YAML.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// scalar converts a scalar node to the value encoding/json would give:
// string, float64, bool or nil. ok is false for a node that is not a scalar
// or a number JSON cannot hold (.inf, .nan).
func (d *decoder) scalar(n ast.Node, tag string) (v any, ok bool) {
	switch tag {
	case "!!str":
		switch n.(type) {
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
			return nil, false
		}
		if n == nil {
			return "", true
		}
		return nodeText(n), true
	case "!!float", "!!int":
		f, err := strconv.ParseFloat(nodeText(n), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, false
		}
		return f, true
	}
	switch s := n.(type) {
	case nil, *ast.NullNode:
		return nil, true
	case *ast.BoolNode:
		return s.Value, true
	case *ast.IntegerNode:
		switch i := s.Value.(type) {
		case int64:
			return float64(i), true
		case uint64:
			return float64(i), true
		}
		f, err := strconv.ParseFloat(nodeText(n), 64)
		return f, err == nil
	case *ast.FloatNode:
		return s.Value, true
	case *ast.StringNode:
		if s.Token != nil && s.Token.Type == token.StringType && jsonNumber.MatchString(s.Value) {
			if f, err := strconv.ParseFloat(s.Value, 64); err == nil {
				return f, true
			}
		}
		return s.Value, true
	case *ast.LiteralNode:
		return nodeText(n), true
	}
	return nil, false
}

// entry is one key: value pair of a mapping.
type entry struct {
	key     string
	keyNode ast.Node
	val     ast.Node
}

// mapping returns the entries of a mapping node, reporting duplicate keys,
// keys that are not scalars, and, when allowed is not nil, keys not in it.
// Merge keys (<<: *anchor) are expanded; explicit keys win over merged ones.
// A null node is an empty mapping, as "null means {}" in Permit's API.
func (d *decoder) mapping(n ast.Node, path []string, label string, allowed []string) ([]entry, bool) {
	orig := n
	n, _ = d.resolve(n)
	if isNull(n) {
		return nil, true
	}
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		d.markBad(orig, path, "%s must be a mapping, not %s", label, d.kind(orig))
		return nil, false
	}
	var out, merged []entry
	seen := map[string]pos{}
	for _, mv := range values {
		if mv.Key != nil && mv.Key.IsMergeKey() {
			merged = append(merged, d.mergeEntries(mv.Value, path, label)...)
			continue
		}
		k, kt := d.resolve(mv.Key)
		key, ok := d.scalar(k, kt)
		if !ok || key == nil {
			d.errorAt(posOf(mv.Key), "a key in %s must be a plain name, not %s", label, d.kind(mv.Key))
			continue
		}
		name := keyString(key, k)
		if first, dup := seen[name]; dup {
			d.errorAt(posOf(mv.Key), "duplicate key %q in %s (first at line %d)", name, label, first.line)
			continue
		}
		seen[name] = posOf(mv.Key)
		if allowed != nil && !contains(allowed, name) {
			d.src.unknown[pathKey(path)] = true
			hint := didYouMean(name, allowed)
			if hint == "" {
				hint = "; expected one of " + strings.Join(allowed, ", ")
			}
			d.errorAt(posOf(mv.Key), "unknown key %q in %s%s", name, label, hint)
			continue
		}
		out = append(out, entry{key: name, keyNode: mv.Key, val: mv.Value})
	}
	for _, e := range merged {
		if _, explicit := seen[e.key]; !explicit {
			seen[e.key] = posOf(e.keyNode)
			out = append(out, e)
		}
	}
	for _, e := range out {
		kp := pathKey(join(path, e.key))
		d.src.key[kp] = posOf(e.keyNode)
		if isNull(e.val) {
			// A bare "key:" has its null at the end of the line; the key is
			// the better place to point at.
			d.src.val[kp] = posOf(e.keyNode)
		} else {
			d.src.val[kp] = posOf(e.val)
		}
	}
	return out, true
}

// keyString writes a scalar key as the name it stands for. A number key
// keeps its spelling (2024, not 2024.0), as a JSON object key would.
func keyString(v any, n ast.Node) string {
	if s, ok := v.(string); ok {
		return s
	}
	return nodeText(n)
}

// mergeEntries expands the value of a merge key: an alias of a mapping, or a
// list of them (earlier ones win, as YAML says).
func (d *decoder) mergeEntries(n ast.Node, path []string, label string) []entry {
	r, _ := d.resolve(n)
	if seq, ok := r.(*ast.SequenceNode); ok {
		var out []entry
		seen := map[string]bool{}
		for _, item := range seq.Values {
			for _, e := range d.mergeEntries(item, path, label) {
				if !seen[e.key] {
					seen[e.key] = true
					out = append(out, e)
				}
			}
		}
		return out
	}
	entries, _ := d.mapping(n, path, label, nil)
	return entries
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var conditionType = reflect.TypeFor[Condition]()

// fieldKeys lists the keys a struct accepts: its JSON names, in field order.
// Deriving them from the tags keeps decoding, encoding/json and the JSON
// Schema (whose test compares against this) in step.
func fieldKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

func fieldIndex(t reflect.Type, key string) int {
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == key {
			return i
		}
	}
	return -1
}

// decode fills v from node n. label names the value in messages ("the
// policy", `"actions"`, `item 2 of "roles"`).
func (d *decoder) decode(n ast.Node, v reflect.Value, path []string, label string) {
	ok := d.enter(n)
	defer d.leave()
	if !ok {
		return
	}
	r, tag := d.resolve(n)
	if isNull(r) && tag == "" {
		// null is "not given": the zero value. Map entries are allocated by
		// the map case so that a bare "default:" tenant still exists.
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type().Elem() == conditionType {
			// A condition that could not be read stays nil rather than
			// becoming an empty node that would be reported a second time.
			if c := d.condition(n, path, label); c != nil {
				v.Set(reflect.ValueOf(c))
			}
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path, label)
	case reflect.Struct:
		if v.Type() == conditionType {
			if c := d.condition(n, path, label); c != nil {
				v.Set(reflect.ValueOf(*c))
			}
			return
		}
		d.decodeStruct(n, v, path, label)
	case reflect.String:
		s, ok := d.scalar(r, tag)
		str, isStr := s.(string)
		if !ok || !isStr {
			hint := ""
			if _, isScalar := r.(ast.ScalarNode); isScalar && ok {
				hint = fmt.Sprintf(" (quote it: \"%s\")", nodeText(r))
			}
			d.markBad(n, path, "%s must be a string, not %s%s", label, d.kind(n), hint)
			return
		}
		v.SetString(str)
	case reflect.Int:
		f, _ := d.scalar(r, tag)
		num, isNum := f.(float64)
		if !isNum || num != math.Trunc(num) || math.Abs(num) > 1<<31 {
			d.markBad(n, path, "%s must be a whole number, not %s", label, d.kind(n))
			return
		}
		v.SetInt(int64(num))
	case reflect.Bool:
		b, ok := d.scalar(r, tag)
		bv, isBool := b.(bool)
		if !ok || !isBool {
			d.markBad(n, path, "%s must be true or false, not %s", label, d.kind(n))
			return
		}
		v.SetBool(bv)
	case reflect.Slice:
		seq, ok := r.(*ast.SequenceNode)
		if !ok {
			d.markBad(n, path, "%s must be a list, not %s", label, d.kind(n))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			ip := join(path, strconv.Itoa(i))
			d.src.val[pathKey(ip)] = posOf(item)
			d.decode(item, out.Index(i), ip, fmt.Sprintf("item %d of %s", i+1, label))
		}
		v.Set(out)
	case reflect.Map:
		entries, ok := d.mapping(n, path, label, nil)
		if !ok {
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), len(entries))
		for _, e := range entries {
			ev := reflect.New(v.Type().Elem()).Elem()
			if ev.Kind() == reflect.Pointer {
				ev.Set(reflect.New(ev.Type().Elem()))
			}
			d.decode(e.val, ev, join(path, e.key), strconv.Quote(e.key))
			out.SetMapIndex(reflect.ValueOf(e.key), ev)
		}
		v.Set(out)
	case reflect.Interface:
		if val, ok := d.value(n, path, label); ok && val != nil {
			v.Set(reflect.ValueOf(val))
		}
	default:
		panic("policy: cannot decode into " + v.Type().String())
	}
}

// decodeStruct fills a struct from a mapping whose keys must be its JSON names.
func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path []string, label string) {
	t := v.Type()
	entries, _ := d.mapping(n, path, label, fieldKeys(t))
	for _, e := range entries {
		f := v.Field(fieldIndex(t, e.key))
		d.decode(e.val, f, join(path, e.key), strconv.Quote(e.key))
		// Empty lists and maps are stored as nil so that a policy read from
		// a file equals the same policy after a trip through encoding/json,
		// whose omitempty drops them.
		if (f.Kind() == reflect.Slice || f.Kind() == reflect.Map) && f.Len() == 0 {
			f.Set(reflect.Zero(f.Type()))
		}
	}
}

// value converts any node to the value encoding/json would produce for the
// same JSON: map[string]any, []any, string, float64, bool or nil.
func (d *decoder) value(n ast.Node, path []string, label string) (any, bool) {
	ok := d.enter(n)
	defer d.leave()
	if !ok {
		return nil, false
	}
	r, tag := d.resolve(n)
	if n != nil && r == nil && !isNull(n) {
		d.markBad(n, path, "%s uses an alias whose anchor is not defined", label)
		return nil, false
	}
	switch m := r.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		entries, ok := d.mapping(n, path, label, nil)
		if !ok {
			return nil, false
		}
		out := make(map[string]any, len(entries))
		for _, e := range entries {
			if v, ok := d.value(e.val, join(path, e.key), strconv.Quote(e.key)); ok {
				out[e.key] = v
			}
		}
		return out, true
	case *ast.SequenceNode:
		out := make([]any, 0, len(m.Values))
		for i, item := range m.Values {
			ip := join(path, strconv.Itoa(i))
			d.src.val[pathKey(ip)] = posOf(item)
			if v, ok := d.value(item, ip, fmt.Sprintf("item %d of %s", i+1, label)); ok {
				out = append(out, v)
			}
		}
		return out, true
	}
	v, ok := d.scalar(r, tag)
	if !ok {
		d.markBad(n, path, "%s must be a JSON value (string, number, bool, list, mapping or null), not %s", label, nodeText(r))
		return nil, false
	}
	return v, true
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
