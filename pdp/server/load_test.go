package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// Load measurements: pdpx serve against a no-op Go handler that answers a
// fixed 200 JSON body, both over loopback with the same keep-alive clients
// in the same run, so that the ratio says what pdpx adds to bare net/http.
//
//	go test -run '^$' -bench 'Serve' ./pdp/server/          # benchmarks
//	PDPX_LOAD=30s go test -run TestLoad -v ./pdp/server/     # the 30 s load test

// loadClients is how many keep-alive clients send at once.
const loadClients = 64

// loadStats is what one load run measured.
type loadStats struct {
	reqs, errs int64
	elapsed    time.Duration
	p50, p99   time.Duration
}

func (s loadStats) rps() float64 { return float64(s.reqs) / s.elapsed.Seconds() }

// listen serves h on a loopback port until the test ends.
func listen(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return "http://" + ln.Addr().String()
}

// noop is the baseline: what any Go HTTP server costs for a request.
var noop = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"allow":true,"result":true}`))
})

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadServer is pdpx serve on the demo policy as it runs for real: debug
// on (unless noDebug), a key to check and an access log line formatted per request (kept
// nowhere, so that the terminal's speed is not measured).
func loadServer(t testing.TB, noDebug bool) *Server {
	s, _ := newServer(t, Config{Token: testToken, NoDebug: noDebug, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return s
}

// latency histogram: 10 µs buckets up to 1 s, fixed in size so that
// measuring does not grow the heap the load test watches.
const (
	bucket   = 10 * time.Microsecond
	nBuckets = int(time.Second / bucket)
)

type histogram [nBuckets + 1]int64

func (h *histogram) add(d time.Duration) {
	i := int(d / bucket)
	if i > nBuckets {
		i = nBuckets
	}
	h[i]++
}

// quantile is the upper edge of the bucket holding the q-th request.
func quantile(hs []*histogram, total int64, q float64) time.Duration {
	want := int64(float64(total) * q)
	var seen int64
	for i := 0; i <= nBuckets; i++ {
		for _, h := range hs {
			seen += h[i]
		}
		if seen > want {
			return time.Duration(i+1) * bucket
		}
	}
	return time.Second
}

// drive sends body to url from loadClients clients until stop says so (it is
// called before every request with the running count) and measures.
func drive(url string, body []byte, stop func(n int64, since time.Duration) bool) loadStats {
	tr := &http.Transport{MaxIdleConns: loadClients, MaxIdleConnsPerHost: loadClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var n, errs atomic.Int64
	hists := make([]*histogram, loadClients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range loadClients {
		hists[i] = new(histogram)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop(n.Load(), time.Since(start)) {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+testToken)
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						errs.Add(1)
					}
				}
				hists[i].add(time.Since(t0))
				if err != nil {
					errs.Add(1)
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	st := loadStats{reqs: n.Load(), errs: errs.Load(), elapsed: time.Since(start)}
	if st.reqs > 0 {
		st.p50 = quantile(hists, st.reqs, 0.50)
		st.p99 = quantile(hists, st.reqs, 0.99)
	}
	return st
}

func forCount(count int64) func(int64, time.Duration) bool {
	return func(n int64, _ time.Duration) bool { return n >= count }
}

func forTime(d time.Duration) func(int64, time.Duration) bool {
	return func(_ int64, since time.Duration) bool { return since >= d }
}

func report(b *testing.B, st loadStats, perReq int) {
	b.ReportMetric(st.rps()*float64(perReq), "decisions/s")
	b.ReportMetric(st.rps(), "req/s")
	b.ReportMetric(float64(st.p99.Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op") // the figures above are the ones that mean something here
	if st.errs > 0 {
		b.Fatalf("%d errors", st.errs)
	}
}

var johnBody = []byte(johnCreates)

// bulkBody is /allowed/bulk with n checks cycling through the demo story.
func bulkBody(n int) []byte {
	cs := make([]pdp.Check, n)
	for i := range cs {
		cs[i] = story[i%len(story)].check
	}
	return pdp.BulkBody(cs)
}

// BenchmarkServeAllowed: /allowed on the demo policy with 64 keep-alive
// clients, next to the no-op handler in the same run.
func BenchmarkServeAllowed(b *testing.B) {
	base, srv := listen(b, noop), listen(b, loadServer(b, false))
	quiet := listen(b, loadServer(b, true))
	unlogged, _ := newServer(b, Config{Token: testToken, Log: slog.New(slog.DiscardHandler)})
	silent := listen(b, unlogged)
	b.Run("baseline=noop", func(b *testing.B) {
		report(b, drive(base+"/allowed", johnBody, forCount(int64(b.N))), 1)
	})
	b.Run("pdpx-serve", func(b *testing.B) {
		report(b, drive(srv+"/allowed", johnBody, forCount(int64(b.N))), 1)
	})
	b.Run("pdpx-serve-no-debug", func(b *testing.B) {
		report(b, drive(quiet+"/allowed", johnBody, forCount(int64(b.N))), 1)
	})
	// The access log off (its handler disabled), to see what it costs.
	b.Run("pdpx-serve-no-log", func(b *testing.B) {
		report(b, drive(silent+"/allowed", johnBody, forCount(int64(b.N))), 1)
	})
}

// BenchmarkServeBulk: /allowed/bulk with 100 checks per request.
func BenchmarkServeBulk(b *testing.B) {
	srv, quiet := listen(b, loadServer(b, false)), listen(b, loadServer(b, true))
	body := bulkBody(100)
	b.Run("bulk-100", func(b *testing.B) {
		report(b, drive(srv+"/allowed/bulk", body, forCount(int64(b.N))), 100)
	})
	b.Run("bulk-100-no-debug", func(b *testing.B) {
		report(b, drive(quiet+"/allowed/bulk", body, forCount(int64(b.N))), 100)
	})
}

// TestLoad is the bounded load test behind the README's figures. It runs
// only when PDPX_LOAD names a duration per phase (30s for the figures):
// the no-op handler, then pdpx serve's /allowed with its memory sampled as
// it runs, then /allowed/bulk with 100 checks, then both again with
// --no-debug. It requires pdpx serve to reach 60% of the no-op handler's
// requests per second with a p99 under 2 ms, no errors and flat memory,
// and bulk to reach 20x the single-check decisions per second.
//
// By default the servers run in this process, sharing its cores with the
// load generator. PDPX_LOAD_SPLIT=G:S (CPU lists for taskset, e.g. 0:1)
// instead runs the servers in a child process pinned to CPUs S with
// GOMAXPROCS set to their number, and the generator here pinned to CPUs G,
// so that neither steals the other's cores; memory is then the child's
// resident set.
//
//	PDPX_LOAD=30s go test -run TestLoad -v ./pdp/server/
//	PDPX_LOAD=30s PDPX_LOAD_SPLIT=0:1 go test -run TestLoad -v ./pdp/server/
func TestLoad(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("PDPX_LOAD"))
	if err != nil || d <= 0 {
		t.Skip("set PDPX_LOAD=30s to run the load test")
	}
	var nopURL, srvURL, quietURL string
	var mem func() uint64 // bytes in use, sampled during the /allowed phase
	memName := "heap after GC"
	if split := os.Getenv("PDPX_LOAD_SPLIT"); split != "" {
		nopURL, srvURL, quietURL, mem = splitServers(t, split)
		memName = "server RSS"
	} else {
		nopURL, srvURL = listen(t, noop), listen(t, loadServer(t, false))
		quietURL = listen(t, loadServer(t, true))
		mem = func() uint64 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return m.HeapAlloc
		}
	}
	for _, u := range []string{nopURL, srvURL, quietURL} { // warm up
		drive(u+"/allowed", johnBody, forTime(time.Second))
	}

	nop := drive(nopURL+"/allowed", johnBody, forTime(d))
	t.Logf("no-op handler: %.0f req/s, p50 %v, p99 %v, %d errors", nop.rps(), nop.p50, nop.p99, nop.errs)

	var samples []uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tk := time.NewTicker(d / 10)
		defer tk.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tk.C:
				samples = append(samples, mem())
			}
		}
	}()
	one := drive(srvURL+"/allowed", johnBody, forTime(d))
	close(stopSampling)
	<-sampled
	ratio := one.rps() / nop.rps()
	t.Logf("pdpx serve /allowed: %.0f req/s (%.0f%% of no-op), p50 %v, p99 %v, %d errors", one.rps(), 100*ratio, one.p50, one.p99, one.errs)
	var mb []string
	for _, h := range samples {
		mb = append(mb, fmt.Sprintf("%.1f", float64(h)/(1<<20)))
	}
	t.Logf("%s, every %v: %s MB", memName, d/10, strings.Join(mb, " "))

	bulk := drive(srvURL+"/allowed/bulk", bulkBody(100), forTime(d))
	bulkRatio := bulk.rps() * 100 / one.rps()
	t.Logf("pdpx serve /allowed/bulk x100: %.0f decisions/s (%.1fx single), p99 %v, %d errors", bulk.rps()*100, bulkRatio, bulk.p99, bulk.errs)

	quiet := drive(quietURL+"/allowed", johnBody, forTime(d))
	t.Logf("pdpx serve --no-debug /allowed: %.0f req/s (%.0f%% of no-op), p50 %v, p99 %v, %d errors", quiet.rps(), 100*quiet.rps()/nop.rps(), quiet.p50, quiet.p99, quiet.errs)
	quietBulk := drive(quietURL+"/allowed/bulk", bulkBody(100), forTime(d))
	quietRatio := quietBulk.rps() * 100 / quiet.rps()
	t.Logf("pdpx serve --no-debug /allowed/bulk x100: %.0f decisions/s (%.1fx single), p99 %v, %d errors", quietBulk.rps()*100, quietRatio, quietBulk.p99, quietBulk.errs)

	if errs := nop.errs + one.errs + bulk.errs + quiet.errs + quietBulk.errs; errs > 0 {
		t.Errorf("%d errors", errs)
	}
	if ratio < 0.6 {
		t.Errorf("pdpx serve reached %.0f%% of the no-op handler's requests per second, want at least 60%%", 100*ratio)
	}
	if one.p99 >= 2*time.Millisecond {
		t.Errorf("p99 %v, want under 2ms", one.p99)
	}
	if bulkRatio < 20 {
		t.Errorf("bulk reached %.1fx the single-check decisions per second, want 20x", bulkRatio)
	}
	if quietRatio < 20 {
		t.Errorf("bulk with --no-debug reached %.1fx the single-check decisions per second, want 20x", quietRatio)
	}
	if len(samples) >= 4 {
		// Flat: the second half of the run holds no more than the first
		// half's largest sample plus a margin for the allocator's noise.
		first := slices.Max(samples[:len(samples)/2])
		last := slices.Max(samples[len(samples)/2:])
		if last > first+first/2+4<<20 {
			t.Errorf("memory grew: %v", samples)
		}
	}
}

// splitServers starts TestLoadServers in a child process pinned to the
// CPUs after the colon in split, pins this process to those before it, and
// returns the child's URLs and a reader of its resident set.
func splitServers(t *testing.T, split string) (nop, srv, quiet string, rss func() uint64) {
	gen, cpus, ok := strings.Cut(split, ":")
	if !ok {
		t.Fatalf("PDPX_LOAD_SPLIT=%q: want generator CPUs:server CPUs, e.g. 0:1", split)
	}
	// Every thread of this process, present and future, to gen's CPUs.
	if out, err := exec.Command("taskset", "-a", "-p", "-c", gen, strconv.Itoa(os.Getpid())).CombinedOutput(); err != nil {
		t.Fatalf("taskset: %v: %s", err, out)
	}
	n := 0
	for _, r := range strings.Split(cpus, ",") {
		lo, hi, _ := strings.Cut(r, "-")
		a, _ := strconv.Atoi(lo)
		b := a
		if hi != "" {
			b, _ = strconv.Atoi(hi)
		}
		n += b - a + 1
	}
	cmd := exec.Command("taskset", "-c", cpus, os.Args[0], "-test.run", "^TestLoadServers$")
	cmd.Env = append(os.Environ(), "PDPX_LOAD_SERVERS=1", "GOMAXPROCS="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the child serves until its stdin closes
		_ = cmd.Wait()
	})
	var line string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if line = sc.Text(); strings.HasPrefix(line, "URLS ") {
			break
		}
	}
	f := strings.Fields(line)
	if len(f) != 4 {
		t.Fatalf("the server process said %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	rss = func() uint64 {
		data, _ := os.ReadFile(status)
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				return kb << 10
			}
		}
		return 0
	}
	return f[1], f[2], f[3], rss
}

// TestLoadServers is TestLoad's server process in PDPX_LOAD_SPLIT mode: the
// no-op handler, pdpx serve and pdpx serve --no-debug, serving until stdin
// closes.
func TestLoadServers(t *testing.T) {
	if os.Getenv("PDPX_LOAD_SERVERS") == "" {
		t.Skip("started by TestLoad with PDPX_LOAD_SPLIT")
	}
	fmt.Printf("URLS %s %s %s\n", listen(t, noop), listen(t, loadServer(t, false)), listen(t, loadServer(t, true)))
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// BenchmarkHandler is the handler alone, without the network: what one
// request costs pdpx serve itself. cpu-ns/op is the process's CPU time
// (user and system, the collector's included) per request: on a machine
// shared with other work it is steadier than ns/op, which counts the time
// spent waiting for a core.
func BenchmarkHandler(b *testing.B) {
	for _, c := range []struct {
		name, path string
		body       []byte
		debug      bool
	}{
		{"allowed", "/allowed", johnBody, true},
		{"allowed-no-debug", "/allowed", johnBody, false},
		{"bulk-100", "/allowed/bulk", bulkBody(100), true},
		{"bulk-100-no-debug", "/allowed/bulk", bulkBody(100), false},
		{"bulk-1000", "/allowed/bulk", bulkBody(1000), true},
		{"bulk-1000-no-debug", "/allowed/bulk", bulkBody(1000), false},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, _ := newServer(b, Config{Token: testToken, NoDebug: !c.debug, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				status, _, _ := do(b, s, req{path: c.path, body: string(c.body)})
				if status != http.StatusOK {
					b.Fatal(status)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
