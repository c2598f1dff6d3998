package pull

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/policy"
)

// GCPercent is the garbage collector's target pdpx pull runs with (unless
// $GOGC sets one). A pull builds one large policy and holds little else, so
// the heap is the policy plus the garbage made on the way; at Go's default
// of 100 the heap may grow to twice what is live before a collection (3–4×
// the size of the file written, for the large generated environment), at
// 50 to one and a half times (under 3×), for a few per cent more CPU.
const GCPercent = 50

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
}

// Pulled is a finished pull.
type Pulled struct {
	*Result
	Target permitapi.Target
	// Requests and Retries count the HTTP requests made.
	Requests, Retries int64
	Duration          time.Duration
}

// Run reads t's environment with c and maps it into a policy whose source
// header says where it came from. The key is never written anywhere.
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
	res, err := f.result()
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
	return &Pulled{Result: res, Target: t, Requests: c.Requests(), Retries: c.Retries(), Duration: end.Sub(start)}, nil
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
func WriteWith(path string, write func(io.Writer) error) (err error) {
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
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replacing %s: %w", path, err)
	}
	return nil
}
