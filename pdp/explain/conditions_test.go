package explain

import (
	"reflect"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// The ABAC check: hasApproval sent as a bool. The rule's resource
// set fails at its first leaf, with both types.
func TestFailingLeafTypeMismatch(t *testing.T) {
	c := check(t, "check@permit.io", "publish", "document", "")
	c.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
	c.Resource.Attributes = map[string]any{"hasApproval": true}
	x := explainDemo(c)
	if len(x.Conditions) != 1 {
		t.Fatalf("conditions %+v", x.Conditions)
	}
	rc := x.Conditions[0]
	if rc.Permission != "document:publish" || rc.Holds || !rc.UserSet.Holds || rc.ResourceSet.Holds {
		t.Fatalf("rule %+v", rc)
	}
	if rc.UserSet.Failing != nil {
		t.Errorf("a holding set has a failing leaf: %+v", rc.UserSet.Failing)
	}
	l := rc.ResourceSet.Failing
	if l == nil {
		t.Fatal("no failing leaf")
	}
	want := Leaf{At: []int{0}, Path: "resource.hasApproval", Operator: "equals", Expected: "true", Actual: true,
		ExpectedType: "string", ActualType: "bool", Sentence: `resource.hasApproval equals "true" (string) — got true (bool)`, Node: l.Node}
	if !reflect.DeepEqual(*l, want) {
		t.Errorf("leaf\n got %+v\nwant %+v", *l, want)
	}
	if l.Node != rc.ResourceSet.Tree.Children[0] {
		t.Error("Node is not the leaf in Tree")
	}
	if rc.ResourceSet.Title() != "approved documents" {
		t.Errorf("title %q", rc.ResourceSet.Title())
	}
}

func TestFailingLeafMissing(t *testing.T) {
	c := check(t, "check@permit.io", "publish", "document", "")
	c.User.Attributes = map[string]any{"location": "England"}
	l := explainDemo(c).Conditions[0].UserSet.Failing
	if l == nil || !l.Missing || l.Path != "user.department" || l.Sentence != "user.department equals Engineering — missing" || l.ExpectedType != "" {
		t.Errorf("leaf %+v", l)
	}
}

func leaf(path, op string, exp, act any, result bool) *pdp.CondTrace {
	return &pdp.CondTrace{Kind: "leaf", Path: path, Operator: op, Expected: exp, Actual: act, Result: result}
}

// The first failing leaf, depth first, for each kind of node.
func TestFirstFailing(t *testing.T) {
	a := leaf("user.a", "equals", 1.0, 1.0, true)
	b := leaf("user.b", "equals", "x", "y", false)
	c := leaf("user.c", "equals", "z", "w", false)
	cases := []struct {
		name string
		tree *pdp.CondTrace
		at   []int
		path string
		neg  bool
	}{
		{"allOf: the first false child", &pdp.CondTrace{Kind: "allOf", Children: []*pdp.CondTrace{a, b, c}}, []int{1}, "user.b", false},
		{"anyOf: the first child", &pdp.CondTrace{Kind: "anyOf", Children: []*pdp.CondTrace{b, c}}, []int{0}, "user.b", false},
		{"not: the first child that holds", &pdp.CondTrace{Kind: "not", Children: []*pdp.CondTrace{a}}, []int{0}, "user.a", true},
		{"nested", &pdp.CondTrace{Kind: "allOf", Children: []*pdp.CondTrace{a, {Kind: "anyOf", Children: []*pdp.CondTrace{b, c}}}}, []int{1, 0}, "user.b", false},
		{"not inside allOf", &pdp.CondTrace{Kind: "allOf", Children: []*pdp.CondTrace{a, {Kind: "not", Children: []*pdp.CondTrace{a}}}}, []int{1, 0}, "user.a", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.tree.Result = false
			for _, ch := range tc.tree.Children {
				if ch.Kind == "anyOf" {
					ch.Result = false
				}
				if ch.Kind == "not" {
					ch.Result = false
				}
			}
			l := firstFailing(tc.tree, true, nil)
			if l == nil || !reflect.DeepEqual(l.At, tc.at) || l.Path != tc.path || l.Negated != tc.neg {
				t.Errorf("got %+v, want at %v path %s negated %v", l, tc.at, tc.path, tc.neg)
			}
		})
	}
	if l := firstFailing(a, true, nil); l != nil {
		t.Errorf("a holding leaf fails: %+v", l)
	}
}

func TestLeafSentence(t *testing.T) {
	cases := []struct {
		n    *pdp.CondTrace
		neg  bool
		want string
	}{
		{leaf("user.location", "equals", "England", "France", false), false, "user.location equals England — got France"},
		{leaf("user.level", "greater-than", 3.0, "4", false), false, `user.level greater-than 3 (number) — got "4" (string)`},
		{&pdp.CondTrace{Kind: "leaf", Path: "user.x", Operator: "equals", Expected: "a", Missing: true}, false, "user.x equals a — missing"},
		{&pdp.CondTrace{Kind: "leaf", Path: "user.id", Operator: "equals", Ref: "resource.owner", Expected: "5", Actual: 5.0}, false,
			`user.id equals resource.owner ("5", string) — got 5 (number)`},
		{&pdp.CondTrace{Kind: "leaf", Path: "user.id", Operator: "equals", Ref: "resource.owner", Expected: "a", Actual: "b"}, false,
			`user.id equals resource.owner (a) — got b`},
		{&pdp.CondTrace{Kind: "leaf", Path: "user.id", Operator: "equals", Ref: "resource.owner", Actual: "b", Missing: true}, false,
			`user.id equals resource.owner — resource.owner is missing`},
		{leaf("user.banned", "equals", true, true, true), true, "not: user.banned equals true — got true, which holds"},
	}
	for _, tc := range cases {
		if got := LeafSentence(tc.n, tc.neg); got != tc.want {
			t.Errorf("\n got %q\nwant %q", got, tc.want)
		}
	}
}
