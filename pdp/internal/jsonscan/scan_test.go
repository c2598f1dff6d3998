package jsonscan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// plainRun finds the first byte a string cannot hold as is, wherever it
// falls in a word and whatever surrounds it, in a string as in bytes.
func TestPlainRun(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c != '"' && c != '\\' && c < 0x80 }
	for c := range 256 {
		for pos := range 20 {
			for _, fill := range []byte{'a', 0x7f, ' ', 0x21, 0x5b, 0x5d} {
				b := bytes.Repeat([]byte{fill}, 20)
				b[pos] = byte(c)
				want := len(b)
				if !plain(byte(c)) {
					want = pos
				}
				for start := 0; start <= pos; start += 3 {
					if got := plainRun(b, start); got != want {
						t.Fatalf("byte %#x at %d in %q from %d: %d, want %d", c, pos, b, start, got, want)
					}
					if got := plainRun(string(b), start); got != want {
						t.Fatalf("byte %#x at %d in string %q from %d: %d, want %d", c, pos, b, start, got, want)
					}
				}
			}
		}
	}
}

// Raw takes a string only when what is between its quotes is the string
// encoding/json decodes.
func TestRaw(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`"plain"`, "plain", true},
		{` "with spaces and punctuation: {}[],"`, "with spaces and punctuation: {}[],", true},
		{`""`, "", true},
		{`"é@ü.io, past the first word"`, "é@ü.io, past the first word", true},
		{"\"\uFFFD\"", "\uFFFD", true},
		{`"a\"b"`, "", false},           // an escape
		{`"a\u0062"`, "", false},        // an escape
		{"\"a\tb\"", "", false},         // a control character
		{"\"a\xffb\"", "", false},       // invalid UTF-8, replaced by encoding/json
		{"\"\xed\xa0\x80\"", "", false}, // a surrogate half
		{`"unterminated`, "", false},
		{`plain`, "", false},
	} {
		s := Scanner[string]{Src: c.in}
		got, ok := s.Raw()
		b := Scanner[[]byte]{Src: []byte(c.in)}
		gotB, okB := b.Raw()
		if ok != c.ok || okB != c.ok || ok && (got != c.want || string(gotB) != c.want) {
			t.Errorf("%q: %q %v and %q %v, want %q %v", c.in, got, ok, gotB, okB, c.want, c.ok)
		}
		if ok {
			var v string
			if err := json.Unmarshal([]byte(c.in), &v); err != nil || v != got {
				t.Errorf("%q: encoding/json reads %q (%v), Raw %q", c.in, v, err, got)
			}
		}
	}
}

// Reading a string copies nothing, whichever the text: the server keeps
// substrings of its body, and the page decoder copies only what it keeps.
func TestRawAllocatesNothing(t *testing.T) {
	text := `"` + strings.Repeat("é@ü.io ", 20) + `"`
	s, b := Scanner[string]{Src: text}, Scanner[[]byte]{Src: []byte(text)}
	allocs := testing.AllocsPerRun(100, func() {
		s.Pos, b.Pos = 0, 0
		if _, ok := s.Raw(); !ok {
			t.Fatal("string gave up")
		}
		if _, ok := b.Raw(); !ok {
			t.Fatal("bytes gave up")
		}
	})
	if allocs != 0 {
		t.Errorf("Raw allocated %v times a run", allocs)
	}
}

// FuzzScan holds the two compilations of the scanner (a string, bytes) to
// the same reading, and what they take to what encoding/json takes.
func FuzzScan(f *testing.F) {
	for _, s := range []string{`"a"`, `"a\u00e9\n"`, `-1.5e+3`, `0`, `01`, `{"a":[1,"b",{"c":null}]}`, "\"\xff\"", `[true,false]`, `true`, ` null `, `nul`, `falsey`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s, b := Scanner[string]{Src: string(in)}, Scanner[[]byte]{Src: in}
		valid := json.Valid(in)

		raw, ok := s.Raw()
		rawB, okB := b.Raw()
		if ok != okB || raw != string(rawB) || s.Pos != b.Pos && ok {
			t.Fatalf("Raw: string %q %v at %d, bytes %q %v at %d", raw, ok, s.Pos, rawB, okB, b.Pos)
		}
		if ok && s.AtEnd() {
			var v string
			if err := json.Unmarshal(in, &v); err != nil || v != raw {
				t.Fatalf("Raw took %q, encoding/json %q (%v)", raw, v, err)
			}
		}

		s.Pos, b.Pos = 0, 0
		s.WS()
		b.WS()
		ok, okB = s.SkipString(), b.SkipString()
		if ok != okB || ok && s.Pos != b.Pos {
			t.Fatalf("SkipString: string %v at %d, bytes %v at %d", ok, s.Pos, okB, b.Pos)
		}
		if ok && s.AtEnd() && !valid {
			t.Fatalf("SkipString took an invalid string")
		}

		s.Pos, b.Pos = 0, 0
		lit, ok := s.Literal()
		litB, okB := b.Literal()
		if ok != okB || lit != litB {
			t.Fatalf("Literal: string %v %v, bytes %v %v", lit, ok, litB, okB)
		}
		if ok && s.AtEnd() {
			var v any
			if err := json.Unmarshal(in, &v); err != nil || v != lit {
				t.Fatalf("Literal took %v, encoding/json %v (%v)", lit, v, err)
			}
		}

		s.Pos, b.Pos = 0, 0
		num, ok := s.Number()
		numB, okB := b.Number()
		if ok != okB || num != string(numB) {
			t.Fatalf("Number: string %q %v, bytes %q %v", num, ok, numB, okB)
		}
		if ok && s.AtEnd() && !valid {
			t.Fatalf("Number took %q, not a number", num)
		}
	})
}
