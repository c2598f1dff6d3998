package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runCtx is run with a context of the test's: main's is cancelled by
// SIGINT and SIGTERM.
func runCtx(ctx context.Context, t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := NewRoot("test")
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		var ee *ExitError
		if !asExit(err, &ee) || !ee.Silent {
			out.WriteString(err.Error())
		}
	}
	return out.String(), ExitCode(err)
}

// Every file named on the command line is read with a cap, and past it
// the command ends with an error naming the file and the cap, instead of
// reading until memory runs out.
func TestFilesNamedOnTheCommandLineHaveACap(t *testing.T) {
	t.Setenv("PDPX_HISTORY", filepath.Join(t.TempDir(), "h.db"))
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"check", "--input", "/dev/zero"}, "/dev/zero: larger than 8 MiB, the cap on --input"},
		{[]string{"test", "/dev/zero"}, "/dev/zero: larger than 8 MiB, the cap on a scenario file"},
		{[]string{"--policy", "/dev/zero", "check", "john", "read", "document"}, "/dev/zero: larger than 512 MiB, the cap on a policy file"},
		{[]string{"--config", "/dev/zero", "--profile", "x", "check", "john", "read", "document"}, "/dev/zero: larger than 8 MiB, the cap on a config file"},
	}
	for _, c := range cases {
		out, code := run(t, "", c.args...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("pdpx %s: exit %d\n%s\nwant exit 2 and %q", strings.Join(c.args, " "), code, out, c.want)
		}
	}
	// A file far over the cap is refused from its size, before any read.
	huge := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 40); err == nil {
		out, code := run(t, "", "policy", "validate", huge)
		if code != 1 || !strings.HasPrefix(out, huge+": larger than 512 MiB, the cap on a policy file: check that it is the file you meant\n") {
			t.Errorf("policy validate of a 1 TiB file: exit %d\n%s", code, out)
		}
	}
	f.Close()
	// Standard input's cap says it is the cap.
	out, code := run(t, strings.Repeat(" ", 8<<20+1), "check", "--input", "-")
	if code != 2 || !strings.Contains(out, "standard input holds more than 8 MiB, the cap on --input") {
		t.Errorf("check --input - with 8 MiB + 1: exit %d\n%s", code, out)
	}
}

// fifoFeed makes a FIFO, holds it open for writing so that its reader
// never sees an end, and returns its path and a function that writes more
// than a pipe holds: when it returns, the reader is in the middle of
// reading.
func fifoFeed(t *testing.T, name string) (string, func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	w, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return path, func() {
		if _, err := w.Write(bytes.Repeat([]byte("# more to come\n"), 20000)); err != nil {
			t.Error(err)
		}
	}
}

// Ctrl-C (the command's context cancelled) stops a load that would not end
// on its own: the command returns at once with exit 130, and writes no
// report file.
func TestInterruptStopsALoad(t *testing.T) {
	t.Setenv("PDPX_HISTORY", filepath.Join(t.TempDir(), "h.db"))
	junit := filepath.Join(t.TempDir(), "report.xml")
	cases := []struct {
		name string
		args func(fifo string) []string
	}{
		{"policy validate", func(f string) []string { return []string{"policy", "validate", f} }},
		{"--policy", func(f string) []string { return []string{"--policy", f, "check", "john", "read", "document"} }},
		{"test", func(f string) []string { return []string{"test", "--junit", junit, f} }},
		{"test --policy", func(f string) []string {
			return []string{"--policy", f, "test", "--junit", junit, "../../scenarios/demo.yaml"}
		}},
		{"check --input", func(f string) []string { return []string{"check", "--input", f} }},
	}
	for _, c := range cases {
		fifo, feed := fifoFeed(t, "env.yaml")
		ctx, cancel := context.WithCancel(context.Background())
		type result struct {
			out  string
			code int
		}
		done := make(chan result, 1)
		go func() {
			out, code := runCtx(ctx, t, c.args(fifo)...)
			done <- result{out, code}
		}()
		feed()
		cancel()
		select {
		case r := <-done:
			if r.code != ExitInterrupted || !strings.Contains(r.out, "stopped") {
				t.Errorf("%s: exit %d, want %d\n%s", c.name, r.code, ExitInterrupted, r.out)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: still running after the interrupt", c.name)
		}
		if _, err := os.Stat(junit); err == nil {
			t.Errorf("%s: a report was written", c.name)
		}
	}
}
