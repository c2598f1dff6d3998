package policy

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/pdpx/pdpx/pdp/ytree"
)

// The policy is decoded from ytree's positioned tree by hand rather than
// with a decoder that stops at the first type error, because a policy
// author wants every mistake at once, each with its line and column.
// Walking the tree also makes numbers float64 everywhere, as encoding/json
// makes them, which the engine relies on.

// pos is a 1-based position in the source; the zero pos means "unknown".
type pos struct{ line, col int }

func at(n *ytree.Node) pos {
	if n == nil {
		return pos{}
	}
	return pos{n.Line, n.Col}
}

// sourceMap finds where each value of a decoded Policy was written, so
// that the cross-reference checks, which run on the Policy itself, can point
// into the file. Paths are the keys and list indexes leading to a value;
// they are looked up in the tree only when a problem is reported, so a valid
// file pays nothing for its positions.
type sourceMap struct {
	root *ytree.Node // nil for a policy built in Go
	// bad marks values already reported as malformed, so that the checks do
	// not pile a second, confusing message ("has no role") on the first.
	bad map[string]bool
	// unknown marks mappings that had an unknown key: a "missing key"
	// message there would only repeat the typo.
	unknown map[string]bool
	// index finds the entries of large mappings by key.
	index map[*ytree.Node]map[string]int
}

func newSourceMap() *sourceMap {
	return &sourceMap{bad: map[string]bool{}, unknown: map[string]bool{}}
}

// Positions of a leaf's parts are found under these extra path segments of
// the leaf's own path; "@" cannot start a YAML plain key by accident.
const (
	atPath  = "@path"
	atOp    = "@op"
	atValue = "@value"
	atRef   = "@ref"
)

// lookup returns the position of the value at path, or with key set of its
// key, and whether the file has it.
func (s *sourceMap) lookup(path []string, key bool) (pos, bool) {
	n := s.root
	if n == nil {
		return pos{}, false
	}
	var last *ytree.Entry
	for _, seg := range path {
		last = nil
		switch {
		case seg == atPath || seg == atOp || seg == atValue || seg == atRef:
			// The parts of a leaf {path: {operator: value}}: the path's key,
			// the operator's key, the value, the value of {ref: ...}.
			if n == nil || n.Kind != ytree.Map || len(n.Entries) == 0 {
				return pos{}, false
			}
			e := &n.Entries[0]
			if seg == atPath {
				last, n = e, nil
				break
			}
			ops := e.Val
			if ops == nil || ops.Kind != ytree.Map || len(ops.Entries) == 0 {
				return pos{}, false
			}
			op := &ops.Entries[0]
			switch seg {
			case atOp:
				last, n = op, nil
			case atValue:
				n = op.Val
			case atRef:
				if op.Val == nil || op.Val.Kind != ytree.Map || len(op.Val.Entries) == 0 {
					return pos{}, false
				}
				n = op.Val.Entries[0].Val
			}
		case n == nil:
			return pos{}, false
		case n.Kind == ytree.Map:
			i := s.find(n, seg)
			if i < 0 {
				return pos{}, false
			}
			last, n = &n.Entries[i], n.Entries[i].Val
		case n.Kind == ytree.List:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.Items) {
				return pos{}, false
			}
			n = n.Items[i]
		default:
			return pos{}, false
		}
	}
	switch {
	case key && last == nil:
		return pos{}, false
	case key, last != nil && (n == nil || isNull(n)):
		// A bare "key:" has its null at the end of the line; the key is
		// the better place to point at.
		return keyPos(*last), true
	case n == nil:
		return pos{}, false
	}
	return at(n), true
}

// find is the index of key among a mapping's entries, or -1.
func (s *sourceMap) find(n *ytree.Node, key string) int {
	if len(n.Entries) < 16 {
		for i, e := range n.Entries {
			if e.Key == key {
				return i
			}
		}
		return -1
	}
	idx, ok := s.index[n]
	if !ok {
		if s.index == nil {
			s.index = map[*ytree.Node]map[string]int{}
		}
		idx = make(map[string]int, len(n.Entries))
		for i, e := range n.Entries {
			idx[e.Key] = i
		}
		s.index[n] = idx
	}
	if i, ok := idx[key]; ok {
		return i
	}
	return -1
}

// pathKey joins path segments with a byte no key in a sane file contains.
func pathKey(path []string) string { return strings.Join(path, "\x1f") }

// join returns path extended by more segments, never sharing path's array:
// sibling paths built from one parent must not overwrite each other.
func join(path []string, more ...string) []string {
	out := make([]string, 0, len(path)+len(more))
	return append(append(out, path...), more...)
}

// Limits of the documents a policy file may hold.
const (
	maxDepth = 200
	// maxExpansion bounds the nodes aliases add to a file, so that a few
	// nested aliases cannot expand to billions of values.
	maxExpansion = 100_000
)

// readOptions are how ytree reads a policy file.
var readOptions = ytree.Options{Kind: "policy", Root: "the policy", MaxDepth: maxDepth, MaxExpansion: maxExpansion}

// loc is where a value is: the key or list index that leads to it from its
// parent's loc. The decoder builds one per value as it descends and turns
// it into a path or a label only for a message, which keeps a large valid
// file from paying for the names of its values.
type loc struct {
	parent *loc
	key    string
	index  int
	item   bool
	// label, when set, names the value in messages in place of its key.
	label string
}

// path is the keys and indexes from the root to l.
func (l *loc) path() []string {
	var out []string
	for ; l != nil && l.parent != nil; l = l.parent {
		if l.item {
			out = append(out, strconv.Itoa(l.index))
		} else {
			out = append(out, l.key)
		}
	}
	slices.Reverse(out)
	return out
}

// name is how messages name the value at l: "the policy", `"actions"`,
// `item 2 of "roles"`.
func (l *loc) name() string {
	switch {
	case l.label != "":
		return l.label
	case l.item:
		return fmt.Sprintf("item %d of %s", l.index+1, l.parent.name())
	}
	return strconv.Quote(l.key)
}

// decoder fills a Policy from a tree, reporting what does not fit its types.
type decoder struct {
	file  string
	src   *sourceMap
	probs Problems
	// locs holds the locs of the values being decoded, a stack in chunks
	// that never move, so that a loc's parent stays where it is.
	locs [][]loc
	nloc int
}

const locChunk = 256

// child is l's loc on the decoder's stack: a large file would otherwise
// allocate one for every value. Each child is followed by a pop once the
// value is decoded.
func (d *decoder) child(l loc) *loc {
	c, i := d.nloc/locChunk, d.nloc%locChunk
	if c == len(d.locs) {
		d.locs = append(d.locs, make([]loc, locChunk))
	}
	d.nloc++
	d.locs[c][i] = l
	return &d.locs[c][i]
}

func (d *decoder) pop() { d.nloc-- }

func (d *decoder) errorAt(p pos, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)})
}

// markBad reports a malformed value at l and remembers not to check it again.
func (d *decoder) markBad(n *ytree.Node, l *loc, format string, args ...any) {
	d.src.bad[pathKey(l.path())] = true
	d.errorAt(at(n), format, args...)
}

// decodePolicy decodes the tree of a policy file. It returns the policy,
// its source map, and the structural problems (unknown keys, wrong types);
// the cross-reference checks run on the result afterwards.
func decodePolicy(file string, root *ytree.Node) (*Policy, *sourceMap, Problems) {
	src := newSourceMap()
	src.root = root
	d := &decoder{file: file, src: src}
	p := &Policy{}
	if root.Kind == ytree.Null && root.Text == "" {
		d.errorAt(pos{1, 1}, "the policy is empty: it needs at least \"version: 1\"")
		d.src.bad[pathKey([]string{"version"})] = true
		return p, d.src, d.probs
	}
	d.decode(root, reflect.ValueOf(p).Elem(), &loc{label: "the policy"})
	return p, d.src, d.probs
}

func isNull(n *ytree.Node) bool { return n == nil || n.Kind == ytree.Null }

// entry is one key: value pair of a mapping.
type entry = ytree.Entry

func keyPos(e entry) pos { return pos{e.Line, e.Col} }

// mapping returns the entries of a mapping node, reporting keys not in
// allowed when it is not nil. A null node is an empty mapping, as "null
// means {}" in Permit's API.
func (d *decoder) mapping(n *ytree.Node, l *loc, allowed []string) ([]entry, bool) {
	if isNull(n) {
		return nil, true
	}
	if n.Kind != ytree.Map {
		d.markBad(n, l, "%s must be a mapping, not %s", l.name(), n.Describe())
		return nil, false
	}
	if allowed == nil || allKnown(n.Entries, allowed) {
		return n.Entries, true
	}
	out := make([]entry, 0, len(n.Entries))
	d.src.unknown[pathKey(l.path())] = true
	for _, e := range n.Entries {
		if slices.Contains(allowed, e.Key) {
			out = append(out, e)
			continue
		}
		hint := ytree.DidYouMean(e.Key, allowed)
		if hint == "" {
			hint = "; expected one of " + strings.Join(allowed, ", ")
		}
		d.errorAt(keyPos(e), "unknown key %q in %s%s", e.Key, l.name(), hint)
	}
	return out, true
}

var conditionType = reflect.TypeFor[Condition]()

// fieldKeys lists the keys a struct accepts: its JSON names, in field order.
// Deriving them from the tags keeps decoding, encoding/json and the JSON
// Schema (whose test compares against this) in step.
func fieldKeys(t reflect.Type) []string {
	if keys, ok := fieldKeyCache[t]; ok {
		return keys
	}
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// fieldKeyCache holds fieldKeys of the policy's struct types, which every
// mapping of a large file would otherwise derive again.
var fieldKeyCache = func() map[reflect.Type][]string {
	m := map[reflect.Type][]string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == conditionType {
			return
		}
		if _, done := m[t]; done {
			return
		}
		m[t] = nil
		var keys []string
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				keys = append(keys, name)
			}
			walk(t.Field(i).Type)
		}
		m[t] = keys
	}
	walk(reflect.TypeFor[Policy]())
	return m
}()

func fieldIndex(t reflect.Type, key string) int {
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == key {
			return i
		}
	}
	return -1
}

// decode fills v from node n, the value at l.
func (d *decoder) decode(n *ytree.Node, v reflect.Value, l *loc) {
	if isNull(n) {
		// null is "not given": the zero value. Map entries are allocated by
		// the map case so that a bare "default:" tenant still exists.
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type().Elem() == conditionType {
			// A condition that could not be read stays nil rather than
			// becoming an empty node that would be reported a second time.
			if c := d.condition(n, l); c != nil {
				v.Set(reflect.ValueOf(c))
			}
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), l)
	case reflect.Struct:
		if v.Type() == conditionType {
			if c := d.condition(n, l); c != nil {
				v.Set(reflect.ValueOf(*c))
			}
			return
		}
		d.decodeStruct(n, v, l)
	case reflect.String:
		s, isStr := n.String()
		if !isStr {
			hint := ""
			if n.Kind == ytree.Number || n.Kind == ytree.Bool {
				hint = fmt.Sprintf(" (quote it: \"%s\")", n.Text)
			}
			d.markBad(n, l, "%s must be a string, not %s%s", l.name(), n.Describe(), hint)
			return
		}
		v.SetString(s)
	case reflect.Int:
		if n.Kind != ytree.Number || n.Num != math.Trunc(n.Num) || math.Abs(n.Num) > 1<<31 {
			d.markBad(n, l, "%s must be a whole number, not %s", l.name(), n.Describe())
			return
		}
		v.SetInt(int64(n.Num))
	case reflect.Bool:
		if n.Kind != ytree.Bool {
			d.markBad(n, l, "%s must be true or false, not %s", l.name(), n.Describe())
			return
		}
		v.SetBool(n.Truth)
	case reflect.Slice:
		if n.Kind != ytree.List {
			d.markBad(n, l, "%s must be a list, not %s", l.name(), n.Describe())
			return
		}
		if v.Type().Elem().Kind() == reflect.String {
			// Lists of names are most of a large policy: filled directly.
			out := make([]string, len(n.Items))
			for i, item := range n.Items {
				if s, ok := item.String(); ok {
					out[i] = s
					continue
				}
				d.decode(item, reflect.ValueOf(&out[i]).Elem(), d.child(loc{parent: l, index: i, item: true}))
				d.pop()
			}
			v.Set(reflect.ValueOf(out).Convert(v.Type()))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(n.Items), len(n.Items))
		for i, item := range n.Items {
			d.decode(item, out.Index(i), d.child(loc{parent: l, index: i, item: true}))
			d.pop()
		}
		v.Set(out)
	case reflect.Map:
		entries, ok := d.mapping(n, l, nil)
		if !ok {
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), len(entries))
		et := v.Type().Elem()
		for _, e := range entries {
			ev := reflect.New(et).Elem()
			if ev.Kind() == reflect.Pointer {
				ev.Set(reflect.New(ev.Type().Elem()))
			}
			d.decode(e.Val, ev, d.child(loc{parent: l, key: e.Key}))
			d.pop()
			out.SetMapIndex(reflect.ValueOf(e.Key), ev)
		}
		v.Set(out)
	case reflect.Interface:
		if val, ok := d.value(n, l); ok && val != nil {
			v.Set(reflect.ValueOf(val))
		}
	default:
		panic("policy: cannot decode into " + v.Type().String())
	}
}

// decodeStruct fills a struct from a mapping whose keys must be its JSON names.
func (d *decoder) decodeStruct(n *ytree.Node, v reflect.Value, l *loc) {
	t := v.Type()
	entries, _ := d.mapping(n, l, fieldKeys(t))
	for _, e := range entries {
		f := v.Field(fieldIndex(t, e.Key))
		d.decode(e.Val, f, d.child(loc{parent: l, key: e.Key}))
		d.pop()
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
func (d *decoder) value(n *ytree.Node, l *loc) (any, bool) {
	if n == nil {
		return nil, true
	}
	switch n.Kind {
	case ytree.Map:
		out := make(map[string]any, len(n.Entries))
		for _, e := range n.Entries {
			v, ok := d.value(e.Val, d.child(loc{parent: l, key: e.Key}))
			d.pop()
			if ok {
				out[e.Key] = v
			}
		}
		return out, true
	case ytree.List:
		out := make([]any, 0, len(n.Items))
		for i, item := range n.Items {
			v, ok := d.value(item, d.child(loc{parent: l, index: i, item: true}))
			d.pop()
			if ok {
				out = append(out, v)
			}
		}
		return out, true
	case ytree.Unreadable:
		d.markBad(n, l, "%s must be a JSON value (string, number, bool, list, mapping or null), not %s", l.name(), n.Text)
		return nil, false
	}
	return n.Value(), true
}

func allKnown(entries []entry, allowed []string) bool {
	for _, e := range entries {
		if !slices.Contains(allowed, e.Key) {
			return false
		}
	}
	return true
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
