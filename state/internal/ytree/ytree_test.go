package ytree

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseValuesAndPositions(t *testing.T) {
	src := `base: &b {a: 1, s: "2"}
copy: *b
merged:
  <<: *b
  a: 3
tagged: !!str 12
list: [true, null, 1.5]
`
	root, probs := Parse("f.yaml", []byte(src))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	got := root.JSON()
	want := map[string]any{
		"base":   map[string]any{"a": 1.0, "s": "2"},
		"copy":   map[string]any{"a": 1.0, "s": "2"},
		"merged": map[string]any{"a": 3.0, "s": "2"},
		"tagged": "12",
		"list":   []any{true, nil, 1.5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
	if n := root.Get("list"); n.Line != 7 || n.Col != 7 {
		t.Errorf("list at %d:%d", n.Line, n.Col)
	}
	if n := root.Get("copy"); n.Line != 2 {
		t.Errorf("an alias is placed where it is used, got line %d", n.Line)
	}
}

func TestParseProblems(t *testing.T) {
	_, probs := Parse("f.yaml", []byte("a: 1\nb: *nope\na: 2\n"))
	got := probs.Error()
	for _, w := range []string{"f.yaml:2:4: alias *nope has no anchor", `f.yaml:3:1: duplicate key "a" (first at line 1)`} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
	if Problems(nil).Err() != nil {
		t.Error("no problems must be a nil error")
	}
}
