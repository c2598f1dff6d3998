package explain

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/pdpx/pdpx/pdp"
)

// attributes: for each rule that did not hold, each leaf that failed its
// set on its own, the values that would make the leaf hold (see
// leafValues), set as one JIT attribute and verified.
func (f *finder) attributes(tr *pdp.Trace) {
	start := len(f.flips)
	for _, rc := range conditions(tr) {
		if rc.Holds {
			continue
		}
		for _, sc := range []SetCondition{rc.UserSet, rc.ResourceSet} {
			if sc.Holds || sc.Tree == nil {
				continue
			}
			for _, l := range failingLeaves(sc.Tree, true, nil) {
				f.leaf(l)
			}
		}
	}
	// Retype, change and add come out of one walk; order them here so
	// that findFlips can stop after this step.
	found := f.flips[start:]
	sort.SliceStable(found, func(i, j int) bool { return found[i].Cost < found[j].Cost })
}

func (f *finder) leaf(l *Leaf) {
	if field, ok := fieldOf(l.Path); ok {
		for _, v := range leafValues(l) {
			f.setAttr(field, v, l.Actual)
		}
	}
	// {ref: path} compares two attributes: the other side can move too.
	if l.Ref != "" && !l.Negated && l.Operator == "equals" && l.Actual != nil {
		if field, ok := fieldOf(l.Ref); ok {
			f.setAttr(field, l.Actual, l.Expected)
		}
	}
}

// setAttr tries one value for one field. merged is the field's value in
// the decision (nil when missing): the value before, when the check does
// not send one.
func (f *finder) setAttr(field string, v, merged any) {
	sent, isSent := getAttr(f.c, field)
	from := sent
	if !isSent {
		from = merged
	}
	cost := CostAdd
	var summary string
	name := pdp.Clean(field)
	switch {
	case isSent && retyped(sent, v):
		cost = CostRetype
		summary = fmt.Sprintf("send %s as %s (%s), not %s (%s)", name, value(v), pdp.TypeName(v), value(sent), pdp.TypeName(sent))
	case isSent:
		cost = CostChange
		summary = fmt.Sprintf("change %s from %s to %s", name, value(sent), value(v))
	case from != nil:
		summary = fmt.Sprintf("send %s=%s (over %s)", name, value(v), value(from))
	default:
		summary = fmt.Sprintf("send %s=%s", name, value(v))
	}
	f.try(Action{Kind: SetAttribute, Field: field, Value: v, Label: "set " + name + "=" + value(v)}, cost, from, summary)
}

// retyped reports whether b is a with the same text and another type:
// true and "true", 5 and "5".
func retyped(a, b any) bool {
	if pdp.TypeName(a) == pdp.TypeName(b) {
		return false
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// leafValues are the values of a leaf's attribute that would make it hold
// (or, negated, fail), from its operator and expected value:
//
//	equals x → x; in [x, …] → x; contains s → s
//	array_contains x → the list with x added; array_intersect [x, …] → [x]
//	array_subset L → L; array_superset L → the list with L added
//	greater-than n → n+1, less-than n → n-1, the -equals forms → n
//	not-equals x → for a bool, !x; for a number, x+1
//
// A leaf that holds under a not gets null for every operator but
// not-equals, where it gets x. Candidates are only candidates: the finder
// keeps those that allow when decided again.
func leafValues(l *Leaf) []any {
	exp := l.Expected
	if l.Ref != "" && l.Missing && l.Actual != nil {
		return nil // the referenced side is what is missing
	}
	if l.Negated {
		if l.Operator == "not-equals" {
			return []any{exp}
		}
		return []any{nil}
	}
	n, isNum := exp.(float64)
	switch l.Operator {
	case "equals":
		return []any{exp}
	case "not-equals":
		switch x := exp.(type) {
		case bool:
			return []any{!x}
		case float64:
			return []any{x + 1}
		}
	case "greater-than":
		if isNum {
			return []any{n + 1}
		}
	case "less-than":
		if isNum {
			return []any{n - 1}
		}
	case "greater-than-equals", "less-than-equals":
		return []any{exp}
	case "contains":
		if _, ok := exp.(string); ok {
			return []any{exp}
		}
	case "in":
		if list, ok := exp.([]any); ok && len(list) > 0 {
			return []any{list[0]}
		}
	case "array_contains":
		return []any{withElems(l.Actual, []any{exp})}
	case "array_intersect":
		if list, ok := exp.([]any); ok && len(list) > 0 {
			return []any{[]any{list[0]}}
		}
	case "array_subset":
		if list, ok := exp.([]any); ok {
			return []any{list}
		}
	case "array_superset":
		if list, ok := exp.([]any); ok {
			return []any{withElems(l.Actual, list)}
		}
	}
	return nil
}

// withElems is the list have (when it is one) with each of add it lacks appended.
func withElems(have any, add []any) []any {
	list, _ := have.([]any)
	out := append([]any(nil), list...)
	for _, x := range add {
		if !slicesContainsValue(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func slicesContainsValue(list []any, x any) bool {
	for _, y := range list {
		if reflect.DeepEqual(x, y) {
			return true
		}
	}
	return false
}
