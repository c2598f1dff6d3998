package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/ui/cli"
)

// The binary's polish: --version prints the linked version, and fang's
// completion and man commands work.
func TestVersionCompletionAndMan(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "pdpx")
	build := exec.Command("go", "build", "-buildvcs=false", "-ldflags", "-X main.version=v9.8.7-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	runBin := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "PDPX_HISTORY="+filepath.Join(t.TempDir(), "h.db"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pdpx %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := runBin("--version"); !strings.Contains(out, "v9.8.7-test") {
		t.Errorf("--version: %s", out)
	}
	if out := runBin("completion", "bash"); !strings.Contains(out, "__start_pdpx") {
		t.Errorf("completion bash: %.200s", out)
	}
	if out := runBin("man"); !strings.Contains(out, ".TH") || !strings.Contains(out, "pdpx") {
		t.Errorf("man: %.200s", out)
	}

	// Help fits 80 columns: descriptions wrap between words (a path too
	// long for a line stands alone on its own), no literal backticks, and
	// a flag that takes a value names it.
	for _, args := range [][]string{{"--help"}, {"check", "--help"}, {"matrix", "--help"}, {"history", "--help"}, {"verify", "--help"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "__FANG_TEST_WIDTH=80")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pdpx %v: %v", args, err)
		}
		help := string(out)
		for _, line := range strings.Split(help, "\n") {
			line = strings.TrimRight(line, " ")
			if len([]rune(line)) > 80 && !strings.HasSuffix(line, "…") && len(strings.Fields(line)) > 1 {
				t.Errorf("pdpx %v: a line of %d columns: %q", args, len([]rune(line)), line)
			}
		}
		// fang title-cases a description's first word: a hyphenated one
		// comes out as "Re-Run".
		if strings.Contains(help, "Re-Run") {
			t.Errorf("pdpx %v: a title-cased hyphenated word in help", args)
		}
		if strings.Contains(help, "`") {
			t.Errorf("pdpx %v: literal backticks in help", args)
		}
		if args[0] == "check" && !strings.Contains(help, "= FILE") {
			t.Errorf("pdpx check --help does not say --policy takes a FILE:\n%s", help)
		}
	}
}

func TestBuildVersion(t *testing.T) {
	if v := cli.BuildVersion("v1.2.3", nil); v != "v1.2.3" {
		t.Error(v)
	}
	installed := &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}
	if v := cli.BuildVersion("", installed); v != "v0.4.0" {
		t.Error(v)
	}
	src := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}
	if v := cli.BuildVersion("", src); v != "devel (0123456789ab, modified)" {
		t.Error(v)
	}
	if v := cli.BuildVersion("", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); !strings.Contains(v, "without VCS") {
		t.Error(v)
	}
}
