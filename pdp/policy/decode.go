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

// Limits of the documents a policy file may hold.
const (
	maxDepth = 200
	// maxExpansion bounds the nodes aliases add to a file, so that a few
	// nested aliases cannot expand to billions of values.
	maxExpansion = 100_000
)

// readOptions are how ytree reads a policy file.
var readOptions = ytree.Options{Kind: "policy", Root: "the policy", MaxDepth: maxDepth, MaxExpansion: maxExpansion}

// decoder fills a Policy from a tree. With positions off it only finds out
// whether there is any problem: it keeps no source map and builds no path
// or label, which is most of a positioned decode's cost; a file with a
// problem is decoded again with positions on to report them all.
type decoder struct {
	file      string
	positions bool
	src       *sourceMap
	probs     Problems
}

func (d *decoder) errorAt(p pos, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)})
}

// markBad reports a malformed value at path and remembers not to check it again.
func (d *decoder) markBad(n *ytree.Node, path []string, format string, args ...any) {
	d.src.bad[pathKey(path)] = true
	d.errorAt(at(n), format, args...)
}

// sub is path extended by more, when positions are kept.
func (d *decoder) sub(path []string, more ...string) []string {
	if !d.positions {
		return nil
	}
	return join(path, more...)
}

// item is the path and label of item i of a list at path named label.
func (d *decoder) item(path []string, i int, label string) ([]string, string) {
	if !d.positions {
		return nil, ""
	}
	return join(path, strconv.Itoa(i)), fmt.Sprintf("item %d of %s", i+1, label)
}

// quote is the label of a mapping's value under key.
func (d *decoder) quote(key string) string {
	if !d.positions {
		return ""
	}
	return strconv.Quote(key)
}

func (d *decoder) setVal(path []string, p pos) {
	if d.positions {
		d.src.val[pathKey(path)] = p
	}
}

// decodePolicy decodes the tree of a policy file. It returns the policy
// (nil when it is not a mapping at all), its source map, and the
// structural problems (unknown keys, wrong types); the cross-reference
// checks run on the result afterwards.
func decodePolicy(file string, root *ytree.Node, positions bool) (*Policy, *sourceMap, Problems) {
	d := &decoder{file: file, positions: positions, src: newSourceMap()}
	p := &Policy{}
	if root.Kind == ytree.Null && root.Text == "" {
		d.errorAt(pos{1, 1}, "the policy is empty: it needs at least \"version: 1\"")
		d.src.bad[pathKey([]string{"version"})] = true
		return p, d.src, d.probs
	}
	d.setVal(nil, at(root))
	d.decode(root, reflect.ValueOf(p).Elem(), nil, "the policy")
	return p, d.src, d.probs
}

func isNull(n *ytree.Node) bool { return n == nil || n.Kind == ytree.Null }

// entry is one key: value pair of a mapping.
type entry = ytree.Entry

func keyPos(e entry) pos { return pos{e.Line, e.Col} }

// mapping returns the entries of a mapping node, reporting keys not in
// allowed when it is not nil. A null node is an empty mapping, as "null
// means {}" in Permit's API.
func (d *decoder) mapping(n *ytree.Node, path []string, label string, allowed []string) ([]entry, bool) {
	if isNull(n) {
		return nil, true
	}
	if n.Kind != ytree.Map {
		d.markBad(n, path, "%s must be a mapping, not %s", label, n.Describe())
		return nil, false
	}
	out := n.Entries
	if allowed != nil && !allKnown(n.Entries, allowed) {
		out = make([]entry, 0, len(n.Entries))
		d.src.unknown[pathKey(path)] = true
		for _, e := range n.Entries {
			if slices.Contains(allowed, e.Key) {
				out = append(out, e)
				continue
			}
			hint := ytree.DidYouMean(e.Key, allowed)
			if hint == "" {
				hint = "; expected one of " + strings.Join(allowed, ", ")
			}
			d.errorAt(keyPos(e), "unknown key %q in %s%s", e.Key, label, hint)
		}
	}
	if d.positions {
		for _, e := range out {
			kp := pathKey(join(path, e.Key))
			d.src.key[kp] = keyPos(e)
			if isNull(e.Val) {
				// A bare "key:" has its null at the end of the line; the key
				// is the better place to point at.
				d.src.val[kp] = keyPos(e)
			} else {
				d.src.val[kp] = at(e.Val)
			}
		}
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

// decode fills v from node n. label names the value in messages ("the
// policy", `"actions"`, `item 2 of "roles"`).
func (d *decoder) decode(n *ytree.Node, v reflect.Value, path []string, label string) {
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
		s, isStr := n.String()
		if !isStr {
			hint := ""
			if n.Kind == ytree.Number || n.Kind == ytree.Bool {
				hint = fmt.Sprintf(" (quote it: \"%s\")", n.Text)
			}
			d.markBad(n, path, "%s must be a string, not %s%s", label, n.Describe(), hint)
			return
		}
		v.SetString(s)
	case reflect.Int:
		if n.Kind != ytree.Number || n.Num != math.Trunc(n.Num) || math.Abs(n.Num) > 1<<31 {
			d.markBad(n, path, "%s must be a whole number, not %s", label, n.Describe())
			return
		}
		v.SetInt(int64(n.Num))
	case reflect.Bool:
		if n.Kind != ytree.Bool {
			d.markBad(n, path, "%s must be true or false, not %s", label, n.Describe())
			return
		}
		v.SetBool(n.Truth)
	case reflect.Slice:
		if n.Kind != ytree.List {
			d.markBad(n, path, "%s must be a list, not %s", label, n.Describe())
			return
		}
		if v.Type().Elem().Kind() == reflect.String {
			// Lists of names are most of a large policy: filled directly.
			out := make([]string, len(n.Items))
			for i, item := range n.Items {
				ip, il := d.item(path, i, label)
				d.setVal(ip, at(item))
				if s, ok := item.String(); ok {
					out[i] = s
					continue
				}
				d.decode(item, reflect.ValueOf(&out[i]).Elem(), ip, il)
			}
			v.Set(reflect.ValueOf(out).Convert(v.Type()))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(n.Items), len(n.Items))
		for i, item := range n.Items {
			ip, il := d.item(path, i, label)
			d.setVal(ip, at(item))
			d.decode(item, out.Index(i), ip, il)
		}
		v.Set(out)
	case reflect.Map:
		entries, ok := d.mapping(n, path, label, nil)
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
			d.decode(e.Val, ev, d.sub(path, e.Key), d.quote(e.Key))
			out.SetMapIndex(reflect.ValueOf(e.Key), ev)
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
func (d *decoder) decodeStruct(n *ytree.Node, v reflect.Value, path []string, label string) {
	t := v.Type()
	entries, _ := d.mapping(n, path, label, fieldKeys(t))
	for _, e := range entries {
		f := v.Field(fieldIndex(t, e.Key))
		d.decode(e.Val, f, d.sub(path, e.Key), d.quote(e.Key))
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
func (d *decoder) value(n *ytree.Node, path []string, label string) (any, bool) {
	if n == nil {
		return nil, true
	}
	switch n.Kind {
	case ytree.Map:
		entries, ok := d.mapping(n, path, label, nil)
		if !ok {
			return nil, false
		}
		out := make(map[string]any, len(entries))
		for _, e := range entries {
			if v, ok := d.value(e.Val, d.sub(path, e.Key), d.quote(e.Key)); ok {
				out[e.Key] = v
			}
		}
		return out, true
	case ytree.List:
		out := make([]any, 0, len(n.Items))
		for i, item := range n.Items {
			ip, il := d.item(path, i, label)
			d.setVal(ip, at(item))
			if v, ok := d.value(item, ip, il); ok {
				out = append(out, v)
			}
		}
		return out, true
	case ytree.Unreadable:
		d.markBad(n, path, "%s must be a JSON value (string, number, bool, list, mapping or null), not %s", label, n.Text)
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
