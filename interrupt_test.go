package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pdpx/pdpx/ui/cli"
)

// The built binary, sent SIGINT or SIGTERM while it loads a file, stops
// with exit 130, says so, and leaves no report file. The file is a FIFO
// held open for writing, so the load cannot end on its own; the signal is
// sent only after the binary has read most of a write larger than a pipe
// holds, so it arrives while the load is under way (and after main has set
// up its signal handling), with no sleep to guess at.
func TestSignalStopsALoadOfTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "pdpx")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	junit := filepath.Join(dir, "report.xml")
	for _, c := range []struct {
		sig  syscall.Signal
		args func(fifo string) []string
	}{
		{syscall.SIGINT, func(f string) []string { return []string{"policy", "validate", f} }},
		{syscall.SIGTERM, func(f string) []string {
			return []string{"--policy", f, "test", "--junit", junit, "scenarios/demo.yaml"}
		}},
		{syscall.SIGINT, func(f string) []string { return []string{"test", "--junit", junit, f} }},
	} {
		fifo := filepath.Join(t.TempDir(), "env.yaml")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("no FIFOs here: %v", err)
		}
		w, err := os.OpenFile(fifo, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, c.args(fifo)...)
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "PDPX_HISTORY="+filepath.Join(dir, "h.db"))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(bytes.Repeat([]byte("# more to come\n"), 20000)); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Process.Signal(c.sig); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("pdpx %s: still running a minute after %v\n%s", strings.Join(c.args(fifo), " "), c.sig, out.String())
		}
		w.Close()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != cli.ExitInterrupted || !strings.Contains(out.String(), "stopped") {
			t.Errorf("pdpx %s after %v: %v\n%s", strings.Join(c.args(fifo), " "), c.sig, err, out.String())
		}
		if _, err := os.Stat(junit); err == nil {
			t.Errorf("pdpx %s: a report was written", strings.Join(c.args(fifo), " "))
		}
	}
}
