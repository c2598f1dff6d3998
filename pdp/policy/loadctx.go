package policy

import (
	"context"
	"fmt"

	"github.com/pdpx/pdpx/pdp"
)

// MaxFileSize is the largest policy file pdpx reads: far above any real
// environment (the large generated test environments are tens of MiB), and
// low enough that naming the wrong file (/dev/zero, a disk image) ends with
// a clear error rather than exhausting memory.
const MaxFileSize = 512 << 20

// ReadFile reads a policy file with the MaxFileSize cap (a larger one is a
// *pdp.TooLargeError naming the file and the cap), returning when ctx is
// done.
func ReadFile(ctx context.Context, path string) ([]byte, error) {
	return pdp.ReadFile(ctx, path, MaxFileSize, "a policy file")
}

// LoadContext is Load that stops when ctx is done (Ctrl-C, SIGTERM): it
// returns at once with an error wrapping ctx's, naming the file, whether
// the file is still being read or already being checked. The parse of a
// large file cannot be interrupted midway; it goes on in the background
// until it ends, and its result is dropped.
func LoadContext(ctx context.Context, path string) (*Policy, error) {
	data, err := ReadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	return ParseContext(ctx, path, data)
}

// ParseContext is Parse that returns when ctx is done, as LoadContext.
func ParseContext(ctx context.Context, filename string, data []byte) (*Policy, error) {
	if ctx.Done() == nil {
		return Parse(filename, data)
	}
	if err := ctx.Err(); err != nil {
		return nil, stopped(ctx, filename)
	}
	type result struct {
		p   *Policy
		err error
	}
	done := make(chan result, 1)
	go func() {
		if parseStarted != nil {
			parseStarted()
		}
		p, err := Parse(filename, data)
		done <- result{p, err}
	}()
	select {
	case r := <-done:
		return r.p, r.err
	case <-ctx.Done():
		return nil, stopped(ctx, filename)
	}
}

// parseStarted, when set (by tests), runs as a parse begins, so that a test
// can cancel while the parse is under way.
var parseStarted func()

func stopped(ctx context.Context, filename string) error {
	return fmt.Errorf("loading %s stopped: %w", filename, context.Cause(ctx))
}
