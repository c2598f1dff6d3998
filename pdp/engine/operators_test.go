package engine

import (
	"fmt"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// missing marks an attribute the check does not have.
type missingT struct{}

var missing = missingT{}

// leafAllows decides one leaf end to end: a user set with the single
// condition `user.x <op> value`, a rule using it, and a check whose JIT
// user attribute x is attr (absent when attr is missing). It also checks
// that the traced leaf agrees and reports Missing exactly when it should.
func leafAllows(t *testing.T, attr any, operator string, value any) bool {
	t.Helper()
	p := &policy.Policy{
		Resources: map[string]*policy.Resource{"doc": {Actions: []string{"read"}}},
		UserSets:  map[string]*policy.UserSet{"s": {Conditions: allOf(leaf("user.x", operator, value))}},
		ConditionSetRules: []policy.ConditionSetRule{
			{UserSet: "s", Permission: "doc:read", ResourceSet: "doc"},
		},
	}
	e := New(p)
	c := chk("u", "read", "doc", "t")
	if attr != missing {
		c.User.Attributes = map[string]any{"x": attr}
	}
	d := decide(t, e, c)
	if len(d.Trace.UserSets) == 0 {
		t.Fatalf("no user set traced")
	}
	lt := d.Trace.UserSets[0].Condition.Children[0]
	if lt.Kind != "leaf" || lt.Path != "user.x" || lt.Operator != operator {
		t.Fatalf("leaf trace %+v", lt)
	}
	if lt.Missing != (attr == missing) {
		t.Errorf("Missing %v for attr %v", lt.Missing, attr)
	}
	if lt.Result != d.Allowed() {
		t.Errorf("leaf result %v, decision %v", lt.Result, d.Allowed())
	}
	return d.Allowed()
}

type opCase struct {
	attr  any
	op    string
	value any
	want  bool
}

var (
	arrAB  = []any{"a", "b"}
	objKV  = map[string]any{"k": "v"}
	objKV2 = map[string]any{"k": "w"}
)

// The operators against every JSON type (string, number, bool, null, array,
// object) and a missing attribute.
var opCases = []opCase{
	// equals: deep equality, no coercion, 1 = 1.0.
	{"abc", "equals", "abc", true},
	{"abc", "equals", "ABC", false},
	{"5", "equals", 5, false},
	{5, "equals", "5", false},
	{5, "equals", 5.0, true},
	{1.0, "equals", 1, true},
	{1.5, "equals", 1, false},
	{true, "equals", true, true},
	{true, "equals", "true", false},
	{"true", "equals", true, false},
	{false, "equals", nil, false},
	{nil, "equals", nil, true},
	{nil, "equals", "", false},
	{0, "equals", false, false},
	{arrAB, "equals", []any{"a", "b"}, true},
	{arrAB, "equals", []any{"b", "a"}, false},
	{[]any{1, 2}, "equals", []any{1.0, 2.0}, true},
	{objKV, "equals", map[string]any{"k": "v"}, true},
	{objKV, "equals", objKV2, false},
	{map[string]any{"a": map[string]any{"b": []any{1}}}, "equals", map[string]any{"a": map[string]any{"b": []any{1.0}}}, true},
	{missing, "equals", "abc", false},
	{missing, "equals", nil, false},

	// not-equals: the negation, except that a missing attribute is false.
	{"abc", "not-equals", "abd", true},
	{"abc", "not-equals", "abc", false},
	{"5", "not-equals", 5, true},
	{5, "not-equals", 5.0, false},
	{true, "not-equals", false, true},
	{nil, "not-equals", nil, false},
	{nil, "not-equals", "x", true},
	{arrAB, "not-equals", []any{"a"}, true},
	{objKV, "not-equals", objKV2, true},
	{objKV, "not-equals", map[string]any{"k": "v"}, false},
	{missing, "not-equals", "abc", false},

	// ordering within types.
	{5, "greater-than", 3, true},
	{3, "greater-than", 5, false},
	{5, "greater-than", 5, false},
	{5, "greater-than-equals", 5.0, true},
	{2.5, "less-than", 3, true},
	{3, "less-than-equals", 3, true},
	{4, "less-than-equals", 3, false},
	{"b", "greater-than", "a", true},
	{"10", "greater-than", "9", false}, // strings order lexicographically
	{"abc", "less-than", "abd", true},
	{"ab", "less-than", "abc", true},
	{true, "greater-than", false, true},
	{false, "less-than", true, true},
	{true, "greater-than-equals", true, true},
	{nil, "greater-than-equals", nil, true},
	{nil, "less-than", nil, false},
	{[]any{1, 2}, "less-than", []any{1, 3}, true},
	{[]any{1}, "less-than", []any{1, 0}, true},
	{[]any{2}, "greater-than", []any{1, 9}, true},
	{[]any{}, "less-than", []any{nil}, true},
	{map[string]any{"a": 1}, "less-than", map[string]any{"a": 2}, true},
	{map[string]any{"a": 9}, "less-than", map[string]any{"b": 0}, true},
	{map[string]any{"a": 1}, "less-than", map[string]any{"a": 1, "b": 0}, true},
	{map[string]any{"a": 1}, "greater-than-equals", map[string]any{"a": 1.0}, true},

	// ordering across types: null < bool < number < string < array < object.
	{nil, "less-than", false, true},
	{false, "less-than", 0, true},
	{true, "less-than", -100, true},
	{1e9, "less-than", "", true},
	{"5", "greater-than", 5, true},
	{"zzz", "less-than", []any{}, true},
	{[]any{"z"}, "less-than", map[string]any{}, true},
	{map[string]any{}, "greater-than", []any{1}, true},
	{5, "greater-than", "4", false},
	{nil, "greater-than", 0, false},
	{missing, "greater-than", 0, false},
	{missing, "less-than", 1, false},
	{missing, "greater-than-equals", nil, false},
	{missing, "less-than-equals", "z", false},

	// contains: a string within a string, nothing else.
	{"hello world", "contains", "o w", true},
	{"hello", "contains", "", true},
	{"hello", "contains", "xyz", false},
	{"Hello", "contains", "hello", false},
	{55, "contains", "5", false},
	{"55", "contains", 5, false},
	{true, "contains", "t", false},
	{nil, "contains", "", false},
	{arrAB, "contains", "a", false},
	{objKV, "contains", "k", false},
	{missing, "contains", "a", false},

	// in: the attribute is an element of the value list.
	{"a", "in", []any{"a", "b"}, true},
	{"c", "in", []any{"a", "b"}, false},
	{5, "in", []any{5.0, 6}, true},
	{"5", "in", []any{5}, false},
	{true, "in", []any{true}, true},
	{nil, "in", []any{nil}, true},
	{nil, "in", []any{"null"}, false},
	{[]any{"a"}, "in", []any{[]any{"a"}, "b"}, true},
	{objKV, "in", []any{map[string]any{"k": "v"}}, true},
	{"a", "in", "abc", false}, // not a list
	{"a", "in", []any{}, false},
	{missing, "in", []any{"a"}, false},

	// array_contains: the value is an element of the attribute list.
	{arrAB, "array_contains", "a", true},
	{arrAB, "array_contains", "c", false},
	{[]any{1, 2}, "array_contains", 2.0, true},
	{[]any{objKV}, "array_contains", map[string]any{"k": "v"}, true},
	{[]any{nil}, "array_contains", nil, true},
	{[]any{[]any{"a"}}, "array_contains", []any{"a"}, true},
	{"ab", "array_contains", "a", false},
	{5, "array_contains", 5, false},
	{true, "array_contains", true, false},
	{nil, "array_contains", nil, false},
	{objKV, "array_contains", "k", false},
	{missing, "array_contains", "a", false},

	// array_intersect.
	{arrAB, "array_intersect", []any{"b", "c"}, true},
	{arrAB, "array_intersect", []any{"c"}, false},
	{[]any{}, "array_intersect", []any{}, false},
	{[]any{1}, "array_intersect", []any{1.0}, true},
	{"a", "array_intersect", []any{"a"}, false},
	{arrAB, "array_intersect", "a", false},
	{nil, "array_intersect", []any{nil}, false},
	{missing, "array_intersect", []any{"a"}, false},

	// array_subset: every element of the attribute is in the value.
	{[]any{"a"}, "array_subset", arrAB, true},
	{[]any{"a", "c"}, "array_subset", arrAB, false},
	{[]any{}, "array_subset", arrAB, true},
	{arrAB, "array_subset", arrAB, true},
	{"a", "array_subset", arrAB, false},
	{objKV, "array_subset", arrAB, false},
	{missing, "array_subset", arrAB, false},

	// array_superset: every element of the value is in the attribute.
	{arrAB, "array_superset", []any{"a"}, true},
	{[]any{"a"}, "array_superset", arrAB, false},
	{[]any{"a"}, "array_superset", []any{}, true},
	{arrAB, "array_superset", "a", false},
	{5, "array_superset", []any{5}, false},
	{missing, "array_superset", []any{}, false},
}

func TestOperators(t *testing.T) {
	for i, tc := range opCases {
		name := fmt.Sprintf("%d/%s %s %s", i, pdp.FormatValue(displayAttr(tc.attr)), tc.op, pdp.FormatValue(tc.value))
		t.Run(name, func(t *testing.T) {
			if got := leafAllows(t, tc.attr, tc.op, tc.value); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func displayAttr(v any) any {
	if v == missing {
		return "(missing)"
	}
	return v
}

// Every operator must be false on a missing attribute, including not-equals:
// and so `not` over a missing attribute is true.
func TestEveryOperatorFalseOnMissing(t *testing.T) {
	for _, o := range policy.Operators {
		if leafAllows(t, missing, o, []any{"a"}) {
			t.Errorf("%s on a missing attribute is true", o)
		}
	}
}

func TestCompareIsAntisymmetric(t *testing.T) {
	vals := []any{nil, false, true, -1, 0, 2.5, "", "a", "b", []any{}, []any{1}, []any{1, 2}, map[string]any{}, map[string]any{"a": 1}, map[string]any{"b": 0}}
	for i, a := range vals {
		for j, b := range vals {
			c1, c2 := compare(a, b), compare(b, a)
			if c1 != -c2 {
				t.Errorf("compare(%v,%v)=%d but compare(%v,%v)=%d", a, b, c1, b, a, c2)
			}
			if (i == j) != (c1 == 0) {
				t.Errorf("compare(%v,%v)=%d", a, b, c1)
			}
		}
	}
}

func TestGoTypedValues(t *testing.T) {
	// Go callers may send ints and []string as JIT attributes.
	if !apply(opEquals, int64(3), 3.0) || !apply(opArrayContains, []string{"x", "y"}, "y") || !apply(opIn, "y", []string{"y"}) {
		t.Error("Go-typed values not treated as JSON")
	}
	if apply(opUnknown, "a", "a") {
		t.Error("an unknown operator holds")
	}
}
