package pull

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/policy"
)

// chunkedPolicy is oddPolicy with three chunks and a few entries more of
// users, instances and relationships; the entries at the first and last
// index of every chunk, and the one after, are ones the appenders leave to
// encoding/json (a key or a string to escape, a value not decoded from
// JSON), so that the chunk boundaries fall on them.
func chunkedPolicy() *policy.Policy {
	p := oddPolicy()
	odd := func(i, per int) bool { return i%per == 0 || i%per == per-1 || i%per == 1 }
	for i := range 3*usersPerChunk + 5 {
		// Every key sorts at its index: the odd ones only add to it.
		key := fmt.Sprintf("u%06d", i)
		u := &policy.User{Email: key + "@x.io", Attributes: map[string]any{"n": float64(i), "s": "v"}, Roles: []policy.RoleAssignment{{Role: "r", Tenant: "t"}}}
		if odd(i, usersPerChunk) {
			key += `"q`
			u.Attributes["int"] = int64(i)
			u.LastName = "<b>\n"
		}
		p.Users[key] = u
	}
	for i := range 3*instancesPerChunk + 5 {
		key := fmt.Sprintf("doc:d%06d", i)
		in := &policy.Instance{Tenant: "t", Attributes: map[string]any{"size": float64(i)}}
		if odd(i, instancesPerChunk) {
			key += "\u2028"
			in.Attributes["size"] = int(i)
		}
		p.ResourceInstances[key] = in
	}
	for i := range 3*relationshipsPerChunk + 5 {
		r := policy.Relationship{Subject: fmt.Sprintf("folder:f%d", i), Relation: "parent", Object: fmt.Sprintf("doc:d%06d", i)}
		if odd(i, relationshipsPerChunk) {
			r.Object += `\`
		}
		p.Relationships = append(p.Relationships, r)
	}
	return p
}

func encodeWith(t *testing.T, p *policy.Policy, workers int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := encodeTo(&b, p, workers); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The parallel encode writes what one goroutine encoding every part in
// order writes, and that is what encoding/json writes, across every chunk
// boundary.
func TestParallelEncodeMatchesOneGoroutine(t *testing.T) {
	p := chunkedPolicy()
	want := encodingJSON(t, p)
	one := encodeWith(t, p, 0)
	if !bytes.Equal(one, want) {
		t.Fatalf("one goroutine: %d bytes, encoding/json %d: not the same", len(one), len(want))
	}
	for _, workers := range []int{1, 2, 7} {
		if got := encodeWith(t, p, workers); !bytes.Equal(got, one) {
			i := 0
			for i < min(len(got), len(one)) && got[i] == one[i] {
				i++
			}
			t.Errorf("%d goroutines: %d bytes, one goroutine %d; first difference at %d: %q against %q",
				workers, len(got), len(one), i, got[i:min(i+80, len(got))], one[i:min(i+80, len(one))])
		}
	}
	// The boundaries are where the test means them to be.
	if !strings.Contains(string(want), "\n  \"u000512\\\"q\": {") || !strings.Contains(string(want), `"object": "doc:d002048\\"`) {
		t.Error("the entries at the chunk boundaries are not the odd ones")
	}
}

// failingWriter takes n bytes, then fails every write, counting them.
type failingWriter struct {
	n, failed int
}

var errDiskFull = errors.New("no space left on device")

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.failed > 0 || len(b) > w.n {
		w.failed++
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(b)
	return len(b), nil
}

// waitGoroutines waits for the goroutines to come back to n, which they
// should at once: EncodeTo returns when its own have ended.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	for range 100 {
		if runtime.NumGoroutine() <= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("%d goroutines, %d before the encode:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
}

// A writer's error (a full disk) stops the encode: it is returned, nothing
// more is written, and no goroutine is left behind.
func TestEncodeToStopsOnWriteError(t *testing.T) {
	p := chunkedPolicy()
	size := len(encodeWith(t, p, 0))
	for _, n := range []int{0, 100, size / 10, size / 2, size - 1} {
		for _, workers := range []int{0, 2, 7} {
			before := runtime.NumGoroutine()
			w := &failingWriter{n: n}
			err := encodeTo(w, p, workers)
			if !errors.Is(err, errDiskFull) {
				t.Errorf("failing after %d of %d bytes, %d goroutines: %v", n, size, workers, err)
			}
			if w.failed != 1 {
				t.Errorf("failing after %d bytes, %d goroutines: %d writes failed, want the encode to stop at the first", n, workers, w.failed)
			}
			waitGoroutines(t, before)
		}
	}
}

// counted is an attribute value the appenders leave to encoding/json,
// which counts the times it is encoded.
type counted struct{ n *atomic.Int64 }

func (c counted) MarshalJSON() ([]byte, error) {
	c.n.Add(1)
	return []byte("1"), nil
}

// After a writer's error no more of the file is encoded than the chunks
// already handed out: a pull onto a full disk fails at once.
func TestEncodeToStopsEncodingOnWriteError(t *testing.T) {
	var n atomic.Int64
	p := chunkedPolicy()
	instances := 20 * instancesPerChunk
	for i := range instances {
		p.ResourceInstances[fmt.Sprintf("x:%06d", i)] = &policy.Instance{Attributes: map[string]any{"c": counted{&n}}}
	}
	if got := encodeWith(t, p, 2); n.Load() != int64(instances) || !bytes.Contains(got, []byte("\"x:000007\": {\n   \"attributes\": {\n    \"c\": 1\n   }\n  }")) {
		t.Fatalf("the counted values were encoded %d times, not %d", n.Load(), instances)
	}
	for _, workers := range []int{0, 2} {
		n.Store(0)
		// The first write fails, in the users, before any instance.
		err := encodeTo(&failingWriter{n: 100}, p, workers)
		if !errors.Is(err, errDiskFull) {
			t.Fatalf("%d goroutines: %v", workers, err)
		}
		if most := int64(chunksAhead * max(workers, 1) * instancesPerChunk); n.Load() > most {
			t.Errorf("%d goroutines: %d instances encoded after the write failed, want at most the %d in the chunks handed out", workers, n.Load(), most)
		}
	}
}

// A value encoding/json refuses, in a chunk in the middle, fails the
// encode with encoding/json's error, and no goroutine is left behind.
func TestEncodeToValueError(t *testing.T) {
	p := chunkedPolicy()
	p.ResourceInstances[fmt.Sprintf("doc:d%06d", instancesPerChunk+7)].Attributes["size"] = math.Inf(1)
	for _, workers := range []int{0, 2} {
		before := runtime.NumGoroutine()
		var b bytes.Buffer
		err := encodeTo(&b, p, workers)
		if err == nil || !strings.Contains(err.Error(), "unsupported value: +Inf") {
			t.Errorf("%d goroutines: %v, want encoding/json's unsupported value", workers, err)
		}
		waitGoroutines(t, before)
	}
}

// A policy whose relationships are still being sorted when its encoding
// starts is written as the same policy encoded once they are: whether the
// tuples kept were as many as the relationships or more (listed twice, so
// that chunks past the end are empty), one or many, by one goroutine or
// several.
func TestEncodeWhileSortingMatchesEncode(t *testing.T) {
	full := chunkedPolicy()
	n := len(full.Relationships)
	for _, c := range []struct {
		name       string
		rels, kept int
	}{
		{"as many", n, n},
		{"a few listed twice", n, n + 3},
		{"the last chunk's worth listed twice", n, n + relationshipsPerChunk},
		{"one", 1, 1},
		{"one listed many times", 1, 2*relationshipsPerChunk + 1},
		{"none", 0, 0},
	} {
		for _, workers := range []int{0, 1, 4} {
			p := chunkedPolicy()
			p.Relationships = full.Relationships[:c.rels]
			if c.rels == 0 {
				p.Relationships = nil
			}
			want := encodeWith(t, p, workers)
			rels := p.Relationships
			p.Relationships = nil
			done := make(chan struct{})
			var sorted []policy.Relationship
			go func() {
				time.Sleep(5 * time.Millisecond) // after the encoding began
				sorted = rels
				close(done)
			}()
			var b bytes.Buffer
			err := encodeSorting(&b, p, workers, &sorting{kept: c.kept, done: done, ok: func() bool { return true },
				rels: func() []policy.Relationship { return sorted }})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s, %d workers: the file differs from the policy encoded once sorted", c.name, workers)
			}
		}
	}
}
