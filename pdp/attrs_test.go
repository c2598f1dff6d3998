package pdp

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseAttrTypes(t *testing.T) {
	cases := []struct {
		pair string
		key  string
		want any
	}{
		{"n=3", "n", 3.0},
		{"f=1.5", "f", 1.5},
		{"b=true", "b", true},
		{"b=false", "b", false},
		{`s="true"`, "s", "true"},
		{`s="3"`, "s", "3"},
		{"list=[1,2]", "list", []any{1.0, 2.0}},
		{`obj={"a":1}`, "obj", map[string]any{"a": 1.0}},
		{"nil=null", "nil", nil},
		{"location=England", "location", "England"},
		{"name=New York", "name", "New York"},
		{"empty=", "empty", ""},
		{"eq=a=b", "eq", "a=b"},
		{"two=1 2", "two", "1 2"},
		{"story=true story", "story", "true story"},
		{"brace={not json", "brace", "{not json"},
		{" spaced = 4 ", "spaced", 4.0},
	}
	for _, c := range cases {
		path, v, err := ParseAttr(c.pair)
		if err != nil {
			t.Errorf("ParseAttr(%q): %v", c.pair, err)
			continue
		}
		if strings.Join(path, ".") != c.key {
			t.Errorf("ParseAttr(%q) key = %q, want %q", c.pair, strings.Join(path, "."), c.key)
		}
		if !reflect.DeepEqual(v, c.want) {
			t.Errorf("ParseAttr(%q) = %#v (%s), want %#v", c.pair, v, TypeName(v), c.want)
		}
	}
}

func TestParseAttrMalformed(t *testing.T) {
	for _, pair := range []string{"noequals", "=3", "a..b=1", ".a=1", "a.=1"} {
		_, _, err := ParseAttr(pair)
		if err == nil {
			t.Errorf("ParseAttr(%q) accepted a malformed pair", pair)
			continue
		}
		if !strings.Contains(err.Error(), pair) {
			t.Errorf("ParseAttr(%q) error %q does not name the pair", pair, err)
		}
	}
}

func TestParseAttrsNestedAndLaterWins(t *testing.T) {
	got, err := ParseAttrs([]string{"a.b=1", "a.c=x", "d=1", "d=2", `e={"x":1}`, "e.y=2"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": map[string]any{"b": 1.0, "c": "x"},
		"d": 2.0,
		"e": map[string]any{"x": 1.0, "y": 2.0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestParseAttrsConflictNamesPair(t *testing.T) {
	_, err := ParseAttrs([]string{"a=1", "a.b=2"})
	if err == nil || !strings.Contains(err.Error(), "a.b=2") {
		t.Fatalf("want an error naming a.b=2, got %v", err)
	}
}

func TestSplitPairs(t *testing.T) {
	got, err := SplitPairs(`a=1 tags=["x", "y"], name="New York"  obj={"k": [1, 2]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a=1", `tags=["x", "y"]`, `name="New York"`, `obj={"k": [1, 2]}`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, bad := range []string{`a="open`, `a=[1,2`} {
		if _, err := SplitPairs(bad); err == nil {
			t.Errorf("SplitPairs(%q) accepted unbalanced input", bad)
		}
	}
}

func TestFormatAttrsRoundTrip(t *testing.T) {
	in := map[string]any{
		"s":     "true",
		"b":     true,
		"n":     3.0,
		"plain": "England",
		"space": "New York",
		"list":  []any{"a", 1.0},
		"nest":  map[string]any{"x": "1", "y": false},
		"empty": "",
	}
	text := FormatAttrs(in)
	out, err := ParseAttrText(text)
	if err != nil {
		t.Fatalf("ParseAttrText(%q): %v", text, err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip through %q:\n got %#v\nwant %#v", text, out, in)
	}
	if !strings.Contains(text, `s="true"`) || !strings.Contains(text, "b=true") {
		t.Fatalf("types are not visible in %q", text)
	}
}

func TestMergeAttrs(t *testing.T) {
	a := map[string]any{"x": map[string]any{"p": 1.0, "q": 2.0}, "arr": []any{1.0, 2.0}, "s": "a"}
	b := map[string]any{"x": map[string]any{"q": 3.0}, "arr": []any{9.0}, "t": "b"}
	got := MergeAttrs(a, b)
	want := map[string]any{"x": map[string]any{"p": 1.0, "q": 3.0}, "arr": []any{9.0}, "s": "a", "t": "b"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v want %#v", got, want)
	}
	if a["x"].(map[string]any)["q"] != 2.0 {
		t.Fatal("MergeAttrs modified its input")
	}
}
