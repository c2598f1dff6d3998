package pull

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pdpx/pdpx/pdp/policy"
)

// EncodeTo writes a policy as the JSON file pdpx pull writes: indented, so
// that two snapshots compare line by line, keys sorted, the source header
// first: the bytes encoding/json writes for the whole policy (HTML
// escaping off, indented by one space).
//
// The large maps and lists (users, instances, relationships) are cut into
// chunks of a few hundred kilobytes, encoded by GOMAXPROCS goroutines and
// written in order, at most a few chunks ahead of the writer: encoding the
// whole policy at once would hold two more copies of the file in memory,
// and encoding it in one goroutine made the write a large part of a pull's
// wall time. An error from w stops the encode; EncodeTo returns it once
// every goroutine it started has ended.
func EncodeTo(w io.Writer, p *policy.Policy) error {
	return encodeTo(w, p, runtime.GOMAXPROCS(0))
}

// Entries a chunk holds, for about 200 KB of the file in the large
// generated environment (a user with its roles and attributes takes some
// 360 bytes, an instance 130, a relationship 97): large enough that
// handing a chunk over costs nothing beside encoding it, small enough that
// the chunks in flight are a few per cent of the file.
const (
	usersPerChunk         = 512
	instancesPerChunk     = 1024
	relationshipsPerChunk = 2048
)

// chunksAhead is how many chunks, per encoding goroutine, may be encoded
// and not yet written: two keep every goroutine busy while the writer
// waits on the disk.
const chunksAhead = 2

// A part writes one piece of the file, appending it to b; js is the
// encoding goroutine's own encoding/json state, for what the appenders
// leave to it.
type part func(b []byte, js *jsonState) ([]byte, error)

// A job is a part handed to an encoding goroutine, or a step the parts
// need first (sorting a map's keys), which writes nothing.
type job struct {
	run  part
	buf  []byte
	err  error
	done chan struct{}
}

// encodeTo is EncodeTo with workers encoding goroutines; with none, every
// part is encoded by the calling goroutine, in order, between writes: the
// parallel encode must write exactly what that one does.
func encodeTo(w io.Writer, p *policy.Policy, workers int) error {
	return encodeSorting(w, p, workers, nil)
}

// encodeSorting is encodeTo of a policy whose relationships may still be
// being sorted (when late is not nil): what comes before them in the file
// is encoded and written meanwhile, and the relationships once late.done
// is closed.
func encodeSorting(w io.Writer, p *policy.Policy, workers int, late *sorting) error {
	var prep []*job
	parts := plan(p, late, func(run func()) <-chan struct{} {
		j := &job{run: func(b []byte, _ *jsonState) ([]byte, error) { run(); return b, nil }, done: make(chan struct{})}
		prep = append(prep, j)
		return j.done
	})
	bw := bufio.NewWriterSize(w, 64<<10)
	if workers <= 0 {
		var js jsonState
		var b []byte
		for _, j := range prep {
			j.run(nil, &js)
			close(j.done)
		}
		for _, run := range parts {
			var err error
			if b, err = run(b[:0], &js); err != nil {
				return err
			}
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
		return bw.Flush()
	}

	window := chunksAhead * workers
	jobs := make(chan *job, len(prep)+window)
	// stop tells the encoding goroutines to pass over the jobs left once
	// the encode has failed; each still closes its job's done, so that no
	// part waits for ever on a step passed over.
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var js jsonState
			for j := range jobs {
				if !stop.Load() {
					j.buf, j.err = j.run(j.buf[:0], &js)
				}
				close(j.done)
			}
		})
	}
	// The steps go first: a goroutine that takes a part has seen every
	// step taken before it, so a part that waits for one never waits for
	// a step no goroutine has.
	for _, j := range prep {
		jobs <- j
	}
	fail := func(err error) error {
		stop.Store(true)
		close(jobs)
		wg.Wait()
		return err
	}
	// The chunks not yet written, oldest first, and the buffers of those
	// written, for the next ones: at most window buffers exist.
	inFlight := make([]*job, 0, window)
	var free [][]byte
	next := 0
	for next < len(parts) || len(inFlight) > 0 {
		for next < len(parts) && len(inFlight) < window {
			j := &job{run: parts[next], done: make(chan struct{})}
			if n := len(free); n > 0 {
				j.buf, free = free[n-1], free[:n-1]
			}
			inFlight = append(inFlight, j)
			jobs <- j
			next++
		}
		j := inFlight[0]
		<-j.done
		if j.err != nil {
			return fail(j.err)
		}
		if _, err := bw.Write(j.buf); err != nil {
			return fail(err)
		}
		free = append(free, j.buf)
		inFlight = append(inFlight[:0], inFlight[1:]...)
	}
	close(jobs)
	wg.Wait()
	return bw.Flush()
}

// jsonState encodes with encoding/json what the appenders leave to it.
type jsonState struct {
	// warm keeps what chunked's warm read, so that the reads are made.
	warm  byte
	buf   bytes.Buffer
	enc   *json.Encoder
	depth int
}

// appendValue appends v as encoding/json writes it indented as if it stood
// at depth levels.
func (s *jsonState) appendValue(b []byte, v any, depth int) ([]byte, error) {
	if s.enc == nil || s.depth != depth {
		s.enc = json.NewEncoder(&s.buf)
		s.enc.SetEscapeHTML(false)
		s.enc.SetIndent(strings.Repeat(" ", depth), " ")
		s.depth = depth
	}
	s.buf.Reset()
	if err := s.enc.Encode(v); err != nil {
		return b, err
	}
	return append(b, bytes.TrimSuffix(s.buf.Bytes(), []byte("\n"))...), nil
}

// plan cuts the file into the parts written one after another. The
// fields are the policy's own, in their order, named by their json tags
// and passed over as encoding/json's omitempty would. A part that needs a
// map's keys sorted gets them from a step, added with step, which returns
// a channel closed once the step is done: sorting the large maps is done
// beside the encoding of what comes before them.
//
// With late, the relationships are being sorted, and not in p: they are
// late.rels() once late.done is closed, and there are as many as
// late.kept at most (none when it is 0).
func plan(p *policy.Policy, late *sorting, step func(func()) <-chan struct{}) []part {
	var parts []part
	rv := reflect.ValueOf(p).Elem()
	first := true
	for i := range rv.NumField() {
		name, opts, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		f := rv.Field(i)
		sortingRels := late != nil && name == "relationships"
		switch {
		case sortingRels:
			if late.kept == 0 {
				continue
			}
		case name == "" || name == "-" || (strings.Contains(opts, "omitempty") && f.IsZero()):
			continue
		case (f.Kind() == reflect.Map || f.Kind() == reflect.Slice) && f.Len() == 0:
			continue
		}
		head := fmt.Sprintf(",\n %q: ", name)
		if first {
			head = "{" + head[1:]
		}
		first = false
		if sortingRels {
			parts = append(parts, sortingParts(late, head)...)
			continue
		}
		switch name {
		case "users":
			parts = append(parts, mapParts(p.Users, head, usersPerChunk, appendUser, warmUser, step)...)
			continue
		case "resource_instances":
			parts = append(parts, mapParts(p.ResourceInstances, head, instancesPerChunk, appendInstance, warmInstance, step)...)
			continue
		case "relationships":
			parts = append(parts, relationshipParts(p.Relationships, head)...)
			continue
		}
		parts = append(parts, func(b []byte, js *jsonState) ([]byte, error) {
			return appendField(append(b, head...), f, js)
		})
	}
	if first {
		parts = append(parts, func(b []byte, _ *jsonState) ([]byte, error) { return append(b, "{"...), nil })
	}
	return append(parts, func(b []byte, _ *jsonState) ([]byte, error) { return append(b, "\n}\n"...), nil })
}

// appendField writes a field of the policy with encoding/json: its maps
// and lists an entry at a time, indented as in the file.
func appendField(b []byte, f reflect.Value, js *jsonState) ([]byte, error) {
	var err error
	switch f.Kind() {
	case reflect.Map:
		keys := f.MapKeys()
		sort.Slice(keys, func(a, b int) bool { return keys[a].String() < keys[b].String() })
		b = append(b, '{')
		for j, k := range keys {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n  "...)
			if b, err = js.appendValue(b, k.String(), 2); err != nil {
				return b, err
			}
			b = append(b, ": "...)
			if b, err = js.appendValue(b, f.MapIndex(k).Interface(), 2); err != nil {
				return b, err
			}
		}
		return append(b, "\n }"...), nil
	case reflect.Slice:
		b = append(b, '[')
		for j := range f.Len() {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n  "...)
			if b, err = js.appendValue(b, f.Index(j).Interface(), 2); err != nil {
				return b, err
			}
		}
		return append(b, "\n ]"...), nil
	}
	return js.appendValue(b, f.Interface(), 1)
}

// keyed is a map's entry.
type keyed[V any] struct {
	key string
	val V
}

// mapParts writes a map of the policy (users, instances) in chunks of per
// entries, each entry by appendEntry or, when it cannot, by encoding/json;
// head opens the field. The entries are collected and sorted by a step:
// a map's own order is random, and looking each key up again once sorted
// took about as long as sorting them (50,000 instances).
// warmValue reads ahead a byte of the strings of an entry's value, as
// chunked's warm does.
func mapParts[V any](m map[string]V, head string, per int, appendEntry func([]byte, V, int) ([]byte, bool), warmValue func(V) byte, step func(func()) <-chan struct{}) []part {
	var sorted []keyed[V]
	ready := step(func() {
		sorted = make([]keyed[V], 0, len(m))
		for k, v := range m {
			sorted = append(sorted, keyed[V]{k, v})
		}
		slices.SortFunc(sorted, func(a, b keyed[V]) int { return strings.Compare(a.key, b.key) })
	})
	warm := func(lo, hi int) (x byte) {
		for i := lo; i < hi; i++ {
			x ^= first(sorted[i].key) ^ warmValue(sorted[i].val)
		}
		return x
	}
	return chunked(len(m), per, head+"{", "\n }", ready, warm, func(b []byte, i int, js *jsonState) ([]byte, error) {
		e := sorted[i]
		start := len(b)
		b, ok := appendString(b, e.key)
		if !ok {
			var err error
			if b, err = js.appendValue(b[:start], e.key, 2); err != nil {
				return b, err
			}
		}
		b = append(b, ": "...)
		start = len(b)
		if b, ok = appendEntry(b, e.val, 2); ok {
			return b, nil
		}
		return js.appendValue(b[:start], e.val, 2)
	})
}

// warmUser and warmInstance read a byte of the strings of a user or an
// instance, and the size of its attributes, for chunked's warm.
func warmUser(u *policy.User) byte {
	if u == nil {
		return 0
	}
	return first(u.Email) ^ first(u.FirstName) ^ first(u.LastName) ^ byte(len(u.Attributes)+len(u.Tenants)+len(u.Roles))
}

func warmInstance(in *policy.Instance) byte {
	if in == nil {
		return 0
	}
	return first(in.Tenant) ^ byte(len(in.Attributes))
}

// relationshipParts writes the relationships in chunks.
func relationshipParts(rels []policy.Relationship, head string) []part {
	return chunked(len(rels), relationshipsPerChunk, head+"[", "\n ]", nil, warmRelationships(rels), relationshipEntry(rels))
}

// sortingParts writes the relationships being sorted in chunks, each once
// they are: chunks for late.kept of them, those past the relationships'
// end (the tuples listed twice) empty.
func sortingParts(late *sorting, head string) []part {
	var parts []part
	for lo := 0; lo < late.kept; lo += relationshipsPerChunk {
		parts = append(parts, func(b []byte, js *jsonState) ([]byte, error) {
			<-late.done
			rels := late.rels()
			if lo >= len(rels) {
				return b, nil
			}
			hi := min(lo+relationshipsPerChunk, len(rels))
			return appendChunk(b, js, lo, hi, len(rels), head+"[", "\n ]", warmRelationships(rels), relationshipEntry(rels))
		})
	}
	return parts
}

func warmRelationships(rels []policy.Relationship) func(lo, hi int) byte {
	return func(lo, hi int) (x byte) {
		for i := lo; i < hi; i++ {
			r := &rels[i]
			x ^= first(r.Subject) ^ first(r.Relation) ^ first(r.Object)
		}
		return x
	}
}

func relationshipEntry(rels []policy.Relationship) func(b []byte, i int, js *jsonState) ([]byte, error) {
	return func(b []byte, i int, js *jsonState) ([]byte, error) {
		start := len(b)
		b, ok := appendRelationship(b, &rels[i], 2)
		if ok {
			return b, nil
		}
		return js.appendValue(b[:start], rels[i], 2)
	}
}

// warmAhead is how many entries warm reads ahead of the encoding.
const warmAhead = 16

// first is the first byte of s, or 0.
func first(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

// chunked cuts n entries into parts of per, the first opened with head and
// the last closed with tail; entry appends the i-th entry, once ready (when
// not nil) is closed.
//
// The strings an entry holds lie anywhere in the heap, and waiting for
// each to come from memory was most of the encode's time. warm (when not
// nil) reads a byte of every string of warmAhead entries at a time before
// they are encoded: reads that do not wait for each other are served
// together, and the encoding then finds the strings in the cache.
func chunked(n, per int, head, tail string, ready <-chan struct{}, warm func(lo, hi int) byte, entry func(b []byte, i int, js *jsonState) ([]byte, error)) []part {
	var parts []part
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		parts = append(parts, func(b []byte, js *jsonState) ([]byte, error) {
			if ready != nil {
				<-ready
			}
			return appendChunk(b, js, lo, hi, n, head, tail, warm, entry)
		})
	}
	return parts
}

// appendChunk appends entries lo to hi of n, opened with head when lo is
// the first and closed with tail when hi is the last.
func appendChunk(b []byte, js *jsonState, lo, hi, n int, head, tail string, warm func(lo, hi int) byte, entry func(b []byte, i int, js *jsonState) ([]byte, error)) ([]byte, error) {
	if lo == 0 {
		b = append(b, head...)
	}
	var err error
	for i := lo; i < hi; i++ {
		if warm != nil && (i-lo)%warmAhead == 0 {
			js.warm ^= warm(i, min(i+warmAhead, hi))
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n  "...)
		if b, err = entry(b, i, js); err != nil {
			return b, err
		}
	}
	if hi == n {
		b = append(b, tail...)
	}
	return b, nil
}
