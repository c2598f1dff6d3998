package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
)

// fangError runs a command that fails with err through fang and pdpx's
// error handler, as main does, and returns what it printed.
func fangError(t *testing.T, err error) string {
	t.Helper()
	root := &cobra.Command{Use: "pdpx", RunE: func(*cobra.Command, []string) error { return err }}
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(nil)
	_ = fang.Execute(context.Background(), root, fang.WithErrorHandler(ErrorHandler), fang.WithoutVersion(),
		fang.WithoutCompletions(), fang.WithoutManpage())
	return plainText(out.String())
}

// plainText drops the styling's SGR sequences.
func plainText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';' || s[j] == ':') {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// The error display capitalises an ordinary first word, and leaves a path,
// a file name, a flag or a key as written.
func TestErrorDisplayCapitalisesOnlyOrdinaryWords(t *testing.T) {
	cases := map[string]string{
		"/etc/shadow: permission denied":             "/etc/shadow: permission denied",
		"e1.yaml:3:1: unknown key":                   "e1.yaml:3:1: unknown key",
		"--policy: no such file":                     "--policy: no such file",
		"john@permit.io has no role":                 "john@permit.io has no role",
		"pdpx serve is not running":                  "pdpx serve is not running",
		"HTTP 502 from the PDP":                      "HTTP 502 from the PDP",
		"cannot read the policy: it is a directory":  "Cannot read the policy: it is a directory",
		"want USER ACTION RESOURCE, got 2 arguments": "Want USER ACTION RESOURCE, got 2 arguments",
		"read-only file":                             "Read-only file",
	}
	for in, want := range cases {
		if got := sentenceCase(in); got != want {
			t.Errorf("sentenceCase(%q) = %q, want %q", in, got, want)
		}
		if got := fangError(t, errors.New(in)); !strings.Contains(got, want) {
			t.Errorf("%q is shown as:\n%s", in, got)
		}
	}
}

// An error that quotes hostile text reaches the terminal cleaned, with a
// mark where an escape sequence was.
func TestErrorDisplayIsCleaned(t *testing.T) {
	got := fangError(t, errors.New("unknown action read\x1b]0;pwned\x07 in e1.yaml"))
	if strings.Contains(got, "\x1b]") || strings.Contains(got, "\x07") {
		t.Errorf("escape reached the terminal: %q", got)
	}
	if !strings.Contains(got, "read"+pdp.Removed+" in e1.yaml") {
		t.Errorf("no mark where the escape was: %q", got)
	}
}
