package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// latency matches a decision's latency, the one part of a sample that
// differs from run to run.
var latency = regexp.MustCompile(`· [0-9.]+(ns|µs|ms|s)\b`)

// TestReadmeSamples runs every sample in the README that shows a command's
// output (a fenced block whose first line is "$ pdpx ARGS…") and fails when
// the output has drifted from what the README shows. Arguments are split on
// spaces, so samples keep to arguments without spaces.
func TestReadmeSamples(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, block := range strings.Split(string(b), "```\n$ pdpx ")[1:] {
		body, _, ok := strings.Cut(block, "```")
		if !ok {
			t.Fatalf("unterminated sample: %.60q", block)
		}
		cmd, want, _ := strings.Cut(body, "\n")
		out, _ := run(t, "", strings.Fields(cmd)...)
		norm := func(s string) string { return strings.TrimSpace(latency.ReplaceAllString(s, "· 1µs")) }
		if norm(out) != norm(want) {
			t.Errorf("the README's sample of pdpx %s has drifted; it now reads:\n%s", cmd, out)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no samples found in the README")
	}
}
