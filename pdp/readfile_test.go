package pdp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFileCap(t *testing.T) {
	dir := t.TempDir()
	exact := filepath.Join(dir, "exact")
	if err := os.WriteFile(exact, bytes.Repeat([]byte("a"), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(context.Background(), exact, 1000, "a test file"); err != nil || len(b) != 1000 {
		t.Fatalf("a file of exactly the cap: %d bytes, %v", len(b), err)
	}
	_, err := ReadFile(context.Background(), exact, 999, "a test file")
	var big *TooLargeError
	if !errors.As(err, &big) || err.Error() != exact+": larger than 999 bytes, the cap on a test file: check that it is the file you meant" {
		t.Fatalf("one byte over the cap: %v", err)
	}
	// A sparse file far over the cap is refused from its size, unread.
	sparse := filepath.Join(dir, "sparse")
	f, _ := os.Create(sparse)
	if err := f.Truncate(1 << 40); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	if _, err := ReadFile(context.Background(), sparse, 8<<20, "a test file"); !errors.As(err, &big) || !strings.Contains(err.Error(), "larger than 8 MiB") {
		t.Fatalf("a 1 TiB sparse file: %v", err)
	}
	// A device that never ends is read up to the cap, then refused.
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := ReadFile(context.Background(), "/dev/zero", 3<<20, "a test file"); !errors.As(err, &big) ||
			!strings.HasPrefix(err.Error(), "/dev/zero: larger than 3 MiB, the cap on a test file") {
			t.Fatalf("/dev/zero: %v", err)
		}
	}
	if _, err := ReadFile(context.Background(), dir, 1<<20, "a test file"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := ReadFile(context.Background(), filepath.Join(dir, "missing"), 1<<20, "a test file"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

func TestReadAllCapSaysItIsTheCap(t *testing.T) {
	b, err := ReadAll(context.Background(), strings.NewReader("0123456789"), 10, "--input")
	if err != nil || string(b) != "0123456789" {
		t.Fatalf("exactly the cap: %q %v", b, err)
	}
	_, err = ReadAll(context.Background(), strings.NewReader("0123456789!"), 10, "--input")
	if err == nil || err.Error() != "standard input holds more than 10 bytes, the cap on --input: pass a smaller input" {
		t.Fatalf("over the cap: %v", err)
	}
}

// A read blocked on a FIFO whose writer never closes it returns when the
// context is cancelled.
func TestReadFileStopsOnCancel(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	// Held open for writing (O_RDWR does not wait for a reader), so the
	// reader sees no end.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ReadFile(ctx, fifo, 1<<20, "a test file")
		done <- err
	}()
	// More than a pipe holds: the write returns once the reader has taken
	// most of it, so the cancel comes mid-read.
	if _, err := w.Write(bytes.Repeat([]byte("#\n"), 128<<10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "reading "+fifo+" stopped") {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadFile did not return after the context was cancelled")
	}
}

// A NUL byte means the file is not YAML or JSON text: reading stops keeping
// data there, so that /dev/zero costs no memory before the cap error, and
// a short binary file gets an error that says what it is.
func TestReadFileRefusesBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(bin, []byte("version: 1\n\x00\x01\x02"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(context.Background(), bin, 1<<20, "a test file")
	var nt *NotTextError
	if !errors.As(err, &nt) || err.Error() != bin+": not a text file (a NUL byte at byte 11): check that it is the file you meant" {
		t.Fatalf("a binary file: %v", err)
	}
	_, err = ReadAll(context.Background(), strings.NewReader("{}\x00"), 1<<20, "--input")
	if !errors.As(err, &nt) || !strings.HasPrefix(err.Error(), "standard input is not text (a NUL byte at byte 2)") {
		t.Fatalf("binary standard input: %v", err)
	}
}
