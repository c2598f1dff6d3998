package policy

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestConditionJSONRoundTrip: conditions survive encoding/json both ways, in
// the file's own shape.
func TestConditionJSONRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Condition
		json string
	}{
		{"leaf", Condition{Path: "user.location", Operator: "equals", Value: "England"},
			`{"user.location":{"equals":"England"}}`},
		{"ref", Condition{Path: "user.key", Operator: "equals", Ref: "resource.owner"},
			`{"user.key":{"equals":{"ref":"resource.owner"}}}`},
		{"number", Condition{Path: "user.level", Operator: "greater-than", Value: 3.0},
			`{"user.level":{"greater-than":3}}`},
		{"null", Condition{Path: "tenant.plan", Operator: "equals"},
			`{"tenant.plan":{"equals":null}}`},
		{"list", Condition{Path: "user.l", Operator: "in", Value: []any{"a", 1.0}},
			`{"user.l":{"in":["a",1]}}`},
		{"object literal", Condition{Path: "user.o", Operator: "equals", Value: map[string]any{"ref": "x", "b": true}},
			`{"user.o":{"equals":{"b":true,"ref":"x"}}}`},
		{"tree", Condition{AnyOf: []*Condition{
			{AllOf: []*Condition{{Path: "user.a", Operator: "equals", Value: "x"}}},
			{Not: []*Condition{{Path: "user.b", Operator: "contains", Value: "y"}}},
		}}, `{"anyOf":[{"allOf":[{"user.a":{"equals":"x"}}]},{"not":[{"user.b":{"contains":"y"}}]}]}`},
		{"empty allOf", Condition{AllOf: []*Condition{}}, `{"allOf":[]}`},
		{"empty", Condition{}, `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.json {
				t.Errorf("Marshal = %s, want %s", b, tc.json)
			}
			// Through a pointer, as the Policy holds them.
			if pb, _ := json.Marshal(&tc.c); string(pb) != tc.json {
				t.Errorf("Marshal(&c) = %s", pb)
			}
			var back Condition
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.c) {
				t.Errorf("Unmarshal = %#v, want %#v", back, tc.c)
			}
			// The YAML loader reads the same JSON to the same condition.
			if tc.c.Path != "" || tc.c.AllOf != nil || tc.c.AnyOf != nil {
				p, err := Parse("c.json", []byte(`{"version": 1, "user_sets": {"s": {"conditions": `+tc.json+`}}}`))
				if err != nil {
					t.Fatal(err)
				}
				if got := p.UserSets["s"].Conditions; !reflect.DeepEqual(*got, tc.c) {
					t.Errorf("Parse = %#v, want %#v", *got, tc.c)
				}
			}
		})
	}
}

func TestConditionUnmarshalErrors(t *testing.T) {
	for _, in := range []string{
		`[]`,
		`{"allOf": [], "anyOf": []}`,
		`{"allOf": null}`,
		`{"allOf": {}}`,
		`{"user.a": "x"}`,
		`{"user.a": {"equals": 1, "in": []}}`,
	} {
		var c Condition
		if err := json.Unmarshal([]byte(in), &c); err == nil {
			t.Errorf("%s: want an error, got %#v", in, c)
		}
	}
}

func TestConditionString(t *testing.T) {
	c := &Condition{AllOf: []*Condition{
		{Path: "user.key", Operator: "equals", Ref: "resource.owner"},
		{Not: []*Condition{{Path: "user.n", Operator: "less-than", Value: 3.0}}},
	}}
	if got, want := c.String(), `allOf(user.key equals resource.owner, not(user.n less-than 3))`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var nilCond *Condition
	if nilCond.String() != "<empty>" {
		t.Error("a nil condition prints as <empty>")
	}
}

func TestConditionWalk(t *testing.T) {
	p := mustLoad(t, "testdata/conditions.yaml")
	var paths []string
	p.UserSets["mixed"].Conditions.Walk(func(c *Condition) bool {
		if c.IsLeaf() {
			paths = append(paths, c.Path)
		}
		return c.Not == nil // skip what is under not
	})
	want := []string{"user.location", "role.level", "context.ip", "tenant.plan", "user.tags"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("Walk visited %v, want %v", paths, want)
	}
}

func TestSplitPath(t *testing.T) {
	for _, tc := range []struct {
		in         string
		root, attr string
		ok         bool
	}{
		{"user.location", "user", "location", true},
		{"resource.meta.owner", "resource", "meta.owner", true},
		{"role.level", "role", "level", true},
		{"user", "user", "", false},
		{"user.", "user", "", false},
		{"user..x", "user", ".x", false},
		{"owner.key", "owner", "key", false},
	} {
		root, attr, ok := SplitPath(tc.in)
		if root != tc.root || attr != tc.attr || ok != tc.ok {
			t.Errorf("SplitPath(%q) = %q, %q, %v; want %q, %q, %v", tc.in, root, attr, ok, tc.root, tc.attr, tc.ok)
		}
	}
}
