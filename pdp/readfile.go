package pdp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// TooLargeError is a file, or standard input, holding more than pdpx reads
// for its kind: every file pdpx reads has a cap, so that naming /dev/zero
// or a log file by mistake ends with this error instead of eating memory.
type TooLargeError struct {
	// Name is the file's path, or "" for standard input.
	Name string
	// What names the kind of file, for the message: "a policy file".
	What string
	// Limit is the cap, in bytes.
	Limit int64
}

func (e *TooLargeError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("standard input holds more than %s, the cap on %s: pass a smaller input", Size(e.Limit), e.What)
	}
	return fmt.Sprintf("%s: larger than %s, the cap on %s: check that it is the file you meant", e.Name, Size(e.Limit), e.What)
}

// NotTextError is a file, or standard input, holding a NUL byte: no YAML or
// JSON file does, so it is not the file the user meant (a binary, a
// device). Reading it stops keeping data at the NUL and only counts bytes
// up to the cap, so that /dev/zero ends quickly with a *TooLargeError
// rather than filling memory with zeros first.
type NotTextError struct {
	// Name is the file's path, or "" for standard input.
	Name string
	// Offset is the NUL's position, from 0.
	Offset int64
}

func (e *NotTextError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("standard input is not text (a NUL byte at byte %d): pass a YAML or JSON file's text", e.Offset)
	}
	return fmt.Sprintf("%s: not a text file (a NUL byte at byte %d): check that it is the file you meant", e.Name, e.Offset)
}

// Size writes a byte count as people say it: 512 MiB, 64 KiB, 100 bytes.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// readChunk is how much ReadFile reads at a time from a file whose size it
// cannot know (a pipe, a device): the unread cap is never allocated ahead,
// and a cancelled read stops within a chunk.
const readChunk = 1 << 20

// ReadFile reads the text file (YAML, JSON) at path, refusing one larger
// than limit bytes with a *TooLargeError (what names the kind of file for
// its message), and one holding a NUL byte with a *NotTextError. A regular
// file's size is checked before anything is read; a pipe or a device is
// read until it ends or passes the cap.
//
// It returns as soon as ctx is done, with an error wrapping ctx's: a read
// blocked on a pipe or a FIFO that will not end must not hold up Ctrl-C.
// The read itself stops at the next chunk (or, for a blocked read that
// cannot be interrupted, when it returns).
func ReadFile(ctx context.Context, path string, limit int64, what string) ([]byte, error) {
	return readCapped(ctx, path, limit, what, func() (io.ReadCloser, int64, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		if st.IsDir() {
			f.Close()
			return nil, 0, fmt.Errorf("%s is a directory, not a file", path)
		}
		size := int64(-1)
		if st.Mode().IsRegular() && st.Size() > 0 {
			// (Files in /proc say 0 whatever they hold: read those in chunks.)
			size = st.Size()
		}
		return f, size, nil
	})
}

// ReadAll reads r (standard input, as a rule) as ReadFile reads a file:
// more than limit bytes is a *TooLargeError naming standard input.
func ReadAll(ctx context.Context, r io.Reader, limit int64, what string) ([]byte, error) {
	return readCapped(ctx, "", limit, what, func() (io.ReadCloser, int64, error) {
		return io.NopCloser(r), -1, nil
	})
}

func readCapped(ctx context.Context, name string, limit int64, what string, open func() (io.ReadCloser, int64, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, stopped(ctx, name)
	}
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	quit := make(chan struct{})
	var deadline func()
	started := make(chan struct{})
	go func() {
		f, size, err := open()
		if err != nil {
			close(started)
			done <- result{nil, err}
			return
		}
		defer f.Close()
		if d, ok := f.(interface{ SetReadDeadline(time.Time) error }); ok {
			// A pipe or a FIFO is pollable: a deadline in the past ends a
			// blocked read. Regular files and devices do not block.
			deadline = func() { _ = d.SetReadDeadline(time.Unix(1, 0)) }
		}
		close(started)
		if size > limit {
			done <- result{nil, &TooLargeError{Name: name, What: what, Limit: limit}}
			return
		}
		data, err := readChunks(f, size, limit, quit)
		var nt *NotTextError
		switch {
		case errors.Is(err, errTooLarge):
			err = &TooLargeError{Name: name, What: what, Limit: limit}
		case errors.As(err, &nt):
			nt.Name = name
		}
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-ctx.Done():
		close(quit)
		select {
		case <-started:
			if deadline != nil {
				deadline()
			}
		default:
			// Still opening (a FIFO with no writer yet): the goroutine
			// ends when the open does.
		}
		return nil, stopped(ctx, name)
	}
}

func stopped(ctx context.Context, name string) error {
	if name == "" {
		name = "standard input"
	}
	return fmt.Errorf("reading %s stopped: %w", name, context.Cause(ctx))
}

var errTooLarge = errors.New("too large")

// readChunks reads r to its end in chunks, failing with errTooLarge past
// limit bytes and stopping when quit closes. size, when known (≥ 0), sizes
// the buffer at once. From a NUL byte on, it keeps nothing and only counts
// bytes to the cap, and fails with a *NotTextError if the input ends first.
func readChunks(r io.Reader, size, limit int64, quit <-chan struct{}) ([]byte, error) {
	var chunks [][]byte
	var total int64
	nul := int64(-1)
	var scratch []byte
	for {
		select {
		case <-quit:
			return nil, context.Canceled
		default:
		}
		n := int64(readChunk)
		if size >= 0 {
			// One read of the whole file, and one byte more to see it
			// did not grow past the cap since it was measured.
			n = min(size, limit) + 1
		}
		buf := scratch
		if buf == nil {
			buf = make([]byte, n)
		}
		m, err := io.ReadFull(r, buf)
		if nul < 0 {
			if i := bytes.IndexByte(buf[:m], 0); i >= 0 {
				nul, chunks = total+int64(i), nil
				scratch = buf[:min(len(buf), readChunk)]
			} else {
				chunks = append(chunks, buf[:m])
			}
		}
		total += int64(m)
		if total > limit {
			return nil, errTooLarge
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if nul >= 0 {
		return nil, &NotTextError{Offset: nul}
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}
