package pdp

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	cases := map[string]string{
		"plain text":                           "plain text",
		"red \x1b[31mtext\x1b[0m":              "red �text�",
		"title \x1b]0;pwned\x07 done":          "title � done",
		"clip \x1b]52;c;aGk=\x1b\\ done":       "clip � done",
		"dcs \x1bPq#0;2;0;0;0\x1b\\ done":      "dcs � done",
		"c1 \u009b2J csi":                      "c1 � csi",
		"bell\x07 bs\x08 cr\r nl\n tab\t":      "bell� bs� cr� nl\n tab\t",
		"keeps unicode ✓ é 日本":                 "keeps unicode ✓ é 日本",
		"trailing esc \x1b":                    "trailing esc �",
		"unterminated \x1b]0;title forever":    "unterminated �",
		"charset \x1b(B ok":                    "charset � ok",
		"one mark per run \x1b[1m\x1b[31m\x07": "one mark per run �",
		"crlf line\r\nnext":                    "crlf line\nnext",
	}
	for in, want := range cases {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// Stripping must not make two different values look the same: where
// something was removed, a mark shows it.
func TestCleanMarksWhatItRemoved(t *testing.T) {
	for _, pair := range [][2]string{
		{"read\x1b[5m", "read"},
		{"ad\x1b]0;x\x07min", "admin"},
		{"doc\u009b2J", "doc"},
		{"a\rb", "ab"},
		{"key\x00", "key"},
	} {
		a, b := Clean(pair[0]), Clean(pair[1])
		if a == b {
			t.Errorf("Clean(%q) = Clean(%q) = %q", pair[0], pair[1], a)
		}
		if !strings.Contains(a, Removed) {
			t.Errorf("Clean(%q) = %q: no mark", pair[0], a)
		}
	}
	if got := Clean("read\x1b[5m"); got != "read"+Removed {
		t.Errorf("Clean(read ESC[5m) = %q", got)
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"héllo", 2, "hé…"},
		{"héllo", 5, "héllo"}, // six bytes, five runes: not cut
		{"hello", 9, "hello"},
		{"", 0, ""},
	} {
		if got := Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
