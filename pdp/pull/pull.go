package pull

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Options are what a pull needs besides the client.
type Options struct {
	// Project and Env name the environment (key or id) for organization and
	// project keys; an environment key needs neither.
	Project, Env string
	// Version is pdpx's version, written into the source header.
	Version string
	// Progress, when not nil, hears of every page.
	Progress func(permitapi.Progress)
	// Resolved, when not nil, hears which environment is read, before the
	// lists are.
	Resolved func(permitapi.Target)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Output, when set, is the file Run writes the policy to, as WriteWith
	// does, replacing it only once the policy is valid.
	Output string
}

// Pulled is a finished pull.
type Pulled struct {
	*Result
	Target permitapi.Target
	// Requests and Retries count the HTTP requests made.
	Requests, Retries int64
	// Duration is the whole of Run, the writing of Output included.
	Duration time.Duration
	// Size is the bytes written to Output.
	Size int
}

// A WriteError is Run's failure to write Options.Output once the pull
// itself had succeeded: the previous file is left as it was.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// Run reads t's environment with c and maps it into a policy whose source
// header says where it came from, and writes it to opts.Output when set.
// The key is never written anywhere.
func Run(ctx context.Context, c *permitapi.Client, opts Options) (*Pulled, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	t, err := c.Resolve(ctx, opts.Project, opts.Env)
	if err != nil {
		return nil, err
	}
	if opts.Resolved != nil {
		opts.Resolved(t)
	}
	m := &mapper{}
	f := newFlow(m)
	sink := tupleSink(m, f.schema)
	if _, err := c.FetchWith(ctx, t, opts.Progress, permitapi.FetchOptions{Tuples: sink, Listed: f.listed}); err != nil {
		f.abandon()
		return nil, err
	}
	var res *Result
	var late *sorting
	if opts.Output != "" {
		// The file is begun while the tuples are sorted, and the policy
		// checked as it is written (writePolicy).
		res, late, err = f.early()
	} else {
		res, err = f.result()
	}
	if err != nil {
		return nil, err
	}
	end := now()
	res.Policy.Source = &policy.Source{
		APIURL:      c.URL(),
		Project:     policy.SourceRef{Key: t.Project.Key, ID: t.Project.ID, Name: orEmpty(t.Project.Name, t.Project.Key)},
		Environment: policy.SourceRef{Key: t.Environment.Key, ID: t.Environment.ID, Name: orEmpty(t.Environment.Name, t.Environment.Key)},
		PulledAt:    end.UTC().Format(time.RFC3339),
		PdpxVersion: opts.Version,
		Counts:      res.Counts,
		NotKept:     res.NotKept,
	}
	got := &Pulled{Result: res, Target: t}
	if opts.Output != "" {
		if got.Size, err = writePolicy(ctx, opts.Output, res.Policy, late); err != nil {
			return nil, err
		}
		res.Policy.Relationships = late.rels()
		end = now()
	}
	got.Requests, got.Retries, got.Duration = c.Requests(), c.Retries(), end.Sub(start)
	return got, nil
}

// writePolicy writes p to path as WriteWith does, and validates it
// meanwhile: the validation (some 30 ms of CPU for the large generated
// environment) runs on one core while the file is encoded and written, and
// mostly while the write waits for the disk, instead of before it. The
// file is renamed over path only once both are done and the policy is
// valid, so an invalid policy, a failed write or ctx's end leaves the
// previous file as it was and no temporary file. The validation's error
// comes first, as when it ran before the write; then ctx's; a failure of
// the write is a *WriteError.
//
// With late, p's relationships are still being sorted, and not in p: the
// file is begun, and the rest of the policy checked, meanwhile. The
// relationships need no check of their own: a tuple is kept only when it
// passes the checks the validation makes of a relationship (keepTuple; a
// test holds the two to the same).
func writePolicy(ctx context.Context, path string, p *policy.Policy, late *sorting) (int, error) {
	checked := make(chan error, 1)
	go func() {
		err := check(p)
		if late != nil {
			if <-late.done; !late.ok() {
				err = errMappingStopped
			}
		}
		checked <- err
	}()
	var invalid error
	waited := false
	wait := func() error {
		if !waited {
			invalid, waited = <-checked, true
		}
		return invalid
	}
	size := 0
	var refused error
	err := writeWith(path, func(w io.Writer) error {
		return encodeSorting(ctxWriter{ctx, countingWriter{w, &size}}, p, runtime.GOMAXPROCS(0), late)
	}, func() error {
		if refused = wait(); refused == nil {
			refused = ctx.Err()
		}
		return refused
	})
	switch {
	case err == nil:
		return size, nil
	case refused != nil:
		return 0, refused
	}
	// The write failed; the validation still ends before Run does.
	if err := wait(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return 0, &WriteError{err}
}

// ctxWriter fails once ctx is done, so that an interrupted write stops.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(b)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n *int
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	*c.n += n
	return n, err
}

// Encode is EncodeTo into memory.
func Encode(p *policy.Policy) ([]byte, error) {
	var b bytes.Buffer
	if err := EncodeTo(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteFile writes data to path atomically, as WriteWith does.
func WriteFile(path string, data []byte) error {
	return WriteWith(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWith writes what write writes to path atomically: into a temporary
// file in the same directory, flushed to disk, then renamed over path. A
// write that fails or is interrupted leaves the previous file as it was. A
// new file gets mode 0644, a replaced one keeps its mode.
func WriteWith(path string, write func(io.Writer) error) error {
	return writeWith(path, write, nil)
}

// writeWith is WriteWith, which calls commit (when not nil) once the
// temporary file is written and flushed: the file is renamed over path
// only when commit returns nil, and commit's error is returned as it is.
func writeWith(path string, write func(io.Writer) error, commit func() error) (err error) {
	dir := filepath.Dir(path)
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file: name a file to write the policy to", path)
		}
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".pull-*")
	if err != nil {
		return fmt.Errorf("cannot write next to %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if commit != nil {
		if err = commit(); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replacing %s: %w", path, err)
	}
	return nil
}
