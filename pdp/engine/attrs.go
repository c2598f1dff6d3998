package engine

import (
	"reflect"

	"github.com/pdpx/pdpx/pdp"
)

// layers is a stack of attribute objects, highest priority first (JIT, then
// stored, then generated). Attribute paths are resolved through it lazily,
// with the merge semantics of pdp.MergeAttrs, so a check never materializes
// merged objects unless a condition asks for a whole object (or the debug
// request shows them).
type layers [3]map[string]any

// lookup resolves a path through ls (highest priority first) as if the
// layers had been merged with pdp.MergeAttrs: the top-most layer holding the
// first key wins; if its value is an object, the objects below it (down to
// the first non-object, which that object replaced) merge under it key by key.
func lookup(ls []map[string]any, segs []string) (any, bool) {
	if len(segs) == 0 {
		return nil, false
	}
	for i, l := range ls {
		v, ok := l[segs[0]]
		if !ok {
			continue
		}
		top, isObj := v.(map[string]any)
		if !isObj {
			if len(segs) == 1 {
				return v, true
			}
			return nil, false // a scalar or array replaced whatever was below it
		}
		var subs [len(layers{})]map[string]any
		subs[0] = top
		n := 1
		for _, below := range ls[i+1:] {
			bv, ok := below[segs[0]]
			if !ok {
				continue
			}
			bo, ok := bv.(map[string]any)
			if !ok {
				break // an object above replaced this value and everything under it
			}
			subs[n] = bo
			n++
		}
		if len(segs) == 1 {
			return mergeDown(subs[:n]), true
		}
		return lookup(subs[:n], segs[1:])
	}
	return nil, false
}

// mergeDown merges objects given highest priority first.
func mergeDown(objs []map[string]any) map[string]any {
	m := objs[len(objs)-1]
	for i := len(objs) - 2; i >= 0; i-- {
		m = pdp.MergeAttrs(m, objs[i])
	}
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// merged materializes the whole merge of ls (for the debug request): the
// result of pdp.MergeAttrs applied layer by layer from the bottom, built as
// one map rather than a copy per layer. Nested objects are shared with the
// layers unless two layers hold an object under the same key, which
// MergeAttrs then merges into a new object, as it would have; nothing a
// layer holds is modified.
func merged(ls []map[string]any) map[string]any {
	n := 0
	for _, l := range ls {
		n += len(l)
	}
	m := make(map[string]any, n)
	for i := len(ls) - 1; i >= 0; i-- {
		for k, v := range ls[i] {
			if bo, ok := v.(map[string]any); ok {
				if ao, ok := m[k].(map[string]any); ok {
					m[k] = pdp.MergeAttrs(ao, bo)
					continue
				}
			}
			m[k] = v
		}
	}
	return m
}

// normalize turns a policy value built in Go (ints, []string, typed maps)
// into the types encoding/json decodes to (float64, []any, map[string]any),
// so stored data and JIT data compare alike. Values from the policy loader
// are already in that form and come back unchanged (but copied).
func normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, string, float64:
		return v
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	if f, ok := number(v); ok {
		return f
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return v
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			out[it.Key().String()] = normalize(it.Value().Interface())
		}
		return out
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	}
	return v
}

// normalizeMap normalizes an attribute object; nil stays nil.
func normalizeMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return normalize(m).(map[string]any)
}
