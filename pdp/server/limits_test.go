package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// padTo is an /allowed body of exactly n bytes: johnCreates with a context
// attribute padded out.
func padTo(t testing.TB, n int) string {
	t.Helper()
	head := `{"user":{"key":"john@smith.com"},"action":"create","resource":{"type":"document","tenant":"default"},"context":{"pad":"`
	tail := `"}}`
	if n < len(head)+len(tail) {
		t.Fatalf("cannot pad to %d bytes", n)
	}
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

// TestBodyLimit: a body of up to 2 MiB is read, as Permit's PDP reads it;
// one byte more is 413 with a message that says the limit, whether the
// length is declared or not.
func TestBodyLimit(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	at := padTo(t, MaxBody)
	if status, body, _ := do(t, s, req{path: "/allowed", body: at}); status != 200 {
		t.Fatalf("a body of exactly %d bytes: %d %.200s", MaxBody, status, body)
	}
	over := padTo(t, MaxBody+1)
	status, body, _ := do(t, s, req{path: "/allowed", body: over})
	if status != http.StatusRequestEntityTooLarge || !bytes.Contains(body, []byte("2 MiB (2,097,152 bytes)")) {
		t.Fatalf("a body of %d bytes: %d %s", MaxBody+1, status, body)
	}

	// Without a Content-Length (chunked), the limit holds as the bytes come.
	for _, c := range []struct {
		body string
		want int
	}{{at, 200}, {over, 413}} {
		r := httptest.NewRequest(http.MethodPost, "/allowed", io.MultiReader(strings.NewReader(c.body)))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+testToken)
		if r.ContentLength != -1 {
			t.Fatalf("the request declares %d bytes", r.ContentLength)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("chunked body of %d bytes: %d, want %d: %.200s", len(c.body), w.Code, c.want, w.Body)
		}
	}
}

// stallReader gives its bytes and then blocks until release is closed,
// when it ends the body.
type stallReader struct {
	data    []byte
	release chan struct{}
}

func (r *stallReader) Read(p []byte) (int, error) {
	if len(r.data) > 0 {
		n := copy(p, r.data)
		r.data = r.data[n:]
		return n, nil
	}
	<-r.release
	return 0, io.EOF
}

// TestDeclaredLengthReservesNothing: the body buffer grows with the bytes
// that arrive. A client that declares a large body and sends a few bytes
// costs a few bytes, not what it declared.
func TestDeclaredLengthReservesNothing(t *testing.T) {
	s, _ := newServer(t, Config{})
	r := httptest.NewRequest(http.MethodPost, "/allowed", &stallReader{data: []byte(`[{"u`), release: closed()})
	r.ContentLength = MaxBody
	info := new(reqInfo)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	body, err := s.readBody(r, info)
	runtime.ReadMemStats(&after)
	if err != nil || string(body) != `[{"u` {
		t.Fatalf("read %q, %v", body, err)
	}
	if c := cap(body); c > 4<<10 {
		t.Errorf("a body of 4 bytes that declared %d got a buffer of %d bytes", MaxBody, c)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10 {
		t.Errorf("reading 4 bytes of a declared %d allocated %d bytes", MaxBody, got)
	}
	if info.held != 0 {
		t.Errorf("a small body holds %d bytes of the budget", info.held)
	}
}

func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// TestBodyBudget: large bodies in flight share the budget; one that finds
// it taken waits, up to the read timeout, and is then refused with 503;
// the budget comes back when a request's answer is written.
func TestBodyBudget(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken, BodyBudget: MaxBody, ReadTimeout: 200 * time.Millisecond})

	// A holds the whole budget: it declares MaxBody, sends more than
	// largeBody and stalls.
	stall := &stallReader{data: bytes.Repeat([]byte(" "), 2*largeBody), release: make(chan struct{})}
	ra := httptest.NewRequest(http.MethodPost, "/allowed", stall)
	ra.ContentLength = MaxBody
	infoA := new(reqInfo)
	doneA := make(chan error, 1)
	go func() {
		_, err := s.readBody(ra, infoA)
		doneA <- err
	}()
	waitFor(t, "A to take the budget", func() bool {
		if s.budget.TryAcquire(1) {
			s.budget.Release(1)
			return false
		}
		return true
	})

	// B, a large body, waits for its turn and is refused after 200ms.
	large := "[" + strings.Repeat(johnCreates+",", 2*largeBody/len(johnCreates)) + johnCreates + "]"
	status, body, _ := do(t, s, req{path: "/allowed/bulk", body: large})
	if status != http.StatusServiceUnavailable || !bytes.Contains(body, []byte("retry")) {
		t.Fatalf("a large body while the budget is taken: %d %.300s", status, body)
	}
	// A small body never waits.
	if status, body, _ := do(t, s, req{path: "/allowed", body: johnCreates}); status != 200 {
		t.Fatalf("a small body while the budget is taken: %d %s", status, body)
	}

	close(stall.release)
	if err := <-doneA; err != nil {
		t.Fatalf("A: %v", err)
	}
	if infoA.held != MaxBody {
		t.Fatalf("A held %d bytes of the budget, want %d", infoA.held, MaxBody)
	}
	s.releaseBudget(infoA)
	if status, body, _ := do(t, s, req{path: "/allowed/bulk", body: large}); status != 200 {
		t.Fatalf("a large body once the budget is back: %d %.300s", status, body)
	}
	// ServeHTTP gave its share back.
	if !s.budget.TryAcquire(MaxBody) {
		t.Fatal("the budget was not returned after the answer")
	}
	s.budget.Release(MaxBody)
}

// serveOn runs s.Serve on a loopback listener (wrapped by wrap, if given)
// until the test ends.
func serveOn(t *testing.T, s *Server, wrap func(net.Listener) net.Listener) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if wrap != nil {
		ln = wrap(ln)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return addr
}

// rawRequest is the head of a POST with a declared length, as a client
// writes it on the wire.
func rawRequest(path string, length int) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: pdpx\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", path, testToken, length)
}

// TestDeclaredButUnsentBodies: connections that declare a 1 MiB body and
// send nothing hold a few KB each (their goroutine's buffers), not what
// they declared: before the fix, 50 of them held 50 MB.
func TestDeclaredButUnsentBodies(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	var reading atomic.Int64
	addr := serveOn(t, s, func(l net.Listener) net.Listener { return secondReads{l, &reading} })
	const conns = 50
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := io.WriteString(c, rawRequest("/allowed/bulk", 1<<20)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every connection to be reading its body", func() bool { return reading.Load() == conns })
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d connections waiting for 1 MiB bodies: heap grew by %.1f KB (%.1f KB each)", conns, float64(grew)/1024, float64(grew)/1024/conns)
	if grew > conns*64<<10 {
		t.Errorf("%d connections that declared 1 MiB and sent nothing hold %d bytes", conns, grew)
	}
}

// secondReads counts the connections blocked in their second read: the
// first brings a request's head, so the second is its handler reading the
// body.
type secondReads struct {
	net.Listener
	n *atomic.Int64
}

func (l secondReads) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	return &readCounter{Conn: c, n: l.n}, nil
}

type readCounter struct {
	net.Conn
	reads int // only the connection's serving goroutine reads
	n     *atomic.Int64
}

func (c *readCounter) Read(p []byte) (int, error) {
	c.reads++
	if c.reads == 2 {
		c.n.Add(1)
		defer c.n.Add(-1)
	}
	return c.Conn.Read(p)
}

// smallWrites makes the server's socket buffers small, so that a client
// that does not read stalls the server's writes after a few KB whatever
// the machine's TCP settings.
type smallWrites struct{ net.Listener }

func (l smallWrites) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// TestStalledReaderIsCutOff: a client that sends a bulk request and never
// reads the answer holds the server's memory only until the write
// deadline; then the handler ends and gives its body budget back. Without
// the deadline the handler waited for ever.
func TestStalledReaderIsCutOff(t *testing.T) {
	lb := &logBuf{}
	s, _ := newServer(t, Config{Token: testToken, Log: slogText(lb), WriteTimeout: 300 * time.Millisecond})
	addr := serveOn(t, s, func(l net.Listener) net.Listener { return smallWrites{l} })

	body := bulkBody(4000) // about 4 MB of answer with the debug object
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.(*net.TCPConn).SetReadBuffer(4 << 10)
	if _, err := io.WriteString(c, rawRequest("/allowed/bulk", len(body))+string(body)); err != nil {
		t.Fatal(err)
	}
	// The request is cut off: its log line says the answer could not be
	// written. Ten seconds is thirty times the deadline.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(lb.String(), "could not be written") {
		if time.Now().After(deadline) {
			t.Fatalf("the handler still waits on a client that does not read; log:\n%s", lb)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !s.budget.TryAcquire(s.cfg.BodyBudget) {
		t.Fatal("the cut-off request kept its share of the body budget")
	}
	s.budget.Release(s.cfg.BodyBudget)
}

// TestLargeBulkIsStreamed: a bulk request past one batch is written in
// parts, and its answer is the same as the one built whole: every
// decision in order, each the engine's /allowed answer for its check.
func TestLargeBulkIsStreamed(t *testing.T) {
	for _, noDebug := range []bool{false, true} {
		s, _ := newServer(t, Config{Token: testToken, NoDebug: noDebug})
		n := 3*s.streamBatch() + 7
		var cs []pdp.Check
		for i := range n {
			cs = append(cs, story[i%len(story)].check)
		}
		status, body, _ := do(t, s, req{path: "/allowed/bulk", body: string(pdp.BulkBody(cs))})
		if status != 200 {
			t.Fatalf("%d %.300s", status, body)
		}
		var got struct{ Allow []json.RawMessage }
		if err := json.Unmarshal(body, &got); err != nil || len(got.Allow) != n {
			t.Fatalf("no-debug %v: %v, %d answers for %d checks", noDebug, err, len(got.Allow), n)
		}
		for i, raw := range got.Allow {
			_, want := s.decide(s.cur.Load(), cs[i])
			if !bytes.Equal(raw, want) {
				t.Fatalf("no-debug %v, answer %d:\n got %s\nwant %s", noDebug, i, raw, want)
			}
		}
	}
}

// TestStreamedAnswerOverHTTP: the streamed answer reads whole through
// net/http's client, as an SDK reads it.
func TestStreamedAnswerOverHTTP(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	addr := serveOn(t, s, nil)
	body := bulkBody(2*s.streamBatch() + 1)
	r, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/allowed/bulk", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Allow []json.RawMessage }
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || len(got.Allow) != 2*s.streamBatch()+1 {
		t.Fatalf("%d %q, %d answers", resp.StatusCode, resp.Header.Get("Content-Type"), len(got.Allow))
	}
}

// writeRecorder is a ResponseWriter that keeps what is written and the
// size of each write.
type writeRecorder struct {
	h      http.Header
	code   int
	body   bytes.Buffer
	writes []int
}

func (w *writeRecorder) Header() http.Header { return w.h }
func (w *writeRecorder) WriteHeader(c int)   { w.code = c }
func (w *writeRecorder) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	w.writes = append(w.writes, len(b))
	return w.body.Write(b)
}

// serveRecorded sends a POST of body to path and records the writes.
func serveRecorded(s *Server, path, body string) *writeRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+testToken)
	w := &writeRecorder{h: http.Header{}}
	s.ServeHTTP(w, r)
	return w
}

// TestLargeAnswersAreWrittenInParts: a bulk or AuthZEN evaluations answer
// too large to hold whole is written in parts of bounded size (an
// evaluations request that leans on its defaults spends 3 bytes per
// evaluation and gets hundreds back), and reads back as every decision in
// order.
func TestLargeAnswersAreWrittenInParts(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})

	bulk := serveRecorded(s, "/allowed/bulk", string(bulkBody(4*s.streamBatch())))
	if bulk.code != 200 || len(bulk.writes) < 4 || slicesMax(bulk.writes) > s.streamBatch()*2<<10 {
		t.Errorf("bulk of %d checks: status %d, writes %v", 4*s.streamBatch(), bulk.code, bulk.writes)
	}

	const n = 3000
	head := `{"subject":{"type":"user","id":"john@smith.com"},"action":{"name":"create"},"resource":{"type":"document","id":"","properties":{"tenant":"default"}},"evaluations":[`
	evals := serveRecorded(s, "/access/v1/evaluations", head+strings.Repeat("{},", n-1)+`{"subject":{"type":"user","id":"bob@acme.io"}}]}`)
	if evals.code != 200 || len(evals.writes) < 4 || slicesMax(evals.writes) > 128<<10 {
		t.Fatalf("%d evaluations: status %d, writes %v", n, evals.code, evals.writes)
	}
	if ct := evals.h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var got struct {
		Evaluations []struct {
			Decision bool
			Context  json.RawMessage
		}
	}
	if err := json.Unmarshal(evals.body.Bytes(), &got); err != nil || len(got.Evaluations) != n {
		t.Fatalf("%v, %d evaluations", err, len(got.Evaluations))
	}
	for i, d := range got.Evaluations {
		if want := i < n-1; d.Decision != want || len(d.Context) == 0 {
			t.Fatalf("evaluation %d: %v %s", i, d.Decision, d.Context)
		}
	}
	// An evaluation that cannot be made, at the end of a large answer, is
	// answered in its place; the others are decided all the same.
	bad := serveRecorded(s, "/access/v1/evaluations", head+strings.Repeat("{},", n)+`{"subject":{"type":"user"}},5]}`)
	got.Evaluations = nil
	if err := json.Unmarshal(bad.body.Bytes(), &got); bad.code != 200 || err != nil || len(got.Evaluations) != n+2 ||
		!got.Evaluations[n-1].Decision || got.Evaluations[n].Decision || !strings.Contains(string(got.Evaluations[n].Context), "evaluations[3000]: subject.id is missing") ||
		!strings.Contains(string(got.Evaluations[n+1].Context), "evaluations[3001] must be an object") {
		t.Errorf("items that cannot be evaluated: %d %v, %d answers", bad.code, err, len(got.Evaluations))
	}
}

func slicesMax(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
