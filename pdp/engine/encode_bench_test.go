package engine_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/pull"
)

// BenchmarkEncodeLarge is the last step of a pull of the large generated
// environment: the pulled policy written as the policy file (pull.EncodeTo)
// into a file on disk, the fsync left out. Its baselines, timed in the same
// iterations so that the machine's load weighs on all alike, are the same
// bytes written into the same file with io.Copy (the least any encoder
// must do: "encode/copy") and encoding/json writing the same policy into
// memory, indented as the file is ("encode/json"). cpu-ns/op is the CPU
// time EncodeTo takes, all its goroutines' (and the system's, writing),
// which the load of a shared machine sways less than the wall time.
func BenchmarkEncodeLarge(b *testing.B) {
	p := pullOnly(b, pullServer(b)).Policy
	want, err := pull.Encode(p)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "env.json"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	// rewind empties the file, so that every write extends it as a new
	// file's would.
	rewind := func() {
		if err := f.Truncate(0); err != nil {
			b.Fatal(err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
	}
	var copyTime, jsonTime, cpu time.Duration
	var jsonBuf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		rewind()
		cpu0 := cpuTime()
		b.StartTimer()
		if err := pull.EncodeTo(f, p); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0

		rewind()
		start := time.Now()
		if _, err := io.Copy(f, bytes.NewReader(want)); err != nil {
			b.Fatal(err)
		}
		copyTime += time.Since(start)

		jsonBuf.Reset()
		start = time.Now()
		enc := json.NewEncoder(&jsonBuf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		if err := enc.Encode(p); err != nil {
			b.Fatal(err)
		}
		jsonTime += time.Since(start)
		b.StartTimer()
	}
	b.StopTimer()
	// What EncodeTo wrote last is the file encoding/json writes.
	got, err := os.ReadFile(f.Name())
	if err != nil {
		b.Fatal(err)
	}
	if !bytes.Equal(got, want) || !bytes.Equal(got, jsonBuf.Bytes()) {
		b.Fatalf("EncodeTo wrote %d bytes, Encode %d, encoding/json %d: not the same", len(got), len(want), jsonBuf.Len())
	}
	enc := b.Elapsed()
	b.ReportMetric(float64(len(want))/1e6, "file-MB")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(copyTime.Nanoseconds())/float64(b.N), "copy-ns/op")
	b.ReportMetric(float64(jsonTime.Nanoseconds())/float64(b.N), "json-ns/op")
	b.ReportMetric(float64(enc)/float64(copyTime), "encode/copy")
	b.ReportMetric(float64(enc)/float64(jsonTime), "encode/json")
}
