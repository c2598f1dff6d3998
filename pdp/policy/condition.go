package policy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pdpx/pdpx/pdp/ytree"
)

// The keys of a condition's inner nodes.
const (
	KeyAllOf = "allOf"
	KeyAnyOf = "anyOf"
	KeyNot   = "not"
)

var innerKeys = []string{KeyAllOf, KeyAnyOf, KeyNot}

// PathRoots are the first segments a condition path may have: user.location,
// resource.owner, tenant.plan, context.ip, role.level.
var PathRoots = []string{"user", "resource", "tenant", "context", "role"}

// listOperators take a list as their value; a literal of another type can
// never match, so it is reported rather than evaluated to false forever.
var listOperators = map[string]bool{"in": true, "array_intersect": true, "array_subset": true, "array_superset": true}

// MarshalJSON writes the condition in the file's shape: {"allOf": [...]},
// or {"user.location": {"equals": "England"}} for a leaf, with
// {"ref": "resource.owner"} as the value of a reference.
func (c Condition) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 1)
	if c.AllOf != nil {
		m[KeyAllOf] = c.AllOf
	}
	if c.AnyOf != nil {
		m[KeyAnyOf] = c.AnyOf
	}
	if c.Not != nil {
		m[KeyNot] = c.Not
	}
	if c.Path != "" {
		var v any = c.Value
		if c.Ref != "" {
			v = map[string]string{"ref": c.Ref}
		}
		m[c.Path] = map[string]any{c.Operator: v}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes. Numbers become float64, as
// encoding/json makes them anywhere else. Only the shape is checked here;
// Policy.Validate checks operators and paths.
func (c *Condition) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("a condition must be an object: %w", err)
	}
	*c = Condition{}
	if len(m) == 0 {
		return nil
	}
	if len(m) > 1 {
		return fmt.Errorf("a condition holds exactly one key, not %d (%s): put several in allOf", len(m), strings.Join(sortedKeys(m), ", "))
	}
	for k, raw := range m {
		switch k {
		case KeyAllOf, KeyAnyOf, KeyNot:
			var list []*Condition
			if err := json.Unmarshal(raw, &list); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if list == nil {
				return fmt.Errorf("%s must be a list of conditions, not null", k)
			}
			switch k {
			case KeyAllOf:
				c.AllOf = list
			case KeyAnyOf:
				c.AnyOf = list
			default:
				c.Not = list
			}
		default:
			var ops map[string]json.RawMessage
			if err := json.Unmarshal(raw, &ops); err != nil || len(ops) != 1 {
				return fmt.Errorf("condition on %s must be {operator: value}, like {\"equals\": \"England\"}", k)
			}
			c.Path = k
			for op, val := range ops {
				c.Operator = op
				var ref struct {
					Ref *string `json:"ref"`
				}
				var probe map[string]json.RawMessage
				if json.Unmarshal(val, &probe) == nil && len(probe) == 1 && json.Unmarshal(val, &ref) == nil && ref.Ref != nil {
					c.Ref = *ref.Ref
					continue
				}
				if err := json.Unmarshal(val, &c.Value); err != nil {
					return fmt.Errorf("condition on %s: %w", k, err)
				}
			}
		}
	}
	return nil
}

// String renders the condition on one line for people:
// `allOf(user.department equals "Engineering", user.location equals "England")`.
func (c *Condition) String() string {
	if c == nil {
		return "<empty>"
	}
	list := func(name string, cs []*Condition) string {
		parts := make([]string, len(cs))
		for i, x := range cs {
			parts[i] = x.String()
		}
		return name + "(" + strings.Join(parts, ", ") + ")"
	}
	switch {
	case c.AllOf != nil:
		return list(KeyAllOf, c.AllOf)
	case c.AnyOf != nil:
		return list(KeyAnyOf, c.AnyOf)
	case c.Not != nil:
		return list(KeyNot, c.Not)
	case c.Path == "":
		return "<empty>"
	case c.Ref != "":
		return c.Path + " " + c.Operator + " " + c.Ref
	}
	v, err := json.Marshal(c.Value)
	if err != nil {
		v = []byte(fmt.Sprint(c.Value))
	}
	return c.Path + " " + c.Operator + " " + string(v)
}

// Walk calls fn for c and every node below it, parents first, and stops
// early when fn returns false for a node (its children are then skipped).
func (c *Condition) Walk(fn func(*Condition) bool) {
	if c == nil || !fn(c) {
		return
	}
	for _, list := range [][]*Condition{c.AllOf, c.AnyOf, c.Not} {
		for _, child := range list {
			child.Walk(fn)
		}
	}
}

// SplitPath splits a condition path "user.location" into its root ("user")
// and the attribute path below it ("location"). ok is false when the root is
// not one of PathRoots or the attribute part is missing or has an empty
// segment ("user..x").
func SplitPath(path string) (root, attr string, ok bool) {
	root, attr, found := strings.Cut(path, ".")
	if !found || attr == "" || !contains(PathRoots, root) {
		return root, attr, false
	}
	for _, seg := range strings.Split(attr, ".") {
		if seg == "" {
			return root, attr, false
		}
	}
	return root, attr, true
}

// condition decodes one node of a condition tree. It reports only what the
// Condition type cannot hold (several keys in one node, a leaf without an
// operator); operators and paths are checked later by the validator, which
// also sees conditions built in Go.
func (d *decoder) condition(n *ytree.Node, l *loc) *Condition {
	if isNull(n) {
		d.markBad(n, l, "%s is an empty condition: write allOf, anyOf, not or {path: {operator: value}}", l.name())
		return nil
	}
	if n.Kind == ytree.List {
		d.markBad(n, l, "%s must be one condition, not a list: put the list under allOf (all must hold) or anyOf (one must)", l.name())
		return nil
	}
	entries, ok := d.mapping(n, l, nil)
	if !ok {
		return nil
	}
	if len(entries) == 0 {
		d.markBad(n, l, "%s is an empty condition: write allOf, anyOf, not or {path: {operator: value}}", l.name())
		return nil
	}
	if len(entries) > 1 {
		keys := make([]string, len(entries))
		for i, e := range entries {
			keys[i] = e.Key
		}
		d.errorAt(keyPos(entries[1]), "a condition holds exactly one key, but %s has %d (%s): list them under allOf",
			l.name(), len(entries), strings.Join(keys, ", "))
	}
	e := entries[0]
	c := &Condition{}
	switch e.Key {
	case KeyAllOf, KeyAnyOf, KeyNot:
		list := d.conditionList(e.Val, d.child(loc{parent: l, key: e.Key, label: e.Key}))
		d.pop()
		if list == nil {
			return nil
		}
		switch e.Key {
		case KeyAllOf:
			c.AllOf = list
		case KeyAnyOf:
			c.AnyOf = list
		default:
			c.Not = list
		}
		return c
	}
	if !strings.Contains(e.Key, ".") {
		// Not a path at all: most likely a misspelled allOf/anyOf/not.
		d.src.bad[pathKey(l.path())] = true
		d.errorAt(keyPos(e), "unknown condition key %q: a condition is allOf, anyOf, not or an attribute path like user.location%s",
			e.Key, ytree.DidYouMean(e.Key, innerKeys))
		return nil
	}
	c.Path = e.Key
	if !d.leaf(c, e, l) {
		return nil
	}
	return c
}

// leaf decodes {operator: value} below a leaf's path.
func (d *decoder) leaf(c *Condition, e entry, l *loc) bool {
	shape := fmt.Sprintf("the condition on %s must be {operator: value}, like {equals: England}", c.Path)
	if e.Val == nil || e.Val.Kind != ytree.Map {
		if isNull(e.Val) {
			d.src.bad[pathKey(l.path())] = true
			d.errorAt(keyPos(e), "%s, not %s", shape, e.Val.Describe())
		} else {
			d.markBad(e.Val, l, "%s, not %s", shape, e.Val.Describe())
		}
		return false
	}
	ops, _ := d.mapping(e.Val, &loc{parent: l, key: c.Path}, nil)
	if len(ops) == 0 {
		d.src.bad[pathKey(l.path())] = true
		d.errorAt(keyPos(e), "%s: it has no operator", shape)
		return false
	}
	if len(ops) > 1 {
		d.errorAt(keyPos(ops[1]), "the condition on %s has %d operators, but a leaf takes one: write one leaf per operator under allOf",
			c.Path, len(ops))
	}
	op := ops[0]
	c.Operator = op.Key
	if ref, ok := refNode(op.Val); ok {
		s, isStr := ref.String()
		if !isStr || s == "" {
			d.markBad(ref, &loc{parent: l, key: atRef}, "ref must be an attribute path like user.key, not %s", ref.Describe())
			return true
		}
		c.Ref = s
		return true
	}
	v, ok := d.value(op.Val, d.child(loc{parent: l, key: atValue, label: "the value"}))
	d.pop()
	if ok {
		c.Value = v
	}
	return true
}

// refNode returns the value of {ref: x} when n is a mapping with the single
// key "ref". A mapping with more keys is a literal object to compare with.
func refNode(n *ytree.Node) (*ytree.Node, bool) {
	if n == nil || n.Kind != ytree.Map || len(n.Entries) != 1 || n.Entries[0].Key != "ref" {
		return nil, false
	}
	return n.Entries[0].Val, true
}

// conditionList decodes the list under allOf, anyOf or not, at l (labelled
// with its key). It returns a non-nil slice, empty for [], so that
// "allOf: []" stays an allOf node.
func (d *decoder) conditionList(n *ytree.Node, l *loc) []*Condition {
	if n == nil || n.Kind != ytree.List {
		d.markBad(n, l, "%s takes a list of conditions, not %s: write %s: [...]", l.key, n.Describe(), l.key)
		return nil
	}
	out := make([]*Condition, len(n.Items))
	for i, item := range n.Items {
		out[i] = d.condition(item, d.child(loc{parent: l, index: i, item: true}))
		d.pop()
	}
	return out
}
