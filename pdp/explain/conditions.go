package explain

import (
	"fmt"

	"github.com/pdpx/pdpx/pdp"
)

// RuleCondition is one condition-set rule that names the check's type and
// action: "users in UserSet may do Permission on resources in ResourceSet".
// It allows when both sets hold.
type RuleCondition struct {
	Permission  string       `json:"permission"`
	UserSet     SetCondition `json:"user_set"`
	ResourceSet SetCondition `json:"resource_set"`
	Holds       bool         `json:"holds"`
}

// SetCondition is a user set or resource set as the engine evaluated it.
type SetCondition struct {
	Key  string `json:"key"`
	Name string `json:"name,omitempty"`
	// Implicit marks Permit's generated sets: "has role R", "is of type T".
	Implicit bool `json:"implicit,omitempty"`
	Holds    bool `json:"holds"`
	// Tree is the evaluated condition tree (shared with the decision's trace).
	Tree *pdp.CondTrace `json:"tree,omitempty"`
	// Failing is the first leaf that made the set fail, nil when it holds.
	Failing *Leaf `json:"failing,omitempty"`
}

// Title is the set's name for people: its name, else its key.
func (s SetCondition) Title() string {
	if s.Name != "" {
		return pdp.Clean(s.Name)
	}
	return pdp.Clean(s.Key)
}

// Leaf is a failing condition leaf: the comparison, both sides and, when
// they differ, both types.
type Leaf struct {
	// At is the path of child indexes from the set's Tree to this leaf, so a
	// front end can highlight it in the drawn tree.
	At       []int  `json:"at"`
	Path     string `json:"path"`
	Operator string `json:"operator"`
	// Ref is the referenced attribute's path when the value is {ref: path};
	// Expected then holds its value.
	Ref      string `json:"ref,omitempty"`
	Expected any    `json:"expected,omitempty"`
	Actual   any    `json:"actual,omitempty"`
	// Missing: the attribute (or the referenced one) is not there.
	Missing bool `json:"missing,omitempty"`
	// Negated: the leaf sits under a not and holds, which fails the not.
	Negated bool `json:"negated,omitempty"`
	// ExpectedType and ActualType are set only when the types differ.
	ExpectedType string `json:"expected_type,omitempty"`
	ActualType   string `json:"actual_type,omitempty"`
	// Sentence: resource.hasApproval equals "true" (string) — got true (bool).
	Sentence string `json:"sentence"`
	// Node is the leaf in Tree.
	Node *pdp.CondTrace `json:"-"`
}

// conditions lists the rules the trace records with their sets' trees.
func conditions(t *pdp.Trace) []RuleCondition {
	if t == nil || len(t.Rules) == 0 {
		return nil
	}
	out := make([]RuleCondition, 0, len(t.Rules))
	for _, r := range t.Rules {
		out = append(out, RuleCondition{
			Permission:  r.Permission,
			UserSet:     setCondition(findSet(t.UserSets, r.UserSet), r.UserSet, r.UserOK),
			ResourceSet: setCondition(findSet(t.ResourceSets, r.ResourceSet), r.ResourceSet, r.ResourceOK),
			Holds:       r.UserOK && r.ResourceOK,
		})
	}
	return out
}

func findSet(sets []pdp.SetTrace, key string) *pdp.SetTrace {
	for i := range sets {
		if sets[i].Key == key {
			return &sets[i]
		}
	}
	return nil
}

func setCondition(s *pdp.SetTrace, key string, holds bool) SetCondition {
	sc := SetCondition{Key: key, Holds: holds}
	if s == nil {
		return sc
	}
	sc.Name, sc.Implicit, sc.Tree = s.Name, s.Implicit, s.Condition
	if !holds && s.Condition != nil {
		sc.Failing = firstFailing(s.Condition, true, nil)
	}
	return sc
}

// firstFailing finds, depth first and in order, the first leaf whose result
// is not want: for allOf the first false child, for anyOf (all false) the
// first child, and under a not (true when the allOf of its children is
// false) the first child that holds. at is the path to n.
func firstFailing(n *pdp.CondTrace, want bool, at []int) *Leaf {
	if n == nil || n.Result == want {
		return nil
	}
	if n.Kind == "leaf" {
		return newLeaf(n, !want, at)
	}
	childWant := want
	if n.Kind == "not" {
		childWant = !want
	}
	for i, ch := range n.Children {
		if l := firstFailing(ch, childWant, append(at[:len(at):len(at)], i)); l != nil {
			return l
		}
	}
	return nil
}

// failingLeaves lists every leaf whose result is not want and could flip n
// on its own: the flip finder's candidates. A leaf that holds under a not is
// one (making it fail makes the not hold).
func failingLeaves(n *pdp.CondTrace, want bool, out []*Leaf) []*Leaf {
	if n == nil || n.Result == want {
		return out
	}
	if n.Kind == "leaf" {
		return append(out, newLeaf(n, !want, nil))
	}
	childWant := want
	if n.Kind == "not" {
		childWant = !want
	}
	for _, ch := range n.Children {
		out = failingLeaves(ch, childWant, out)
	}
	return out
}

func newLeaf(n *pdp.CondTrace, negated bool, at []int) *Leaf {
	l := &Leaf{
		At: at, Path: pdp.Clean(n.Path), Operator: pdp.Clean(n.Operator), Ref: pdp.Clean(n.Ref),
		Expected: n.Expected, Actual: n.Actual, Missing: n.Missing, Negated: negated, Node: n,
	}
	if l.At == nil {
		l.At = []int{}
	}
	if !n.Missing {
		if et, at := pdp.TypeName(n.Expected), pdp.TypeName(n.Actual); et != at {
			l.ExpectedType, l.ActualType = et, at
		}
	}
	l.Sentence = LeafSentence(n, negated)
	return l
}

// LeafSentence says what a leaf compared, with both types when they differ:
//
//	resource.hasApproval equals "true" (string) — got true (bool)
//	user.location equals England — missing
//	user.owner equals resource.owner ("5", string) — got 5 (number)
//	not: user.banned equals true — holds
//
// negated marks a leaf under a not that holds (and must not).
func LeafSentence(n *pdp.CondTrace, negated bool) string {
	want := value(n.Expected)
	if n.Ref != "" {
		want = pdp.Clean(n.Ref)
	}
	s := fmt.Sprintf("%s %s %s", pdp.Clean(n.Path), pdp.Clean(n.Operator), want)
	if negated {
		s = "not: " + s
	}
	if n.Missing {
		if n.Ref != "" && n.Actual != nil {
			return s + " — " + want + " is missing"
		}
		return s + " — missing"
	}
	got := value(n.Actual)
	et, at := pdp.TypeName(n.Expected), pdp.TypeName(n.Actual)
	switch {
	case n.Ref != "" && et != at:
		s = fmt.Sprintf("%s (%s, %s) — got %s (%s)", s, value(n.Expected), et, got, at)
	case n.Ref != "":
		s = fmt.Sprintf("%s (%s) — got %s", s, value(n.Expected), got)
	case et != at:
		s = fmt.Sprintf("%s (%s) — got %s (%s)", s, et, got, at)
	default:
		s += " — got " + got
	}
	if negated {
		s += ", which holds"
	}
	return s
}

// value writes a value as it would be typed after '=', cleaned: it may come
// from a remote party or a hostile policy.
func value(v any) string { return pdp.Clean(pdp.FormatValue(v)) }
