package ytree

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var testOptions = Options{Kind: "test", Root: "the file", MaxDepth: 20, MaxExpansion: 1000}

func parse(t *testing.T, src string) *Node {
	t.Helper()
	root, probs := Parse("f.yaml", []byte(src), testOptions)
	if len(probs) > 0 || root == nil {
		t.Fatalf("%q: %v", src, probs)
	}
	return root
}

func TestParseValuesAndPositions(t *testing.T) {
	src := `base: &b {a: 1, s: "2"}
copy: *b
merged:
  <<: *b
  a: 3
tagged: !!str 12
list: [true, null, 1.5]
`
	root := parse(t, src)
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
	if n := root.Get("copy"); n.Line != 2 || n.Col != 7 {
		t.Errorf("an alias is placed where it is used, got %d:%d", n.Line, n.Col)
	}
	if n := root.Get("tagged"); !n.Quoted {
		t.Error("!!str 12 is text the author meant as text")
	}
}

// TestScalarsAsJSON: every YAML spelling reads as the JSON value it stands
// for; what JSON cannot hold is Unreadable, not a wrong value.
func TestScalarsAsJSON(t *testing.T) {
	for src, want := range map[string]any{
		"3": 3.0, "-7": -7.0, "2.5": 2.5, "1e3": 1000.0, "0x10": 16.0, "0o17": 15.0, "1_000": 1000.0,
		"18446744073709551615": 18446744073709551615.0, "true": true, "False": false, "~": nil, "null": nil,
		`"3"`: "3", "'x'": "x", "2024-01-01": "2024-01-01", "yes": "yes", "!secret 3": 3.0, "!!int 7": 7.0,
		"a:b": "a:b",
	} {
		n := parse(t, "v: "+src+"\n").Get("v")
		if got := n.Value(); got != want {
			t.Errorf("%s: got %#v (%s), want %#v", src, got, n.Describe(), want)
		}
	}
	for _, src := range []string{".inf", "-.Inf", ".nan", "1e400", "!!int abc", "!!float x"} {
		if n := parse(t, "v: "+src+"\n").Get("v"); n.Kind != Unreadable {
			t.Errorf("%s: got %s, want an unreadable value", src, n.Describe())
		}
	}
	if n := parse(t, `{"v": 1e400}`).Get("v"); n.Kind != Unreadable || n.Text != "1e400" {
		t.Errorf("JSON 1e400: got %s %q", n.Describe(), n.Text)
	}
}

func TestParseProblems(t *testing.T) {
	for src, want := range map[string]string{
		"a: 1\nb: *nope\n":             "f.yaml:2:4: alias *nope has no anchor &nope",
		"a: 1\na: 2\n":                 `f.yaml:2:1: duplicate key "a" in the file (first at line 1)`,
		"x:\n  - {a: 1, a: 2}\n":       `f.yaml:2:12: duplicate key "a" in item 1 of "x" (first at line 2)`,
		`{"a": {"b": 1, "b": 2}}`:      `f.yaml:1:16: duplicate key "b" in "a" (first at line 1)`,
		"? [a]\n: 1\n":                 `f.yaml:1:3: a key in the file must be a plain name, not a list`,
		"a: 1\n---\nb: 2\n":            `f.yaml:3:1: a test file holds one YAML document, but here another one starts: remove the "---" line or split the file`,
		"m:\n  <<: 3\n":                `f.yaml:2:3: << merges a mapping or a list of mappings, not a number`,
		"a: &a {x: *a}\n":              "f.yaml:1:11: alias *a expands without end or to too many values: is it inside its own anchor?",
		"a: [1, 2\nb: 3\n":             "f.yaml:1:4: YAML syntax error: did not find expected ',' or ']'",
		"a:\n  b: 1\n c: 2\n":          "f.yaml:3:2: YAML syntax error: did not find expected key",
		"a: \"x\n":                     "f.yaml:2:1: YAML syntax error: found unexpected end of stream",
		"a: b: c\n":                    "f.yaml:1:1: YAML syntax error: mapping values are not allowed in this context",
		"a: 1\n\tb: 2\n":               "f.yaml:2:2: YAML syntax error: found a tab character that violates indentation",
		"a: [1]\nb: {c: [2, {d: 3]}\n": "f.yaml:2:12: YAML syntax error: did not find expected ',' or '}'",
	} {
		_, probs := Parse("f.yaml", []byte(src), testOptions)
		if got := probs.Error(); got != want {
			t.Errorf("%q:\n got %s\nwant %s", src, got, want)
		}
	}
	if Problems(nil).Err() != nil {
		t.Error("no problems must be a nil error")
	}
}

// TestAliasesAreCounted: aliases that would expand exponentially are
// refused without being expanded.
func TestAliasesAreCounted(t *testing.T) {
	src := "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i <= 9; i++ {
		src += "a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat("*a"+string(rune('0'+i-1))+", ", 9) + "*a" + string(rune('0'+i-1)) + "]\n"
	}
	root, probs := Parse("f.yaml", []byte(src), testOptions)
	if root != nil || len(probs) != 1 || !strings.Contains(probs[0].Msg, "expand") {
		t.Errorf("got %v", probs)
	}
	// Deep nesting through aliases is held to the limit too.
	src = "a: &a [[[[[[[[[[1]]]]]]]]]]\nb: &b [*a, [[[[[[[[[*a]]]]]]]]]]\n"
	if root, probs := Parse("f.yaml", []byte(src), testOptions); root != nil || len(probs) != 1 || !strings.Contains(probs[0].Msg, "nests more than 20") {
		t.Errorf("got %v", probs)
	}
}

func TestByteOrderMark(t *testing.T) {
	for src, col := range map[string]int{"\uFEFFa: 1\n": 1, "\uFEFF{\"a\": 1}": 2} {
		e := parse(t, src).Entry("a")
		if e == nil || e.Val.Num != 1 || e.Line != 1 || e.Col != col {
			t.Errorf("%q: got %+v", src, e)
		}
	}
}

// TestJSONScannerAgreesWithYAML: JSON read by the scanner gives the tree
// the YAML parser gives for the same text, positions included.
func TestJSONScannerAgreesWithYAML(t *testing.T) {
	for _, src := range []string{
		`{"version": 1, "a": [1, -2.5e3, true, false, null, "x", {"b": {}}, []],` + "\n" + `  "é": "\u00e9\n\t\"\\", "s": "𝄞"}`,
		"[\r\n 1,\r\n \"ü\", {\"k\": \"v\"}]",
		`{"dup": 1, "dup": 2, "n": 0.5}`,
		"{\"a\":\n\n   [ [ [1] ] ] }",
	} {
		js := newBuilder("f", testOptions)
		fromJSON, ok := js.json([]byte(src))
		if !ok {
			t.Fatalf("%q: the scanner refused valid JSON", src)
		}
		docs, err := parseYAML([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		ys := newBuilder("f", testOptions)
		fromYAML, _, _ := ys.node(docs[0].Content[0], 0)
		if !reflect.DeepEqual(fromJSON, fromYAML) || !reflect.DeepEqual(js.probs, ys.probs) {
			t.Errorf("%q:\nJSON %s %v\nYAML %s %v", src, dump(fromJSON), js.probs, dump(fromYAML), ys.probs)
		}
	}
	// JSON escapes the YAML parser does not know.
	if n := parse(t, `{"s": "\ud834\udd1e\/"}`).Get("s"); n.Text != "𝄞/" {
		t.Errorf("escapes: %q", n.Text)
	}
	for _, src := range []string{`{"a": 1,}`, `{a: 1}`, `{"a": 01}`, `{"a": 1} x`, `{"a": "\ud834"}`, "{\"a\": \"\x01\"}", `[1, 2`} {
		if _, ok := newBuilder("f", testOptions).json([]byte(src)); ok {
			t.Errorf("%q: the scanner took what is not JSON", src)
		}
	}
}

func dump(n *Node) string {
	if n == nil {
		return "<nil>"
	}
	var b strings.Builder
	var walk func(n *Node, indent string)
	walk = func(n *Node, indent string) {
		b.WriteString(strings.TrimSpace(strings.Join([]string{indent, n.Describe(), n.Text}, " ")))
		b.WriteString(" @" + strconv.Itoa(n.Line) + ":" + strconv.Itoa(n.Col) + "\n")
		for _, e := range n.Entries {
			b.WriteString(indent + "  " + e.Key + " @" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + "\n")
			walk(e.Val, indent+"    ")
		}
		for _, it := range n.Items {
			walk(it, indent+"  ")
		}
	}
	walk(n, "")
	return b.String()
}

// TestDepthScan: nesting is measured from the text, counting only what is
// structure: brackets in quotes, comments, block scalars and plain text do
// not count.
func TestDepthScan(t *testing.T) {
	deep := func(src string, max int) (int, int, bool) { return tooDeep([]byte(src), max) }
	for _, tc := range []struct {
		name      string
		src       string
		max       int
		deep      bool
		line, col int
	}{
		{"flow", "a: [[[x]]]\n", 3, true, 1, 6},
		{"flow within the limit", "a: [[[x]]]\n", 4, false, 0, 0},
		{"flow over lines", "a: [\n  [\n    [x]]]\n", 3, true, 3, 5},
		{"block", "a:\n  b:\n    c:\n      d: 1\n", 3, true, 4, 7},
		{"block within the limit", "a:\n  b:\n    c:\n      d: 1\n", 4, false, 0, 0},
		{"compact sequences", "- - - - x\n", 3, true, 1, 7},
		{"sequence of mappings", "- a:\n  - b: 1\n", 2, true, 2, 5},
		{"siblings do not nest", "a: 1\nb: 2\nc:\n  d: [1]\ne: {f: 1}\n", 3, false, 0, 0},
		{"brackets in quotes", "a: \"[[[[\"\nb: '[[[['\nc: \"x\\\"[[[[\"\n", 2, false, 0, 0},
		{"brackets in a quote over lines", "a: \"x\n  [[[[[\n  y\"\n", 2, false, 0, 0},
		{"brackets in comments", "a: 1 # [[[[[\n# {{{{{\n", 2, false, 0, 0},
		{"brackets in plain text", "a: x[[[[\nb: '[' \n", 2, false, 0, 0},
		{"apostrophe in flow text", "a: [it's, [[x]]]\n", 4, false, 0, 0},
		{"block scalar", "a: |\n  b:\n    c:\n      d: [[[[\ne: 1\n", 2, false, 0, 0},
		{"block scalar in a list", "- |\n  - - - -\n- x\n", 2, false, 0, 0},
		{"nesting after a block scalar", "a: |\n  x\nb:\n  c: [[x]]\n", 3, true, 4, 7},
		{"documents", "a:\n  b: 1\n---\nc:\n  d: 1\n", 2, false, 0, 0},
		{"JSON", `{"a": [{"b": "]]]"}, [[1]]]}`, 3, true, 1, 23},
		{"wide", "a: [" + strings.Repeat("[1], ", 1000) + "1]\n", 3, false, 0, 0},
	} {
		line, col, deep := deep(tc.src, tc.max)
		if deep != tc.deep || line != tc.line || col != tc.col {
			t.Errorf("%s: got %v at %d:%d, want %v at %d:%d", tc.name, deep, line, col, tc.deep, tc.line, tc.col)
		}
	}
}

// TestDeepDocumentRefusedBeforeParsing: a document nested past the limit
// is refused by the scan, with its line, and no parser ever reads it.
func TestDeepDocumentRefusedBeforeParsing(t *testing.T) {
	saved := parseYAML
	defer func() { parseYAML = saved }()
	parseYAML = func([]byte) ([]*yaml.Node, error) {
		t.Error("an over-deep document reached the YAML parser")
		return nil, nil
	}
	for _, src := range []string{
		"a:\n  b: " + strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000) + "\n",
		"a:\n" + strings.Repeat("- ", 200_000) + "x\n",
		strings.Repeat("{\"a\": ", 100_000) + "1" + strings.Repeat("}", 100_000),
	} {
		root, probs := Parse("deep.yaml", []byte(src), testOptions)
		if root != nil || len(probs) != 1 || probs[0].Line == 0 || probs[0].Msg != "the file nests more than 20 levels deep" {
			t.Errorf("got %v", probs)
		}
	}
}
