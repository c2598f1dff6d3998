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
