package pdp

import "testing"

func TestClean(t *testing.T) {
	cases := map[string]string{
		"plain text":                        "plain text",
		"red \x1b[31mtext\x1b[0m":           "red text",
		"title \x1b]0;pwned\x07 done":       "title  done",
		"clip \x1b]52;c;aGk=\x1b\\ done":    "clip  done",
		"dcs \x1bPq#0;2;0;0;0\x1b\\ done":   "dcs  done",
		"c1 \u009b2J csi":                   "c1  csi",
		"bell\x07 bs\x08 cr\r nl\n tab\t":   "bell bs cr nl\n tab\t",
		"keeps unicode ✓ é 日本":              "keeps unicode ✓ é 日本",
		"trailing esc \x1b":                 "trailing esc ",
		"unterminated \x1b]0;title forever": "unterminated ",
		"charset \x1b(B ok":                 "charset  ok",
	}
	for in, want := range cases {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}
