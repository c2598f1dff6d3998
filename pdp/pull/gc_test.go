package pull

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcSettings are the collector's percent and memory limit, left as they are.
func gcSettings() (int, int64) {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p, debug.SetMemoryLimit(-1)
}

// A pull starts with the collector off below quietUntil, hands over to
// GCPercent at its first collection, and restore puts back what was.
func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before, beforeLimit := gcSettings()
	restore := TuneGC()
	if p, l := gcSettings(); p != -1 || l != quietUntil {
		t.Errorf("while the heap is small: percent %d, limit %d; want off and %d", p, l, quietUntil)
	}
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, l := gcSettings()
		if p == GCPercent && l == beforeLimit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the first collection: percent %d, limit %d; want %d and %d", p, l, GCPercent, beforeLimit)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	restore()
	if p, l := gcSettings(); p != before || l != beforeLimit {
		t.Errorf("restored: percent %d, limit %d; want %d and %d", p, l, before, beforeLimit)
	}
}

// A pull that ends before its first collection leaves the collector as it
// was, and a later collection does not change it.
func TestTuneGCRestoredEarly(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before, beforeLimit := gcSettings()
	TuneGC()()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	runtime.GC()
	if p, l := gcSettings(); p != before || l != beforeLimit {
		t.Errorf("percent %d, limit %d; want %d and %d", p, l, before, beforeLimit)
	}
}

// $GOGC or $GOMEMLIMIT: the collector is the user's.
func TestTuneGCLeavesTheUsersSettings(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Setenv("GOGC", "")
		t.Setenv("GOMEMLIMIT", "")
		t.Setenv(env, "200")
		before, beforeLimit := gcSettings()
		restore := TuneGC()
		if p, l := gcSettings(); p != before || l != beforeLimit {
			t.Errorf("with $%s: percent %d, limit %d", env, p, l)
		}
		restore()
	}
}
