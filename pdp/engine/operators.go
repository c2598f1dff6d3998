package engine

import (
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
)

// op is a condition operator, resolved from its name once at New so that
// evaluation switches on a small integer instead of comparing strings.
type op uint8

const (
	opUnknown op = iota
	opEquals
	opNotEquals
	opGreater
	opGreaterEq
	opLess
	opLessEq
	opContains
	opIn
	opArrayContains
	opArrayIntersect
	opArraySubset
	opArraySuperset
)

var opNames = map[string]op{
	"equals":              opEquals,
	"not-equals":          opNotEquals,
	"greater-than":        opGreater,
	"greater-than-equals": opGreaterEq,
	"less-than":           opLess,
	"less-than-equals":    opLessEq,
	"contains":            opContains,
	"in":                  opIn,
	"array_contains":      opArrayContains,
	"array_intersect":     opArrayIntersect,
	"array_subset":        opArraySubset,
	"array_superset":      opArraySuperset,
}

// apply evaluates `attr <op> value` for two present operands. Missing
// operands never reach here: the caller answers false for them, whatever the
// operator (not-equals included). Operands of the wrong type give false, never
// an error, as the policy format requires.
func apply(o op, attr, value any) bool {
	switch o {
	case opEquals:
		return equal(attr, value)
	case opNotEquals:
		return !equal(attr, value)
	case opGreater:
		return compare(attr, value) > 0
	case opGreaterEq:
		return compare(attr, value) >= 0
	case opLess:
		return compare(attr, value) < 0
	case opLessEq:
		return compare(attr, value) <= 0
	case opContains:
		s, ok1 := attr.(string)
		sub, ok2 := value.(string)
		return ok1 && ok2 && strings.Contains(s, sub)
	case opIn:
		list, ok := asList(value)
		return ok && member(attr, list)
	case opArrayContains:
		list, ok := asList(attr)
		return ok && member(value, list)
	case opArrayIntersect:
		a, ok1 := asList(attr)
		b, ok2 := asList(value)
		if !ok1 || !ok2 {
			return false
		}
		for _, x := range a {
			if member(x, b) {
				return true
			}
		}
		return false
	case opArraySubset:
		a, ok1 := asList(attr)
		b, ok2 := asList(value)
		return ok1 && ok2 && every(a, b)
	case opArraySuperset:
		a, ok1 := asList(attr)
		b, ok2 := asList(value)
		return ok1 && ok2 && every(b, a)
	}
	return false
}

// every reports whether each element of a is an element of b.
func every(a, b []any) bool {
	for _, x := range a {
		if !member(x, b) {
			return false
		}
	}
	return true
}

func member(x any, list []any) bool {
	for _, y := range list {
		if equal(x, y) {
			return true
		}
	}
	return false
}

// asList views a JSON array. []string is accepted too because Go callers
// build JIT attributes by hand; converting it allocates, which only that
// rare case pays.
func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// number reads any Go numeric kind (JSON decodes to float64, Go callers may
// pass int) so that 1 equals 1.0 and no other type is coerced.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float32:
		return float64(n), true
	case int32:
		return float64(n), true
	case int16:
		return float64(n), true
	case int8:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint64:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint8:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// JSON type ranks for ordering values of different types:
// null < bool < number < string < array < object.
const (
	rankNull = iota
	rankBool
	rankNumber
	rankString
	rankArray
	rankObject
	rankOther
)

func rank(v any) int {
	switch v.(type) {
	case nil:
		return rankNull
	case bool:
		return rankBool
	case string:
		return rankString
	case []any, []string:
		return rankArray
	case map[string]any:
		return rankObject
	}
	if _, ok := number(v); ok {
		return rankNumber
	}
	return rankOther
}

// equal is JSON deep equality: numbers compare numerically whatever their Go
// type, nothing else is coerced ("5" is not 5, true is not "true").
func equal(a, b any) bool {
	return compare(a, b) == 0
}

// compare totally orders JSON values. Different types order by rank; within
// a type numbers compare numerically (NaN, which JSON cannot carry, sorts
// first), strings bytewise, false < true, arrays element by element with a
// shorter prefix first, and objects as the lists of their (key, value) pairs
// sorted by key, compared pair by pair (key first, then value), a shorter
// list first. Objects need some order for the ordering operators to be total;
// this one is the array order applied to the sorted entries, so it agrees
// with equality.
func compare(a, b any) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmpInt(ra, rb)
	}
	switch ra {
	case rankNull:
		return 0
	case rankBool:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case rankNumber:
		x, _ := number(a)
		y, _ := number(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		case x == y:
			return 0
		case math.IsNaN(x) && math.IsNaN(y):
			return 0
		case math.IsNaN(x):
			return -1
		}
		return 1
	case rankString:
		return strings.Compare(a.(string), b.(string))
	case rankArray:
		x, _ := asList(a)
		y, _ := asList(b)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := compare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmpInt(len(x), len(y))
	case rankObject:
		return compareObjects(a.(map[string]any), b.(map[string]any))
	}
	// Values of no JSON type (a Go struct sent by a caller) are only equal to
	// themselves; their order among each other is arbitrary but stable.
	if reflect.DeepEqual(a, b) {
		return 0
	}
	return -1
}

func compareObjects(x, y map[string]any) int {
	kx, ky := sortedKeys(x), sortedKeys(y)
	for i := 0; i < len(kx) && i < len(ky); i++ {
		if c := strings.Compare(kx[i], ky[i]); c != 0 {
			return c
		}
		if c := compare(x[kx[i]], y[ky[i]]); c != 0 {
			return c
		}
	}
	return cmpInt(len(kx), len(ky))
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
