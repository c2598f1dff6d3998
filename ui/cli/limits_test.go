package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/permitapi/standin"
	"github.com/pdpx/pdpx/pdp/policy"
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
// reading. Closing the FIFO (at the test's end) ends a write no one reads.
func fifoFeed(t *testing.T, name string) (string, func() error) {
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
	return path, func() error {
		_, err := w.Write(bytes.Repeat([]byte("# more to come\n"), 20000))
		return err
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
		{"verify --snapshot", func(f string) []string {
			return []string{"--no-history", "verify", "--pdp", "http://127.0.0.1:1", "--token", "k", "--snapshot", f, "--junit", junit}
		}},
		{"policy diff", func(f string) []string { return []string{"policy", "diff", "../../pdp/policy/demo.yaml", f} }},
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
		fed := make(chan error, 1)
		go func() { fed <- feed() }()
		select {
		case err := <-fed:
			if err != nil {
				t.Fatal(err)
			}
		case r := <-done:
			cancel()
			t.Errorf("%s: ended before reading the file: exit %d\n%s", c.name, r.code, r.out)
			continue
		}
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

// Ctrl-C during a pull or a verify (the remote side busy with a request)
// ends the command at once with exit 130: the pull leaves the previous
// file as it was and no temporary file behind, verify writes no report.
func TestInterruptStopsPullAndVerify(t *testing.T) {
	t.Run("pull", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv := standin.New(policy.Demo(), cliKey)
		defer srv.Close()
		srv.Fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
			if n == 3 {
				cancel() // Ctrl-C while the pull is under way
			}
			return false
		}
		dir := t.TempDir()
		out := filepath.Join(dir, "prod.json")
		old := []byte(`{"version": 1}`)
		if err := os.WriteFile(out, old, 0o600); err != nil {
			t.Fatal(err)
		}
		got, code := runCtx(ctx, t, "pull", "-q", "--token", cliKey, "--api-url", srv.URL, "-o", out)
		if code != ExitInterrupted || !strings.Contains(got, "left as it was") {
			t.Errorf("exit %d, want %d\n%s", code, ExitInterrupted, got)
		}
		if b, _ := os.ReadFile(out); !bytes.Equal(b, old) {
			t.Errorf("the previous file was changed: %s", b)
		}
		if es, _ := os.ReadDir(dir); len(es) != 1 {
			t.Errorf("files left in the directory: %v", es)
		}
	})
	t.Run("verify", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, snap := servePolicy(t, same)
		pdp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // so that the server sees the client leave
			cancel()                           // Ctrl-C while the PDP is deciding
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}))
		defer pdp.Close()
		junit := filepath.Join(t.TempDir(), "verify.xml")
		got, code := runCtx(ctx, t, "--no-history", "verify", "--pdp", pdp.URL, "--token", "k", "--snapshot", snap, "--junit", junit)
		if code != ExitInterrupted || !strings.Contains(got, "verify stopped") {
			t.Errorf("exit %d, want %d\n%s", code, ExitInterrupted, got)
		}
		if _, err := os.Stat(junit); err == nil {
			t.Error("a report was written")
		}
	})
}
