package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The memory attacks on pdpx serve, measured on a server in a child
// process (its resident set, from /proc, is what the machine pays):
//
//	(a) 1,000 connections that declare a 1 MiB body and send nothing;
//	(b) 40 clients that send a bulk request and never read the answer.
//
// The run is bounded (a few seconds of each attack) and only on loopback.
// It is not part of the normal test run:
//
//	PDPX_ATTACK=1 go test -run TestAttack -v ./pdp/server/
//
// PDPX_ATTACK_BODY sets the bulk body's size in bytes (default just under
// 1 MiB, which every version of pdpx serve accepts); PDPX_ATTACK_MINIMAL=1
// fills it with the smallest checks (the most checks a body can hold)
// instead of the demo story's; PDPX_ATTACK_HOLD how long each attack lasts
// (default 10s).

// TestAttack runs each attack against a fresh server process and reports
// its resident set: at rest, the largest sampled during the attack, and
// the process's peak (VmHWM).
func TestAttack(t *testing.T) {
	if os.Getenv("PDPX_ATTACK") == "" {
		t.Skip("set PDPX_ATTACK=1 to measure pdpx serve's memory under attack")
	}
	bodySize := 1<<20 - 4096
	if v := os.Getenv("PDPX_ATTACK_BODY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("PDPX_ATTACK_BODY=%q: want a size in bytes", v)
		}
		bodySize = n
	}
	hold := 10 * time.Second
	if v := os.Getenv("PDPX_ATTACK_HOLD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		hold = d
	}

	t.Run("declared-unsent", func(t *testing.T) {
		addr, rss := attackServer(t)
		rest := rss("VmRSS")
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		head := attackHead("/allowed/bulk", 1<<20)
		for range 1000 {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("after %d connections: %v", len(conns), err)
			}
			conns = append(conns, c)
			if _, err := io.WriteString(c, head); err != nil {
				t.Fatal(err)
			}
		}
		peak := sampleRSS(rss, hold)
		t.Logf("1,000 connections declaring 1 MiB, sending nothing, for %v: server RSS %.1f MB at rest, %.1f MB at most during the attack, peak (VmHWM) %.1f MB",
			hold, mb(rest), mb(peak), mb(rss("VmHWM")))
	})

	t.Run("unread-answers", func(t *testing.T) {
		addr, rss := attackServer(t)
		rest := rss("VmRSS")
		body := bulkOfSize(t, bodySize, os.Getenv("PDPX_ATTACK_MINIMAL") != "")
		var wg sync.WaitGroup
		var mu sync.Mutex
		var conns []net.Conn
		defer func() {
			mu.Lock()
			for _, c := range conns {
				c.Close()
			}
			mu.Unlock()
		}()
		for range 40 {
			wg.Go(func() {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				// Send the request, then never read.
				_, _ = io.WriteString(c, attackHead("/allowed/bulk", len(body))+body)
			})
		}
		wg.Wait()
		peak := sampleRSS(rss, hold)
		t.Logf("40 clients sending a %.2f MB bulk request (%d checks) and never reading, for %v: server RSS %.1f MB at rest, %.1f MB at most during the attack, peak (VmHWM) %.1f MB",
			float64(len(body))/1e6, strings.Count(body, `"user"`), hold, mb(rest), mb(peak), mb(rss("VmHWM")))
	})
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// sampleRSS reads the resident set every 100ms for d and returns the largest.
func sampleRSS(rss func(string) uint64, d time.Duration) uint64 {
	var peak uint64
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		peak = max(peak, rss("VmRSS"))
	}
	return peak
}

// attackHead is the head of a POST that declares length bytes of body.
func attackHead(path string, length int) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: pdpx\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", path, testToken, length)
}

// bulkOfSize is a bulk body of the demo story's checks (or the smallest
// check), as close to size bytes as whole checks make it.
func bulkOfSize(t *testing.T, size int, minimal bool) string {
	t.Helper()
	if minimal {
		const c = `{"user":{"key":"u"},"action":"read","resource":{"type":"document"}}`
		n := (size - 1) / (len(c) + 1)
		return "[" + strings.Repeat(c+",", n-1) + c + "]"
	}
	n := 1
	for len(bulkBody(n*2)) <= size {
		n *= 2
	}
	lo, hi := n, n*2
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if len(bulkBody(mid)) <= size {
			lo = mid
		} else {
			hi = mid
		}
	}
	return string(bulkBody(lo))
}

// attackServer starts TestAttackServer in a child process and returns its
// address and a reader of its /proc status fields (VmRSS, VmHWM) in bytes.
func attackServer(t *testing.T) (string, func(field string) uint64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestAttackServer$")
	cmd.Env = append(os.Environ(), "PDPX_ATTACK_SERVER=1")
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the child serves until its stdin closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	sc := bufio.NewScanner(stdout)
	var addr string
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatal("the server process did not start")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	return addr, func(field string) uint64 {
		data, _ := os.ReadFile(status)
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, field+":"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				return kb << 10
			}
		}
		return 0
	}
}

// TestAttackServer is TestAttack's server process: pdpx serve on the demo
// policy as `pdpx serve --token` runs it (Serve, its defaults), until
// stdin closes.
func TestAttackServer(t *testing.T) {
	if os.Getenv("PDPX_ATTACK_SERVER") == "" {
		t.Skip("started by TestAttack")
	}
	s, err := New(Config{Token: testToken, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	fmt.Printf("ADDR %s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	cancel()
	<-done
}
