package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkCheckProcess runs `pdpx check` as a whole process on the demo
// policy, next to a baseline Go binary that does nothing, built and run the
// same way in the same process: the ratio is what pdpx adds to a bare exec.
func BenchmarkCheckProcess(b *testing.B) {
	dir := b.TempDir()
	pdpx := filepath.Join(dir, "pdpx")
	if out, err := exec.Command("go", "build", "-o", pdpx, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	noop := filepath.Join(dir, "noop")
	src := filepath.Join(dir, "noop.go")
	if err := os.WriteFile(src, []byte("package main\nfunc main() {}\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command("go", "build", "-o", noop, src).CombinedOutput(); err != nil {
		b.Fatalf("build noop: %v\n%s", err, out)
	}
	b.Run("baseline=noop", func(b *testing.B) {
		for b.Loop() {
			if err := exec.Command(noop).Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdpx-check-demo", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(pdpx, "check", "john@smith.com", "create", "document")
			// The decision is recorded as it is for a user, in a history
			// file of the benchmark's own, never in the real home.
			cmd.Env = append(os.Environ(), "NO_COLOR=1", "PDPX_HISTORY="+filepath.Join(dir, "history.db"))
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
