package ytree

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func init() { blockStrict = true }

// FuzzParse: no input makes Parse panic, and whatever it refuses it
// refuses with a position.
func FuzzParse(f *testing.F) {
	for _, src := range append(append([]string{}, blockCases...), blockGiveUps...) {
		f.Add(src)
	}
	f.Add(`{"a": [1, {"b": "\u00e9"}], "c": null}`)
	f.Fuzz(func(t *testing.T, src string) {
		root, probs := Parse("f", []byte(src), testOptions)
		for _, p := range probs {
			if p.Line == 0 {
				t.Errorf("%q: a problem without a line: %v", src, p)
			}
		}
		if root == nil && len(probs) == 0 {
			t.Errorf("%q: no tree and no problem", src)
		}
	})
}

// viaParser builds the tree with the YAML parser, as Parse does for what
// the block reader leaves.
func viaParser(t testing.TB, src []byte) (*Node, Problems, bool) {
	docs, err := parseYAML(src)
	if err != nil || len(docs) != 1 || len(docs[0].Content) == 0 {
		return nil, nil, false
	}
	b := newBuilder("f", testOptions)
	n, _, _ := b.node(docs[0].Content[0], 0)
	return n, b.probs, !b.stop
}

// sameAsParser fails when the block reader reads src differently from the
// YAML parser. It reports whether the block reader read it at all.
func sameAsParser(t testing.TB, name string, src []byte) bool {
	t.Helper()
	b := newBuilder("f", testOptions)
	fast, ok := b.block(src)
	if !ok {
		return false
	}
	slow, probs, parsed := viaParser(t, src)
	if !parsed {
		t.Errorf("%s: the block reader took what the YAML parser refuses:\n%s", name, src)
		return true
	}
	if !reflect.DeepEqual(fast, slow) || !reflect.DeepEqual(b.probs, probs) {
		t.Errorf("%s: the block reader and the YAML parser disagree on\n%s\nblock:\n%s%v\nparser:\n%s%v", name, src, dump(fast), b.probs, dump(slow), probs)
	}
	return true
}

var blockCases = []string{
	"a: 1\nb: two words\nc: 'it''s'\nd: \"q\"\ne: -5\nf: -x\ng: 1e3\nh: 0x1F\ni: ~\nj: true\nk: yes\nl: 2024-01-01\nm:\nn: .5\no: +1\np: <<\n",
	"# head\nversion: 1 # trailing\n\nresources:\n  document:\n    actions: [read, \"update\", 'x', document:read]\n    attributes: {a: string, \"b\": number, c: {d: [1, -2]}}\n",
	"list:\n- a\n- b: 1\n  c: 2\n- [x, y]\n- {}\n- []\nafter: 1\n",
	"list:\n  - a: 1\n    b:\n      - x\n      - y\n  - c\n",
	"- a\n- b\n",
	"- k: v\n  l: w\n- k: x\n",
	"a:\n  b:\n    c:\n      d: deep\n  e: back\nf: top\n",
	"dup: 1\ndup: 2\nx: {a: 1, a: 2}\n",
	"dup:\n  x: {a: 1, a: 2}\ndup:\n  y: {b: 1, b: 2}\n",
	"ünï: çödé\nkey: [é, {ü: 1}]\n",
	"url: http://example.com/a#b\nhash: a#b\ncolon: a:b\nspace key: v\nkey with trailing space : v\n",
	"2024: a\ntrue: b\n1.5: c\n",
	"windows: 1\r\nline: 2\r\n",
	"empty flow: {}\nempty list: []\nnested: [[], [[]], {a: []}]\n",
	"q: \"a # not a comment\"\nr: 'b: not a key'\n",
}

// blockGiveUps are files the block reader must leave to the YAML parser.
var blockGiveUps = []string{
	"a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  text\n", "a: >\n  text\n", "a: multi\n  line\n",
	"a: \"esc\\n\"\n", "a: \"multi\n  line\"\n", "a: [1,\n  2]\n", "---\na: 1\n", "a: 1\n---\nb: 2\n",
	"a:\n\tb: 1\n", "? a\n: b\n", "m:\n  <<: {a: 1}\n", "a: [b: c]\n", "a: {b}\n", "a: b: c\n",
	"- - x\n", "-\n  a: 1\n", "a: [1, 2,]\n", "scalar\n", "a: @x\n", "", "# only a comment\n",
	"a:\n  b: 1\n c: 2\n", "a: 1\n  b: 2\n", "- a\nb: 1\n", "a: ?x\n", "a: {b: }\n",
}

func TestBlockReaderAgreesWithParser(t *testing.T) {
	for i, src := range blockCases {
		if !sameAsParser(t, "case "+strconv.Itoa(i), []byte(src)) {
			t.Errorf("case %d: the block reader gave up on\n%s", i, src)
		}
	}
	for _, src := range blockGiveUps {
		if _, ok := newBuilder("f", testOptions).block([]byte(src)); ok {
			t.Errorf("the block reader took\n%s", src)
		}
	}
	// The repository's own YAML files: the reader takes them, and reads
	// them as the parser does.
	files, _ := filepath.Glob("../../pdp/policy/testdata/*.yaml")
	more, _ := filepath.Glob("../../scenarios/*.yaml")
	files = append(append(files, more...), "../../pdp/policy/demo.yaml")
	if len(files) < 5 {
		t.Fatalf("found only %v", files)
	}
	taken := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if sameAsParser(t, f, src) {
			taken++
		}
	}
	t.Logf("the block reader took %d of %d files", taken, len(files))
	if taken < len(files)/2 {
		t.Errorf("the block reader took only %d of %d files", taken, len(files))
	}
}

// FuzzBlockReader: whatever the block reader takes, it reads as the YAML
// parser does.
func FuzzBlockReader(f *testing.F) {
	for _, src := range append(append([]string{}, blockCases...), blockGiveUps...) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if strings.Count(src, "\n") > 200 {
			return
		}
		sameAsParser(t, "fuzz", []byte(src))
	})
}
