package state

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// TestHelperProcess is not a test: it is a second pdpx process for the
// tests below, started by re-running the test binary. It appends
// PDPX_HELPER_N decisions to PDPX_HELPER_DB one at a time, as pdpx check
// does, and prints each ID once its commit returned.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("PDPX_HELPER_DB")
	if path == "" {
		t.Skip("a helper for the multi-process tests")
	}
	n, _ := strconv.Atoi(os.Getenv("PDPX_HELPER_N"))
	tag := os.Getenv("PDPX_HELPER_TAG")
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	for i := 0; n == 0 || i < n; i++ {
		e, err := s.Add(ctx, entry(fmt.Sprintf("%s-%d", tag, i), "read", pdp.Outcome(i%3)))
		if err != nil {
			fmt.Println("add:", err)
			os.Exit(4)
		}
		fmt.Println(e.ID)
	}
	s.Close()
	os.Exit(0)
}

func helper(t *testing.T, path, tag string, n int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "PDPX_HELPER_DB="+path, "PDPX_HELPER_TAG="+tag, "PDPX_HELPER_N="+strconv.Itoa(n))
	return cmd
}

// Two pdpx processes appending at once lose nothing: WAL lets them share the
// file, busy_timeout makes each wait its turn.
func TestTwoProcessesAppendingLoseNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	const n = 300
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for _, tag := range []string{"a", "b"} {
		c := helper(t, path, tag, n)
		var out strings.Builder
		c.Stdout, c.Stderr = &out, &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, c), append(outs, &out)
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper %d: %v\n%s", i, err, outs[i])
		}
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, tag := range []string{"a", "b"} {
		page, err := s.Page(ctx, Query{Filter: Filter{Text: tag + "-"}, Limit: 2 * n})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range page {
			if strings.HasPrefix(e.Check.User.Key, tag+"-") {
				seen[e.Check.User.Key] = true
			}
		}
		if len(seen) != n {
			t.Errorf("process %s: %d of %d decisions stored", tag, len(seen), n)
		}
	}
	if c, _ := s.Counts(ctx, Filter{}); c.Total != 2*n || c.Allowed+c.Denied+c.Errors != 2*n {
		t.Errorf("counts = %+v, want %d", c, 2*n)
	}
}

// A process killed in the middle of a burst of writes leaves a database
// that opens, with every decision whose commit had returned.
func TestKilledMidBurstKeepsCommittedDecisions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	c := helper(t, path, "k", 0) // writes until killed
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var committed []int64
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && len(committed) < 400 {
		id, err := strconv.ParseInt(sc.Text(), 10, 64)
		if err != nil {
			t.Fatalf("helper: %s", sc.Text())
		}
		committed = append(committed, id)
	}
	if err := c.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.Wait()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("the database does not open after SIGKILL: %v", err)
	}
	defer s.Close()
	var ok string
	if err := s.db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q %v", ok, err)
	}
	for _, id := range committed {
		if _, err := s.Get(context.Background(), id); err != nil {
			t.Fatalf("committed decision %d lost: %v", id, err)
		}
	}
	c2, _ := s.Counts(context.Background(), Filter{})
	if c2.Total < len(committed) {
		t.Errorf("totals say %d, %d were committed", c2.Total, len(committed))
	}
}

// A file that is not a SQLite database, or a damaged one, is moved aside
// and a fresh history started; pdpx says so in one line.
func TestCorruptFileIsMovedAside(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"not-sqlite", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("this is a shopping list, not a database\n"+strings.Repeat("x", 5000)), 0o600)
		}},
		{"damaged", func(t *testing.T, path string) {
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			for range 50 {
				s.Add(ctx, entry("bob", "read", pdp.Deny))
			}
			s.Close()
			b, _ := os.ReadFile(path)
			// Keep the 100-byte header, clobber the schema on page one.
			for i := 100; i < min(len(b), 4096); i++ {
				b[i] = 0xA5
			}
			os.WriteFile(path, b, 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "history.db")
			tc.write(t, path)
			o := OpenOrRecover(ctx, path)
			defer o.Close()
			if o.Memory || o.Store == nil {
				t.Fatalf("not recovered: %s", o.Note)
			}
			if strings.Contains(o.Note, "\n") || !strings.Contains(o.Note, "history.db.corrupt-") {
				t.Errorf("note = %q", o.Note)
			}
			matches, _ := filepath.Glob(filepath.Join(dir, "history.db.corrupt-*"))
			if len(matches) == 0 {
				t.Fatalf("nothing moved aside: %v", matches)
			}
			if _, err := o.History.Add(ctx, entry("alice", "read", pdp.Allow)); err != nil {
				t.Fatal(err)
			}
			if c, _ := o.History.Counts(ctx, Filter{}); c.Total != 1 {
				t.Errorf("fresh history counts = %+v", c)
			}
		})
	}
}

// A location that cannot be written gives a history in memory, with a note.
func TestReadOnlyLocationFallsBackToMemory(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o500)
	path := filepath.Join(ro, "pdpx", "history.db")
	if os.Geteuid() == 0 {
		// root writes through permission bits: use a place nobody can create files in.
		path = "/proc/pdpx-test/history.db"
	}
	o := OpenOrRecover(context.Background(), path)
	if !o.Memory || o.Store != nil || !strings.Contains(o.Note, "in memory") {
		t.Fatalf("opened = %+v", o)
	}
	if _, err := o.History.Add(context.Background(), entry("bob", "read", pdp.Allow)); err != nil {
		t.Fatal(err)
	}
	// An existing but read-only database file is found at open, not at the first write.
	if os.Geteuid() != 0 {
		p2 := filepath.Join(dir, "h2.db")
		s, _ := Open(context.Background(), p2)
		s.Close()
		os.Chmod(p2, 0o400)
		if o := OpenOrRecover(context.Background(), p2); !o.Memory {
			t.Errorf("a read-only file opened for writing")
			o.Close()
		}
	}
}

func TestHistoryPath(t *testing.T) {
	t.Setenv(EnvHistory, "")
	t.Setenv("XDG_STATE_HOME", "/xdg")
	if p, _ := HistoryPath(""); p != "/xdg/pdpx/history.db" {
		t.Errorf("xdg: %s", p)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/u")
	if p, _ := HistoryPath(""); p != "/home/u/.local/state/pdpx/history.db" {
		t.Errorf("home: %s", p)
	}
	t.Setenv(EnvHistory, "/env.db")
	if p, _ := HistoryPath(""); p != "/env.db" {
		t.Errorf("env: %s", p)
	}
	if p, _ := HistoryPath("/flag.db"); p != "/flag.db" {
		t.Errorf("flag: %s", p)
	}
}
